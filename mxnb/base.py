"""Errors, dtype names and safe parsing of MXNet's string attributes.

MXNet stores every operator attribute as a string ("(3, 3)", "True", "None", "0.5"); symbols loaded
from JSON arrive that way. Parsing is done here, once per node, with `ast.literal_eval`-free code:
no `eval` ever touches a file's contents.
"""
import numpy as np

__all__ = ["MXNetError", "ShapeError", "DTypeError", "ContextError", "parse_bool", "parse_int",
           "parse_float", "parse_shape", "parse_optional", "dtype_np", "dtype_name", "format_attr"]


class MXNetError(Exception):
    """The error every mxnb failure raises (as MXNet's `mxnet.base.MXNetError`)."""


class ShapeError(MXNetError, ValueError):
    """Shapes that do not fit an operator."""


class DTypeError(MXNetError, TypeError):
    """A dtype an operator cannot take."""


class ContextError(MXNetError, ValueError):
    """Arrays on different devices given to one operator."""


class AttributeParseError(MXNetError, ValueError):
    """An attribute value that does not parse as the type the operator expects."""


_TRUE = {"true", "1"}
_FALSE = {"false", "0"}


def parse_bool(value):
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return bool(value)
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
    raise AttributeParseError("expected a boolean ('True'/'False'), found %r" % (value,))


def parse_int(value):
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise AttributeParseError("expected an integer, found %r" % (value,))


def parse_float(value):
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise AttributeParseError("expected a number, found %r" % (value,))


def parse_shape(value):
    """A tuple of ints from a tuple, list, int or MXNet's "(3, 3)" / "[3,3]" / "3" strings."""
    if isinstance(value, (tuple, list)):
        return tuple(parse_int(v) if v is not None else None for v in value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value),)
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "([" and text[-1:] in ")]":
            text = text[1:-1]
        parts = [p.strip() for p in text.split(",")]
        parts = [p for p in parts if p]
        try:
            return tuple(None if p == "None" else int(p) for p in parts)
        except ValueError:
            pass
    raise AttributeParseError("expected a shape such as (3, 3), found %r" % (value,))


def parse_optional(parser):
    """A parser that also accepts None / "None"."""
    def parse(value):
        if value is None or (isinstance(value, str) and value.strip() == "None"):
            return None
        return parser(value)
    parse.__name__ = "optional_" + parser.__name__
    return parse


_DTYPE_NAMES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16, "uint8": np.uint8,
    "int8": np.int8, "int32": np.int32, "int64": np.int64, "bool": np.bool_,
}
# MXNet's numeric type flags, as they appear in JSON `__dtype__` attributes.
DTYPE_FLAGS = {0: np.float32, 1: np.float64, 2: np.float16, 3: np.uint8, 4: np.int32, 5: np.int8,
               6: np.int64, 7: np.bool_}
DTYPE_TO_FLAG = {np.dtype(v): k for k, v in DTYPE_FLAGS.items()}


def dtype_np(dtype):
    """A NumPy dtype from a name ('float32'), a NumPy/Python type or an MXNet type flag."""
    if dtype is None:
        return np.dtype(np.float32)
    if isinstance(dtype, str):
        key = dtype.strip()
        if key.isdigit():
            return np.dtype(DTYPE_FLAGS[int(key)])
        if key in _DTYPE_NAMES:
            return np.dtype(_DTYPE_NAMES[key])
        raise DTypeError("unknown dtype %r; expected one of %s" % (dtype, sorted(_DTYPE_NAMES)))
    try:
        return np.dtype(dtype)
    except TypeError:
        raise DTypeError("unknown dtype %r" % (dtype,)) from None


def dtype_name(dtype):
    return np.dtype(dtype).name


def format_attr(value):
    """An attribute value as MXNet writes it in JSON."""
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if value is None:
        return "None"
    if isinstance(value, tuple):
        return "(" + ", ".join("None" if v is None else str(v) for v in value) + (",)" if len(value) == 1 else ")")
    if isinstance(value, np.dtype):
        return value.name
    if isinstance(value, float):
        return repr(value)
    return str(value)
