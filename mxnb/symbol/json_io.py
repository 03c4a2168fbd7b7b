"""Symbols to and from MXNet 1.x's JSON graph format (files written by MXNet 1.9.1 load).

Control-flow nodes carry their bodies as "subgraphs" (graphs of the same form), converted by
`_control_flow_json`."""
import json

from ..base import MXNetError
from ..fileio import remove_stale_temporaries
from ..graph.node import Node, topo_sort
from ..ops import registry
from .symbol import Symbol, HIDDEN_KEYS, given_attrs
from . import _control_flow_json as control_flow_json

MXNET_VERSION = 10901


def to_json(symbol):
    graph = _graph_dict(symbol._outputs)
    graph["attrs"] = {"mxnet_version": ["int", MXNET_VERSION]}
    return json.dumps(graph, indent=2)


def _graph_dict(outputs):
    """The graph of entries `outputs` as MXNet's JSON object (control-flow nodes carry their
    bodies as "subgraphs", graphs of this form)."""
    nodes = topo_sort(outputs)
    index = {id(n): i for i, n in enumerate(nodes)}
    out_nodes, arg_nodes, row_ptr = [], [], [0]
    for i, node in enumerate(nodes):
        entry = {"op": "null" if node.op is None else node.op.name, "name": node.name}
        attrs = dict(node.user_attrs)
        subgraphs = None
        num_outputs = 1 if node.op is None else node.num_outputs
        if node.op is not None and node.op.name in control_flow_json.CONTROL_FLOW_OPS:
            written, subgraphs = control_flow_json.write(node, _graph_dict)
            attrs.update(written)
            num_outputs = node.op.num_visible_outputs(node.attrs)
        elif node.op is not None:
            attrs.update(given_attrs(node.op, node.attrs, node.given))
        if attrs:
            entry["attrs"] = dict(sorted(attrs.items()))     # MXNet writes them sorted by key
        entry["inputs"] = [[index[id(c)], j, 0] for c, j in node.inputs]
        if subgraphs is not None:
            entry["subgraphs"] = subgraphs
        out_nodes.append(entry)
        if node.op is None:
            arg_nodes.append(i)
        row_ptr.append(row_ptr[-1] + num_outputs)
    return {"nodes": out_nodes, "arg_nodes": arg_nodes, "node_row_ptr": row_ptr,
            "heads": [[index[id(n)], j, 0] for n, j in outputs]}


def load_json(json_str):
    """A Symbol from MXNet's JSON (also the older 'param'/'attr' keys of MXNet 0.x files).

    Malformed graphs raise an MXNetError naming the node and what is wrong: an input that refers
    to a node not listed before it (a cycle or a bad index), an output index the node does not
    have, a head outside the graph.
    """
    try:
        graph = json.loads(json_str)
    except ValueError as exc:
        raise MXNetError("not an MXNet symbol JSON: %s" % exc) from None
    version = _version_of(graph) if isinstance(graph, dict) else 800
    return Symbol(_load_graph(graph, version))


def _load_graph(graph, version, where=None):
    """The head entries of MXNet JSON graph object `graph` (`where`: which subgraph, for
    errors)."""
    prefix = "" if where is None else where + ": "
    try:
        raw_nodes, heads = graph["nodes"], graph["heads"]
    except (KeyError, TypeError) as exc:
        raise MXNetError("%snot an MXNet symbol JSON: %s" % (prefix, exc)) from None
    if not isinstance(raw_nodes, list) or not isinstance(heads, list):
        raise MXNetError("%snot an MXNet symbol JSON: 'nodes' and 'heads' must be lists" % prefix)
    nodes = []
    for i, raw in enumerate(raw_nodes):
        try:
            op_name, name = raw["op"], raw["name"]
            attrs = dict(raw.get("attrs") or raw.get("param") or {})
            attrs.update(raw.get("attr") or {})
            entries = [(int(e[0]), int(e[1])) for e in raw.get("inputs", [])]
        except (KeyError, TypeError, IndexError, ValueError, AttributeError) as exc:
            raise MXNetError("%ssymbol JSON node %d is malformed: %s" % (prefix, i, exc)) from None
        inputs = [_entry(nodes, i, len(raw_nodes),
                         "%snode %d (%r), input %d" % (prefix, i, name, k), e)
                  for k, e in enumerate(entries)]
        attrs, hidden, per_input = _hidden_keys(attrs)
        if op_name == "null":
            if inputs:
                raise MXNetError("%ssymbol JSON node %d (%r) is a variable ('null' op) but has %d "
                                 "inputs" % (prefix, i, name, len(inputs)))
            user = {k: str(v) for k, v in attrs.items()}
            user.update(hidden)
            user.update({"%s_%s" % key: value for key, value in per_input.items()})
            nodes.append(Node(None, name, user_attrs=user))
            continue
        op = registry.find(op_name)
        if op is None:
            raise MXNetError("%ssymbol JSON node %r uses operator %r, which mxnb does not have"
                             % (prefix, name, op_name))
        user = {k: v for k, v in attrs.items() if k.startswith("__") and k.endswith("__")}
        user.update(hidden)
        params = {k: v for k, v in attrs.items() if k not in user}
        if op.name in control_flow_json.CONTROL_FLOW_OPS:
            nodes.append(control_flow_json.read(
                op, name, params, inputs, raw.get("subgraphs"), user,
                lambda g, sub_where: _load_graph(g, version, prefix + sub_where)))
            continue
        try:
            parsed = op.parse_attrs(params)
        except MXNetError as exc:
            raise MXNetError("%ssymbol JSON node %r: %s" % (prefix, name, exc)) from None
        expected = op.input_names(parsed)
        if len(inputs) < len(expected) and version < 900:
            # files before MXNet 0.9 left auxiliary states out: MXNet's upgrade adds them as
            # variables named after the node, carrying its attributes
            inputs += [(Node(None, "%s_%s" % (name, arg), user_attrs=dict(user)), 0)
                       for arg in expected[len(inputs):]]
        if len(inputs) != len(expected):
            raise MXNetError("%ssymbol JSON node %d (%r, operator %s) has %d inputs, the "
                             "operator takes %d (%s)" % (prefix, i, name, op.name, len(inputs),
                                                         len(expected), ", ".join(expected)))
        node = Node(op, name, parsed, inputs, op.num_outputs(parsed), user)
        node.given = tuple(params)
        _place_per_input(node, expected, per_input)
        if version < 904:
            # files before MXNet 0.9.4 kept no initializer on the variables an operator sets
            # one for (BatchNorm's moving statistics): MXNet's upgrade sets them on load
            from .register import set_input_inits
            set_input_inits(op, expected, inputs)
        nodes.append(node)
    try:
        head_entries = [(int(h[0]), int(h[1])) for h in heads]
    except (IndexError, TypeError, ValueError) as exc:
        raise MXNetError("%ssymbol JSON heads are malformed: %s" % (prefix, exc)) from None
    if not head_entries:
        raise MXNetError("%ssymbol JSON has no heads (outputs)" % prefix)
    return [_entry(nodes, len(nodes), len(nodes), "%shead %d" % (prefix, k), e)
            for k, e in enumerate(head_entries)]


