"""TrainingMonitorHandler: the notebook's TrainingMonitor as an event handler of
`gluon.contrib.estimator.Estimator`, so `est.fit(...)` draws its curves live.

    handler = TrainingMonitorHandler(total_samples=epochs * len(dataset))
    display(handler)                 # or show=True: displayed when training begins
    est.fit(train_loader, epochs=epochs, event_handlers=[handler])

The handler only reads what the estimator hands every handler (the batch's loss, the training
metrics, the network's gradients), so it needs nothing from the core beyond its public API.
"""
from ..gluon.contrib.estimator.event_handler import TrainBegin, BatchEnd, EpochEnd
from .monitor import TrainingMonitor, gradient_norms

__all__ = ["TrainingMonitorHandler"]


class TrainingMonitorHandler(TrainBegin, BatchEnd, EpochEnd):
    """Feeds a `TrainingMonitor` after every training batch of an Estimator.

    Parameters
    ----------
    monitor : TrainingMonitor, optional
        The monitor to feed (default: a new one with `total_samples` and `title`).
    total_samples : int, optional
        Samples the whole run will see, for the progress bar and time left.
    title : str, default 'training'
        The monitor's title.
    gradients : bool, default True
        Record every parameter's gradient norm (costs one reduction per parameter and batch).
    show : bool, default False
        Display the monitor when training begins (in IPython/Jupyter).
    priority : scalar, default -500
        After the optimizer step and the metric updates, before logging.

    Example
    -------
    >>> handler = TrainingMonitorHandler(total_samples=3 * 1000)
    >>> est.fit(train_loader, epochs=3, event_handlers=[handler])  # doctest: +SKIP
    >>> handler.monitor.history['loss'][-1]  # doctest: +SKIP
    0.31
    """

    def __init__(self, monitor=None, total_samples=None, title="training", gradients=True,
                 show=False, priority=-500):
        self.monitor = monitor if monitor is not None else TrainingMonitor(
            total_samples=total_samples, title=title)
        self.gradients = gradients
        self.show = show
        self.priority = priority
        self.epochs_done = 0

    def train_begin(self, estimator, *args, **kwargs):
        self.epochs_done = 0
        self.monitor.start()
        if self.show:
            try:
                from IPython.display import display
            except ImportError:
                return
            display(self.monitor)

    def batch_end(self, estimator, *args, **kwargs):
        losses = kwargs["loss"]
        if not isinstance(losses, (list, tuple)):
            losses = [losses]
        samples = sum(value.shape[0] for value in losses)
        total = sum(float(value.sum().asscalar()) for value in losses)
        metrics = [metric.get() for metric in estimator.train_metrics]
        norms = gradient_norms(estimator.net) if self.gradients else None
        self.monitor.update(loss=total / max(samples, 1), metrics=metrics, samples=samples,
                            grad_norms=norms)
        return False

    def epoch_end(self, estimator, *args, **kwargs):
        self.epochs_done += 1
        self.monitor.refresh()
        return False

    # Displaying the handler displays its monitor (through its public display and html).
    def _ipython_display_(self):
        from IPython.display import display
        display(self.monitor)

    def _repr_html_(self):
        return self.monitor.html()
