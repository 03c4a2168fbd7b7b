"""Creation functions of `mx.nd` (zeros, ones, full, empty, arange, eye, ...) and `moveaxis`.

As MXNet's, `zeros`, `ones` and `eye` pass their extra keyword arguments to the operator they
call, which takes `out=` (the array to fill and return) and `name=` only; `full` takes `out=`
itself and fills it whatever its shape.
"""
import operator
import sys

import numpy as np

from .. import backend
from ..base import (ArgumentTypeError, DTypeError, InvalidArgumentError, MXNetError,
                    dtype_np)
from ..context import current_context
from ..ops import registry
from ..util import is_np_shape
from .ndarray import NDArray, _wrap, invoke, array

_ZEROS, _ONES, _FULL, _ARANGE = (registry.get(n) for n in ("_zeros", "_ones", "_full", "_arange"))


def _shape(shape):
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def _called_from_mxnb(depth):
    """Whether the caller `depth` frames up is mxnb's own code (a layer, a metric, an optimizer),
    which builds 0-d and zero-size arrays internally as MXNet's C++ does."""
    name = sys._getframe(depth + 1).f_globals.get("__name__", "")  # pylint: disable=protected-access
    return name == "mxnb" or name.startswith("mxnb.")


def _check_legacy_shape(func, shape, zero_size_ok=False):
    """MXNet 1.x without np_shape reads `()` and a dimension 0 as "unknown", so its creation
    functions called from user code reject them (`zero_size_ok`: `full` accepts 0 dims)."""
    if shape != () and (zero_size_ok or 0 not in shape):
        return                          # (the common case: no frame is looked at)
    if is_np_shape() or _called_from_mxnb(2):
        return
    if shape == ():
        raise MXNetError("%s: shape () means an unknown shape unless NumPy shape semantics are on "
                         "(mx.np_shape() / mx.set_np_shape(True) for a scalar array)" % func)
    if not zero_size_ok and 0 in shape:
        raise MXNetError("%s: shape %s has a dimension 0, which means unknown unless NumPy shape "
                         "semantics are on (mx.np_shape() / mx.set_np_shape(True) for a zero-size "
                         "array)" % (func, shape))


def _out_argument(func, kwargs):
    """The `out=` among `func`'s extra keyword arguments, which may be `out` and `name` only (the
    arguments MXNet's creation operators take besides their attributes)."""
    for key in kwargs:
        if key not in ("out", "name"):
            raise MXNetError("%s got an unknown argument %r; besides its own it takes out= and "
                             "name= only" % (func, key))
    out = kwargs.get("out")
    if out is not None and not isinstance(out, NDArray):
        raise ArgumentTypeError("%s: out= must be an NDArray, found %s" % (func, type(out).__name__))
    return out


def _check_out_dtype(func, out, dtype):
    """MXNet refuses to write a result into an out= of another dtype (type inference)."""
    if out is not None and out.dtype != dtype:
        raise DTypeError("%s: out= has dtype %s, the result has dtype %s"
                         % (func, np.dtype(out.dtype).name, np.dtype(dtype).name))


def _sparse(func, stype, shape, ctx, dtype, out):
    """An empty csr / row_sparse array (a sparse zeros)."""
    if out is not None:
        raise ArgumentTypeError("%s: out= is not supported with stype %r" % (func, stype))
    from .sparse import zeros as sparse_zeros
    return sparse_zeros(stype, shape, ctx=ctx, dtype=dtype)


def _dense_constant(func, op, shape, ctx, dtype, out):
    """`op` (_zeros / _ones) of this shape and dtype, written into `out` when given."""
    dtype = dtype_np(dtype)
    _check_out_dtype(func, out, dtype)
    return invoke(op, [], {"shape": shape, "ctx": ctx or current_context(), "dtype": dtype}, out)


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs):
    """An array of zeros.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape. As in MXNet 1.x, `()` and dimensions 0 mean "unknown" and are
        rejected (MXNetError) unless NumPy shape semantics are on (`mx.np_shape()`).
    ctx : Context, optional
        Its device (default: the current context).
    dtype : str or numpy.dtype, optional
        Its dtype (default float32).
    stype : str, optional
        'default' (or None) for a dense array, 'csr' or 'row_sparse' for a sparse one.
    **kwargs
        `out=`: an NDArray of this shape and dtype to fill and return instead of a new one;
        `name=` (ignored, as for any imperative call).

    Returns
    -------
    NDArray
        The zeros (`out` when given).

    Examples
    --------
    >>> mx.nd.zeros((2, 3)).asnumpy()
    array([[0., 0., 0.],
           [0., 0., 0.]], dtype=float32)
    >>> o = mx.nd.ones((2,))
    >>> mx.nd.zeros((2,), out=o) is o
    True
    """
    out = _out_argument("zeros", kwargs)
    shape = _shape(shape)
    _check_legacy_shape("zeros", shape)
    if stype is not None and stype != "default":
        return _sparse("zeros", stype, shape, ctx, dtype, out)
    return _dense_constant("zeros", _ZEROS, shape, ctx, dtype, out)


