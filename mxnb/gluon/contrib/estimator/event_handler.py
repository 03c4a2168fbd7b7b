"""The Estimator's event handlers (MXNet 1.9.1 `gluon.contrib.estimator.event_handler`).

A handler subclasses one or more of the event classes (`TrainBegin`, `EpochBegin`, `BatchBegin`,
`BatchEnd`, `EpochEnd`, `TrainEnd`) and implements their methods; `batch_end` / `epoch_end`
returning True stops the batch loop / training. Handlers run in order of their `priority`
(lowest first): the optimizer step (-2000), then metrics and validation (-1000), user handlers
(0) and logging (inf).
"""
import math
import os
import time
import warnings

from ....metric import CompositeEvalMetric, EvalMetric
from ....metric import Loss as metric_loss
from .utils import EstimatorError, _check_metrics

__all__ = ["TrainBegin", "TrainEnd", "EpochBegin", "EpochEnd", "BatchBegin", "BatchEnd",
           "StoppingHandler", "MetricHandler", "ValidationHandler", "LoggingHandler",
           "CheckpointHandler", "EarlyStoppingHandler", "GradientUpdateHandler"]


class EventHandler:
    """Base class of all event handlers."""


def _check_event_handlers(handlers):
    if isinstance(handlers, EventHandler):
        return [handlers]
    handlers = list(handlers or [])
    bad = [h for h in handlers if not isinstance(h, EventHandler)]
    if bad:
        raise EstimatorError("handlers must be an EventHandler or a list of EventHandler, got: %r"
                             % (bad,))
    return handlers


class TrainBegin(EventHandler):
    """Called once before training: `train_begin(estimator)`."""

    def train_begin(self, estimator, *args, **kwargs):
        pass


class TrainEnd(EventHandler):
    """Called once after training: `train_end(estimator)`."""

    def train_end(self, estimator, *args, **kwargs):
        pass


class EpochBegin(EventHandler):
    """Called before each epoch (and before each validation pass)."""

    def epoch_begin(self, estimator, *args, **kwargs):
        pass


class EpochEnd(EventHandler):
    """Called after each epoch; return True to stop training."""

    def epoch_end(self, estimator, *args, **kwargs):
        return False


class BatchBegin(EventHandler):
    """Called before each batch with `batch=`."""

    def batch_begin(self, estimator, *args, **kwargs):
        pass


class BatchEnd(EventHandler):
    """Called after each batch with `batch=, pred=, label=, loss=`; return True to end the epoch."""

    def batch_end(self, estimator, *args, **kwargs):
        return False


class StoppingHandler(TrainBegin, BatchEnd, EpochEnd):
    """Stops training after `max_epoch` epochs or `max_batch` batches (added by `fit`).

    Parameters
    ----------
    max_epoch : int, optional
        Epochs to train.
    max_batch : int, optional
        Batches to train.

    Example
    -------
    >>> est.fit(train_loader, batches=100)   # adds StoppingHandler(max_batch=100)  # doctest: +SKIP
    """

    def __init__(self, max_epoch=None, max_batch=None):
        self.max_epoch = max_epoch
        self.max_batch = max_batch
        self.current_batch = 0
        self.current_epoch = 0
        self.stop_training = False

    def train_begin(self, estimator, *args, **kwargs):
        self.max_epoch = estimator.max_epoch
        self.max_batch = estimator.max_batch
        self.current_batch = 0
        self.current_epoch = 0
        self.stop_training = False

    def batch_end(self, estimator, *args, **kwargs):
        self.current_batch += 1
        if self.current_batch == self.max_batch:
            self.stop_training = True
        return self.stop_training

    def epoch_end(self, estimator, *args, **kwargs):
        self.current_epoch += 1
        if self.current_epoch == self.max_epoch:
            self.stop_training = True
        return self.stop_training


