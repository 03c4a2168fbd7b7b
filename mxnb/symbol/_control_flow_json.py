"""Control-flow nodes (`_foreach`, `_while_loop`, `_cond`) in MXNet 1.x's JSON.

MXNet writes each such node's bodies as a "subgraphs" list on the node (full graphs: nodes,
arg_nodes, node_row_ptr, heads) and ties the node's inputs to each subgraph's inputs (its
variables, in the graph's order) with location lists:

- `_foreach`: inputs are data, states, then the rest; `in_data_locs` / `in_state_locs` /
  `remain_locs` give the subgraph input each of them feeds.
- `_while_loop`: subgraphs (cond, func); `cond_input_locs[j]` / `func_input_locs[j]` is the node
  input feeding subgraph input j; `func_var_locs[i]` the func input that is loop variable i
  (mxnb's node keeps that input order, the loop variables at its `var_locs`).
- `_cond`: subgraphs (pred, then, else) with `cond_input_locs`, `then_input_locs`,
  `else_input_locs` as for while_loop.

mxnb's nodes keep their subgraphs' inputs aligned with the node's own inputs (see
`mxnb.ops.control_flow`) and compute a cond's predicate outside the node, so this module
converts between the two forms: `write` gives a node's MXNet attributes and subgraphs, `read`
makes mxnb's node from MXNet's. `graph_dict(entries)` / `load_graph(dict)` (json_io) write and
read one graph; they are passed in, as they call back here for nested control flow.
"""
from ..base import MXNetError
from ..graph.node import Node, topo_sort
from ..ops import registry
from ..ops.control_flow import loop_var_positions
from ._subgraph import Subgraph, distinct_outputs
from .symbol import Symbol

__all__ = ["CONTROL_FLOW_OPS", "write", "read"]

CONTROL_FLOW_OPS = ("_foreach", "_while_loop", "_cond")


def _locs(values):
    """A location list as MXNet writes it: "[0, 2]"."""
    return "[%s]" % ", ".join(str(int(v)) for v in values)


def _variables(entries):
    """The variable nodes of the graph of `entries`, in the order MXNet lists its inputs."""
    return [n for n in topo_sort(entries) if n.op is None]


def _position(items, item):
    return next((k for k, other in enumerate(items) if other is item), None)


# --- writing ------------------------------------------------------------------------------------
def write(node, graph_dict):
    """(MXNet's attributes, its "subgraphs" list) for mxnb control-flow node `node`."""
    attrs = node.attrs
    name = node.op.name
    if name == "_foreach":
        return _write_foreach(node, attrs, graph_dict)
    if name == "_while_loop":
        return _write_while_loop(node, attrs, graph_dict)
    return _write_cond(node, attrs, graph_dict)


def _write_foreach(node, attrs, graph_dict):
    body = attrs["body"]
    order = _variables(body.outputs)
    locs = [_position(order, v) for v in body.inputs]
    n_data, n_states = attrs["num_data"], attrs["num_states"]
    _require_used(node, locs, body.inputs, "body")
    return ({"in_data_locs": _locs(locs[:n_data]),
             "in_state_locs": _locs(locs[n_data:n_data + n_states]),
             "remain_locs": _locs(locs[n_data + n_states:]),
             "num_args": str(len(node.inputs) + 1),
             "num_out_data": str(attrs["num_out_data"]),
             "num_outputs": str(attrs["num_out_data"] + n_states)},
            [graph_dict(body.outputs)])


def _require_used(node, locs, inputs, what):
    """MXNet's JSON names a subgraph input only if the subgraph reads it."""
    unused = [inputs[k].name for k, loc in enumerate(locs) if loc is None]
    if unused:
        raise MXNetError("cannot write %s node %r to MXNet's JSON: its %s does not use input(s) "
                         "%s, and MXNet's format needs every one used"
                         % (node.op.name, node.name, what, ", ".join(unused)))


def _input_locs(sub):
    """For each variable of `sub`'s graph (in order), the node input feeding it: mxnb's
    subgraph inputs are aligned with the node's inputs."""
    return [_position(sub.inputs, v) for v in _variables(sub.outputs)]


def _write_while_loop(node, attrs, graph_dict):
    cond, func = attrs["cond"], attrs["func"]
    func_order = _variables(func.outputs)
    loop_vars = [func.inputs[p] for p in loop_var_positions(attrs)]
    var_locs = [_position(func_order, v) for v in loop_vars]
    _require_used(node, var_locs, loop_vars, "loop function")
    return ({"cond_input_locs": _locs(_input_locs(cond)),
             "func_input_locs": _locs(_input_locs(func)),
             "func_var_locs": _locs(var_locs),
             "max_iterations": str(attrs["max_iterations"]),
             "num_args": str(len(node.inputs) + 2),
             "num_out_data": str(attrs["num_out_data"]),
             "num_outputs": str(attrs["num_out_data"] + attrs["num_vars"])},
            [graph_dict(cond.outputs), graph_dict(func.outputs)])


