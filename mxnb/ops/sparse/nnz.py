"""_contrib_getnnz (`nd.contrib.getnnz`): how many values a csr matrix stores, in all, per row
or per column. Stored zeros count, as in SciPy's `getnnz` and MXNet's operator."""
import numpy as np

from ...base import MXNetError
from ..params import OptInt
from ..registry import operator
from .storage import INDEX_DTYPE

_AXIS_DOC = ("None: the number of stored values of the whole matrix (shape (1,)); 1: per row; "
             "0: per column.")


def _not_csr(found):
    return MXNetError("getnnz counts the stored values of a csr array, found a %s array; cast it "
                      "with tostype('csr') first" % found)


@operator("_contrib_getnnz", params={"axis": OptInt(None, _AXIS_DOC, low=0, high=1)},
          differentiable=False)
class GetNNZ:
    """The number of stored values of a csr matrix (explicit zeros included), int64: of the
    whole matrix (axis None, shape (1,)), of each row (axis 1) or of each column (axis 0).
    (MXNet 1.9.1 declares axis 0 but raises for it; mxnb counts per column.)"""
    # Dense inputs go through storage inference too, which rejects them at the call, as
    # MXNet's (no kernel takes a dense input); `compute` is never reached for them eagerly.
    sparse_from_dense = True

    def compute(xp, inputs, attrs):
        raise _not_csr("dense")

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        if len(shape) != 2:
            raise MXNetError("getnnz takes a 2-D csr matrix, found shape %s" % (tuple(shape),))
        axis = attrs["axis"]
        return in_shapes, [(1,) if axis is None else (shape[1 - axis],)]

    def infer_type(attrs, in_types):
        return in_types, [np.dtype(INDEX_DTYPE)]

    def infer_storage(attrs, in_stypes):
        if in_stypes[0] != "csr":
            raise _not_csr(in_stypes[0])
        return ["default"]

    def compute_sparse(xp, inputs, attrs, out_stypes):
        x, axis = inputs[0], attrs["axis"]
        if axis is None:
            return xp.asarray([x.indices.shape[0]], dtype=INDEX_DTYPE)
        if axis == 1:
            return xp.diff(x.indptr).astype(INDEX_DTYPE, copy=False)
        return xp.bincount(x.indices, minlength=x.shape[1]).astype(INDEX_DTYPE, copy=False)
