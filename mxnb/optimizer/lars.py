"""LARS (MXNet's `LARS`, layer-wise adaptive rate scaling) and LBSGD (large-batch SGD with
warm-up strategies), both on the SGD update operators; LARS computes its rates on the device
with multi_sum_sq and multi_lars."""
import logging
import math

import numpy as np

from .. import ndarray as nd
from .optimizer import Optimizer, register, zeros_like_weight, checked, warn_float16
from .sgd import as_lists, flatten, mp_state

__all__ = ["LARS", "LBSGD"]

_NO_LARS_SUFFIXES = ("gamma", "beta", "bias")


@register
class LARS(Optimizer):
    """The SGD optimizer with momentum and weight decay, scaled by LARS' trust ratio
    (You et al., Large Batch Training of Convolution Networks)::

        lr_layer = lr * eta * ||w|| / (||g|| + wd * ||w|| + eps)

    Parameters whose names end in gamma, beta or bias keep the plain rate.

    Parameters
    ----------
    momentum : float, optional
        The momentum value.
    lazy_update : bool, optional
        Lazy updates for row_sparse weights and gradients.
    eta : float, optional
        LARS coefficient.
    eps : float, optional
        A small constant for numerical stability.
    momentum_correction : bool, optional
        Scale the momentum by the change of the learning rate between steps.

    Example
    -------
    >>> opt = mx.optimizer.LARS(learning_rate=0.1, momentum=0.9, eta=0.001)
    """

    def __init__(self, momentum=0.0, lazy_update=True, eta=0.001, eps=0,
                 momentum_correction=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = momentum
        self.momentum_correction = momentum_correction
        self.lazy_update = lazy_update
        self.aggregate_num = 4
        self.eta = eta
        self.eps = eps
        self.skip = 0
        self.last_lr = None
        self.cur_lr = None

    def _get_lrs(self, indices):
        if self.cur_lr is not None:
            self.last_lr = self.cur_lr
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        if self.cur_lr is None:
            self.last_lr = lr
        self.cur_lr = lr
        return [lr * self._multiplier(index, self.lr_mult, "lr_mult") for index in indices]

    def set_wd_mult(self, args_wd_mult):
        """As Optimizer.set_wd_mult, but only names ending in _weight keep their weight decay."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not n.endswith("_weight"):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    def create_state_multi_precision(self, index, weight):
        return mp_state(self, index, weight)

    def create_state(self, index, weight):
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def _name(self, index):
        return self.idx2name[index] if index in self.idx2name else str(index)

    def _update_impl(self, indices, weights, grads, states, multi_precision=False):
        indices, weights, grads, states = as_lists(indices, weights, grads, states)
        for w, g in zip(weights, grads):
            checked(w, g)
        self._update_count(indices)
        lrs, wds = self._get_lrs(indices), self._get_wds(indices)
        kwargs = {"rescale_grad": self.rescale_grad}
        if self.momentum > 0:
            corrected = self.momentum_correction and self.last_lr != 0
            kwargs["momentum"] = (self.momentum * (self.cur_lr / self.last_lr) if corrected
                                  else self.momentum)
        self._clip_kwargs(kwargs)
        # LARS parameters first, then the ones that keep the plain rate.
        lars = [i for i, idx in enumerate(indices) if not self._name(idx).endswith(_NO_LARS_SUFFIXES)]
        plain = [i for i in range(len(indices)) if i not in lars]
        order = lars + plain
        ctx = weights[0].context
        new_lrs = nd.array([lrs[i] for i in order], ctx=ctx, dtype="float32")
        new_wds = nd.array([wds[i] for i in order], ctx=ctx, dtype="float32")
        weights = [weights[i] for i in order]
        grads = [grads[i] for i in order]
        states = [states[i] for i in order]
        if lars:
            k = len(lars)
            w_sum_sq = nd.multi_sum_sq(*weights[:k], num_arrays=k)
            g_sum_sq = nd.multi_sum_sq(*grads[:k], num_arrays=k)
            nd.multi_lars(new_lrs[:k], w_sum_sq, g_sum_sq, new_wds[:k], eta=self.eta,
                          eps=self.eps, rescale_grad=self.rescale_grad, out=new_lrs[:k])
        for start in range(0, len(weights), self.aggregate_num or len(weights)):
            end = start + (self.aggregate_num or len(weights))
            w, g, s = weights[start:end], grads[start:end], states[start:end]
            rates = [new_lrs[start:start + len(w)], new_wds[start:start + len(w)]]
            if not multi_precision:
                if self.momentum > 0:
                    nd.preloaded_multi_sgd_mom_update(*flatten([w, g, s]) + rates, out=w,
                                                      num_weights=len(w), **kwargs)
                else:
                    nd.preloaded_multi_sgd_update(*flatten([w, g]) + rates, out=w,
                                                  num_weights=len(w), **kwargs)
            elif self.momentum > 0:
                moms, masters = zip(*s)
                nd.preloaded_multi_mp_sgd_mom_update(*flatten([w, g, moms, masters]) + rates,
                                                     out=w, num_weights=len(w), **kwargs)
            else:
                masters = [x[1] for x in s]
                nd.preloaded_multi_mp_sgd_update(*flatten([w, g, masters]) + rates, out=w,
                                                 num_weights=len(w), **kwargs)

    def update(self, index, weight, grad, state):
        self._update_impl(index, weight, grad, state, multi_precision=False)

    def update_multi_precision(self, index, weight, grad, state):
        first = weight[0] if isinstance(index, (tuple, list)) else weight
        self._update_impl(index, weight, grad, state,
                          multi_precision=self.multi_precision and first.dtype == np.float16)


@register
class LBSGD(Optimizer):
    """The Large Batch SGD optimizer with momentum and weight decay: gradients are accumulated
    over `batch_scale` steps and the learning rate warms up (linear, power2, sqrt or lars).

    Parameters
    ----------
    momentum : float, optional
        The momentum value.
    multi_precision: bool, optional
        Update float16 weights through a float32 master copy.
    warmup_strategy: string ('linear', 'power2', 'sqrt' or 'lars'), optional
        How the learning-rate multiplier grows during warm-up.
    warmup_epochs: int, optional
        The number of warm-up epochs.
    batch_scale: int, optional
        The number of steps whose gradients are accumulated into one update.
    updates_per_epoch: int, optional
        The number of updates per epoch.
    begin_epoch: int, optional
        The epoch training starts at.
    num_epochs: int, optional
        The number of epochs.

    Example
    -------
    >>> opt = mx.optimizer.LBSGD(learning_rate=0.1, momentum=0.9, batch_scale=2)
    """

    def __init__(self, momentum=0.0, multi_precision=False, warmup_strategy="linear",
                 warmup_epochs=5, batch_scale=1, updates_per_epoch=32, begin_epoch=0,
                 num_epochs=60, **kwargs):
        super().__init__(**kwargs)
        logging.info("Running Large-Batch SGD Algorithm")
        self.momentum = momentum
        self.multi_precision = multi_precision
        self.warmup_strategy = warmup_strategy
        self.warmup_epochs = warmup_epochs
        self.batch_scale = batch_scale
        self.updates_per_epoch = updates_per_epoch
        self.init_updates = begin_epoch * updates_per_epoch
        self.num_epochs = num_epochs
        self.lbmult = 1
        self.cumgrads = {}
        self.adaptive = False
        self.admult = 1

    def create_state(self, index, weight):
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            momentum = zeros_like_weight(weight, "float32") if self.momentum != 0.0 else None
            return (momentum, master)
        warn_float16(weight, self)
        return zeros_like_weight(weight) if self.momentum != 0.0 else None

    def _get_lbmult(self, nup):
        nwup = self.warmup_epochs * self.updates_per_epoch
        maxmult = float(self.batch_scale)
        if nup >= nwup:
            return maxmult
        if nwup <= 1:
            return 1.0
        if self.warmup_strategy == "linear":
            return 1.0 + (maxmult - 1) * nup / nwup
        if self.warmup_strategy == "power2":
            return 1.0 + (maxmult - 1) * (nup * nup) / (nwup * nwup)
        if self.warmup_strategy == "sqrt":
            return 1.0 + (maxmult - 1) * math.sqrt(float(nup) / nwup)
        return 1.0

    def _get_lars(self, weight, g, wd):
        weight2 = float(nd.multiply(weight, weight).sum().asscalar())
        grad2 = float(nd.multiply(g, g).sum().asscalar())
        lars = math.sqrt(weight2 / (grad2 + wd * weight2 + 1e-18))
        return min(max(lars, 0.01), 100)

    def _cumulate_gradient(self, grad, index):
        cgrad = self.cumgrads.get(index, {})
        if cgrad and cgrad["num_cums"] > 0:
            cgrad = {"cum_grad": cgrad["cum_grad"] + grad, "num_cums": cgrad["num_cums"] + 1}
        else:
            cgrad = {"cum_grad": grad, "num_cums": self.init_updates + 1}
        self.cumgrads[index] = cgrad
        return cgrad

    def update(self, index, weight, grad, state):
        checked(weight, grad)
        lr, wd = self._get_lr(index), self._get_wd(index)
        self._update_count(index)
        cgrad = self._cumulate_gradient(grad, index)
        if cgrad["num_cums"] % self.batch_scale == 0:
            grad = cgrad["cum_grad"] / self.batch_scale
            if self.warmup_strategy == "lars":
                lbmult = self._get_lars(weight, grad, wd)
            else:
                lbmult = self._get_lbmult(cgrad["num_cums"])
            lr = lr * lbmult
            kwargs = {"rescale_grad": self.rescale_grad}
            if self.momentum > 0:
                kwargs["momentum"] = self.momentum
            self._clip_kwargs(kwargs)
            if not isinstance(state, (list, tuple)):
                if state is not None:
                    nd.sgd_mom_update(weight, grad, state, out=weight, lr=lr, wd=wd, **kwargs)
                else:
                    nd.sgd_update(weight, grad, out=weight, lr=lr, wd=wd, **kwargs)
            elif state[0] is not None:
                nd.mp_sgd_mom_update(weight, grad, state[0], state[1], out=weight, lr=lr, wd=wd,
                                     **kwargs)
            else:
                nd.mp_sgd_update(weight, grad, state[1], out=weight, lr=lr, wd=wd, **kwargs)
            self.cumgrads[index]["cum_grad"] = 0
        else:
            nd.sgd_update(weight, grad, out=weight, lr=0.0, wd=wd)
