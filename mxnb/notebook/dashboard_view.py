"""The dashboard's ipywidgets panel: one grid per context, the process, and the operators.

Each figure is a row: its name, its value (a Label) and a sparkline of its history (an HTML widget
holding SVG from `render`). `update(snapshot)` only assigns widget values, so it can be called from
the dashboard's sampling thread; a context seen for the first time gets its grid then.
"""
import html

import ipywidgets as widgets

from . import render
from .dashboard_text import PROCESS_LABELS, context_labels, format_figure

_SPARK_WIDTH, _SPARK_HEIGHT = 140, 24
_GRID_LAYOUT = dict(grid_template_columns="190px 110px %dpx" % (_SPARK_WIDTH + 10), grid_gap="0px 6px")


class DashboardView:
    def __init__(self, interval, window, history_charts=None):
        from .charts_widget import ChartsWidget
        self._history_charts = history_charts
        self.history = ChartsWidget(layout=widgets.Layout(width="100%"))   # uPlot charts
        self.values = {}                     # (section, field) -> Label with the figure's text
        self.sparks = {}                     # (section, field) -> HTML with the figure's sparkline
        self._sections = {}                  # section -> its box
        self.title = widgets.HTML("<b>mxnb dashboard</b>")
        self.status = widgets.Label("")
        self.contexts_box = widgets.HBox(layout=widgets.Layout(flex_flow="row wrap"))
        process = self._grid("process", PROCESS_LABELS)
        operators = self._grid("operators", (("ops_per_second", "operators per second"),))
        self.top_ops = widgets.HTML("")
        self.window_note = widgets.HTML("<i>operators and CPU over the last %g s</i>" % window)
        self.root = widgets.VBox([
            widgets.HBox([self.title, self.status]),
            self.contexts_box,
            widgets.HBox([process, widgets.VBox([operators, self.top_ops, self.window_note])],
                         layout=widgets.Layout(flex_flow="row wrap")),
            self.history,
        ], layout=widgets.Layout(max_width="100%"))

    def _grid(self, section, labels):
        cells = [widgets.HTML("<b>%s</b>" % html.escape(section)), widgets.Label(""), widgets.Label("")]
        for field, label in labels:
            value = widgets.Label("—")
            spark = widgets.HTML("")
            self.values[(section, field)] = value
            self.sparks[(section, field)] = spark
            cells += [widgets.Label(label), value, spark]
        box = widgets.GridBox(cells, layout=widgets.Layout(margin="0 24px 8px 0", **_GRID_LAYOUT))
        self._sections[section] = box
        return box

    def _context_grid(self, name):
        if name not in self._sections:
            box = self._grid(name, context_labels(name))
            self.contexts_box.children = tuple(self.contexts_box.children) + (box,)

    def update(self, snapshot):
        history = snapshot["history"]
        for name, figures in snapshot["contexts"].items():
            self._context_grid(name)
            past = history["contexts"].get(name, {})
            for field, _ in context_labels(name):
                self._show(name, field, figures.get(field), past.get(field, []))
        for field, _ in PROCESS_LABELS:
            self._show("process", field, snapshot["process"][field], history["process"][field])
        self._show("operators", "ops_per_second", snapshot["ops_per_second"], history["ops_per_second"])
        rows = [(op, "%.1f ms" % (1e3 * seconds), "{:,}".format(count)) for op, seconds, count in snapshot["top_ops"]]
        self.top_ops.value = render.html_table(rows, header=("slowest operators", "time", "calls")) if rows else ""
        if self._history_charts is not None:
            self.history.set_charts(self._history_charts(snapshot))

    def _show(self, section, field, value, past):
        self.values[(section, field)].value = format_figure(field, value)
        if any(v is not None for v in past):
            self.sparks[(section, field)].value = render.sparkline_svg(past, _SPARK_WIDTH, _SPARK_HEIGHT)

    def set_status(self, running, interval, error):
        text = ("updating every %g s" % interval) if running else "stopped"
        if error:
            text += " — last sample failed: %s" % error
        self.status.value = text

    def close(self):
        _close_tree(self.root)


def _close_tree(widget):
    """Closes `widget` and every widget inside it (their comms and frontend views)."""
    for child in getattr(widget, "children", ()):
        _close_tree(child)
    widget.close()