class MetricHandler(EpochBegin, BatchEnd):
    """Resets `metrics` at each epoch and updates them after each batch (`metric.Loss` with the
    loss, the others with labels and predictions).

    Parameters
    ----------
    metrics : EvalMetric or list of EvalMetric
        The metrics to update.
    priority : scalar, default -1000
        Runs before the handlers that read the metrics.

    Example
    -------
    >>> handler = MetricHandler(metrics=est.train_metrics[:1])   # only accuracy  # doctest: +SKIP
    """

    def __init__(self, metrics, priority=-1000):
        self.metrics = _check_metrics(metrics)
        self.priority = priority

    def epoch_begin(self, estimator, *args, **kwargs):
        for metric in self.metrics:
            metric.reset()

    def batch_end(self, estimator, *args, **kwargs):
        pred, label, loss = kwargs["pred"], kwargs["label"], kwargs["loss"]
        for metric in self.metrics:
            if isinstance(metric, metric_loss):
                metric.update(0, loss)
            else:
                metric.update(label, pred)


class ValidationHandler(TrainBegin, BatchEnd, EpochEnd):
    """Runs `eval_fn(val_data=..., batch_axis=..., event_handlers=...)` every `epoch_period`
    epochs and/or `batch_period` batches.

    Parameters
    ----------
    val_data : DataLoader
        Validation data.
    eval_fn : callable
        Usually `estimator.evaluate`.
    epoch_period : int, default 1
        Validate every this many epochs (None: never at epoch ends).
    batch_period : int, optional
        Validate every this many batches.
    priority : scalar, default -1000
    event_handlers : list of EventHandler, optional
        Handlers for the validation loop.

    Example
    -------
    >>> handler = ValidationHandler(val_loader, est.evaluate, batch_period=50)  # doctest: +SKIP
    >>> est.fit(train_loader, epochs=2, event_handlers=[handler])  # doctest: +SKIP
    """

    def __init__(self, val_data, eval_fn, epoch_period=1, batch_period=None, priority=-1000,
                 event_handlers=None):
        self.val_data = val_data
        self.eval_fn = eval_fn
        self.epoch_period = epoch_period
        self.batch_period = batch_period
        self.current_batch = 0
        self.current_epoch = 0
        self.priority = priority
        self.event_handlers = event_handlers

    def train_begin(self, estimator, *args, **kwargs):
        self.current_batch = 0
        self.current_epoch = 0

    def _evaluate(self, estimator):
        self.eval_fn(val_data=self.val_data, batch_axis=estimator.batch_axis,
                     event_handlers=self.event_handlers)

    def batch_end(self, estimator, *args, **kwargs):
        self.current_batch += 1
        if self.batch_period and self.current_batch % self.batch_period == 0:
            self._evaluate(estimator)

    def epoch_end(self, estimator, *args, **kwargs):
        self.current_epoch += 1
        if self.epoch_period and self.current_epoch % self.epoch_period == 0:
            self._evaluate(estimator)


def _metrics_text(metrics):
    return ", ".join("%s: %.4f" % metric.get() for metric in metrics)


def _join(*parts):
    return ", ".join(p for p in parts if p)


