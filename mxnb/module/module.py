"""Module: a Symbol with its parameters, bound on one or several contexts and trained with an
optimizer (MXNet's `mx.mod.Module`)."""
import os
import logging
import warnings

import numpy as np

from ..base import MXNetError, InvalidArgumentError, ShapeError
from ..context import cpu, Context
from ..initializer import Uniform, InitDesc
from ..fileio import write_atomically
from .. import ndarray as nd
from .. import optimizer as opt
from .base_module import BaseModule, check_input_names, parse_data_desc
from .executor_group import DataParallelExecutorGroup

__all__ = ["Module"]


class MissingParameterError(MXNetError, RuntimeError):
    """A parameter absent from the given params (a RuntimeError, as MXNet raises)."""

_KVSTORES = ("local", "device", "nccl", "local_allreduce_cpu", "local_allreduce_device",
             "local_update_cpu", "dist_sync", "dist_async", "dist_sync_device", "horovod")


def _create_kvstore(kvstore, num_device, arg_sizes):
    """(kvstore or None, update_on_kvstore), as MXNet's Module chooses: no store for one device
    in one process; 'local' updates on the store unless a weight has over 16M elements."""
    from .. import kvstore as kvs
    if kvstore is None:
        return None, False
    if isinstance(kvstore, kvs.KVStoreBase):
        kv = kvstore
    elif isinstance(kvstore, str):
        if kvstore not in _KVSTORES:
            raise InvalidArgumentError("kvstore %r is not a kvstore type; expected one of %s or None"
                                       % (kvstore, list(_KVSTORES)))
        if kvstore == "horovod":
            raise MXNetError("kvstore 'horovod' is not available in mxnb; use 'dist_sync' (MPI)")
        if num_device == 1 and "dist" not in kvstore:
            return None, False
        kv = kvs.create(kvstore)
    else:
        raise InvalidArgumentError("kvstore must be a KVStore, a str or None, found %s"
                                   % type(kvstore).__name__)
    update_on_kvstore = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
    if kv.type == "local" and arg_sizes and max(arg_sizes) > 1024 * 1024 * 16:
        update_on_kvstore = False
    return kv, update_on_kvstore and kv.is_capable(kvs.KVStoreBase.OPTIMIZER)


