"""Creation functions of `mx.nd` (zeros, ones, full, arange, eye, ...)."""
import numpy as np

from ..base import dtype_np
from ..context import current_context
from ..ops import registry
from .ndarray import invoke, array

_ZEROS, _ONES, _FULL, _ARANGE = (registry.get(n) for n in ("_zeros", "_ones", "_full", "_arange"))


def _shape(shape):
    return (shape,) if isinstance(shape, (int, np.integer)) else tuple(shape)


def zeros(shape, ctx=None, dtype=None, stype=None, **kwargs):
    if stype is not None and stype != "default":     # an empty csr / row_sparse array
        from .sparse import zeros as sparse_zeros
        return sparse_zeros(stype, shape, ctx=ctx, dtype=dtype)
    return invoke(_ZEROS, [], {"shape": _shape(shape), "ctx": ctx or current_context(),
                               "dtype": dtype_np(dtype)})


def ones(shape, ctx=None, dtype=None, **kwargs):
    return invoke(_ONES, [], {"shape": _shape(shape), "ctx": ctx or current_context(),
                              "dtype": dtype_np(dtype)})


def full(shape, val, ctx=None, dtype=None, out=None):
    return invoke(_FULL, [], {"shape": _shape(shape), "ctx": ctx or current_context(),
                              "dtype": dtype_np(dtype), "value": float(val)}, out)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, ctx=None, dtype=None):
    return invoke(_ARANGE, [], _ARANGE.parse_attrs(
        {"start": start, "stop": stop, "step": step, "repeat": repeat,
         "ctx": ctx or current_context(), "dtype": dtype if dtype is not None else "float32"}))


def eye(N, M=0, k=0, ctx=None, dtype=None):
    return array(np.eye(N, M or None, k), ctx=ctx, dtype=dtype or np.float32)


def linspace(start, stop, num, endpoint=True, ctx=None, dtype=None):
    return array(np.linspace(start, stop, num, endpoint=endpoint), ctx=ctx, dtype=dtype or np.float32)


def concatenate(arrays, axis=0, always_copy=True):
    from . import concat
    return concat(*arrays, dim=axis)


def moveaxis(tensor, source, destination):
    axes = list(range(tensor.ndim))
    axes.insert(destination % tensor.ndim, axes.pop(source % tensor.ndim))
    return tensor.transpose(axes=tuple(axes))