class LoggingHandler(TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin, BatchEnd):
    """Logs the learning rate, times and metrics through `estimator.logger`.

    Parameters
    ----------
    log_interval : int or 'epoch', default 'epoch'
        Log every this many batches, or once per epoch.
    metrics : list of EvalMetric, optional
        The metrics to show.
    priority : scalar, default inf
        Runs last, after the metrics are updated.

    Example
    -------
    >>> handler = LoggingHandler(log_interval=10, metrics=est.train_metrics)  # doctest: +SKIP
    >>> est.fit(train_loader, epochs=2, event_handlers=[handler])  # doctest: +SKIP
    """

    def __init__(self, log_interval="epoch", metrics=None, priority=math.inf):
        if not isinstance(log_interval, int) and log_interval != "epoch":
            raise EstimatorError("log_interval must be either an integer or string 'epoch'")
        self.metrics = _check_metrics(metrics)
        self.batch_index = 0
        self.current_epoch = 0
        self.processed_samples = 0
        self.priority = priority
        self.log_interval = log_interval
        self.log_interval_time = 0
        self.train_start = self.epoch_start = self.batch_start = time.time()

    def train_begin(self, estimator, *args, **kwargs):
        self.train_start = time.time()
        trainer = estimator.trainer
        estimator.logger.info("Training begin: using optimizer %s with current learning rate %.4f ",
                              type(trainer.optimizer).__name__, trainer.learning_rate)
        if estimator.max_epoch:
            estimator.logger.info("Train for %d epochs.", estimator.max_epoch)
        else:
            estimator.logger.info("Train for %d batches.", estimator.max_batch)
        self.current_epoch = 0
        self.batch_index = 0
        self.processed_samples = 0
        self.log_interval_time = 0

    def train_end(self, estimator, *args, **kwargs):
        msg = "Train finished using total %ds with %d epochs. " % (time.time() - self.train_start,
                                                                  self.current_epoch)
        estimator.logger.info((msg + _metrics_text(self.metrics)).rstrip(", "))

    def batch_begin(self, estimator, *args, **kwargs):
        if isinstance(self.log_interval, int):
            self.batch_start = time.time()

    def batch_end(self, estimator, *args, **kwargs):
        if isinstance(self.log_interval, int):
            self.log_interval_time += time.time() - self.batch_start
            self.processed_samples += kwargs["batch"][0].shape[0]
            if self.batch_index % self.log_interval == 0:
                msg = "[Epoch %d][Batch %d][Samples %s] time/interval: %.3fs " % (
                    self.current_epoch, self.batch_index, self.processed_samples,
                    self.log_interval_time)
                self.log_interval_time = 0
                estimator.logger.info((msg + _metrics_text(self.metrics)).rstrip(", "))
        self.batch_index += 1

    def epoch_begin(self, estimator, *args, **kwargs):
        self.epoch_start = time.time()
        if any("training" in metric.name for metric in self.metrics):
            estimator.logger.info("[Epoch %d] Begin, current learning rate: %.4f",
                                  self.current_epoch, estimator.trainer.learning_rate)
        else:
            estimator.logger.info("Validation Begin")

    def epoch_end(self, estimator, *args, **kwargs):
        msg = "[Epoch %d] Finished in %.3fs, " % (self.current_epoch,
                                                  time.time() - self.epoch_start)
        estimator.logger.info((msg + _metrics_text(self.metrics)).rstrip(", "))
        self.current_epoch += 1
        self.batch_index = 0


def _improvement_op(mode, monitor, who):
    """`greater` or `less` for a monitored metric: 'max', 'min', or by its name in 'auto'."""
    if mode not in ("auto", "min", "max"):
        warnings.warn("%s mode %s is unknown, fallback to auto mode. %s will use max mode for f1 "
                      "and accuracy metric comparison and use min mode otherwise"
                      % (who, mode, who), RuntimeWarning)
        mode = "auto"
    if mode == "auto":
        # MXNet's documented rule (its 1.9.1 code always picks max here, a known slip).
        name = monitor.get()[0].lower()
        mode = "max" if ("acc" in name or "f1" in name) else "min"
    return (lambda a, b: a > b) if mode == "max" else (lambda a, b: a < b), mode


