"""`mx.model`: checkpoints (`save_checkpoint`, `load_checkpoint`, `load_params`), the
`BatchEndParam` callbacks receive, and the legacy `FeedForward` model of MXNet's first tutorials.

Checkpoints are as MXNet 1.x writes them: `prefix-symbol.json` and `prefix-%04d.params` with
`arg:` / `aux:` names.
"""
import logging
import warnings
from collections import namedtuple

import numpy as np

from .base import MXNetError, InvalidArgumentError, _as_list
from .context import Context, cpu
from . import ndarray as nd

__all__ = ["BatchEndParam", "save_checkpoint", "load_checkpoint", "load_params", "FeedForward"]

BatchEndParam = namedtuple("BatchEndParams", ["epoch", "nbatch", "eval_metric", "locals"])
BatchEndParam.__doc__ = """What batch-end callbacks receive: `epoch`, `nbatch`, `eval_metric`,
`locals` (the training loop's local variables)."""


def save_checkpoint(prefix, epoch, symbol, arg_params, aux_params, remove_amp_cast=True):
    """Saves `prefix-symbol.json` and `prefix-%04d.params`.

    Parameters
    ----------
    prefix : str
    epoch : int
    symbol : Symbol or None
    arg_params, aux_params : dict of str to NDArray

    Example
    -------
    >>> mx.model.save_checkpoint('mlp', 1, net, arg_params, aux_params)   # doctest: +SKIP
    """
    if symbol is not None:
        symbol.save("%s-symbol.json" % prefix, remove_amp_cast=remove_amp_cast)
    save_dict = {"arg:%s" % k: v.as_in_context(cpu()) for k, v in arg_params.items()}
    save_dict.update({"aux:%s" % k: v.as_in_context(cpu()) for k, v in aux_params.items()})
    param_name = "%s-%04d.params" % (prefix, epoch)
    nd.save(param_name, save_dict)
    logging.info('Saved checkpoint to "%s"', param_name)


def load_params(prefix, epoch):
    """(arg_params, aux_params) from `prefix-%04d.params`."""
    fname = "%s-%04d.params" % (prefix, epoch)
    arg_params, aux_params = {}, {}
    for key, value in nd.load(fname).items():
        kind, sep, name = key.partition(":")
        if not sep or kind not in ("arg", "aux"):
            raise MXNetError("%s: parameter name %r has no arg:/aux: prefix" % (fname, key))
        (arg_params if kind == "arg" else aux_params)[name] = value
    return arg_params, aux_params


def load_checkpoint(prefix, epoch):
    """(symbol, arg_params, aux_params) from a checkpoint.

    Example
    -------
    >>> sym, arg_params, aux_params = mx.model.load_checkpoint('mlp', 1)   # doctest: +SKIP
    """
    from .symbol import load
    symbol = load("%s-symbol.json" % prefix)
    arg_params, aux_params = load_params(prefix, epoch)
    return symbol, arg_params, aux_params


