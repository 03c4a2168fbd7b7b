"""The one graph IR: a node is an operator applied to entries `(node, output_index)` of others.

A Symbol, an autograd tape and a hybridized block are all graphs of these nodes. Variables are
nodes without an operator. What only the autograd tape needs (the values an operator's gradient
reads, their versions, a variable's array and gradient request) lives on `TapeNode`, a subclass:
symbols and programs carry none of it.
"""

__all__ = ["Node", "TapeNode", "topo_sort", "auxiliary_ids", "clone_graph"]


class Node:
    __slots__ = ("op", "name", "attrs", "inputs", "num_outputs", "user_attrs", "given",
                 "forward_node", "__weakref__")

    # Tape-only state, read-only defaults here (a symbol's node holds no values): TapeNode's
    # slots override them.
    in_values = out_values = versions = array = None
    grad_req = "write"
    fresh_grad = False

    def __init__(self, op, name, attrs=None, inputs=(), num_outputs=1, user_attrs=None):
        self.op = op                      # Operator (or a TapeOp), or None for a variable
        self.name = name
        self.attrs = attrs if attrs is not None else {}
        self.inputs = list(inputs)        # [(Node, index)]
        self.num_outputs = num_outputs
        self.user_attrs = user_attrs if user_attrs is not None else {}  # __shape__, lr_mult, ...
        self.given = None                 # attribute names given explicitly (written to JSON)
        self.forward_node = None          # made by the gradient pass: the forward node it differentiates

    @property
    def is_variable(self):
        return self.op is None

    def __repr__(self):
        return "<Node %s %s>" % (self.op.name if self.op else "Variable", self.name)


class TapeNode(Node):
    """A node of the autograd tape: the operator ran eagerly, and the node keeps what its gradient
    (and its consumers' gradients) will read.

    `in_values[k]` is input k when the operator's gradient reads it, else None; `out_values[i]`
    is output i when some gradient reads it, else a `ShapeOnly` stand-in (tape.py) that knows its
    shape and dtype. `versions` is (write epoch, versions of in_values + out_values) when recorded
    (autograd's in-place-write check). A variable's `array` is the NDArray whose gradient is
    wanted; `fresh_grad` says backward wrote it since the trainer last looked.
    """
    __slots__ = ("in_values", "out_values", "versions", "array", "grad_req", "fresh_grad")

    def __init__(self, op, name, attrs=None, inputs=(), num_outputs=1, user_attrs=None):
        # Node.__init__ written out: one of these is made for every recorded operator
        self.op = op
        self.name = name
        self.attrs = attrs if attrs is not None else {}
        self.inputs = list(inputs)
        self.num_outputs = num_outputs
        self.user_attrs = user_attrs if user_attrs is not None else {}
        self.given = None
        self.forward_node = None
        self.in_values = None
        self.out_values = None
        self.versions = None
        self.array = None
        self.grad_req = "write"
        self.fresh_grad = False

    def value(self, index):
        """The array this tape node holds for output `index` (a variable's own array)."""
        if self.op is None:
            return self.array
        values = self.out_values
        if values is None:
            from ..base import MXNetError
            raise MXNetError("the graph of %s (%s) was freed by an earlier backward; pass "
                             "retain_graph=True to backward more than once" % (self.name, self.op.name))
        return values[index]


def topo_sort(entries):
    """Nodes reachable from `entries`, inputs before users, inputs visited in order (MXNet's DFS)."""
    order = []
    seen = set()
    for head, _ in entries:
        if id(head) in seen:
            continue
        stack = [(head, 0)]
        seen.add(id(head))
        while stack:
            node, i = stack[-1]
            if i < len(node.inputs):
                stack[-1] = (node, i + 1)
                child = node.inputs[i][0]
                if id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, 0))
            else:
                stack.pop()
                order.append(node)
    return order


def clone_graph(nodes, op_of=None, remap=None, share_variables=False):
    """Copies of `nodes` (a topological order, inputs first) wired to each other; returns
    {id(original): copy}.

    `op_of(node)` gives a copy's operator (default: the original's: tools that watch a pass wrap
    it); `remap(child, index)` may give the entry a copy's input takes instead of the copy of
    `(child, index)` (Symbol composition), or None to keep it. An input outside `nodes` stays as
    it is, and so do variables with `share_variables`. A tape node's copy is a tape node sharing
    its values and variable state; user attributes are copied (shallowly), so the copies can be
    renamed or changed freely.
    """
    copies = {}
    for node in nodes:
        if share_variables and node.op is None:
            continue
        inputs = []
        for child, index in node.inputs:
            entry = remap(child, index) if remap is not None else None
            if entry is None:
                twin = copies.get(id(child))
                entry = (child, index) if twin is None else (twin, index)
            inputs.append(entry)
        op = node.op if op_of is None else op_of(node)
        cls = type(node) if isinstance(node, TapeNode) else Node
        copy = cls(op, node.name, node.attrs, inputs, node.num_outputs, dict(node.user_attrs))
        copy.given = node.given
        if cls is not Node:
            copy.in_values, copy.out_values, copy.versions = node.in_values, node.out_values, node.versions
            copy.array, copy.grad_req, copy.fresh_grad = node.array, node.grad_req, node.fresh_grad
        copies[id(node)] = copy
    return copies


def aux_input_positions(node):
    """The positions of operator node `node`'s auxiliary-state inputs: the last `num_aux`, or
    those at `aux_positions(attrs)` where the operator has it (a `_CachedOp` body's statistics
    sit among its weights)."""
    count = node.op.num_aux(node.attrs)
    if not count:
        return ()
    positions = getattr(node.op, "aux_positions", None)
    if positions is None:
        return tuple(range(len(node.inputs) - count, len(node.inputs)))
    return tuple(positions(node.attrs))


def auxiliary_ids(nodes):
    """ids of the variable nodes that feed operators' auxiliary-state inputs
    (`aux_input_positions`)."""
    aux = set()
    for node in nodes:
        if node.op is not None:
            aux.update(id(node.inputs[i][0]) for i in aux_input_positions(node))
    return aux
