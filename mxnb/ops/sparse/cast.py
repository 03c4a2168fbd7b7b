"""cast_storage: the same values in another storage type (default, csr, row_sparse)."""
from ...base import MXNetError
from ..params import Enum
from ..registry import operator
from .storage import stype_of, densify, csr_from_dense, rsp_from_dense, CSR, RowSparse

_STYPES = ("default", "csr", "row_sparse")


def copy_payload(x):
    if isinstance(x, CSR):
        return CSR(x.data.copy(), x.indices.copy(), x.indptr.copy(), x.shape)
    return RowSparse(x.data.copy(), x.indices.copy(), x.shape)


@operator("cast_storage", params={"stype": Enum(_STYPES)})
class CastStorage:
    """The input's values stored as `stype`: 'default' (dense), 'csr' (2-D) or 'row_sparse'.
    Casting between csr and row_sparse is not supported (as in MXNet)."""
    sparse_from_dense = True     # a dense input may give a sparse output

    def compute(xp, inputs, attrs):
        return inputs[0].copy()

    def infer_storage(attrs, in_stypes):
        src, dst = in_stypes[0], attrs["stype"]
        if src != "default" and dst != "default" and src != dst:
            raise MXNetError("cast_storage from %s to %s is not supported" % (src, dst))
        return [dst]

    def compute_sparse(xp, inputs, attrs, out_stypes):
        x, dst = inputs[0], out_stypes[0]
        if stype_of(x) == dst:
            return copy_payload(x)
        if dst == "default":
            return densify(xp, x)
        return csr_from_dense(xp, x) if dst == "csr" else rsp_from_dense(xp, x)

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The gradient goes back in the input's storage type (a dense one for symbols).
        return [F.cast_storage(out_grads[0], stype=getattr(inputs[0], "stype", "default"))]
