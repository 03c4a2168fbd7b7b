"""The gradient pass, written once for tapes and symbols.

It walks a graph backwards and asks each node's operator for its input gradients, written with
registered operators on `F`: with `F = nd` and a tape's stored values it computes gradients now;
with `F = sym` and symbols of the forward entries it builds the backward graph the executor runs.

Every node the pass creates (a symbol's backward graph, or a tape recorded under
`create_graph=True`) gets `forward_node`: the forward node whose gradient it computes; a sum of
the gradients of an entry used more than once belongs to that entry's node. Tools (the
debugger) read it to say which layer a backward step belongs to.
"""

from ..base import MXNetError
from .node import topo_sort
from .recording import STATE

__all__ = ["gradient_pass", "no_gradient_error"]


def no_gradient_error(op_name, detail=""):
    """The error for a gradient needed through an operator that has none: never silently zero.

    A backward kernel (`_backward_X`) without a gradient is what a second-order gradient through
    X reaches, so the message names X."""
    forward = op_name[len("_backward_"):] if op_name.startswith("_backward_") else None
    if forward:
        text = ("second-order gradient is not available through operator %s%s (its backward "
                "operator %s has no gradient)" % (forward, detail, op_name))
    else:
        text = ("gradient is not available through operator %s%s: it has no registered "
                "gradient" % (op_name, detail))
    return MXNetError(text)


def gradient_pass(F, nodes, head_grads, value_of, wants, check=None, accumulate=None):
    """Gradients of the variables that `wants`, from `head_grads` {(node, index): grad}.

    `nodes` is a topological order (inputs first); `value_of(node, index)` gives the value (array or
    symbol) of an entry. Returns {variable node: gradient}; a variable no head depends on is absent.
    `accumulate(node, index, previous, grad)`, when given, sums two gradients of entry
    `(node, index)` instead of `previous + grad` (the debugger records the sum as a step).
    """
    needs_ids = set()
    for node in nodes:
        op = node.op
        if op is None:
            if wants(node):
                needs_ids.add(id(node))
        elif getattr(op, "differentiable", True):   # (a non-differentiable one passes none on)
            for child, _ in node.inputs:
                if id(child) in needs_ids:
                    needs_ids.add(id(node))
                    break

    claim = _Claims(nodes, head_grads.values())
    claiming = claim.active
    add = accumulate or _add
    grads = {}
    for (node, index), grad in head_grads.items():
        _accumulate(grads, node, index, grad, add, claim)

    # The loop below runs once per recorded operator of every eager backward: the common case
    # (one output, its gradient known, nothing to claim) takes no extra calls.
    pop, get = grads.pop, grads.get
    result = {}
    for node in reversed(nodes):
        node_id = id(node)
        if node_id not in needs_ids:
            continue
        op = node.op
        if op is None:
            grad = pop((node_id, 0), None)
            if grad is not None:
                result[node] = grad
            continue
        count = node.num_outputs
        if count == 1:
            grad = pop((node_id, 0), None)
            if grad is None:
                continue
            out_grads = [grad]
            outputs = [value_of(node, 0)]
        else:
            out_grads = [pop((node_id, i), None) for i in range(count)]
            if all(g is None for g in out_grads):
                continue
            outputs = [value_of(node, i) for i in range(count)]
            # Hidden outputs (BatchNorm's batch statistics, Convolution's columns) get no zeros.
            visible = op.num_visible_outputs(node.attrs)
            out_grads = [claim(F.zeros_like(v), node) if g is None and i < visible else g
                         for i, (g, v) in enumerate(zip(out_grads, outputs))]
        if op.gradient is None:
            if getattr(op, "differentiable", True):
                raise no_gradient_error(op.name)
            continue
        inputs = [value_of(child, index) for child, index in node.inputs]
        if check is not None:
            inputs, outputs = check(node, inputs, outputs)
        if op.gradient_takes_needs:
            needs = [id(child) in needs_ids for child, _ in node.inputs]
            in_grads = op.gradient(F, node.attrs, inputs, outputs, out_grads, needs=needs)
        else:
            in_grads = op.gradient(F, node.attrs, inputs, outputs, out_grads)
        if claiming:
            for grad in in_grads:
                claim(grad, node)
        for (child, index), grad in zip(node.inputs, in_grads):
            if grad is not None and id(child) in needs_ids:
                key = (id(child), index)          # _accumulate, written out
                previous = get(key)
                grads[key] = grad if previous is None else claim(add(child, index, previous, grad), child)
        # the next node's gradient runs without these locals holding this node's gradients
        # (a hybridized block's whole backward would keep its head gradient alive)
        in_grads = grad = previous = out_grads = None
    return result


def _add(node, index, previous, grad):
    return previous + grad


def _accumulate(grads, node, index, grad, add, claim):
    key = (id(node), index)
    previous = grads.get(key)
    grads[key] = grad if previous is None else claim(add(node, index, previous, grad), node)


class _Claims:
    """Sets `forward_node` on the graph nodes behind gradient values, as the pass creates them.

    Only values that are graph entries have nodes: symbols, and NDArrays recorded on a tape
    (`create_graph=True`); an ordinary eager backward claims nothing and costs one test per value.
    The forward graph, and whatever the head gradients were computed from, is never claimed."""

    def __init__(self, nodes, head_values):
        self.active = STATE.recording or any(_entries(v) for v in head_values)
        if not self.active:
            return
        heads = [e for v in head_values for e in _entries(v)]
        self.known = {id(n) for n in nodes}
        self.known.update(id(n) for n in topo_sort(heads))

    def __call__(self, value, owner):
        """Claims the unclaimed nodes behind `value` for `owner`; returns `value`."""
        if not self.active or value is None:
            return value
        known = self.known
        stack = [node for node, _ in _entries(value)]
        while stack:
            node = stack.pop()
            if node.op is None or id(node) in known or node.forward_node is not None:
                continue
            node.forward_node = owner
            known.add(id(node))
            stack.extend(child for child, _ in node.inputs)
        return value


def _entries(value):
    """The graph entries behind a gradient value: a Symbol's outputs, a recorded NDArray's entry."""
    entries = getattr(value, "output_entries", None)
    if entries is not None:
        return entries
    entry = getattr(value, "tape_entry", None)
    return [entry] if entry is not None else []
