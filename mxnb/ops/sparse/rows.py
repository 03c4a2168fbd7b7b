"""Row- and value-selecting operators on sparse arrays: slice and take (csr rows),
_sparse_retain (row_sparse) and where (a csr condition)."""
from ...base import ShapeError
from ..indexing import _slice_key, _fix_indices
from ..registry import operator, storage
from .storage import CSR, RowSparse, INDEX_DTYPE, take_rows


# --- slice ------------------------------------------------------------------------------------
@storage("slice")
class SliceStorage:
    """csr rows [begin, end) (and columns, with two entries), step 1: a csr array."""
    def infer_storage(attrs, in_stypes):
        if in_stypes[0] != "csr" or any(s not in (None, 1) for s in attrs["step"] or ()):
            return None
        return ["csr"]

    def compute(xp, inputs, attrs, out_stypes):
        x = inputs[0]
        key = _slice_key(attrs, 2)
        r0, r1, _ = key[0].indices(x.shape[0])
        r1 = max(r0, r1)
        lo, hi = int(x.indptr[r0]), int(x.indptr[r1])
        indptr = x.indptr[r0:r1 + 1] - lo
        data, indices = x.data[lo:hi], x.indices[lo:hi]
        if len(key) == 1:
            return CSR(data.copy(), indices.copy(), indptr, (r1 - r0, x.shape[1]))
        c0, c1, _ = key[1].indices(x.shape[1])
        c1 = max(c0, c1)
        keep = (indices >= c0) & (indices < c1)
        counts = xp.zeros((r1 - r0 + 1,), dtype=INDEX_DTYPE)
        row_of = xp.repeat(xp.arange(r1 - r0), xp.diff(indptr))
        xp.cumsum(xp.bincount(row_of[keep], minlength=r1 - r0), out=counts[1:])
        return CSR(data[keep], indices[keep] - c0, counts, (r1 - r0, c1 - c0))


# --- take -------------------------------------------------------------------------------------
@storage("take")
class TakeStorage:
    """take(csr, 1-D indices) along axis 0 in mode 'clip' or 'wrap': the picked rows, a csr
    array (MXNet's); other axes and mode 'raise' fall back to dense."""
    def infer_storage(attrs, in_stypes):
        if in_stypes == ["csr", "default"] and attrs["axis"] == 0 \
                and attrs["mode"] in ("clip", "wrap"):
            return ["csr"]
        return None

    def compute(xp, inputs, attrs, out_stypes):
        x, indices = inputs
        if indices.ndim != 1:
            raise ShapeError("take with a csr array takes 1-D indices, found indices of shape %s"
                             % (tuple(indices.shape),))
        rows = _fix_indices("take", xp, indices, x.shape[0], attrs["mode"])
        counts = xp.diff(x.indptr)[rows]
        indptr = xp.zeros((rows.shape[0] + 1,), dtype=INDEX_DTYPE)
        xp.cumsum(counts, out=indptr[1:])
        # Position in x of every picked value: its row's start, plus its place within the row.
        shift = xp.repeat(x.indptr[rows] - indptr[:-1], counts)
        at = shift + xp.arange(shift.shape[0], dtype=INDEX_DTYPE)
        return CSR(x.data[at], x.indices[at], indptr, (rows.shape[0], x.shape[1]))


# --- retain -----------------------------------------------------------------------------------
@operator("_sparse_retain", inputs=("data", "indices"), differentiable=True)
class SparseRetain:
    """The rows `indices` of a row_sparse array (every other row zero), as a row_sparse array
    holding exactly those rows; `nd.sparse.retain`."""
    def compute(xp, inputs, attrs):       # dense data: zero the other rows
        data, indices = inputs
        out = xp.zeros_like(data)
        rows = indices.astype(INDEX_DTYPE)
        out[rows] = data[rows]
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def infer_storage(attrs, in_stypes):
        return ["row_sparse"] if in_stypes[0] == "row_sparse" and in_stypes[1] == "default" \
            else None

    def compute_sparse(xp, inputs, attrs, out_stypes):
        x, wanted = inputs
        rows = xp.unique(wanted.astype(INDEX_DTYPE))
        return RowSparse(take_rows(xp, x, rows), rows, x.shape)

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = F.cast_storage(out_grads[0], stype="row_sparse") \
            if getattr(out_grads[0], "stype", "default") == "default" else out_grads[0]
        return [F._sparse_retain(og, inputs[1]), None]


# --- where ------------------------------------------------------------------------------------
@storage("where")
class WhereStorage:
    """where(csr condition, dense x, dense y): dense, from the condition's stored values."""
    def infer_storage(attrs, in_stypes):
        return ["default"] if in_stypes == ["csr", "default", "default"] else None

    def compute(xp, inputs, attrs, out_stypes):
        cond, x, y = inputs
        out = y.copy()
        chosen = cond.data != 0
        rows, cols = cond.rows(xp)[chosen], cond.indices[chosen]
        out[rows, cols] = x[rows, cols]
        return out


