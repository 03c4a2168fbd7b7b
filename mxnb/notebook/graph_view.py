"""`show_graph`: draws a Symbol, a hybridized block or an autograd tape with one drawing code.

The drawing follows `mx.viz.plot_network` (operator labels and colours) and adds what a learner
debugging a network wants: full output shapes on the edges, parameters hidden or shown, a
hybridized block's call drawn as a cluster inside a tape, and each node's details on demand.
Without Graphviz's `dot` it says how to install it and shows the layer table instead.
"""
import html
import shutil

from .graph_document import GRAPH_MIME, graph_document
from .graph_model import model_of
from .graph_svg import document_svg
from .render import array_stats, html_table

__all__ = ["show_graph", "GraphView", "DOT_MISSING_MESSAGE"]

# Fill colours in mx.viz.plot_network's order.
_COLORS = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5")
_NODE_STYLE = {"shape": "box", "fixedsize": "false", "width": "1.3", "height": "0.6",
               "style": "filled", "fontsize": "11"}

DOT_MISSING_MESSAGE = (
    "Graphviz's 'dot' program was not found, so the graph cannot be drawn. Install it with "
    "`apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) or "
    "`conda install graphviz`, then run this cell again. The layers are listed below.")
_PACKAGE_MISSING_MESSAGE = (
    "The graphviz Python package is not installed, so the graph cannot be drawn: "
    "`pip install graphviz` (it also needs Graphviz's 'dot': `apt-get install graphviz` or "
    "`conda install graphviz`). The layers are listed below.")


def show_graph(x, shapes=None, hide_weights=True, params=None, title=None):
    """A drawing of `x`'s graph that displays itself in Jupyter.

    x: a Symbol; a HybridBlock that was hybridized and run once (or given a sample input in
       `shapes`); or an NDArray computed under `autograd.record()` (its tape is drawn).
    shapes: for a Symbol, {input name: shape}; for a block, a sample input array or shape (or
       that dict). Tapes carry their own shapes.
    hide_weights: leave out weights, biases and running statistics.
    params: for a tape, the block or ParameterDict whose parameters it used, to name them.
    """
    return GraphView(model_of(x, shapes=shapes, params=params), hide_weights=hide_weights,
                     title=title)


def format_shape(shape):
    if shape is None:
        return ""
    return "x".join("?" if d == 0 else str(d) for d in shape)


def _spatial(value):
    """'(3, 3)' -> '3x3', as plot_network writes kernels and strides."""
    return "x".join(part.strip() for part in value.strip("()[] ").split(",") if part.strip())


def node_label_and_color(node):
    """(label, fill colour) of a drawn node, as mx.viz.plot_network labels operators."""
    op, attrs = node.op, node.attrs
    if op is None:
        return node.name, _COLORS[0]
    if op == "Convolution":
        return ("Convolution\n%s/%s, %s" % (_spatial(attrs.get("kernel", "")),
                                            _spatial(attrs.get("stride", "")) or "1",
                                            attrs.get("num_filter", "")), _COLORS[1])
    if op == "FullyConnected":
        return "FullyConnected\n%s" % attrs.get("num_hidden", ""), _COLORS[1]
    if op == "BatchNorm":
        return node.name, _COLORS[3]
    if op in ("Activation", "LeakyReLU"):
        return "%s\n%s" % (op, attrs.get("act_type", "relu" if op == "Activation" else "leaky")), _COLORS[2]
    if op == "Pooling":
        kernel = _spatial(attrs.get("kernel", "")) or "[]"
        return ("Pooling\n%s, %s/%s" % (attrs.get("pool_type", "max"), kernel,
                                        _spatial(attrs.get("stride", "")) or "1"), _COLORS[4])
    if op in ("Concat", "Flatten", "Reshape"):
        return node.name, _COLORS[5]
    if op in ("Softmax", "SoftmaxOutput", "softmax", "log_softmax"):
        return node.name, _COLORS[6]
    # Other operators: the name, with the operator type when the name does not already say it.
    if node.name.lower().startswith(op.lower().lstrip("_")):
        return node.name, _COLORS[7]
    return "%s\n%s" % (op, node.name), _COLORS[7]


