"""DCASGD (delay-compensated asynchronous SGD), SGLD (stochastic gradient Langevin dynamics)
and the `Test` optimizer, in NDArray arithmetic as in MXNet."""
import math

from .. import ndarray as nd
from .optimizer import Optimizer, register, zeros_like_weight, checked, clipped

__all__ = ["DCASGD", "SGLD", "Test"]


@register
class DCASGD(Optimizer):
    """The DCASGD optimizer (Zheng et al., Asynchronous Stochastic Gradient Descent with Delay
    Compensation for Distributed Deep Learning)::

        mom = momentum * mom - lr * (grad + wd * weight
                                     + lamda * grad * grad * (weight - previous_weight))
        previous_weight = weight
        weight += mom

    Parameters
    ----------
    momentum : float, optional
        The momentum value.
    lamda : float, optional
        Scale of the delay-compensation term.

    Example
    -------
    >>> opt = mx.optimizer.DCASGD(learning_rate=0.1, momentum=0.9, lamda=0.04)
    """

    def __init__(self, momentum=0.0, lamda=0.04, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.weight_previous = {}
        self.lamda = lamda

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return (None, weight.copy())  # previous weight
        return (zeros_like_weight(weight), weight.copy())  # momentum, previous weight

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        grad = clipped(grad * self.rescale_grad, self.clip_gradient)
        mom, previous_weight = state
        step = -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous_weight))
        if mom is not None:
            mom[:] *= self.momentum
            mom[:] += step
        else:
            mom = step
        previous_weight[:] = weight
        weight[:] += mom


@register
class SGLD(Optimizer):
    """Stochastic Gradient Riemannian Langevin Dynamics: half a gradient step plus Gaussian noise
    of variance lr::

        weight += -lr / 2 * (grad + wd * weight) + normal(0, sqrt(lr))

    Parameters
    ----------
    rescale_grad : float, optional, default 1.0
        Factor the gradient is multiplied by before the update (often ``1.0 / batch_size``).
    param_idx2name : dict of int to str, optional, default None
        Maps parameter indices to names; used to decide which parameters get weight decay.
    wd : float, optional, default 0.0
        Weight decay (L2 regularisation) coefficient.
    clip_gradient : float, optional, default None
        If set, gradients are clipped to ``[-clip_gradient, clip_gradient]``.
    learning_rate : float, optional, default None
        The initial learning rate (0.01 when neither it nor a scheduler is given).
    lr_scheduler : LRScheduler, optional, default None
        Scheduler that changes the learning rate as the number of updates grows.
    sym : Symbol, optional, default None
        Symbol whose ``__lr_mult__`` / ``__wd_mult__`` attributes give per-parameter multipliers.
    begin_num_update : int, optional, default 0
        The number of updates to start counting from.
    multi_precision : bool, optional, default False
        If True, float16 weights are updated through a float32 master copy.
    param_dict : dict of int to gluon.Parameter, optional, default None
        Parameters by index, used to read their ``lr_mult`` and ``wd_mult``.

    Example
    -------
    >>> opt = mx.optimizer.SGLD(learning_rate=0.01)
    """

    def create_state(self, index, weight):
        return None

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        grad = clipped(grad * self.rescale_grad, self.clip_gradient)
        weight[:] += - lr / 2 * (grad + wd * weight)
        weight[:] += nd.random.normal(0, math.sqrt(lr), shape=weight.shape, dtype=weight.dtype,
                                      ctx=weight.context)


@register
class Test(Optimizer):
    """The Test optimizer: weight += rescale_grad * grad; the state keeps a copy of the weight.

    Parameters
    ----------
    rescale_grad : float, optional, default 1.0
        Factor the gradient is multiplied by before the update (often ``1.0 / batch_size``).
    param_idx2name : dict of int to str, optional, default None
        Maps parameter indices to names; used to decide which parameters get weight decay.
    wd : float, optional, default 0.0
        Weight decay (L2 regularisation) coefficient.
    clip_gradient : float, optional, default None
        If set, gradients are clipped to ``[-clip_gradient, clip_gradient]``.
    learning_rate : float, optional, default None
        The initial learning rate (0.01 when neither it nor a scheduler is given).
    lr_scheduler : LRScheduler, optional, default None
        Scheduler that changes the learning rate as the number of updates grows.
    sym : Symbol, optional, default None
        Symbol whose ``__lr_mult__`` / ``__wd_mult__`` attributes give per-parameter multipliers.
    begin_num_update : int, optional, default 0
        The number of updates to start counting from.
    multi_precision : bool, optional, default False
        If True, float16 weights are updated through a float32 master copy.
    param_dict : dict of int to gluon.Parameter, optional, default None
        Parameters by index, used to read their ``lr_mult`` and ``wd_mult``.

    Example
    -------
    >>> opt = mx.optimizer.Test(rescale_grad=0.5)
    """

    def create_state(self, index, weight):
        return nd.zeros(weight.shape, weight.context)

    def update(self, index, weight, grad, state):
        weight[:] += grad * self.rescale_grad
        state[:] = weight
