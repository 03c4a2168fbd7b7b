"""Batched matrix products of `mx.nd.linalg` (MXNet's la_op): gemm2 and gemm.

Inputs are stacks of matrices: columns on the last axis, rows on `axis` (-2 by default), every
other axis a batch axis. Gradients are gemm2 products themselves, so second order works.
"""
from ..base import MXNetError
from .params import Bool, Float, Int, inserted
from .registry import operator

_GEMM2 = {"transpose_a": Bool(False), "transpose_b": Bool(False), "alpha": Float(1.0), "axis": Int(-2)}
_GEMM = inserted(_GEMM2, "beta", Float(1.0), before="axis")


def _rows_last_but_one(xp, x, axis):
    """x with its row axis moved to -2 (a no-op for MXNet's default axis=-2)."""
    return x if axis in (-2, x.ndim - 2) else xp.moveaxis(x, axis, -2)


def _rows_back(xp, x, axis):
    return x if axis in (-2, x.ndim - 2) else xp.moveaxis(x, -2, axis)


def _move_shape(shape, axis):
    """A shape with its row axis moved to -2, and the function moving it back."""
    if shape is None or axis in (-2, len(shape) - 2):
        return shape, (lambda s: s)
    dims = list(shape)
    ax = axis % len(dims)
    row = dims.pop(ax)
    dims.insert(len(dims) - 1, row)

    def back(s):
        if s is None:
            return None
        out = list(s)
        r = out.pop(len(out) - 2)
        out.insert(ax, r)
        return tuple(out)
    return tuple(dims), back


def _product(xp, a, b, attrs):
    if attrs["transpose_a"]:
        a = xp.swapaxes(a, -1, -2)
    if attrs["transpose_b"]:
        b = xp.swapaxes(b, -1, -2)
    out = xp.matmul(a, b)
    return out * out.dtype.type(attrs["alpha"]) if attrs["alpha"] != 1.0 else out


def _product_shape(name, attrs, a, b):
    if a is None or b is None:
        return None
    if len(a) < 2 or len(a) != len(b) or tuple(a[:-2]) != tuple(b[:-2]):
        raise MXNetError("%s: A and B must be stacks of matrices with the same leading shape, "
                         "found %s and %s" % (name, tuple(a), tuple(b)))
    rows_a, inner_a = (a[-1], a[-2]) if attrs["transpose_a"] else (a[-2], a[-1])
    inner_b, cols_b = (b[-1], b[-2]) if attrs["transpose_b"] else (b[-2], b[-1])
    if inner_a and inner_b and inner_a != inner_b:
        raise MXNetError("%s: op(A) has %d columns, op(B) has %d rows" % (name, inner_a, inner_b))
    return tuple(a[:-2]) + (rows_a, cols_b)


def _product_gradients(F, attrs, a, b, og):
    """d(alpha * op(A) op(B)) for each of the four transpose cases, as gemm2 products."""
    ta, tb, alpha, axis = attrs["transpose_a"], attrs["transpose_b"], attrs["alpha"], attrs["axis"]
    g2 = lambda x, y, tx, ty: F._linalg_gemm2(x, y, transpose_a=tx, transpose_b=ty, alpha=alpha,
                                              axis=axis)
    if not ta and not tb:
        return g2(og, b, False, True), g2(a, og, True, False)
    if ta and not tb:
        return g2(b, og, False, True), g2(a, og, False, False)
    if not ta and tb:
        return g2(og, b, False, False), g2(og, a, True, False)
    return g2(b, og, True, True), g2(og, a, True, True)


@operator("_linalg_gemm2", params=_GEMM2, inputs=("A", "B"), aliases=("linalg_gemm2",),
          hint="linalg_gemm2")
class Gemm2:
    """alpha * op(A) @ op(B) for each matrix of the stacks A and B."""
    def compute(xp, inputs, attrs):
        Gemm2.infer_shape(attrs, [inputs[0].shape, inputs[1].shape])    # no broadcasting
        axis = attrs["axis"]
        a, b = (_rows_last_but_one(xp, x, axis) for x in inputs)
        return xp.ascontiguousarray(_rows_back(xp, _product(xp, a, b, attrs), axis))

    def infer_shape(attrs, in_shapes):
        (a, back), (b, _) = (_move_shape(s, attrs["axis"]) for s in in_shapes)
        return in_shapes, [back(_product_shape("linalg_gemm2", attrs, a, b))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return list(_product_gradients(F, attrs, inputs[0], inputs[1], out_grads[0]))


@operator("_linalg_gemm", params=_GEMM, inputs=("A", "B", "C"), aliases=("linalg_gemm",),
          hint="linalg_gemm")
class Gemm:
    """alpha * op(A) @ op(B) + beta * C for each matrix of the stacks."""
    def compute(xp, inputs, attrs):
        axis = attrs["axis"]
        a, b, c = inputs
        Gemm.infer_shape(attrs, [a.shape, b.shape, c.shape])      # no broadcasting
        out = _product(xp, _rows_last_but_one(xp, a, axis), _rows_last_but_one(xp, b, axis), attrs)
        out = _rows_back(xp, out, axis)
        return out + c * c.dtype.type(attrs["beta"])

    def infer_shape(attrs, in_shapes):
        (a, back), (b, _) = (_move_shape(s, attrs["axis"]) for s in in_shapes[:2])
        out = back(_product_shape("linalg_gemm", attrs, a, b))
        c = in_shapes[2]
        if out is not None and c is not None and tuple(c) != out:
            raise MXNetError("linalg_gemm: C has shape %s, op(A) @ op(B) has shape %s" % (tuple(c), out))
        out = out if out is not None else c
        return [in_shapes[0], in_shapes[1], out], [out]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        grad_a, grad_b = _product_gradients(F, attrs, inputs[0], inputs[1], og)
        return [grad_a, grad_b, F._mul_scalar(og, scalar=attrs["beta"])]
