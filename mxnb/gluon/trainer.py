"""Trainer (MXNet 1.x `gluon.Trainer`): applies an optimizer to a set of Parameters.

Single process: gradients of a parameter held on several devices are summed across them
(what a 'device' kvstore does), then each device's copy is updated by its own Updater.
"""
from ..base import MXNetError
from ..fileio import write_atomically
from .parameter import Parameter, ParameterDict

__all__ = ["Trainer"]


class StaleGradientError(MXNetError, UserWarning):
    """A parameter's gradient was not written by backward since the last step (MXNet raises
    UserWarning here; this is both)."""


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
            self._param2idx[param.name] = i
            self._params.append(param)
            param._trainer = self
        self._compression_params = compression_params
        self._kvstore_type = kvstore
        self._update_on_kvstore = False if update_on_kvstore is None else update_on_kvstore
        self._contexts = self._check_contexts()
        self._init_optimizer(optimizer, optimizer_params or {})
        self._scale = self._optimizer.rescale_grad

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
        """All-reduces gradients, then one optimizer step with gradients scaled by 1/batch_size."""
        self._optimizer.rescale_grad = self._scale / batch_size
        self._allreduce_grads()
        self._update(ignore_stale_grad)

    def allreduce_grads(self):
        """Sums each parameter's gradients across its devices (for manual `update` calls)."""
        if self._update_on_kvstore:
            raise MXNetError("allreduce_grads() when parameters are updated on kvstore is not "
                             "supported. Try setting `update_on_kvstore` to False when creating "
                             "trainer.")
        self._allreduce_grads()

    def update(self, batch_size, ignore_stale_grad=False):
        """One optimizer step on gradients already all-reduced (by `allreduce_grads`)."""
        if self._update_on_kvstore:
            raise MXNetError("update() when parameters are updated on kvstore is not supported. "
                             "Try setting `update_on_kvstore` to False when creating trainer.")
        self._optimizer.rescale_grad = self._scale / batch_size
        self._update(ignore_stale_grad)

    def _allreduce_grads(self):
        for param in self._params:
            if param.grad_req == "null":
                continue
            grads = param.list_grad()
            if len(grads) < 2:
                continue
            total = grads[0].copy()
            for g in grads[1:]:
                total += g.as_in_context(total.context)
            for g in grads:
                if g._sparse:        # a row_sparse gradient takes the summed rows
                    g[:] = total.as_in_context(g.context)
                else:
                    g._data[...] = total.as_in_context(g.context)._data

    def _update(self, ignore_stale_grad=False):
        params = [(i, p) for i, p in enumerate(self._params) if p.grad_req != "null"]
        # Check everything before touching anything, so a refused step changes nothing.
        for _, param in params:
            if param._data is None:
                if ignore_stale_grad:
                    continue
                raise MXNetError("Parameter '%s' has not been initialized (deferred initialization "
                                 "not finished: run a forward pass first)" % param.name)
            if not ignore_stale_grad:
                for arr in param._data:
                    if not arr._fresh_grad:
                        raise StaleGradientError(
                            "Gradient of Parameter `%s` on context %s has not been updated by "
                            "backward since last `step`. This could mean a bug in your model that "
                            "made it only use a subset of the Parameters (Blocks) for this iteration. "
                            "If you are intentionally only using a subset, call step with "
                            "ignore_stale_grad=True to suppress this warning and skip updating of "
                            "Parameters with stale gradient" % (param.name, arr.context))
        updates = [([], [], []) for _ in self._updaters]
        for i, param in params:
            if param._data is None:
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
        """Writes the optimizer and its per-weight states (no pickle)."""
        write_atomically(fname, self._updaters[0].get_states(dump_optimizer=True))

    def load_states(self, fname):
        with open(fname, "rb") as fin:
            states = fin.read()
        for updater in self._updaters:
            updater.set_states(states)
            updater.optimizer = self._updaters[0].optimizer
        self._optimizer = self._updaters[0].optimizer
        self._optimizer.param_dict = {i: param for i, param in enumerate(self._params)}
