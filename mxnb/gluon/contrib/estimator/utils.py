"""Checks shared by the Estimator and its handlers."""
from ....base import MXNetError
from ....metric import Accuracy, CompositeEvalMetric, EvalMetric
from ...loss import SoftmaxCrossEntropyLoss


class EstimatorError(MXNetError, ValueError):
    """A wrong argument to the Estimator or a handler (a ValueError, as MXNet raises)."""


def _check_metrics(metrics):
    """A list of EvalMetrics from one metric, a composite metric or a list (None: [])."""
    if isinstance(metrics, CompositeEvalMetric):
        return [m for metric in metrics.metrics for m in _check_metrics(metric)]
    if isinstance(metrics, EvalMetric):
        return [metrics]
    metrics = list(metrics or [])
    bad = [m for m in metrics if not isinstance(m, EvalMetric)]
    if bad:
        raise EstimatorError("metrics must be a Metric or a list of Metric, refer to "
                             "mxnet.metric.EvalMetric: found %r" % (bad,))
    return metrics


def _check_handler_metric_ref(handler, known_metrics):
    """A handler may only refer to metrics the estimator updates (else it would read stale ones)."""
    # As MXNet: every attribute whose name contains 'metric' (a `monitor` is not checked).
    for attribute in dir(handler):
        if "metric" not in attribute:
            continue
        reference = getattr(handler, attribute, None)
        if not reference or callable(reference) and not isinstance(reference, EvalMetric):
            continue
        for metric in reference if isinstance(reference, list) else [reference]:
            if metric not in known_metrics:
                raise EstimatorError(
                    "Event handler %s refers to a metric instance %s outside of the known training "
                    "and validation metrics. Please use the metrics from estimator.train_metrics "
                    "and estimator.val_metrics instead." % (type(handler).__name__, metric))


def _suggest_metric_for_loss(loss):
    """Accuracy for a softmax cross-entropy loss, else nothing."""
    if isinstance(loss, SoftmaxCrossEntropyLoss):
        return Accuracy()
    return None
