"""MXNet's `_scatter_*` operators: elementwise operators that, on a sparse left-hand side, act
on its stored values only and keep its storage type (the positions it does not store stay
zero). On dense inputs they are the ordinary operators.

    _scatter_plus_scalar / _scatter_minus_scalar   csr -> csr, row_sparse -> row_sparse
    _scatter_elemwise_div                          row_sparse / (any) -> row_sparse
    anything else: the dense operator (csr or dense on the left of a sparse divisor: the dense
    fallback, with its warning)

Their gradients are the ordinary operators' (MXNet's `_backward_*`): the whole output gradient
for + and -, og / rhs and -og * lhs / rhs^2 for the division, dense-valued.
"""
from ..registry import operator, get
from .storage import RowSparse, densify, take_rows
from .elemwise import with_data

_D, _R = "default", "row_sparse"


def _scatter_scalar(name, base, sign):
    op = get(base)

    class ScatterScalar:
        def compute(xp, inputs, attrs):
            return op.compute(xp, inputs, attrs)

        def gradient(F, attrs, inputs, outputs, out_grads):
            return [out_grads[0]]

        def infer_storage(attrs, in_stypes):
            return None if in_stypes[0] == _D else [in_stypes[0]]

        def compute_sparse(xp, inputs, attrs, out_stypes):
            x = inputs[0]
            return with_data(x, op.compute(xp, [x.data], attrs))

    ScatterScalar.__doc__ = (
        "x %s scalar; on a csr or row_sparse x, only on its stored values (its other positions "
        "stay zero) and with x's storage type." % sign)
    operator(name, params=op.params, elementwise=True, inplace=((0, 0),),
             hint=name.lstrip("_"))(ScatterScalar)


_scatter_scalar("_scatter_plus_scalar", "_plus_scalar", "+")
_scatter_scalar("_scatter_minus_scalar", "_minus_scalar", "-")

_DIV = get("elemwise_div")


def _rows_of(xp, value, rows):
    """The rows `rows` of a dense, csr or row_sparse value, as a dense array."""
    if not isinstance(value, RowSparse):
        return xp.take(densify(xp, value), rows, axis=0)
    return take_rows(xp, value, rows)


@operator("_scatter_elemwise_div", inputs=("lhs", "rhs"), elementwise=True,
          hint="scatter_elemwise_div")
class ScatterElemwiseDiv:
    """lhs / rhs, elementwise; on a row_sparse lhs only its stored rows are divided (by the
    same rows of rhs, of any storage type) and the result is row_sparse."""
    def compute(xp, inputs, attrs):
        return _DIV.compute(xp, inputs, attrs)

    infer_shape = _DIV.infer_shape
    infer_shape_backward = _DIV.infer_shape_backward

    def gradient(F, attrs, inputs, outputs, out_grads):
        lhs, rhs = inputs
        og = out_grads[0]
        return [F.elemwise_div(og, rhs),
                F.negative(F.elemwise_div(F.elemwise_mul(og, lhs), F.square(rhs)))]

    def infer_storage(attrs, in_stypes):
        return [_R] if in_stypes[0] == _R else None

    def compute_sparse(xp, inputs, attrs, out_stypes):
        lhs, rhs = inputs
        values = _DIV.compute(xp, [lhs.data, _rows_of(xp, rhs, lhs.indices)], attrs)
        return RowSparse(values, lhs.indices, lhs.shape)
