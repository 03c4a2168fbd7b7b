"""add_n (ElementWiseSum): the sum of any number of arrays of one shape.

Storage types as MXNet 1.9.1 on the CPU: row_sparse inputs only -> row_sparse (the union of their
rows); exactly (dense, csr, dense) -> dense; other mixes with sparse inputs fall back to dense.
"""
from ..params import Int
from ..registry import operator_or_storage
from .storage import RowSparse, INDEX_DTYPE


def _add_n_shape(attrs, in_shapes):
    known = next((s for s in in_shapes if s is not None), None)
    return [known] * len(in_shapes), [known]


@operator_or_storage("add_n", params={"num_args": Int(low=1)}, inputs=None, variadic="num_args",
          aliases=("ElementWiseSum", "_sparse_ElementWiseSum"), elementwise=True, hint="add_n")
class AddN:
    """The elementwise sum of all inputs."""
    def compute(xp, inputs, attrs):
        out = inputs[0].copy()
        for x in inputs[1:]:
            out += x
        return out

    infer_shape = _add_n_shape

    def infer_storage(attrs, in_stypes):
        if all(s == "row_sparse" for s in in_stypes):
            return ["row_sparse"]
        if in_stypes == ["default", "csr", "default"]:
            return ["default"]
        return None

    def compute_sparse(xp, inputs, attrs, out_stypes):
        if out_stypes[0] == "default":
            dense_a, csr, dense_b = inputs
            out = dense_a + dense_b
            out[csr.rows(xp), csr.indices] += csr.data
            return out
        rows = xp.unique(xp.concatenate([x.indices for x in inputs])).astype(INDEX_DTYPE)
        first = inputs[0]
        data = xp.zeros((rows.shape[0],) + tuple(first.shape[1:]), dtype=first.data.dtype)
        for x in inputs:
            data[xp.searchsorted(rows, x.indices)] += x.data
        return RowSparse(data, rows, first.shape)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]] * len(inputs)


