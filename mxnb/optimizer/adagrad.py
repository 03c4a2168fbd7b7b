"""AdaGrad, as MXNet 1.x's dense update.

    g = clip(rescale_grad * grad, clip_gradient)
    history = history + g**2
    weight = weight - lr * (g / sqrt(history + eps) + wd * weight)
"""
from .. import backend
from .optimizer import Optimizer, register, zeros_like_weight

__all__ = ["AdaGrad"]


@register
class AdaGrad(Optimizer):
    """The AdaGrad optimizer (MXNet's `mx.optimizer.AdaGrad`); `eps` starts the history."""

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        return zeros_like_weight(weight, dtype="float32")  # history (float32, as MXNet)

    def _step(self, index, weight, grad, state, lr, wd):
        w, history = weight._data, state._data
        xp = backend.array_module(w)
        g = grad._data * self.rescale_grad
        if self.clip_gradient is not None:
            xp.clip(g, -self.clip_gradient, self.clip_gradient, out=g)
        history += g * g
        step = g / xp.sqrt(history + self.float_stable_eps)
        if wd:
            step += w * wd
        step *= lr
        w -= step
