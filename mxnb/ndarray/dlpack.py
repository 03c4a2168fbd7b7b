"""DLPack exchange as MXNet 1.x has it: `to_dlpack_for_read` / `to_dlpack_for_write` hand out an
NDArray's memory as a DLPack capsule ("dltensor", the unversioned protocol MXNet and its
consumers speak), `from_dlpack` makes an NDArray over a capsule's memory, and `from_numpy`
one over a NumPy array's. Nothing is copied: both sides see each other's writes.

Capsules are made and read by NumPy (`__dlpack__`, `numpy.from_dlpack`); host (CPU) memory
only is imported. An NDArray imported from another NDArray's capsule shares that array's engine
variable (as views do), so under the threaded engine work on either is ordered as on one
buffer; the NumPy side of an exchange sees pushed writes once they are waited for
(`wait_to_read`, `mx.nd.waitall()`), as with MXNet.
"""
import ctypes
import weakref

import numpy as np

from .. import engine
from ..base import (ArgumentTypeError, FailedCheckError, InvalidArgumentError, MXNetError)
from ..context import cpu
from ..graph.tape import version_of
from .ndarray import NDArray, _wrap, array

__all__ = ["to_dlpack_for_read", "to_dlpack_for_write", "from_dlpack", "from_numpy"]

_CAPSULE_NAME = b"dltensor"
_capsule_is_valid = ctypes.pythonapi.PyCapsule_IsValid
_capsule_is_valid.restype = ctypes.c_int
_capsule_is_valid.argtypes = [ctypes.py_object, ctypes.c_char_p]


# The NDArrays whose memory was exported, by the memory's layout: an import of the same memory
# shares the exporter's engine variable and version counter.
_exporters = weakref.WeakValueDictionary()


def _layout(data):
    return (data.__array_interface__["data"][0], data.shape, data.strides, data.dtype.str)


def _export(array_):
    """A capsule over the NDArray's buffer (NumPy or CuPy). NumPy exports no read-only array in
    the unversioned protocol: such a buffer (a broadcast constant) is exported as a copy."""
    data = array_._data
    if isinstance(data, np.ndarray):
        if not data.flags.writeable:
            data = data.copy()
        else:
            _exporters[_layout(data)] = array_
    return data.__dlpack__()


def to_dlpack_for_read(data):
    """A DLPack capsule over `data`'s memory, once the pending work writing it has finished.

    Parameters
    ----------
    data : NDArray
        The array to share.

    Returns
    -------
    PyCapsule
        A "dltensor" capsule; a consumer (`from_dlpack`, another framework's) reads `data`'s
        memory through it. It can be consumed once.

    Examples
    --------
    >>> x = mx.nd.ones((2, 3))
    >>> y = mx.nd.from_dlpack(mx.nd.to_dlpack_for_read(x))
    >>> y.shape
    (2, 3)
    """
    _check_array("to_dlpack_for_read", data)
    data.wait_to_read()
    return _export(data)


def to_dlpack_for_write(data):
    """A DLPack capsule over `data`'s memory, once all pending work on it has finished, for a
    consumer that writes into it.

    Parameters
    ----------
    data : NDArray
        The array to share.

    Returns
    -------
    PyCapsule
        A "dltensor" capsule, consumable once.

    Examples
    --------
    >>> x = mx.nd.zeros((2,))
    >>> y = mx.nd.from_dlpack(mx.nd.to_dlpack_for_write(x))
    >>> y[:] = 5
    >>> x.asnumpy()
    array([5., 5.], dtype=float32)
    """
    _check_array("to_dlpack_for_write", data)
    data.wait_to_write()
    return _export(data)


class _Capsule:
    """A capsule as the object `numpy.from_dlpack` takes (one with `__dlpack__`)."""
    def __init__(self, capsule):
        self._capsule = capsule

    def __dlpack__(self, **kwargs):
        return self._capsule

    def __dlpack_device__(self):
        return (1, 0)       # kDLCPU: NumPy checks the capsule's own device too


def from_dlpack(dlpack):
    """An NDArray over the memory of a DLPack capsule (no copy), on the CPU.

    Parameters
    ----------
    dlpack : PyCapsule
        A "dltensor" capsule over host memory: from `to_dlpack_for_read` /
        `to_dlpack_for_write`, or another framework's exporter. It is consumed.

    Returns
    -------
    NDArray
        An array sharing the capsule's memory: writes to either side show on the other.

    Raises
    ------
    AssertionError
        (an MXNetError too) when the capsule is not an unconsumed DLPack tensor.

    Examples
    --------
    >>> x = mx.nd.array([1, 2, 3])
    >>> y = mx.nd.from_dlpack(x.to_dlpack_for_write())
    >>> y[0] = 10
    >>> x.asnumpy()
    array([10.,  2.,  3.], dtype=float32)
    """
    if not _capsule_is_valid(dlpack, _CAPSULE_NAME):
        raise FailedCheckError("from_dlpack: expected a DLPack tensor capsule ('dltensor'), "
                               "found %r; DLTensor capsules can be consumed only once" % (dlpack,))
    try:
        imported = np.from_dlpack(_Capsule(dlpack))
    except (BufferError, RuntimeError, TypeError, ValueError) as exc:
        raise MXNetError("from_dlpack: cannot import the tensor (only host memory can be): "
                         "%s" % exc) from None
    result = _wrap(_writeable(imported), cpu())
    exporter = _exporters.get(_layout(imported))
    if exporter is not None:        # one buffer: one engine variable, one version counter
        result._var = engine.var_of(exporter)
        result._version = version_of(exporter)
    return result


