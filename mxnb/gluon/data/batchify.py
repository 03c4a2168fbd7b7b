"""Batchify functions: how a DataLoader merges samples into a batch (`batchify_fn=`).

MXNet 1.9.1 ships these in GluonNLP/GluonCV and MXNet 2 in `gluon.data.batchify`; the names
and arguments are theirs (`Tuple` is GluonNLP's name for `Group`).
"""
import math

import numpy as np

from ...base import MXNetError
from ...context import Context, cpu
from ...ndarray import NDArray
from ... import ndarray as nd

__all__ = ["Stack", "Pad", "Append", "Group", "Tuple", "AsList"]


def _shared_ctx(use_shared_mem):
    return Context("cpu_shared", 0) if use_shared_mem else cpu()


class Stack:
    """Stacks samples of the same shape into a batch (a new first axis).

    Parameters
    ----------
    use_shared_mem : bool, default False
        Return the batch in the ``cpu_shared`` context.

    Example
    -------
    >>> Stack()([[1, 2], [3, 4], [5, 6]])
    [[1 2]
     [3 4]
     [5 6]]
    <NDArray 3x2 @cpu(0)>
    """

    def __init__(self, use_shared_mem=False):
        self._use_shared_mem = use_shared_mem

    def __call__(self, data):
        first = data[0]
        if isinstance(first, NDArray):
            out = nd.stack(*data)
            return out.as_in_context(_shared_ctx(True)) if self._use_shared_mem else out
        if isinstance(first, (tuple, list)) and not _is_numeric_list(first):
            return [self(list(field)) for field in zip(*data)]
        host = np.asarray(data)
        return nd.array(host, ctx=_shared_ctx(self._use_shared_mem), dtype=host.dtype)


def _is_numeric_list(sample):
    return all(isinstance(v, (int, float, np.number)) for v in sample)


class Pad:
    """Pads samples to the largest size along every axis, then stacks them.

    Parameters
    ----------
    val : number, default None
        The padding value (0 when None).
    dtype : str or numpy.dtype, default None
        The batch's dtype; that of the samples when None.
    round_to : int, default None
        Round each padded size up to a multiple of this.
    use_shared_mem : bool, default False
        Return the batch in the ``cpu_shared`` context.

    Example
    -------
    >>> Pad(val=-1)([[1, 2, 3], [4]])
    [[ 1  2  3]
     [ 4 -1 -1]]
    <NDArray 2x3 @cpu(0)>
    """

    def __init__(self, val=None, dtype=None, round_to=None, use_shared_mem=False):
        self._val = 0 if val is None else val
        self._dtype = dtype
        self._round_to = round_to
        self._use_shared_mem = use_shared_mem

    def __call__(self, data):
        if not isinstance(data[0], (NDArray, np.ndarray, list)):
            raise MXNetError("Pad() takes samples that are arrays or lists, found %s; use "
                             "Group(Pad(), Pad(), ...) for samples of several fields"
                             % type(data[0]).__name__)
        arrays = [x.asnumpy() if isinstance(x, NDArray) else np.asarray(x) for x in data]
        dtype = self._dtype if self._dtype is not None else arrays[0].dtype
        ndim = arrays[0].ndim
        if any(a.ndim != ndim for a in arrays):
            raise MXNetError("Pad: every sample must have %d dimensions, found shapes %s"
                             % (ndim, [a.shape for a in arrays]))
        shape = []
        for axis in range(ndim):
            size = max(a.shape[axis] for a in arrays)
            if self._round_to:
                size = self._round_to * math.ceil(size / self._round_to)
            shape.append(size)
        out = np.full([len(arrays)] + shape, self._val, dtype=dtype)
        for i, a in enumerate(arrays):
            out[(i,) + tuple(slice(0, n) for n in a.shape)] = a
        return nd.array(out, ctx=_shared_ctx(self._use_shared_mem), dtype=out.dtype)


class Append:
    """Returns the samples as a list of NDArrays, each with a batch axis of size 1 (`expand`):
    for samples of different shapes.

    Parameters
    ----------
    expand : bool, default True
        Add a batch axis of size 1 to each sample.
    batch_axis : int, default 0
        Where to add it.
    use_shared_mem : bool, default False
        Return the arrays in the ``cpu_shared`` context.

    Example
    -------
    >>> [x.shape for x in Append()([[1, 2, 3], [4]])]
    [(1, 3), (1, 1)]
    """

    def __init__(self, expand=True, batch_axis=0, use_shared_mem=False):
        self._expand = expand
        self._batch_axis = batch_axis
        self._use_shared_mem = use_shared_mem

    def __call__(self, data):
        ctx = _shared_ctx(self._use_shared_mem)
        out = [x.as_in_context(ctx) if isinstance(x, NDArray) else nd.array(x, ctx=ctx)
               for x in data]
        if self._expand:
            out = [x.expand_dims(axis=self._batch_axis) for x in out]
        return out


class Group:
    """Applies one batchify function per field of the samples: ``Group(Stack(), Pad())`` batches
    the first fields with Stack and the second with Pad.

    Parameters
    ----------
    fn : callable, or list or tuple of callables
        The batchify functions.
    *args : callable
        More batchify functions.

    Example
    -------
    >>> x, y = Group(Pad(), Stack())([([1, 2, 3], 0), ([4], 1)])
    >>> x.shape, y.shape
    ((2, 3), (2,))
    """

    def __init__(self, fn, *args):
        if isinstance(fn, (list, tuple)):
            if args:
                raise MXNetError("Group takes Group(A, B, C) or Group([A, B, C]), found a list "
                                 "and %d more arguments" % len(args))
            fns = tuple(fn)
        else:
            fns = (fn,) + args
        for i, f in enumerate(fns):
            if not callable(f):
                raise MXNetError("Group: batchify functions must be callable, found %s at "
                                 "position %d" % (type(f).__name__, i))
        self._fn = fns

    def __call__(self, data):
        if len(data[0]) != len(self._fn):
            raise MXNetError("Group has %d batchify functions but the samples have %d fields"
                             % (len(self._fn), len(data[0])))
        return tuple(f([sample[i] for sample in data]) for i, f in enumerate(self._fn))


Tuple = Group


class AsList:
    """Returns the samples as they are, in a list (for strings and other non-array fields).

    Example
    -------
    >>> AsList()(["a", "b"])
    ['a', 'b']
    """

    def __call__(self, data):
        return list(data)