def ones(shape, ctx=None, dtype=None, **kwargs):
    """An array of ones.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape. As in MXNet 1.x, `()` and dimensions 0 mean "unknown" and are
        rejected (MXNetError) unless NumPy shape semantics are on (`mx.np_shape()`).
    ctx : Context, optional
        Its device (default: the current context).
    dtype : str or numpy.dtype, optional
        Its dtype (default float32).
    **kwargs
        `out=`: an NDArray of this shape and dtype to fill and return instead of a new one;
        `name=` (ignored).

    Returns
    -------
    NDArray
        The ones (`out` when given).

    Examples
    --------
    >>> mx.nd.ones(3, dtype='int32').asnumpy()
    array([1, 1, 1], dtype=int32)
    """
    out = _out_argument("ones", kwargs)
    shape = _shape(shape)
    _check_legacy_shape("ones", shape)
    return _dense_constant("ones", _ONES, shape, ctx, dtype, out)


def full(shape, val, ctx=None, dtype=np.float32, out=None):
    """An array filled with `val`.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape; `()` is rejected (MXNetError) unless NumPy shape semantics are on.
    val : scalar
        The value of every element.
    ctx : Context, optional
        Its device (default: the current context).
    dtype : str or numpy.dtype, optional
        Its dtype (default float32).
    out : NDArray, optional
        An array to fill with `val` and return instead of a new one; as in MXNet, it keeps its
        own shape and dtype.

    Returns
    -------
    NDArray
        The filled array (`out` when given).

    Examples
    --------
    >>> mx.nd.full((2,), 7).asnumpy()
    array([7., 7.], dtype=float32)
    """
    if out is not None:
        out[:] = val
        return out
    shape = _shape(shape)
    _check_legacy_shape("full", shape, zero_size_ok=True)
    return invoke(_FULL, [], {"shape": shape, "ctx": ctx or current_context(),
                              "dtype": dtype_np(dtype), "value": float(val)})


def empty(shape, ctx=None, dtype=None, stype=None):
    """An array whose values are not set.

    Parameters
    ----------
    shape : int or tuple of int
        The array's shape.
    ctx : Context, optional
        Its device (default: the current context).
    dtype : str or numpy.dtype, optional
        Its dtype (default float32).
    stype : str, optional
        'default' (or None) for a dense array, 'csr' or 'row_sparse' for a sparse one (with no
        stored values).

    Returns
    -------
    NDArray, CSRNDArray or RowSparseNDArray

    Examples
    --------
    >>> mx.nd.empty((2, 3)).shape
    (2, 3)
    >>> mx.nd.empty((2, 3), stype='csr').stype
    'csr'
    """
    if stype is not None and stype != "default":
        return _sparse("empty", stype, shape, ctx, dtype, None)
    ctx = ctx or current_context()
    with backend.device_scope(ctx):
        return _wrap(backend.xp_of(ctx).empty(_shape(shape), dtype=dtype_np(dtype)), ctx)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=None, ctx=None, dtype=np.float32):
    """Evenly spaced values in [start, stop), each repeated `repeat` times.

    Parameters
    ----------
    start : number
        The first value (the end, from 0, when `stop` is None).
    stop : number, optional
        The end (excluded).
    step : number, optional
        The spacing (default 1).
    repeat : int, optional
        How many times each value appears (default 1).
    infer_range : bool, optional
        Unused by imperative calls (MXNet's symbols infer `stop` from the shape).
    ctx : Context, optional
        The device (default: the current context).
    dtype : str or numpy.dtype, optional
        The dtype (default float32).

    Returns
    -------
    NDArray

    Examples
    --------
    >>> mx.nd.arange(3).asnumpy()
    array([0., 1., 2.], dtype=float32)
    """
    return invoke(_ARANGE, [], _ARANGE.parse_attrs(
        {"start": start, "stop": stop, "step": step, "repeat": repeat,
         "infer_range": bool(infer_range), "ctx": ctx or current_context(),
         "dtype": dtype if dtype is not None else "float32"}))


