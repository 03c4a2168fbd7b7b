"""Reductions of sparse arrays: sum and mean of a csr matrix along one axis (dense results, as
MXNet), and _square_sum, the sum of squares that sparse optimizers and norms use."""
from ..reduce import _REDUCE_PARAMS, _reduced_axes, _reduced_shape, _reduce_attrs
from ..registry import operator, storage
from .storage import RowSparse


def _csr_axis(attrs):
    """The one axis (0 or 1) a csr reduction runs along, or None when it has no csr kernel."""
    axis = attrs["axis"]
    if isinstance(axis, tuple):
        axis = axis[0] if len(axis) == 1 else None
    if axis is None or attrs["keepdims"] or attrs.get("exclude"):
        return None
    axis = axis + 2 if axis < 0 else axis
    return axis if axis in (0, 1) else None


def _csr_reduction(name, mean):
    @storage(name)
    class CsrReduce:
        def infer_storage(attrs, in_stypes):
            if in_stypes[0] == "csr" and _csr_axis(attrs) is not None:
                return ["default"]
            return None

        def compute(xp, inputs, attrs, out_stypes):
            x, axis = inputs[0], _csr_axis(attrs)
            out = xp.asarray(x.matrix(xp).sum(axis=axis)).reshape(-1).astype(x.data.dtype)
            if mean:
                out /= x.shape[axis]
            return out
    return CsrReduce


_csr_reduction("sum", False)
_csr_reduction("mean", True)


@operator("_square_sum", params=dict(_REDUCE_PARAMS), hint="square_sum")
class SquareSum:
    """sum(data ** 2) along `axis`. For a row_sparse 2-D array: along axis 1 with keepdims a
    row_sparse result (the same rows), otherwise dense."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axes = _reduced_axes("_square_sum", attrs["axis"], attrs["exclude"], x.ndim)
        return xp.sum(x * x, axis=axes, keepdims=attrs["keepdims"])

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        axes = _reduced_axes("_square_sum", attrs["axis"], attrs["exclude"], len(shape))
        return in_shapes, [_reduced_shape(shape, axes, attrs["keepdims"])]

    def infer_storage(attrs, in_stypes):
        if in_stypes[0] != "row_sparse" or attrs["exclude"]:
            return None
        axis = attrs["axis"]
        axis = axis[0] if isinstance(axis, tuple) and len(axis) == 1 else axis
        if axis in (1, -1) and attrs["keepdims"]:
            return ["row_sparse"]
        return ["default"] if axis in (0, 1, -1) else None

    def compute_sparse(xp, inputs, attrs, out_stypes):
        x = inputs[0]
        axis = attrs["axis"]
        axis = axis[0] if isinstance(axis, tuple) else axis
        squares = x.data * x.data
        if axis == 0:
            out = xp.sum(squares, axis=0, keepdims=attrs["keepdims"])
            return out.astype(x.data.dtype, copy=False)
        rows = xp.sum(squares, axis=1, keepdims=True)
        if out_stypes[0] == "row_sparse":
            return RowSparse(rows, x.indices, (x.shape[0], 1))
        out = xp.zeros((x.shape[0],), dtype=x.data.dtype)
        out[x.indices] = rows.reshape(-1)
        return out

    def gradient(F, attrs, inputs, outputs, out_grads):
        x = inputs[0]
        dense = F.cast_storage(x, stype="default") \
            if getattr(x, "stype", "default") != "default" else x
        spread = F._broadcast_reduced(out_grads[0], dense, **_reduce_attrs(attrs))
        return [F.elemwise_mul(F._mul_scalar(dense, scalar=2.0), spread)]


