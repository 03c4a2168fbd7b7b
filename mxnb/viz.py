"""`mx.viz`: a network as a Graphviz digraph (`plot_network`) or a text table (`print_summary`).

Both read the symbol's MXNet 1.x JSON, its internals and `infer_shape`, and reproduce MXNet 1.9.1's
output: the same labels, colours and edge labels, and the same table layout and parameter counts
(including MXNet's counting rules, e.g. a FullyConnected's input width is the first non-batch
dimension of its input). graphviz is imported only inside `plot_network`.
"""
import copy
import json
import re
import warnings

import numpy as np

from .base import MXNetError, ShapeError

__all__ = ["plot_network", "print_summary"]

# Node fill colours, in MXNet's order.
_COLORS = ("#8dd3c7", "#fb8072", "#ffffb3", "#bebada", "#80b1d3", "#fdb462", "#b3de69", "#fccde5")
_WEIGHT_SUFFIXES = ("_weight", "_bias", "_beta", "_gamma",
                    "_moving_var", "_moving_mean", "_running_var", "_running_mean")


class GraphvizMissingError(MXNetError, ImportError):
    """The graphviz Python package is not installed."""


def _str2tuple(string):
    """The digits groups of a shape string: "(3, 3)" -> ['3', '3']."""
    return re.findall(r"\d+", string)


def _check_symbol(symbol):
    from .symbol import Symbol
    if not isinstance(symbol, Symbol):
        raise TypeError("symbol must be a Symbol, found %s" % type(symbol).__name__)


def _internal_shapes(symbol, shape):
    """{internal output name: shape} from the given input shapes."""
    internals = symbol.get_internals()
    _, out_shapes, _ = internals.infer_shape(**shape)
    if out_shapes is None:
        raise ShapeError("Input shape is incomplete: the shapes %s do not determine every layer's "
                         "output shape" % (shape,))
    return dict(zip(internals.list_outputs(), out_shapes))


def _internal_types(symbol, dtype):
    internals = symbol.get_internals()
    _, out_types, _ = internals.infer_type(**dtype)
    if out_types is None:
        raise MXNetError("Input type is incomplete: the types %s do not determine every layer's "
                         "output type" % (dtype,))
    return dict(zip(internals.list_outputs(), out_types))


def _entry_key(node, index, table):
    """The internals' name of output `index` of JSON node `node` (a variable: its own name)."""
    if node["op"] == "null":
        return node["name"]
    key = node["name"] + "_output"
    return key if key in table else key + str(index)


# --- print_summary -------------------------------------------------------------------------
def _print_row(fields, positions):
    line = ""
    for field, end in zip(fields, positions):
        line += str(field)
        line = line[:end]
        line += " " * (end - len(line))
    print(line)


def _layer_params(node, input_width, shape_dict):
    """Parameter count of one layer, by MXNet 1.9.1's rules."""
    op, attrs = node["op"], node.get("attrs", {})
    no_bias = attrs.get("no_bias") == "True"
    if op == "Convolution":
        count = input_width * int(attrs["num_filter"]) // int(attrs.get("num_group", "1"))
        for k in _str2tuple(attrs["kernel"]):
            count *= int(k)
        return count if no_bias else count + int(attrs["num_filter"])
    if op == "FullyConnected":
        return (input_width if no_bias else input_width + 1) * int(attrs["num_hidden"])
    if op == "BatchNorm":
        key = node["name"] + "_output"
        return int(shape_dict[key][1]) * 2 if shape_dict is not None else 0
    if op == "Embedding":
        return int(attrs["input_dim"]) * int(attrs["output_dim"])
    return 0


