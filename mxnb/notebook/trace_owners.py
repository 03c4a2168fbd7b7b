"""Which forward node each backward node differentiates.

The gradient pass sets `forward_node` on every node it creates (mxnb/graph/gradient.py): an
executor's or a CachedOp's backward nodes, named `_grad_<hint><n>`, carry the forward node whose
gradient they compute; a sum of the gradients of an entry used more than once carries that
entry's node (a weight used twice: the weight). The debugger shows it as the step's owner.
"""

__all__ = ["owner_name"]


def owner_name(node):
    """The name of the forward node that graph node `node` belongs to, or None (a forward node,
    or a node built outside the gradient pass)."""
    forward = node.forward_node
    return None if forward is None else forward.name
