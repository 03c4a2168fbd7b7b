"""Errors, dtype names and safe parsing of MXNet's string attributes.

MXNet stores every operator attribute as a string ("(3, 3)", "True", "None", "0.5"); symbols loaded
from JSON arrive that way. Parsing is done here, once per node, with `ast.literal_eval`-free code:
no `eval` ever touches a file's contents.
"""
import ctypes

import numpy as np

__all__ = ["MXNetError", "ShapeError", "DTypeError", "ContextError", "parse_bool", "parse_int",
           "parse_float", "parse_shape", "parse_optional", "dtype_np", "dtype_name", "format_attr",
           "InvalidArgumentError", "FailedCheckError", "ArgumentTypeError", "string_types",
           "numeric_types", "integer_types", "py_str",
           "NotImplementedForSymbol", "NotSupportedForSparseNDArray", "classproperty", "data_dir",
           "check_call", "mx_real_t", "SymbolHandle", "NDArrayHandle", "c_handle_array",
           "NoCLibraryError", "InvalidHandleError"]


class MXNetError(RuntimeError):
    """The error every mxnb failure raises (as MXNet's `mxnet.base.MXNetError`, a RuntimeError:
    code that catches RuntimeError catches it, as with MXNet).

    Parameters
    ----------
    *args
        The error message (and any further arguments), as for any exception.

    Examples
    --------
    >>> try:
    ...     mx.nd.ones((2, 3)) + mx.nd.ones((4,))
    ... except mx.base.MXNetError as err:
    ...     print(type(err).__name__)
    ShapeError
    """


class ShapeError(MXNetError, ValueError):
    """Shapes that do not fit an operator."""


class DTypeError(MXNetError, TypeError):
    """A dtype an operator cannot take."""


class ContextError(MXNetError, ValueError):
    """Arrays on different devices given to one operator."""


class InvalidArgumentError(MXNetError, ValueError):
    """An argument a function cannot take (a ValueError too, as MXNet raises for it)."""


class AttributeParseError(MXNetError, ValueError):
    """An attribute value that does not parse as the type the operator expects."""


class FailedCheckError(MXNetError, AssertionError):
    """A precondition MXNet checks with `assert` does not hold (an AssertionError too, as
    MXNet's own tests expect)."""


class ArgumentTypeError(MXNetError, TypeError):
    """An argument or attribute of the wrong Python type (a TypeError too, as MXNet raises)."""


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


# --- names MXNet code imports from mxnet.base -----------------------------------------------------
string_types = (str,)
numeric_types = (float, int, np.generic)
integer_types = (int, np.int32, np.int64)
py_str = lambda x: x.decode("utf-8") if isinstance(x, bytes) else str(x)  # noqa: E731 (MXNet's form)
mx_real_t = np.float32
mx_uint = int
mx_int = int
mx_float = float


class _NullType:
    """MXNet's placeholder for 'argument not given'."""

    def __repr__(self):
        return "_Null"


_Null = _NullType()


def _as_list(obj):
    """`obj` if it is a list or tuple, else `[obj]`."""
    return obj if isinstance(obj, (list, tuple)) else [obj]


class _UnavailableForType(MXNetError):
    _what = ""

    def __init__(self, function, alias, *args):
        super().__init__()
        self.function = getattr(function, "__name__", str(function))
        self.alias = alias
        self.args = [str(type(a)) for a in args]

    def __str__(self):
        msg = "Function %s" % self.function
        if self.alias:
            msg += ' (namely operator "%s")' % self.alias
        if self.args:
            msg += " with arguments (%s)" % ", ".join(self.args)
        return msg + self._what


class NotImplementedForSymbol(_UnavailableForType):
    """A function that exists for NDArray but not for Symbol."""
    _what = " is not implemented for Symbol and only available in NDArray."


class NotSupportedForSparseNDArray(_UnavailableForType):
    """A function that exists for dense NDArrays but not for sparse ones."""
    _what = " is not supported for SparseNDArray and only available in NDArray."


class _ClassProperty:
    def __init__(self, fget):
        self.fget = fget

    def __get__(self, obj, klass=None):
        return self.fget.__get__(obj, klass if klass is not None else type(obj))()


def classproperty(func):
    """A read-only property on the class (MXNet's `mxnet.base.classproperty`)."""
    if not isinstance(func, (classmethod, staticmethod)):
        func = classmethod(func)
    return _ClassProperty(func)


def data_dir_default():
    """Where MXNet keeps downloaded data: ~/.mxnet."""
    import os
    return os.path.join(os.path.expanduser("~"), ".mxnet")


def data_dir():
    """$MXNET_HOME, or ~/.mxnet."""
    import os
    return os.getenv("MXNET_HOME", data_dir_default())


# --- C API names -----------------------------------------------------------------------------------
# MXNet code imports these next to the helpers above; mxnb has no C library behind them.
SymbolHandle = ctypes.c_void_p
NDArrayHandle = ctypes.c_void_p


class NoCLibraryError(MXNetError, AttributeError):
    """A C API function asked of `_LIB`: mxnb has no MXNet C library (an AttributeError too, as
    a missing attribute of a ctypes library is)."""


class _NoCLibrary:
    """`_LIB`: stands where MXNet's ctypes handle on libmxnet is; any function asked of it raises
    `NoCLibraryError` naming the function, so code that calls the C API fails clearly instead
    of running against nothing.

    Examples
    --------
    >>> try:
    ...     mx.base._LIB.MXGetVersion
    ... except mx.base.MXNetError as err:
    ...     print(str(err).split(" (")[0])
    mxnb has no MXNet C library: _LIB.MXGetVersion
    """

    def __getattr__(self, name):
        raise NoCLibraryError(
            "mxnb has no MXNet C library: _LIB.%s (a function of MXNet's C API) is not available; "
            "mxnb implements MXNet's Python API in Python, so use that API instead of ctypes calls"
            % name)

    def __repr__(self):
        return "<mxnb: no MXNet C library>"


_LIB = _NoCLibrary()


def c_handle_array(objs):
    """The handles of MXNet objects, as MXNet's `c_handle_array` collects them for a C call.

    mxnb's handles are the arrays themselves, not C pointers, so this is a list, not a ctypes
    `void *` array.

    Parameters
    ----------
    objs : list of NDArray
        Objects with a `handle`.

    Returns
    -------
    list
        `[o.handle for o in objs]`.

    Examples
    --------
    >>> a = mx.nd.ones((2,))
    >>> mx.base.c_handle_array([a])[0] is a.handle
    True
    """
    handles = []
    for i, obj in enumerate(objs):
        handle = getattr(obj, "handle", None)
        if handle is None:
            raise InvalidHandleError("c_handle_array: object %d (%s) has no handle; expected "
                                     "NDArrays" % (i, type(obj).__name__))
        handles.append(handle)
    return handles


class InvalidHandleError(MXNetError, AttributeError):
    """An object without a `handle` given where handles are collected (an AttributeError too,
    as MXNet's `o.handle` raises)."""


def check_call(ret):
    """MXNet checks C API return codes with this; mxnb has no C library, so it only passes
    through 0 and raises for anything else."""
    if ret != 0:
        raise MXNetError("call returned %r" % (ret,))