def _version_of(graph):
    """The MXNet version that wrote the file, as MXNET_VERSION counts (800: none recorded, as
    in files of MXNet 0.8)."""
    try:
        return int(graph.get("attrs", {}).get("mxnet_version", ["int", 800])[1])
    except (AttributeError, IndexError, TypeError, ValueError):
        return 800


def _hidden_keys(attrs):
    """(attrs without MXNet's hidden keys, {'__lr_mult__': v} for keys given plainly
    (`lr_mult`), {(input name, key): v} for per-input ones (`weight_lr_mult`)): files written
    before the hidden keys had dunder names, which MXNet's loader renames (its legacy upgrade)."""
    rest, hidden, per_input = {}, {}, {}
    for key, value in attrs.items():
        match = next((h for h in HIDDEN_KEYS if key == h or key.endswith("_" + h)), None)
        if match is None:
            rest[key] = value
        elif key == match:
            hidden["__%s__" % match] = str(value)
        else:
            per_input[(key[:-len(match) - 1], match)] = str(value)
    return rest, hidden, per_input


def _place_per_input(node, input_names, per_input):
    """`weight_lr_mult` on an operator node becomes `__lr_mult__` of the variable feeding its
    input `weight`; one naming no variable input stays on the node as it was written."""
    for (input_name, key), value in per_input.items():
        if input_name in input_names:
            child = node.inputs[input_names.index(input_name)][0]
            if child.op is None:
                child.user_attrs["__%s__" % key] = value
                continue
        node.user_attrs["%s_%s" % (input_name, key)] = value


def _entry(nodes, before, total, where, entry):
    """(node, output) for a JSON entry [node index, output index], which must name one of the
    `before` nodes listed earlier (a later one would make a cycle) and an output it has."""
    index, output = entry
    if not 0 <= index < before:
        if before <= index < total:
            problem = ("refers to node %d, which is not listed before it: a cycle or a forward "
                       "reference (nodes must come after their inputs)" % index)
        else:
            problem = "refers to node %d, outside the graph's %d nodes" % (index, total)
        raise MXNetError("symbol JSON %s %s" % (where, problem))
    node = nodes[index]
    count = 1 if node.op is None else node.num_outputs
    if not 0 <= output < count:
        raise MXNetError("symbol JSON %s refers to output %d of node %d (%r), which has %d "
                         "output(s)" % (where, output, index, node.name, count))
    return node, output


def load(fname):
    """The Symbol saved in JSON file `fname`; errors name the file."""
    remove_stale_temporaries(fname)     # of saves of this file killed mid-write
    try:
        with open(fname, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise MXNetError("cannot read symbol file %s: %s" % (fname, exc)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MXNetError("%s is not a symbol JSON file: it is not UTF-8 text (byte %d is 0x%02x); "
                         "was a parameters file given?" % (fname, exc.start, raw[exc.start])) from None
    try:
        return load_json(text)
    except MXNetError as exc:
        raise MXNetError("%s: %s" % (fname, exc)) from None
