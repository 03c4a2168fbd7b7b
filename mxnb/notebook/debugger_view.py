"""The debugger's widget: buttons, the highlighted graph and the current node's tensors.

Every button calls the Debugger's plain method; the view only redraws after each move, so the
widget and the methods can never disagree (and tests drive it through the widget models).
"""
import html

import numpy as np

from .debugger_graph import phase_svg
from .render import Raw, array_stats, heatmap_png, histogram_svg, html_table, png_data_uri

__all__ = ["DebuggerView", "node_html", "tensor_rows"]

_BUTTONS = (("Step", "step"), ("Step over", "step_over"), ("Continue", "continue_"),
            ("Back", "back"), ("Run", "run"), ("Reset", "reset"))


def _number(value):
    return "" if value is None else "%.4g" % value


def _image_like(value):
    """A 2-D picture of the array when it has one: (H, W), or the first map of (N, C, H, W)."""
    if value.ndim >= 2 and value.shape[-1] >= 4 and value.shape[-2] >= 4 and value.dtype.kind == "f":
        return value.reshape((-1,) + value.shape[-2:])[0]
    return None


def tensor_rows(tensors, with_source):
    """Table rows for (name, [source,] array) triples: shape, stats, histogram, heatmap."""
    rows = []
    for item in tensors:
        name, value = item[0], item[-1]
        s = array_stats(value)
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value.ravel()
        hist = Raw(histogram_svg(finite.ravel(), width=160, height=40)) if finite.size else ""
        picture = _image_like(value)
        image = ""
        if picture is not None:
            image = Raw('<img src="%s" style="image-rendering:pixelated;height:48px">'
                        % png_data_uri(heatmap_png(picture)))
        nonfinite = "%d / %d" % (s["nan"], s["inf"]) if (s["nan"] or s["inf"]) else ""
        row = [name] + ([item[1]] if with_source else []) + [
            str(s["shape"]), s["dtype"], _number(s["min"]), _number(s["max"]), _number(s["mean"]),
            _number(s["std"]), nonfinite, hist, image]
        rows.append(row)
    return rows


def node_html(debugger):
    """The panel for the current node: where, why it stopped, attributes, inputs and outputs."""
    event = debugger.event
    parts = ['<div class="mxnb-debugger-node" style="font-family:monospace;font-size:12px">']
    if event is None:
        parts.append("<b>Before the first node</b>: %d forward and %d backward nodes recorded."
                     % (debugger.trace.forward_count, debugger.trace.backward_count))
    else:
        parts.append("<b>%s %d/%d</b> &nbsp; node <b>%s</b> &nbsp; operator <b>%s</b>"
                     % (event.phase, event.index + 1, len(debugger.trace), html.escape(event.name),
                        html.escape(event.op)))
        if event.layer:
            parts.append(" &nbsp; layer %s" % html.escape(event.layer))
        if event.owner:
            parts.append("<br>gradient of forward node %s" % html.escape(event.owner))
    if debugger.stop_reason:
        parts.append('<br><span style="color:#c00">stopped: %s</span>' % html.escape(debugger.stop_reason))
    if event is not None:
        if event.attrs:
            parts.append("<br>attributes: %s" % html.escape(
                ", ".join("%s=%s" % kv for kv in sorted(event.attrs.items()))))
        stats = ["min", "max", "mean", "std", "NaN / Inf", "histogram", "heatmap"]
        parts.append("<h4 style='margin:6px 0 2px'>inputs</h4>")
        parts.append(html_table(tensor_rows(event.inputs, True),
                                ["input", "from", "shape", "dtype"] + stats))
        title = "gradients" if event.phase == "backward" else "outputs"
        parts.append("<h4 style='margin:6px 0 2px'>%s</h4>" % title)
        parts.append(html_table(tensor_rows(event.outputs, False),
                                [title[:-1], "shape", "dtype"] + stats))
    parts.append("</div>")
    return "".join(parts)


class DebuggerView:
    """ipywidgets: a row of buttons, the graph (SVG) and the node panel (HTML)."""

    def __init__(self, debugger):
        import ipywidgets as widgets
        self.debugger = debugger
        self.buttons = {}
        for label, method in _BUTTONS:
            button = widgets.Button(description=label, layout=widgets.Layout(width="90px"))
            button.on_click(lambda _, method=method: getattr(debugger, method)())
            self.buttons[label] = button
        self.status = widgets.HTML()
        self.graph = widgets.HTML(layout=widgets.Layout(max_height="520px", overflow="auto",
                                                        width="40%"))
        self.panel = widgets.HTML(layout=widgets.Layout(width="60%"))
        self.widget = widgets.VBox([widgets.HBox(list(self.buttons.values())), self.status,
                                    widgets.HBox([self.graph, self.panel])])
        debugger.on_move(self.refresh)
        self.refresh()

    def refresh(self):
        dbg = self.debugger
        self.status.value = "<pre style='margin:0'>%s</pre>" % html.escape(dbg.where().split("\n")[0])
        self.panel.value = node_html(dbg)
        try:
            self.graph.value = phase_svg(dbg.trace, dbg.position)
        except (ImportError, RuntimeError, OSError) as exc:  # no graphviz `dot`: the panel still works
            self.graph.value = "<i>graph unavailable: %s</i>" % html.escape(str(exc))