class FeedForward:
    """The legacy feed-forward model (deprecated in MXNet in favour of `mx.mod.Module`, kept for
    the code and tutorials that use it). Training runs through a Module.

    Parameters
    ----------
    symbol : Symbol
    ctx : Context or list of Context, optional
        Default cpu().
    num_epoch : int, optional
    epoch_size : int, optional
        Unused (epochs end with the iterator).
    optimizer : str or Optimizer, default 'sgd'
    initializer : Initializer, default Uniform(0.01)
    numpy_batch_size : int, default 128
        Batch size for NumPy / NDArray inputs.
    arg_params, aux_params : dict, optional
    allow_extra_params : bool, default False
    begin_epoch : int, default 0
    **kwargs
        Optimizer arguments (learning_rate, momentum, wd, ...).

    Example
    -------
    >>> model = mx.model.FeedForward(symbol=mlp, num_epoch=10, learning_rate=0.1)  # doctest: +SKIP
    >>> model.fit(X=train_x, y=train_y, eval_data=(val_x, val_y))                  # doctest: +SKIP
    """

    def __init__(self, symbol, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
                 initializer=None, numpy_batch_size=128, arg_params=None, aux_params=None,
                 allow_extra_params=False, begin_epoch=0, **kwargs):
        warnings.warn("mxnet.model.FeedForward has been deprecated. Please use mxnet.mod.Module "
                      "instead.", DeprecationWarning, stacklevel=2)
        from .initializer import Uniform
        if isinstance(symbol, nd.NDArray) or not hasattr(symbol, "list_arguments"):
            raise InvalidArgumentError("FeedForward: symbol must be a Symbol, found %s"
                                       % type(symbol).__name__)
        self.symbol = symbol
        self.sym_gen = None
        _check_arguments(symbol)
        if allow_extra_params:
            arg_names, aux_names = set(symbol.list_arguments()), set(symbol.list_auxiliary_states())
            if arg_params:
                arg_params = {k: v for k, v in arg_params.items() if k in arg_names}
            if aux_params:
                aux_params = {k: v for k, v in aux_params.items() if k in aux_names}
        self.arg_params = arg_params
        self.aux_params = aux_params
        self.allow_extra_params = allow_extra_params
        self.argument_checked = False
        if ctx is None:
            ctx = [cpu()]
        elif isinstance(ctx, Context):
            ctx = [ctx]
        self.ctx = ctx
        self.num_epoch = num_epoch
        self.epoch_size = epoch_size
        self.kwargs = kwargs.copy()
        self.optimizer = optimizer
        self.initializer = initializer if initializer is not None else Uniform(0.01)
        self.numpy_batch_size = numpy_batch_size
        self._pred_exec = None
        self.begin_epoch = begin_epoch

    # --- data --------------------------------------------------------------------------------
    def _init_iter(self, X, y, is_train):
        from . import io
        if isinstance(X, (np.ndarray, nd.NDArray)):
            if y is None:
                if is_train:
                    raise InvalidArgumentError("y must be specified when X is numpy.ndarray")
                y = np.zeros(X.shape[0])
            if not isinstance(y, (np.ndarray, nd.NDArray)):
                raise TypeError("y must be ndarray when X is numpy.ndarray")
            if X.shape[0] != y.shape[0]:
                raise InvalidArgumentError("The numbers of data points and labels not equal "
                                           "(%d vs. %d)" % (X.shape[0], y.shape[0]))
            if y.ndim == 2 and y.shape[1] == 1:
                y = y.reshape((y.shape[0],))
            if y.ndim != 1:
                raise InvalidArgumentError("Label must be 1D or 2D (with 2nd dimension being 1), "
                                           "found shape %s" % (tuple(y.shape),))
            if isinstance(X, nd.NDArray):
                X = X.asnumpy()
            if isinstance(y, nd.NDArray):
                y = y.asnumpy()
            batch_size = min(X.shape[0], self.numpy_batch_size)
            if is_train:
                return io.NDArrayIter(X, y, batch_size, shuffle=True, last_batch_handle="roll_over")
            return io.NDArrayIter(X, y, batch_size, shuffle=False)
        if not isinstance(X, io.DataIter):
            raise TypeError("X must be DataIter, NDArray or numpy.ndarray, found %s"
                            % type(X).__name__)
        return X

    def _init_eval_iter(self, eval_data):
        from . import io
        if eval_data is None:
            return None
        if isinstance(eval_data, (tuple, list)) and len(eval_data) == 2:
            if eval_data[0] is None:
                raise InvalidArgumentError("Eval data is NONE")
            if eval_data[1] is None and isinstance(eval_data[0], io.DataIter):
                return eval_data[0]
            data = np.array(eval_data[0]) if isinstance(eval_data[0], list) else eval_data[0]
            label = np.array(eval_data[1]) if isinstance(eval_data[1], list) else eval_data[1]
            return self._init_iter(data, label, is_train=True)
        if not isinstance(eval_data, io.DataIter):
            raise TypeError("Eval data must be DataIter, or NDArray/numpy.ndarray/list pair "
                            "(i.e. tuple/list of length 2)")
        return eval_data

    # --- training ----------------------------------------------------------------------------
    def fit(self, X, y=None, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", logger=None, work_load_list=None,
            monitor=None, eval_end_callback=None, eval_batch_end_callback=None):
        """Trains the model.

        Parameters
        ----------
        X : DataIter, NDArray or numpy.ndarray
        y : NDArray or numpy.ndarray, optional
            Labels, when X is an array.
        eval_data : DataIter or (X, y), optional
        eval_metric : str or EvalMetric, default 'acc'
        epoch_end_callback, batch_end_callback : callable or list, optional
        kvstore : str, default 'local'
        logger : Logger, optional
        work_load_list : list of float, optional
        monitor : Monitor, optional
        eval_end_callback : callable, optional
            Default: log the validation metric (LogValidationMetricsCallback).
        eval_batch_end_callback : callable, optional
        """
        from .module import Module
        if self.num_epoch is None:
            raise MXNetError("FeedForward.fit: num_epoch is not set (FeedForward(num_epoch=...))")
        data = self._init_iter(X, y, is_train=True)
        eval_iter = self._init_eval_iter(eval_data)
        data_names = [d[0] for d in data.provide_data]
        label_names = [d[0] for d in data.provide_label]
        if logger is None:
            logger = logging
        module = Module(self.symbol, data_names=data_names, label_names=label_names,
                        logger=logger, context=self.ctx, work_load_list=work_load_list)
        optimizer_params = dict(self.kwargs)
        if isinstance(self.optimizer, str):
            optimizer_params.setdefault("rescale_grad", 1.0 / data.batch_size)
        module.fit(data, eval_data=eval_iter, eval_metric=eval_metric,
                   epoch_end_callback=epoch_end_callback, batch_end_callback=batch_end_callback,
                   kvstore=kvstore, optimizer=self.optimizer, optimizer_params=optimizer_params,
                   eval_end_callback=eval_end_callback,
                   eval_batch_end_callback=eval_batch_end_callback, initializer=self.initializer,
                   arg_params=self.arg_params, aux_params=self.aux_params,
                   allow_missing=True, begin_epoch=self.begin_epoch, num_epoch=self.num_epoch,
                   monitor=monitor)
        arg_params, aux_params = module.get_params()
        self.arg_params = {k: v.copy() for k, v in arg_params.items()}
        self.aux_params = {k: v.copy() for k, v in aux_params.items()}
        self._pred_exec = None
        return self

    # --- prediction --------------------------------------------------------------------------
    def _init_predictor(self, input_shapes, type_dict=None):
        shapes = dict(input_shapes)
        if self._pred_exec is not None:
            if all(tuple(self._pred_exec.arg_dict[k].shape) == tuple(v) for k, v in shapes.items()):
                return
        if self.arg_params is None:
            raise MXNetError("FeedForward: the model has no parameters; fit or load it first")
        inputs = set(self.symbol.list_arguments())
        shapes = {k: v for k, v in shapes.items() if k in inputs}
        pred_exec = self.symbol.simple_bind(self.ctx[0], grad_req="null", type_dict=type_dict,
                                            **shapes)
        pred_exec.copy_params_from(self.arg_params, self.aux_params,
                                   allow_extra_params=self.allow_extra_params)
        self._pred_exec = pred_exec

    def _run(self, X, num_batch, reset):
        if reset:
            X.reset()
        data_names = [d[0] for d in X.provide_data]
        self._init_predictor(X.provide_data)
        arg_dict = self._pred_exec.arg_dict
        for i, batch in enumerate(X):
            if num_batch is not None and i == num_batch:
                break
            for name, value in zip(data_names, batch.data):
                if tuple(value.shape) != tuple(arg_dict[name].shape):
                    self._init_predictor([(n, v.shape) for n, v in zip(data_names, batch.data)])
                    arg_dict = self._pred_exec.arg_dict
                value.copyto(arg_dict[name])
            self._pred_exec.forward(is_train=False)
            yield batch, self._pred_exec.outputs

    def predict(self, X, num_batch=None, return_data=False, reset=True):
        """The model's outputs on X, as NumPy arrays (one array for one output).

        Parameters
        ----------
        X : DataIter, NDArray or numpy.ndarray
        num_batch : int, optional
        return_data : bool, default False
            Also return the data and labels that were run.
        reset : bool, default True

        Example
        -------
        >>> probs = model.predict(test_x)   # doctest: +SKIP
        """
        X = self._init_iter(X, None, is_train=False)
        outputs, data, labels = None, [], []
        for batch, outs in self._run(X, num_batch, reset):
            real = outs[0].shape[0] - (batch.pad or 0)
            if outputs is None:
                outputs = [[] for _ in outs]
            for store, out in zip(outputs, outs):
                store.append(out[0:real].asnumpy())
            if return_data:
                data.append([d[0:real].asnumpy() for d in batch.data])
                labels.append([l[0:real].asnumpy() for l in (batch.label or [])])
        if outputs is None:
            return []
        outputs = [np.concatenate(x) for x in outputs]
        if len(outputs) == 1:
            outputs = outputs[0]
        if return_data:
            data = [np.concatenate([d[i] for d in data]) for i in range(len(data[0]))]
            labels = ([np.concatenate([l[i] for l in labels]) for i in range(len(labels[0]))]
                      if labels and labels[0] else [])
            if len(data) == 1:
                data = data[0]
            if len(labels) == 1:
                labels = labels[0]
            return outputs, data, labels
        return outputs

    def score(self, X, eval_metric="acc", num_batch=None, batch_end_callback=None, reset=True):
        """The value of `eval_metric` on X (a DataIter with labels).

        Returns
        -------
        float
        """
        from . import metric
        if not isinstance(eval_metric, metric.EvalMetric):
            eval_metric = metric.create(eval_metric)
        X = self._init_iter(X, None, is_train=False)
        eval_metric.reset()
        for i, (batch, outs) in enumerate(self._run(X, num_batch, reset)):
            real = outs[0].shape[0] - (batch.pad or 0)
            eval_metric.update([l[0:real] for l in batch.label], [o[0:real] for o in outs])
            if batch_end_callback is not None:
                params = BatchEndParam(epoch=0, nbatch=i, eval_metric=eval_metric, locals=locals())
                for callback in _as_list(batch_end_callback):
                    callback(params)
        return eval_metric.get()[1]

    # --- saving ------------------------------------------------------------------------------
    def save(self, prefix, epoch=None, remove_amp_cast=True):
        """Saves a checkpoint (epoch defaults to num_epoch)."""
        if epoch is None:
            epoch = self.num_epoch
        if epoch is None:
            raise MXNetError("FeedForward.save: give the epoch (num_epoch is not set)")
        save_checkpoint(prefix, epoch, self.symbol, self.arg_params, self.aux_params or {},
                        remove_amp_cast=remove_amp_cast)

    @staticmethod
    def load(prefix, epoch, ctx=None, **kwargs):
        """A FeedForward from a checkpoint (training resumes at `epoch`)."""
        symbol, arg_params, aux_params = load_checkpoint(prefix, epoch)
        return FeedForward(symbol, ctx=ctx, arg_params=arg_params, aux_params=aux_params,
                           begin_epoch=epoch, **kwargs)

    @staticmethod
    def create(symbol, X, y=None, ctx=None, num_epoch=None, epoch_size=None, optimizer="sgd",
               initializer=None, eval_data=None, eval_metric="acc", epoch_end_callback=None,
               batch_end_callback=None, kvstore="local", logger=None, work_load_list=None,
               eval_end_callback=None, eval_batch_end_callback=None, **kwargs):
        """Creates a FeedForward and fits it (a shortcut for the two calls)."""
        model = FeedForward(symbol, ctx=ctx, num_epoch=num_epoch, epoch_size=epoch_size,
                            optimizer=optimizer, initializer=initializer, **kwargs)
        model.fit(X, y, eval_data=eval_data, eval_metric=eval_metric,
                  epoch_end_callback=epoch_end_callback, batch_end_callback=batch_end_callback,
                  kvstore=kvstore, logger=logger, work_load_list=work_load_list,
                  eval_end_callback=eval_end_callback,
                  eval_batch_end_callback=eval_batch_end_callback)
        return model


def _check_arguments(symbol):
    names = symbol.list_arguments()
    if len(set(names)) != len(names):
        raise MXNetError("Find duplicated argument name, please make the weight name non-duplicated"
                         " (using name arguments); arguments are %s" % names)
    aux = symbol.list_auxiliary_states()
    if len(set(aux)) != len(aux):
        raise MXNetError("Find duplicated auxiliary param name; auxiliary states are %s" % aux)
