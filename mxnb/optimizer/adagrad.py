"""AdaGrad and AdaDelta (NDArray arithmetic for dense gradients, as in MXNet)."""
from .. import ndarray as nd
from .optimizer import Optimizer, register, zeros_like_weight, checked, clipped

__all__ = ["AdaGrad", "AdaDelta"]


@register
class AdaGrad(Optimizer):
    """AdaGrad optimizer (Duchi et al., Adaptive Subgradient Methods)::

        grad = clip(grad * rescale_grad, clip_gradient)
        history += square(grad)
        div = grad / sqrt(history + float_stable_eps)
        weight += (div + weight * wd) * -lr

    Parameters
    ----------
    eps: float, optional
        Initial value of the history accumulator. Avoids division by 0.

    Example
    -------
    >>> opt = mx.optimizer.AdaGrad(learning_rate=0.01)
    """

    def __init__(self, eps=1e-7, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        return zeros_like_weight(weight, "float32")  # history

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        history = state
        grad = clipped(grad * self.rescale_grad, self.clip_gradient)
        history[:] += nd.square(grad)
        div = grad / nd.sqrt(history + self.float_stable_eps)
        weight[:] += (div + weight * wd) * -lr


@register
class AdaDelta(Optimizer):
    """The AdaDelta optimizer (Zeiler, ADADELTA: An adaptive learning rate method)::

        grad = clip(grad * rescale_grad, clip_gradient)   (as MXNet: rescaled in place)
        acc_grad = rho * acc_grad + (1. - rho) * grad * grad
        delta = sqrt(acc_delta + epsilon) / sqrt(acc_grad + epsilon) * grad
        acc_delta = rho * acc_delta + (1. - rho) * delta * delta
        weight -= (delta + wd * weight)

    Parameters
    ----------
    rho: float
        Decay rate for both squared gradients and delta.
    epsilon : float
        Small value to avoid division by 0.

    Example
    -------
    >>> opt = mx.optimizer.AdaDelta(rho=0.9)
    """

    def __init__(self, rho=0.90, epsilon=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return (zeros_like_weight(weight, "float32"),   # accumulated g
                zeros_like_weight(weight, "float32"))   # accumulated delta

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        wd = self._get_wd(index)
        self._update_count(index)
        grad *= self.rescale_grad   # MXNet rescales the caller's gradient in place
        grad = clipped(grad, self.clip_gradient)
        acc_g, acc_delta = state
        acc_g[:] *= self.rho
        acc_g[:] += (1. - self.rho) * grad * grad
        current_delta = nd.sqrt(acc_delta + self.epsilon) / nd.sqrt(acc_g + self.epsilon) * grad
        acc_delta[:] *= self.rho
        acc_delta[:] += (1. - self.rho) * current_delta * current_delta
        weight[:] -= current_delta + wd * weight
