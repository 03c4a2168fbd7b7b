"""Creation of sparse NDArrays: csr_matrix, row_sparse_array, zeros, empty, array."""
import numpy as np

from ... import backend
from ...base import MXNetError, ShapeError, InvalidArgumentError, dtype_np
from ...context import current_context
from ...ops.sparse import storage
from ..ndarray import NDArray
from .arrays import BaseSparseNDArray, wrap_payload, _cast

__all__ = ["csr_matrix", "row_sparse_array", "zeros", "empty", "array"]

def _is_scipy_sparse(value):
    return type(value).__module__.startswith("scipy.sparse")


def _host(value, dtype=None):
    """A NumPy array from a list, NumPy array or NDArray."""
    if isinstance(value, NDArray):
        value = value.asnumpy()
    return np.asarray(value, dtype=dtype)


def _value_dtype(values, dtype):
    """MXNet's default: the dtype of NumPy/NDArray values, else float32."""
    if dtype is not None:
        return dtype_np(dtype)
    if isinstance(values, (np.ndarray, NDArray)) or _is_scipy_sparse(values):
        return np.dtype(values.dtype)
    return np.dtype(np.float32)


def _on(ctx, payload_parts, build):
    """The sparse NDArray `build` makes of the parts on `ctx`, in memory of its own (as MXNet
    copies the caller's values): an optimizer updates a row_sparse weight's rows in place."""
    with backend.device_scope(ctx):
        parts = [_own(backend.to_context(np.ascontiguousarray(p), ctx), p)
                 for p in payload_parts]
        return wrap_payload(build(*parts), ctx)


def _own(part, source):
    """`part`, copied when it is (a view of) the caller's array `source`."""
    if isinstance(part, np.ndarray) and np.may_share_memory(part, source):
        return part.copy()
    return part


def _shape_tuple(shape):
    return (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(d) for d in shape)


def _is_shape(arg):
    return isinstance(arg, tuple) and all(isinstance(d, (int, np.integer)) for d in arg)


def _check_shape(what, found, wanted):
    """The `shape=` argument, when given, must be the shape the source defines (as MXNet)."""
    if wanted is not None and _shape_tuple(wanted) != tuple(found):
        raise ShapeError("%s: Shape mismatch detected. %s v.s. %s (the source's shape v.s. "
                         "shape=)" % (what, _shape_tuple(found), _shape_tuple(wanted)))


def _inferred_shape_needs_indices(what, indices):
    """Without shape=, the shape comes from the indices: none means no shape (MXNet raises)."""
    if indices.size == 0:
        raise ShapeError("%s: invalid shape: it cannot be inferred from empty indices; "
                         "give shape=" % what)


