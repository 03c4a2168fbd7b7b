"""The Optimizer base class and the registry behind `mx.optimizer.create` (as MXNet 1.x).

Subclasses implement `create_state(index, weight)` and `update(index, weight, grad, state)`, as
in MXNet: `update` counts the step (`_update_count`), reads the learning rate and weight decay
(`_get_lr`, `_get_wd`) and calls the registered update operator with `out=weight`
(`nd.sgd_mom_update(weight, grad, mom, out=weight, ...)`), so the numbers are the operators'.
"""
import warnings

import numpy as np

from ..base import MXNetError
from ..named_registry import NamedRegistry
from ..ndarray import NDArray, zeros, cast, clip

__all__ = ["Optimizer", "register", "create", "zeros_like_weight", "clipped", "checked"]


class Optimizer:
    """The base class inherited by all optimizers (MXNet's `mx.optimizer.Optimizer`).

    Parameters
    ----------
    rescale_grad : float, optional, default 1.0
        Multiply the gradient with `rescale_grad` before updating. Often choose to be
        ``1.0/batch_size``.
    param_idx2name : dict from int to string, optional, default None
        A dictionary that maps int index to string name; parameters whose names do not end
        in ``_weight`` or ``_gamma`` get no weight decay.
    clip_gradient : float, optional, default None
        Clip the gradient by projecting onto the box ``[-clip_gradient, clip_gradient]``.
    learning_rate : float, optional, default None
        The initial learning rate (0.01 when there is no scheduler).
    lr_scheduler : LRScheduler, optional, default None
        The learning rate scheduler.
    wd : float, optional, default 0.0
        The weight decay (or L2 regularization) coefficient. Modifies objective by adding a
        penalty for having large weights.
    sym: Symbol, optional, default None
        The Symbol this optimizer is applying to; its ``__lr_mult__`` / ``__wd_mult__``
        attributes give per-parameter multipliers.
    begin_num_update : int, optional, default 0
        The initial number of updates.
    multi_precision : bool, optional, default False
        Flag to control the internal precision of the optimizer: float16 weights are updated
        through a float32 master copy.
    param_dict : dict of int -> gluon.Parameter, default None
        Dictionary of parameter index to gluon.Parameter, used to lookup parameter attributes
        such as lr_mult, wd_mult, etc.

    Example
    -------
    >>> opt = mx.optimizer.create("sgd", learning_rate=0.1, momentum=0.9, wd=1e-4)
    >>> updater = mx.optimizer.get_updater(opt)
    >>> updater(0, grad, weight)          # one step on `weight`, index 0
    """

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
        """Updates `weight` in place from `grad` and `state` (implemented by each optimizer).

        Parameters
        ----------
        index : int or str
            The unique index of the parameter, used for learning-rate and weight-decay
            multipliers and for the update count.
        weight : NDArray
            The parameter to update.
        grad : NDArray
            The gradient of the objective with respect to this parameter.
        state : any
            What `create_state` returned for this parameter.
        """
        raise NotImplementedError("%s does not implement update" % type(self).__name__)

    def update_multi_precision(self, index, weight, grad, state):
        """As `update`; a float16 weight with multi_precision is updated through its float32
        master copy (state[0]), then cast back into the weight."""
        if self.multi_precision and weight.dtype == np.float16:
            master, inner = state
            self.update(index, master, grad.astype(np.float32), inner)
            cast(master, dtype=weight.dtype, out=weight)
        else:
            self.update(index, weight, grad, state)

    def _clip_kwargs(self, kwargs, key="clip_gradient"):
        """Adds clip_gradient to an update operator's arguments when set (MXNet passes it only
        when truthy: None and 0 mean no clipping)."""
        if self.clip_gradient:
            kwargs[key] = self.clip_gradient
        return kwargs

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


def checked_all(weights, grads):
    """`checked` for lists of weights and their gradients (one loop per list: an aggregated
    update checks every weight on every step)."""
    for arrays, what in ((weights, "weight"), (grads, "grad")):
        for arr in arrays:
            if not isinstance(arr, NDArray):
                raise MXNetError("optimizer update expects an NDArray %s, found %s"
                                 % (what, type(arr).__name__))


def checked(weight, grad):
    """MXNet's asserts that an update gets NDArrays, as errors that say what was found."""
    checked_all((weight,), (grad,))


def warn_float16(weight, optimizer):
    _warn_float16(weight, optimizer)


def _warn_float16(weight, optimizer):
    if weight.dtype == np.float16 and not optimizer.multi_precision:
        warnings.warn("Accumulating with float16 in optimizer can lead to poor accuracy or slow "
                      "convergence. Consider using multi_precision=True option of the %s optimizer"
                      % type(optimizer).__name__)


def zeros_like_weight(weight, dtype=None):
    """A zero state array with the weight's shape, context and (by default) dtype."""
    return zeros(weight.shape, weight.context, dtype=weight.dtype if dtype is None else dtype)


def clipped(grad, clip_gradient):
    """`grad` clipped to [-clip_gradient, clip_gradient] when clip_gradient is not None (the
    NDArray-arithmetic optimizers of MXNet clip whenever it is set)."""
    if clip_gradient is not None:
        return clip(grad, -clip_gradient, clip_gradient)
    return grad
