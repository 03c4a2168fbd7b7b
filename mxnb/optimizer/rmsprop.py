"""RMSProp, as MXNet 1.x's `rmsprop_update` (Tieleman & Hinton) and `rmspropalex_update` (Graves).

    g = clip(rescale_grad * grad + wd * weight, clip_gradient)
    n = (1 - gamma1) * g**2 + gamma1 * n
    plain:    weight = weight - lr * g / sqrt(n + epsilon)
    centered: m = (1 - gamma1) * g + gamma1 * m
              delta = gamma2 * delta - lr * g / sqrt(n - m**2 + epsilon);  weight = weight + delta
    then weight = clip(weight, clip_weights) when clip_weights is set.
"""
from .. import backend
from .optimizer import Optimizer, register, rescaled_grad, zeros_like_weight

__all__ = ["RMSProp"]


@register
class RMSProp(Optimizer):
    """The RMSProp optimizer (MXNet's `mx.optimizer.RMSProp`)."""

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8, centered=False,
                 clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        count = 3 if self.centered else 1  # (n, g, delta) or (n,)
        return tuple(zeros_like_weight(weight) for _ in range(count))

    def _step(self, index, weight, grad, state, lr, wd):
        w = weight._data
        xp = backend.array_module(w)
        g = rescaled_grad(xp, grad._data, self.rescale_grad, self.clip_gradient, w, wd)
        gamma1 = self.gamma1
        n = state[0]._data
        n *= gamma1
        n += (g * g) * (1. - gamma1)
        if not self.centered:
            w -= (g * lr) / xp.sqrt(n + self.epsilon)
        else:
            mean, delta = state[1]._data, state[2]._data
            mean *= gamma1
            mean += g * (1. - gamma1)
            delta *= self.gamma2
            delta -= (g * lr) / xp.sqrt(n - mean * mean + self.epsilon)
            w += delta
        if self.clip_weights:
            xp.clip(w, -self.clip_weights, self.clip_weights, out=w)
