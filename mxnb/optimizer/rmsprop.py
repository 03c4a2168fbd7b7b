"""RMSProp (MXNet's `RMSProp`): Tieleman & Hinton's on `rmsprop_update`, Graves' centered
version on `rmspropalex_update`."""
from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked

__all__ = ["RMSProp"]


@register
class RMSProp(Optimizer):
    """The RMSProp optimizer.

    Two versions: `centered=False` (Tieleman & Hinton, 2012)::

        n = (1 - gamma1) * grad**2 + gamma1 * n
        weight -= lr * grad / sqrt(n + epsilon)

    and `centered=True` (Graves, 2013)::

        n = (1 - gamma1) * grad**2 + gamma1 * n
        g = (1 - gamma1) * grad + gamma1 * g
        delta = gamma2 * delta - lr * grad / sqrt(n - g**2 + epsilon)
        weight += delta

    where grad = clip(rescale_grad * grad + wd * weight, clip_gradient).

    Parameters
    ----------
    gamma1: float, optional
        A decay factor of moving average over past squared gradient.
    gamma2: float, optional
        A "momentum" factor. Only used if `centered`=``True``.
    epsilon : float, optional
        Small value to avoid division by 0.
    centered : bool, optional
        Use Graves' centered version.
    clip_weights : float, optional
        Clips weights into range ``[-clip_weights, clip_weights]``.

    Example
    -------
    >>> opt = mx.optimizer.RMSProp(learning_rate=0.001, centered=True)
    """

    def __init__(self, learning_rate=0.001, gamma1=0.9, gamma2=0.9, epsilon=1e-8,
                 centered=False, clip_weights=None, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.gamma1 = gamma1
        self.gamma2 = gamma2
        self.centered = centered
        self.epsilon = epsilon
        self.clip_weights = clip_weights

    def create_state(self, index, weight):
        if self.centered:
            return tuple(zeros_like_weight(weight, "float32") for _ in range(3))  # n, g, delta
        return (zeros_like_weight(weight, "float32"),)  # n

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        kwargs = {"gamma1": self.gamma1, "epsilon": self.epsilon,
                  "rescale_grad": self.rescale_grad}
        if self.centered:
            kwargs["gamma2"] = self.gamma2
        self._clip_kwargs(kwargs)
        if self.clip_weights:
            kwargs["clip_weights"] = self.clip_weights
        if not self.centered:
            (n,) = state
            kwargs.update(lr=lr, wd=wd)
            update_in_place("rmsprop_update", [weight, grad, n], [weight], kwargs, 3)
        else:
            n, g, delta = state
            kwargs.update(lr=lr, wd=wd)
            update_in_place("rmspropalex_update", [weight, grad, n, g, delta], [weight], kwargs,
                            5)
