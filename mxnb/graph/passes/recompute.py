"""Recomputation instead of storage (MXNet's backward mirroring): the weight gradient of a
Convolution reads the im2col columns its forward step kept, which are several times the data's
size; recomputing them from the data in the backward step frees them between the passes.

`recompute_columns(steps)` swaps `_backward_Convolution_weight_columns(ograd, data, columns)`
for `_backward_Convolution_weight(ograd, data)`, the same registered gradient computed from the
data (same calls on the same columns: bit-identical results).
"""
from ...ops import registry
from ..node import Node

__all__ = ["recompute_columns"]

_FROM_COLUMNS = "_backward_Convolution_weight_columns"


class _Swapped:
    """A step running another operator on a prefix of the original step's inputs."""
    __slots__ = ("node", "op", "attrs", "ins", "outs", "single", "extras", "original")

    def __init__(self, step, op, ins):
        # a node of its own, for hooks: the operator that runs, on the inputs it reads; the
        # original node stays reachable as `original`
        node = step.node
        self.node = Node(op, node.name, node.attrs, node.inputs[:len(ins)], node.num_outputs,
                         node.user_attrs)
        self.node.forward_node = node.forward_node
        self.original = node
        self.op = op
        self.attrs = step.attrs
        self.ins = ins
        self.outs = step.outs
        self.single = step.single
        self.extras = step.extras


def recompute_columns(steps):
    weight = registry.find("_backward_Convolution_weight")
    if weight is None:
        return list(steps)
    out = []
    for step in steps:
        if step.op is not None and getattr(step.op, "name", None) == _FROM_COLUMNS:
            step = _Swapped(step, weight, step.ins[:2])
        out.append(step)
    return out
