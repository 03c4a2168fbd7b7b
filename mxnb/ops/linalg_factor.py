"""Factorizations of `mx.nd.linalg`: potrf (Cholesky), potri (inverse from a Cholesky factor),
gelqf (LQ) and syevd (symmetric eigendecomposition), on stacks of matrices (trailing two axes).

Gradients follow MXNet's la_op and are written with registered operators (gemm2, trsm, the
triangle and diagonal operators), so they can be differentiated again. potrf and syevd read
only the lower triangle of A, as LAPACK does, and give symmetric gradients, as MXNet does.
"""
import numpy as np

from ..base import MXNetError, ShapeError
from .linalg_triangular import f_swap, f_triangle, swap
from .params import Bool
from .registry import operator

# MXNet's LaCholeskyParam: which triangle the Cholesky factor occupies (and is read from).
_CHOLESKY = {"lower": Bool(True, doc="True: lower triangular factor L with A = L * L^T; "
                                      "False: upper triangular U with A = U^T * U.")}


def _square(name, shape):
    if shape is not None and (len(shape) < 2 or shape[-1] != shape[-2]):
        raise ShapeError("%s: expected a (batch of) square matrices, found shape %s"
                         % (name, tuple(shape)))


def _symmetric_from_lower(xp, a):
    low = xp.tril(a)
    return low + swap(xp, xp.tril(a, -1))


def _as_lower(xp, a, lower):
    """`a`, transposed when the triangle in use is the upper one: upper-triangle work is the
    lower-triangle work on the transpose (U = L^T)."""
    return a if lower else swap(xp, a)


def f_copyltu(F, m):
    """The symmetric matrix whose lower triangle is m's (MXNet's copyltu): tril(m) +
    tril(m)^T - diag(m), which, unlike the strict triangle, also exists for 1 x 1 matrices."""
    low = f_triangle(F, m, True)
    diagonal = F._linalg_makediag(F._linalg_extractdiag(m))
    return F.elemwise_sub(F.elemwise_add(low, f_swap(F, low)), diagonal)


def _linalg_error(name, exc):
    return MXNetError("%s: %s (expected %s)" % (name, exc, {
        "linalg_potrf": "a symmetric positive definite matrix",
        "linalg_gelqf": "a full-rank matrix with no more rows than columns",
    }.get(name, "a well-conditioned matrix")))


@operator("_linalg_potrf", params=_CHOLESKY, inputs=("A",), aliases=("linalg_potrf",),
          hint="linalg_potrf")
