"""Estimator: MXNet 1.9.1's fit API for Gluon networks."""
import copy
import logging
import sys
import warnings

from ....base import MXNetError
from ....context import Context, cpu, gpu, num_gpus
from ....metric import Loss as metric_loss
from ...loss import Loss as gluon_loss
from ...trainer import Trainer
from .batch_processor import BatchProcessor
from .event_handler import (MetricHandler, ValidationHandler, LoggingHandler, StoppingHandler,
                            GradientUpdateHandler, TrainBegin, EpochBegin, BatchBegin, BatchEnd,
                            EpochEnd, TrainEnd, _check_event_handlers)
from .utils import (EstimatorError, _check_metrics, _suggest_metric_for_loss,
                    _check_handler_metric_ref)

__all__ = ["Estimator", "EstimatorError"]


def _is_data_loader(data):
    from ...data import DataLoader
    return isinstance(data, DataLoader)


class Estimator:
    """Trains and evaluates a Gluon network with event handlers (MXNet's fit API).

    Parameters
    ----------
    net : gluon.Block
        The network (initialised here if it is not yet).
    loss : gluon.loss.Loss
        The training loss.
    train_metrics : EvalMetric or list of EvalMetric, optional
        Metrics on the training data (default: accuracy for a softmax cross-entropy loss, plus the
        loss itself); their names get a 'training ' prefix.
    val_metrics : EvalMetric or list of EvalMetric, optional
        Metrics on the validation data (default: copies of the training metrics), prefixed
        'validation '.
    initializer : Initializer, optional
        Initialises the network when it is not initialised yet.
    trainer : gluon.Trainer, optional
        Default: SGD with learning rate 0.001.
    context : Context or list of Context, optional
        Default: gpu(0) if there is one, else cpu().
    val_net : gluon.Block, optional
        The network used for validation (default: `net`).
    val_loss : gluon.loss.Loss, optional
        The validation loss (default: `loss`).
    batch_processor : BatchProcessor, optional
        Runs each batch (default: `BatchProcessor()`).

    Attributes
    ----------
    logger : logging.Logger
        Where the handlers log (INFO and above to stdout); add handlers to it to log elsewhere.

    Example
    -------
    >>> est = Estimator(net, loss=gluon.loss.SoftmaxCrossEntropyLoss(),
    ...                 train_metrics=mx.metric.Accuracy(), trainer=trainer)  # doctest: +SKIP
    >>> est.fit(train_data=train_loader, val_data=val_loader, epochs=2)  # doctest: +SKIP
    """

    logger = None

    def __init__(self, net, loss, train_metrics=None, val_metrics=None, initializer=None,
                 trainer=None, context=None, val_net=None, val_loss=None, batch_processor=None):
        self.net = net
        self.loss = self._check_loss(loss)
        self._train_metrics = _check_metrics(train_metrics)
        self._val_metrics = _check_metrics(val_metrics)
        self._add_default_training_metrics()
        self._add_validation_metrics()
        self.val_loss = self.loss if val_loss is None else self._check_loss(val_loss)
        self.val_net = self.net if val_net is None else val_net
        self.logger = logging.Logger(name="Estimator", level=logging.INFO)
        self.logger.addHandler(_StdoutHandler())
        self.context = self._check_context(context)
        self._initialize(initializer)
        self.trainer = self._check_trainer(trainer)
        self.batch_processor = self._check_batch_processor(batch_processor)
        self.max_epoch = self.max_batch = None
        self.batch_axis = 0

    # --- checks ------------------------------------------------------------------------------
    @staticmethod
    def _check_loss(loss):
        if not isinstance(loss, gluon_loss):
            raise EstimatorError("loss must be a Loss, refer to gluon.loss.Loss: found %r" % (loss,))
        return loss

    @staticmethod
    def _check_context(context):
        available_gpus = [gpu(i) for i in range(num_gpus())]
        if context:
            if isinstance(context, Context):
                context = [context]
            elif not (isinstance(context, list) and all(isinstance(c, Context) for c in context)):
                raise EstimatorError("context must be a Context or a list of Context, for example "
                                     "mx.cpu() or [mx.gpu(0), mx.gpu(1)], refer to mxnet.Context: "
                                     "found %r" % (context,))
            for ctx in context:
                if ctx not in available_gpus and ctx.device_type != "cpu":
                    raise _UnavailableContextError("%s is not available, please make sure your context is in "
                                         "one of: mx.cpu(), %s"
                                         % (ctx, ", ".join(str(c) for c in available_gpus)))
            return context
        if available_gpus:
            if len(available_gpus) > 1:
                warnings.warn("You have multiple GPUs, gpu(0) will be used by default. To utilize "
                              "all your GPUs, specify context as a list of gpus, e.g. "
                              "context=[mx.gpu(0), mx.gpu(1)] ")
            return [gpu(0)]
        return [cpu()]

    @staticmethod
    def _check_batch_processor(batch_processor):
        if batch_processor is None:
            return BatchProcessor()
        if not (callable(getattr(batch_processor, "fit_batch", None))
                and callable(getattr(batch_processor, "evaluate_batch", None))):
            raise EstimatorError("Customized Batch Processor must contain fit_batch() and "
                                 "evaluate_batch() methods")
        return batch_processor

    def _is_initialized(self):
        for param in self.net.collect_params().values():
            try:
                param.list_ctx()
            except Exception:   # UninitializedParameterError
                return False
        return True

    def _initialize(self, initializer):
        if not self._is_initialized():
            if initializer:
                self.net.initialize(init=initializer, ctx=self.context)
            else:
                self.net.initialize(ctx=self.context)
        elif initializer:
            warnings.warn("Network already fully initialized, skipping initialization. You don't "
                          "need to pass initializer if you already initialized your net. You can "
                          "use net.initialize(init=your_initializer, force_reinit=True) to force "
                          "re-initialize.")

    def _check_trainer(self, trainer):
        if not trainer:
            warnings.warn("No trainer specified, default SGD optimizer with learning rate 0.001 is "
                          "used.")
            return Trainer(self.net.collect_params(), "sgd", {"learning_rate": 0.001})
        if not isinstance(trainer, Trainer):
            raise EstimatorError("Trainer must be a Gluon Trainer instance, refer to "
                                 "gluon.Trainer: found %r" % (trainer,))
        return trainer

    def _add_default_training_metrics(self):
        if not self._train_metrics:
            suggested = _suggest_metric_for_loss(self.loss)
            if suggested:
                self._train_metrics = [suggested]
            self._train_metrics.append(metric_loss(self.loss.name.rstrip("1234567890")))
        for metric in self._train_metrics:
            metric.name = "training " + metric.name

    def _add_validation_metrics(self):
        if not self._val_metrics:
            self._val_metrics = [copy.deepcopy(metric) for metric in self._train_metrics]
        for metric in self._val_metrics:
            if "training" in metric.name:
                metric.name = metric.name.replace("training", "validation")
            else:
                metric.name = "validation " + metric.name

    @property
    def train_metrics(self):
        """The metrics updated on training batches."""
        return self._train_metrics

    @property
    def val_metrics(self):
        """The metrics updated by `evaluate`."""
        return self._val_metrics

    def _get_data_and_label(self, batch, ctx, batch_axis=0):
        return self.batch_processor._get_data_and_label(batch, ctx, batch_axis)

    # --- loops -------------------------------------------------------------------------------
    def evaluate(self, val_data, batch_axis=0, event_handlers=None):
        """Runs `val_net` over `val_data`, updating `val_metrics` (and logging them).

        Parameters
        ----------
        val_data : gluon.data.DataLoader
            Batches of (data, label).
        batch_axis : int, default 0
            The batch axis of data and label.
        event_handlers : EventHandler or list of EventHandler, optional
            Handlers for this loop (metric updates and logging are added when absent).

        Example
        -------
        >>> est.evaluate(val_data=val_loader)  # doctest: +SKIP
        >>> est.val_metrics[0].get()  # doctest: +SKIP
        ('validation accuracy', 0.92)
        """
        if not _is_data_loader(val_data):
            raise EstimatorError("Estimator only support input as Gluon DataLoader. Alternatively, "
                                 "you can transform your DataIter or any NDArray into Gluon "
                                 "DataLoader. Refer to gluon.data.DataLoader")
        for metric in self.val_metrics:
            metric.reset()
        handlers = self._prepare_default_validation_handlers(event_handlers)
        _, epoch_begin, batch_begin, batch_end, epoch_end, _ = self._categorize_handlers(handlers)
        for handler in epoch_begin:
            handler.epoch_begin(self)
        for batch in val_data:
            for handler in batch_begin:
                handler.batch_begin(self, batch=batch)
            _, label, pred, loss = self.batch_processor.evaluate_batch(self, batch, batch_axis)
            for handler in batch_end:
                handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
        for handler in epoch_end:
            handler.epoch_end(self)

    def fit(self, train_data, val_data=None, epochs=None, event_handlers=None, batches=None,
            batch_axis=0):
        """Trains `net` for `epochs` epochs or `batches` batches (exactly one of them).

        Parameters
        ----------
        train_data : gluon.data.DataLoader
            Batches of (data, label).
        val_data : gluon.data.DataLoader, optional
            Validated after each epoch (a ValidationHandler is added).
        epochs : int, optional
            Number of epochs.
        event_handlers : EventHandler or list of EventHandler, optional
            Extra handlers; the defaults (stopping, gradient update, metrics, validation, logging)
            are added unless a handler of the same kind is given.
        batches : int, optional
            Number of batches.
        batch_axis : int, default 0
            The batch axis of data and label.

        Example
        -------
        >>> est.fit(train_loader, val_loader, epochs=3,
        ...         event_handlers=[EarlyStoppingHandler(est.val_metrics[0], mode='max')])  # doctest: +SKIP
        """
        if not _is_data_loader(train_data):
            raise EstimatorError("Estimator only support input as Gluon DataLoader. Alternatively, "
                                 "you can transform your DataIter or any NDArray into Gluon "
                                 "DataLoader. Refer to gluon.data.dataloader")
        if (not epochs) == (not batches):
            raise EstimatorError("Fit only support exactly one type of iteration, train by number "
                                 "of epochs or number of batches. Please specify one and only one "
                                 "of: epochs or batches.")
        self.max_epoch = epochs
        self.max_batch = batches
        self.batch_axis = batch_axis
        handlers = self._prepare_default_handlers(val_data, event_handlers)
        (train_begin, epoch_begin, batch_begin, batch_end, epoch_end,
         train_end) = self._categorize_handlers(handlers)
        for handler in train_begin:
            handler.train_begin(self)
        while True:
            for handler in epoch_begin:
                handler.epoch_begin(self)
            for batch in train_data:
                for handler in batch_begin:
                    handler.batch_begin(self, batch=batch)
                _, label, pred, loss = self.batch_processor.fit_batch(self, batch, batch_axis)
                # Every handler sees the batch, even when an earlier one asks to stop.
                results = [handler.batch_end(self, batch=batch, pred=pred, label=label, loss=loss)
                           for handler in batch_end]
                if any(results):
                    break
            results = [handler.epoch_end(self) for handler in epoch_end]
            if any(results):
                break
        for handler in train_end:
            handler.train_end(self)

    # --- handlers ----------------------------------------------------------------------------
    def _prepare_default_handlers(self, val_data, event_handlers):
        handlers = _check_event_handlers(event_handlers)
        added = [StoppingHandler(self.max_epoch, self.max_batch)]
        if not any(isinstance(h, GradientUpdateHandler) for h in handlers):
            added.append(GradientUpdateHandler())
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.train_metrics))
        if not any(isinstance(h, ValidationHandler) for h in handlers) and val_data:
            added.append(ValidationHandler(val_data=val_data, eval_fn=self.evaluate))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.train_metrics))
        mixing = handlers and added
        handlers.extend(added)
        if mixing:
            known = set(self.train_metrics + self.val_metrics)
            for handler in handlers:
                _check_handler_metric_ref(handler, known)
        handlers.sort(key=lambda h: getattr(h, "priority", 0))
        return handlers

    def _prepare_default_validation_handlers(self, event_handlers):
        handlers = _check_event_handlers(event_handlers)
        added = []
        if not any(isinstance(h, MetricHandler) for h in handlers):
            added.append(MetricHandler(metrics=self.val_metrics))
        if not any(isinstance(h, LoggingHandler) for h in handlers):
            added.append(LoggingHandler(metrics=self.val_metrics))
        mixing = handlers and added
        handlers.extend(added)
        if mixing:
            known = set(self.val_metrics)
            for handler in handlers:
                _check_handler_metric_ref(handler, known)
        handlers.sort(key=lambda h: getattr(h, "priority", 0))
        return handlers

    @staticmethod
    def _categorize_handlers(handlers):
        kinds = (TrainBegin, EpochBegin, BatchBegin, BatchEnd, EpochEnd, TrainEnd)
        return tuple([h for h in handlers if isinstance(h, kind)] for kind in kinds)


class _UnavailableContextError(MXNetError, AssertionError):
    """A context that does not exist here (an AssertionError, as MXNet's check is an assert)."""


class _StdoutHandler(logging.StreamHandler):
    """Writes to the *current* sys.stdout (so notebooks and captured output see the logs)."""

    def __init__(self):
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, value):
        pass
