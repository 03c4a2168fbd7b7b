"""Sparse helpers of `mx.test_utils`: random CSR and row_sparse arrays as MXNet 1.9.1's
`rand_sparse_ndarray`, `create_sparse_array` and `create_sparse_array_zd` make them.

Random numbers come from NumPy's global generator (`numpy.random`), so `np.random.seed` makes
them repeatable, as in MXNet's tests.
"""
import numpy as np

from .base import MXNetError, InvalidArgumentError

__all__ = ["rand_sparse_ndarray", "create_sparse_array", "create_sparse_array_zd",
           "shuffle_csr_column_indices", "SparseArgumentError"]

_DISTRIBUTIONS = ("uniform", "powerlaw")


class SparseArgumentError(MXNetError, AssertionError):
    """Arguments the sparse helpers cannot take (an AssertionError too, as MXNet asserts)."""


def _default_context():
    from .test_utils import default_context
    return default_context()


def shuffle_csr_column_indices(csr):
    """Shuffles, in place, the column indices within each row of a CSR matrix (valid CSR
    matrices need not keep them sorted).

    Parameters
    ----------
    csr : scipy.sparse.csr_matrix or CSRNDArray

    Examples
    --------
    >>> import scipy.sparse as spsp
    >>> m = spsp.csr_matrix(np.eye(3, 4) + np.eye(3, 4, 1))
    >>> mx.test_utils.shuffle_csr_column_indices(m)
    >>> bool((m.toarray() == np.eye(3, 4) + np.eye(3, 4, 1)).all())
    True
    """
    indices, data = _shuffle_rows(_host(csr.indptr), _host(csr.indices), _host(csr.data))
    csr.indices[:] = indices        # a CSRNDArray's indices and data write into its payload
    csr.data[:] = data


def _host(part):
    """A CSR part (NDArray or NumPy array) as a NumPy array."""
    return part.asnumpy() if hasattr(part, "asnumpy") else np.asarray(part)


def _indptr(rows, num_rows):
    """The CSR row pointer of entries whose (sorted) row numbers are `rows`."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=num_rows))])


def _shuffle_rows(indptr, indices, data):
    """(indices, data) with each row's entries in a random order (each value keeps its column)."""
    indices, data = indices.copy(), data.copy()
    for start, end in zip(indptr[:-1], indptr[1:]):
        order = np.random.permutation(end - start) + start
        indices[start:end] = indices[order]
        data[start:end] = data[order]
    return indices, data


def _check_csr_request(num_rows, num_cols, density, distribution):
    if not 0 <= density <= 1:
        raise InvalidArgumentError("rand_sparse_ndarray: density has to be between 0 and 1, "
                                   "found %r" % (density,))
    if num_rows <= 0 or num_cols <= 0:
        raise InvalidArgumentError("rand_sparse_ndarray: a csr array needs rows and columns, "
                                   "found shape (%d, %d)" % (num_rows, num_cols))
    if distribution == "powerlaw" and int(num_rows * num_cols * density) < 2 * num_rows:
        raise InvalidArgumentError(
            "rand_sparse_ndarray: the powerlaw distribution needs num_rows * num_cols * density "
            ">= 2 * num_rows, found density %s for shape (%d, %d)" % (density, num_rows, num_cols))


def _csr_from_entries(rows, cols, values, shape, dtype, ctx):
    """A CSRNDArray of the entries (rows sorted ascending, columns ascending within a row)."""
    from .ndarray.sparse import csr_matrix
    indptr = _indptr(rows, shape[0])
    return csr_matrix((values.astype(dtype), cols.astype(np.int64), indptr.astype(np.int64)),
                      shape=shape, dtype=dtype, ctx=ctx)


def _uniform_csr(shape, density, dtype, data_init, shuffle_indices, ctx):
    """int(rows * cols * density) distinct positions, chosen uniformly, of values in [0, 1)."""
    num_rows, num_cols = shape
    nnz = int(num_rows * num_cols * density)
    flat = np.sort(np.random.choice(num_rows * num_cols, nnz, replace=False))
    rows, cols = flat // num_cols, flat % num_cols
    values = np.random.rand(nnz).astype(dtype)
    if data_init is not None:
        values.fill(data_init)
    if shuffle_indices:
        cols, values = _shuffle_rows(_indptr(rows, num_rows), cols, values)
    return _csr_from_entries(rows, cols, values, shape, dtype, ctx)


