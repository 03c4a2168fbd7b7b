"""Common-subexpression elimination: the same operator with the same attributes on the same
inputs is one value.

Only operators whose result depends on nothing but their inputs and attributes are merged:
samplers and operators that read the training mode or a random state (`needs_extras`), stateful
operators (auxiliary states, Custom), are left alone.
"""

__all__ = ["find_duplicates", "attrs_key"]


def attrs_key(attrs):
    """A hashable key for parsed attributes, or None when a value cannot be one."""
    try:
        key = tuple(sorted((k, _freeze(v)) for k, v in attrs.items()))
        hash(key)
        return key
    except TypeError:
        return None


def _freeze(value):
    if isinstance(value, list):
        return ("__list__",) + tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        raise TypeError("dict attribute")
    # type in the key: 1 and 1.0 and True hash alike but may compute differently
    return (type(value).__name__, value)


def mergeable(op, attrs):
    if op is None or getattr(op, "needs_extras", True) or not hasattr(op, "num_aux"):
        return False
    if op.num_aux(attrs) or "Custom" in op.name or "_state" in attrs:
        return False
    return True


def find_duplicates(nodes):
    """{id(node): the earlier node it repeats}, for `nodes` in topological order."""
    seen = {}
    survivor = {}
    for node in nodes:
        op = node.op
        if not mergeable(op, node.attrs):
            continue
        akey = attrs_key(node.attrs)
        if akey is None:
            continue
        inputs = tuple((id(survivor.get(id(child), child)), i) for child, i in node.inputs)
        key = (id(op), akey, inputs, node.num_outputs)
        first = seen.get(key)
        if first is None:
            seen[key] = node
        else:
            survivor[id(node)] = first
    return survivor
