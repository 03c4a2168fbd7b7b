"""Nesterov accelerated gradient (MXNet's `NAG`) on `nag_mom_update` / `mp_nag_mom_update`."""
import numpy as np

from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked
from .sgd import mp_state

__all__ = ["NAG"]


@register
class NAG(Optimizer):
    """Nesterov accelerated gradient.

    This optimizer updates each weight by::

        grad = clip(grad * rescale_grad, clip_gradient) + wd * weight
        state = momentum * state + lr * grad
        weight = weight - (momentum * state + lr * grad)

    Parameters
    ----------
    momentum : float, optional
        The momentum value.
    multi_precision: bool, optional
        Update float16 weights through a float32 master copy.

    Example
    -------
    >>> opt = mx.optimizer.NAG(learning_rate=0.1, momentum=0.9)
    """

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum

    def create_state_multi_precision(self, index, weight):
        return mp_state(self, index, weight)

    def create_state(self, index, weight):
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        self._clip_kwargs(kwargs)
        kwargs.update(lr=lr, wd=wd)
        if not multi_precision:
            if state is not None:
                # MXNet writes the new weight over the old one (out=weight) before its kernel
                # reads the weight again for the momentum; mp_nag_mom_update with the weight as
                # its own master copy is exactly that.
                update_in_place("mp_nag_mom_update", [weight, grad, state, weight], [weight],
                                kwargs, 4)
            else:
                update_in_place("sgd_update", [weight, grad], [weight], kwargs, 2)
        elif state[0] is not None:
            update_in_place("mp_nag_mom_update", [weight, grad, state[0], state[1]], [weight],
                            kwargs, 4)
        else:
            update_in_place("mp_sgd_update", [weight, grad, state[1]], [weight], kwargs, 3)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        use_mp = (self.multi_precision and weight.dtype == np.float16
                  and isinstance(state, (tuple, list)))
        self._update_impl(index, weight, grad, state, multi_precision=use_mp)
