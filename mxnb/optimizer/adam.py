"""Adam, as MXNet 1.x's `adam_update` kernel with the bias correction folded into the rate.

    g    = clip(rescale_grad * grad + wd * weight, clip_gradient)
    mean = beta1 * mean + (1 - beta1) * g
    var  = beta2 * var + (1 - beta2) * g**2
    lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)
    weight = weight - lr_t * mean / (sqrt(var) + epsilon)
"""
import math

from .. import backend
from .optimizer import Optimizer, register, rescaled_grad, zeros_like_weight

__all__ = ["Adam"]


@register
class Adam(Optimizer):
    """The Adam optimizer (MXNet's `mx.optimizer.Adam`)."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, variance

    def _step(self, index, weight, grad, state, lr, wd):
        t = self._index_update_count[index]
        lr *= math.sqrt(1. - self.beta2 ** t) / (1. - self.beta1 ** t)
        w = weight._data
        mean, var = state[0]._data, state[1]._data
        xp = backend.array_module(w)
        g = rescaled_grad(xp, grad._data, self.rescale_grad, self.clip_gradient, w, wd)
        # Coefficients in the weight's precision, as MXNet's kernel computes them (1.f - beta1).
        real = w.dtype.type
        beta1, beta2 = real(self.beta1), real(self.beta2)
        mean *= beta1
        mean += g * (real(1) - beta1)
        var *= beta2
        g *= g
        g *= real(1) - beta2
        var += g
        denom = xp.sqrt(var)
        denom += real(self.epsilon)
        step = mean * real(lr)
        step /= denom
        w -= step
