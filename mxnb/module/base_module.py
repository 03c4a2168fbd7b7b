"""BaseModule: the training loop (`fit`), evaluation (`score`) and prediction (`predict`,
`iter_predict`) shared by every module, written against the intermediate-level interface
(`bind`, `init_params`, `forward`, `backward`, `update`, ...) that subclasses implement."""
import logging
import time
import warnings

import numpy as np

from ..base import MXNetError, InvalidArgumentError
from .. import metric as _metric
from .. import ndarray as nd
from ..initializer import Uniform
from ..io import DataBatch, DataDesc
from ..model import BatchEndParam

__all__ = ["BaseModule"]


def _as_list(obj):
    return obj if isinstance(obj, (list, tuple)) else [obj]


def check_input_names(symbol, names, typename, throw):
    """Raises (or warns) when `names` are not arguments of `symbol`, suggesting likely ones."""
    args = symbol.list_arguments()
    for name in names:
        if name in args:
            continue
        candidates = [arg for arg in args if not arg.endswith(("_weight", "_bias", "_gamma", "_beta"))]
        msg = ("You created Module with Module(..., %s_names=%s) but input with name '%s' is not "
               "found in symbol.list_arguments(). Did you mean one of:\n\t%s"
               % (typename, list(names), name, "\n\t".join(candidates)))
        if throw:
            raise InvalidArgumentError(msg)
        warnings.warn(msg)


def check_names_match(data_names, data_shapes, name, throw):
    """Raises (or warns) when the names of `data_shapes` differ from `data_names`."""
    actual = [x[0] for x in data_shapes]
    if sorted(data_names) != sorted(actual):
        msg = ("Data provided by %s_shapes don't match names specified by %s_names (%s vs. %s)"
               % (name, name, data_shapes, data_names))
        if throw:
            raise InvalidArgumentError(msg)
        warnings.warn(msg)


def parse_data_desc(data_names, label_names, data_shapes, label_shapes):
    """DataDescs from (name, shape) pairs or DataDescs, checked against the module's names."""
    data_shapes = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in data_shapes]
    check_names_match(data_names, data_shapes, "data", True)
    if label_shapes is not None:
        label_shapes = [x if isinstance(x, DataDesc) else DataDesc(*x) for x in label_shapes]
        check_names_match(label_names, label_shapes, "label", False)
    else:
        check_names_match(label_names, [], "label", False)
    return data_shapes, label_shapes


def _create_metric(eval_metric):
    if isinstance(eval_metric, _metric.EvalMetric):
        return eval_metric
    try:
        return _metric.create(eval_metric)
    except MXNetError as exc:
        raise type(exc)("eval_metric %r: %s" % (eval_metric, exc)) from None