def eye(N, M=0, k=0, ctx=None, dtype=None, **kwargs):
    """A 2-D array with ones on a diagonal and zeros elsewhere.

    Parameters
    ----------
    N : int
        The number of rows.
    M : int, optional
        The number of columns (0: N).
    k : int, optional
        The diagonal: 0 the main one, above it positive, below it negative.
    ctx : Context, optional
        The device (default: the current context).
    dtype : str or numpy.dtype, optional
        The dtype (default float32).
    **kwargs
        `out=`: an NDArray of this shape and dtype to fill and return; `name=` (ignored).

    Returns
    -------
    NDArray

    Examples
    --------
    >>> mx.nd.eye(2, 3, k=1).asnumpy()
    array([[0., 1., 0.],
           [0., 0., 1.]], dtype=float32)
    """
    out = _out_argument("eye", kwargs)
    dtype = dtype_np(dtype)
    _check_out_dtype("eye", out, dtype)
    result = array(np.eye(N, M or None, k), ctx=ctx, dtype=dtype)
    if out is None:
        return result
    if out.shape != result.shape:
        raise MXNetError("eye: out= has shape %s, the result has shape %s"
                         % (out.shape, result.shape))
    out[:] = result
    return out


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=np.float32):
    """`num` evenly spaced values from `start` to `stop`.

    Parameters
    ----------
    start, stop : number
        The first and last values (the last one excluded when `endpoint` is False).
    num : int
        How many values.
    endpoint : bool, optional
        Whether `stop` is the last value (default True).
    ctx : Context, optional
        The device (default: the current context).
    dtype : str or numpy.dtype, optional
        The dtype (default float32).

    Returns
    -------
    NDArray

    Examples
    --------
    >>> mx.nd.linspace(0, 1, 3).asnumpy()
    array([0. , 0.5, 1. ], dtype=float32)
    """
    return array(np.linspace(start, stop, num, endpoint=endpoint), ctx=ctx,
                 dtype=dtype if dtype is not None else np.float32)


def concatenate(arrays, axis=0, always_copy=True):
    """The arrays joined along `axis` (as `concat`).

    Parameters
    ----------
    arrays : list of NDArray
        Arrays of the same shape except along `axis`.
    axis : int, optional
        The axis to join along (default 0).
    always_copy : bool, optional
        Kept for MXNet's signature: the result is always a new array.

    Returns
    -------
    NDArray

    Examples
    --------
    >>> mx.nd.concatenate([mx.nd.ones((1, 2)), mx.nd.zeros((1, 2))]).shape
    (2, 2)
    """
    from . import concat
    return concat(*arrays, dim=axis)


def _normalized_axes(tensor, axes, role):
    """`axes` (an int or a sequence of ints) as non-negative axes of `tensor`, each once."""
    listed = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    result = []
    for axis in listed:
        axis = operator.index(axis)
        if not -tensor.ndim <= axis < tensor.ndim:
            raise InvalidArgumentError("moveaxis: %s axis %d is outside an array of %d axes"
                                       % (role, axis, tensor.ndim))
        result.append(axis % tensor.ndim)
    if len(set(result)) != len(result):
        raise InvalidArgumentError("moveaxis: repeated axis in %s %r" % (role, axes))
    return result


def moveaxis(tensor, source, destination):
    """`tensor` with axes `source` moved to positions `destination`, the others keeping their
    order.

    Parameters
    ----------
    tensor : NDArray
        The array.
    source : int or sequence of int
        The axes to move (negative counts from the end).
    destination : int or sequence of int
        Their new positions, as many as `source`.

    Returns
    -------
    NDArray
        The transposed array.

    Raises
    ------
    ValueError
        (an MXNetError too) for an axis outside the array, a repeated axis, or `source` and
        `destination` of different lengths.

    Examples
    --------
    >>> mx.nd.moveaxis(mx.nd.ones((2, 3, 4)), 0, -1).shape
    (3, 4, 2)
    """
    source = _normalized_axes(tensor, source, "source")
    destination = _normalized_axes(tensor, destination, "destination")
    if len(source) != len(destination):
        raise InvalidArgumentError("moveaxis: source %s and destination %s must have the same "
                                   "number of axes" % (source, destination))
    order = [axis for axis in range(tensor.ndim) if axis not in source]
    for position, axis in sorted(zip(destination, source)):
        order.insert(position, axis)
    return tensor.transpose(axes=tuple(order))
