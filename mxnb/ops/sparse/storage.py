"""Sparse payloads: what a CSRNDArray or RowSparseNDArray holds in place of a dense array.

Operators see these payloads (never NDArrays) in `compute_sparse`, as dense operators see NumPy or
CuPy arrays. Their parts are arrays of the context's array module `xp`, so the same code serves
both devices; `matrix(xp)` gives the part as a `scipy.sparse` (or `cupyx.scipy.sparse`)
matrix for the kernels SciPy has, built once per payload.

    CSR        data (nnz,), indices (nnz,) int64 column numbers, indptr (rows + 1,) int64
    RowSparse  data (k,) + shape[1:], indices (k,) int64 row numbers, ascending
"""
import numpy as np

from ... import backend
from ...base import MXNetError

__all__ = ["CSR", "RowSparse", "Sparse", "stype_of", "densify", "csr_from_dense",
           "rsp_from_dense", "unique_inverse", "put_rows", "take_rows", "check_csr", "check_rsp",
           "empty_csr", "empty_rsp", "INDEX_DTYPE"]

INDEX_DTYPE = np.int64   # MXNet's auxiliary (index) type for both storage types


class Sparse:
    """What both payloads share: a logical shape and dtype, and the size of their parts."""
    __slots__ = ()
    ndim = property(lambda self: len(self.shape))
    dtype = property(lambda self: self.data.dtype)

    @property
    def nbytes(self):
        return sum(int(part.nbytes) for part in self.parts())


class CSR(Sparse):
    """Compressed sparse rows of a 2-D matrix."""
    __slots__ = ("data", "indices", "indptr", "shape", "_matrix", "_transposed")
    stype = "csr"

    def __init__(self, data, indices, indptr, shape, matrix=None):
        self.data = data
        self.indices = indices
        self.indptr = indptr
        self.shape = tuple(int(d) for d in shape)
        self._matrix = matrix
        self._transposed = None

    def parts(self):
        return (self.data, self.indices, self.indptr)

    @property
    def nnz(self):
        return int(self.data.shape[0])

    def matrix(self, xp):
        """This payload as a scipy.sparse / cupyx.scipy.sparse csr_matrix (sharing its parts)."""
        if self._matrix is None:
            sp = backend.sparse_module(xp)
            self._matrix = sp.csr_matrix((self.data, self.indices, self.indptr),
                                         shape=self.shape, copy=False)
        return self._matrix

    def transposed(self, xp):
        """This payload's transpose as a csc_matrix sharing its parts (built once): the
        operand of csr^T . X, the gradient of a csr . X product."""
        if self._transposed is None:
            sp = backend.sparse_module(xp)
            self._transposed = sp.csc_matrix((self.data, self.indices, self.indptr),
                                             shape=self.shape[::-1], copy=False)
        return self._transposed

    @classmethod
    def from_matrix(cls, xp, matrix):
        """A payload from a SciPy/CuPyX sparse matrix (any format), canonical (sorted, summed)."""
        m = matrix.tocsr()
        if not m.has_canonical_format:
            m = m.copy()
            m.sum_duplicates()
        return cls(m.data, m.indices.astype(INDEX_DTYPE, copy=False),
                   m.indptr.astype(INDEX_DTYPE, copy=False), m.shape, m)

    def rows(self, xp):
        """The row number of every stored value."""
        return xp.repeat(xp.arange(self.shape[0], dtype=INDEX_DTYPE), xp.diff(self.indptr))


class RowSparse(Sparse):
    """Some rows of an N-D array: the rows `indices` hold `data`, every other row is zero."""
    __slots__ = ("data", "indices", "shape")
    stype = "row_sparse"

    def __init__(self, data, indices, shape):
        self.data = data
        self.indices = indices
        self.shape = tuple(int(d) for d in shape)

    def parts(self):
        return (self.data, self.indices)


