"""Shape and type inference over a graph: each operator's partial, two-way rules run to a fixed
point, so a weight's shape follows from the data and an output's from its inputs."""
from ..base import MXNetError, parse_shape, dtype_np
from ..util import is_np_shape

__all__ = ["infer_shapes", "infer_types", "given_unknown_dims"]

_MAX_SWEEPS = 8


def _known(shape):
    return shape is not None and 0 not in shape


def _merge(old, new):
    """The more complete of two partial shapes; an error if they disagree."""
    if new is None:
        return old, False
    new = tuple(new)
    if old is None:
        return new, True
    if old == new:
        return old, False
    if len(old) != len(new) or any(a and b and a != b for a, b in zip(old, new)):
        return old, None   # conflict
    merged = tuple(a or b for a, b in zip(old, new))
    return merged, merged != old


def infer_shapes(nodes, known):
    """{(id(node), index): shape} for every entry that can be inferred.

    `known` maps variable names to shapes; variables' `__shape__` attributes count too.
    """
    table = {}
    for node in nodes:
        shape = _given_shape(node, known)
        if shape is not None:
            table[(id(node), 0)] = _as_inference_shape(shape)
    return _fixed_point(nodes, table, "shape", _infer_node_shape)


def _given_shape(node, known):
    """A variable's shape from `known` (by name) or its `__shape__` attribute; None otherwise."""
    if node.op is not None:
        return None
    shape = known.get(node.name)
    if shape is None and "__shape__" in node.user_attrs:
        shape = parse_shape(node.user_attrs["__shape__"])
    return None if shape is None else tuple(shape)


def _as_inference_shape(shape):
    """The operators' rules mark an unknown dimension 0; with NumPy shape semantics on, the
    user marks it -1 (0 being a zero-size dimension), so -1 becomes 0 here."""
    if is_np_shape():
        return tuple(0 if d == -1 else d for d in shape)
    return shape


def given_unknown_dims(nodes, known):
    """Whether, with NumPy shape semantics on, a variable's given shape has an unknown (-1)
    dimension: then a 0 in the inferred shapes means unknown, not zero-size."""
    if not is_np_shape():
        return False
    for node in nodes:
        shape = _given_shape(node, known)
        if shape is not None and -1 in shape:
            return True
    return False


def infer_types(nodes, known, partial=False):
    """{(id(node), index): dtype} for the entries of `nodes` from the variables' `known`
    dtypes (by name) and their `__dtype__` attributes; what nothing constrains is float32, as
    MXNet's, unless `partial` (then it is left out: infer_type_partial's None)."""
    from ..base import DTYPE_FLAGS
    table = {}
    for node in nodes:
        if node.op is None:
            dtype = known.get(node.name)
            if dtype is None and "__dtype__" in node.user_attrs:
                dtype = dtype_np(DTYPE_FLAGS[int(node.user_attrs["__dtype__"])])
            if dtype is not None:
                table[(id(node), 0)] = dtype_np(dtype)
    table = _fixed_point(nodes, table, "type", _infer_node_type)
    if partial:
        return table
    # As MXNet: what nothing constrains is float32.
    for node in nodes:
        if node.op is None and (id(node), 0) not in table:
            table[(id(node), 0)] = dtype_np("float32")
    return _fixed_point(nodes, table, "type", _infer_node_type)


def _infer_node_shape(node, in_shapes):
    return node.op.infer_shape(node.attrs, in_shapes)


def _infer_node_type(node, in_types):
    return node.op.infer_type(node.attrs, in_types)


def _fixed_point(nodes, table, what, rule):
    for _ in range(_MAX_SWEEPS):
        changed = False
        for node in nodes:
            if node.op is None:
                continue
            ins = [table.get((id(c), i)) for c, i in node.inputs]
            try:
                new_ins, outs = rule(node, ins)
            except MXNetError as exc:
                raise type(exc)("%s inference failed at node %s (operator %s) with input %ss %s: %s"
                                % (what, node.name, node.op.name, what, _describe(node, ins), exc)) from None
            for (child, i), value in zip(node.inputs, new_ins):
                changed |= _store(table, (id(child), i), value, node, what)
            for i, value in enumerate(outs):
                changed |= _store(table, (id(node), i), value, node, what)
            backward = what == "shape" and getattr(node.op, "infer_shape_backward", None)
            if backward:
                # Known outputs (fixed downstream) fill the inputs' unknown dims.
                out_shapes = [table.get((id(node), i)) for i in range(len(outs))]
                ins = [table.get((id(c), i)) for c, i in node.inputs]
                if any(s is not None for s in out_shapes) and any(s is None or 0 in s for s in ins):
                    try:
                        new_ins = backward(node.attrs, ins, out_shapes)
                    except MXNetError as exc:
                        raise type(exc)("shape inference failed at node %s (operator %s) with "
                                        "output shapes %s: %s" % (node.name, node.op.name,
                                                                  out_shapes, exc)) from None
                    for (child, i), value in zip(node.inputs, new_ins):
                        changed |= _store(table, (id(child), i), value, node, what)
        if not changed:
            break
    return table


def _store(table, key, value, node, what):
    if value is None:
        return False
    if what == "type":
        value = dtype_np(value)
        old = table.get(key)
        if old is None:
            table[key] = value
            return True
        if old != value:
            raise MXNetError("type inference failed at node %s (operator %s): found %s where %s was "
                             "inferred" % (node.name, node.op.name, value, old))
        return False
    merged, changed = _merge(table.get(key), value)
    if changed is None:
        raise MXNetError("shape inference failed at node %s (operator %s): an input or output has "
                         "shape %s here but %s elsewhere" % (node.name, node.op.name, tuple(value),
                                                              table.get(key)))
    if changed:
        table[key] = merged
    return bool(changed)


def _describe(node, values):
    names = node.op.input_names(node.attrs)
    return "{%s}" % ", ".join("%s: %s" % (n, v) for n, v in zip(names, values))