def build_digraph(model, hide_weights=True, title=None):
    """graphviz.Digraph of `model`; edges point from a node to its inputs, as in plot_network."""
    from graphviz import Digraph
    dot = Digraph(name=title or model.title, format="svg")
    dot.attr(rankdir="BT")
    hidden = set()
    clusters = {}
    for node in model.nodes:
        if node.is_variable and node.role != "input" and hide_weights:
            hidden.add(node.key)
            continue
        label, color = node_label_and_color(node)
        style = dict(_NODE_STYLE, fillcolor=color, tooltip=_tooltip(model, node))
        if node.is_variable:
            style["shape"] = "oval" if node.role == "input" else "ellipse"
            if node.role != "input":
                style.update(fontsize="9", height="0.3")
        target = dot
        if node.group is not None:
            target = clusters.setdefault(node.group, [])
            target.append((node, label, style))
            continue
        target.node(node.key, label=label, **style)
    for group, members in clusters.items():
        with dot.subgraph(name="cluster_" + group) as cluster:
            cluster.attr(label="hybridized: %s" % group, style="dashed", color="#888888")
            for node, label, style in members:
                cluster.node(node.key, label=label, **style)
    for node in model.nodes:
        for source, index in node.inputs:
            if source.key in hidden:
                continue
            shape = source.out_shapes[index] if index < len(source.out_shapes) else None
            dot.edge(node.key, source.key, label=format_shape(shape), dir="back",
                     arrowtail="open", fontsize="9")
    return dot


def _tooltip(model, node):
    details = node_details(model, node.name)
    lines = ["%s (%s)" % (node.name, node.op or node.role)]
    lines += ["%s=%s" % item for item in details["attrs"].items()]
    lines.append("out: " + ", ".join(format_shape(s) or "?" for s in details["output_shapes"]))
    return "\n".join(lines)


def node_details(model, name):
    """What is known of node `name`: operator, attributes, inputs (with shapes), output shapes."""
    node = model.by_name.get(name)
    if node is None:
        raise KeyError("no node named %r in this graph; nodes are %s"
                       % (name, [n.name for n in model.nodes]))
    details = {
        "name": node.name, "op": node.op, "role": node.role, "group": node.group,
        "attrs": dict(node.attrs),
        "inputs": [{"name": src.name, "index": index, "argument": role,
                    "shape": src.out_shapes[index] if index < len(src.out_shapes) else None}
                   for (src, index), role in zip(node.inputs, node.input_roles)],
        "output_shapes": list(node.out_shapes),
        "users": [user.name for user in model.users(node)],
        "num_params": model.param_count(node) if node.op else None,
    }
    if node.values:
        # Tapes keep the values each node computed: the first thing to look at when a loss is NaN.
        details["output_stats"] = [array_stats(v) for v in node.values]
    return details


def layer_rows(model):
    """Rows (name, operator, output shape, parameters) of the model's operators, in order."""
    rows = []
    for node in model.nodes:
        if node.is_variable:
            if node.role == "input":
                rows.append([node.name, "input", format_shape(node.out_shapes[0]), 0])
            continue
        count = model.param_count(node)
        rows.append([node.name, node.op, ", ".join(format_shape(s) or "?" for s in node.out_shapes),
                     "?" if count is None else count])
    return rows


LAYER_HEADER = ["Layer", "Operator", "Output shape", "Parameters"]


