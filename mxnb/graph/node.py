"""The one graph IR: a node is an operator applied to entries `(node, output_index)` of others.

A Symbol, an autograd tape and a hybridized block are all graphs of these nodes. Variables are
nodes without an operator. Tape nodes also hold the values they were computed with, so the
gradient pass can run on them eagerly.
"""

__all__ = ["Node", "topo_sort", "auxiliary_ids"]


class Node:
    __slots__ = ("op", "name", "attrs", "inputs", "num_outputs", "user_attrs", "given",
                 "in_values", "out_values", "versions", "array", "grad_req", "fresh_grad",
                 "forward_node", "__weakref__")

    def __init__(self, op, name, attrs=None, inputs=(), num_outputs=1, user_attrs=None):
        self.op = op                      # Operator, or None for a variable
        self.name = name
        self.attrs = attrs if attrs is not None else {}
        self.inputs = list(inputs)        # [(Node, index)]
        self.num_outputs = num_outputs
        self.user_attrs = user_attrs if user_attrs is not None else {}  # __shape__, lr_mult, ...
        self.given = None                 # attribute names given explicitly (written to JSON)
        self.in_values = None             # tape: the input arrays the op ran on
        self.out_values = None            # tape: the arrays it produced
        self.versions = None              # tape: the version of each of those when recorded
        self.array = None                 # tape variable: the NDArray whose gradient is wanted
        self.grad_req = "write"
        self.fresh_grad = False           # tape variable: backward wrote its gradient since last step
        self.forward_node = None          # made by the gradient pass: the forward node it differentiates

    @property
    def is_variable(self):
        return self.op is None

    def value(self, index):
        """The array this tape node holds for output `index` (a variable's own array)."""
        if self.op is None:
            return self.array
        if self.out_values is None:
            from ..base import MXNetError
            raise MXNetError("the graph of %s (%s) was freed by an earlier backward; pass "
                             "retain_graph=True to backward more than once" % (self.name, self.op.name))
        return self.out_values[index]

    def __repr__(self):
        return "<Node %s %s>" % (self.op.name if self.op else "Variable", self.name)


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


def auxiliary_ids(nodes):
    """ids of the variable nodes that feed operators' auxiliary-state inputs (the last inputs)."""
    aux = set()
    for node in nodes:
        if node.op is not None:
            count = node.op.num_aux(node.attrs)
            if count:
                aux.update(id(child) for child, _ in node.inputs[len(node.inputs) - count:])
    return aux
