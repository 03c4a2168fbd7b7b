"""Nesterov accelerated gradient, as MXNet 1.9's `nag_mom_update` kernel run with out=weight.

    g      = clip(rescale_grad * grad, clip_gradient)
    m      = momentum * m                         (MXNet stores the negated velocity)
    weight = weight - m + (1 + momentum) * (m - lr * (g + wd * weight))
    m      = m - lr * (g + wd * weight)           (the kernel reads the weight it just wrote)
"""
from .. import backend
from .sgd import SGD, sgd_step
from .optimizer import register, rescaled_grad

__all__ = ["NAG"]


@register
class NAG(SGD):
    """Nesterov accelerated SGD (MXNet's `mx.optimizer.NAG`); float16 handling as SGD's."""

    def __init__(self, momentum=0.0, **kwargs):
        super().__init__(momentum=momentum, **kwargs)
        self.aggregate_num = 0

    def _step(self, index, weight, grad, state, lr, wd):
        if state is None:
            sgd_step(weight, grad, None, lr, wd, 0.0, self.rescale_grad, self.clip_gradient)
            return
        w, m = weight._data, state._data
        xp = backend.array_module(w)
        g = rescaled_grad(xp, grad._data, self.rescale_grad, self.clip_gradient)
        m *= self.momentum
        step = w * wd
        step += g
        step *= lr
        w -= m
        step -= m
        step *= 1. + self.momentum
        w -= step
        step = w * wd
        step += g
        step *= lr
        m -= step
