"""What `show_graph` draws: one drawable graph built from the graph IR of a Symbol, a hybridized
block or an autograd tape, with every entry's shape and every node's role resolved.

The three sources differ only in how names and shapes are found; after `GraphModel` is built,
drawing, details and the layer table are the same code for all of them.
"""
import numpy as np

from ..base import MXNetError
from ..graph.node import topo_sort

__all__ = ["GraphNode", "GraphModel", "model_of"]

# Operator inputs that hold learned or running state rather than data.
PARAM_INPUTS = ("weight", "bias", "gamma", "beta", "moving_mean", "moving_var",
                "running_mean", "running_var", "parameters", "alpha")
PARAM_SUFFIXES = tuple("_" + name for name in PARAM_INPUTS)


class GraphNode:
    """One node as drawn: its display name is unique in the graph, unlike tape node names."""
    __slots__ = ("key", "name", "op", "attrs", "inputs", "input_roles", "out_shapes",
                 "out_dtypes", "role", "group", "values")

    def __init__(self, key, name, op, attrs, role, group=None):
        self.key = key                # graphviz id: "n0", "n1", ...
        self.name = name
        self.op = op                  # operator name, None for a variable
        self.attrs = attrs            # {name: MXNet string}
        self.inputs = []              # [(GraphNode, output index)]
        self.input_roles = []         # the operator's argument name for each input
        self.out_shapes = []          # per output: tuple (0 = unknown dimension) or None
        self.out_dtypes = []
        self.role = role              # 'input', 'param', 'aux' or 'op'
        self.group = group            # name of the hybridized block it ran inside (tapes)
        self.values = None            # tape: the arrays it produced, for statistics on demand

    @property
    def is_variable(self):
        return self.op is None

    def __repr__(self):
        return "<GraphNode %s %s>" % (self.op or "Variable", self.name)


class GraphModel:
    def __init__(self, kind, title, nodes, heads):
        self.kind = kind              # 'symbol', 'block' or 'tape'
        self.title = title
        self.nodes = nodes            # inputs before users
        self.heads = heads            # [(GraphNode, index)]
        self.by_name = {n.name: n for n in nodes}

    def users(self, node):
        return [user for user in self.nodes if any(src is node for src, _ in user.inputs)]

    def param_count(self, node):
        """Elements in the learned parameters feeding `node` (None when a shape is unknown)."""
        total = 0
        for (src, index), role in zip(node.inputs, node.input_roles):
            if src.role != "param":
                continue
            shape = src.out_shapes[index] if src.out_shapes else None
            if shape is None or 0 in shape:
                return None
            total += int(np.prod(shape, dtype=np.int64))
        return total


def model_of(x, shapes=None, params=None):
    """The GraphModel of a Symbol, a HybridBlock or an NDArray recorded under autograd.record()."""
    from ..symbol.symbol import Symbol
    from ..ndarray.ndarray import NDArray
    if isinstance(x, Symbol):
        return _from_symbol(x, shapes, "symbol", x.name or "symbol")
    if isinstance(x, NDArray):
        return _from_tape(x, params)
    if _is_block(x):
        return _from_block(x, shapes)
    raise TypeError("show_graph draws a Symbol, a hybridized HybridBlock or an NDArray computed "
                    "under autograd.record(); found %s" % type(x).__name__)


def _is_block(x):
    return any(cls.__module__.startswith("mxnb.gluon") and cls.__name__ == "Block"
               for cls in type(x).__mro__)


def _is_hybrid_block(x):
    return any(cls.__module__.startswith("mxnb.gluon") and cls.__name__ == "HybridBlock"
               for cls in type(x).__mro__)


# --- symbols and blocks -------------------------------------------------------------------------
def _symbol_shape_table(sym, known):
    from ..graph.infer import infer_shapes
    nodes = topo_sort(sym.output_entries)
    try:
        return nodes, infer_shapes(nodes, known)
    except MXNetError:
        # Conflicting shapes are the user's bug to find in the drawing, not a reason not to draw.
        return nodes, {}


def _from_symbol(sym, shapes, kind, title):
    from ..base import parse_shape
    known = {name: tuple(parse_shape(shape)) for name, shape in (shapes or {}).items()}
    nodes, table = _symbol_shape_table(sym, known)
    builder = _Builder()
    for node in nodes:
        shapes_of = [table.get((id(node), i)) for i in range(_num_outputs(node))]
        builder.add(node, node.name, shapes_of)
    return GraphModel(kind, title, builder.drawn, builder.heads(sym.output_entries))