def _writeable(imported):
    """`imported` as a writeable array over the same memory. NumPy marks arrays it imports from
    unversioned capsules read-only, while MXNet lets both sides write (to_dlpack_for_write
    exists for that): the view goes through a ctypes buffer over the same bytes, which keeps
    `imported`, and so the producer's tensor, alive."""
    if imported.flags.writeable:
        return imported
    if imported.size == 0:
        return np.empty(imported.shape, imported.dtype)
    extents = [(n - 1) * s for n, s in zip(imported.shape, imported.strides)]
    low = sum(e for e in extents if e < 0)
    high = sum(e for e in extents if e > 0) + imported.itemsize
    buffer = (ctypes.c_char * (high - low)).from_address(imported.ctypes.data + low)
    buffer.owner = imported
    return np.ndarray(imported.shape, imported.dtype, buffer=buffer, offset=-low,
                      strides=imported.strides)


def from_numpy(ndarray, zero_copy=True, array_cls=NDArray):
    """An NDArray from a NumPy array, sharing its memory by default (as MXNet, through DLPack).

    Parameters
    ----------
    ndarray : numpy.ndarray
        The source; its dtype is kept.
    zero_copy : bool, optional
        True (default): the NDArray uses the NumPy array's memory, which must be C-contiguous;
        the NumPy array becomes read-only (as MXNet makes it: the NDArray owns the memory now,
        its writes show through). False: a copy.
    array_cls : type, optional
        Accepted for MXNet's signature (its NumPy-compatible arrays); an NDArray is returned.

    Returns
    -------
    NDArray
        On the CPU.

    Raises
    ------
    ValueError
        (an MXNetError too) with zero_copy for an array that is not C-contiguous.

    Examples
    --------
    >>> a = np.arange(3, dtype='float32')
    >>> x = mx.nd.from_numpy(a)
    >>> x[0] = 7
    >>> a
    array([7., 1., 2.], dtype=float32)
    """
    if not isinstance(ndarray, np.ndarray):
        raise ArgumentTypeError("from_numpy: expected a numpy.ndarray, found %s"
                                % type(ndarray).__name__)
    if not zero_copy:
        return array(ndarray, ctx=cpu(), dtype=ndarray.dtype)
    if not ndarray.flags.c_contiguous:
        raise InvalidArgumentError("from_numpy: only C-contiguous arrays are supported for "
                                   "zero-copy (use zero_copy=False, or numpy.ascontiguousarray)")
    shared = ndarray.view()         # writeable for the NDArray...
    ndarray.flags.writeable = False     # ...and read-only for the NumPy side, as MXNet does
    return _wrap(shared, cpu())


def _check_array(func, data):
    if not isinstance(data, NDArray):
        raise ArgumentTypeError("%s: expected an NDArray, found %s" % (func, type(data).__name__))
    if data._sparse:
        raise ArgumentTypeError("%s: a sparse array has no single dense buffer to share; "
                                "convert it with tostype('default') first" % func)


def _to_dlpack_for_read(self):
    """A DLPack capsule over this array's memory, for reading (see `nd.to_dlpack_for_read`).

    Returns
    -------
    PyCapsule

    Examples
    --------
    >>> mx.nd.from_dlpack(mx.nd.ones(2).to_dlpack_for_read()).asnumpy()
    array([1., 1.], dtype=float32)
    """
    return to_dlpack_for_read(self)


def _to_dlpack_for_write(self):
    """A DLPack capsule over this array's memory, for writing (see `nd.to_dlpack_for_write`).

    Returns
    -------
    PyCapsule

    Examples
    --------
    >>> x = mx.nd.zeros(2)
    >>> mx.nd.from_dlpack(x.to_dlpack_for_write())[:] = 1
    >>> x.asnumpy()
    array([1., 1.], dtype=float32)
    """
    return to_dlpack_for_write(self)


_to_dlpack_for_read.__name__ = "to_dlpack_for_read"
_to_dlpack_for_write.__name__ = "to_dlpack_for_write"
NDArray.to_dlpack_for_read = _to_dlpack_for_read
NDArray.to_dlpack_for_write = _to_dlpack_for_write
