"""Partial-shape helpers shared by the nn operators (None = unknown shape, 0 = unknown dim)."""
from ...base import ShapeError

__all__ = ["is_known", "merge", "prod"]


def is_known(shape):
    return shape is not None and 0 not in shape


def prod(dims):
    out = 1
    for d in dims:
        out *= d
    return out


def merge(given, expected, op, what):
    """The two partial shapes combined; ShapeError naming `op` and `what` if they disagree."""
    if given is None:
        return None if expected is None else tuple(expected)
    if expected is None:
        return tuple(given)
    if len(given) != len(expected) or any(a and b and a != b for a, b in zip(given, expected)):
        raise ShapeError("%s: %s should have shape %s, found %s"
                         % (op, what, _show(expected), tuple(given)))
    return tuple(a or b for a, b in zip(given, expected))


def _show(shape):
    """A partial shape with unknown dims written as '?'."""
    return "(%s%s)" % (", ".join(str(d) if d else "?" for d in shape), "," if len(shape) == 1 else "")
