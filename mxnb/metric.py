"""Evaluation metrics (`mx.metric`), as MXNet 1.x.

`update(labels, preds)` takes lists of NDArrays (or single NDArrays); values are read once with
`asnumpy` and computed with vectorised NumPy. Each metric keeps a local and a global running sum.
"""
import math
from collections import OrderedDict

import numpy

from .base import MXNetError
from .named_registry import NamedRegistry
from .ndarray import NDArray

__all__ = ["EvalMetric", "CompositeEvalMetric", "Accuracy", "TopKAccuracy", "F1", "MCC", "MAE",
           "MSE", "RMSE", "CrossEntropy", "NegativeLogLikelihood", "Perplexity", "PearsonCorrelation", "PCC",
           "Loss", "Torch", "Caffe", "CustomMetric", "np", "create", "register", "alias",
           "check_label_shapes"]


class MetricError(MXNetError, ValueError):
    """Labels and predictions a metric cannot compare (a ValueError too, as in MXNet).

    Parameters
    ----------
    *args
        The error message (and any further arguments), as for any exception.

    Examples
    --------
    >>> try:
    ...     mx.metric.TopKAccuracy(top_k=1)
    ... except mx.metric.MetricError as err:
    ...     print(isinstance(err, ValueError))
    True
    """


def check_label_shapes(labels, preds, wrap=False, shape=False):
    """Checks labels and predictions agree in count (or in shape); wraps single NDArrays."""
    if not shape:
        label_shape, pred_shape = len(labels), len(preds)
    else:
        label_shape, pred_shape = labels.shape, preds.shape
    if label_shape != pred_shape:
        raise MetricError("Shape of labels {} does not match shape of predictions {}"
                          .format(label_shape, pred_shape))
    if wrap:
        if isinstance(labels, NDArray):
            labels = [labels]
        if isinstance(preds, NDArray):
            preds = [preds]
    return labels, preds


def _host(x):
    return x.asnumpy() if isinstance(x, NDArray) else numpy.asarray(x)


_REGISTRY = NamedRegistry("metric")   # base class set below, once defined


def register(klass):
    """Registers an EvalMetric class under its lower-cased name (a decorator)."""
    return _REGISTRY.register(klass)


def alias(*aliases):
    """Registers extra names for an EvalMetric class (a decorator)."""
    return _REGISTRY.alias(*aliases)


def create(metric, *args, **kwargs):
    """A metric from a name, an instance, a config, a callable or a list, as MXNet's.

    Parameters
    ----------
    metric : str, EvalMetric, dict, callable or list
        A registered name ('acc', 'top_k_accuracy'); an EvalMetric (returned as it is); a
        config dict or its JSON string (`json.dumps(m.get_config())`, or '["acc", {...}]');
        a function feval(label, pred) (wrapped in a CustomMetric); or a list of any of these
        (a CompositeEvalMetric of them).
    *args, **kwargs
        The metric's constructor arguments (with a name, a callable or a list only).

    Returns
    -------
    EvalMetric

    Examples
    --------
    >>> import json
    >>> acc = mx.metric.create('acc', axis=0)
    >>> mx.metric.create(json.dumps(acc.get_config())).axis
    0
    """
    if callable(metric) and not isinstance(metric, EvalMetric):
        return CustomMetric(metric, *args, **kwargs)
    if isinstance(metric, list):
        composite = CompositeEvalMetric()
        for child in metric:
            composite.add(create(child, *args, **kwargs))
        return composite
    return _REGISTRY.create(metric, *args, **kwargs)