class CheckpointHandler(TrainBegin, BatchEnd, EpochEnd):
    """Saves `<model_prefix>-epoch<E>batch<B>.params` and `.states` (trainer) periodically, the
    symbol once (for hybridized nets), and optionally the best model as `<model_prefix>-best`.

    Parameters
    ----------
    model_dir : str
        Directory of the checkpoints (created).
    model_prefix : str, default 'model'
        File name prefix.
    monitor : EvalMetric, optional
        The metric that decides the best model (one of the estimator's metrics).
    verbose : int, default 0
        Log each save.
    save_best : bool, default False
        Keep the best model according to `monitor`.
    mode : {'auto', 'min', 'max'}, default 'auto'
        Whether a lower or higher `monitor` is better ('auto': higher for accuracy and f1).
    epoch_period : int, default 1
        Save every this many epochs.
    batch_period : int, optional
        Save every this many batches.
    max_checkpoints : int, default 5
        Older checkpoints beyond this many are deleted.
    resume_from_checkpoint : bool, default False
        Continue from the latest checkpoint in `model_dir`, training only what remains.

    Example
    -------
    >>> handler = CheckpointHandler('checkpoints', monitor=est.val_metrics[0],
    ...                             save_best=True)  # doctest: +SKIP
    >>> est.fit(train_loader, val_loader, epochs=5, event_handlers=[handler])  # doctest: +SKIP
    """

    def __init__(self, model_dir, model_prefix="model", monitor=None, verbose=0, save_best=False,
                 mode="auto", epoch_period=1, batch_period=None, max_checkpoints=5,
                 resume_from_checkpoint=False):
        self.monitor = monitor
        self.verbose = verbose
        os.makedirs(model_dir, exist_ok=True)
        self.model_dir = model_dir
        self.model_prefix = model_prefix
        self.save_best = save_best
        if save_best and not isinstance(monitor, EvalMetric):
            raise EstimatorError("To save best model only, please provide one of the metric objects "
                                 "from estimator.train_metrics and estimator.val_metrics as monitor.")
        self.epoch_period = epoch_period
        self.batch_period = batch_period
        self.current_batch = 0
        self.current_epoch = 0
        self.max_checkpoints = max_checkpoints
        self.resume_from_checkpoint = resume_from_checkpoint
        self.saved_checkpoints = []
        self.trained_epoch = self.trained_batch = -1
        if save_best:
            self.monitor_op, self.mode = _improvement_op(mode, monitor, "CheckpointHandler")
            self.best = math.inf if self.mode == "min" else -math.inf

    def train_begin(self, estimator, *args, **kwargs):
        self.current_epoch = 0
        self.current_batch = 0
        if self.save_best:
            self.best = math.inf if self.mode == "min" else -math.inf
        if self.resume_from_checkpoint:
            wrong = ("To use resume from checkpoint, you must only specify the same type of period "
                     "you used for training. For example, if you are training based on number of "
                     "epochs, you must save only based on epochs, and set batch_period to None.")
            if estimator.max_batch and (not self.batch_period or self.epoch_period):
                raise EstimatorError(wrong)
            if estimator.max_epoch and (not self.epoch_period or self.batch_period):
                raise EstimatorError(wrong)
            self._resume_from_checkpoint(estimator)

    def batch_end(self, estimator, *args, **kwargs):
        if self.current_batch == 0:
            self._save_symbol(estimator)
        if self.batch_period and (self.current_batch + 1) % self.batch_period == 0:
            self._save_checkpoint(estimator)
        self.current_batch += 1

    def epoch_end(self, estimator, *args, **kwargs):
        if self.epoch_period and (self.current_epoch + 1) % self.epoch_period == 0:
            self._save_checkpoint(estimator)
        self.current_epoch += 1

    def _save_checkpoint(self, estimator):
        if self.resume_from_checkpoint:
            epoch = self.current_epoch + self.trained_epoch + 1
            batch = self.current_batch + self.trained_batch + (0 if estimator.max_epoch else 1)
        else:
            epoch, batch = self.current_epoch, self.current_batch
        prefix = "%s-epoch%dbatch%d" % (self.model_prefix, epoch, batch)
        self._save_params_and_trainer(estimator, prefix)
        if self.verbose > 0:
            estimator.logger.info("[Epoch %d] CheckpointHandler: trained total %d batches, saving "
                                  "model at %s with prefix: %s", self.current_epoch,
                                  self.current_batch + 1, self.model_dir, prefix)
        if not self.save_best:
            return
        name, value = self.monitor.get()
        if math.isnan(value):
            warnings.warn(RuntimeWarning(
                "Skipping save best because %s is not updated, make sure you pass one of the "
                "metric objects estimator.train_metrics and estimator.val_metrics as monitor"
                % name))
        elif self.monitor_op(value, self.best):
            if self.verbose > 0:
                estimator.logger.info("[Epoch %d] CheckpointHandler: %s improved from %0.5f to "
                                      "%0.5f, updating best model at %s with prefix: %s",
                                      self.current_epoch, name, self.best, value, self.model_dir,
                                      self.model_prefix + "-best")
            self._save_params_and_trainer(estimator, self.model_prefix + "-best")
            self.best = value
        elif self.verbose > 0:
            estimator.logger.info("[Epoch %d] CheckpointHandler: %s did not improve from %0.5f, "
                                  "skipping updating best model", self.current_epoch, name,
                                  self.best)

    def _save_symbol(self, estimator):
        symbol_file = os.path.join(self.model_dir, self.model_prefix + "-symbol.json")
        graph = getattr(estimator.net, "_cached_graph", None)
        if graph:
            graph[1].save(symbol_file)
        else:
            estimator.logger.info(
                "Model architecture(symbol file) is not saved, please use HybridBlock to construct "
                "your model, and call net.hybridize() before passing to Estimator in order to save "
                "model architecture as %s.", symbol_file)

    def _save_params_and_trainer(self, estimator, file_prefix):
        estimator.net.save_parameters(os.path.join(self.model_dir, file_prefix + ".params"))
        estimator.trainer.save_states(os.path.join(self.model_dir, file_prefix + ".states"))
        if "best" not in file_prefix:
            self.saved_checkpoints.append(file_prefix)
        if len(self.saved_checkpoints) > self.max_checkpoints:
            oldest = self.saved_checkpoints.pop(0)
            for fname in os.listdir(self.model_dir):
                if fname.startswith(oldest + "."):
                    os.remove(os.path.join(self.model_dir, fname))

    def _resume_from_checkpoint(self, estimator):
        self.trained_epoch = self._find_max_iteration(self.model_prefix + "-epoch", "epoch",
                                                      "batch", self.saved_checkpoints)
        self.trained_batch = self._find_max_iteration(
            "%s-epoch%dbatch" % (self.model_prefix, self.trained_epoch), "batch", ".params")
        if self.trained_epoch == -1:
            what = ("%d batches" % estimator.max_batch if estimator.max_batch
                    else "%d epochs" % estimator.max_epoch)
            estimator.logger.info("CheckpointHandler: No checkpoint found, training from scratch "
                                  "for " + what)
            return
        msg = ("CheckpointHandler: Checkpoint resumed from epoch %d batch %d, continue to train "
               "for " % (self.trained_epoch, self.trained_batch))
        if estimator.max_epoch:
            if self.trained_epoch >= estimator.max_epoch - 1:
                raise EstimatorError("Found checkpoint with maximum number of epoch %d reached, "
                                     "please specify resume_from_checkpoint=False (default value) "
                                     "if you want to train from scratch." % estimator.max_epoch)
            estimator.max_epoch -= self.trained_epoch + 1
            msg += "%d epochs " % estimator.max_epoch
        if estimator.max_batch:
            if self.trained_batch >= estimator.max_batch - 1:
                raise EstimatorError("Found checkpoint with maximum number of batch %d reached, "
                                     "please specify resume_from_checkpoint=False (default value) "
                                     "if you want to train from scratch." % self.trained_batch)
            estimator.max_batch -= self.trained_batch + 1
            msg += "%d batches " % estimator.max_batch
        stem = os.path.join(self.model_dir, "%s-epoch%dbatch%d" % (
            self.model_prefix, self.trained_epoch, self.trained_batch))
        for path in (stem + ".params", stem + ".states"):
            if not os.path.exists(path):
                raise EstimatorError("Failed to load checkpoint, %s does not exist" % path)
        estimator.net.load_parameters(stem + ".params", ctx=estimator.context)
        estimator.trainer.load_states(stem + ".states")
        estimator.logger.warning(msg)

    def _find_max_iteration(self, prefix, start, end, saved_checkpoints=None):
        """The largest number between `start` and `end` in checkpoint names beginning `prefix`."""
        max_iter = -1
        for fname in sorted(os.listdir(self.model_dir)):
            if not (fname.startswith(prefix) and fname.endswith(".params")):
                continue
            stem = fname[:-len(".params")]
            if saved_checkpoints is not None and stem not in saved_checkpoints:
                saved_checkpoints.append(stem)
            try:
                value = int(fname[fname.find(start) + len(start):fname.find(end)])
            except ValueError:
                raise EstimatorError(
                    "Error parsing checkpoint file %s, please check your checkpoints have the "
                    "format: {model_name}-epoch{epoch_number}batch{batch_number}.params, there "
                    "should also be a .states file for each .params file" % fname) from None
            max_iter = max(max_iter, value)
        return max_iter


