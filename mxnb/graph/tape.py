"""Recording onto the autograd tape: one node per operation, in the graph IR of `node`."""
from .node import Node

__all__ = ["record", "TapeOp", "WrappedOp"]


class TapeOp:
    """What the gradient pass reads of a node's operator, for tape nodes that stand for more
    than one registered operator (a custom autograd.Function call, a CachedOp call): every
    output visible, `gradient` without a `needs` argument."""
    name = hint = "tape_op"
    gradient_takes_needs = False
    needs_train = False
    num_outputs = 1

    def num_visible_outputs(self, attrs):
        return self.num_outputs

    def num_aux(self, attrs):
        return 0

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        raise NotImplementedError


class WrappedOp:
    """Stands in for `op` in the gradient pass with a gradient of its own (tools that watch the
    backward pass wrap a node's operator): what the pass reads of an operator is `op`'s."""

    def __init__(self, op):
        self.wrapped = op
        self.name = op.name
        self.gradient_takes_needs = op.gradient_takes_needs
        self.num_visible_outputs = op.num_visible_outputs


def record(op, name, attrs, inputs, outputs):
    """Adds a tape node for `op` having turned NDArrays `inputs` into `outputs`.

    An input outside any recorded graph enters as a constant: a variable that wants no gradient.
    The node keeps the values, for the gradient pass to run on.
    """
    entries = []
    for array in inputs:
        entry = array._entry
        if entry is None:
            const = Node(None, "const")
            const.array = array
            const.grad_req = "null"
            entry = (const, 0)
        entries.append(entry)
    node = Node(op, name, attrs, entries, len(outputs))
    node.in_values = list(inputs)
    node.out_values = outputs
    for i, output in enumerate(outputs):
        output._entry = (node, i)
    return node
