"""SGD with momentum and weight decay, as MXNet 1.x's `sgd_update` / `sgd_mom_update` kernels.

    step     = lr * (clip(rescale_grad * grad, clip_gradient) + wd * weight)
    momentum = momentum * momentum_state - step      (MXNet stores the negated velocity)
    weight   = weight + momentum                    (or weight - step without momentum)
"""
import numpy as np

from .. import backend
from ..ndarray.ndarray import bump_version
from .optimizer import Optimizer, register, rescaled_grad, zeros_like_weight, _warn_float16

__all__ = ["SGD", "ccSGD"]


def sgd_step(weight, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient):
    """One SGD update of the NDArray `weight` in place (`mom`: the momentum NDArray or None)."""
    w = weight._data
    xp = backend.array_module(w)
    step = rescaled_grad(xp, grad._data, rescale_grad, clip_gradient)
    step *= lr
    if wd:
        step += w * (lr * wd)
    if mom is None:
        w -= step
    else:
        m = mom._data
        m *= momentum
        m -= step
        w += m


@register
class SGD(Optimizer):
    """The SGD optimizer with momentum and weight decay (MXNet's `mx.optimizer.SGD`)."""

    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.lazy_update = lazy_update  # only meaningful for row_sparse storage, kept for the API
        self.aggregate_num = 4

    def create_state(self, index, weight):
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def create_state_multi_precision(self, index, weight):
        # MXNet's SGD orders it (momentum, master copy), unlike the base class.
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (self.create_state(index, master), master)
        _warn_float16(weight, self)
        return self.create_state(index, weight)

    def _step(self, index, weight, grad, state, lr, wd):
        sgd_step(weight, grad, state, lr, wd, self.momentum, self.rescale_grad, self.clip_gradient)

    def update_multi_precision(self, index, weight, grad, state):
        if isinstance(index, (list, tuple)):
            for i, w, g, s in zip(index, weight, grad, state):
                self.update_multi_precision(i, w, g, s)
            return
        if self.multi_precision and weight.dtype == np.float16 and isinstance(state, (tuple, list)):
            mom, master = state
            self.update(index, master, grad.astype(np.float32), mom)
            weight._data[...] = master._data
            bump_version(weight)
        else:
            self.update(index, weight, grad, state)


@register
class ccSGD(SGD):  # noqa: N801 (MXNet's name)
    """[DEPRECATED] Same as `SGD`. Left here for backward compatibility."""
