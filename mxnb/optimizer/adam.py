"""Adam (on `adam_update`), Adamax and Nadam (NDArray arithmetic, as in MXNet)."""
import math

from .. import ndarray as nd
from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked, clipped

__all__ = ["Adam", "Adamax", "Nadam"]


@register
class Adam(Optimizer):
    """The Adam optimizer (Kingma & Ba, Adam: A Method for Stochastic Optimization).

    The bias correction is folded into the learning rate::

        lr_t = lr * sqrt(1 - beta2**t) / (1 - beta1**t)

    then `adam_update` applies::

        grad = clip(grad * rescale_grad + wd * weight, clip_gradient)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * (grad**2)
        w = w - lr_t * m / (sqrt(v) + epsilon)

    Parameters
    ----------
    beta1 : float, optional
        Exponential decay rate for the first moment estimates.
    beta2 : float, optional
        Exponential decay rate for the second moment estimates.
    epsilon : float, optional
        Small value to avoid division by 0.
    lazy_update : bool, optional
        Default is True. Lazy updates for row_sparse weights and gradients.

    Example
    -------
    >>> opt = mx.optimizer.Adam(learning_rate=0.001)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lazy_update = lazy_update

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, variance

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        lr *= math.sqrt(1. - self.beta2 ** t) / (1. - self.beta1 ** t)
        kwargs = self._clip_kwargs({"beta1": self.beta1, "beta2": self.beta2,
                                    "epsilon": self.epsilon, "rescale_grad": self.rescale_grad})
        mean, var = state
        kwargs.update(lazy_update=self.lazy_update, lr=lr, wd=wd)
        update_in_place("adam_update", [weight, grad, mean, var], [weight], kwargs, 4)


@register
class Adamax(Optimizer):
    """The AdaMax optimizer, a variant of Adam based on the infinity norm (section 7 of Kingma
    & Ba)::

        grad = clip(grad * rescale_grad + wd * weight, clip_gradient)
        m = beta1 * m + (1 - beta1) * grad
        u = maximum(beta2 * u, abs(grad))
        weight -= lr / (1 - beta1**t) * m / u

    Parameters
    ----------
    beta1 : float, optional
        Exponential decay rate for the first moment estimates.
    beta2 : float, optional
        Exponential decay rate for the second moment estimates.

    Example
    -------
    >>> opt = mx.optimizer.Adamax(learning_rate=0.002)
    """

    def __init__(self, learning_rate=0.002, beta1=0.9, beta2=0.999, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, exp_inf

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        lr /= (1. - self.beta1 ** t)
        grad = clipped(grad * self.rescale_grad + wd * weight, self.clip_gradient)
        m_t, u_t = state
        m_t[:] *= self.beta1
        m_t[:] += (1. - self.beta1) * grad
        u_t[:] = nd.maximum(self.beta2 * u_t, nd.abs(grad))
        weight[:] -= lr * m_t / u_t


@register
class Nadam(Optimizer):
    """The Nesterov Adam optimizer (Dozat, Incorporating Nesterov Momentum into Adam), with
    the momentum schedule `beta1 * (1 - 0.5 * 0.96**(t * schedule_decay))`.

    Parameters
    ----------
    beta1 : float, optional
        Exponential decay rate for the first moment estimates.
    beta2 : float, optional
        Exponential decay rate for the second moment estimates.
    epsilon : float, optional
        Small value to avoid division by 0.
    schedule_decay : float, optional
        Exponential decay rate for the momentum schedule.

    Example
    -------
    >>> opt = mx.optimizer.Nadam(learning_rate=0.001)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 schedule_decay=0.004, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.schedule_decay = schedule_decay
        self.m_schedule = 1.

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, variance

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        grad = clipped(grad * self.rescale_grad + wd * weight, self.clip_gradient)
        momentum_t = self.beta1 * (1. - 0.5 * (pow(0.96, t * self.schedule_decay)))
        momentum_t_1 = self.beta1 * (1. - 0.5 * (pow(0.96, (t + 1) * self.schedule_decay)))
        self.m_schedule = self.m_schedule * momentum_t
        m_schedule_next = self.m_schedule * momentum_t_1
        m_t, v_t = state
        m_t[:] *= self.beta1
        m_t[:] += (1. - self.beta1) * grad
        v_t[:] *= self.beta2
        v_t[:] += (1. - self.beta2) * grad * grad
        grad_prime = grad / (1. - self.m_schedule)
        m_t_prime = m_t / (1. - m_schedule_next)
        v_t_prime = v_t / (1. - pow(self.beta2, t))
        m_t_bar = (1. - momentum_t) * grad_prime + momentum_t_1 * m_t_prime
        weight[:] -= lr * m_t_bar / (nd.sqrt(v_t_prime) + self.epsilon)