def _write_cond(node, attrs, graph_dict):
    then_branch, else_branch = attrs["then_branch"], attrs["else_branch"]
    # mxnb computes the predicate outside the node (its input 0): MXNet's predicate subgraph
    # is then the identity of that input, as MXNet makes it for a predicate built outside
    return ({"cond_input_locs": "[0]",
             "then_input_locs": _locs(1 + k for k in _input_locs(then_branch)),
             "else_input_locs": _locs(1 + k for k in _input_locs(else_branch)),
             "num_args": str(len(node.inputs) + 3),
             "num_outputs": str(attrs["num_outputs"])},
            [graph_dict(_predicate_graph(node, then_branch)),
             graph_dict(then_branch.outputs), graph_dict(else_branch.outputs)])


def _predicate_graph(node, then_branch):
    pred = node.inputs[0]
    holder = Node(None, Symbol([pred]).list_outputs()[0])
    name = _pred_name(then_branch.name)
    copy = Node(registry.get("_copy"), name + "_output0", {}, [(holder, 0)], 1,
                {"__subgraph_name__": name})
    return [(copy, 0)]


def _pred_name(then_name):
    """The predicate subgraph's name, made beside the branches' ("cond0_then" ->
    "cond0_pred"), as MXNet names the three alike."""
    head, sep, count = then_name.rpartition("_then")
    return head + "_pred" + count if sep else then_name + "_pred"


# --- reading ------------------------------------------------------------------------------------
def read(op, name, attrs, inputs, raw_subgraphs, user_attrs, load_graph):
    """mxnb's node (and the entries feeding it) for MXNet's control-flow node `name`.

    `inputs` are the node's input entries, `raw_subgraphs` its "subgraphs" list, `attrs` its
    other attributes (strings). Returns the Node."""
    if not isinstance(raw_subgraphs, list):
        raise MXNetError("symbol JSON node %r (%s) has no 'subgraphs' list: MXNet writes a "
                         "control-flow node's bodies there" % (name, op.name))
    wanted = {"_foreach": 1, "_while_loop": 2, "_cond": 3}[op.name]
    if len(raw_subgraphs) != wanted:
        raise MXNetError("symbol JSON node %r (%s) has %d subgraphs, expected %d"
                         % (name, op.name, len(raw_subgraphs), wanted))
    graphs = [load_graph(g, "node %r, subgraph %d" % (name, k))
              for k, g in enumerate(raw_subgraphs)]
    reader = {"_foreach": _read_foreach, "_while_loop": _read_while_loop,
              "_cond": _read_cond}[op.name]
    inputs, params = reader(name, _Attrs(name, op.name, attrs), list(inputs), graphs)
    try:
        parsed = op.parse_attrs(params)
    except MXNetError as exc:
        raise MXNetError("symbol JSON node %r: %s" % (name, exc)) from None
    node = Node(op, name, parsed, inputs, op.num_outputs(parsed), user_attrs)
    node.given = tuple(k for k in params if not isinstance(params[k], Subgraph))
    return node


class _Attrs:
    """A control-flow node's JSON attributes, read with errors naming the node."""

    def __init__(self, node_name, op_name, attrs):
        self.where = "symbol JSON node %r (%s)" % (node_name, op_name)
        self.attrs = attrs

    def _get(self, key):
        if key not in self.attrs:
            raise MXNetError("%s lacks attribute %r" % (self.where, key))
        return str(self.attrs[key]).strip()

    def int(self, key):
        try:
            return int(self._get(key))
        except ValueError:
            raise MXNetError("%s: attribute %s=%r is not an integer"
                             % (self.where, key, self.attrs[key])) from None

    def locs(self, key, bound):
        text = self._get(key)
        try:
            body = text.strip("[]() ")
            values = [int(v) for v in body.split(",") if v.strip()] if body else []
        except ValueError:
            raise MXNetError("%s: attribute %s=%r is not a list of integers"
                             % (self.where, key, text)) from None
        bad = [v for v in values if not 0 <= v < bound]
        if bad:
            raise MXNetError("%s: attribute %s=%s refers to position %d, outside the %d there "
                             "are" % (self.where, key, text, bad[0], bound))
        return values

    def fail(self, problem):
        raise MXNetError("%s: %s" % (self.where, problem))


def _subgraph_name(entries, fallback):
    """The name the graph's nodes carry (MXNet's __subgraph_name__), else `fallback`."""
    for node in topo_sort(entries):
        value = node.user_attrs.get("__subgraph_name__")
        if node.op is not None and value:
            return value
    return fallback


def _make_subgraph(name, inputs, entries):
    name = _subgraph_name(entries, name)
    return Subgraph(name, inputs, distinct_outputs(name, entries))


def _read_foreach(name, attrs, inputs, graphs):
    entries = graphs[0]
    order = _variables(entries)
    data = attrs.locs("in_data_locs", len(order))
    states = attrs.locs("in_state_locs", len(order))
    remain = attrs.locs("remain_locs", len(order))
    n_out = attrs.int("num_out_data")
    if len(data) + len(states) + len(remain) != len(inputs):
        attrs.fail("%d inputs, but the location lists name %d (data %d, states %d, other %d)"
                   % (len(inputs), len(data) + len(states) + len(remain), len(data),
                      len(states), len(remain)))
    if not data:
        attrs.fail("no data input (in_data_locs is empty)")
    if n_out + len(states) != len(entries):
        attrs.fail("the body has %d outputs, expected num_out_data + states = %d"
                   % (len(entries), n_out + len(states)))
    body = _make_subgraph(name, [order[k] for k in data + states + remain], entries)
    return inputs, {"num_args": len(inputs), "num_data": len(data), "num_states": len(states),
                    "num_out_data": n_out, "body": body}


