"""Nested lists of arrays (or symbols) flattened to one list and grouped back, as the control
flow of `nd.contrib` and `sym.contrib` takes and returns them (layer 1: imports only `base`)."""
from .base import MXNetError

__all__ = ["flatten", "regroup"]


def flatten(args, leaf, what, expected):
    """(flat list, format) of a nested list; `leaf(x)` gives (items, format) for a leaf, or None.

    A format is 0 for one item, n for a leaf of n items, -1 for None, or a list of formats.
    """
    found = leaf(args)
    if found is not None:
        return found
    if args is None:
        return [], -1
    if not isinstance(args, (list, tuple)):
        raise MXNetError("%s must be %s, found %s" % (what, expected, type(args).__name__))
    flat, fmts = [], []
    for item in args:
        items, fmt = flatten(item, leaf, what, expected)
        flat.extend(items)
        fmts.append(fmt)
    return flat, fmts


def regroup(args, fmt):
    """(nested value, rest of args): the inverse of `flatten` for the format `fmt`."""
    if isinstance(fmt, int):
        if fmt == 0:
            return args[0], args[1:]
        if fmt == -1:
            return None, args
        return args[:fmt], args[fmt:]
    ret = []
    for f in fmt:
        res, args = regroup(args, f)
        ret.append(res)
    return ret, args
