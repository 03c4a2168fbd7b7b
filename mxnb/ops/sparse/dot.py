"""Sparse kernels of dot and of its gradients (MXNet's dot FInferStorageType, CPU):

    csr . dense          -> default      csr^T . dense       -> row_sparse
    csr . row_sparse     -> default      csr^T . row_sparse  -> row_sparse
    dense . csr          -> csr (the values of a dense product, in csr storage, as on MXNet's CPU)
    anything else with a sparse input: the dense fallback. `forward_stype` names the output's
    storage type instead.

csr^T . X touches only the rows of X's result that the csr's columns name, so it is computed on
the csr's distinct columns alone and returned as those rows.
"""
from ..registry import storage
from .storage import CSR, RowSparse, INDEX_DTYPE, densify, csr_from_dense, rsp_from_dense, \
    unique_inverse


def _csr_dot_dense(xp, a, b, ta, out_stype):
    """a (csr) . b, or a^T . b with `ta`, for a dense 2-D or 1-D b."""
    if not ta:
        out = a.matrix(xp) @ b
        return _as_stype(xp, xp.asarray(out), out_stype)
    out_shape = (a.shape[1],) + tuple(b.shape[1:])
    if out_stype != "row_sparse":
        return _as_stype(xp, xp.asarray(a.transposed(xp) @ b), out_stype)
    if a.shape[1] <= 8 * a.nnz + 1024:
        # Few columns next to the stored values: the whole product, then its touched rows.
        present = xp.zeros((a.shape[1],), dtype=bool)
        present[a.indices] = True
        columns = xp.flatnonzero(present).astype(INDEX_DTYPE, copy=False)
        full = xp.asarray(a.transposed(xp) @ b)
        return RowSparse(xp.take(full, columns, axis=0), columns, out_shape)
    # Many columns: the product of the csr restricted to its distinct columns.
    columns, inverse = unique_inverse(xp, a.indices, a.shape[1])
    packed = CSR(a.data, inverse, a.indptr, (a.shape[0], int(columns.shape[0])))
    return RowSparse(xp.asarray(packed.transposed(xp) @ b), columns, out_shape)


def _dense_dot_csr(xp, a, b, tb, out_stype):
    """a (dense) . b (csr), or a . b^T with `tb`: (b^T . a^T)^T through the csr kernel."""
    out = xp.asarray((b.matrix(xp) @ a.T).T if tb else (b.transposed(xp) @ a.T).T)
    return _as_stype(xp, xp.ascontiguousarray(out), out_stype)


def _as_stype(xp, dense, stype):
    if stype == "csr":
        return csr_from_dense(xp, dense)
    if stype == "row_sparse":
        return rsp_from_dense(xp, dense)
    return dense


def _dot_stype(attrs, lhs, rhs):
    ta, tb, forced = attrs["transpose_a"], attrs["transpose_b"], attrs["forward_stype"]
    if lhs == "csr" and rhs in ("default", "row_sparse") and not tb:
        return forced or ("row_sparse" if ta else "default")
    if lhs == "default" and rhs == "csr" and not ta and not tb:
        return forced or "csr"
    return None


def _dot(xp, a, b, attrs, out_stype):
    ta, tb = attrs["transpose_a"], attrs["transpose_b"]
    if isinstance(a, CSR):
        return _csr_dot_dense(xp, a, densify(xp, b), ta, out_stype)
    return _dense_dot_csr(xp, a, b, tb, out_stype)


@storage("dot")
class DotStorage:
    def infer_storage(attrs, in_stypes):
        lhs, rhs = in_stypes
        stype = _dot_stype(attrs, lhs, rhs)
        return None if stype is None else [stype]

    def compute(xp, inputs, attrs, out_stypes):
        a, b = inputs
        return _dot(xp, a, b, attrs, out_stypes[0])


@storage("_dot_grad_rhs")
class DotGradRhsStorage:
    """d(rhs) of csr . dense is csr^T . ograd: row_sparse, as MXNet's dot backward."""
    def infer_storage(attrs, in_stypes):
        og, lhs, rhs = in_stypes
        if og == "default" and lhs == "csr" and not attrs["transpose_b"]:
            return ["default" if attrs["transpose_a"] else "row_sparse"]
        return None

    def compute(xp, inputs, attrs, out_stypes):
        og, a, b = inputs
        return _csr_dot_dense(xp, a, og, not attrs["transpose_a"], out_stypes[0])


@storage("_dot_grad_lhs")
class DotGradLhsStorage:
    """d(lhs) of dense . csr is ograd . csr^T (dense); of csr . dense, a dense gradient too (the
    csr input only gives its shape)."""
    def infer_storage(attrs, in_stypes):
        og, rhs, lhs = in_stypes
        if og == "default" and rhs == "csr" and lhs == "default" and not attrs["transpose_a"]:
            return ["default"]
        if og == "default" and rhs in ("default", "row_sparse") and lhs == "csr":
            return ["default"]
        return None

    def compute(xp, inputs, attrs, out_stypes):
        og, b, a = inputs
        if isinstance(b, CSR):
            return _dense_dot_csr(xp, og, b, not attrs["transpose_b"], "default")
        from ..matmul import DotGradLhs
        return DotGradLhs.compute(xp, [og, densify(xp, b), a], attrs)
