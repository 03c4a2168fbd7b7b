"""Signum and signSGD (MXNet's `Signum`) on `signum_update` / `signsgd_update`."""
from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked

__all__ = ["Signum"]


@register
class Signum(Optimizer):
    """The Signum optimizer, which takes the sign of the gradient or momentum.

    For details see `Bernstein et al., 2018 <https://arxiv.org/abs/1802.04434>`_::

        rescaled_grad = rescale_grad * clip(grad, clip_gradient) + wd * weight
        state = momentum * state + (1-momentum)*rescaled_grad
        weight = (1 - lr * wd_lh) * weight - lr * sign(state)

    Parameters
    ----------
    momentum : float, optional
        The momentum value; 0 gives signSGD.
    wd_lh : float, optional
        The amount of decoupled weight decay regularization (Loshchilov & Hutter).

    Example
    -------
    >>> opt = mx.optimizer.Signum(learning_rate=0.01, momentum=0.9)
    """

    def __init__(self, learning_rate=0.01, momentum=0.9, wd_lh=0.0, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.momentum = momentum
        self.wd_lh = wd_lh

    def create_state(self, index, weight):
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            kwargs["momentum"] = self.momentum
        self._clip_kwargs(kwargs)
        if self.wd_lh:
            kwargs["wd_lh"] = self.wd_lh
        kwargs.update(lr=lr, wd=wd)
        if state is not None:
            update_in_place("signum_update", [weight, grad, state], [weight], kwargs, 3)
        else:
            kwargs.pop("wd_lh", None)
            update_in_place("signsgd_update", [weight, grad], [weight], kwargs, 2)