def _powerlaw_row_counts(num_rows, num_cols, total):
    """Stored values per row: one in every row first, then 2, 4, 8, ... (doubling) from the
    first row on; once a row would be wider than the matrix, full rows, until `total` is used."""
    counts = np.ones(num_rows, dtype=np.int64)
    left = total - num_rows
    width = 2
    for row in range(num_rows):
        limit = min(num_cols, width)
        if limit == num_cols and left > limit:
            counts[row] = num_cols      # a full row; the next one may be full too
            left -= num_cols - 1
            continue
        added = min(limit - 1, left)
        counts[row] += added
        left -= added
        if left <= 0:
            return counts
        width *= 2
    if left > 0:
        raise InvalidArgumentError("rand_sparse_ndarray: the powerlaw distribution cannot place "
                                   "%d values in a (%d, %d) matrix" % (total, num_rows, num_cols))
    return counts


def _powerlaw_csr(shape, density, dtype, ctx):
    """Rows with exponentially more values (each row's leading columns), in [1.001, 3)."""
    num_rows, num_cols = shape
    counts = _powerlaw_row_counts(num_rows, num_cols, int(num_rows * num_cols * density))
    rows = np.repeat(np.arange(num_rows), counts)
    cols = np.concatenate([np.arange(c) for c in counts])
    values = 1 + np.random.uniform(0.001, 2, size=rows.size)
    return _csr_from_entries(rows, cols, values, shape, dtype, ctx)


def _random_row_sparse(shape, density, dtype, data_init, rsp_indices, modifier_func, ctx):
    from . import ndarray as nd
    if rsp_indices is not None:
        indices = np.asarray(rsp_indices)
        if len(indices) > shape[0]:
            raise SparseArgumentError("rand_sparse_ndarray: %d rsp_indices for %d rows"
                                      % (len(indices), shape[0]))
    else:
        indices = np.argwhere(np.random.rand(shape[0]) < density).flatten()
    if indices.shape[0] == 0:
        empty = nd.sparse.zeros("row_sparse", shape, ctx=ctx, dtype=dtype)
        return empty, (np.array([], dtype=dtype), np.array([]))
    values = np.random.rand(indices.shape[0], *shape[1:]).astype(dtype)
    if data_init is not None:
        values.fill(data_init)
    if modifier_func is not None:
        values = np.vectorize(modifier_func)(values).astype(dtype)
    array = nd.sparse.row_sparse_array((values, indices), shape=shape, dtype=dtype, ctx=ctx)
    return array, (values, indices)


def rand_sparse_ndarray(shape, stype, density=None, dtype=None, distribution=None,
                        data_init=None, rsp_indices=None, modifier_func=None,
                        shuffle_csr_indices=False, ctx=None):
    """A random sparse NDArray and its parts.

    Parameters
    ----------
    shape : tuple of int
        Two dimensions for 'csr'.
    stype : {'csr', 'row_sparse'}
    density : float, optional
        The expected fraction of stored rows (row_sparse) or values (csr); random in [0, 1)
        when None.
    dtype : numpy dtype, optional
        float32 when None.
    distribution : {'uniform', 'powerlaw'}, optional
        'uniform' (default): csr positions drawn uniformly, values in [0, 1). 'powerlaw' (csr
        only): row i holds 2**(i + 1) values (its leading columns), full rows once the rows are
        too short, in [1.001, 3); it needs rows * cols * density >= 2 * rows.
    data_init : number, optional
        A value every stored element is set to.
    rsp_indices : array of int, optional
        The stored rows of a row_sparse array (instead of random ones; kept in this order).
    modifier_func : callable, optional
        Applied to each stored value of a row_sparse array (MXNet applies it to row_sparse
        arrays only).
    shuffle_csr_indices : bool, default False
        Shuffle the column indices within each csr row (valid, unsorted CSR).
    ctx : Context, optional
        `default_context()` when None.

    Returns
    -------
    tuple
        (array, (values, row indices)) for row_sparse, both NumPy; (array, (indptr, indices,
        data)) for csr, the array's NDArrays.

    Examples
    --------
    >>> arr, (indptr, indices, data) = mx.test_utils.rand_sparse_ndarray(
    ...     (5, 16), 'csr', density=0.5, distribution='powerlaw')
    >>> np.diff(indptr.asnumpy()).tolist()
    [2, 4, 8, 16, 10]
    """
    ctx = ctx if ctx else _default_context()
    density = np.random.rand() if density is None else density
    dtype = np.float32 if dtype is None else dtype
    distribution = "uniform" if distribution is None else distribution
    if stype == "row_sparse":
        if distribution != "uniform":
            raise SparseArgumentError("rand_sparse_ndarray: distribution %r is not supported for "
                                      "row_sparse (only 'uniform')" % (distribution,))
        return _random_row_sparse(shape, density, dtype, data_init, rsp_indices, modifier_func,
                                  ctx)
    if stype != "csr":
        raise SparseArgumentError("rand_sparse_ndarray: unknown storage type %r; expected 'csr' "
                                  "or 'row_sparse'" % (stype,))
    if len(shape) != 2:
        raise SparseArgumentError("rand_sparse_ndarray: a csr array is 2-D, found shape %s"
                                  % (tuple(shape),))
    if distribution not in _DISTRIBUTIONS:
        raise SparseArgumentError("rand_sparse_ndarray: distribution not supported: %r; "
                                  "expected one of %s" % (distribution, _DISTRIBUTIONS))
    _check_csr_request(shape[0], shape[1], density, distribution)
    if distribution == "uniform":
        csr = _uniform_csr(tuple(shape), density, dtype, data_init, shuffle_csr_indices, ctx)
    else:
        csr = _powerlaw_csr(tuple(shape), density, dtype, ctx)
    return csr, (csr.indptr, csr.indices, csr.data)