class GraphView:
    """A drawn graph: `.digraph`, `.source`, `.nodes`, `.node_details(name)`, and a notebook view."""

    def __init__(self, model, hide_weights=True, title=None):
        self.model = model
        self.hide_weights = hide_weights
        self.title = title or model.title
        self._digraph = None

    # --- plain accessors ----------------------------------------------------------------------
    @property
    def nodes(self):
        """The drawn nodes' names, inputs before users (weights left out when hidden)."""
        return [n.name for n in self.model.nodes
                if not (self.hide_weights and n.is_variable and n.role != "input")]

    @property
    def digraph(self):
        if self._digraph is None:
            self._digraph = build_digraph(self.model, self.hide_weights, self.title)
        return self._digraph

    @property
    def source(self):
        return self.digraph.source

    def edges(self):
        """[(input name, user name, shape label)] of every drawn edge."""
        shown = set(self.nodes)
        return [(src.name, node.name, format_shape(src.out_shapes[index]))
                for node in self.model.nodes for src, index in node.inputs
                if src.name in shown and node.name in shown]

    def node_details(self, name):
        return node_details(self.model, name)

    def layer_rows(self):
        return layer_rows(self.model)

    def layer_table_html(self):
        return html_table(self.layer_rows(), LAYER_HEADER)

    # --- rendering ------------------------------------------------------------------------------
    def svg(self):
        """SVG text of the drawing; raises GraphvizUnavailable where it cannot be drawn."""
        if shutil.which("dot") is None:
            raise GraphvizUnavailable(DOT_MISSING_MESSAGE)
        try:
            import graphviz
        except ImportError:
            raise GraphvizUnavailable(_PACKAGE_MISSING_MESSAGE) from None
        try:
            return self.digraph.pipe(format="svg").decode("utf-8")
        except graphviz.ExecutableNotFound:
            raise GraphvizUnavailable(DOT_MISSING_MESSAGE) from None

    def html(self):
        """The drawing as HTML, or the install message and the layer table where it cannot be."""
        try:
            return '<div style="overflow:auto">%s</div>' % self.svg()
        except GraphvizUnavailable as missing:
            return ('<div style="color:#a33;margin:4px 0">%s</div>%s'
                    % (html.escape(str(missing)), self.layer_table_html()))

    def document(self, highlight=None):
        """The graph as the JSON document mxnb's JupyterLab extension draws."""
        return graph_document(self.model, self.hide_weights, self.title, highlight)

    def _repr_mimebundle_(self, include=None, exclude=None):
        # The extension draws the document (pan, zoom, collapsible layers, details on click);
        # every other front end, and a notebook saved without the extension, shows the picture:
        # Graphviz's when `dot` is installed, else mxnb's own layout (no system Graphviz needed).
        doc = self.document()
        try:
            svg = self.svg()
        except GraphvizUnavailable:
            svg = document_svg(doc)
        return {GRAPH_MIME: doc, "image/svg+xml": svg, "text/plain": self._text()}

    def _text(self):
        return "<GraphView %s: %d nodes>" % (self.title, len(self.nodes))

    def __repr__(self):
        return self._text()

    def details_html(self, name):
        return details_html(self.node_details(name))

    def details_widget(self):
        """A node picker with the picked node's details below it (`.picker`, `.details`)."""
        import ipywidgets as widgets
        names = self.nodes
        picker = widgets.Dropdown(options=names, value=names[-1] if names else None,
                                  description="Node:")
        details = widgets.HTML(self.details_html(picker.value) if names else "")

        def on_pick(change):
            details.value = self.details_html(change["new"])

        picker.observe(on_pick, names="value")
        box = widgets.VBox([picker, details])
        box.picker, box.details = picker, details
        return box

    def widget(self):
        """The drawing and the node picker in one widget."""
        import ipywidgets as widgets
        explorer = self.details_widget()
        box = widgets.VBox([widgets.HTML(self.html()), explorer])
        box.picker, box.details = explorer.picker, explorer.details
        return box

    def _ipython_display_(self):
        # The drawing goes out as a plain SVG/HTML output, so it stays visible in a saved
        # notebook; only the node picker needs a live kernel.
        from IPython.display import display
        display(self._repr_mimebundle_(), raw=True)
        try:
            display(self.details_widget())
        except ImportError:
            pass


class GraphvizUnavailable(RuntimeError):
    """Graphviz (the Python package or its `dot` program) is missing."""


def details_html(details):
    rows = [["name", details["name"]], ["operator", details["op"] or "variable (%s)" % details["role"]]]
    if details["group"]:
        rows.append(["inside", details["group"]])
    rows += [["attr " + key, value] for key, value in details["attrs"].items()]
    rows += [["input %s" % (item["argument"] or i), "%s[%d] %s" % (item["name"], item["index"],
                                                                 format_shape(item["shape"]) or "?")]
             for i, item in enumerate(details["inputs"])]
    rows += [["output %d" % i, format_shape(shape) or "?"] for i, shape in enumerate(details["output_shapes"])]
    if details["num_params"] is not None:
        rows.append(["parameters", details["num_params"]])
    rows.append(["used by", ", ".join(details["users"]) or "(graph output)"])
    for i, stats in enumerate(details.get("output_stats", ())):
        rows.append(["value %d" % i, "min %s max %s mean %s std %s NaN %d Inf %d" % (
            _short(stats["min"]), _short(stats["max"]), _short(stats["mean"]), _short(stats["std"]),
            stats["nan"], stats["inf"])])
    return html_table(rows)


def _short(value):
    return "-" if value is None else "%.4g" % value