def csr_matrix(arg1, shape=None, ctx=None, dtype=None):
    """Creates a CSRNDArray, a 2-D sparse matrix in compressed sparse row format.

    Parameters
    ----------
    arg1 : tuple, NDArray, numpy.ndarray or scipy.sparse matrix
        `(data, indices, indptr)`: the CSR parts; `(data, (row, col))`: coordinates;
        `(M, N)`: an all-zero matrix of that shape; a dense array, a CSRNDArray or a SciPy
        sparse matrix: the same values in CSR storage.
    shape : tuple of int, optional
        (rows, columns); inferred from the indices when not given.
    ctx : Context, optional
        Where the array lives (default: the current context).
    dtype : str or numpy.dtype, optional
        The values' type (default: the source's dtype for NumPy/NDArray/SciPy sources, else
        float32).

    Returns
    -------
    CSRNDArray

    Example
    -------
    >>> a = mx.nd.sparse.csr_matrix(([1, 2, 3], [1, 0, 2], [0, 1, 2, 2, 3]), shape=(4, 3))
    >>> a.asnumpy()
    array([[0., 1., 0.],
           [2., 0., 0.],
           [0., 0., 0.],
           [0., 0., 3.]], dtype=float32)
    """
    ctx = ctx or current_context()
    if _is_shape(arg1):
        if len(arg1) != 2:
            raise ShapeError("csr_matrix: expected a 2-D shape (M, N) or the parts (data, "
                             "indices, indptr), found %s" % (_shape_tuple(arg1),))
        _check_shape("csr_matrix", arg1, shape)
        return zeros("csr", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, tuple) and len(arg1) == 3:
        data, indices, indptr = arg1
        dt = _value_dtype(data, dtype)
        data = _host(data, dt).reshape(-1)
        indices = _host(indices, storage.INDEX_DTYPE).reshape(-1)
        indptr = _host(indptr, storage.INDEX_DTYPE).reshape(-1)
        if indptr.size == 0:
            raise ShapeError("csr_matrix: invalid shape: expected an indptr of at least 1 "
                             "entry, found none")
        if shape is None:
            _inferred_shape_needs_indices("csr_matrix", indices)
            shape = (indptr.size - 1, int(indices.max()) + 1)
        shape = _shape_tuple(shape)
        if len(shape) != 2:
            raise ShapeError("csr_matrix: invalid shape: expected a 2-D shape, found %s"
                             % (shape,))
        out = _on(ctx, (data, indices, indptr), lambda d, i, p: storage.CSR(d, i, p, shape))
        out.check_format(full_check=False)
        return out
    if isinstance(arg1, tuple) and len(arg1) == 2:
        values, (row, col) = arg1
        sp = backend.sparse_module(np)
        coo = sp.coo_matrix((_host(values, _value_dtype(values, dtype)), (_host(row), _host(col))),
                            shape=shape)
        return csr_matrix(coo, ctx=ctx, dtype=dtype)
    if isinstance(arg1, tuple):
        raise InvalidArgumentError("csr_matrix: expected a tuple of 2 or 3 entries, found %d"
                                   % len(arg1))
    if _is_scipy_sparse(arg1):
        m = arg1.tocsr()
        if not m.has_canonical_format:
            m = m.copy()
            m.sum_duplicates()
        _check_shape("csr_matrix", m.shape, shape)
        return csr_matrix((m.data.astype(_value_dtype(arg1, dtype)), m.indices, m.indptr),
                          shape=m.shape, ctx=ctx)
    return _from_array(arg1, "csr", shape, ctx, dtype)


def row_sparse_array(arg1, shape=None, ctx=None, dtype=None):
    """Creates a RowSparseNDArray: an N-D array of which only the rows `indices` are stored.

    Parameters
    ----------
    arg1 : tuple, NDArray or numpy.ndarray
        `(data, indices)`: the stored rows and their (ascending) row numbers; `(D0, D1, ...)`:
        an all-zero array of that shape; a dense array or a RowSparseNDArray: the same values.
    shape : tuple of int, optional
        The full shape; inferred as (max(indices) + 1,) + data.shape[1:] when not given.
    ctx : Context, optional
    dtype : str or numpy.dtype, optional

    Returns
    -------
    RowSparseNDArray

    Example
    -------
    >>> a = mx.nd.sparse.row_sparse_array(([[1, 2], [3, 4]], [1, 4]), shape=(6, 2))
    >>> a.asnumpy()[[1, 4]]
    array([[1., 2.],
           [3., 4.]], dtype=float32)
    """
    ctx = ctx or current_context()
    if isinstance(arg1, tuple) and len(arg1) < 2:
        raise InvalidArgumentError("row_sparse_array: expected a shape of at least 2 "
                                   "dimensions or (data, indices), found %s" % (arg1,))
    if isinstance(arg1, tuple) and len(arg1) == 2 and not _is_shape(arg1):
        data, indices = arg1
        dt = _value_dtype(data, dtype)
        data = _host(data, dt)
        indices = _host(indices, storage.INDEX_DTYPE).reshape(-1)
        if shape is None:
            _inferred_shape_needs_indices("row_sparse_array", indices)
            shape = (int(indices.max()) + 1,) + data.shape[1:]
        shape = _shape_tuple(shape)
        out = _on(ctx, (data, indices), lambda d, i: storage.RowSparse(d, i, shape))
        out.check_format(full_check=False)
        return out
    if _is_shape(arg1):
        _check_shape("row_sparse_array", arg1, shape)
        return zeros("row_sparse", arg1, ctx=ctx, dtype=dtype)
    if isinstance(arg1, tuple):
        raise InvalidArgumentError("row_sparse_array: expected a shape or (data, indices), "
                                   "found a tuple of %d entries" % len(arg1))
    return _from_array(arg1, "row_sparse", shape, ctx, dtype)