def create_sparse_array(shape, stype, data_init=None, rsp_indices=None, dtype=None,
                        modifier_func=None, density=.5, shuffle_csr_indices=False):
    """A random sparse array (`rand_sparse_ndarray`'s array); row_sparse `rsp_indices` are
    sorted first, the canonical layout.

    Parameters
    ----------
    shape : tuple of int
    stype : {'csr', 'row_sparse'}
    data_init, rsp_indices, dtype, modifier_func, density, shuffle_csr_indices
        As for `rand_sparse_ndarray` (density 0.5 by default).

    Returns
    -------
    CSRNDArray or RowSparseNDArray

    Examples
    --------
    >>> a = mx.test_utils.create_sparse_array((4, 2), 'row_sparse', rsp_indices=[3, 1], data_init=2)
    >>> a.indices.asnumpy().tolist(), a.asnumpy()[:, 0].tolist()
    ([1, 3], [0.0, 2.0, 0.0, 2.0])
    """
    if stype not in ("row_sparse", "csr"):
        raise SparseArgumentError("create_sparse_array: unknown storage type %r; expected 'csr' "
                                  "or 'row_sparse'" % (stype,))
    if stype == "row_sparse" and rsp_indices is not None:
        rsp_indices = np.sort(np.asarray(rsp_indices))
    # (rand_sparse_ndarray reads rsp_indices and modifier_func for row_sparse only, and
    # shuffle_csr_indices for csr only)
    array, _ = rand_sparse_ndarray(shape, stype, density=density, data_init=data_init,
                                   rsp_indices=rsp_indices, dtype=dtype,
                                   modifier_func=modifier_func,
                                   shuffle_csr_indices=shuffle_csr_indices)
    return array


def create_sparse_array_zd(shape, stype, density, data_init=None, rsp_indices=None, dtype=None,
                           modifier_func=None, shuffle_csr_indices=False):
    """`create_sparse_array` where a row_sparse array stores exactly the rows `rsp_indices`
    (none when None): `density` applies to csr only.

    Parameters
    ----------
    shape : tuple of int
    stype : {'csr', 'row_sparse'}
    density : float
    data_init, rsp_indices, dtype, modifier_func, shuffle_csr_indices
        As for `create_sparse_array`.

    Returns
    -------
    CSRNDArray or RowSparseNDArray

    Examples
    --------
    >>> mx.test_utils.create_sparse_array_zd((3, 2), 'row_sparse', 0.9).indices.shape
    (0,)
    """
    if stype == "row_sparse":
        density = 0.0
        if rsp_indices is not None and len(rsp_indices) > shape[0]:
            raise SparseArgumentError("create_sparse_array_zd: %d rsp_indices for %d rows"
                                      % (len(rsp_indices), shape[0]))
    return create_sparse_array(shape, stype, data_init=data_init, rsp_indices=rsp_indices,
                               dtype=dtype, modifier_func=modifier_func, density=density,
                               shuffle_csr_indices=shuffle_csr_indices)
