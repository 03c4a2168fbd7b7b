"""Liveness of the values of a step list: where each is last read, and which values share
storage (a Reshape's output is a view of its input: the input's memory lives as long as either).
"""

__all__ = ["last_uses", "storage_groups", "NEVER"]

NEVER = float("inf")


def last_uses(steps, kept):
    """{slot: index of the last step reading it}; slots in `kept` live forever (NEVER)."""
    last = {}
    for i, step in enumerate(steps):
        for s in step.ins:
            last[s] = i
        for s in step.outs:
            last.setdefault(s, i)   # written but never read: dead right after its step
    for s in kept:
        last[s] = NEVER
    return last


def _root(array):
    while getattr(array, "base", None) is not None:
        array = array.base
    return array


def storage_groups(slots, values):
    """{slot: group id} where slots whose arrays share a root buffer share a group."""
    group = {}
    by_root = {}
    for s in slots:
        array = values[s]
        if array is None:
            continue
        root = id(_root(array))
        group[s] = by_root.setdefault(root, len(by_root))
    return group


def backward_reads(steps, own_slots):
    """(values, shapes): the slots not in `own_slots` that `steps` read as values, and those
    they read for the shape and dtype only (`Operator.unused_inputs`), never as values."""
    values, shapes = set(), set()
    for step in steps:
        unused = ()
        declared = getattr(step.op, "unused_inputs", None)
        if declared is not None:
            unused = declared(step.attrs)
        for k, s in enumerate(step.ins):
            if s in own_slots:
                continue
            (shapes if k in unused else values).add(s)
    return values, shapes - values


_STUBS = {}     # (shape, dtype, device) -> stub: read-only views, so one serves every run


def shape_stub(array):
    """An array with `array`'s shape and dtype that holds one element (every stride 0): what a
    step that reads only the shape gets, so the values themselves can be freed."""
    device = getattr(array, "device", None)
    key = (array.shape, array.dtype, None if device is None else getattr(device, "id", device))
    stub = _STUBS.get(key)
    if stub is None:
        from ... import backend
        xp = backend.array_module(array)
        stub = xp.broadcast_to(xp.zeros((), dtype=array.dtype), array.shape)
        if len(_STUBS) > 512:
            _STUBS.clear()
        _STUBS[key] = stub
    return stub
