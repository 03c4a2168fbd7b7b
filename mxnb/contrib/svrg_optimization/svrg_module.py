"""`SVRGModule`: a Module trained with stochastic variance-reduced gradients (MXNet 1.x's
`mx.contrib.svrg_optimization.svrg_module`).

SVRG (Johnson & Zhang, 2013) keeps a snapshot of the weights, taken every `update_freq` epochs,
and the average gradient of that snapshot over the whole training set (`update_full_grads`).
Each step then uses the variance-reduced gradient

    g = grad(w, batch) - grad(w_snapshot, batch) + full_grad(w_snapshot)

in place of grad(w, batch). The snapshot lives in a second Module (`_mod_aux`) bound to the same
shapes; the full gradients, one dict per context, in `_param_dict`.
"""
import logging

from ...base import MXNetError, ArgumentTypeError, FailedCheckError, InvalidArgumentError
from ...context import cpu
from ... import ndarray as nd
from ... import optimizer as opt
from ...module import Module
from ...module.module import _create_kvstore
from .svrg_optimizer import _SVRGOptimizer, FULL_SUFFIX

__all__ = ["SVRGModule"]


class SVRGModule(Module):
    """A Module that trains with the SVRG update rule.

    Its API is Module's; `fit` recomputes the full gradients every `update_freq` epochs. When
    driving the training loop by hand, call `update_full_grads(train_data)` at the start of every
    `update_freq`-th epoch, and use `forward_backward` (or `forward(batch, is_train=True)` then
    `backward`) before `update`.

    Parameters
    ----------
    symbol : Symbol
    data_names : list of str, default ('data',)
    label_names : list of str, default ('softmax_label',)
    logger : Logger, default logging
    context : Context or list of Context, default cpu()
    work_load_list : list of float, optional
        Share of the batch per context (equal by default).
    fixed_param_names : list of str, optional
        Parameters that are not updated.
    state_names : list of str, optional
        Inputs that are states (set with `set_states`), not data.
    group2ctxs : dict of str to context, or list of them, optional
        Contexts of the `ctx_group` attributes.
    compression_params : dict, optional
        Gradient compression of the kvstore, e.g. ``{'type': '2bit', 'threshold': 0.5}``.
    update_freq : int
        Recompute the full gradients every `update_freq` epochs (a positive int; required).

    Returns
    -------
    SVRGModule

    Examples
    --------
    >>> data, label = mx.sym.var('data'), mx.sym.var('lin_reg_label')
    >>> fc = mx.sym.FullyConnected(data, num_hidden=1, name='fc1')
    >>> net = mx.sym.LinearRegressionOutput(fc, label, name='lro')
    >>> mod = SVRGModule(net, data_names=['data'], label_names=['lin_reg_label'], update_freq=2)
    >>> x = np.random.randint(1, 5, (100, 2)); y = x.dot([1.0, 2.0])
    >>> it = mx.io.NDArrayIter(x, y, batch_size=10, label_name='lin_reg_label')
    >>> mod.fit(it, eval_metric='mse', optimizer='sgd',
    ...         optimizer_params=(('learning_rate', 0.025),), num_epoch=10)
    """

    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=cpu(), work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None, update_freq=None):
        super().__init__(symbol, data_names=data_names, label_names=label_names, logger=logger,
                         context=context, work_load_list=work_load_list,
                         fixed_param_names=fixed_param_names, state_names=state_names,
                         group2ctxs=group2ctxs, compression_params=compression_params)
        self.update_freq = _checked_update_freq(update_freq)
        self._mod_aux = Module(symbol, data_names, label_names, logger, context, work_load_list,
                               fixed_param_names, state_names, group2ctxs, compression_params)
        self._param_dict = None
        self._ctx_len = len(self._context)

    # --- binding -------------------------------------------------------------------------------
    def _reset_bind(self):
        """Unbinds both modules."""
        super()._reset_bind()
        self._mod_aux._reset_bind()

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Binds this module and, for training, the snapshot module to the input shapes.

        Parameters
        ----------
        data_shapes : list of DataDesc or (str, tuple)
        label_shapes : list of DataDesc or (str, tuple), optional
        for_training : bool, default True
        inputs_need_grad : bool, default False
        force_rebind : bool, default False
        shared_module : Module, optional
        grad_req : str, list or dict, default 'write'

        Returns
        -------
        None

        Examples
        --------
        >>> mod.bind(data_shapes=[('data', (10, 2))],
        ...          label_shapes=[('lin_reg_label', (10,))])   # doctest: +SKIP
        """
        super().bind(data_shapes, label_shapes, for_training, inputs_need_grad, force_rebind,
                     shared_module, grad_req)
        if for_training:
            self._mod_aux.bind(data_shapes, label_shapes, for_training, inputs_need_grad,
                               force_rebind, shared_module, grad_req)

    def reshape(self, data_shapes, label_shapes=None):
        """Reshapes both modules for new input shapes.

        Parameters
        ----------
        data_shapes : list of DataDesc or (str, tuple)
        label_shapes : list of DataDesc or (str, tuple), optional

        Returns
        -------
        None

        Examples
        --------
        >>> mod.reshape([('data', (4, 2))], [('lin_reg_label', (4,))])   # doctest: +SKIP
        """
        super().reshape(data_shapes, label_shapes=label_shapes)
        self._mod_aux.reshape(data_shapes, label_shapes=label_shapes)

    # --- optimizer -----------------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Installs an `_SVRGOptimizer` wrapping `optimizer`, and zero full gradients.

        With a kvstore, a key ``<param>_full`` per parameter sums the full gradients of every
        device and worker (`_accumulate_kvstore`).

        Parameters
        ----------
        kvstore : str or KVStore, default 'local'
        optimizer : str or Optimizer, default 'sgd'
            The optimizer of the parameters (`default_opt` of the `_SVRGOptimizer`).
        optimizer_params : dict or tuple of pairs, default (('learning_rate', 0.01),)
        force_init : bool, default False
            Re-install the optimizer when one is installed already.

        Returns
        -------
        None

        Examples
        --------
        >>> mod.init_optimizer(optimizer='sgd',
        ...                    optimizer_params={'learning_rate': 0.01})   # doctest: +SKIP
        """
        self._check_ready("init_optimizer")
        if self.optimizer_initialized and not force_init:
            self.logger.warning("optimizer already initialized, ignoring...")
            return
        self._param_dict = self._zero_full_grads()
        sizes = [int(arrays[0].size) for arrays in self._exec_group.param_arrays]
        # Created once here and handed to Module as an object, so that a named store
        # (a distributed one above all) is not created twice.
        kv, update_on_kvstore = _create_kvstore(kvstore, self._ctx_len, sizes)
        svrg_optimizer = self._create_optimizer(_SVRGOptimizer.__name__, default_opt=optimizer,
                                                kvstore=kv, optimizer_params=optimizer_params,
                                                update_on_kvstore=update_on_kvstore)
        super().init_optimizer(kvstore=kv, optimizer=svrg_optimizer,
                               optimizer_params=optimizer_params, force_init=force_init)
        if self._kvstore is not None:
            for name in self._exec_group.param_names:
                self._kvstore.init(name + FULL_SUFFIX, nd.zeros(self._arg_params[name].shape))

    def _zero_full_grads(self):
        """One dict per context: parameter name -> zeros of its shape, on that context."""
        arg_params = self.get_params()[0]
        return [{name: nd.zeros(value.shape, ctx=ctx) for name, value in arg_params.items()}
                for ctx in self._context]

    def _create_optimizer(self, optimizer, default_opt, kvstore, optimizer_params,
                          update_on_kvstore=None):
        """An `_SVRGOptimizer` for this module, as Module would make `default_opt`.

        Parameters
        ----------
        optimizer : str
            The registered name of the SVRG optimizer.
        default_opt : str or Optimizer
            The optimizer of the parameters.
        kvstore : str, KVStore or None
            The store `init_optimizer` uses (a name is resolved as Module does).
        optimizer_params : dict or tuple of pairs
        update_on_kvstore : bool, optional
            Whether the store runs the updates (its indices are then the parameters' own);
            by default, as Module decides for `kvstore`.

        Returns
        -------
        _SVRGOptimizer
        """
        group = self._exec_group
        if update_on_kvstore is None:       # called as MXNet's, with the kvstore as given
            sizes = [int(arrays[0].size) for arrays in group.param_arrays]
            kvstore, update_on_kvstore = _create_kvstore(kvstore, self._ctx_len, sizes)
        batch_size = group.batch_size
        if kvstore is not None and "dist" in kvstore.type and "_sync" in kvstore.type:
            batch_size *= kvstore.num_workers
        if update_on_kvstore:
            idx2name = dict(enumerate(group.param_names))
        else:
            idx2name = {i * self._ctx_len + k: name for k in range(self._ctx_len)
                        for i, name in enumerate(group.param_names)}
        # The full-gradient keys follow, under indices of their own.
        for name in self._param_dict[0]:
            idx2name[max(idx2name, default=-1) + 1] = name + FULL_SUFFIX
        params = dict(optimizer_params)
        params.setdefault("rescale_grad", 1.0 / batch_size)
        params["default_optimizer"] = default_opt
        params["param_idx2name"] = idx2name
        return opt.create(optimizer, **params)

    # --- computation ---------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Forward pass; with ``is_train=True``, on the snapshot module too.

        Parameters
        ----------
        data_batch : DataBatch
        is_train : bool, optional
            Defaults to `for_training` of bind, for this module; the snapshot module runs only
            when `is_train` is True (as in MXNet), e.g. from `forward_backward`.

        Returns
        -------
        None

        Examples
        --------
        >>> mod.forward(batch, is_train=True)   # doctest: +SKIP
        """
        super().forward(data_batch, is_train)
        if is_train:
            self._check_snapshot("forward")
            self._mod_aux.forward(data_batch, is_train)

    def backward(self, out_grads=None):
        """Backward pass of both modules (the snapshot module's when it ran forward).

        Parameters
        ----------
        out_grads : NDArray or list of NDArray, optional
            Gradients of the outputs; None for loss outputs.

        Returns
        -------
        None

        Examples
        --------
        >>> mod.forward(batch, is_train=True); mod.backward()   # doctest: +SKIP
        """
        super().backward(out_grads)
        if self._mod_aux.binded:
            self._check_snapshot("backward")
            self._mod_aux.backward(out_grads)

    def _check_snapshot(self, what):
        """FailedCheckError (an AssertionError, as MXNet's) when the snapshot module has no
        weights yet."""
        if not (self._mod_aux.binded and self._mod_aux.params_initialized):
            raise FailedCheckError(
                "SVRGModule.%s: the snapshot module has no weights yet; call "
                "update_full_grads(train_data) before training steps (binded=%s, "
                "params_initialized=%s)" % (what, self._mod_aux.binded,
                                            self._mod_aux.params_initialized))

    def update(self):
        """Replaces the gradients by SVRG's, then updates the parameters with the optimizer.

        The gradient of every parameter becomes ``g - g_snapshot + full_grad``: the gradient of
        the last batch at the current weights, minus that at the snapshot weights, plus the
        snapshot's average gradient over all the data.

        Returns
        -------
        None

        Examples
        --------
        >>> mod.forward_backward(batch); mod.update()   # doctest: +SKIP
        """
        self._update_svrg_gradients()
        super().update()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Prepares both modules for a batch.

        Parameters
        ----------
        data_batch : DataBatch
        sparse_row_id_fn : callable, optional

        Returns
        -------
        None

        Examples
        --------
        >>> mod.prepare(batch)   # doctest: +SKIP
        """
        super().prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)
        self._mod_aux.prepare(data_batch, sparse_row_id_fn=sparse_row_id_fn)

    # --- full gradients ------------------------------------------------------------------------
    def update_full_grads(self, train_data):
        """Takes a snapshot of the weights and averages its gradients over all of `train_data`.

        The average is over batches; a padded last batch counts as the fraction of it that is
        data. As in MXNet 1.9.1, the sum starts from the current `_param_dict` rather than from
        zero: the first call (after `init_optimizer`) gives the average gradient, a later one
        the new average plus the previous average divided by the number of batches. With a
        kvstore, the averages of every device and worker are summed in the store
        (`_accumulate_kvstore`).

        Parameters
        ----------
        train_data : DataIter
            The training data (reset before and after the pass).

        Returns
        -------
        None

        Examples
        --------
        >>> mod.update_full_grads(train_iter)   # doctest: +SKIP
        >>> mod._param_dict[0]['fc1_weight']    # doctest: +SKIP
        """
        if self._param_dict is None:
            raise MXNetError("SVRGModule.update_full_grads: call init_optimizer first")
        arg_params, aux_params = self.get_params()
        self._mod_aux.set_params(arg_params=arg_params, aux_params=aux_params)
        num_batch = self._sum_snapshot_grads(train_data)
        for name in self._exec_group.param_names:
            averages = []
            for grads in self._param_dict:
                grads[name] /= num_batch
                averages.append(grads[name])
            if self._kvstore is not None:
                self._accumulate_kvstore(name, averages)

    def _sum_snapshot_grads(self, train_data):
        """Adds the snapshot's gradient on every batch of `train_data` into `_param_dict`;
        returns the number of batches (less the padded fraction of the last)."""
        names = self._exec_group.param_names
        train_data.reset()
        num_batch, pad, batch_size = 0, 0, None
        for batch in train_data:
            self._mod_aux.forward(batch, is_train=True)
            self._mod_aux.backward()
            for ctx, grads in enumerate(self._param_dict):
                for index, name in enumerate(names):
                    grad = self._mod_aux._exec_group.grad_arrays[index][ctx]
                    if grad is not None:        # a fixed parameter has no gradient
                        grads[name] += grad
            num_batch += 1
            pad = batch.pad or 0
            batch_size = batch.data[0].shape[0]
        train_data.reset()
        if num_batch == 0:
            raise MXNetError("SVRGModule.update_full_grads: train_data gave no batch (reset it, "
                             "or check its batch size and last_batch_handle)")
        return num_batch - pad / getattr(train_data, "batch_size", batch_size)

    def _accumulate_kvstore(self, key, value):
        """Sums the full gradients `value` (one per context) of every device and worker in the
        kvstore, then gives each context its share.

        Parameters
        ----------
        key : str
            The parameter name (the store key is ``key + '_full'``).
        value : list of NDArray
            The full gradients of this process, one per context; they receive the sum.

        Returns
        -------
        None
        """
        self._kvstore.push(key + FULL_SUFFIX, value)
        self._kvstore._barrier()
        self._kvstore.pull(key + FULL_SUFFIX, value)
        self._allocate_gradients(key, value)

    def _allocate_gradients(self, key, value):
        """Gives each context its share of the summed full gradients.

        Parameters
        ----------
        key : str
            The parameter name.
        value : list of NDArray
            The summed full gradients, one copy per context.

        Returns
        -------
        None
        """
        for ctx in range(self._ctx_len):
            self._param_dict[ctx][key] = value[ctx] / self._ctx_len

    @staticmethod
    def _svrg_grads_update_rule(g_curr_batch_curr_weight, g_curr_batch_special_weight,
                                g_special_weight_all_batch):
        """SVRG's gradient, computed in place in `g_curr_batch_curr_weight`.

        Parameters
        ----------
        g_curr_batch_curr_weight : list of NDArray
            The gradients on the current batch at the current weights (overwritten).
        g_curr_batch_special_weight : list of NDArray
            The gradients on the current batch at the snapshot weights.
        g_special_weight_all_batch : list of NDArray
            The snapshot's average gradients over all the data.

        Returns
        -------
        list of NDArray
            `g_curr_batch_curr_weight`, now ``g_curr - g_snapshot + full_grad``.
        """
        for grad, snapshot, full in zip(g_curr_batch_curr_weight, g_curr_batch_special_weight,
                                        g_special_weight_all_batch):
            grad -= snapshot
            grad += full
        return g_curr_batch_curr_weight

    def _update_svrg_gradients(self):
        """Turns the gradients of the last backward into SVRG's, on every context."""
        if self._param_dict is None:
            raise MXNetError("SVRGModule.update: call init_optimizer first")
        names = self._exec_group.param_names
        grads = self._exec_group.grad_arrays
        snapshot_grads = self._mod_aux._exec_group.grad_arrays
        for ctx in range(self._ctx_len):
            live = [i for i, name in enumerate(names) if grads[i][ctx] is not None]
            self._svrg_grads_update_rule([grads[i][ctx] for i in live],
                                         [snapshot_grads[i][ctx] for i in live],
                                         [self._param_dict[ctx][names[i]] for i in live])

    # --- training ------------------------------------------------------------------------------
    def _begin_epoch(self, epoch, train_data):
        """`fit` (BaseModule's) recomputes the full gradients at the start of every
        `update_freq`-th epoch, counted from epoch 0; the pass over `train_data` it takes for
        them leaves the iterator reset for the epoch."""
        if epoch % self.update_freq == 0:
            self.update_full_grads(train_data)
            train_data.reset()


def _checked_update_freq(update_freq):
    """`update_freq`, checked to be a positive int (TypeError / ValueError, as MXNet)."""
    if not isinstance(update_freq, int):
        raise ArgumentTypeError("SVRGModule: update_freq must be an int, the number of epochs "
                                "between full-gradient updates, found %r" % (update_freq,))
    if update_freq <= 0:
        raise InvalidArgumentError("SVRGModule: update_freq must be a positive int, the number "
                                   "of epochs between full-gradient updates, found %d"
                                   % update_freq)
    return update_freq
