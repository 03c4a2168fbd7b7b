"""Trainer (MXNet 1.x `gluon.Trainer`): applies an optimizer to a set of Parameters.

Parameters held on several devices, or trained by several processes, are kept equal through a
kvstore (`mxnb.kvstore`), created on the first step as MXNet does: none for one device in one
process, else `kvstore` ('device' by default). With `update_on_kvstore` the kvstore runs the
optimizer on the summed gradients and every device pulls the new weights; otherwise gradients are
all-reduced and each device's copy is updated by its own Updater.

Sparse parameters follow MXNet 1.x: a row_sparse weight lives in a kvstore (always, even for one
device) that runs the optimizer; each device's copy holds only the rows last pulled by
`Parameter.row_sparse_data`. A dense weight with a row_sparse gradient is updated on the devices
in one process (the sparse gradients are summed through the kvstore) and on the kvstore across
processes.
"""
import numbers
import os

import numpy as np

from ..base import ArgumentTypeError, FailedCheckError, InvalidArgumentError, MXNetError
from ..fileio import write_atomically
from .parameter import Parameter, ParameterDict

__all__ = ["Trainer"]


class StaleGradientError(MXNetError, UserWarning):
    """A parameter's gradient was not written by backward since the last step (MXNet raises
    UserWarning here; this is both)."""


