"""TrainingMonitor: loss and metric curves, a progress bar with speed and time left, and every
parameter's gradient norm over time, updated in place in the notebook while a loop trains.

    monitor = TrainingMonitor(total_samples=epochs * len(dataset))
    display(monitor)
    for data, label in loader:
        ...
        trainer.step(batch_size)
        monitor.step(net, loss, batch_size)        # the one line in the loop

Everything fed is kept in `monitor.history`; the widgets only show it, so the monitor works
(and is tested) without a browser.
"""
import html
import math
import time

import numpy as np

from .render import Raw, html_table, line_chart_svg, sparkline_svg, svg_img

__all__ = ["TrainingMonitor", "gradient_norms"]

# A gradient norm outside this range is flagged: vanishing below, exploding above.
VANISHING_NORM = 1e-7
EXPLODING_NORM = 1e3


def _scalar(value):
    """A float from a number, a NumPy array or an NDArray (the mean of a per-sample loss)."""
    if hasattr(value, "asnumpy"):
        value = value.asnumpy()
    return float(np.mean(value))


def _metric_items(metrics):
    """[(name, value)] from a dict, (name, value) pairs or an mx.metric.EvalMetric."""
    if metrics is None:
        return []
    if hasattr(metrics, "get_name_value"):
        return list(metrics.get_name_value())
    if isinstance(metrics, dict):
        return list(metrics.items())
    return list(metrics)


def gradient_norms(net_or_params):
    """{parameter name: L2 norm of its gradient, summed over devices} for trainable parameters."""
    params = net_or_params.collect_params() if hasattr(net_or_params, "collect_params") else net_or_params
    items = params.items() if hasattr(params, "items") else ((p.name, p) for p in params)
    norms = {}
    for name, param in items:
        if param.grad_req == "null":
            continue
        squares = 0.0
        for grad in param.list_grad():
            values = grad.asnumpy().astype(np.float64)
            squares += float(np.sum(values * values))
        norms[param.name] = math.sqrt(squares)
    return norms


