"""SGD with momentum and weight decay (MXNet's `SGD`, `ccSGD`), on the registered
`sgd_update` / `sgd_mom_update` operators, their mp_ versions for float16 weights with a float32
master copy, and the aggregated multi_ versions when the Updater hands over several weights.

    rescaled_grad = lr * (clip(rescale_grad * grad, clip_gradient) + wd * weight)
    state = momentum * state + rescaled_grad
    weight = weight - state
"""
import numpy as np

from .inplace import update
from .optimizer import Optimizer, register, zeros_like_weight, checked_all, warn_float16

__all__ = ["SGD", "ccSGD", "flatten", "as_lists", "mp_state"]


def flatten(groups):
    """[w0, g0, m0, w1, g1, m1, ...] from ([w0, w1], [g0, g1], [m0, m1])."""
    return [x for group in zip(*groups) for x in group]


def as_lists(indices, weights, grads, states):
    """Single updates as one-element lists, so one code path serves both."""
    if not isinstance(indices, (tuple, list)):
        return [indices], [weights], [grads], [states]
    return list(indices), list(weights), list(grads), list(states)


def mp_state(optimizer, index, weight):
    """(momentum state, float32 master copy) for a float16 weight with multi_precision, MXNet's
    order for the SGD family; the plain state otherwise."""
    if optimizer.multi_precision and weight.dtype == np.float16:
        master = weight.astype(np.float32)
        return (optimizer.create_state(index, master), master)
    warn_float16(weight, optimizer)
    return optimizer.create_state(index, weight)


@register
class SGD(Optimizer):
    """The SGD optimizer with momentum and weight decay.

    Standard updates are applied by::

        rescaled_grad = lr * (rescale_grad * clip(grad, clip_gradient) + wd * weight)
        state = momentum * state + rescaled_grad
        weight = weight - state

    Given several weights at once (the Updater does so when `aggregate_num` > 0), the weights
    are updated by one `multi_sgd_update` / `multi_sgd_mom_update` call.

    Parameters
    ----------
    momentum : float, optional
        The momentum value.
    lazy_update : bool, optional
        Default is True. If True, lazy updates are applied if the storage types of weight and
        grad are both ``row_sparse``.
    multi_precision: bool, optional
        Flag to control the internal precision of the optimizer: float16 weights are updated
        through a float32 master copy.

    Example
    -------
    >>> opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=1e-4)
    >>> updater = mx.optimizer.get_updater(opt)
    >>> updater(0, grad, weight)
    """

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update
        self.aggregate_num = 4   # MXNET_OPTIMIZER_AGGREGATION_SIZE's default

    def create_state_multi_precision(self, index, weight):
        return mp_state(self, index, weight)

    def create_state(self, index, weight):
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def _kwargs(self):
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        return self._clip_kwargs(kwargs)

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = as_lists(indices, weights, grads, states)
        checked_all(weights, grads)
        self._update_count(indices)
        lrs, wds = self._get_lrs(indices), self._get_wds(indices)
        kwargs = self._kwargs()
        if len(weights) > 1:
            self._update_aggregated(weights, grads, states, lrs, wds, kwargs, multi_precision)
            return
        weight, grad, state, lr, wd = weights[0], grads[0], states[0], lrs[0], wds[0]
        kwargs.update(lr=lr, wd=wd)
        if not multi_precision:
            kwargs["lazy_update"] = self.lazy_update
            if state is not None:
                update("sgd_mom_update", [weight, grad, state], [weight], kwargs, 3)
            else:
                update("sgd_update", [weight, grad], [weight], kwargs, 2)
        elif state[0] is not None:
            update("mp_sgd_mom_update", [weight, grad, state[0], state[1]], [weight], kwargs, 4)
        else:
            update("mp_sgd_update", [weight, grad, state[1]], [weight], kwargs, 3)

    def _update_aggregated(self, weights, grads, states, lrs, wds, kwargs, multi_precision):
        kwargs.update(num_weights=len(weights), lrs=tuple(lrs), wds=tuple(wds))
        if not multi_precision:
            if self.momentum > 0:
                update("multi_sgd_mom_update", flatten([weights, grads, states]), weights,
                       kwargs, 3)
            else:
                update("multi_sgd_update", flatten([weights, grads]), weights, kwargs, 2)
        elif self.momentum > 0:
            moms, masters = zip(*states)
            update("multi_mp_sgd_mom_update", flatten([weights, grads, moms, masters]), weights,
                   kwargs, 4)
        else:
            masters = [s[1] for s in states]
            update("multi_mp_sgd_update", flatten([weights, grads, masters]), weights, kwargs, 3)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and first.dtype == np.float16)


@register
class ccSGD(SGD):  # noqa: N801 (MXNet's name)
    """[DEPRECATED] Same as `SGD`. Left here for backward compatibility.

    Parameters
    ----------
    momentum : float, optional, default 0.0
        The momentum value.
    lazy_update : bool, optional, default True
        If True, lazy updates are applied when both weight and gradient are ``row_sparse``.
    **kwargs
        The arguments of `Optimizer` (``learning_rate``, ``wd``, ``rescale_grad``, ...).

    Examples
    --------
    >>> opt = mx.optimizer.ccSGD(learning_rate=0.1, momentum=0.9)
    """
