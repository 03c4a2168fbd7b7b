"""Follow-the-leader family: FTRL (MXNet's `Ftrl`) on `ftrl_update` and FTML on `ftml_update`."""
from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked

__all__ = ["Ftrl", "FTML"]


@register
class Ftrl(Optimizer):
    """The Ftrl optimizer (McMahan et al., Ad Click Prediction: a View from the Trenches)::

        rescaled_grad = clip(grad * rescale_grad, clip_gradient)
        z += rescaled_grad - (sqrt(n + rescaled_grad**2) - sqrt(n)) * weight / learning_rate
        n += rescaled_grad**2
        w = (sign(z) * lamda1 - z) / ((beta + sqrt(n)) / learning_rate + wd) * (abs(z) > lamda1)

    Parameters
    ----------
    lamda1 : float, optional
        L1 regularization coefficient.
    learning_rate : float, optional
        The initial learning rate.
    beta : float, optional
        Per-coordinate learning rate correlation parameter.

    Example
    -------
    >>> opt = mx.optimizer.Ftrl(lamda1=0.01, learning_rate=0.1)
    """

    def __init__(self, lamda1=0.01, learning_rate=0.1, beta=1, **kwargs):
        super().__init__(**kwargs)
        self.lamda1 = lamda1
        self.beta = beta
        self.lr = learning_rate

    def create_state(self, index, weight):
        return (zeros_like_weight(weight, "float32"), zeros_like_weight(weight, "float32"))  # z, n

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        wd, lr = self._get_wd(index), self._get_lr(index)
        kwargs = self._clip_kwargs({"lamda1": self.lamda1, "beta": self.beta,
                                    "rescale_grad": self.rescale_grad})
        z, n = state
        kwargs.update(lr=lr, wd=wd)
        update_in_place("ftrl_update", [weight, grad, z, n], [weight], kwargs, 4)


@register
class FTML(Optimizer):
    """The FTML optimizer (Zheng & Kwok, Follow the Moving Leader in Deep Learning), on
    `ftml_update`.

    Parameters
    ----------
    beta1 : float, optional
        0 < beta1 < 1. Generally close to 0.5.
    beta2 : float, optional
        0 < beta2 < 1. Generally close to 1.
    epsilon : float, optional
        Small value to avoid division by 0.

    Example
    -------
    >>> opt = mx.optimizer.FTML(learning_rate=0.0025, beta1=0.6)
    """

    def __init__(self, beta1=0.6, beta2=0.999, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon

    def create_state(self, index, weight):
        return tuple(zeros_like_weight(weight) for _ in range(3))  # d_0, v_0, z_0

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        t = self._index_update_count[index]
        kwargs = self._clip_kwargs({"beta1": self.beta1, "beta2": self.beta2,
                                    "epsilon": self.epsilon, "rescale_grad": self.rescale_grad,
                                    "t": t}, key="clip_grad")
        prev_d, prev_v, prev_z = state
        kwargs.update(lr=lr, wd=wd)
        update_in_place("ftml_update", [weight, grad, prev_d, prev_v, prev_z], [weight], kwargs, 5)