def put_rows(xp, array, rows, values):
    """array[rows] = values, for distinct row numbers `rows` and `values` of shape
    (len(rows),) + array.shape[1:]. NumPy writes whole rows as opaque items with one `put`
    (about 20x faster than its 2-D fancy assignment); other array modules index."""
    if rows.shape[0] == 0:
        return
    n = array.shape[0] if array.ndim else 0
    if xp is np and n and array.flags.c_contiguous and array.size:
        row = np.dtype((np.void, array.dtype.itemsize * (array.size // n)))
        items = np.ascontiguousarray(values, dtype=array.dtype).reshape(len(rows), -1)
        np.put(array.reshape(n, -1).view(row).reshape(-1), rows, items.view(row).reshape(-1))
        return
    array[rows] = values


def take_rows(xp, rsp, rows):
    """The rows `rows` (1-D, any order, repeats allowed) of a RowSparse payload as a dense
    array: the stored row where it has one, zeros for the rows it does not store."""
    out = xp.zeros((rows.shape[0],) + tuple(rsp.shape[1:]), dtype=rsp.data.dtype)
    stored = rsp.indices.shape[0]
    if stored:
        at = xp.minimum(xp.searchsorted(rsp.indices, rows), stored - 1)
        found = rsp.indices[at] == rows
        out[found] = rsp.data[at[found]]
    return out


def unique_inverse(xp, values, size):
    """(sorted distinct values, position of each value among them) for integers in [0, size):
    by a presence mask when `size` is small next to the values (no sort), else by sorting."""
    values = values.reshape(-1)
    if size <= 16 * values.shape[0] + 1024:
        present = xp.zeros((size,), dtype=bool)
        present[values] = True
        distinct = xp.flatnonzero(present)
        position = xp.cumsum(present, dtype=INDEX_DTYPE) - 1
        return distinct.astype(INDEX_DTYPE, copy=False), xp.take(position, values)
    distinct, inverse = xp.unique(values, return_inverse=True)
    return distinct.astype(INDEX_DTYPE, copy=False), inverse.reshape(-1)


def stype_of(value):
    """'csr', 'row_sparse' or 'default' for a payload or a dense array."""
    return value.stype if isinstance(value, Sparse) else "default"


def empty_csr(xp, shape, dtype):
    return CSR(xp.zeros((0,), dtype=dtype), xp.zeros((0,), dtype=INDEX_DTYPE),
               xp.zeros((shape[0] + 1,), dtype=INDEX_DTYPE), shape)


def empty_rsp(xp, shape, dtype):
    return RowSparse(xp.zeros((0,) + tuple(shape[1:]), dtype=dtype),
                     xp.zeros((0,), dtype=INDEX_DTYPE), shape)


def densify(xp, value):
    """A dense array with the values of a payload (dense arrays are returned as they are)."""
    if not isinstance(value, Sparse):
        return value
    out = xp.zeros(value.shape, dtype=value.dtype)
    if isinstance(value, RowSparse):
        if value.indices.shape[0]:
            put_rows(xp, out, value.indices, value.data)
    else:
        out[value.rows(xp), value.indices] = value.data
    return out


def csr_from_dense(xp, dense):
    """The CSR payload of a 2-D dense array (its zeros left out, as MXNet's cast_storage)."""
    if dense.ndim != 2:
        raise MXNetError("cast_storage to csr needs a 2-D array, found shape %s" % (dense.shape,))
    mask = dense != 0
    indptr = xp.zeros((dense.shape[0] + 1,), dtype=INDEX_DTYPE)
    xp.cumsum(mask.sum(axis=1), out=indptr[1:])
    rows, cols = xp.nonzero(mask)
    return CSR(dense[rows, cols], cols.astype(INDEX_DTYPE), indptr, dense.shape)


def rsp_from_dense(xp, dense):
    """The row_sparse payload of a dense array: the rows with a non-zero value."""
    if dense.ndim == 0:
        raise MXNetError("cast_storage to row_sparse needs an array of at least 1 dimension")
    flat = dense.reshape(dense.shape[0], -1)
    keep = xp.nonzero((flat != 0).any(axis=1))[0].astype(INDEX_DTYPE)
    return RowSparse(xp.take(dense, keep, axis=0), keep, dense.shape)


# --- format checks (CSRNDArray.check_format / RowSparseNDArray.check_format) --------------------
def _fail(kind, expected, found):
    raise MXNetError("check_format: %s is not valid: expected %s, found %s" % (kind, expected, found))


def check_csr(xp, csr, full_check=True):
    """Raises MXNetError saying what is wrong with a CSR payload's parts, or returns None."""
    rows, cols = csr.shape
    data, indices, indptr = csr.data, csr.indices, csr.indptr
    if indptr.ndim != 1 or indptr.shape[0] != rows + 1:
        _fail("the indptr of a csr array of shape %s" % (csr.shape,),
              "%d entries (number of rows + 1)" % (rows + 1), "shape %s" % (tuple(indptr.shape),))
    if data.shape[0] != indices.shape[0]:
        _fail("a csr array", "as many indices as data values (%d)" % data.shape[0],
              "%d indices" % indices.shape[0])
    if not full_check:
        return
    host_ptr = backend.to_host(indptr)
    if host_ptr[0] != 0 or host_ptr[-1] != indices.shape[0] or (np.diff(host_ptr) < 0).any():
        _fail("the indptr of a csr array",
              "non-negative values in non-decreasing order, starting with 0 and ending with the "
              "number of indices (%d)" % indices.shape[0], "%s" % (host_ptr.tolist()[:20],))
    host_idx = backend.to_host(indices)
    if host_idx.size:
        if host_idx.min() < 0 or host_idx.max() >= cols:
            _fail("the indices of a csr array with %d columns" % cols,
                  "column indices in [0, %d)" % cols,
                  "indices from %d to %d" % (host_idx.min(), host_idx.max()))
        step = np.diff(host_idx)
        row_starts = host_ptr[1:-1]
        interior = np.ones(step.shape, dtype=bool)
        interior[row_starts[(row_starts > 0) & (row_starts < host_idx.size)] - 1] = False
        if (step[interior] <= 0).any():
            _fail("the indices of a csr array", "column indices in ascending order within each row",
                  "%s" % (host_idx.tolist()[:20],))


def check_rsp(xp, rsp, full_check=True):
    """Raises MXNetError saying what is wrong with a row_sparse payload's parts."""
    data, indices = rsp.data, rsp.indices
    if data.shape[0] != indices.shape[0]:
        _fail("a row_sparse array", "as many row indices as data rows (%d)" % data.shape[0],
              "%d indices" % indices.shape[0])
    if tuple(data.shape[1:]) != tuple(rsp.shape[1:]):
        _fail("the data of a row_sparse array of shape %s" % (rsp.shape,),
              "rows of shape %s" % (tuple(rsp.shape[1:]),), "shape %s" % (tuple(data.shape),))
    if not full_check:
        return
    host = backend.to_host(indices)
    if host.size and (host.min() < 0 or host.max() >= rsp.shape[0] or (np.diff(host) <= 0).any()):
        _fail("the indices of a row_sparse array with %d rows" % rsp.shape[0],
              "non-negative row indices below %d in ascending order" % rsp.shape[0],
              "%s" % (host.tolist()[:20],))