def _aligned(name, order, locs, positions, count):
    """Subgraph inputs aligned with the node's (re-ordered) inputs: position p holds the
    subgraph variable fed by node input p, or an unused variable."""
    inputs = [None] * count
    for var, loc in zip(order, locs):
        inputs[positions[loc]] = var
    return [v if v is not None else Node(None, "%s_unused%d" % (name, p))
            for p, v in enumerate(inputs)]


def _read_while_loop(name, attrs, inputs, graphs):
    (cond_entries, func_entries) = graphs
    cond_order, func_order = _variables(cond_entries), _variables(func_entries)
    cond_locs = attrs.locs("cond_input_locs", len(inputs))
    func_locs = attrs.locs("func_input_locs", len(inputs))
    var_locs = attrs.locs("func_var_locs", len(func_locs))
    n_out = attrs.int("num_out_data")
    if len(cond_locs) != len(cond_order) or len(func_locs) != len(func_order):
        attrs.fail("the location lists name %d and %d inputs, the subgraphs have %d and %d"
                   % (len(cond_locs), len(func_locs), len(cond_order), len(func_order)))
    if len(cond_entries) != 1 or n_out + len(var_locs) != len(func_entries):
        attrs.fail("cond must have 1 output and func num_out_data + loop variables = %d, "
                   "found %d and %d" % (n_out + len(var_locs), len(cond_entries),
                                        len(func_entries)))
    # the node keeps MXNet's input order; var_locs says where the loop variables are
    positions = {k: k for k in range(len(inputs))}
    cond = _make_subgraph(name + "_cond", _aligned(name + "_cond", cond_order, cond_locs,
                                                   positions, len(inputs)), cond_entries)
    func = _make_subgraph(name + "_func", _aligned(name + "_func", func_order, func_locs,
                                                   positions, len(inputs)), func_entries)
    return inputs, {
        "num_args": len(inputs), "num_vars": len(var_locs), "num_out_data": n_out,
        "max_iterations": attrs.int("max_iterations"), "cond": cond, "func": func,
        "var_locs": tuple(func_locs[k] for k in var_locs)}


def _read_cond(name, attrs, inputs, graphs):
    pred_entries, then_entries, else_entries = graphs
    pred_locs = attrs.locs("cond_input_locs", len(inputs))
    then_locs = attrs.locs("then_input_locs", len(inputs))
    else_locs = attrs.locs("else_input_locs", len(inputs))
    for what, locs, entries in (("cond", pred_locs, pred_entries),
                                ("then", then_locs, then_entries),
                                ("else", else_locs, else_entries)):
        if len(locs) != len(_variables(entries)):
            attrs.fail("%s_input_locs names %d inputs, its subgraph has %d"
                       % (what, len(locs), len(_variables(entries))))
    if len(pred_entries) != 1:
        attrs.fail("the predicate subgraph has %d outputs, expected 1" % len(pred_entries))
    if len(then_entries) != len(else_entries):
        attrs.fail("the branches have %d and %d outputs" % (len(then_entries),
                                                            len(else_entries)))
    pred = _inline_predicate(pred_entries[0], _variables(pred_entries), pred_locs, inputs)
    # mxnb's inputs: the predicate, then those the branches read, in the node's order
    used = sorted(set(then_locs) | set(else_locs))
    positions = {k: p for p, k in enumerate(used)}
    then_branch = _make_subgraph(name + "_then", _aligned(name + "_then", _variables(then_entries),
                                                          then_locs, positions, len(used)),
                                 then_entries)
    else_branch = _make_subgraph(name + "_else", _aligned(name + "_else", _variables(else_entries),
                                                          else_locs, positions, len(used)),
                                 else_entries)
    node_inputs = [pred] + [inputs[k] for k in used]
    return node_inputs, {"num_args": len(node_inputs), "num_outputs": len(then_entries),
                         "then_branch": then_branch, "else_branch": else_branch}


def _inline_predicate(head, order, locs, inputs):
    """The predicate as an entry of the enclosing graph: MXNet's predicate subgraph with its
    variables replaced by the node inputs feeding them (the subgraph's nodes are fresh, read
    from this file, so they are re-wired in place)."""
    outer = {id(var): inputs[loc] for var, loc in zip(order, locs)}
    node, index = head
    # an identity of one input (MXNet's form for a predicate computed outside) is that input
    if node.op is not None and node.op.name == "_copy" and node.inputs[0][0].op is None:
        node, index = node.inputs[0]
    if node.op is None:
        return outer[id(node)]
    for member in topo_sort([(node, index)]):
        member.inputs = [outer.get(id(child), (child, j)) if child.op is None else (child, j)
                         for child, j in member.inputs]
    return node, index