def print_summary(symbol, shape=None, line_length=120, positions=[.44, .64, .74, 1.]):
    """Prints each layer's output shape, parameter count and inputs, then the total.

    shape: dict of input name -> shape; without it, shapes are left blank and counts that need
    them are 0 (as in MXNet).
    positions: the right edge of each column, as fractions of line_length or absolute.
    """
    _check_symbol(symbol)
    shape_dict = _internal_shapes(symbol, shape) if shape is not None else None
    conf = json.loads(symbol.tojson())
    nodes = conf["nodes"]
    # MXNet takes the ids in the first head entry [node, output, version] as "head" node ids;
    # that is what makes the data variable (id 0) show up as a previous layer.
    heads = set(conf["heads"][0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]

    def layer_shape(node_id, out_index=0):
        if shape_dict is None:
            return None
        key = _entry_key(nodes[node_id], out_index, shape_dict)
        return shape_dict[key][1:] if key in shape_dict else None

    def summarize(node_id):
        node = nodes[node_id]
        previous, input_width = [], 0
        if node["op"] != "null":
            for src, out_index, _ in node["inputs"]:
                if nodes[src]["op"] != "null" or src in heads:
                    previous.append(nodes[src]["name"])
                    src_shape = layer_shape(src, out_index)
                    if src_shape is not None:
                        input_width += int(src_shape[0])
        params = _layer_params(node, input_width, shape_dict)
        out_shape = layer_shape(node_id) if (node["op"] != "null" or node_id in heads) else None
        _print_row([node["name"] + "(" + node["op"] + ")",
                    "x".join(str(x) for x in (out_shape or ())),
                    params, previous[0] if previous else ""], positions)
        for name in previous[1:]:
            _print_row(["", "", "", name], positions)
        return params

    print("_" * line_length)
    _print_row(["Layer (type)", "Output Shape", "Param #", "Previous Layer"], positions)
    print("=" * line_length)
    total_params = 0
    for node_id, node in enumerate(nodes):
        if node["op"] == "null" and node_id > 0:
            continue  # variables other than the first (the data) are parameters, not layers
        total_params += summarize(node_id)
        print(("=" if node_id == len(nodes) - 1 else "_") * line_length)
    print("Total params: {params}".format(params=total_params))
    print("_" * line_length)


# --- plot_network --------------------------------------------------------------------------
def _import_digraph():
    try:
        from graphviz import Digraph
    except ImportError:
        raise GraphvizMissingError("mx.viz.plot_network needs the graphviz Python package, which "
                                   "is not installed: pip install graphviz (and the Graphviz "
                                   "'dot' program to render)") from None
    return Digraph


def _looks_like_weight(name):
    return name.endswith(_WEIGHT_SUFFIXES)


def _node_label_and_color(node):
    """(label, fill colour) of an operator node, as MXNet draws it."""
    op, name, attrs = node["op"], node["name"], node.get("attrs", {})
    if op == "Convolution":
        return ("Convolution\n{kernel}/{stride}, {filter}".format(
            kernel="x".join(_str2tuple(attrs["kernel"])),
            stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1",
            filter=attrs["num_filter"]), _COLORS[1])
    if op == "FullyConnected":
        return "FullyConnected\n{}".format(attrs["num_hidden"]), _COLORS[1]
    if op == "BatchNorm":
        return name, _COLORS[3]
    if op == "Activation":
        return "Activation\n{}".format(attrs["act_type"]), _COLORS[2]
    if op == "LeakyReLU":
        return "LeakyReLU\n{}".format(attrs.get("act_type", "Leaky")), _COLORS[2]
    if op == "Pooling":
        return ("Pooling\n{pooltype}, {kernel}/{stride}".format(
            pooltype=attrs["pool_type"],
            kernel="x".join(_str2tuple(attrs["kernel"])) if "kernel" in attrs else "[]",
            stride="x".join(_str2tuple(attrs["stride"])) if "stride" in attrs else "1"), _COLORS[4])
    if op in ("Concat", "Flatten", "Reshape"):
        return name, _COLORS[5]
    if op == "Softmax":
        return name, _COLORS[6]
    if op == "Custom":
        return attrs["op_type"], _COLORS[7]
    return name, _COLORS[7]


def _warn_repeated_names(nodes):
    seen, repeated = set(), []
    for node in nodes:
        if node["name"] in seen and node["name"] not in repeated:
            repeated.append(node["name"])
        seen.add(node["name"])
    if repeated:
        warnings.warn("There are multiple variables with the same name in your graph, this may "
                      "result in cyclic graph. Repeated names: " + ",".join(repeated), RuntimeWarning)


def _type_name(value):
    return np.dtype(value).name


def plot_network(symbol, title="plot", save_format="pdf", shape=None, dtype=None, node_attrs={},
                 hide_weights=True):
    """A graphviz.Digraph of the graph computing `symbol`, as MXNet 1.x draws it.

    shape / dtype: dicts of input name -> shape / type; edges are then labelled with the tensor
    shapes (without the batch axis) and types flowing along them.
    node_attrs: Graphviz node attributes overriding the defaults.
    hide_weights: leave out variables named like weights (*_weight, *_bias, *_gamma, ...).
    """
    Digraph = _import_digraph()
    _check_symbol(symbol)
    shape_dict = _internal_shapes(symbol, shape) if shape is not None else None
    type_dict = _internal_types(symbol, dtype) if dtype is not None else None
    nodes = json.loads(symbol.tojson())["nodes"]
    _warn_repeated_names(nodes)

    default_attr = {"shape": "box", "fixedsize": "true", "width": "1.3", "height": "0.8034",
                    "style": "filled"}
    default_attr.update(node_attrs)
    dot = Digraph(name=title, format=save_format)

    hidden = set()
    for node in nodes:
        attr = copy.deepcopy(default_attr)
        if node["op"] == "null":
            if _looks_like_weight(node["name"]):
                if hide_weights:
                    hidden.add(node["name"])
                continue  # shown weights are drawn by their edges alone, as in MXNet
            attr["shape"] = "oval"
            label, attr["fillcolor"] = node["name"], _COLORS[0]
        else:
            label, attr["fillcolor"] = _node_label_and_color(node)
        dot.node(name=node["name"], label=label, **attr)

    for node in nodes:
        if node["op"] == "null":
            continue
        inputs = node["inputs"]
        if node["op"] == "_contrib_BilinearResize2D":
            inputs = inputs[:1]  # its second input only gives a shape
        for src, out_index, _ in inputs:
            input_node = nodes[src]
            if input_node["name"] in hidden:
                continue
            attr = {"dir": "back", "arrowtail": "open", "label": ""}
            if shape_dict is not None:
                key = _entry_key(input_node, out_index, shape_dict)
                if key in shape_dict:
                    attr["label"] = "x".join(str(x) for x in shape_dict[key][1:])
            if type_dict is not None:
                key = _entry_key(input_node, out_index, type_dict)
                if key in type_dict:
                    attr["label"] += "(" + _type_name(type_dict[key]) + ")"
            dot.edge(tail_name=node["name"], head_name=input_node["name"], **attr)
    return dot
