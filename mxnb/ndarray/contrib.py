"""`mx.nd.contrib`: the registry's `_contrib_*` operators under their short names, and MXNet's
Python helpers of that namespace (the AdamW/LAMB update wrappers, isfinite/isnan/isinf)."""
import numpy as np

from ..ops import registry as _registry
from .register import make_nd_function

for _name, _op in _registry.all_names().items():
    if _name.startswith("_contrib_"):
        globals()[_name[len("_contrib_"):]] = make_nd_function(_op, _name[len("_contrib_"):])


def _nd():
    from .. import ndarray
    return ndarray


def _rescale_array(rescale_grad, ctx):
    """MXNet passes rescale_grad to the AdamW kernels as a (1,) array (so inf/nan skips)."""
    nd = _nd()
    if isinstance(rescale_grad, nd.NDArray):
        return rescale_grad
    return nd.full((1,), rescale_grad, ctx=ctx)


def adamw_update(weight, grad, mean, var, rescale_grad, lr, eta, beta1=0.9, beta2=0.999,
                 epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None, **kwargs):
    """Update function for the AdamW optimizer (Adam with decoupled weight decay).

    weight = weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight); `mean` and
    `var` are updated in place. `rescale_grad` (a number or an NDArray) that is not finite
    skips the update.

    Parameters
    ----------
    weight, grad, mean, var : NDArray
        The weight, its gradient and the first and second moments.
    rescale_grad : float or NDArray
        Rescale gradient to rescale_grad * grad.
    lr : float
        Learning rate.
    eta : float
        Learning rate schedule multiplier.
    beta1, beta2, epsilon, wd, clip_gradient : float
        As `adam_update`; clip_gradient < 0 turns clipping off.
    out : NDArray, optional
        The output NDArray (usually `weight`).

    Returns
    -------
    NDArray
        The updated weight.

    Example
    -------
    >>> w, g = mx.nd.ones((2,)), mx.nd.ones((2,))
    >>> m, v = mx.nd.zeros((2,)), mx.nd.zeros((2,))
    >>> mx.nd.contrib.adamw_update(w, g, m, v, rescale_grad=1, lr=0.1, eta=1.0, out=w)
    """
    nd = _nd()
    return nd._adamw_update(weight, grad, mean, var, _rescale_array(rescale_grad, weight.context),
                            lr=lr, eta=eta, beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd,
                            clip_gradient=clip_gradient, out=out, **kwargs)


def mp_adamw_update(weight, grad, mean, var, weight32, rescale_grad, lr, eta, beta1=0.9,
                    beta2=0.999, epsilon=1e-8, wd=0, clip_gradient=-1, out=None, name=None,
                    **kwargs):
    """Multi-precision `adamw_update`: float32 moments and master copy `weight32`."""
    nd = _nd()
    return nd._mp_adamw_update(weight, grad, mean, var, weight32,
                               _rescale_array(rescale_grad, weight.context), lr=lr, eta=eta,
                               beta1=beta1, beta2=beta2, epsilon=epsilon, wd=wd,
                               clip_gradient=clip_gradient, out=out, **kwargs)


def _flatten(groups):
    return [x for group in zip(*groups) for x in group]


def multi_adamw_update(weights, grads, mean, var, rescale_grad, lrs, wds, etas, out=None,
                       name=None, size=0, **kwargs):
    """AdamW updates of several weights in one call (lists of weights, grads, mean, var)."""
    nd = _nd()
    size = size or len(weights)
    data = _flatten([weights, grads, mean, var]) + [_rescale_array(rescale_grad,
                                                                    weights[0].context)]
    return nd._multi_adamw_update(*data, lrs=lrs, wds=wds, etas=etas, num_weights=size, out=out,
                                  **kwargs)


