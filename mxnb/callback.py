"""Training callbacks (`mx.callback`), as MXNet 1.x.

Batch-end callbacks receive a `BatchEndParam`-like object with `epoch`, `nbatch`, `eval_metric`;
epoch-end callbacks receive `(iter_no, sym, arg, aux)`.
"""
import logging
import math
import time

__all__ = ["module_checkpoint", "do_checkpoint", "log_train_metric", "Speedometer", "ProgressBar",
           "LogValidationMetricsCallback"]


def module_checkpoint(mod, prefix, period=1, save_optimizer_states=False):
    """An epoch-end callback calling `mod.save_checkpoint` every `period` epochs.

    Parameters
    ----------
    mod : BaseModule
        The module to checkpoint.
    prefix : str
        File prefix (`prefix-symbol.json`, `prefix-%04d.params`, `prefix-%04d.states`).
    period : int, default 1
        Epochs between checkpoints.
    save_optimizer_states : bool, default False

    Returns
    -------
    callable
        `callback(iter_no, sym=None, arg=None, aux=None)` for `fit(epoch_end_callback=...)`.

    Example
    -------
    >>> mod.fit(train, num_epoch=5,
    ...         epoch_end_callback=mx.callback.module_checkpoint(mod, 'mlp'))  # doctest: +SKIP
    """
    period = int(max(1, period))

    def _callback(iter_no, sym=None, arg=None, aux=None):
        if (iter_no + 1) % period == 0:
            mod.save_checkpoint(prefix, iter_no + 1, save_optimizer_states)
    return _callback


def do_checkpoint(prefix, period=1):
    """An epoch-end callback saving the symbol and parameters every `period` epochs
    (`mx.model.save_checkpoint`).

    Parameters
    ----------
    prefix : str
    period : int, default 1

    Returns
    -------
    callable
        `callback(iter_no, sym, arg, aux)`.

    Example
    -------
    >>> model.fit(X, y, epoch_end_callback=mx.callback.do_checkpoint('mlp'))  # doctest: +SKIP
    """
    period = int(max(1, period))

    def _callback(iter_no, sym, arg, aux):
        if (iter_no + 1) % period == 0:
            from .model import save_checkpoint
            save_checkpoint(prefix, iter_no + 1, sym, arg, aux)
    return _callback


def log_train_metric(period, auto_reset=False):
    """A batch-end callback logging the training metric every `period` batches.

    Parameters
    ----------
    period : int
    auto_reset : bool, default False
        Reset the metric's local statistics after each log.

    Example
    -------
    >>> mod.fit(train, num_epoch=1, batch_end_callback=mx.callback.log_train_metric(10))  # doctest: +SKIP
    """
    def _callback(param):
        if param.nbatch % period == 0 and param.eval_metric is not None:
            for name, value in param.eval_metric.get_name_value():
                logging.info("Iter[%d] Batch[%d] Train-%s=%f", param.epoch, param.nbatch, name,
                             value)
            if auto_reset:
                param.eval_metric.reset_local()
    return _callback


class Speedometer:
    """A batch-end callback logging samples/sec (and the metric) every `frequent` batches.

    Parameters
    ----------
    batch_size : int
    frequent : int, default 50
    auto_reset : bool, default True
        Reset the metric after each log (the logged value covers the last `frequent` batches).

    Example
    -------
    >>> mod.fit(train, num_epoch=1, batch_end_callback=mx.callback.Speedometer(100, 50))  # doctest: +SKIP
    """

    def __init__(self, batch_size, frequent=50, auto_reset=True):
        self.batch_size = batch_size
        self.frequent = frequent
        self.init = False
        self.tic = 0
        self.last_count = 0
        self.auto_reset = auto_reset

    def __call__(self, param):
        count = param.nbatch
        if self.last_count > count:  # a new epoch started
            self.init = False
        self.last_count = count
        if not self.init:
            self.init = True
            self.tic = time.time()
            return
        if count % self.frequent != 0:
            return
        try:
            speed = self.frequent * self.batch_size / (time.time() - self.tic)
        except ZeroDivisionError:
            speed = float("inf")
        if param.eval_metric is not None:
            name_value = param.eval_metric.get_name_value()
            if self.auto_reset:
                param.eval_metric.reset_local()
                msg = "Epoch[%d] Batch [%d-%d]\tSpeed: %.2f samples/sec"
                msg += "\t%s=%f" * len(name_value)
                logging.info(msg, param.epoch, count - self.frequent, count, speed,
                             *sum(name_value, ()))
            else:
                msg = "Epoch[%d] Batch [0-%d]\tSpeed: %.2f samples/sec"
                msg += "\t%s=%f" * len(name_value)
                logging.info(msg, param.epoch, count, speed, *sum(name_value, ()))
        else:
            logging.info("Iter[%d] Batch [%d]\tSpeed: %.2f samples/sec", param.epoch, count, speed)
        self.tic = time.time()


class ProgressBar:
    """A batch-end callback logging a text progress bar of `nbatch` out of `total`.

    Parameters
    ----------
    total : int
        Batches per epoch.
    length : int, default 80
        Width of the bar.

    Example
    -------
    >>> mod.fit(train, num_epoch=1, batch_end_callback=mx.callback.ProgressBar(10))  # doctest: +SKIP
    """

    def __init__(self, total, length=80):
        self.bar_len = length
        self.total = total

    def __call__(self, param):
        count = param.nbatch
        filled_len = int(round(self.bar_len * count / float(self.total)))
        percents = math.ceil(100.0 * count / float(self.total))
        prog_bar = "=" * filled_len + "-" * (self.bar_len - filled_len)
        logging.info("[%s] %s%s\r", prog_bar, percents, "%")


class LogValidationMetricsCallback:
    """An eval-end callback logging each validation metric at the end of an epoch.

    Example
    -------
    >>> mod.fit(train, eval_data=val, num_epoch=1,
    ...         eval_end_callback=mx.callback.LogValidationMetricsCallback())  # doctest: +SKIP
    """

    def __call__(self, param):
        if not param.eval_metric:
            return
        for name, value in param.eval_metric.get_name_value():
            logging.info("Epoch[%d] Validation-%s=%f", param.epoch, name, value)