class Potrf:
    """Cholesky factorization of symmetric positive definite matrices: the lower triangular L
    with A = L * L^T (only the lower triangle of A is read), or with lower=False the upper
    triangular U with A = U^T * U (only the upper triangle is read)."""
    def compute(xp, inputs, attrs):
        Potrf.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        lower = attrs["lower"]
        try:
            low = xp.linalg.cholesky(_symmetric_from_lower(xp, _as_lower(xp, inputs[0], lower)))
        except np.linalg.LinAlgError as exc:
            raise _linalg_error("linalg_potrf", exc) from None
        return low if lower else xp.ascontiguousarray(swap(xp, low))

    def infer_shape(attrs, in_shapes):
        _square("linalg_potrf", in_shapes[0])
        return in_shapes, [in_shapes[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # A backward kernel, as MXNet's: the symmetric convention below is what first order
        # is checked against (through symmetric inputs); differentiating it again would not be
        # the derivative of that gradient, so second order through potrf is refused clearly
        # (MXNet's _backward_linalg_potrf has no gradient either). For U = L^T, dL = dU^T.
        og, factor = out_grads[0], outputs[0]
        if not attrs["lower"]:
            og, factor = f_swap(F, og), f_swap(F, factor)
        return [F._backward_linalg_potrf(og, factor)]


@operator("_backward_linalg_potrf", params={}, inputs=("ograd", "L"))
class BackwardPotrf:
    """The gradient of potrf from (dL, L): dA = 0.5 * L^-T * copyltu(L^T * dL) * L^-1, a
    symmetric matrix (MXNet's convention)."""
    def compute(xp, inputs, attrs):
        og, low = inputs
        BackwardPotrf.infer_shape(attrs, [og.shape, low.shape])
        m = xp.matmul(swap(xp, low), og)
        sym = _symmetric_from_lower(xp, m)
        try:
            inv = xp.linalg.inv(low)
        except np.linalg.LinAlgError as exc:
            raise _linalg_error("_backward_linalg_potrf", exc) from None
        return 0.5 * xp.matmul(xp.matmul(swap(xp, inv), sym), inv)

    def infer_shape(attrs, in_shapes):
        og, low = in_shapes
        _square("_backward_linalg_potrf", low)
        if og is not None and low is not None and tuple(og) != tuple(low):
            raise ShapeError("_backward_linalg_potrf: ograd and L must have one shape, found "
                             "%s and %s" % (tuple(og), tuple(low)))
        return in_shapes, [low if low is not None else og]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


@operator("_linalg_potri", params=_CHOLESKY, inputs=("A",), aliases=("linalg_potri",),
          hint="linalg_potri")
class Potri:
    """Inverse of B = A * A^T from its lower triangular Cholesky factor A: A^-T * A^-1; with
    lower=False, of B = A^T * A from its upper triangular factor A: A^-1 * A^-T. Only the
    triangle `lower` names is read."""
    def compute(xp, inputs, attrs):
        Potri.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        low = xp.tril(_as_lower(xp, inputs[0], attrs["lower"]))
        try:
            inv = xp.linalg.inv(low)
        except np.linalg.LinAlgError as exc:
            raise _linalg_error("linalg_potri", exc) from None
        return xp.matmul(swap(xp, inv), inv)

    def infer_shape(attrs, in_shapes):
        _square("linalg_potri", in_shapes[0])
        return in_shapes, [in_shapes[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # lower: dA = -tril(X * tril(A)), upper: dA = -triu(triu(A) * X) (its transpose),
        # with the symmetric X = out * (dOut + dOut^T) * out
        out, og, lower = outputs[0], out_grads[0], attrs["lower"]
        sym = F.elemwise_add(og, f_swap(F, og))
        x = F._linalg_gemm2(F._linalg_gemm2(out, sym), out)
        factor = f_triangle(F, inputs[0], lower)
        prod = (F._linalg_gemm2(x, factor, alpha=-1.0) if lower
                else F._linalg_gemm2(factor, x, alpha=-1.0))
        return [f_triangle(F, prod, lower)]


@operator("_linalg_gelqf", params={}, inputs=("A",), outputs=("output0", "output1"),
          aliases=("linalg_gelqf",), hint="linalg_gelqf")
class Gelqf:
    """LQ factorization A = L * Q of full-rank matrices with rows <= columns: Q row-orthonormal,
    L lower triangular (LAPACK's signs: gelqf followed by orglq). Returns (Q, L)."""
    def compute(xp, inputs, attrs):
        Gelqf.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        try:
            q, r = xp.linalg.qr(swap(xp, a))
        except np.linalg.LinAlgError as exc:
            raise _linalg_error("linalg_gelqf", exc) from None
        return [xp.ascontiguousarray(swap(xp, q)), xp.ascontiguousarray(swap(xp, r))]

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None, None]
        if len(a) < 2 or a[-2] > a[-1]:
            raise ShapeError("linalg_gelqf: expected matrices with rows <= columns, found shape "
                             "%s" % (tuple(a),))
        return in_shapes, [tuple(a), tuple(a[:-1]) + (a[-2],)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # M = L^T dL - dQ Q^T;  dA = L^-T (dQ + copyltu(M) Q)
        q, low = outputs
        dq, dl = out_grads
        m = F.elemwise_sub(F._linalg_gemm2(low, dl, transpose_a=True),
                           F._linalg_gemm2(dq, q, transpose_b=True))
        rhs = F.elemwise_add(dq, F._linalg_gemm2(f_copyltu(F, m), q))
        return [F._linalg_trsm(low, rhs, transpose=True)]


@operator("_linalg_syevd", params={}, inputs=("A",), outputs=("output0", "output1"),
          aliases=("linalg_syevd",), hint="linalg_syevd")
class Syevd:
    """Eigendecomposition of symmetric matrices: U * A = diag(L) * U with the eigenvectors as
    the rows of U, eigenvalues ascending, and each row's largest entry (in magnitude) positive,
    as MXNet. Returns (U, L); only the lower triangle of A is read."""
    def compute(xp, inputs, attrs):
        Syevd.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        w, v = xp.linalg.eigh(_symmetric_from_lower(xp, inputs[0]))
        u = swap(xp, v)
        # Fix each eigenvector's sign: its entry of largest magnitude is positive.
        pick = xp.argmax(xp.abs(u), axis=-1)[..., None]
        sign = xp.sign(xp.take_along_axis(u, pick, axis=-1))
        sign[sign == 0] = 1
        return [xp.ascontiguousarray(u * sign), w]

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        _square("linalg_syevd", a)
        if a is None:
            return in_shapes, [None, None]
        return in_shapes, [tuple(a), tuple(a[:-1])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # A backward kernel, as MXNet's (symmetric convention; see potrf): second order
        # through syevd is refused clearly.
        return [F._backward_linalg_syevd(out_grads[0], out_grads[1], outputs[0], outputs[1])]


@operator("_backward_linalg_syevd", params={}, inputs=("dU", "dL", "U", "L"))
class BackwardSyevd:
    """The gradient of syevd from (dU, dL, U, L): dA = U^T (diag(dL) + F o (U dU^T)) U,
    symmetrised, with F_ij = 1 / (L_j - L_i) and F_ii = 0 (MXNet's convention)."""
    def compute(xp, inputs, attrs):
        du, dlam, u, lam = inputs
        BackwardSyevd.infer_shape(attrs, [x.shape for x in inputs])
        n = lam.shape[-1]
        eye = xp.eye(n, dtype=lam.dtype)
        gaps = lam[..., None, :] - lam[..., :, None]
        inv_gaps = 1.0 / (gaps + eye) - eye
        inner = inv_gaps * xp.matmul(u, swap(xp, du))
        inner = inner + eye * dlam[..., None, :]
        full = xp.matmul(xp.matmul(swap(xp, u), inner), u)
        return (0.5 * (full + swap(xp, full))).astype(du.dtype)

    def infer_shape(attrs, in_shapes):
        du, dlam, u, lam = in_shapes
        _square("_backward_linalg_syevd", u)
        if u is not None:
            for name, given, want in (("dU", du, tuple(u)), ("dL", dlam, tuple(u[:-1])),
                                      ("L", lam, tuple(u[:-1]))):
                if given is not None and tuple(given) != want:
                    raise ShapeError("_backward_linalg_syevd: %s should have shape %s, found %s"
                                     % (name, want, tuple(given)))
        return in_shapes, [u if u is not None else du]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]
