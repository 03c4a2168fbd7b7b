"""Recording onto the autograd tape: one node per operation, in the graph IR of `node`."""
from .node import Node

__all__ = ["record", "rebind_output", "version_of", "WRITES", "TapeOp", "WrappedOp"]

# In-place writes of arrays that have a version counter, all arrays together: a node recorded
# when this was N, checked when it is still N, saw no value of its own change (the usual case:
# nothing is written between forward and backward), so backward checks nothing further.
WRITES = [0]


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
    versions = []           # each value's in-place write count now (no counter yet: 0)
    for array in inputs:
        entry = array._entry
        if entry is None:
            const = Node(None, "const")
            const.array = array
            const.grad_req = "null"
            entry = (const, 0)
        entries.append(entry)
        counter = array._version
        versions.append(0 if counter is None else counter[0])
    node = Node(op, name, attrs, entries, len(outputs))
    node.in_values = list(inputs)
    node.out_values = outputs
    for i, output in enumerate(outputs):
        output._entry = (node, i)
        counter = output._version
        if counter is None and getattr(output._raw, "base", None) is not None:
            counter = _shared_version(output, inputs)
        versions.append(0 if counter is None else counter[0])
    node.versions = (WRITES[0], versions)
    return node


def version_of(array):
    """The array's version counter: a one-element list shared with the arrays that view the
    same memory, bumped by every in-place write (created when first needed: an array without
    one was never written in place, its version is 0)."""
    counter = array._version
    if counter is None:
        counter = array._version = [0]
    return counter


def _shared_version(output, inputs):
    """The counter of the input that a new output is a view of (Reshape, slice, expand_dims
    return views: writing through one changes the input too), or None."""
    base = output._data.base
    for array in inputs:
        data = array._data
        if data is base or (getattr(data, "base", None) is not None and data.base is base):
            output._version = counter = version_of(array)
            return counter
    return None


def rebind_output(node, index, array):
    """`array` now holds (and stands for) output `index` of tape node `node`: an in-place
    `x += y` or `out=` wrote the result into an existing array."""
    node.out_values[index] = array
    if node.versions is not None:
        node.versions[1][len(node.in_values) + index] = version_of(array)[0]
    array._entry = (node, index)