class Module(BaseModule):
    """A module built from a Symbol.

    Parameters
    ----------
    symbol : Symbol
    data_names : list of str, default ('data',)
    label_names : list of str, default ('softmax_label',)
        None or [] for a symbol without labels.
    logger : Logger, default logging
    context : Context or list of Context, default cpu()
        Several contexts split each batch between them (data parallelism).
    work_load_list : list of float, optional
        Share of the batch per context (equal by default).
    fixed_param_names : list of str, optional
        Parameters that are not updated.
    state_names : list of str, optional
        Inputs that are states (set with `set_states`), not data.

    Example
    -------
    >>> data = mx.sym.var('data')
    >>> net = mx.sym.FullyConnected(data, num_hidden=10, name='fc')
    >>> net = mx.sym.SoftmaxOutput(net, name='softmax')
    >>> mod = mx.mod.Module(net, context=mx.cpu())
    >>> mod.bind(data_shapes=[('data', (4, 5))], label_shapes=[('softmax_label', (4,))])
    >>> mod.init_params()
    """

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=cpu(), work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None):
        super().__init__(logger=logger)
        if isinstance(context, Context):
            context = [context]
        self._context = list(context)
        if work_load_list is None:
            work_load_list = [1] * len(self._context)
        if len(work_load_list) != len(self._context):
            raise InvalidArgumentError("work_load_list has %d entries for %d contexts"
                                       % (len(work_load_list), len(self._context)))
        self._work_load_list = list(work_load_list)
        self._group2ctxs = group2ctxs
        self._symbol = symbol
        data_names = list(data_names) if data_names is not None else []
        label_names = list(label_names) if label_names is not None else []
        state_names = list(state_names) if state_names is not None else []
        fixed_param_names = list(fixed_param_names) if fixed_param_names is not None else []
        check_input_names(symbol, data_names, "data", True)
        check_input_names(symbol, label_names, "label", False)
        check_input_names(symbol, state_names, "state", True)
        check_input_names(symbol, fixed_param_names, "fixed_param", True)
        arg_names = symbol.list_arguments()
        input_names = data_names + label_names + state_names
        self._param_names = [x for x in arg_names if x not in input_names]
        self._fixed_param_names = fixed_param_names
        self._aux_names = symbol.list_auxiliary_states()
        self._data_names = data_names
        self._label_names = label_names
        self._state_names = state_names
        self._output_names = symbol.list_outputs()
        self._arg_params = None
        self._aux_params = None
        self._params_dirty = False
        self._compression_params = compression_params
        self._optimizer = None
        self._kvstore = None
        self._update_on_kvstore = None
        self._updater = None
        self._preload_opt_states = None
        self._grad_req = None
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    # --- checkpoints ---------------------------------------------------------------------------
    @staticmethod
    def load(prefix, epoch, load_optimizer_states=False, **kwargs):
        """A Module from a checkpoint (`prefix-symbol.json`, `prefix-%04d.params`).

        Parameters
        ----------
        prefix : str
        epoch : int
        load_optimizer_states : bool, default False
            Also load `prefix-%04d.states` when the optimizer is initialized.
        **kwargs
            Passed to Module (context, data_names, ...).

        Example
        -------
        >>> mod = mx.mod.Module.load('mlp', 3, context=mx.cpu())   # doctest: +SKIP
        """
        from ..model import load_checkpoint
        sym, args, auxs = load_checkpoint(prefix, epoch)
        mod = Module(symbol=sym, **kwargs)
        mod._arg_params = args
        mod._aux_params = auxs
        mod.params_initialized = True
        if load_optimizer_states:
            mod._preload_opt_states = "%s-%04d.states" % (prefix, epoch)
        return mod

    def save_checkpoint(self, prefix, epoch, save_optimizer_states=False, remove_amp_cast=True):
        """Saves `prefix-symbol.json`, `prefix-%04d.params` (and `.states` if asked).

        Example
        -------
        >>> mod.save_checkpoint('mlp', 3, save_optimizer_states=True)   # doctest: +SKIP
        """
        self._symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
        param_name = "%s-%04d.params" % (prefix, epoch)
        self.save_params(param_name)
        logging.info('Saved checkpoint to "%s"', param_name)
        if save_optimizer_states:
            state_name = "%s-%04d.states" % (prefix, epoch)
            self.save_optimizer_states(state_name)
            logging.info('Saved optimizer state to "%s"', state_name)

    def _reset_bind(self):
        self.binded = False
        self._exec_group = None
        self._data_shapes = None
        self._label_shapes = None

    # --- names and shapes --------------------------------------------------------------------
    @property
    def data_names(self):
        """Names of the data inputs (e.g. ['data'])."""
        return self._data_names

    @property
    def label_names(self):
        """Names of the label inputs (e.g. ['softmax_label']; [] without labels)."""
        return self._label_names

    @property
    def output_names(self):
        """Names of the symbol's outputs (e.g. ['softmax_output'])."""
        return self._output_names

    @property
    def state_names(self):
        """Names of the state inputs (set with `set_states`)."""
        return self._state_names

    @property
    def fixed_param_names(self):
        """Parameters that are not updated."""
        return self._fixed_param_names

    @property
    def data_shapes(self):
        """DataDescs of the data inputs the module is bound for (after bind)."""
        self._check_binded("data_shapes")
        return self._data_shapes

    @property
    def label_shapes(self):
        """DataDescs of the label inputs the module is bound for (None without labels)."""
        self._check_binded("label_shapes")
        return self._label_shapes

    @property
    def output_shapes(self):
        """[(name, shape)] of the outputs for the bound input shapes."""
        self._check_binded("output_shapes")
        return self._exec_group.get_output_shapes()

    def _check_binded(self, what):
        if not self.binded:
            raise MXNetError("%s: call bind first" % what)

    # --- parameters ----------------------------------------------------------------------------
    def get_params(self):
        """(arg_params, aux_params): copies of the parameters, averaged over contexts."""
        self._check_ready("get_params")
        if self._params_dirty:
            self._sync_params_from_devices()
        return (self._arg_params, self._aux_params)

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Initializes the parameters: from `arg_params`/`aux_params` where given, else with
        `initializer`.

        Parameters
        ----------
        initializer : Initializer, default Uniform(0.01)
        arg_params, aux_params : dict of str to NDArray, optional
        allow_missing : bool, default False
            Parameters missing from arg_params are initialized instead of raising.
        force_init : bool, default False
            Re-initialize even if already initialized.
        allow_extra : bool, default False
            Ignore names in arg_params that the symbol does not have.
        """
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "init_params call ignored.", stacklevel=2)
            return
        if not self.binded:
            raise MXNetError("init_params: call bind before initializing the parameters")

        def _impl(name, arr, cache):
            if cache is not None:
                if name in cache:
                    cache_arr = cache[name]
                    if cache_arr is not arr:
                        if tuple(cache_arr.shape) != tuple(arr.shape):
                            raise ShapeError("init_params: parameter %s has shape %s in the given "
                                             "params, the module expects %s"
                                             % (name, tuple(cache_arr.shape), tuple(arr.shape)))
                        cache_arr.astype(arr.dtype).copyto(arr)
                    return
                if not allow_missing:
                    raise MissingParameterError("init_params: parameter %s is not presented in "
                                                "the given params (pass allow_missing=True to "
                                                "initialize it)" % name)
                if initializer is not None:
                    initializer(name, arr)
            else:
                if initializer is None:
                    raise MXNetError("init_params: no initializer and no value for %s" % name)
                initializer(name, arr)

        attrs = self._symbol.attr_dict()
        for name, arr in sorted(self._arg_params.items()):
            _impl(InitDesc(name, attrs.get(name, None)), arr, arg_params)
        for name, arr in sorted(self._aux_params.items()):
            _impl(InitDesc(name, attrs.get(name, None)), arr, aux_params)
        self.params_initialized = True
        self._params_dirty = False
        self._exec_group.set_params(self._arg_params, self._aux_params, allow_extra=allow_extra)

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Sets the parameters from dicts of NDArrays.

        Example
        -------
        >>> mod.set_params(*mod.get_params())   # doctest: +SKIP
        """
        if not allow_missing:
            self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                             allow_missing=allow_missing, force_init=force_init,
                             allow_extra=allow_extra)
            return
        if self.params_initialized and not force_init:
            warnings.warn("Parameters already initialized and force_init=False. "
                          "set_params call ignored.", stacklevel=2)
            return
        self._exec_group.set_params(arg_params, aux_params, allow_extra=allow_extra)
        self._params_dirty = True
        self.params_initialized = True

    def _sync_params_from_devices(self):
        self._exec_group.get_params(self._arg_params, self._aux_params)
        self._params_dirty = False

    # --- binding -----------------------------------------------------------------------------
    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Allocates the executors for input shapes.

        Parameters
        ----------
        data_shapes : list of DataDesc or (str, tuple)
            e.g. `train_iter.provide_data` or `[('data', (64, 784))]`.
        label_shapes : list of DataDesc or (str, tuple), optional
        for_training : bool, default True
            Allocate gradients.
        inputs_need_grad : bool, default False
            Also compute gradients of the data (`get_input_grads`).
        force_rebind : bool, default False
        shared_module : Module, optional
            Share its parameters (bucketing).
        grad_req : str, list or dict, default 'write'
        """
        if force_rebind:
            self._reset_bind()
        if self.binded:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self.for_training = for_training
        self.inputs_need_grad = inputs_need_grad
        self._grad_req = grad_req
        if not for_training and inputs_need_grad:
            raise InvalidArgumentError("bind: inputs_need_grad=True needs for_training=True")
        self._data_shapes, self._label_shapes = parse_data_desc(
            self.data_names, self.label_names, data_shapes, label_shapes)
        shared_group = None
        if shared_module is not None:
            if not (isinstance(shared_module, Module) and shared_module.binded
                    and shared_module.params_initialized):
                raise MXNetError("bind: shared_module must be a bound Module with initialized "
                                 "parameters")
            shared_group = shared_module._exec_group
        self._exec_group = DataParallelExecutorGroup(
            self._symbol, self._context, self._work_load_list, self._data_shapes,
            self._label_shapes, self._param_names, for_training, inputs_need_grad, shared_group,
            logger=self.logger, fixed_param_names=self._fixed_param_names, grad_req=grad_req,
            state_names=self._state_names, group2ctxs=self._group2ctxs)
        self._total_exec_bytes = 0
        if shared_module is not None:
            self.params_initialized = True
            self._arg_params = shared_module._arg_params
            self._aux_params = shared_module._aux_params
        elif self.params_initialized:
            # Parameters loaded before binding (Module.load): copy them to the executors.
            self._exec_group.set_params(self._arg_params, self._aux_params)
        else:
            if self._arg_params is not None or self._aux_params is not None:
                raise MXNetError("bind: parameters exist but are not initialized")
            group = self._exec_group
            # in the executors' storage types (a row_sparse weight stays row_sparse), as MXNet
            self._arg_params = {name: _zeros_like_block(block)
                                for name, block in zip(self._param_names, group.param_arrays)}
            self._aux_params = {name: _zeros_like_block(block)
                                for name, block in zip(self._aux_names, group.aux_arrays)}
        if shared_module is not None and shared_module.optimizer_initialized:
            self.borrow_optimizer(shared_module)
        self.binded = True

    def reshape(self, data_shapes, label_shapes=None):
        """Re-binds for new input shapes (a new batch size), keeping the parameters.

        Parameters
        ----------
        data_shapes, label_shapes : list of DataDesc or (str, tuple)

        Example
        -------
        >>> mod.reshape([('data', (8, 784))], [('softmax_label', (8,))])   # doctest: +SKIP
        """
        self._check_binded("reshape")
        data_shapes, label_shapes = parse_data_desc(self.data_names, self.label_names,
                                                    data_shapes, label_shapes)
        self._check_new_shapes(data_shapes, label_shapes)
        try:
            self._exec_group.reshape(data_shapes, label_shapes)
        except MXNetError as exc:
            raise ShapeError("Module: the input shapes %s do not fit the symbol, which was bound "
                             "for %s: %s" % (_described(data_shapes), _described(self._data_shapes),
                                             exc)) from None
        self._data_shapes, self._label_shapes = data_shapes, label_shapes

    def _check_new_shapes(self, data_shapes, label_shapes):
        """ShapeError naming the parameter that new input shapes would resize."""
        inputs = set(self._symbol.list_arguments())
        known = {d.name: tuple(d.shape) for d in list(data_shapes) + list(label_shapes or [])
                 if d.name in inputs}
        bound = "the module was bound for %s" % _described(self._data_shapes)
        try:
            arg_shapes, _, _ = self._symbol.infer_shape_partial(**known)
        except MXNetError as exc:
            raise ShapeError("Module: the input shapes %s do not fit the symbol (%s): %s"
                             % (_described(data_shapes), bound, exc)) from None
        current = self._exec_group.execs[0].arg_dict
        for name, shape in zip(self._symbol.list_arguments(), arg_shapes):
            if name in self._param_names and shape and tuple(shape) != tuple(current[name].shape):
                raise ShapeError("Module: the input shapes %s need parameter %s of shape %s, but "
                                 "it has shape %s (%s)" % (_described(data_shapes), name,
                                                           tuple(shape), tuple(current[name].shape),
                                                           bound))

    # --- optimizer ---------------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Creates the optimizer (by name, with `optimizer_params`, or an Optimizer instance).

        The gradient is rescaled by 1/batch_size unless `rescale_grad` is given. With several
        contexts and a kvstore ('local', 'device'), gradients are summed over contexts and one
        update is applied to every copy; with kvstore=None each context updates on its own.
        """
        self._check_ready("init_optimizer")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        if self._params_dirty:
            self._sync_params_from_devices()
        num_device = len(self._context)
        group = self._exec_group
        sizes = [int(np.prod(arrays[0].shape)) for arrays in group.param_arrays]
        kv, update_on_kvstore = _create_kvstore(kvstore, num_device, sizes)
        batch_size = group.batch_size
        if kv is not None and "dist" in kv.type and "_sync" in kv.type:
            batch_size *= kv.num_workers          # gradients of all workers are summed
        rescale_grad = 1.0 / batch_size
        param_names = group.param_names
        if update_on_kvstore:
            idx2name = dict(enumerate(param_names))
        else:
            idx2name = {}
            for k in range(num_device):
                idx2name.update({i * num_device + k: n for i, n in enumerate(param_names)})
        if isinstance(optimizer, str):
            optimizer_params = dict(optimizer_params)
            if "rescale_grad" not in optimizer_params:
                optimizer_params["rescale_grad"] = rescale_grad
            try:
                optimizer = opt.create(optimizer, sym=self.symbol, param_idx2name=idx2name,
                                       **optimizer_params)
            except MXNetError as exc:
                raise type(exc)("init_optimizer: optimizer %r: %s" % (optimizer, exc)) from None
        else:
            if not isinstance(optimizer, opt.Optimizer):
                raise InvalidArgumentError("optimizer must be a name or an Optimizer, found %s"
                                           % type(optimizer).__name__)
            if optimizer.rescale_grad != rescale_grad:
                warnings.warn("Optimizer created manually outside Module but rescale_grad is not "
                              "normalized to 1.0/batch_size/num_workers (%s vs. %s). Is this "
                              "intended?" % (optimizer.rescale_grad, rescale_grad), stacklevel=2)
            if not optimizer.idx2name:
                optimizer.idx2name = idx2name.copy()
        self._optimizer = optimizer
        self._kvstore = kv
        self._update_on_kvstore = update_on_kvstore
        self._updater = opt.get_updater(optimizer)
        if kv is not None:
            # Every worker starts from rank 0's parameters; the store runs our updater.
            if update_on_kvstore:
                kv._set_updater(self._updater)
            for name, arrays in zip(param_names, group.param_arrays):
                kv.init(name, arrays[0])
                kv.pull(name, out=list(arrays))
        self.optimizer_initialized = True
        if self._preload_opt_states is not None:
            self.load_optimizer_states(self._preload_opt_states)
            self._preload_opt_states = None

    def borrow_optimizer(self, shared_module):
        """Uses `shared_module`'s optimizer (and its states)."""
        if not shared_module.optimizer_initialized:
            raise MXNetError("borrow_optimizer: the shared module has no optimizer")
        self._optimizer = shared_module._optimizer
        self._kvstore = shared_module._kvstore
        self._update_on_kvstore = shared_module._update_on_kvstore
        self._updater = shared_module._updater
        self.optimizer_initialized = True

    def save_optimizer_states(self, fname):
        """Saves the optimizer's states (momentum, ...) to `fname`, atomically.

        Example
        -------
        >>> mod.save_optimizer_states('mlp-0003.states')   # doctest: +SKIP
        """
        if not self.optimizer_initialized:
            raise MXNetError("save_optimizer_states: call init_optimizer first")
        write_atomically(fname, self._updater.get_states())

    def load_optimizer_states(self, fname):
        """Loads optimizer states saved by `save_optimizer_states` (init_optimizer first).

        Example
        -------
        >>> mod.load_optimizer_states('mlp-0003.states')   # doctest: +SKIP
        """
        if not self.optimizer_initialized:
            raise MXNetError("load_optimizer_states: call init_optimizer first")
        with open(fname, "rb") as f:
            self._updater.set_states(f.read())

    # --- computation ---------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Runs the forward pass on a DataBatch (re-binding if its batch size changed).

        Parameters
        ----------
        data_batch : DataBatch
        is_train : bool, optional
            Defaults to `for_training` of bind.
        """
        self._check_ready("forward")
        data = data_batch.data
        if not isinstance(data, (list, tuple)) or len(data) != len(self._data_shapes):
            raise InvalidArgumentError(
                "forward: the batch has %s data arrays, the module takes %d: %s"
                % (len(data) if isinstance(data, (list, tuple)) else type(data).__name__,
                   len(self._data_shapes), self._data_names))
        curr = tuple(tuple(d.shape) for d in self._data_shapes)
        new = tuple(tuple(d.shape) for d in data)
        if curr != new:
            provide = getattr(data_batch, "provide_data", None)
            from ..io import DataDesc
            if provide:
                new_dshape = provide
            else:
                new_dshape = [DataDesc(d.name, shape, getattr(d, "dtype", "float32"),
                                       getattr(d, "layout", "NCHW"))
                              for d, shape in zip(self._data_shapes, new)]
            new_lshape = getattr(data_batch, "provide_label", None)
            labels = getattr(data_batch, "label", None)
            if not new_lshape and labels and self._label_shapes:
                new_lshape = [DataDesc(d.name, tuple(l.shape), getattr(d, "dtype", "float32"),
                                       getattr(d, "layout", "NCHW"))
                              for d, l in zip(self._label_shapes, labels)]
            elif not new_lshape and self._label_shapes:
                # A batch without labels (prediction): labels follow the new batch size.
                size = new[0][0] if new and new[0] else None
                new_lshape = [DataDesc(d.name, (size,) + tuple(d.shape[1:]),
                                       getattr(d, "dtype", "float32"), getattr(d, "layout", "NCHW"))
                              for d in self._label_shapes]
            self.reshape(new_dshape, new_lshape or None)
        self._exec_group.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        """Runs the backward pass of the last forward.

        Parameters
        ----------
        out_grads : NDArray or list of NDArray, optional
            Gradients of the outputs; None for loss outputs (SoftmaxOutput, ...).

        Example
        -------
        >>> mod.forward(batch, is_train=True); mod.backward(); mod.update()   # doctest: +SKIP
        """
        self._check_ready("backward")
        self._exec_group.backward(out_grads=out_grads)

    def update(self):
        """Updates the parameters with the optimizer from the gradients of the last backward.

        With several contexts and a kvstore, the contexts' gradients are summed, one update is
        computed and every context gets the new weights (MXNet's update on a 'local' kvstore).

        Example
        -------
        >>> mod.forward_backward(batch); mod.update()   # doctest: +SKIP
        """
        self._check_ready("update")
        if not self.optimizer_initialized:
            raise MXNetError("update: call init_optimizer first")
        self._params_dirty = True
        group = self._exec_group
        updater = self._updater
        num_device = len(self._context)
        live = [(i, name, args, grads) for i, (name, args, grads) in
                enumerate(zip(group.param_names, group.param_arrays, group.grad_arrays))
                if grads[0] is not None]
        kv = self._kvstore
        if kv is not None and live:
            names = [name for _, name, _, _ in live]
            # One kvstore call for every parameter: a distributed store sends one message.
            if self._update_on_kvstore:
                kv.push(names, [list(grads) for _, _, _, grads in live])
                kv.pull(names, out=[list(args) for _, _, args, _ in live])
                return
            kv.pushpull(names, [list(grads) for _, _, _, grads in live])
        for i, _, arg_list, grad_list in live:
            for k, (w, g) in enumerate(zip(arg_list, grad_list)):
                updater(i * num_device + k, g, w)

    def get_outputs(self, merge_multi_context=True):
        """The outputs of the last forward.

        Parameters
        ----------
        merge_multi_context : bool, default True
            Concatenate the contexts' pieces along the batch axis; False gives, per output, the
            list of per-context arrays.

        Returns
        -------
        list of NDArray (or list of lists)

        Example
        -------
        >>> probs = mod.get_outputs()[0]   # doctest: +SKIP
        """
        self._check_ready("get_outputs")
        return self._exec_group.get_outputs(merge_multi_context=merge_multi_context)

    def get_input_grads(self, merge_multi_context=True):
        """The gradients of the data inputs, in `data_names` order.

        Parameters
        ----------
        merge_multi_context : bool, default True

        Returns
        -------
        list of NDArray

        Example
        -------
        >>> mod.bind(data_shapes, label_shapes, inputs_need_grad=True)   # doctest: +SKIP
        >>> mod.forward_backward(batch); grad = mod.get_input_grads()[0]  # doctest: +SKIP
        """
        self._check_ready("get_input_grads")
        if not self.inputs_need_grad:
            raise MXNetError("get_input_grads: bind with inputs_need_grad=True first")
        return self._exec_group.get_input_grads(merge_multi_context=merge_multi_context)

    def get_states(self, merge_multi_context=True):
        """The values of the state inputs (`state_names`).

        Parameters
        ----------
        merge_multi_context : bool, default True

        Returns
        -------
        list of NDArray (or, per state, a list of per-context arrays)
        """
        self._check_ready("get_states")
        return self._exec_group.get_states(merge_multi_context=merge_multi_context)

    def set_states(self, states=None, value=None):
        """Sets the state inputs from per-context arrays (`states`) or to a number (`value`).

        Parameters
        ----------
        states : list of list of NDArray, optional
            As `get_states(merge_multi_context=False)` returns them.
        value : number, optional

        Example
        -------
        >>> mod.set_states(value=0)   # doctest: +SKIP
        """
        self._check_ready("set_states")
        self._exec_group.set_states(states, value)

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Accumulates `eval_metric` on the last outputs against `labels`.

        Parameters
        ----------
        eval_metric : EvalMetric
        labels : list of NDArray
            The batch's labels (sliced per context here unless `pre_sliced`).
        pre_sliced : bool, default False

        Example
        -------
        >>> mod.update_metric(metric, batch.label)   # doctest: +SKIP
        """
        self._exec_group.update_metric(eval_metric, labels, pre_sliced)

    def install_monitor(self, mon):
        """Installs a `mx.mon.Monitor` on every executor (re-bound ones included).

        Example
        -------
        >>> mon = mx.mon.Monitor(10, pattern='.*weight')   # doctest: +SKIP
        >>> mod.install_monitor(mon)                       # doctest: +SKIP
        """
        self._check_binded("install_monitor")
        self._exec_group.install_monitor(mon)


def _described(descs):
    return [(d.name, tuple(d.shape)) for d in descs]


def _zeros_like_block(block):
    """Zeros of the shape, dtype and storage type of the first device's array of a parameter."""
    first = block[0]
    return nd.zeros(first.shape, dtype=first.dtype, stype=first.stype)
