"""Losses (MXNet 1.x `gluon.loss`): HybridBlocks returning one loss per sample."""
import math
import numbers

from .. import ndarray as nd
from ..base import MXNetError
from .block import HybridBlock

__all__ = ["Loss", "L1Loss", "L2Loss", "SoftmaxCrossEntropyLoss", "SoftmaxCELoss",
           "SigmoidBinaryCrossEntropyLoss", "SigmoidBCELoss", "KLDivLoss", "HuberLoss",
           "HingeLoss", "SquaredHingeLoss", "LogisticLoss", "TripletLoss", "CTCLoss",
           "CosineEmbeddingLoss", "PoissonNLLLoss", "SDMLLoss"]


def _apply_weighting(F, loss, weight=None, sample_weight=None):
    if sample_weight is not None:
        loss = F.broadcast_mul(loss, sample_weight)
    if weight is not None:
        if not isinstance(weight, numbers.Number):
            raise MXNetError("loss weight must be a number, found %s" % type(weight).__name__)
        loss = loss * weight
    return loss


def _reshape_like(F, x, y):
    """`x` in `y`'s shape (labels often come as (N,) for predictions of shape (N, 1))."""
    if F is nd:
        return x if x.shape == y.shape else x.reshape(y.shape)
    return F.reshape_like(x, y)


class Loss(HybridBlock):
    """Base class: `weight` scales the loss; `batch_axis` is kept, the other axes averaged.

    Parameters
    ----------
    weight : float or None
        Global scalar weight multiplied into the loss.
    batch_axis : int
        The axis that indexes samples; the loss is averaged over every other axis.
    **kwargs
        Passed on to `HybridBlock` (``prefix``, ``params``).

    Examples
    --------
    >>> class MyL1(mx.gluon.loss.Loss):
    ...     def __init__(self, **kwargs):
    ...         super().__init__(None, 0, **kwargs)
    ...     def hybrid_forward(self, F, pred, label):
    ...         return self._mean_over_sample(F, F.abs(pred - label))
    """

    def __init__(self, weight, batch_axis, **kwargs):
        super().__init__(**kwargs)
        self._weight = weight
        self._batch_axis = batch_axis

    def __repr__(self):
        return "%s(batch_axis=%s, w=%s)" % (type(self).__name__, self._batch_axis, self._weight)

    def _mean_over_sample(self, F, loss):
        return F.mean(loss, axis=self._batch_axis, exclude=True)

    def hybrid_forward(self, F, x, *args, **kwargs):
        raise NotImplementedError


