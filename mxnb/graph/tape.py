"""Recording onto the autograd tape: one node per operation, in the graph IR of `node`."""
from .node import Node

__all__ = ["record"]


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
