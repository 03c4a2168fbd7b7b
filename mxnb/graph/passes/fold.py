"""Constant folding: nodes that depend on no input of the graph (creation operators such as
`zeros`, `ones`, `arange`, and what is computed from them alone) are computed once per context
and reused by every later run.

Samplers and mode-dependent operators are never constants; neither is a creation operator whose
shape still has unknown (0) dimensions (the executor fills those in at bind).
"""

__all__ = ["constant_nodes"]


def _foldable(node):
    op = node.op
    if op is None or getattr(op, "needs_extras", True) or not hasattr(op, "num_aux"):
        return False
    if op.num_aux(node.attrs) or "Custom" in op.name:
        return False
    shape = node.attrs.get("shape")
    if shape is not None and 0 in tuple(shape or ()):
        return False
    return True


def constant_nodes(nodes):
    """ids of the operator nodes of `nodes` (topological order) whose values are constants."""
    constant = set()
    for node in nodes:
        if node.op is None or not _foldable(node):
            continue
        if all(id(child) in constant for child, _ in node.inputs):
            constant.add(id(node))
    return constant
