"""The debugger's current node as static HTML (tables of statistics, histograms, heatmaps): the
picture a saved notebook shows where the widget (debugger_widget.py) cannot render."""
import html

import numpy as np

from .render import Raw, array_stats, heatmap_png, histogram_svg, html_table, png_data_uri

__all__ = ["node_html", "tensor_rows"]

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