def _from_array(source, stype, shape, ctx, dtype):
    from ..ndarray import array as dense_array
    what = "csr_matrix" if stype == "csr" else "row_sparse_array"
    if isinstance(source, BaseSparseNDArray):
        if source.stype != stype:
            raise InvalidArgumentError("%s: Unexpected input type: %s (expected a %s array or "
                                       "dense values)" % (what, type(source).__name__, stype))
        _check_shape(what, source.shape, shape)
        out = source.copyto(ctx)
        return out.astype(dtype) if dtype is not None else out
    if isinstance(source, (NDArray, np.ndarray, list)):
        dense = dense_array(source, ctx=ctx, dtype=_value_dtype(source, dtype))
        _check_shape(what, dense.shape, shape)
        return _cast(dense, stype)
    raise InvalidArgumentError("%s: cannot make a %s array from a %s"
                               % (what, stype, type(source).__name__))


def zeros(stype, shape, ctx=None, dtype=None, **kwargs):
    """An all-zero array of storage type `stype` ('csr', 'row_sparse' or 'default').

    Parameters
    ----------
    stype : str
    shape : int or tuple of int
    ctx : Context, optional
    dtype : str or numpy.dtype, optional (float32)

    Returns
    -------
    CSRNDArray, RowSparseNDArray or NDArray

    Example
    -------
    >>> mx.nd.sparse.zeros('row_sparse', (3, 4)).indices.shape
    (0,)
    """
    ctx = ctx or current_context()
    shape = _shape_tuple(shape)
    dt = dtype_np(dtype)
    if stype == "default":
        from ..creation import zeros as dense_zeros
        return dense_zeros(shape, ctx=ctx, dtype=dt)
    xp = backend.xp_of(ctx)
    with backend.device_scope(ctx):
        if stype == "csr":
            if len(shape) != 2:
                raise MXNetError("sparse.zeros: a csr array is 2-D, found shape %s" % (shape,))
            return wrap_payload(storage.empty_csr(xp, shape, dt), ctx)
        if stype == "row_sparse":
            return wrap_payload(storage.empty_rsp(xp, shape, dt), ctx)
    raise InvalidArgumentError("sparse.zeros: unknown storage type: expected 'csr', "
                               "'row_sparse' or 'default', found %r" % (stype,))


def empty(stype, shape, ctx=None, dtype=None):
    """An array of storage type `stype` with no stored values (as `zeros` for sparse types)."""
    return zeros(stype, shape, ctx=ctx, dtype=dtype)


def array(source_array, ctx=None, dtype=None):
    """A sparse array from a sparse NDArray or a SciPy sparse matrix (a copy).

    Parameters
    ----------
    source_array : CSRNDArray, RowSparseNDArray or scipy.sparse matrix
    ctx : Context, optional
    dtype : str or numpy.dtype, optional (default: the source's dtype)

    Returns
    -------
    CSRNDArray or RowSparseNDArray

    Example
    -------
    >>> import scipy.sparse as spsp
    >>> mx.nd.sparse.array(spsp.eye(3, format='csr')).stype
    'csr'
    """
    if isinstance(source_array, BaseSparseNDArray):
        out = source_array.copyto(ctx or source_array.context)
        return out.astype(dtype) if dtype is not None else out
    if _is_scipy_sparse(source_array):
        return csr_matrix(source_array, ctx=ctx, dtype=dtype)
    raise ValueError("Please use mx.nd.array to create an NDArray with source_array of type %s"
                     % type(source_array).__name__)