def multi_mp_adamw_update(weights, grads, mean, var, weights32, rescale_grad, lrs, wds, etas,
                          out=None, name=None, size=0, **kwargs):
    """Multi-precision `multi_adamw_update` (float32 master copies `weights32`)."""
    nd = _nd()
    size = size or len(weights)
    data = _flatten([weights, grads, mean, var, weights32]) + [
        _rescale_array(rescale_grad, weights[0].context)]
    return nd._multi_mp_adamw_update(*data, lrs=lrs, wds=wds, etas=etas, num_weights=size,
                                     out=out, **kwargs)


def multi_lamb_update(weights, grads, mean, var, step_count, lrs, wds, out=None, num_tensors=0,
                      **kwargs):
    """LAMB updates (both phases) of several weights in one call."""
    nd = _nd()
    return nd._multi_lamb_update(*_flatten([weights, grads, mean, var]), out=out,
                                 num_tensors=num_tensors or len(weights), step_count=step_count,
                                 learning_rates=lrs, wds=wds, **kwargs)


def multi_mp_lamb_update(weights, grads, mean, var, weights32, step_count, lrs, wds, out=None,
                         num_tensors=0, **kwargs):
    """Multi-precision `multi_lamb_update` (float32 master copies `weights32`)."""
    nd = _nd()
    return nd._multi_mp_lamb_update(*_flatten([weights, grads, mean, var, weights32]), out=out,
                                    num_tensors=num_tensors or len(weights),
                                    step_count=step_count, learning_rates=lrs, wds=wds, **kwargs)


def isinf(data):
    """1 where `data` is +inf or -inf, else 0 (same dtype as data)."""
    return (data.abs() == np.inf).astype(data.dtype)


def isfinite(data):
    """1 where `data` is finite, else 0 (same dtype as data)."""
    is_data_not_nan = data == data
    is_data_not_infinite = data.abs() != np.inf
    return _nd().logical_and(is_data_not_infinite, is_data_not_nan)


def isnan(data):
    """1 where `data` is NaN, else 0 (same dtype as data)."""
    return data != data


def rand_zipfian(true_classes, num_sampled, range_max, ctx=None):
    """Draw random samples from an approximately log-uniform or Zipfian distribution.

    The base distribution is P(class) = (log(class + 2) - log(class + 1)) / log(range_max + 1),
    sampled with replacement; classes with lower ids are drawn more often (a vocabulary sorted
    by decreasing frequency). Used by sampled softmax.

    Parameters
    ----------
    true_classes : NDArray
        A 1-D NDArray of the target classes.
    num_sampled: int
        The number of classes to randomly sample.
    range_max: int
        The number of possible classes.
    ctx : Context
        Device context of output. Default is current context.

    Returns
    -------
    samples: NDArray
        The sampled candidate classes in 1-D `int64` dtype.
    expected_count_true: NDArray
        The expected count for true classes in 1-D `float64` dtype.
    expected_count_sample: NDArray
        The expected count for sampled candidates in 1-D `float64` dtype.

    Examples
    --------
    >>> true_cls = mx.nd.array([3])
    >>> samples, exp_count_true, exp_count_sample = mx.nd.contrib.rand_zipfian(true_cls, 4, 5)
    """
    import math
    nd = _nd()
    from ..context import current_context
    ctx = ctx or current_context()
    log_range = math.log(range_max + 1)
    rand = nd.random.uniform(0, log_range, shape=(num_sampled,), dtype="float64", ctx=ctx)
    # make sure sampled_classes are in the range of [0, range_max)
    sampled_classes = (rand.exp() - 1).astype("int64") % range_max
    true_cls = true_classes.as_in_context(ctx).astype("float64")
    expected_count_true = ((true_cls + 2.0) / (true_cls + 1.0)).log() / log_range * num_sampled
    sampled_cls_fp64 = sampled_classes.astype("float64")
    expected_prob_sampled = ((sampled_cls_fp64 + 2.0) / (sampled_cls_fp64 + 1.0)).log() / log_range
    return sampled_classes, expected_count_true, expected_prob_sampled * num_sampled
