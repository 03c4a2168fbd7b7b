"""Line charts drawn with uPlot in the browser (extension/src/widgets/chart.ts, bundled in
static/charts-main.js), as an anywidget, so they render wherever ipywidgets 8 does: the training
monitor's curves and gradient norms, the dashboard's histories.

    charts = ChartsWidget()
    charts.set_charts([chart("loss", {"loss": [0.9, 0.5, 0.3]}, x_label="step")])
"""
import base64
import html
import math
import pathlib

import anywidget
import traitlets

__all__ = ["ChartsWidget", "chart"]

_STATIC = pathlib.Path(__file__).parent / "static"


def _finite_or_none(value):
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def chart(title, series, x=None, x_label="step", y_label="", log_y=False):
    """One chart's description: `series` maps a label to values; `x` gives their x values (a list
    shared by all, or a dict per label); by default 1, 2, 3, ... Non-finite values become gaps."""
    lines = []
    for label, values in series.items():
        values = list(values)
        xs = x.get(label) if isinstance(x, dict) else x
        xs = list(xs) if xs is not None else list(range(1, len(values) + 1))
        lines.append({"label": str(label), "x": [float(v) for v in xs[:len(values)]],
                      "y": [_finite_or_none(v) for v in values[:len(xs)]]})
    return {"title": title, "x_label": x_label, "y_label": y_label, "log_y": bool(log_y),
            "lines": lines}


class ChartsWidget(anywidget.AnyWidget):
    """Several uPlot line charts side by side; `panel` is {'charts': [chart(...), ...]}."""

    _esm = _STATIC / "charts-main.js"
    _css = _STATIC / "charts-main.css"
    kind = traitlets.Unicode("charts").tag(sync=True)
    panel = traitlets.Dict({"charts": []}).tag(sync=True)

    def set_charts(self, charts):
        self.panel = {"charts": list(charts)}

    def snapshot_html(self):
        """The charts as static pictures, for front ends without the widget (nbconvert, GitHub,
        a saved notebook opened without a kernel)."""
        from .render import line_chart_svg
        parts = []
        for spec in self.panel["charts"]:
            series = {line["label"]: line["y"] for line in spec["lines"]}
            svg = line_chart_svg(series, 420, 200, title=spec["title"], log_y=spec["log_y"])
            parts.append('<img alt="%s" src="data:image/svg+xml;base64,%s">'
                         % (html.escape(spec["title"]), base64.b64encode(svg.encode("utf-8")).decode("ascii")))
        return '<div class="mxnb-charts-snapshot">%s</div>' % "".join(parts)

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.snapshot_html()
        data["text/plain"] = "<mxnb charts: %s>" % ", ".join(c["title"] for c in self.panel["charts"])
        return bundle
