"""Triangular products and solves of `mx.nd.linalg`: trmm, trsm, and the symmetric rank-k
update syrk. Inputs are stacks of matrices on the trailing two axes; only the triangle of A that
`lower` names is read. Gradients are written with gemm2/trmm/trsm and the triangle operators,
so they can be differentiated again.

    trmm: out = alpha * op(A) * B      (rightside: alpha * B * op(A))
    trsm: out = alpha * op(A)^-1 * B   (rightside: alpha * B * op(A)^-1)
    syrk: out = alpha * A * A^T        (transpose: alpha * A^T * A)
"""
from ..base import ShapeError
from .params import Bool, Float
from .registry import operator

_TRI = {"transpose": Bool(False, doc="Use the transpose of the triangular matrix."),
        "rightside": Bool(False, doc="Multiply (solve) with the triangular matrix on the right."),
        "lower": Bool(True, doc="The lower (True) or upper triangle of A is used."),
        "alpha": Float(1.0, doc="Scalar factor.")}


def triangle(xp, a, lower):
    return xp.tril(a) if lower else xp.triu(a)


def swap(xp, a):
    return xp.swapaxes(a, -1, -2)


# --- gradient helpers written with registered operators -------------------------------------
def f_triangle(F, x, lower):
    """The lower (or upper) triangle of x, zeros elsewhere."""
    return F._linalg_maketrian(F._linalg_extracttrian(x, lower=lower), lower=lower)


def f_swap(F, x):
    return F.SwapAxis(x, dim1=-1, dim2=-2)


def _tri_shapes(name, attrs, a, b):
    if a is not None and (len(a) < 2 or a[-1] != a[-2]):
        raise ShapeError("%s: A must be a (batch of) square matrices, found shape %s"
                         % (name, tuple(a)))
    if a is None or b is None:
        return b
    if len(a) != len(b) or tuple(a[:-2]) != tuple(b[:-2]):
        raise ShapeError("%s: A and B must have the same leading (batch) shape, found %s and %s"
                         % (name, tuple(a), tuple(b)))
    side = b[-1] if attrs["rightside"] else b[-2]
    if side != a[-1]:
        raise ShapeError("%s: B of shape %s does not match the %d x %d matrix A on the %s side"
                         % (name, tuple(b), a[-1], a[-1], "right" if attrs["rightside"]
                            else "left"))
    return tuple(b)


@operator("_linalg_trmm", params=_TRI, inputs=("A", "B"), aliases=("linalg_trmm",),
          hint="linalg_trmm")
class Trmm:
    """Triangular matrix times matrix: alpha * op(A) * B, or alpha * B * op(A) with rightside;
    op(A) is A or its transpose, and only the triangle `lower` names is read."""
    def compute(xp, inputs, attrs):
        Trmm.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a, b = inputs
        t = triangle(xp, a, attrs["lower"])
        if attrs["transpose"]:
            t = swap(xp, t)
        out = xp.matmul(b, t) if attrs["rightside"] else xp.matmul(t, b)
        return out * out.dtype.type(attrs["alpha"]) if attrs["alpha"] != 1.0 else out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [_tri_shapes("linalg_trmm", attrs, *in_shapes)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        a, b = inputs
        og = out_grads[0]
        alpha, tr, right, lower = (attrs["alpha"], attrs["transpose"], attrs["rightside"],
                                   attrs["lower"])
        grad_b = F._linalg_trmm(a, og, transpose=not tr, rightside=right, lower=lower,
                                alpha=alpha)
        if right:   # d op(A) = alpha * B^T og
            d_op = F._linalg_gemm2(b, og, transpose_a=True, alpha=alpha)
        else:       # d op(A) = alpha * og B^T
            d_op = F._linalg_gemm2(og, b, transpose_b=True, alpha=alpha)
        d_a = f_swap(F, d_op) if tr else d_op
        return [f_triangle(F, d_a, lower), grad_b]


@operator("_linalg_trsm", params=_TRI, inputs=("A", "B"), aliases=("linalg_trsm",),
          hint="linalg_trsm")
class Trsm:
    """Solves a triangular system: alpha * op(A)^-1 * B, or alpha * B * op(A)^-1 with
    rightside; only the triangle `lower` names is read."""
    def compute(xp, inputs, attrs):
        Trsm.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a, b = inputs
        t = triangle(xp, a, attrs["lower"])
        if attrs["transpose"]:
            t = swap(xp, t)
        rhs = b * b.dtype.type(attrs["alpha"]) if attrs["alpha"] != 1.0 else b
        if attrs["rightside"]:   # X op(A) = rhs  <=>  op(A)^T X^T = rhs^T
            return swap(xp, xp.linalg.solve(swap(xp, t), swap(xp, rhs)))
        return xp.linalg.solve(t, rhs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [_tri_shapes("linalg_trsm", attrs, *in_shapes)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        a = inputs[0]
        out, og = outputs[0], out_grads[0]
        alpha, tr, right, lower = (attrs["alpha"], attrs["transpose"], attrs["rightside"],
                                   attrs["lower"])
        # g = op(A)^-T og (left) or og op(A)^-T (right); dB = alpha g.
        g = F._linalg_trsm(a, og, transpose=not tr, rightside=right, lower=lower, alpha=1.0)
        grad_b = F._mul_scalar(g, scalar=alpha)
        if right:
            d_op = F._linalg_gemm2(out, g, transpose_a=True, alpha=-1.0)
        else:
            d_op = F._linalg_gemm2(g, out, transpose_b=True, alpha=-1.0)
        d_a = f_swap(F, d_op) if tr else d_op
        return [f_triangle(F, d_a, lower), grad_b]


@operator("_linalg_syrk", params={"transpose": Bool(False, doc="Use A^T A instead of A A^T."),
                                  "alpha": Float(1.0, doc="Scalar factor.")},
          inputs=("A",), aliases=("linalg_syrk",), hint="linalg_syrk")
class Syrk:
    """Symmetric rank-k update: alpha * A * A^T, or alpha * A^T * A with transpose."""
    def compute(xp, inputs, attrs):
        Syrk.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        out = xp.matmul(swap(xp, a), a) if attrs["transpose"] else xp.matmul(a, swap(xp, a))
        return out * out.dtype.type(attrs["alpha"]) if attrs["alpha"] != 1.0 else out

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        if len(a) < 2:
            raise ShapeError("linalg_syrk: A must have at least 2 dimensions, found %s"
                             % (tuple(a),))
        n = a[-1] if attrs["transpose"] else a[-2]
        return in_shapes, [tuple(a[:-2]) + (n, n)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        a, og = inputs[0], out_grads[0]
        sym = F.elemwise_add(og, f_swap(F, og))
        if attrs["transpose"]:
            return [F._linalg_gemm2(a, sym, alpha=attrs["alpha"])]
        return [F._linalg_gemm2(sym, a, alpha=attrs["alpha"])]
