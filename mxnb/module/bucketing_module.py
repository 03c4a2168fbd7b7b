"""BucketingModule: one Module per bucket key (sequence length, ...), all sharing the default
bucket's parameters and optimizer (MXNet's `mx.mod.BucketingModule`)."""
import logging
import warnings

from ..base import MXNetError
from ..context import cpu
from ..initializer import Uniform
from .base_module import BaseModule
from .module import Module

__all__ = ["BucketingModule"]


class BucketingModule(BaseModule):
    """A module whose symbol depends on each batch's `bucket_key`.

    Parameters
    ----------
    sym_gen : callable
        `sym_gen(bucket_key) -> (symbol, data_names, label_names)`.
    default_bucket_key : object
        The largest bucket: its module is bound first and owns the parameters.
    logger, context, work_load_list, fixed_param_names, state_names
        As for Module.

    Example
    -------
    >>> def sym_gen(seq_len):                                 # doctest: +SKIP
    ...     return net_for(seq_len), ('data',), ('softmax_label',)
    >>> mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=30)   # doctest: +SKIP
    """

    def __init__(self, sym_gen, default_bucket_key=None, logger=logging, context=cpu(),
                 work_load_list=None, fixed_param_names=None, state_names=None, group2ctxs=None,
                 compression_params=None):
        super().__init__(logger=logger)
        if default_bucket_key is None:
            raise MXNetError("BucketingModule needs a default_bucket_key")
        self._default_bucket_key = default_bucket_key
        self._sym_gen = sym_gen
        symbol, data_names, label_names = self._call_sym_gen(default_bucket_key)
        self._data_names = list(data_names) if data_names is not None else []
        self._label_names = list(label_names) if label_names is not None else []
        self._state_names = list(state_names) if state_names is not None else []
        self._fixed_param_names = list(fixed_param_names) if fixed_param_names is not None else []
        self._output_names = symbol.list_outputs()
        self._context = context
        self._work_load_list = work_load_list
        self._group2ctxs = group2ctxs
        self._compression_params = compression_params
        self._buckets = {}
        self._curr_module = None
        self._curr_bucket_key = None
        self._params_dirty = False
        self._monitor = None
        self._grad_req = None

    def _call_sym_gen(self, key):
        result = self._sym_gen(key)
        if not (isinstance(result, (tuple, list)) and len(result) == 3):
            raise MXNetError("sym_gen(%r) must return (symbol, data_names, label_names), found %r"
                             % (key, result))
        return result

    def _new_module(self, key):
        symbol, data_names, label_names = self._call_sym_gen(key)
        return Module(symbol, data_names, label_names, logger=self.logger, context=self._context,
                      work_load_list=self._work_load_list,
                      fixed_param_names=self._fixed_param_names, state_names=self._state_names,
                      group2ctxs=self._group2ctxs, compression_params=self._compression_params)

    def _reset_bind(self):
        self.binded = False
        self._buckets = {}
        self._curr_module = None
        self._curr_bucket_key = None

    # --- names and shapes --------------------------------------------------------------------
    @property
    def data_names(self):
        """As `Module.data_names`, on the current bucket's module."""
        return self._curr_module.data_names if self.binded else self._data_names

    @property
    def label_names(self):
        """As `Module.label_names`, on the current bucket's module."""
        return self._curr_module.label_names if self.binded else self._label_names

    @property
    def output_names(self):
        """As `Module.output_names`, on the current bucket's module."""
        return self._curr_module.output_names if self.binded else self._output_names

    @property
    def data_shapes(self):
        """As `Module.data_shapes`, on the current bucket's module."""
        return self._curr_module.data_shapes

    @property
    def label_shapes(self):
        """As `Module.label_shapes`, on the current bucket's module."""
        return self._curr_module.label_shapes

    @property
    def output_shapes(self):
        """As `Module.output_shapes`, on the current bucket's module."""
        return self._curr_module.output_shapes

    @property
    def symbol(self):
        """As `Module.symbol`, on the current bucket's module."""
        if not self.binded:
            raise MXNetError("BucketingModule.symbol: call bind first")
        return self._curr_module.symbol

    # --- parameters --------------------------------------------------------------------------
    def get_params(self):
        """As `Module.get_params`, on the current bucket's module."""
        self._check_ready("get_params")
        self._curr_module._params_dirty = self._params_dirty
        params = self._curr_module.get_params()
        self._params_dirty = False
        return params

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """As `Module.set_params`, on the current bucket's module."""
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init,
                             allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "set_params call ignored.", stacklevel=2)
            return
        self._curr_module.set_params(arg_params, aux_params, allow_missing=allow_missing,
                                     force_init=force_init, allow_extra=allow_extra)
        self._params_dirty = True
        self.params_initialized = True

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """As `Module.init_params`, on the current bucket's module."""
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise MXNetError("init_params: call bind first")
        self._curr_module.init_params(initializer=initializer, arg_params=arg_params,
                                      aux_params=aux_params, allow_missing=allow_missing,
                                      force_init=force_init, allow_extra=allow_extra)
        self._params_dirty = False
        self.params_initialized = True

    def get_states(self, merge_multi_context=True):
        """As `Module.get_states`, on the current bucket's module."""
        self._check_ready("get_states")
        return self._curr_module.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None):
        """As `Module.set_states`, on the current bucket's module."""
        self._check_ready("set_states")
        self._curr_module.set_states(states, value)

    # --- binding -----------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Binds the default bucket's module."""
        if self.params_initialized:
            arg_params, aux_params = self.get_params()
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        if shared_module is not None:
            raise MXNetError("BucketingModule.bind: shared_module is not supported")
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        module = self._new_module(self._default_bucket_key)
        module.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                    force_rebind=False, shared_module=None, grad_req=grad_req)
        self._curr_module = module
        self._curr_bucket_key = self._default_bucket_key
        self._buckets[self._default_bucket_key] = module
        self.binded = True
        if self.params_initialized:
            self.set_params(arg_params, aux_params)

    def switch_bucket(self, bucket_key, data_shapes, label_shapes=None):
        """Makes `bucket_key`'s module current, binding it (sharing parameters) if new."""
        if not self.binded:
            raise MXNetError("switch_bucket: call bind first")
        if bucket_key not in self._buckets:
            module = self._new_module(bucket_key)
            module.bind(data_shapes, label_shapes, self._curr_module.for_training,
                        self._curr_module.inputs_need_grad, force_rebind=False,
                        shared_module=self._buckets[self._default_bucket_key],
                        grad_req=self._grad_req)
            if self._monitor is not None:
                module.install_monitor(self._monitor)
            self._buckets[bucket_key] = module
        self._curr_module = self._buckets[bucket_key]
        self._curr_bucket_key = bucket_key

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """As `Module.init_optimizer`, on the current bucket's module."""
        self._check_ready("init_optimizer")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring.")
            return
        self._curr_module.init_optimizer(kvstore, optimizer, optimizer_params,
                                         force_init=force_init)
        for mod in self._buckets.values():
            if mod is not self._curr_module:
                mod.borrow_optimizer(self._curr_module)
        self.optimizer_initialized = True

    # --- computation -------------------------------------------------------------------------
    def prepare(self, data_batch, sparse_row_id_fn=None):
        """As `Module.prepare`, on the current bucket's module."""
        self._check_ready("prepare")
        original = self._curr_bucket_key
        self.switch_bucket(data_batch.bucket_key, data_batch.provide_data, data_batch.provide_label)
        self._curr_module.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self.switch_bucket(original, None, None)

    def forward(self, data_batch, is_train=None):
        """As `Module.forward`, on the current bucket's module."""
        self._check_ready("forward")
        key = getattr(data_batch, "bucket_key", None)
        if key is None:
            key = self._default_bucket_key
        self.switch_bucket(key, data_batch.provide_data, data_batch.provide_label)
        self._curr_module.forward(data_batch, is_train=is_train)

    def backward(self, out_grads=None):
        """As `Module.backward`, on the current bucket's module."""
        self._check_ready("backward")
        self._curr_module.backward(out_grads=out_grads)

    def update(self):
        """As `Module.update`, on the current bucket's module."""
        self._check_ready("update")
        if not self.optimizer_initialized:
            raise MXNetError("update: call init_optimizer first")
        self._params_dirty = True
        self._curr_module.update()

    def get_outputs(self, merge_multi_context=True):
        """As `Module.get_outputs`, on the current bucket's module."""
        self._check_ready("get_outputs")
        return self._curr_module.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """As `Module.get_input_grads`, on the current bucket's module."""
        self._check_ready("get_input_grads")
        return self._curr_module.get_input_grads(merge_multi_context=merge_multi_context)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """As `Module.update_metric`, on the current bucket's module."""
        self._check_ready("update_metric")
        self._curr_module.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        """As `Module.install_monitor`, on the current bucket's module."""
        if not self.binded:
            raise MXNetError("install_monitor: call bind first")
        self._monitor = mon
        for mod in self._buckets.values():
            mod.install_monitor(mon)