def _from_block(block, shapes):
    hybrid = _is_hybrid_block(block)
    graph = block.cached_graph if hybrid else None
    samples = _as_samples(shapes)
    if not graph and samples and hybrid:
        # Building the graph reads only how the inputs nest, so shape-only samples stand in as
        # variables.
        from ..ndarray.ndarray import NDArray
        from ..symbol.symbol import var
        graph = block.get_graph(*[s if isinstance(s, NDArray) else var("data%d" % i)
                                  for i, s in enumerate(samples)])
    if not graph:
        if not hybrid:
            raise TypeError("%s is a Block, not a HybridBlock: it has no graph until it runs. "
                            "Record one forward pass and draw its tape:\n"
                            "    with autograd.record():\n        y = net(x)\n    show_graph(y)"
                            % type(block).__name__)
        raise MXNetError("block %s has no graph yet: call net.hybridize() and run it once "
                         "(net(x)), or pass a sample input: show_graph(net, shapes=x)" % block.name)
    data_vars, sym = graph
    known = {}
    for param in block.collect_params().values():
        if param.shape is not None and 0 not in param.shape and -1 not in param.shape:
            known[param.name] = tuple(param.shape)
    if isinstance(shapes, dict):
        known.update(shapes)
    elif samples:
        known.update((var.name, tuple(s.shape)) for var, s in zip(data_vars, samples))
    else:
        # no shapes given: those of the latest hybridized call, when there was one
        ran_with = getattr(block, "last_input_shapes", None) or {}
        known.update((var.name, tuple(ran_with[var.name])) for var in data_vars if var.name in ran_with)
    return _from_symbol(sym, known, "block", block.name)


def _as_samples(shapes):
    """Sample inputs given as arrays or shape tuples, for drawing a block (None when a dict)."""
    from ..ndarray.ndarray import NDArray
    if shapes is None or isinstance(shapes, dict):
        return None
    if isinstance(shapes, NDArray):
        return [shapes]
    if isinstance(shapes, tuple) and all(isinstance(d, (int, np.integer)) for d in shapes):
        return [_ShapeOnly(shapes)]
    return [s if isinstance(s, NDArray) else _ShapeOnly(s) for s in shapes]


class _ShapeOnly:
    """Stands for an input of known shape where only its shape is read."""
    def __init__(self, shape):
        self.shape = tuple(shape)


# --- tapes ------------------------------------------------------------------------------------
def _from_tape(array, params):
    from ..symbol.symbol import Symbol
    head = Symbol.from_tape(array, inline=False)   # hybridized calls drawn as clusters
    names = _param_names(params)
    named = set(names.values())      # variables whose name is already meaningful
    learnable = set()                # drawn leaves with a gradient attached (attach_grad)
    builder = _Builder()
    for node in topo_sort(head.output_entries):
        cached = getattr(node.op, "cached_op", None)
        if cached is not None:
            _expand_cached_op(builder, node, cached, named)
            continue
        if node.op is None:
            name = names.get(id(node.array)) if node.array is not None else None
            shapes = [tuple(node.array.shape)] if node.array is not None else [None]
            built = builder.add(node, name or node.name, shapes,
                                forced_role="param" if name else None)
            if not name and node.array is not None and node.array.grad is not None:
                learnable.add(id(built))
        else:
            shapes = [tuple(v.shape) for v in node.out_values] if node.out_values else \
                [None] * node.num_outputs
            built = builder.add(node, node.name, shapes)
            built.values = node.out_values
    _name_tape_variables(builder, named, learnable)
    return GraphModel("tape", "tape", builder.drawn, builder.heads(head.output_entries))


def _name_tape_variables(builder, named, learnable=()):
    """Tape variables are all called 'var': name them after their use, as a symbol names the
    variables it creates (`<node>_<argument>`: fullyconnected_weight, dot_rhs). A leaf with a
    gradient attached that an operator reads past its first input (dot's rhs, an add's bias) is
    a parameter too, not another 'data'."""
    for user in builder.drawn:
        for position, ((src, _), role) in enumerate(zip(user.inputs, user.input_roles)):
            if src.is_variable and src.role == "input" and position > 0 and id(src) in learnable:
                src.role = "param"
            if src.is_variable and src.role != "input" and src.name not in named:
                builder.rename(src, "%s_%s" % (user.name, role))
                named.add(src.name)
    for node in builder.drawn:
        if node.is_variable and node.name not in named:
            builder.rename(node, "data")


def _param_names(params):
    """{id(NDArray): parameter name} for the arrays of `params` (a block or ParameterDict)."""
    if params is None:
        return {}
    if hasattr(params, "collect_params"):
        params = params.collect_params()
    names = {}
    for name, param in params.items():
        try:
            for data in param.list_data():
                names[id(data)] = param.name
        except MXNetError:
            continue  # not initialised: it cannot be on the tape either
    return names