class BaseModule:
    """The base class of modules: a computation (symbol, or Python code) with parameters,
    bound to input shapes and trained with an optimizer.

    Subclasses implement `bind`, `init_params`, `init_optimizer`, `forward`, `backward`,
    `update`, `get_outputs`, `update_metric` and the name/shape properties; `fit`, `score`,
    `predict` and `iter_predict` are written once here.

    Parameters
    ----------
    logger : Logger, default logging
    """

    def __init__(self, logger=logging):
        self.logger = logger
        self.binded = False
        self.for_training = False
        self.inputs_need_grad = False
        self.params_initialized = False
        self.optimizer_initialized = False
        self._symbol = None
        self._total_exec_bytes = 0

    # --- high-level API ------------------------------------------------------------------------
    def forward_backward(self, data_batch):
        """A forward pass in training mode followed by a backward pass."""
        self.forward(data_batch, is_train=True)
        self.backward()

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None,
              score_end_callback=None, reset=True, epoch=0, sparse_row_id_fn=None):
        """Runs prediction on `eval_data` and evaluates `eval_metric`.

        Parameters
        ----------
        eval_data : DataIter
        eval_metric : EvalMetric or str
        num_batch : int, optional
            Stop after this many batches.
        batch_end_callback, score_end_callback : callable or list, optional
            Called with a `BatchEndParam` after each batch / at the end.
        reset : bool, default True
            Reset `eval_data` first.
        epoch : int, default 0
            Reported to the callbacks.

        Returns
        -------
        list of (str, float)
            The metric's name-value pairs.

        Example
        -------
        >>> mod.score(val_iter, ['mse', 'acc'])   # doctest: +SKIP
        [('mse', 0.2), ('accuracy', 0.91)]
        """
        self._check_ready("score")
        if reset:
            eval_data.reset()
        eval_metric = _create_metric(eval_metric)
        eval_metric.reset()
        actual_num_batch = 0
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            if isinstance(eval_batch, list):
                self.update_metric(eval_metric, [eb.label for eb in eval_batch], pre_sliced=True)
            else:
                self.update_metric(eval_metric, eval_batch.label)
            if batch_end_callback is not None:
                params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                       locals=locals())
                for callback in _as_list(batch_end_callback):
                    callback(params)
            actual_num_batch += 1
        if score_end_callback:
            params = BatchEndParam(epoch=epoch, nbatch=actual_num_batch, eval_metric=eval_metric,
                                   locals=locals())
            for callback in _as_list(score_end_callback):
                callback(params)
        return eval_metric.get_name_value()

    def iter_predict(self, eval_data, num_batch=None, reset=True, sparse_row_id_fn=None):
        """Yields `(outputs, nbatch, batch)` for each batch of `eval_data`, padding removed.

        Example
        -------
        >>> for preds, i, batch in mod.iter_predict(val_iter):   # doctest: +SKIP
        ...     print(preds[0].shape)
        """
        self._check_ready("iter_predict")
        if reset:
            eval_data.reset()
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            outputs = [out[0:out.shape[0] - pad] for out in self.get_outputs()]
            yield (outputs, nbatch, eval_batch)

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True,
                always_output_list=False, sparse_row_id_fn=None):
        """The outputs on `eval_data` (a DataIter, an NDArray or a NumPy array).

        Parameters
        ----------
        eval_data : DataIter, NDArray or numpy.ndarray
            An array is run as one batch.
        num_batch : int, optional
        merge_batches : bool, default True
            Concatenate the batches' outputs.
        reset : bool, default True
        always_output_list : bool, default False
            Return a list even for a single output.

        Returns
        -------
        NDArray or list of NDArray, or (merge_batches=False) a list of lists.

        Example
        -------
        >>> probs = mod.predict(val_iter)   # doctest: +SKIP
        """
        self._check_ready("predict")
        if isinstance(eval_data, (nd.NDArray, np.ndarray)):
            if isinstance(eval_data, np.ndarray):
                eval_data = nd.array(eval_data)
            self.forward(DataBatch([eval_data]), is_train=False)
            return self.get_outputs()[0]
        if not hasattr(eval_data, "reset"):
            raise MXNetError("predict takes a DataIter, an NDArray or a numpy array, found %s"
                             % type(eval_data).__name__)
        if reset:
            eval_data.reset()
        output_list = []
        for nbatch, eval_batch in enumerate(eval_data):
            if num_batch is not None and nbatch == num_batch:
                break
            self.prepare(eval_batch, sparse_row_id_fn=sparse_row_id_fn)
            self.forward(eval_batch, is_train=False)
            pad = eval_batch.pad or 0
            output_list.append([out[0:out.shape[0] - pad].copy() for out in self.get_outputs()])
        if not output_list:
            return output_list
        if merge_batches:
            num_outputs = len(output_list[0])
            for out in output_list:
                if len(out) != num_outputs:
                    raise MXNetError("Cannot merge batches, as num of outputs is not the same in "
                                     "mini-batches. Maybe bucketing is used?")
            merged = [nd.concat(*[out[i] for out in output_list], dim=0)
                      if len(output_list) > 1 else output_list[0][i] for i in range(num_outputs)]
            if num_outputs == 1 and not always_output_list:
                return merged[0]
            return merged
        return output_list

    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=Uniform(0.01), arg_params=None,
            aux_params=None, allow_missing=False, force_rebind=False, force_init=False,
            begin_epoch=0, num_epoch=None, validation_metric=None, monitor=None,
            sparse_row_id_fn=None):
        """Trains the module on `train_data` for epochs `begin_epoch` .. `num_epoch - 1`.

        Parameters
        ----------
        train_data : DataIter
        eval_data : DataIter, optional
            Scored with `validation_metric` after every epoch.
        eval_metric : str or EvalMetric, default 'acc'
        epoch_end_callback : callable or list, optional
            Called as `callback(epoch, symbol, arg_params, aux_params)`.
        batch_end_callback : callable or list, optional
            Called with a `BatchEndParam` after every batch (`mx.callback.Speedometer`).
        kvstore : str or KVStore, default 'local'
            How gradients are reduced across contexts ('local', 'device', or None).
        optimizer : str or Optimizer, default 'sgd'
        optimizer_params : dict or tuple of pairs, default (('learning_rate', 0.01),)
        eval_end_callback, eval_batch_end_callback : callable or list, optional
        initializer : Initializer, default Uniform(0.01)
        arg_params, aux_params : dict, optional
            Initial parameter values (e.g. from a checkpoint).
        allow_missing : bool, default False
            With arg_params, initialize those missing with `initializer`.
        force_rebind, force_init : bool, default False
        begin_epoch : int, default 0
        num_epoch : int
            Required: the epoch to stop at.
        validation_metric : str or EvalMetric, optional
            Defaults to `eval_metric`.
        monitor : Monitor, optional

        Example
        -------
        >>> mod = mx.mod.Module(net, context=mx.cpu())            # doctest: +SKIP
        >>> mod.fit(train_iter, eval_data=val_iter, optimizer='sgd',
        ...         optimizer_params={'learning_rate': 0.1}, num_epoch=10,
        ...         batch_end_callback=mx.callback.Speedometer(100, 100))
        """
        if num_epoch is None:
            raise MXNetError("fit: please specify the number of epochs (num_epoch=...)")
        eval_metric = _create_metric(eval_metric)
        if validation_metric is None:
            validation_metric = eval_metric
        else:
            validation_metric = _create_metric(validation_metric)
        self.bind(data_shapes=train_data.provide_data, label_shapes=train_data.provide_label,
                  for_training=True, force_rebind=force_rebind)
        if monitor is not None:
            self.install_monitor(monitor)
        self.init_params(initializer=initializer, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init)
        self.init_optimizer(kvstore=kvstore, optimizer=optimizer,
                            optimizer_params=optimizer_params)

        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            self._begin_epoch(epoch, train_data)
            eval_metric.reset()
            nbatch = 0
            data_iter = iter(train_data)
            end_of_batch = False
            try:
                next_data_batch = next(data_iter)
            except StopIteration:
                raise MXNetError("fit: train_data gave no batch in epoch %d (reset it, or check "
                                 "its batch size and last_batch_handle)" % epoch) from None
            while not end_of_batch:
                data_batch = next_data_batch
                if monitor is not None:
                    monitor.tic()
                self.forward_backward(data_batch)
                self.update()
                if isinstance(data_batch, list):
                    self.update_metric(eval_metric, [db.label for db in data_batch], pre_sliced=True)
                else:
                    self.update_metric(eval_metric, data_batch.label)
                try:
                    next_data_batch = next(data_iter)
                    self.prepare(next_data_batch, sparse_row_id_fn=sparse_row_id_fn)
                except StopIteration:
                    end_of_batch = True
                if monitor is not None:
                    monitor.toc_print()
                if end_of_batch:
                    eval_name_vals = eval_metric.get_global_name_value()
                if batch_end_callback is not None:
                    params = BatchEndParam(epoch=epoch, nbatch=nbatch, eval_metric=eval_metric,
                                           locals=locals())
                    for callback in _as_list(batch_end_callback):
                        callback(params)
                nbatch += 1

            for name, val in eval_name_vals:
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            toc = time.time()
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, toc - tic)

            # Parameters synchronised from the devices, for the callbacks.
            arg_params, aux_params = self.get_params()
            self.set_params(arg_params, aux_params)
            if epoch_end_callback is not None:
                for callback in _as_list(epoch_end_callback):
                    callback(epoch, self.symbol, arg_params, aux_params)
            if eval_data is not None:
                res = self.score(eval_data, validation_metric,
                                 score_end_callback=eval_end_callback,
                                 batch_end_callback=eval_batch_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()

    def _begin_epoch(self, epoch, train_data):
        """What `fit` does at the start of every epoch, before its first batch (nothing here;
        SVRGModule takes its full-gradient snapshot)."""

    def _check_ready(self, what):
        if not (self.binded and self.params_initialized):
            raise MXNetError("%s: call bind and init_params first (binded=%s, params_initialized=%s)"
                             % (what, self.binded, self.params_initialized))

    # --- symbol and names ------------------------------------------------------------------------
    @property
    def data_names(self):
        """Names of the data inputs (e.g. ['data'])."""
        raise NotImplementedError()

    @property
    def output_names(self):
        """Names of the symbol's outputs (e.g. ['softmax_output'])."""
        raise NotImplementedError()

    @property
    def data_shapes(self):
        """DataDescs of the data inputs the module is bound for (after bind)."""
        raise NotImplementedError()

    @property
    def label_shapes(self):
        """DataDescs of the label inputs the module is bound for (None without labels)."""
        raise NotImplementedError()

    @property
    def output_shapes(self):
        """[(name, shape)] of the outputs for the bound input shapes."""
        raise NotImplementedError()

    @property
    def symbol(self):
        """The symbol of this module (None for Python modules)."""
        return self._symbol

    # --- parameters ----------------------------------------------------------------------------
    def get_params(self):
        """Implemented by subclasses (see `Module.get_params`)."""
        raise NotImplementedError()

    def init_params(self, initializer=Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        """Implemented by subclasses (see `Module.init_params`)."""
        raise NotImplementedError()

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        """Sets the parameters (by default overwriting initialized ones)."""
        self.init_params(initializer=None, arg_params=arg_params, aux_params=aux_params,
                         allow_missing=allow_missing, force_init=force_init,
                         allow_extra=allow_extra)

    def save_params(self, fname):
        """Saves the parameters to `fname` with MXNet's `arg:` / `aux:` prefixes.

        Example
        -------
        >>> mod.save_params('mlp-0001.params')   # doctest: +SKIP
        """
        from ..context import cpu
        arg_params, aux_params = self.get_params()
        save_dict = {"arg:%s" % k: v.as_in_context(cpu()) for k, v in arg_params.items()}
        save_dict.update({"aux:%s" % k: v.as_in_context(cpu()) for k, v in aux_params.items()})
        nd.save(fname, save_dict)

    def load_params(self, fname):
        """Loads parameters saved by `save_params` (or `mx.model.save_checkpoint`)."""
        save_dict = nd.load(fname)
        arg_params, aux_params = {}, {}
        for key, value in save_dict.items():
            kind, sep, name = key.partition(":")
            if not sep or kind not in ("arg", "aux"):
                raise InvalidArgumentError("Invalid param file %s: key %r has no arg:/aux: prefix"
                                           % (fname, key))
            (arg_params if kind == "arg" else aux_params)[name] = value
        self.set_params(arg_params, aux_params)

    def get_states(self, merge_multi_context=True):
        """The states (none, unless a subclass has them)."""
        self._check_ready("get_states")
        return []

    def set_states(self, states=None, value=None):
        """Sets the states (none, unless a subclass has them)."""
        self._check_ready("set_states")
        if states or value:
            raise MXNetError("this module has no states")

    def install_monitor(self, mon):
        """Implemented by subclasses (see `Module.install_monitor`)."""
        raise NotImplementedError()

    def prepare(self, data_batch, sparse_row_id_fn=None):
        """Prepares the module for a batch (a no-op: mxnb has no row-sparse pull)."""
        if sparse_row_id_fn is not None:
            warnings.warn("sparse_row_id_fn is ignored: mxnb has no distributed row-sparse pull")

    # --- computation ---------------------------------------------------------------------------
    def forward(self, data_batch, is_train=None):
        """Implemented by subclasses (see `Module.forward`)."""
        raise NotImplementedError()

    def backward(self, out_grads=None):
        """Implemented by subclasses (see `Module.backward`)."""
        raise NotImplementedError()

    def get_outputs(self, merge_multi_context=True):
        """Implemented by subclasses (see `Module.get_outputs`)."""
        raise NotImplementedError()

    def get_input_grads(self, merge_multi_context=True):
        """Implemented by subclasses (see `Module.get_input_grads`)."""
        raise NotImplementedError()

    def update(self):
        """Implemented by subclasses (see `Module.update`)."""
        raise NotImplementedError()

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        """Implemented by subclasses (see `Module.update_metric`)."""
        raise NotImplementedError()

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        """Implemented by subclasses (see `Module.bind`)."""
        raise NotImplementedError()

    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        """Implemented by subclasses (see `Module.init_optimizer`)."""
        raise NotImplementedError()