class EvalMetric:
    """The base class of all metrics: a name and running sums (`sum_metric` / `num_inst`).

    Parameters
    ----------
    name : str
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.
    **kwargs
        Extra configuration, kept and returned by `get_config`.

    Examples
    --------
    >>> class Total(mx.metric.EvalMetric):
    ...     def __init__(self):
    ...         super().__init__('total')
    ...     def update(self, labels, preds):
    ...         for p in preds:
    ...             self.sum_metric += float(p.sum().asscalar())
    ...             self.num_inst += 1
    >>> m = Total()
    >>> m.update([], [mx.nd.array([1., 2.])])
    >>> m.get()
    ('total', 3.0)
    """

    def __init__(self, name, output_names=None, label_names=None, **kwargs):
        self.name = str(name)
        self.output_names = output_names
        self.label_names = label_names
        self._has_global_stats = kwargs.pop("has_global_stats", False)
        self._kwargs = kwargs
        self.reset()

    def __str__(self):
        return "EvalMetric: {}".format(dict(self.get_name_value()))

    def get_config(self):
        config = self._kwargs.copy()
        config.update({"metric": type(self).__name__, "name": self.name,
                       "output_names": self.output_names, "label_names": self.label_names})
        return config

    def update_dict(self, label, pred):
        pred = ([pred[name] for name in self.output_names] if self.output_names is not None
                else list(pred.values()))
        label = ([label[name] for name in self.label_names] if self.label_names is not None
                 else list(label.values()))
        self.update(label, pred)

    def update(self, labels, preds):
        raise NotImplementedError()

    def reset(self):
        self.num_inst = 0
        self.sum_metric = 0.0
        self.global_num_inst = 0
        self.global_sum_metric = 0.0

    def reset_local(self):
        self.num_inst = 0
        self.sum_metric = 0.0

    def _add(self, value, count):
        self.sum_metric += value
        self.global_sum_metric += value
        self.num_inst += count
        self.global_num_inst += count

    def get(self):
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.sum_metric / self.num_inst)

    def get_global(self):
        if not self._has_global_stats:
            return self.get()
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, self.global_sum_metric / self.global_num_inst)

    def get_name_value(self):
        return _zip_name_value(*self.get())

    def get_global_name_value(self):
        if not self._has_global_stats:
            return self.get_name_value()
        return _zip_name_value(*self.get_global())


_REGISTRY.base = EvalMetric


def _zip_name_value(name, value):
    if not isinstance(name, list):
        name = [name]
    if not isinstance(value, list):
        value = [value]
    return list(zip(name, value))


