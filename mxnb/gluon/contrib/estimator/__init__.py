"""`gluon.contrib.estimator`: MXNet 1.9.1's fit API.

`Estimator(net, loss, ...)` runs the training loop; everything around a batch (metrics, the
optimizer step, validation, logging, checkpoints, stopping) is an event handler that reacts to
train/epoch/batch begin and end. Add your own by subclassing the event classes.
"""
from .estimator import Estimator, EstimatorError
from .event_handler import (EventHandler, TrainBegin, TrainEnd, EpochBegin, EpochEnd, BatchBegin,
                            BatchEnd, StoppingHandler, MetricHandler, ValidationHandler,
                            LoggingHandler, CheckpointHandler, EarlyStoppingHandler,
                            GradientUpdateHandler)
from .batch_processor import BatchProcessor
from . import estimator, event_handler, batch_processor, utils  # noqa: F401

__all__ = ["Estimator", "BatchProcessor", "TrainBegin", "TrainEnd", "EpochBegin", "EpochEnd",
           "BatchBegin", "BatchEnd", "StoppingHandler", "MetricHandler", "ValidationHandler",
           "LoggingHandler", "CheckpointHandler", "EarlyStoppingHandler", "GradientUpdateHandler"]
