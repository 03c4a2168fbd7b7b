"""Which forward node each backward node of a compiled program differentiates.

An executor's or CachedOp's backward graph is built by the gradient pass under `Prefix("_grad_")`,
so its nodes are named `_grad_<hint><n>` and say nothing of the forward node they belong to.
Running the same deterministic pass again, over a copy of the forward graph whose operators note
the nodes each gradient call creates, gives the same names in the same order, now with owners.
"""
from ..graph.gradient import gradient_pass
from ..graph.node import Node, clone_graph, topo_sort
from ..graph.tape import WrappedOp

__all__ = ["backward_owners"]


class _NotingGradient(WrappedOp):
    """An operator's gradient that records the nodes it creates as belonging to `owner`."""

    def __init__(self, node, owners, known):
        super().__init__(node.op)
        self._node = node
        self._owners = owners
        self._known = known
        self.gradient = None if node.op.gradient is None else self._gradient

    def _gradient(self, F, attrs, inputs, outputs, out_grads, **needs):
        grads = self._node.op.gradient(F, attrs, inputs, outputs, out_grads, **needs)
        entries = [g._outputs[0] for g in grads if g is not None]
        for created in topo_sort(entries):
            if id(created) not in self._known:
                self._known.add(id(created))
                self._owners[created.name] = self._node.name
        return grads


def backward_owners(nodes, outputs, wanted):
    """{backward node name: forward node name} for `Program.build_backward(wanted)` of this graph."""
    from .. import symbol as sym
    from ..name import Prefix
    from ..symbol.symbol import Symbol
    owners = {}
    known = set()
    shadows = clone_graph(nodes, lambda node: None if node.op is None else
                          _NotingGradient(node, owners, known))
    known.update(id(shadow) for shadow in shadows.values())
    wanted_ids = {id(shadows[id(n)]) for n in wanted}
    head_grads = {}
    for node, index in outputs:
        head = Node(None, "%s_head_grad" % node.name)
        known.add(id(head))
        head_grads[(shadows[id(node)], index)] = Symbol([(head, 0)])
    with Prefix("_grad_"):
        gradient_pass(sym, [shadows[id(n)] for n in nodes], head_grads,
                      lambda n, i: Symbol([(n, i)]), lambda n: id(n) in wanted_ids)
    return owners