@register
@alias("composite")
class CompositeEvalMetric(EvalMetric):
    """Several metrics updated together; `get` returns lists of names and values.

    Parameters
    ----------
    metrics : list of EvalMetric or str, default None
        The metrics to hold (instances or names that `create` accepts); more can be `add`-ed.
    name : str, default 'composite'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.CompositeEvalMetric(['acc', 'ce'])
    >>> metric.update([mx.nd.array([1, 0, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> names, values = metric.get()
    >>> names
    ['accuracy', 'cross-entropy']
    """

    def __init__(self, metrics=None, name="composite", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.metrics = [create(i) for i in (metrics or [])]

    def add(self, metric):
        self.metrics.append(create(metric))

    def get_metric(self, index):
        try:
            return self.metrics[index]
        except IndexError:
            raise MetricError("Metric index {} is out of range 0 and {}"
                              .format(index, len(self.metrics))) from None

    def update_dict(self, labels, preds):
        if self.label_names is not None:
            labels = OrderedDict([i for i in labels.items() if i[0] in self.label_names])
        if self.output_names is not None:
            preds = OrderedDict([i for i in preds.items() if i[0] in self.output_names])
        for metric in self.metrics:
            metric.update_dict(labels, preds)

    def update(self, labels, preds):
        for metric in self.metrics:
            metric.update(labels, preds)

    def reset(self):
        for metric in getattr(self, "metrics", []):
            metric.reset()

    def reset_local(self):
        for metric in self.metrics:
            metric.reset_local()

    def _collect(self, getter):
        names, values = [], []
        for metric in self.metrics:
            name, value = getter(metric)
            names.extend(name if isinstance(name, list) else [name])
            values.extend(value if isinstance(value, list) else [value])
        return (names, values)

    def get(self):
        return self._collect(lambda m: m.get())

    def get_global(self):
        return self._collect(lambda m: m.get_global())

    def get_config(self):
        config = super().get_config()
        config.update({"metrics": [i.get_config() for i in self.metrics]})
        return config


@register
@alias("acc")
class Accuracy(EvalMetric):
    """The fraction of predictions equal to the labels (argmax over `axis` for scores).

    Parameters
    ----------
    axis : int, default 1
        The class axis of the predictions; when they have more dimensions than the labels, their
        argmax along it is taken.
    name : str, default 'accuracy'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.Accuracy()
    >>> metric.update([mx.nd.array([1, 0, 0])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    >>> round(value, 4)
    0.6667
    """

    def __init__(self, axis=1, name="accuracy", output_names=None, label_names=None):
        super().__init__(name, axis=axis, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.axis = axis

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _host(pred)
            label = _host(label)
            if pred.shape != label.shape:
                pred = pred.argmax(axis=self.axis)
            pred = pred.astype("int32").ravel()
            label = label.astype("int32").ravel()
            check_label_shapes(label, pred)
            self._add(int((pred == label).sum()), len(pred))


@register
@alias("top_k_accuracy", "top_k_acc")
class TopKAccuracy(EvalMetric):
    """The fraction of labels among the `top_k` highest-scored classes.

    Parameters
    ----------
    top_k : int, default 1
        A prediction counts as correct when the label is among its `top_k` best-scored classes;
        must be greater than 1 (use `Accuracy` otherwise).
    name : str, default 'top_k_accuracy'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.TopKAccuracy(top_k=2)
    >>> metric.update([mx.nd.array([2, 0])], [mx.nd.array([[0.1, 0.5, 0.4], [0.1, 0.3, 0.6]])])
    >>> name, value = metric.get()
    >>> name, value
    ('top_k_accuracy_2', 0.5)
    """

    def __init__(self, top_k=1, name="top_k_accuracy", output_names=None, label_names=None):
        super().__init__(name, top_k=top_k, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.top_k = top_k
        if self.top_k <= 1:
            raise MetricError("Please use Accuracy if top_k is no more than 1, found top_k=%d"
                              % top_k)
        self.name += "_%d" % self.top_k

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            pred = _host(pred).astype("float32")
            if pred.ndim > 2:
                raise MetricError("Predictions should be no more than 2 dims, found shape %s"
                                  % (pred.shape,))
            label = _host(label).astype("int32").ravel()
            check_label_shapes(label, pred)
            if pred.ndim == 1:  # MXNet compares the partition's indices with the labels
                correct = int((numpy.argpartition(pred, -self.top_k) == label).sum())
            else:
                top_k = min(pred.shape[1], self.top_k)
                best = numpy.argpartition(pred, -top_k, axis=1)[:, -top_k:]
                correct = int((best == label[:, None]).any(axis=1).sum())
            self._add(correct, pred.shape[0])


class _BinaryClassificationMetrics:
    """Confusion counts for binary classification, local and global."""

    _FIELDS = ("true_positives", "false_negatives", "false_positives", "true_negatives")

    def __init__(self):
        self.reset_stats()

    def update_binary_stats(self, label, pred):
        pred = _host(pred)
        label = _host(label).astype("int32").ravel()
        pred_label = numpy.argmax(pred, axis=1)
        check_label_shapes(label, pred)
        if len(numpy.unique(label)) > 2:
            raise MetricError("%s currently only supports binary classification, found labels %s"
                              % (type(self).__name__, numpy.unique(label).tolist()))
        pred_true = pred_label == 1
        label_true = label == 1
        counts = {"true_positives": int((pred_true & label_true).sum()),
                  "false_positives": int((pred_true & ~label_true).sum()),
                  "false_negatives": int((~pred_true & label_true).sum()),
                  "true_negatives": int((~pred_true & ~label_true).sum())}
        for field, count in counts.items():
            setattr(self, field, getattr(self, field) + count)
            setattr(self, "global_" + field, getattr(self, "global_" + field) + count)

    @staticmethod
    def _ratio(num, other):
        return float(num) / (num + other) if num + other > 0 else 0.0

    @property
    def precision(self):
        return self._ratio(self.true_positives, self.false_positives)

    @property
    def global_precision(self):
        return self._ratio(self.global_true_positives, self.global_false_positives)

    @property
    def recall(self):
        return self._ratio(self.true_positives, self.false_negatives)

    @property
    def global_recall(self):
        return self._ratio(self.global_true_positives, self.global_false_negatives)

    @staticmethod
    def _f(precision, recall):
        return 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0

    @property
    def fscore(self):
        return self._f(self.precision, self.recall)

    @property
    def global_fscore(self):
        return self._f(self.global_precision, self.global_recall)

    def matthewscc(self, use_global=False):
        prefix = "global_" if use_global else ""
        if not (self.global_total_examples if use_global else self.total_examples):
            return 0.0
        tp, fp, fn, tn = (float(getattr(self, prefix + f)) for f in
                          ("true_positives", "false_positives", "false_negatives",
                           "true_negatives"))
        denom = 1.0
        for t in (tp + fp, tp + fn, tn + fp, tn + fn):
            if t != 0.0:
                denom *= t
        return (tp * tn - fp * fn) / math.sqrt(denom)

    @property
    def total_examples(self):
        return sum(getattr(self, f) for f in self._FIELDS)

    @property
    def global_total_examples(self):
        return sum(getattr(self, "global_" + f) for f in self._FIELDS)

    def local_reset_stats(self):
        for f in self._FIELDS:
            setattr(self, f, 0)

    def reset_stats(self):
        for f in self._FIELDS:
            setattr(self, f, 0)
            setattr(self, "global_" + f, 0)


class _BinaryMetric(EvalMetric):
    """F1 and MCC: a score from confusion counts, averaged per update ('macro') or pooled."""

    def __init__(self, name, output_names, label_names, average):
        self.average = average
        self.metrics = _BinaryClassificationMetrics()
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def _score(self, use_global):
        raise NotImplementedError()

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            self.metrics.update_binary_stats(label, pred)
        if self.average == "macro":
            self.sum_metric += self._score(False)
            self.global_sum_metric += self._score(True)
            self.num_inst += 1
            self.global_num_inst += 1
            self.metrics.reset_stats()
        else:
            self.sum_metric = self._score(False) * self.metrics.total_examples
            self.global_sum_metric = self._score(True) * self.metrics.global_total_examples
            self.num_inst = self.metrics.total_examples
            self.global_num_inst = self.metrics.global_total_examples

    def reset(self):
        super().reset()
        self.metrics.reset_stats()

    def reset_local(self):
        super().reset_local()
        self.metrics.local_reset_stats()


@register
class F1(_BinaryMetric):
    """The F1 score of binary classification (predictions: scores of shape (n, 2)).

    Parameters
    ----------
    name : str, default 'f1'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.
    average : str, default 'macro'
        How the score is aggregated: 'macro' averages the per-batch scores, 'micro' computes it once
        from the counts accumulated over all batches.

    Examples
    --------
    >>> metric = mx.metric.F1()
    >>> metric.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    >>> round(value, 4)
    0.5
    """

    def __init__(self, name="f1", output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global):
        return self.metrics.global_fscore if use_global else self.metrics.fscore


@register
class MCC(_BinaryMetric):
    """The Matthews correlation coefficient of binary classification.

    Parameters
    ----------
    name : str, default 'mcc'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.
    average : str, default 'macro'
        How the score is aggregated: 'macro' averages the per-batch scores, 'micro' computes it once
        from the counts accumulated over all batches.

    Examples
    --------
    >>> metric = mx.metric.MCC()
    >>> metric.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    """

    def __init__(self, name="mcc", output_names=None, label_names=None, average="macro"):
        super().__init__(name, output_names, label_names, average)

    def _score(self, use_global):
        return self.metrics.matthewscc(use_global=use_global)


@register
class Perplexity(EvalMetric):
    """exp of the mean negative log probability of the labels (skipping `ignore_label`).

    Parameters
    ----------
    ignore_label : int or None
        Label value whose samples are left out of the computation (e.g. padding); None keeps all.
    axis : int, default -1
        The class axis of the predictions.
    name : str, default 'perplexity'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.Perplexity(ignore_label=None)
    >>> metric.update([mx.nd.array([0, 1, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    """

    def __init__(self, ignore_label, axis=-1, name="perplexity", output_names=None,
                 label_names=None):
        super().__init__(name, ignore_label=ignore_label, output_names=output_names,
                         label_names=label_names, has_global_stats=True)
        self.ignore_label = ignore_label
        self.axis = axis

    def update(self, labels, preds):
        if len(labels) != len(preds):
            raise MetricError("Perplexity: %d labels but %d predictions"
                              % (len(labels), len(preds)))
        loss, num = 0.0, 0
        for label, pred in zip(labels, preds):
            pred = _host(pred)
            label = _host(label).ravel()
            if label.size != pred.size / pred.shape[-1]:
                raise MetricError("shape mismatch: %s vs. %s" % (label.shape, pred.shape))
            probs = numpy.moveaxis(pred, self.axis, -1).reshape(-1, pred.shape[self.axis])
            picked = probs[numpy.arange(label.size), label.astype("int64")]
            if self.ignore_label is not None:
                ignore = label == self.ignore_label
                num -= int(ignore.sum())
                picked = numpy.where(ignore, 1.0, picked)
            loss -= float(numpy.log(numpy.maximum(1e-10, picked)).sum())
            num += picked.size
        self._add(loss, num)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.sum_metric / self.num_inst))

    def get_global(self):
        if self.global_num_inst == 0:
            return (self.name, float("nan"))
        return (self.name, math.exp(self.global_sum_metric / self.global_num_inst))


class _RegressionMetric(EvalMetric):
    """MAE / MSE / RMSE: one error value per (label, pred) pair, averaged over updates."""

    def __init__(self, name, output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    @staticmethod
    def _error(diff):
        raise NotImplementedError()

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label), _host(pred)
            if label.ndim == 1:
                label = label.reshape(label.shape[0], 1)
            if pred.ndim == 1:
                pred = pred.reshape(pred.shape[0], 1)
            self._add(float(self._error(label - pred)), 1)


@register
class MAE(_RegressionMetric):
    """Mean absolute error.

    Parameters
    ----------
    name : str, default 'mae'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.MAE()
    >>> metric.update([mx.nd.array([1., 2., 3.])], [mx.nd.array([1.5, 2., 2.])])
    >>> name, value = metric.get()
    >>> value
    0.5
    """

    def __init__(self, name="mae", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(diff):
        return numpy.abs(diff).mean()


@register
class MSE(_RegressionMetric):
    """Mean squared error.

    Parameters
    ----------
    name : str, default 'mse'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.MSE()
    >>> metric.update([mx.nd.array([1., 2., 3.])], [mx.nd.array([1.5, 2., 2.])])
    >>> name, value = metric.get()
    >>> round(value, 4)
    0.4167
    """

    def __init__(self, name="mse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(diff):
        return (diff ** 2.0).mean()


@register
class RMSE(_RegressionMetric):
    """Root mean squared error (per update, then averaged, as MXNet).

    Parameters
    ----------
    name : str, default 'rmse'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.RMSE()
    >>> metric.update([mx.nd.array([1., 2., 3.])], [mx.nd.array([1.5, 2., 2.])])
    >>> name, value = metric.get()
    >>> round(value, 4)
    0.6455
    """

    def __init__(self, name="rmse", output_names=None, label_names=None):
        super().__init__(name, output_names, label_names)

    @staticmethod
    def _error(diff):
        return numpy.sqrt((diff ** 2.0).mean())


class _LogLoss(EvalMetric):
    """Mean of -log(p[label] + eps) over samples."""

    def __init__(self, eps, name, output_names, label_names):
        super().__init__(name, eps=eps, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self.eps = eps

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label, pred = _host(label).ravel(), _host(pred)
            if label.shape[0] != pred.shape[0]:
                raise MetricError("%s: %d labels for %d predictions"
                                  % (self.name, label.shape[0], pred.shape[0]))
            prob = pred[numpy.arange(label.shape[0]), numpy.int64(label)]
            self._add(float((-numpy.log(prob + self.eps)).sum()), label.shape[0])


@register
@alias("ce")
class CrossEntropy(_LogLoss):
    """Cross entropy of predicted probabilities (shape (n, classes)) and integer labels.

    Parameters
    ----------
    eps : float, default 1e-12
        Added to the predicted probability of the true class before taking the log, to avoid
        log(0).
    name : str, default 'cross-entropy'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.CrossEntropy()
    >>> metric.update([mx.nd.array([1, 0, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    """

    def __init__(self, eps=1e-12, name="cross-entropy", output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias("nll_loss")
class NegativeLogLikelihood(_LogLoss):
    """Negative log likelihood of the labels under the predicted probabilities.

    Parameters
    ----------
    eps : float, default 1e-12
        Added to the predicted probability of the true class before taking the log, to avoid
        log(0).
    name : str, default 'nll-loss'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.NegativeLogLikelihood()
    >>> metric.update([mx.nd.array([1, 0, 1])], [mx.nd.array([[0.3, 0.7], [0.6, 0.4], [0.2, 0.8]])])
    >>> name, value = metric.get()
    """

    def __init__(self, eps=1e-12, name="nll-loss", output_names=None, label_names=None):
        super().__init__(eps, name, output_names, label_names)


@register
@alias("pearsonr")
class PearsonCorrelation(EvalMetric):
    """Computes the Pearson correlation coefficient of predictions and labels.

    .. math::
        \\rho_{y, \\hat{y}} = \\frac{cov(y, \\hat{y})}{\\sigma{y}\\sigma{\\hat{y}}}

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names of the predictions and labels `update_dict` uses (None: all).
    average : str, default 'macro'
        'macro': the mean of the coefficients of each update; 'micro': one coefficient over
        everything seen, from streaming means, variances and covariance (as MXNet, these
        statistics survive `reset_local`, and `get_global` keeps MXNet's macro sums).

    Examples
    --------
    >>> predicts = [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])]
    >>> labels   = [mx.nd.array([[1, 0], [0, 1], [1, 0]])]
    >>> pr = mx.metric.PearsonCorrelation()
    >>> pr.update(labels, predicts)
    >>> print(pr.get())
    ('pearsonr', 0.42163704544016178)
    """

    def __init__(self, name="pearsonr", output_names=None, label_names=None, average="macro"):
        if average not in ("macro", "micro"):
            raise MXNetError("PearsonCorrelation: average must be 'macro' or 'micro', found %r"
                             % (average,))
        self.average = average
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        if self.average == "micro":
            self.reset_micro()

    def reset_micro(self):
        """Clears the streaming statistics of average='micro'."""
        self._sse_p = 0
        self._mean_p = 0
        self._sse_l = 0
        self._mean_l = 0
        self._pred_nums = 0
        self._label_nums = 0
        self._conv = 0

    def reset(self):
        super().reset()
        if self.average == "micro":
            self.reset_micro()

    @staticmethod
    def update_variance(new_values, count, mean, m_2):
        """Welford's update of (count, mean, sum of squared deviations) by a batch."""
        count += len(new_values)
        delta = new_values - mean
        mean += numpy.sum(delta / count)
        m_2 += numpy.sum(delta * (new_values - mean))
        return count, mean, m_2

    def update_cov(self, label, pred):
        self._conv = self._conv + numpy.sum((label - self._mean_l) * (pred - self._mean_p))

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            check_label_shapes(label, pred, False, True)
            label = _host(label).ravel().astype(numpy.float64)
            pred = _host(pred).ravel().astype(numpy.float64)
            if self.average == "macro":
                self._add(float(numpy.corrcoef(pred, label)[0, 1]), 1)
            else:
                self.global_num_inst += 1
                self.num_inst += 1
                self._label_nums, self._mean_l, self._sse_l = self.update_variance(
                    label, self._label_nums, self._mean_l, self._sse_l)
                self.update_cov(label, pred)   # with the label mean updated, the pred mean not
                self._pred_nums, self._mean_p, self._sse_p = self.update_variance(
                    pred, self._pred_nums, self._mean_p, self._sse_p)

    def get(self):
        if self.num_inst == 0:
            return (self.name, float("nan"))
        if self.average == "macro":
            return (self.name, self.sum_metric / self.num_inst)
        n = self._label_nums
        pearsonr = self._conv / ((n - 1) * numpy.sqrt(self._sse_p / (n - 1))
                                 * numpy.sqrt(self._sse_l / (n - 1)))
        return (self.name, float(pearsonr))


@register
class PCC(EvalMetric):
    """PCC is a multiclass equivalent of the Matthews correlation coefficient, from the
    confusion matrix of all classes seen (the matrix grows with the labels).

    .. math::
        \\text{PCC} = \\frac{\\sum _{k}\\sum _{l}\\sum _{m}C_{kk}C_{lm}-C_{kl}C_{mk}}
        {\\sqrt{(\\sum _{k}(\\sum _{l}C_{kl})(\\sum _{k'|k'\\neq k}\\sum _{l'}C_{k'l'}))
         (\\sum _{k}(\\sum _{l}C_{lk})(\\sum _{k'|k'\\neq k}\\sum _{l'}C_{l'k'}))}}

    Parameters
    ----------
    name : str
        Name of this metric instance for display.
    output_names, label_names : list of str, or None
        Names of the predictions and labels `update_dict` uses (None: all).
    has_global_stats : bool
        Keep a global confusion matrix that `reset_local` leaves alone.

    Examples
    --------
    >>> predicts = [mx.nd.array([[0.3, 0.7], [0, 1.], [0.4, 0.6]])]
    >>> labels   = [mx.nd.array([0, 1, 1])]
    >>> pcc = mx.metric.PCC()
    >>> pcc.update(labels, predicts)
    >>> print(pcc.get())
    ('pcc', 0.5)
    """

    def __init__(self, name="pcc", output_names=None, label_names=None, has_global_stats=True):
        self.k = 2
        super().__init__(name=name, output_names=output_names, label_names=label_names,
                         has_global_stats=has_global_stats)

    def _grow(self, inc):
        self.lcm = numpy.pad(self.lcm, ((0, inc), (0, inc)), "constant", constant_values=0)
        self.gcm = numpy.pad(self.gcm, ((0, inc), (0, inc)), "constant", constant_values=0)
        self.k += inc

    @staticmethod
    def _calc_mcc(cmat):
        n = cmat.sum()
        x = cmat.sum(axis=1)
        y = cmat.sum(axis=0)
        cov_xx = numpy.sum(x * (n - x))
        cov_yy = numpy.sum(y * (n - y))
        if cov_xx == 0 or cov_yy == 0:
            return float("nan")
        cov_xy = numpy.sum(cmat.diagonal() * n - x * y)
        return cov_xy / (cov_xx * cov_yy) ** 0.5

    def update(self, labels, preds):
        labels, preds = check_label_shapes(labels, preds, True)
        for label, pred in zip(labels, preds):
            label = _host(label).astype(numpy.int32)
            pred = _host(pred)
            pred = pred.argmax(axis=1) if pred.shape != label.shape else pred
            label, pred = label.ravel(), pred.astype(numpy.int32).ravel()
            n = max(pred.max(), label.max())
            if n >= self.k:
                self._grow(n + 1 - self.k)
            bcm = numpy.zeros((self.k, self.k))
            numpy.add.at(bcm, (pred, label), 1)
            self.lcm += bcm
            self.gcm += bcm
        self.num_inst += 1
        self.global_num_inst += 1

    @property
    def sum_metric(self):
        return self._calc_mcc(self.lcm) * self.num_inst

    @sum_metric.setter
    def sum_metric(self, value):
        pass   # derived from the confusion matrix

    @property
    def global_sum_metric(self):
        return self._calc_mcc(self.gcm) * self.global_num_inst

    @global_sum_metric.setter
    def global_sum_metric(self, value):
        pass

    def reset(self):
        self.global_num_inst = 0.0
        self.gcm = numpy.zeros((self.k, self.k))
        self.reset_local()

    def reset_local(self):
        self.num_inst = 0.0
        self.lcm = numpy.zeros((self.k, self.k))


@register
class Loss(EvalMetric):
    """The mean of the values of the predictions (losses); labels are ignored.

    Parameters
    ----------
    name : str, default 'loss'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.Loss()
    >>> metric.update(None, [mx.nd.array([0.5, 1.5])])
    >>> metric.get()
    ('loss', 1.0)
    """

    def __init__(self, name="loss", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names,
                         has_global_stats=True)

    def update(self, _, preds):
        if isinstance(preds, NDArray):
            preds = [preds]
        for pred in preds:
            values = _host(pred)
            self._add(float(values.sum()), values.size)


@register
class Torch(Loss):
    """Dummy metric for torch criterions.

    Parameters
    ----------
    name : str, default 'torch'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.Torch()
    >>> metric.update(None, [mx.nd.array([0.5, 1.5])])
    >>> metric.get()
    ('torch', 1.0)
    """

    def __init__(self, name="torch", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names)


@register
class Caffe(Loss):
    """Dummy metric for caffe criterions.

    Parameters
    ----------
    name : str, default 'caffe'
        Name of the metric instance, shown by `get`.
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> metric = mx.metric.Caffe()
    >>> metric.update(None, [mx.nd.array([0.5, 1.5])])
    >>> metric.get()
    ('caffe', 1.0)
    """

    def __init__(self, name="caffe", output_names=None, label_names=None):
        super().__init__(name, output_names=output_names, label_names=label_names)


@register
class CustomMetric(EvalMetric):
    """A metric from `feval(label, pred)` on NumPy arrays, returning a value or (sum, count).

    Parameters
    ----------
    feval : callable
        ``feval(label, pred)`` on NumPy arrays, returning the metric value or a ``(sum, count)``
        pair.
    name : str, default None
        Name of the metric; derived from ``feval.__name__`` when None.
    allow_extra_outputs : bool, default False
        If True, there may be more predictions than labels (the extra ones are ignored).
    output_names : list of str, default None
        Names of the predictions `update_dict` passes on; all of them when None.
    label_names : list of str, default None
        Names of the labels `update_dict` passes on; all of them when None.

    Examples
    --------
    >>> def mean_abs(label, pred):
    ...     return abs(label - pred).mean()
    >>> metric = mx.metric.CustomMetric(mean_abs)
    >>> metric.update([mx.nd.array([1., 2.])], [mx.nd.array([1., 3.])])
    >>> name, value = metric.get()
    >>> name, float(value)
    ('mean_abs', 0.5)
    """

    def __init__(self, feval, name=None, allow_extra_outputs=False, output_names=None,
                 label_names=None):
        if name is None:
            name = feval.__name__
            if name.find("<") != -1:
                name = "custom(%s)" % name
        super().__init__(name, feval=feval, allow_extra_outputs=allow_extra_outputs,
                         output_names=output_names, label_names=label_names,
                         has_global_stats=True)
        self._feval = feval
        self._allow_extra_outputs = allow_extra_outputs

    def update(self, labels, preds):
        if not self._allow_extra_outputs:
            labels, preds = check_label_shapes(labels, preds, True)
        for pred, label in zip(preds, labels):
            reval = self._feval(_host(label), _host(pred))
            if isinstance(reval, tuple):
                self._add(reval[0], reval[1])
            else:
                self._add(reval, 1)

    def get_config(self):
        raise NotImplementedError("CustomMetric cannot be serialized")


def np(numpy_feval, name=None, allow_extra_outputs=False):
    """A CustomMetric from a function of NumPy (label, pred)."""
    def feval(label, pred):
        return numpy_feval(label, pred)
    feval.__name__ = numpy_feval.__name__
    return CustomMetric(feval, name, allow_extra_outputs)
