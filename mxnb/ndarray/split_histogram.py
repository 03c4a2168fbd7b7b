"""`nd.split_v2` and `nd.histogram`: MXNet's Python front ends of the _split_v2 and _histogram
operators (NumPy-style arguments)."""
import warnings

import numpy as np

from ..base import MXNetError
from .ndarray import NDArray, array

__all__ = ["split_v2", "histogram"]


def _ops():
    from .. import ndarray
    return ndarray


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Split an array into multiple sub-arrays.

    Parameters
    ----------
    ary : NDArray
        Array to be divided into sub-arrays.
    indices_or_sections : int or tuple of ints
        If an integer N, the array is divided into N equal arrays along `axis`. If a sorted
        tuple of integers, the entries say where along `axis` the array is split.
    axis : int, optional
        The axis along which to split, default is 0.
    squeeze_axis: boolean, optional
        Whether to squeeze the axis of sub-arrays or not, only useful when size of the
        sub-arrays are 1 on the `axis`. Default is False.

    Returns
    -------
    NDArray or list of NDArrays
        The sub-arrays.

    Example
    -------
    >>> parts = mx.nd.split_v2(mx.nd.arange(6).reshape((2, 3)), [1], axis=1)
    >>> [p.shape for p in parts]
    [(2, 1), (2, 2)]
    """
    if isinstance(indices_or_sections, int):
        sections, indices = indices_or_sections, []
    elif isinstance(indices_or_sections, (list, tuple)):
        sections, indices = 0, [0] + list(indices_or_sections)
    else:
        raise MXNetError("split_v2: indices_or_sections must be an int or a tuple of ints, "
                         "found %s" % type(indices_or_sections).__name__)
    return _ops()._split_v2(ary, indices=indices, axis=axis, squeeze_axis=squeeze_axis,
                            sections=sections)


def histogram(a, bins=10, range=None):  # noqa: A002 (MXNet's argument name)
    """Compute the histogram of the input data.

    Parameters
    ----------
    a : NDArray
        Input data. The histogram is computed over the flattened array.
    bins : int or sequence of scalars
        If bins is an int, it defines the number of equal-width bins in the given range
        (10, by default). If bins is a sequence (an NDArray), it defines the bin edges,
        including the rightmost edge, allowing for non-uniform bin widths.
    range : (float, float), optional
        The lower and upper range of the bins. If not provided, range is simply
        ``(a.min(), a.max())`` (computed by NumPy, as MXNet does).

    Returns
    -------
    (NDArray, NDArray)
        The counts and the bin edges.

    Example
    -------
    >>> hist, edges = mx.nd.histogram(mx.nd.array([0, 1, 2, 2, 3, 5]), bins=3)
    """
    if isinstance(bins, NDArray):
        return _ops()._histogram(data=a, bins=bins)
    if isinstance(bins, int):
        if range is None:
            warnings.warn("range is not specified, using numpy's result to ensure consistency "
                          "with numpy")
            res, bin_bounds = np.histogram(a.asnumpy(), bins=bins)
            return (array(res, ctx=a.context, dtype="float32"),
                    array(bin_bounds, ctx=a.context, dtype="float32"))
        return _ops()._histogram(data=a, bin_cnt=bins, range=range)
    raise MXNetError("histogram: bins must be an int or an NDArray of bin edges, found %s"
                     % type(bins).__name__)