def _positive_batch(method, batch_size):
    """batch_size, or an MXNetError: gradients are scaled by 1/batch_size."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Real) or not batch_size > 0:
        raise MXNetError("Trainer.%s: batch_size must be a positive number (gradients are "
                         "divided by it), found %r" % (method, batch_size))
    return batch_size


class Trainer:
    """`step(batch_size)` rescales gradients by 1/batch_size and updates every trainable weight."""

    def __init__(self, params, optimizer, optimizer_params=None, kvstore="device",
                 compression_params=None, update_on_kvstore=None):
        if isinstance(params, (dict, ParameterDict)):
            params = [params[key] for key in sorted(params.keys())]
        if not isinstance(params, (list, tuple)):
            raise MXNetError("First argument must be a list or dict of Parameters, got %s."
                             % type(params).__name__)
        self._params = []
        self._param2idx = {}
        for i, param in enumerate(params):
            if not isinstance(param, Parameter):
                raise MXNetError("First argument must be a list or dict of Parameters, got list "
                                 "of %s." % type(param).__name__)
        for i, param in enumerate(params):
            self._param2idx[param.name] = i
            self._params.append(param)
            param._set_trainer(self)
        self._contains_sparse_weight = any(p._stype != "default" for p in self._params)
        self._contains_sparse_grad = any(p._grad_stype != "default" for p in self._params)
        self._compression_params = compression_params
        self._kvstore_params = {"kvstore": kvstore, "update_on_kvstore": update_on_kvstore}
        self._kvstore = None
        self._reset_kvstore()
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad
        kind = kvstore if isinstance(kvstore, str) else getattr(kvstore, "type", "")
        if "dist" in kind and all(p._data is not None for p in self._params):
            # Workers start equal before their first forward pass: rank 0's values now.
            self._init_kvstore()

    def _check_contexts(self):
        contexts = None
        for param in self._params:
            ctx = param.list_ctx()
            if contexts is not None and list(contexts) != list(ctx):
                raise MXNetError("All Parameters must be initialized on the same set of contexts, "
                                 "but Parameter %s is initialized on %s while previous Parameters "
                                 "are initialized on %s." % (param.name, ctx, contexts))
            contexts = ctx
        return contexts or []

    def _init_optimizer(self, optimizer, optimizer_params):
        from .. import optimizer as opt
        param_dict = {i: param for i, param in enumerate(self._params)}
        if isinstance(optimizer, opt.Optimizer):
            if optimizer_params:
                raise MXNetError("optimizer_params must be None if optimizer is an instance of "
                                 "Optimizer instead of str")
            self._optimizer = optimizer
            self._optimizer.param_dict = param_dict
        else:
            self._optimizer = opt.create(optimizer, param_dict=param_dict, **optimizer_params)
        self._updaters = [opt.get_updater(self._optimizer) for _ in range(max(1, len(self._contexts)))]

    @property
    def learning_rate(self):
        return self._optimizer.learning_rate

    @property
    def optimizer(self):
        return self._optimizer

    def set_learning_rate(self, lr):
        self._optimizer.set_learning_rate(lr)

    def step(self, batch_size, ignore_stale_grad=False):
        """All-reduces gradients, then one optimizer step with gradients scaled by 1/batch_size.

        Parameters
        ----------
        batch_size : int
            Gradients are normalized by 1/batch_size. With a 'dist_sync' kvstore the gradients
            of all workers are summed, so pass the batch size of all workers together to train
            as one process would on the concatenated batches.
        ignore_stale_grad : bool, optional
            Skip parameters whose gradient was not written by backward since the last step.
        """
        batch_size = _positive_batch("step", batch_size)
        self._init_kvstore()
        self._check_stale(ignore_stale_grad)
        self._optimizer.rescale_grad = self._scale / batch_size
        self._allreduce_grads(ignore_stale_grad)
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Sums each parameter's gradients across devices and workers (for manual `update`).

        Raises
        ------
        MXNetError
            (an AssertionError too, as MXNet's) when the kvstore runs the optimizer
            (`update_on_kvstore`): it then reduces and updates in one go, in `step`.

        Examples
        --------
        >>> trainer = mx.gluon.Trainer(net.collect_params(), 'sgd',
        ...                            update_on_kvstore=False)  # doctest: +SKIP
        >>> trainer.allreduce_grads(); trainer.update(batch_size)  # doctest: +SKIP
        """
        self._init_kvstore()
        self._refuse_with_update_on_kvstore("allreduce_grads()")
        self._allreduce_grads()

    def update(self, batch_size, ignore_stale_grad=False):
        """One optimizer step on gradients already all-reduced (by `allreduce_grads`).

        Parameters
        ----------
        batch_size : int
            Gradients are normalized by 1/batch_size.
        ignore_stale_grad : bool, optional
            Skip parameters whose gradient was not written by backward since the last step.

        Raises
        ------
        MXNetError
            (an AssertionError too, as MXNet's) when the kvstore runs the optimizer
            (`update_on_kvstore`).

        Examples
        --------
        >>> trainer.allreduce_grads(); trainer.update(batch_size)  # doctest: +SKIP
        """
        self._init_kvstore()
        self._refuse_with_update_on_kvstore("update()")
        batch_size = _positive_batch("update", batch_size)
        self._check_stale(ignore_stale_grad)
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _refuse_with_update_on_kvstore(self, method):
        if self._kvstore is not None and self._update_on_kvstore:
            raise FailedCheckError("%s when parameters are updated on kvstore is not supported. "
                                   "Try setting `update_on_kvstore` to False when creating "
                                   "trainer." % method)

    # --- the kvstore ------------------------------------------------------------------------------
    def _reset_kvstore(self):
        """Forgets the kvstore: the next step creates it again and puts every parameter's
        current values in (after new values were loaded into parameters it holds)."""
        if self._kvstore is not None and "dist" in self._kvstore.type:
            raise MXNetError("Cannot reset distributed KVStore: the workers' stores would "
                             "disagree (load parameters before creating the Trainer)")
        self._bring_back_sparse_weights()
        self._kv_initialized = False
        self._kvstore = None
        self._distributed = False
        self._update_on_kvstore = None
        self._params_to_init = list(self._params)

    def _bring_back_sparse_weights(self):
        """The kvstore holds the only whole copy of a row_sparse weight (each device holds the
        rows it pulled last): every row goes back to the devices before the store is dropped,
        so the next store starts from the whole weight."""
        if self._kvstore is None:
            return
        for param in self._params:
            if param._stype != "default" and param._data is not None \
                    and param not in self._params_to_init:
                key = self._param2idx[param.name]
                self._kvstore.pull(key, out=param._data, priority=-key, ignore_sparse=False)

    def _init_kvstore(self, sparse_only=False):
        """Creates the kvstore on first use, as MXNet's Trainer does, and puts the parameters
        initialized since into it (rank 0's values reach every worker). With `sparse_only`
        (pulling rows during a forward pass) the dense ones wait for the step: broadcasting
        them would write into weights the recorded forward pass has read."""
        if not self._kv_initialized:
            self._kvstore, self._update_on_kvstore = self._create_kvstore()
            self._distributed = self._kvstore is not None and "dist" in self._kvstore.type
            self._kv_initialized = True
        if self._params_to_init and self._kvstore is not None:
            waiting = []
            for param in self._params_to_init:
                # deferred: put it in once it has a shape
                if param._data is None or (sparse_only and param._stype == "default"):
                    waiting.append(param)
                    continue
                arrays = param._check_and_get(param._data, list)
                key = self._param2idx[param.name]
                if param._stype != "default":
                    # the store holds the whole weight; devices pull the rows they use
                    self._kvstore.init(key, arrays[0])
                else:
                    self._kvstore.broadcast(key, arrays[0], arrays)
            self._params_to_init = waiting

    def _create_kvstore(self):
        """(kvstore or None, update_on_kvstore), chosen as MXNet 1.x's Trainer chooses them."""
        from .. import kvstore as kvs
        if self._contains_sparse_weight:
            return self._create_sparse_weight_kvstore()
        kv, default_update = self._create_dense_weight_kvstore()
        wanted = self._kvstore_params["update_on_kvstore"]
        if kv is None:
            if wanted:
                raise MXNetError("Trainer: update_on_kvstore=True needs a kvstore, but none is "
                                 "used (one device in one process, or kvstore=None)")
            return None, False
        distributed = "dist" in kv.type
        if self._contains_sparse_grad:
            # Dense weights with sparse gradients: in one process the summed sparse gradients
            # are pulled back and each device updates its copy; across processes only the
            # kvstore can update (it cannot send sparse gradients back).
            update_on_kvstore = distributed
            if wanted is False and distributed:
                raise InvalidArgumentError("Cannot set update_on_kvstore=False on dist kvstore "
                                           "when sparse gradients are present.")
        else:
            update_on_kvstore = default_update
            if distributed and "async" in kv.type:
                if wanted is False:
                    raise InvalidArgumentError("Please set update_on_kvstore=True when training "
                                               "in async mode.")
                update_on_kvstore = True
        if wanted is not None:
            update_on_kvstore = bool(wanted)
        if update_on_kvstore and not kv.is_capable(kvs.KVStoreBase.OPTIMIZER):
            if wanted:
                raise InvalidArgumentError("Please set update_on_kvstore=False when training "
                                           "with %s" % type(kv).__name__)
            update_on_kvstore = False
        return self._configure_kvstore(kv, update_on_kvstore)

    def _create_dense_weight_kvstore(self):
        """(kvstore or None, whether it should run the optimizer) for dense weights: none for
        one device in one process; 'local' keeps very large weights on the devices (MXNet's
        rule: over 16M elements)."""
        from .. import kvstore as kvs
        kind = self._kvstore_params["kvstore"]
        update_on_kvstore = bool(int(os.environ.get("MXNET_UPDATE_ON_KVSTORE", "1")))
        if kind is None:
            return None, False
        if isinstance(kind, kvs.KVStoreBase):
            return kind, update_on_kvstore
        if not isinstance(kind, str):
            raise ArgumentTypeError("Trainer: kvstore must be a KVStore, a str or None, found %s"
                                    % type(kind).__name__)
        if len(self._contexts) <= 1 and "dist" not in kind:
            return None, False
        kv = kvs.create(kind)
        if kind == "local" and self._largest_weight() > 1024 * 1024 * 16:
            update_on_kvstore = False
        return kv, update_on_kvstore

    def _largest_weight(self):
        return max((int(np.prod(p.shape)) for p in self._params if p.shape), default=0)

    def _create_sparse_weight_kvstore(self):
        """A row_sparse weight lives in a kvstore that runs the optimizer, even on one device."""
        from .. import kvstore as kvs
        kind = self._kvstore_params["kvstore"]
        if self._kvstore_params["update_on_kvstore"] is False:
            raise InvalidArgumentError("Cannot set update_on_kvstore=False when sparse weights "
                                       "are present.")
        if isinstance(kind, kvs.KVStoreBase):
            kv = kind
        elif isinstance(kind, str):
            kv = kvs.create(kind)
        else:
            raise ArgumentTypeError("Cannot create '%s' KVStore with row_sparse parameters. The "
                                    "type must be KVStore or str." % (kind,))
        if not kv.is_capable(kvs.KVStoreBase.OPTIMIZER):
            raise FailedCheckError("KVStore with sparse weight requires optimizer support, which "
                                   "%s does not have" % type(kv).__name__)
        return self._configure_kvstore(kv, True)

    def _configure_kvstore(self, kv, update_on_kvstore):
        if self._compression_params:
            kv.set_gradient_compression(self._compression_params)
        if update_on_kvstore:
            kv.set_optimizer(self._optimizer)
        return kv, update_on_kvstore

    def _row_sparse_pull(self, parameter, out, row_id, full_idx=False):
        """Pulls the rows `row_id` of `parameter` from the kvstore into `out` (all rows with a
        plain pull when `full_idx`, where the store is local)."""
        self._init_kvstore(sparse_only=True)
        if self._kvstore is None:
            raise MXNetError("Parameter '%s': no kvstore holds its rows" % parameter.name)
        key = self._param2idx[parameter.name]
        if full_idx and "dist" not in self._kvstore.type:
            self._kvstore.pull(key, out=out, priority=-key, ignore_sparse=False)
        else:
            self._kvstore.row_sparse_pull(key, out=out, priority=-key, row_ids=row_id)

    def _check_stale(self, ignore_stale_grad):
        """Refuses a step before anything changes when a gradient was not written."""
        if ignore_stale_grad:
            return
        for param in self._params:
            if param.grad_req == "null":
                continue
            if param._data is None:
                raise MXNetError("Parameter '%s' has not been initialized (deferred initialization "
                                 "not finished: run a forward pass first)" % param.name)
            for arr in param._data:
                if not arr._fresh_grad:
                    raise StaleGradientError(
                        "Gradient of Parameter `%s` on context %s has not been updated by "
                        "backward since last `step`. This could mean a bug in your model that "
                        "made it only use a subset of the Parameters (Blocks) for this iteration. "
                        "If you are intentionally only using a subset, call step with "
                        "ignore_stale_grad=True to suppress this warning and skip updating of "
                        "Parameters with stale gradient" % (param.name, arr.context))

    def _allreduce_grads(self, ignore_stale_grad=False):
        if self._kvstore is None:
            return
        keys, grads, datas = [], [], []
        reduced = []
        for i, param in enumerate(self._params):
            if param.grad_req == "null" or param._data is None:
                continue
            if ignore_stale_grad and not all(arr._fresh_grad for arr in param._data):
                continue
            reduced.append(param)
            if param._grad[0]._sparse:
                self._reduce_sparse_grad(i, param)
                continue
            keys.append(i)
            grads.append(param._grad)
            datas.append(param._data)
        if keys:
            # One call for all parameters: a distributed store sends them in one message.
            if self._update_on_kvstore:
                self._kvstore.pushpull(keys, grads, out=datas, priority=0)
            else:
                self._kvstore.pushpull(keys, grads, priority=0)
        if self._update_on_kvstore:      # the kvstore has applied these gradients
            for param in reduced:
                for arr in param._data:
                    arr._fresh_grad = False

    def _reduce_sparse_grad(self, key, param):
        """Sparse gradients are pushed and pulled apart: with the optimizer on the kvstore a
        dense weight is pulled back (a sparse one is pulled by row_sparse_data, later);
        otherwise the summed gradient is."""
        self._kvstore.push(key, param._grad, priority=-key)
        if param._stype != "default":
            return
        pulled = param._data if self._update_on_kvstore else param._grad
        self._kvstore.pull(key, pulled, priority=-key, ignore_sparse=self._distributed)

    def _update(self, ignore_stale_grad=False):
        if self._kvstore is not None and self._update_on_kvstore:
            return          # the kvstore ran the optimizer in _allreduce_grads
        # one pass over the parameters, one updater call per context with its fresh weights
        updates = [([], [], []) for _ in self._updaters]
        for i, param in enumerate(self._params):
            if param._data is None or param.grad_req == "null":
                continue
            for (indices, grads, weights), arr, grad in zip(updates, param._data, param._grad):
                if not arr._fresh_grad:      # only reachable with ignore_stale_grad
                    continue
                indices.append(i)
                grads.append(grad)
                weights.append(arr)
                arr._fresh_grad = False
        for updater, (indices, grads, weights) in zip(self._updaters, updates):
            if indices:
                updater(indices, grads, weights)

    def save_states(self, fname):
        """Writes the optimizer and its per-weight states to `fname` (atomically, no pickle).

        Parameters
        ----------
        fname : str
            Path of the states file.
        """
        self._init_kvstore()
        if self._kvstore is not None and self._update_on_kvstore:
            self._kvstore.save_optimizer_states(fname, dump_optimizer=True)
        else:
            write_atomically(fname, self._updaters[0].get_states(dump_optimizer=True))

    def load_states(self, fname):
        """Reads states written by `save_states` into the optimizer (and the kvstore's).

        Parameters
        ----------
        fname : str
            Path of the states file.
        """
        self._init_kvstore()
        with open(fname, "rb") as fin:
            states = fin.read()
        if self._kvstore is not None and self._update_on_kvstore:
            self._kvstore.load_optimizer_states(fname)
            self._optimizer = self._kvstore._updater.optimizer
        else:
            for updater in self._updaters:
                updater.set_states(states)
                updater.optimizer = self._updaters[0].optimizer
            self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = {i: param for i, param in enumerate(self._params)}