class L2Loss(Loss):
    """`0.5 * weight * (pred - label)^2`, averaged over the non-batch axes.

    Parameters
    ----------
    weight : float or None, default 1.0
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.L2Loss()
    >>> loss(mx.nd.array([[1., 2.]]), mx.nd.array([[1., 0.]]))   # 0.5 * mean((pred - label)**2) = 1
    """

    def __init__(self, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(label - pred)
        loss = _apply_weighting(F, loss, self._weight / 2, sample_weight)
        return self._mean_over_sample(F, loss)


class L1Loss(Loss):
    """`weight * |pred - label|`, averaged over the non-batch axes.

    Parameters
    ----------
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.L1Loss()
    >>> loss(mx.nd.array([[1., 2.]]), mx.nd.array([[1., 0.]]))   # mean(|pred - label|) = 1.0
    """

    def __init__(self, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


class SigmoidBinaryCrossEntropyLoss(Loss):
    """Binary cross-entropy on logits (or on probabilities with from_sigmoid=True).

    Parameters
    ----------
    from_sigmoid : bool, default False
        If True, `pred` is already a probability (the sigmoid was applied); otherwise `pred` holds
        logits and the sigmoid is applied inside, in a numerically stable form.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.SigmoidBinaryCrossEntropyLoss()
    >>> loss(mx.nd.array([[0.3, -1.2]]), mx.nd.array([[1., 0.]]))
    """

    def __init__(self, from_sigmoid=False, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_sigmoid = from_sigmoid

    def hybrid_forward(self, F, pred, label, sample_weight=None, pos_weight=None):
        label = _reshape_like(F, label, pred)
        if not self._from_sigmoid:
            # Stable form: max(x, 0) - x * z + log(1 + exp(-|x|)).
            softplus = F.Activation(-F.abs(pred), act_type="softrelu")
            if pos_weight is None:
                loss = F.relu(pred) - pred * label + softplus
            else:
                log_weight = 1 + F.broadcast_mul(pos_weight - 1, label)
                loss = pred - pred * label + log_weight * (softplus + F.relu(-pred))
        else:
            eps = 1e-12
            if pos_weight is None:
                loss = -(F.log(pred + eps) * label + F.log(1. - pred + eps) * (1. - label))
            else:
                loss = -(F.broadcast_mul(F.log(pred + eps) * label, pos_weight)
                         + F.log(1. - pred + eps) * (1. - label))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


SigmoidBCELoss = SigmoidBinaryCrossEntropyLoss


class SoftmaxCrossEntropyLoss(Loss):
    """`-log softmax(pred)[label]` (sparse labels) or `-sum(label * log softmax(pred))`.

    Parameters
    ----------
    axis : int, default -1
        The axis over which the softmax is taken (the class axis).
    sparse_label : bool, default True
        If True, `label` holds class indices; otherwise it holds a probability distribution with
        the same shape as `pred`.
    from_logits : bool, default False
        If True, `pred` is taken to be log-probabilities already and no log-softmax is applied.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    >>> loss(mx.nd.array([[1., 2., 3.]]), mx.nd.array([2]))
    """

    def __init__(self, axis=-1, sparse_label=True, from_logits=False, weight=None, batch_axis=0,
                 **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._axis = axis
        self._sparse_label = sparse_label
        self._from_logits = from_logits

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if F is nd and self._sparse_label and not self._from_logits:
            # eager: the log_softmax -> pick -> negative chain as one operator (the same values
            # and gradients, bit for bit, for a fraction of the dispatch); a symbol keeps
            # MXNet's chain, which an exported model needs
            if sample_weight is None and pred.ndim == 2 and self._batch_axis == 0 \
                    and self._axis in (-1, 1):
                # a classifier's (batch, classes): the mean over the kept axis of length 1
                # would divide each loss by 1, so the operator drops the axis instead
                loss = F._softmax_cross_entropy_pick(pred, label, axis=self._axis,
                                                     keepdims=False)
                return _apply_weighting(F, loss, self._weight)
            loss = F._softmax_cross_entropy_pick(pred, label, axis=self._axis)
            loss = _apply_weighting(F, loss, self._weight, sample_weight)
            return self._mean_over_sample(F, loss)
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        if self._sparse_label:
            loss = -F.pick(pred, label, axis=self._axis, keepdims=True)
        else:
            label = _reshape_like(F, label, pred)
            loss = -F.sum(pred * label, axis=self._axis, keepdims=True)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


SoftmaxCELoss = SoftmaxCrossEntropyLoss


class KLDivLoss(Loss):
    """`label * (log(label) - pred)` summed over the non-batch axes (as MXNet 1.9.1); `pred` is
    log-probabilities unless from_logits=False.

    Parameters
    ----------
    from_logits : bool, default True
        If True, `pred` holds log-probabilities; otherwise a log-softmax is applied to it first.
    axis : int, default -1
        The axis over which the log-softmax is taken when `from_logits` is False.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.KLDivLoss(from_logits=False)
    >>> loss(mx.nd.array([[1., 2., 3.]]), mx.nd.array([[0.2, 0.3, 0.5]]))
    """

    def __init__(self, from_logits=True, axis=-1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._axis = axis

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        if not self._from_logits:
            pred = F.log_softmax(pred, axis=self._axis)
        loss = label * (F.log(label + 1e-12) - pred)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.sum(loss, axis=self._batch_axis, exclude=True)


class HuberLoss(Loss):
    """Squared error below `rho`, absolute error above it.

    Parameters
    ----------
    rho : float, default 1
        Threshold between the quadratic (below) and the linear (above) part of the loss.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.HuberLoss(rho=1)
    >>> loss(mx.nd.array([[0.5, 3.]]), mx.nd.array([[0., 0.]]))
    """

    def __init__(self, rho=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._rho = rho

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.abs(label - pred)
        loss = F.where(loss > self._rho, loss - 0.5 * self._rho,
                       (0.5 / self._rho) * F.square(loss))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


class HingeLoss(Loss):
    """`max(0, margin - pred * label)` for labels in {-1, 1}.

    Parameters
    ----------
    margin : float, default 1
        The margin the score ``pred * label`` must exceed to give zero loss.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.HingeLoss()
    >>> loss(mx.nd.array([[0.3, -2.]]), mx.nd.array([[1., -1.]]))
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.relu(self._margin - pred * label)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


class SquaredHingeLoss(Loss):
    """`max(0, margin - pred * label)^2` for labels in {-1, 1}.

    Parameters
    ----------
    margin : float, default 1
        The margin the score ``pred * label`` must exceed to give zero loss.
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.

    Examples
    --------
    >>> loss = mx.gluon.loss.SquaredHingeLoss()
    >>> loss(mx.nd.array([[0.3, -2.]]), mx.nd.array([[1., -1.]]))
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        loss = F.square(F.relu(self._margin - pred * label))
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


class LogisticLoss(Loss):
    """`log(1 + exp(-pred * label))` for labels in {-1, 1} ('signed') or {0, 1} ('binary').

    Parameters
    ----------
    weight : float or None, default None
        Global scalar weight multiplied into the loss.
    batch_axis : int, default 0
        The axis that indexes samples; the loss is averaged over every other axis.
    label_format : str, default 'signed'
        How labels are encoded: 'signed' for -1/1 labels, 'binary' for 0/1 labels.

    Examples
    --------
    >>> loss = mx.gluon.loss.LogisticLoss(label_format='binary')
    >>> loss(mx.nd.array([[0.3, -1.2]]), mx.nd.array([[1., 0.]]))
    """

    def __init__(self, weight=None, batch_axis=0, label_format="signed", **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        if label_format not in ("signed", "binary"):
            raise MXNetError("label_format can only be signed or binary, received %s" % label_format)
        self._label_format = label_format

    def hybrid_forward(self, F, pred, label, sample_weight=None):
        label = _reshape_like(F, label, pred)
        if self._label_format == "signed":
            label = (label + 1.0) / 2.0
        loss = F.relu(pred) - pred * label + F.Activation(-F.abs(pred), act_type="softrelu")
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return self._mean_over_sample(F, loss)


class TripletLoss(Loss):
    r"""Triplet loss: `max(0, ||pred - positive||^2 - ||pred - negative||^2 + margin)`, the squared
    distances summed over the non-batch axes.

    Parameters
    ----------
    margin : float, default 1
    weight : float or None
        Global scalar weight for the loss.
    batch_axis : int, default 0

    Inputs: pred, positive, negative (same number of elements). Output: loss of shape (batch,).

    Example
    -------
    >>> loss = mx.gluon.loss.TripletLoss(margin=0.5)
    >>> loss(mx.nd.zeros((2, 3)), mx.nd.ones((2, 3)), mx.nd.ones((2, 3)) * 2)
    [0. 0.]
    """

    def __init__(self, margin=1, weight=None, batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, pred, positive, negative):
        positive = _reshape_like(F, positive, pred)
        negative = _reshape_like(F, negative, pred)
        loss = F.sum(F.square(positive - pred) - F.square(negative - pred),
                     axis=self._batch_axis, exclude=True)
        loss = F.relu(loss + self._margin)
        return _apply_weighting(F, loss, self._weight, None)


class CTCLoss(Loss):
    r"""Connectionist Temporal Classification loss (the `CTCLoss` operator, blank label last).

    Parameters
    ----------
    layout : {'NTC', 'TNC'}, default 'NTC'
        Layout of pred: batch, time, alphabet (the last channel is the blank).
    label_layout : {'NT', 'TN'}, default 'NT'
        Layout of label; labels are padded with -1.
    weight : float or None

    Inputs: pred, label, pred_lengths (optional, (N,)), label_lengths (optional, (N,)),
    sample_weight (optional). Output: loss of shape (N,).

    Example
    -------
    >>> loss = mx.gluon.loss.CTCLoss()
    >>> loss(mx.nd.zeros((2, 5, 4)), mx.nd.array([[1, 0, -1], [2, 2, 1]])).shape
    (2,)
    """

    def __init__(self, layout="NTC", label_layout="NT", weight=None, **kwargs):
        if layout not in ("NTC", "TNC"):
            raise MXNetError("CTCLoss: only 'NTC' and 'TNC' layouts for pred are supported, "
                             "found %r" % (layout,))
        if label_layout not in ("NT", "TN"):
            raise MXNetError("CTCLoss: only 'NT' and 'TN' layouts for label are supported, "
                             "found %r" % (label_layout,))
        self._layout = layout
        self._label_layout = label_layout
        super().__init__(weight, label_layout.find("N"), **kwargs)

    def hybrid_forward(self, F, pred, label, pred_lengths=None, label_lengths=None,
                       sample_weight=None):
        if self._layout == "NTC":
            pred = F.swapaxes(pred, 0, 1)
        if self._batch_axis == 1:
            label = F.swapaxes(label, 0, 1)
        inputs = [pred, label] + [x for x in (pred_lengths, label_lengths) if x is not None]
        loss = F.CTCLoss(*inputs, use_data_lengths=pred_lengths is not None,
                         use_label_lengths=label_lengths is not None, blank_label="last")
        return _apply_weighting(F, loss, self._weight, sample_weight)


class CosineEmbeddingLoss(Loss):
    r"""Cosine embedding loss: `1 - cos(input1, input2)` for label 1 and
    `max(0, cos(input1, input2) - margin)` for label -1.

    Parameters
    ----------
    weight : float or None
    batch_axis : int, default 0
    margin : float, default 0

    Inputs: input1, input2 (N, D), label (N,) of 1 or -1, sample_weight (optional).
    Output: loss of shape (N, 1), as MXNet 1.9.1.

    Example
    -------
    >>> loss = mx.gluon.loss.CosineEmbeddingLoss()
    >>> loss(mx.nd.array([[1, 0]]), mx.nd.array([[0, 1]]), mx.nd.array([1]))
    [[1.]]
    """

    def __init__(self, weight=None, batch_axis=0, margin=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._margin = margin

    def hybrid_forward(self, F, input1, input2, label, sample_weight=None):
        input1 = _reshape_like(F, input1, input2)
        label = F.reshape(label, shape=(-1, 1))
        cos_sim = self._cosine_similarity(F, input1, input2)
        similar = label == 1
        dissimilar = label == -1
        loss = (1 - cos_sim) * similar + F.relu(dissimilar * (cos_sim - self._margin))
        return _apply_weighting(F, loss, self._weight, sample_weight)

    def _cosine_similarity(self, F, x, y, axis=-1):
        x_norm = F.reshape(F.norm(x, axis=axis), shape=(-1, 1))
        y_norm = F.reshape(F.norm(y, axis=axis), shape=(-1, 1))
        x_dot_y = F.reshape(F.sum(x * y, axis=axis), shape=(-1, 1))
        return x_dot_y / F._maximum_scalar(x_norm * y_norm, scalar=1e-12)


class PoissonNLLLoss(Loss):
    r"""Negative log-likelihood of a Poisson target: `exp(pred) - target * pred` (from_logits)
    or `pred - target * log(pred + epsilon)`, plus Stirling's approximation of log(target!)
    where target > 1 when compute_full; averaged over all elements (one number).

    Parameters
    ----------
    weight : float or None
    from_logits : bool, default True
        pred is log(rate).
    batch_axis : int, default 0
    compute_full : bool, default False

    Inputs: pred, target, sample_weight (optional), epsilon (default 1e-08).

    Example
    -------
    >>> loss = mx.gluon.loss.PoissonNLLLoss()
    >>> loss(mx.nd.zeros((2, 2)), mx.nd.ones((2, 2)))
    [1.]
    """

    def __init__(self, weight=None, from_logits=True, batch_axis=0, compute_full=False, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self._from_logits = from_logits
        self._compute_full = compute_full

    def hybrid_forward(self, F, pred, target, sample_weight=None, epsilon=1e-08):
        target = _reshape_like(F, target, pred)
        if self._from_logits:
            loss = F.exp(pred) - target * pred
        else:
            loss = pred - target * F.log(pred + epsilon)
        if self._compute_full:
            stirling = target * F.log(target) - target + 0.5 * F.log(2 * target * math.pi)
            loss = loss + stirling * (target > 1)
        loss = _apply_weighting(F, loss, self._weight, sample_weight)
        return F.mean(loss)


class SDMLLoss(Loss):
    r"""Smoothed Deep Metric Learning loss (Bonadiman et al., 2019): x1[i] and x2[i] are a
    positive pair, every other row of x2 a negative for x1[i]; the KL divergence between the
    softmax of the negative squared distances and the smoothed identity.

    Parameters
    ----------
    smoothing_parameter : float, default 0.3
        Probability mass spread over the negatives (< 1).
    weight : float, default 1
        Accepted and stored; MXNet 1.9.1 does not apply it, nor does mxnb.
    batch_axis : int, default 0

    Inputs: x1, x2 (batch, dim). Output: loss of shape (batch,). As in MXNet, the batch size is
    read from x1's shape, so the loss runs imperatively (not inside a hybridized block).

    Example
    -------
    >>> loss = mx.gluon.loss.SDMLLoss()
    >>> loss(mx.nd.array([[1, 0], [0, 1]]), mx.nd.array([[1, 0], [0, 1]])).shape
    (2,)
    """

    def __init__(self, smoothing_parameter=0.3, weight=1., batch_axis=0, **kwargs):
        super().__init__(weight, batch_axis, **kwargs)
        self.kl_loss = KLDivLoss(from_logits=True)
        self.smoothing_parameter = smoothing_parameter

    def _compute_distances(self, F, x1, x2):
        """Squared euclidean distance between every row of x1 and every row of x2."""
        diffs = F.broadcast_sub(F.expand_dims(x1, axis=1), F.expand_dims(x2, axis=0))
        return F.sum(F.square(diffs), axis=2)

    def _compute_labels(self, F, batch_size, ctx):
        gold = nd.eye(batch_size, ctx=ctx)
        return gold * (1 - self.smoothing_parameter) + \
            (1 - gold) * self.smoothing_parameter / (batch_size - 1)

    def hybrid_forward(self, F, x1, x2):
        if F is not nd:
            raise MXNetError("SDMLLoss reads the batch size from its input's shape, so it runs "
                             "imperatively only (as in MXNet); call it outside hybridized blocks")
        if x1.shape != x2.shape or len(x1.shape) != 2:
            raise MXNetError("SDMLLoss: x1 and x2 must both be (batch, dim), found %s and %s"
                             % (x1.shape, x2.shape))
        distances = self._compute_distances(F, x1, x2)
        log_probabilities = F.log_softmax(-distances, axis=1)
        labels = self._compute_labels(F, x1.shape[0], distances.context)
        # as MXNet 1.9.1, `weight` is stored but not applied
        return self.kl_loss(log_probabilities, labels)