class EarlyStoppingHandler(TrainBegin, EpochEnd, TrainEnd):
    """Stops training when `monitor` has not improved by `min_delta` for `patience` epochs.

    Parameters
    ----------
    monitor : EvalMetric
        One of the estimator's metrics (not a CompositeEvalMetric).
    min_delta : float, default 0
        The least change that counts as an improvement.
    patience : int, default 0
        Epochs without improvement before stopping.
    mode : {'auto', 'min', 'max'}, default 'auto'
        Whether lower or higher is better ('auto': higher for accuracy and f1).
    baseline : float, optional
        The value to improve on from the start.

    Example
    -------
    >>> stopper = EarlyStoppingHandler(est.val_metrics[1], patience=3)   # a loss: mode min  # doctest: +SKIP
    >>> est.fit(train_loader, val_loader, epochs=100, event_handlers=[stopper])  # doctest: +SKIP
    """

    def __init__(self, monitor, min_delta=0, patience=0, mode="auto", baseline=None):
        if not isinstance(monitor, EvalMetric):
            raise EstimatorError("Please provide one of the metric objects from "
                                 "estimator.train_metrics and estimator.val_metrics as monitor.")
        if isinstance(monitor, CompositeEvalMetric):
            raise EstimatorError("CompositeEvalMetric is not supported for EarlyStoppingHandler, "
                                 "please specify a simple metric instead.")
        self.monitor = monitor
        self.baseline = baseline
        self.patience = patience
        self.wait = 0
        self.stopped_epoch = 0
        self.current_epoch = 0
        self.stop_training = False
        self.monitor_op, self.mode = _improvement_op(mode, monitor, "EarlyStopping")
        self.min_delta = min_delta if self.mode == "max" else -min_delta
        self.best = None

    def train_begin(self, estimator, *args, **kwargs):
        self.wait = 0
        self.stopped_epoch = 0
        self.current_epoch = 0
        self.stop_training = False
        if self.baseline is not None:
            self.best = self.baseline
        else:
            self.best = math.inf if self.mode == "min" else -math.inf

    def epoch_end(self, estimator, *args, **kwargs):
        name, value = self.monitor.get()
        if math.isnan(value):
            warnings.warn(RuntimeWarning(
                "%s is not updated, make sure you pass one of the metric objects from "
                "estimator.train_metrics and estimator.val_metrics as monitor." % name))
        elif self.monitor_op(value - self.min_delta, self.best):
            self.best = value
            self.wait = 0
        else:
            self.wait += 1
            if self.wait >= self.patience:
                self.stopped_epoch = self.current_epoch
                self.stop_training = True
        self.current_epoch += 1
        return self.stop_training

    def train_end(self, estimator, *args, **kwargs):
        if self.stopped_epoch > 0:
            estimator.logger.info("[Epoch %d] EarlyStoppingHanlder: early stopping due to %s not "
                                  "improving", self.stopped_epoch, self.monitor.get()[0])


class GradientUpdateHandler(BatchEnd):
    """Calls `estimator.trainer.step(batch size)` after each batch (added by `fit`).

    Parameters
    ----------
    priority : scalar, default -2000
        Runs first, so that metrics and logs see the updated model.

    Example
    -------
    >>> class Accumulate(GradientUpdateHandler):   # step every 4 batches
    ...     def batch_end(self, estimator, *args, **kwargs):
    ...         ...
    """

    def __init__(self, priority=-2000):
        self.priority = priority

    def batch_end(self, estimator, *args, **kwargs):
        loss = kwargs["loss"]
        if not isinstance(loss, list):
            loss = [loss]
        estimator.trainer.step(sum(value.shape[0] for value in loss))