def _duration(seconds):
    if seconds is None or not math.isfinite(seconds):
        return "?"
    seconds = int(round(seconds))
    return "%d:%02d:%02d" % (seconds // 3600, seconds % 3600 // 60, seconds % 60)


class TrainingMonitor:
    """Curves, progress and gradient norms of a training loop; see the module docstring.

    total_samples: samples the whole run will see (all epochs), for the progress bar and ETA.
    refresh_seconds: the view redraws at most this often (0: on every update).
    """

    def __init__(self, total_samples=None, title="training", refresh_seconds=0.25,
                 width=420, height=200):
        self.total_samples = total_samples
        self.title = title
        self.refresh_seconds = refresh_seconds
        self.width, self.height = width, height
        self.history = {"loss": [], "metrics": {}, "samples": [], "time": [], "grad_norms": {}}
        self.samples_seen = 0
        self._start = time.time()
        self._last_render = 0.0
        self._widgets = None

    # --- feeding ---------------------------------------------------------------------------------
    def start(self):
        """Restarts the clock (samples/s and time left count from here)."""
        self._start = time.time()
        return self

    def update(self, loss=None, metrics=None, samples=None, grad_norms=None):
        """Records one step: its loss, metric values, how many samples it saw, gradient norms."""
        if loss is not None:
            self.history["loss"].append(_scalar(loss))
        for name, value in _metric_items(metrics):
            self.history["metrics"].setdefault(name, []).append(_scalar(value))
        if samples is not None:
            self.samples_seen += int(samples)
        self.history["samples"].append(self.samples_seen)
        self.history["time"].append(time.time() - self._start)
        if grad_norms:
            step = len(self.history["samples"]) - 1
            for name, norm in grad_norms.items():
                series = self.history["grad_norms"].setdefault(name, [])
                # A parameter first seen late is padded so every series lines up with the steps.
                series.extend([None] * (step - len(series)))
                series.append(float(norm))
        self._maybe_render()
        return self

    def step(self, net_or_params, loss, batch_size, metrics=None):
        """The Gluon one-liner: call after `trainer.step(batch_size)` with the batch's loss."""
        return self.update(loss=loss, metrics=metrics, samples=batch_size,
                           grad_norms=gradient_norms(net_or_params))

    def batch_end_callback(self, batch_size):
        """A `batch_end_callback` for Module.fit: records the metric and the speed per batch."""
        def callback(param):
            self.update(metrics=getattr(param, "eval_metric", None), samples=batch_size)
        return callback

    # --- figures ---------------------------------------------------------------------------------
    @property
    def elapsed(self):
        return self.history["time"][-1] if self.history["time"] else 0.0

    @property
    def samples_per_second(self):
        return self.samples_seen / self.elapsed if self.elapsed > 0 else None

    @property
    def eta_seconds(self):
        """Seconds left at the current speed (None without a total or a speed)."""
        rate = self.samples_per_second
        if self.total_samples is None or not rate:
            return None
        return max(self.total_samples - self.samples_seen, 0) / rate

    def status_text(self):
        parts = []
        if self.total_samples:
            parts.append("%d/%d samples (%.0f%%)" % (self.samples_seen, self.total_samples,
                                                     100.0 * self.samples_seen / self.total_samples))
        else:
            parts.append("%d samples" % self.samples_seen)
        rate = self.samples_per_second
        parts.append("%.1f samples/s" % rate if rate else "? samples/s")
        parts.append("elapsed %s" % _duration(self.elapsed))
        if self.total_samples:
            parts.append("left %s" % _duration(self.eta_seconds))
        if self.history["loss"]:
            parts.append("loss %.4g" % self.history["loss"][-1])
        for name, values in self.history["metrics"].items():
            parts.append("%s %.4g" % (name, values[-1]))
        return " | ".join(parts)

    def curves_svg(self):
        series = {}
        if self.history["loss"]:
            series["loss"] = self.history["loss"]
        series.update(self.history["metrics"])
        return line_chart_svg(series, self.width, self.height, title="%s: loss and metrics" % self.title)

    def gradient_flags(self):
        """{parameter: 'vanishing' | 'exploding' | 'not finite'} from each latest gradient norm."""
        flags = {}
        for name, norms in self.history["grad_norms"].items():
            last = norms[-1] if norms else None
            if last is None:
                continue
            if not math.isfinite(last):
                flags[name] = "not finite"
            elif last < VANISHING_NORM:
                flags[name] = "vanishing"
            elif last > EXPLODING_NORM:
                flags[name] = "exploding"
        return flags

    def charts(self):
        """The two charts the widget draws with uPlot: loss and metrics, gradient norms (log)."""
        from .charts_widget import chart
        series = {}
        if self.history["loss"]:
            series["loss"] = self.history["loss"]
        series.update(self.history["metrics"])
        return [chart("%s: loss and metrics" % self.title, series, x_label="step"),
                chart("gradient norms", self.history["grad_norms"], x_label="step",
                      y_label="L2 norm", log_y=True)]

    def gradients_html(self, with_chart=True, as_image=False):
        norms = self.history["grad_norms"]
        if not norms:
            return "<div style='color:#888'>no gradient norms yet (feed them with monitor.step)</div>"
        chart = line_chart_svg(norms, self.width, self.height, title="gradient norms (log scale)",
                               log_y=True) if with_chart else ""
        if chart and as_image:
            chart = svg_img(chart, "gradient norms")
        flags = self.gradient_flags()
        rows = []
        for name, values in norms.items():
            last = values[-1]
            flag = flags.get(name, "")
            color = "#c00" if flag else "#333"
            rows.append([name, Raw(sparkline_svg([v for v in values if v is not None])),
                         Raw("<span style='color:%s'>%s %s</span>"
                             % (color, "-" if last is None else "%.3g" % last, html.escape(flag)))])
        return chart + html_table(rows, ["parameter", "over time", "last norm"], max_height=240)

    def html(self):
        """The whole view as static HTML (what shows where widgets cannot)."""
        return "<div><div>%s</div>%s%s</div>" % (html.escape(self.status_text()),
                                                   svg_img(self.curves_svg(), "curves"),
                                                   self.gradients_html(as_image=True))

    # --- widgets ------------------------------------------------------------------------------------
    def widget(self):
        """The live view: progress bar, status line, the uPlot charts (curves, gradient norms) and
        the table of gradient norms with their flags (built once)."""
        if self._widgets is None:
            import ipywidgets as widgets
            from .charts_widget import ChartsWidget
            progress = widgets.IntProgress(value=0, min=0, max=max(int(self.total_samples or 1), 1),
                                           description=self.title[:16])
            status = widgets.HTML()
            curves = ChartsWidget(layout=widgets.Layout(width="100%"))
            gradients = widgets.HTML()
            box = widgets.VBox([widgets.HBox([progress, status]), curves, gradients],
                               layout=widgets.Layout(max_width="100%"))
            self._widgets = {"progress": progress, "status": status, "curves": curves,
                             "gradients": gradients, "box": box}
            self.refresh()
        return self._widgets["box"]

    @property
    def progress(self):
        self.widget()
        return self._widgets["progress"]

    @property
    def status(self):
        self.widget()
        return self._widgets["status"]

    @property
    def curves(self):
        self.widget()
        return self._widgets["curves"]

    @property
    def gradients(self):
        self.widget()
        return self._widgets["gradients"]

    def refresh(self):
        """Redraws the widgets now from the history."""
        if self._widgets is None:
            return
        w = self._widgets
        if self.total_samples:
            w["progress"].value = min(self.samples_seen, w["progress"].max)
        else:
            # Without a total the bar only shows that samples are flowing.
            w["progress"].max = max(self.samples_seen, 1)
            w["progress"].value = self.samples_seen
        w["status"].value = "<span style='font-family:monospace'>%s</span>" % html.escape(self.status_text())
        w["curves"].set_charts(self.charts())
        w["gradients"].value = self.gradients_html(with_chart=False)
        self._last_render = time.time()

    def _maybe_render(self):
        if self._widgets is None:
            return
        finished = self.total_samples is not None and self.samples_seen >= self.total_samples
        if finished or time.time() - self._last_render >= self.refresh_seconds:
            self.refresh()

    def _ipython_display_(self):
        from IPython.display import HTML, display
        try:
            box = self.widget()
        except ImportError:
            display(HTML(self.html()))
            return
        # The widget, and the static picture for front ends without it (nbconvert, GitHub).
        bundle = box._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.html()
        data["text/plain"] = repr(self)
        display(data, raw=True)

    def _repr_html_(self):
        return self.html()

    def __repr__(self):
        return "<TrainingMonitor %s>" % self.status_text()
