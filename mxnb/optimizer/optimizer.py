"""The Optimizer base class and the registry behind `mx.optimizer.create` (as MXNet 1.x).

Subclasses implement `_step(index, weight, grad, state, lr, wd)`, working in place on the arrays'
data (`arr._data`) with a few NumPy/CuPy calls: this is the training hot path, so no operators and
no graph recording are involved.
"""
import warnings

import numpy as np

from ..base import MXNetError
from ..named_registry import NamedRegistry
from ..ndarray import NDArray, zeros

__all__ = ["Optimizer", "register", "create"]


class Optimizer:
    """The base class of all optimizers (MXNet's `mx.optimizer.Optimizer`)."""

    opt_registry = None   # the registry table, set once the class exists (below)

    def __init__(self, rescale_grad=1., param_idx2name=None, wd=0., clip_gradient=None,
                 learning_rate=None, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        self.rescale_grad = rescale_grad
        self.lr_scheduler = lr_scheduler
        if lr_scheduler is None and learning_rate is None:
            learning_rate = 0.01
        self.lr = learning_rate
        if lr_scheduler is not None and learning_rate is not None:
            if lr_scheduler.base_lr != learning_rate:
                warnings.warn("learning rate from ``lr_scheduler`` has been overwritten by "
                              "``learning_rate`` in optimizer.")
                lr_scheduler.base_lr = learning_rate
        self.wd = wd
        self.lr_mult = {}
        self.wd_mult = {}
        self.begin_num_update = begin_num_update
        self.num_update = begin_num_update
        self._all_index_update_counts = {0: {}}
        self._index_update_count = self._all_index_update_counts[0]
        self.clip_gradient = clip_gradient
        self.multi_precision = multi_precision
        self.aggregate_num = 0
        if param_idx2name is None:
            param_idx2name = {}
        if not isinstance(param_idx2name, dict):
            raise MXNetError("param_idx2name should be a dict of parameter indices to names, "
                             "found %s" % type(param_idx2name).__name__)
        self.idx2name = param_idx2name.copy()
        self.sym_info = (sym.attr_dict(), sym.list_arguments()) if sym is not None else ()
        self.param_dict = param_dict if param_dict else {}
        self.set_lr_mult({})
        self.set_wd_mult({})

    # --- registry ------------------------------------------------------------------------------
    @staticmethod
    def register(klass):
        """Registers an optimizer class under its lower-cased name (a decorator)."""
        return _REGISTRY.register(klass)

    @staticmethod
    def create_optimizer(name, **kwargs):
        """An instance of the optimizer registered as `name` (case-insensitive)."""
        return _REGISTRY.get(name)(**kwargs)

    # --- learning rate -------------------------------------------------------------------------
    @property
    def learning_rate(self):
        if self.lr_scheduler is not None:
            return self.lr_scheduler(self.num_update)
        return self.lr

    def set_learning_rate(self, lr):
        if self.lr_scheduler is not None:
            raise UserWarning("LRScheduler of the optimizer has already been defined. Note that "
                              "set_learning_rate can mutate the value of the learning rate of the "
                              "optimizer only when the LRScheduler of the optimizer is undefined.")
        self.lr = lr

    def set_lr_scale(self, args_lrscale):
        raise DeprecationWarning

    def set_lr_mult(self, args_lr_mult):
        """Per-parameter learning-rate multipliers, keyed by name or index."""
        self.lr_mult = {}
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__lr_mult__" in attr[name]:
                    self.lr_mult[name] = float(attr[name]["__lr_mult__"])
        self.lr_mult.update(args_lr_mult)

    def set_wd_mult(self, args_wd_mult):
        """Per-parameter weight-decay multipliers; named non-weights (not *_weight/*_gamma) get 0."""
        self.wd_mult = {}
        for n in self.idx2name.values():
            if not (n.endswith("_weight") or n.endswith("_gamma")):
                self.wd_mult[n] = 0.0
        if self.sym_info:
            attr, arg_names = self.sym_info
            for name in arg_names:
                if name in attr and "__wd_mult__" in attr[name]:
                    self.wd_mult[name] = float(attr[name]["__wd_mult__"])
        self.wd_mult.update(args_wd_mult)

    def _set_current_context(self, device_id):
        if device_id not in self._all_index_update_counts:
            self._all_index_update_counts[device_id] = {}
        self._index_update_count = self._all_index_update_counts[device_id]

    def _update_count(self, index):
        indices = index if isinstance(index, (list, tuple)) else [index]
        counts = self._index_update_count
        for idx in indices:
            count = counts.get(idx, self.begin_num_update) + 1
            counts[idx] = count
            if count > self.num_update:
                self.num_update = count

    def _get_lrs(self, indices):
        lr = self.lr_scheduler(self.num_update) if self.lr_scheduler is not None else self.lr
        return [lr * self._multiplier(index, self.lr_mult, "lr_mult") for index in indices]

    def _get_lr(self, index):
        return self._get_lrs([index])[0]

    def _get_wds(self, indices):
        return [self.wd * self._multiplier(index, self.wd_mult, "wd_mult") for index in indices]

    def _get_wd(self, index):
        return self._get_wds([index])[0]

    def _multiplier(self, index, mults, attr):
        # A gluon Parameter's own lr_mult/wd_mult wins, then the index, then the name.
        if index in self.param_dict:
            return getattr(self.param_dict[index], attr)
        if index in mults:
            return mults[index]
        if index in self.idx2name:
            return mults.get(self.idx2name[index], 1.0)
        return 1.0

    # --- states and updates --------------------------------------------------------------------
    def create_state(self, index, weight):
        """The auxiliary state (momentum, moments, ...) for one weight; None if there is none."""
        return None

    def create_state_multi_precision(self, index, weight):
        """As create_state, plus a float32 master copy of a float16 weight when multi_precision."""
        if self.multi_precision and weight.dtype == np.float16:
            master = weight.astype(np.float32)
            return (master, self.create_state(index, master))
        _warn_float16(weight, self)
        return self.create_state(index, weight)

    def update(self, index, weight, grad, state):
        """Updates `weight` in place from `grad` and `state`; lists of each update several."""
        if isinstance(index, (list, tuple)):
            self._update_count(index)
            lrs, wds = self._get_lrs(index), self._get_wds(index)
            for i, w, g, s, lr, wd in zip(index, weight, grad, state, lrs, wds):
                self._any_step(i, _checked(w, "weight"), _checked(g, "grad"), s, lr, wd)
        else:
            self._update_count(index)
            self._any_step(index, _checked(weight, "weight"), _checked(grad, "grad"), state,
                           self._get_lr(index), self._get_wd(index))

    def _any_step(self, index, weight, grad, state, lr, wd):
        if grad._sparse:      # row_sparse gradients: lazy updates (optimizer/sparse.py)
            from .sparse import sparse_step
            sparse_step(self, index, weight, grad, state, lr, wd)
        else:
            self._step(index, weight, grad, state, lr, wd)

    def _step(self, index, weight, grad, state, lr, wd):
        raise NotImplementedError("%s does not implement update" % type(self).__name__)

    def update_multi_precision(self, index, weight, grad, state):
        """As update, through the float32 master copy for float16 weights when multi_precision."""
        if isinstance(index, (list, tuple)):
            for i, w, g, s in zip(index, weight, grad, state):
                self.update_multi_precision(i, w, g, s)
            return
        if self.multi_precision and weight.dtype == np.float16:
            master, inner = state
            self.update(index, master, grad.astype(np.float32), inner)
            weight._data[...] = master._data
        else:
            self.update(index, weight, grad, state)

    def __getstate__(self):
        state = self.__dict__.copy()
        del state["param_dict"]  # the trainer sets it again
        return state

    def __setstate__(self, state):
        self.__dict__ = state
        self.param_dict = {}


_REGISTRY = NamedRegistry("optimizer", Optimizer)
Optimizer.opt_registry = _REGISTRY.classes     # MXNet's public name for the table
register = Optimizer.register
create = Optimizer.create_optimizer


def _checked(arr, what):
    if not isinstance(arr, NDArray):
        raise MXNetError("optimizer update expects an NDArray %s, found %s"
                         % (what, type(arr).__name__))
    return arr


def _warn_float16(weight, optimizer):
    if weight.dtype == np.float16 and not optimizer.multi_precision:
        warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy or slow "
                      "convergence. Consider using multi_precision=True option of the %s optimizer"
                      % type(optimizer).__name__)


def zeros_like_weight(weight, dtype=None):
    """A zero state array with the weight's shape, context and (by default) dtype."""
    return zeros(weight.shape, weight.context, dtype=weight.dtype if dtype is None else dtype)


def rescaled_grad(xp, grad, rescale_grad, clip_gradient, weight=None, wd=0.0):
    """A new array `clip(rescale_grad * grad [+ wd * weight], clip_gradient)`; weight decay is
    added before clipping when `weight` is given (Adam, RMSProp); MXNet clips only when clip > 0."""
    g = grad * rescale_grad
    if weight is not None and wd:
        g += weight * wd
    if clip_gradient is not None and clip_gradient > 0:
        xp.clip(g, -clip_gradient, clip_gradient, out=g)
    return g
