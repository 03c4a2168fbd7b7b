"""LAMB (MXNet's `LAMB`): lamb_update_phase1/2 per weight, or _multi_lamb_update for several."""
import numpy as np

from .. import ndarray as nd
from .inplace import update as update_in_place
from .optimizer import Optimizer, register, zeros_like_weight, checked
from .sgd import flatten

__all__ = ["LAMB"]


@register
class LAMB(Optimizer):
    """The LAMB optimizer (You et al., Large Batch Optimization for Deep Learning: Training BERT
    in 76 minutes)::

        m = beta1 * m + (1 - beta1) * grad;  v = beta2 * v + (1 - beta2) * grad**2
        g = m_hat / (sqrt(v_hat) + epsilon) + wd * w        (bias-corrected hats)
        r1 = min(max(||w||, lower_bound), upper_bound);  r2 = ||g||
        w = w - lr * (r1 / r2) * g

    Parameters
    ----------
    beta1 : float, optional
        Exponential decay rate for the first moment estimates.
    beta2 : float, optional
        Exponential decay rate for the second moment estimates.
    epsilon : float, optional
        Small value to avoid division by 0.
    lower_bound : float, optional
        Lower limit of the weight norm r1 (None: no limit).
    upper_bound : float, optional
        Upper limit of the weight norm r1 (None: no limit).
    bias_correction : bool, optional
        Whether to use bias correction.

    Example
    -------
    >>> opt = mx.optimizer.LAMB(learning_rate=0.001)
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-6,
                 lower_bound=None, upper_bound=None, bias_correction=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound
        self.bias_correction = bias_correction
        self.aggregate_num = 45   # MXNET_OPTIMIZER_AGGREGATION_SIZE's default, at most 45

    def create_state(self, index, weight):
        return (zeros_like_weight(weight), zeros_like_weight(weight))  # mean, var

    def _bounds(self, kwargs):
        if self.lower_bound:
            kwargs["lower_bound"] = self.lower_bound
        if self.upper_bound:
            kwargs["upper_bound"] = self.upper_bound
        return kwargs

    def _update_impl(self, index, weight, grad, state, multi_precision=False):
        kwargs = {"beta1": self.beta1, "beta2": self.beta2, "epsilon": self.epsilon,
                  "bias_correction": self.bias_correction, "rescale_grad": self.rescale_grad}
        if self.aggregate_num <= 1 or not isinstance(index, (tuple, list)):
            if isinstance(index, (tuple, list)):
                index, weight, grad, state = index[0], weight[0], grad[0], state[0]
            self._update_single(index, weight, grad, state, multi_precision, kwargs)
            return
        self._clip_kwargs(kwargs)
        self._bounds(kwargs)
        step_count, lrs, wds = [], [], []
        for i, w_i, g_i in zip(index, weight, grad):
            checked(w_i, g_i)
            self._update_count(i)
            step_count.append(self._index_update_count[i])
            lrs.append(self._get_lr(i))
            wds.append(self._get_wd(i))
        for start in range(0, len(weight), self.aggregate_num):
            end = min(start + self.aggregate_num, len(weight))
            attrs = dict(kwargs, num_tensors=end - start, step_count=tuple(step_count[start:end]),
                         learning_rates=tuple(lrs[start:end]), wds=tuple(wds[start:end]))
            if not multi_precision:
                mean, var = zip(*state[start:end])
                update_in_place("_multi_lamb_update",
                                flatten([weight[start:end], grad[start:end], mean, var]),
                                weight[start:end], attrs, 4)
            else:
                masters, moments = zip(*state[start:end])
                mean, var = zip(*moments)
                update_in_place("_multi_mp_lamb_update",
                                flatten([weight[start:end], grad[start:end], mean, var, masters]),
                                weight[start:end], attrs, 5)

    def _update_single(self, index, weight, grad, state, multi_precision, kwargs):
        checked(weight, grad)
        self._update_count(index)
        lr, wd = self._get_lr(index), self._get_wd(index)
        kwargs["t"] = self._index_update_count[index]
        self._clip_kwargs(kwargs)
        if multi_precision:
            weight32, (mean, var) = state
            g = nd.mp_lamb_update_phase1(weight, grad, mean, var, weight32, wd=wd, **kwargs)
            r_1, r_2 = weight32.norm(), g.norm()
            nd.mp_lamb_update_phase2(weight, g, r_1, r_2, weight32, lr=lr, out=weight,
                                     **self._bounds({}))
        else:
            mean, var = state
            g = nd.lamb_update_phase1(weight, grad, mean, var, wd=wd, **kwargs)
            r_1, r_2 = weight.norm(), g.norm()
            nd.lamb_update_phase2(weight, g, r_1, r_2, lr=lr, out=weight, **self._bounds({}))

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and first.dtype == np.float16)
