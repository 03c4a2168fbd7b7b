"""HTML views of NDArrays, Symbols and Blocks: what a notebook shows for them (see formatters.py).

An array shows its statistics first (NaN and Inf counts are what a debugging learner needs),
then a preview of its values, a histogram, and a heatmap when it looks like an image.
"""
import html

import numpy as np

from .render import Raw, array_stats, heatmap_png, histogram_svg, html_table, png_data_uri, to_numpy

__all__ = ["array_html", "symbol_html", "block_html", "block_layer_rows", "display_array",
           "BLOCK_HEADER"]

_PREVIEW_OPTIONS = {"threshold": 60, "edgeitems": 3, "precision": 4, "max_line_width": 100}
_MAX_HEATMAP_SIDE = 256     # bigger arrays are subsampled: the picture is a glance, not the data
_MAX_CHANNELS = 4


def _figure(value):
    return "-" if value is None else "%.6g" % value


def array_html(array, heatmap=True):
    """The HTML shown for an NDArray (or NumPy array) in a notebook."""
    stats = array_stats(array)
    data = to_numpy(array)
    shape = "x".join(str(d) for d in stats["shape"]) or "scalar"
    title = "%s %s %s @%s" % (type(array).__name__, shape, stats["dtype"], stats["ctx"])
    bad = stats["nan"] + stats["inf"]
    stat_rows = [["min", _figure(stats["min"])], ["max", _figure(stats["max"])],
                 ["mean", _figure(stats["mean"])], ["std", _figure(stats["std"])],
                 ["NaN", stats["nan"]], ["Inf", stats["inf"]]]
    warning = ('<div style="color:#c00;font-weight:bold">%d NaN, %d Inf</div>'
               % (stats["nan"], stats["inf"])) if bad else ""
    preview = html.escape(np.array2string(data, **_PREVIEW_OPTIONS)) if data.size else "[]"
    pictures = []
    if data.size > 1 and data.dtype.kind in "biuf":
        pictures.append(histogram_svg(data))
    if heatmap:
        pictures.extend('<img src="%s" title="%s" style="image-rendering:pixelated;margin:2px"/>'
                        % (png_data_uri(heatmap_png(image)), html.escape(label))
                        for label, image in image_planes(data))
    return ('<div class="mxnb-ndarray" style="font-family:monospace;font-size:12px">'
            '<div><b>%s</b></div>%s<div style="display:flex;gap:16px;align-items:flex-start">'
            '<div>%s</div><div>%s</div></div><pre style="margin:4px 0">%s</pre></div>'
            % (html.escape(title), warning, html_table(stat_rows), "".join(pictures), preview))


def image_planes(data):
    """[(label, 2-D array)] for arrays that look like an image or a channel stack, else []."""
    if data.dtype.kind not in "biuf" or data.size < 4:
        return []
    if data.ndim == 2 and min(data.shape) >= 2:
        return [("heatmap", _subsample(data))]
    if data.ndim == 3 and min(data.shape[1:]) >= 2:
        count = min(data.shape[0], _MAX_CHANNELS)
        return [("channel %d" % i, _subsample(data[i])) for i in range(count)]
    return []


def _subsample(plane):
    step = max(1, -(-max(plane.shape) // _MAX_HEATMAP_SIDE))
    return plane[::step, ::step]


def display_array(array):
    """Shows `array` with its statistics and heatmap in the notebook, wherever it is called."""
    from IPython.display import HTML, display
    display(HTML(array_html(array)))


def symbol_html(symbol):
    """A Symbol: its drawing (or the layer table where Graphviz is missing) and its names."""
    from .graph_view import show_graph
    view = show_graph(symbol)
    names = html_table([["arguments", ", ".join(symbol.list_arguments())],
                        ["outputs", ", ".join(symbol.list_outputs())],
                        ["auxiliary states", ", ".join(symbol.list_auxiliary_states()) or "-"]])
    return '<div class="mxnb-symbol">%s%s</div>' % (names, view.html())


# --- blocks -----------------------------------------------------------------------------------
BLOCK_HEADER = ["Layer", "Type", "Output shape", "Parameters", "Initialised"]


def _param_state(params):
    """'yes', 'no', 'deferred' or 'partly' for a collection of Parameters."""
    from ..base import MXNetError
    states = set()
    for param in params:
        try:
            param.list_data()
            states.add("yes")
        except MXNetError as exc:
            states.add("deferred" if "eferred" in type(exc).__name__ else "no")
    if not states:
        return "-"
    return states.pop() if len(states) == 1 else "partly"


def _param_count(params):
    total = 0
    for param in params:
        shape = param.shape
        if shape is None or any(d <= 0 for d in shape):
            return None
        total += int(np.prod(shape, dtype=np.int64))
    return total


def _walk(block, path, depth):
    yield path, block, depth
    for key, child in block.named_children():
        yield from _walk(child, key if not path else "%s.%s" % (path, key), depth + 1)


def block_layer_rows(block, *inputs):
    """[layer path, type, output shape, parameter count, initialised] for `block` and its children.

    Output shapes are known when sample `inputs` are given (a forward pass under
    `autograd.pause()` with temporary hooks) or after a hybridized block has run.
    """
    shapes = _output_shapes(block, inputs)
    rows = []
    for path, child, depth in _walk(block, "", 0):
        params = list(child.collect_params().values())
        count = _param_count(params)
        label = ("  " * depth) + (path.rsplit(".", 1)[-1] if path else child.name)
        rows.append([label, type(child).__name__, shapes.get(id(child), ""),
                     "?" if count is None else count, _param_state(params)])
    return rows


def _output_shapes(block, inputs):
    """{id(block): shape text} from a forward pass on `inputs` (empty without inputs)."""
    if not inputs:
        return {}
    from .. import autograd
    found = {}
    handles = []

    def record(child, _, outputs):
        found[id(child)] = _shape_text(outputs)

    for _, child, _ in _walk(block, "", 0):
        handles.append(child.register_forward_hook(record))
    # Hybridized children do not call their own children: run the plain graph for the table.
    try:
        with autograd.pause(), block.imperative():
            block(*inputs)
    finally:
        for handle in handles:
            handle.detach()
    return found


def _shape_text(outputs):
    if isinstance(outputs, (list, tuple)):
        return ", ".join(_shape_text(o) for o in outputs)
    shape = getattr(outputs, "shape", None)
    return "x".join(str(d) for d in shape) if shape is not None else ""


def block_html(block, *inputs):
    """A Block: a table of its layers (type, output shape when known, parameters, initialised)."""
    rows = block_layer_rows(block, *inputs)
    total = _param_count(block.collect_params().values())
    title = "%s %s: %s parameters" % (type(block).__name__, block.name,
                                      "?" if total is None else format(total, ","))
    rows = [[Raw("<pre style='margin:0'>%s</pre>" % html.escape(row[0]))] + row[1:] for row in rows]
    return ('<div class="mxnb-block"><div><b>%s</b></div>%s</div>'
            % (html.escape(title), html_table(rows, BLOCK_HEADER)))