def _expand_cached_op(builder, tape_node, cached, named):
    """Draws a hybridized block's call as its own graph, its inputs wired to the tape's."""
    from ..graph.infer import infer_shapes
    inner = topo_sort(cached.symbol.output_entries)
    variables = cached.program.variables
    known = {var.name: tuple(v.shape) for var, v in zip(variables, tape_node.in_values or ())}
    try:
        table = infer_shapes(inner, known)
    except MXNetError:
        table = {}
    group = _block_name(inner)
    for var, (src, index) in zip(variables, tape_node.inputs):
        outer, _ = builder.resolve(src, index)
        if outer.is_variable and outer.name not in named:
            # The block's names for its inputs and parameters beat the tape's anonymous ones.
            builder.rename(outer, var.name)
            named.add(outer.name)
        builder.alias(var, 0, src, index)
    for node in inner:
        if node.op is None:
            continue
        shapes = [table.get((id(node), i)) for i in range(_num_outputs(node))]
        builder.add(node, node.name, shapes, group=group)
    for i, (node, index) in enumerate(cached.symbol.output_entries):
        builder.alias(tape_node, i, node, index)


def _block_name(nodes):
    """The hybridized block's name: the common prefix of its operators' names ('net0_dense0_fwd')."""
    names = [n.name for n in nodes if n.op is not None]
    prefix = names[0] if names else ""
    for name in names[1:]:
        while not name.startswith(prefix):
            prefix = prefix[:-1]
    if len(names) > 1 and "_" in prefix:
        prefix = prefix[:prefix.rindex("_")]
    elif prefix.endswith("_fwd"):
        prefix = prefix[:-len("_fwd")]
    return prefix or "hybridized block"


# --- common -------------------------------------------------------------------------------------
def _num_outputs(node):
    return 1 if node.op is None else node.op.num_outputs(node.attrs)


class _Builder:
    """Turns IR nodes into GraphNodes: unique names, input roles, parameter detection."""

    def __init__(self):
        self.drawn = []
        self._by_ir = {}        # id(IR node) -> GraphNode
        self._aliases = {}      # (id(IR node), index) -> (IR node, index) it stands for
        self._names = {}

    def drawn_for(self, ir_node):
        return self._by_ir.get(id(ir_node))

    def alias(self, ir_node, index, target, target_index):
        self._aliases[(id(ir_node), index)] = (target, target_index)

    def resolve(self, ir_node, index):
        while (id(ir_node), index) in self._aliases:
            ir_node, index = self._aliases[(id(ir_node), index)]
        return self._by_ir[id(ir_node)], index

    def rename(self, graph_node, name):
        if graph_node.name == name:
            return
        self._names[graph_node.name] -= 1
        graph_node.name = self._unique(name)

    def _unique(self, name):
        # Tape names repeat ("fullyconnected" for every layer): number them as MXNet would.
        count = self._names.get(name, 0)
        self._names[name] = count + 1
        if count == 0:
            return name
        while "%s%d" % (name, count) in self._names:
            count += 1
        unique = "%s%d" % (name, count)
        self._names[unique] = 1
        return unique

    def add(self, ir_node, name, shapes, group=None, forced_role=None):
        op = ir_node.op
        attrs = op.format_attrs(ir_node.attrs) if op is not None and hasattr(op, "format_attrs") else {}
        role = "op" if op is not None else (forced_role or _variable_role(ir_node.name))
        graph_node = GraphNode("n%d" % len(self.drawn), self._unique(name),
                               op.name if op is not None else None, attrs, role, group)
        graph_node.out_shapes = list(shapes)
        if op is not None:
            # Hidden outputs (Convolution's columns, BatchNorm's statistics) are not drawn.
            graph_node.out_shapes = graph_node.out_shapes[:op.num_visible_outputs(ir_node.attrs)]
        if op is not None:
            roles = _input_names(ir_node)
            for (src, index), input_role in zip(ir_node.inputs, roles):
                source, source_index = self.resolve(src, index)
                graph_node.inputs.append((source, source_index))
                graph_node.input_roles.append(input_role)
                if source.is_variable and source.role == "input" and forced_role is None:
                    if input_role in PARAM_INPUTS:
                        source.role = "aux" if input_role.startswith(("moving", "running")) else "param"
        self._by_ir[id(ir_node)] = graph_node
        self.drawn.append(graph_node)
        return graph_node

    def heads(self, entries):
        return [self.resolve(node, index) for node, index in entries]


def _variable_role(name):
    if name.endswith(("_moving_mean", "_moving_var", "_running_mean", "_running_var")):
        return "aux"
    if name.endswith(PARAM_SUFFIXES):
        return "param"
    return "input"


def _input_names(ir_node):
    try:
        names = ir_node.op.input_names(ir_node.attrs)
    except (AttributeError, KeyError, TypeError):
        names = []
    names = list(names)[:len(ir_node.inputs)]
    return names + ["arg%d" % i for i in range(len(names), len(ir_node.inputs))]
