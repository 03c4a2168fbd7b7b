"""`mx.optimizer.contrib`: GroupAdaGrad (as MXNet 1.9.1) and AdamW (decoupled weight decay, on
the registered `_adamw_update` / `_mp_adamw_update`)."""
import numpy as np

from .. import ndarray as nd
from .optimizer import Optimizer, register, zeros_like_weight, checked
from ..base import MXNetError

__all__ = ["GroupAdaGrad", "AdamW"]


@register
class GroupAdaGrad(Optimizer):
    """Adagrad optimizer with one history value per row (Duchi et al.)::

        grad = clip(grad * rescale_grad, clip_gradient)
        history += mean(square(grad), axis=1, keepdims=True)
        div = grad / sqrt(history + float_stable_eps)
        weight -= div * lr

    Weight decay is not supported.

    Parameters
    ----------
    eps: float, optional
        Initial value of the history accumulator. Avoids division by 0.

    Example
    -------
    >>> opt = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.01)
    """

    def __init__(self, eps=1e-5, **kwargs):
        super().__init__(**kwargs)
        self.float_stable_eps = eps

    def create_state(self, index, weight):
        if len(weight.shape) != 2:
            raise MXNetError("GroupAdaGrad expects 2-D weights, found shape %s"
                             % (weight.shape,))
        return nd.zeros((weight.shape[0], 1), weight.context)  # history

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        if wd != 0:
            raise MXNetError("Weight decay is not supported for GroupAdaGrad, found wd=%s" % wd)
        kwargs = self._clip_kwargs({"epsilon": self.float_stable_eps,
                                    "rescale_grad": self.rescale_grad})
        nd.contrib.group_adagrad_update(weight, grad, state, out=weight, lr=lr, **kwargs)


@register
class AdamW(Optimizer):
    """Adam with decoupled weight decay (Loshchilov & Hutter, Decoupled Weight Decay
    Regularization), on `_adamw_update`::

        grad = clip(grad * rescale_grad, clip_gradient)
        m = beta1 * m + (1 - beta1) * grad;  v = beta2 * v + (1 - beta2) * grad**2
        w = w - eta * (lr_t * m / (sqrt(v) + epsilon) + wd * w)

    with lr_t the bias-corrected rate of Adam unless `correct_bias` is False.

    Parameters
    ----------
    beta1, beta2 : float, optional
        Exponential decay rates of the moment estimates.
    epsilon : float, optional
        Small value to avoid division by 0.
    eta : float, optional
        Learning rate schedule multiplier.
    correct_bias : bool, optional
        Fold Adam's bias correction into the learning rate.

    Example
    -------
    >>> opt = mx.optimizer.create("adamw", learning_rate=0.001, wd=0.01)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6, eta=1.0,
                 correct_bias=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.eta = eta
        self.correct_bias = correct_bias

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, var

    def _update_impl(self, index, weight, grad, state, multi_precision):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        if self.correct_bias:
            lr *= (1. - self.beta2 ** t) ** 0.5 / (1. - self.beta1 ** t)
        kwargs = self._clip_kwargs({"beta1": self.beta1, "beta2": self.beta2,
                                    "epsilon": self.epsilon, "eta": self.eta})
        rescale = nd.full((1,), self.rescale_grad, ctx=weight.context)
        if multi_precision:
            master, (mean, var) = state
            nd._mp_adamw_update(weight, grad, mean, var, master, rescale, out=weight, lr=lr,
                                wd=wd, **kwargs)
        else:
            mean, var = state
            nd._adamw_update(weight, grad, mean, var, rescale, out=weight, lr=lr, wd=wd,
                             **kwargs)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, False)

    def update_multi_precision(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state,
                          self.multi_precision and weight.dtype == np.float16)
