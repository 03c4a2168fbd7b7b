"""Inverses and determinants of `mx.nd.linalg`: inverse, det, slogdet, sumlogdiag, on stacks
of square matrices (trailing two axes). Gradients use registered operators (inverse, gemm2,
the diagonal operators), so they can be differentiated again."""
import numpy as np

from ..base import MXNetError, ShapeError
from .linalg_triangular import f_swap
from .registry import operator


def _square(name, shape):
    if shape is not None and (len(shape) < 2 or shape[-1] != shape[-2]):
        raise ShapeError("%s: expected a (batch of) square matrices, found shape %s"
                         % (name, tuple(shape)))


def _batch_shape(name, attrs, in_shapes):
    """One value per matrix; a single matrix gives shape (1,), as MXNet."""
    a = in_shapes[0]
    _square(name, a)
    return None if a is None else (tuple(a[:-2]) or (1,))


def _per_matrix(xp, a, values):
    return values.reshape(1) if a.ndim == 2 else values


def _f_scale_matrices(F, scale, matrices):
    """scale[..., None, None] * matrices, shaped as the matrices."""
    scaled = F.broadcast_mul(F.expand_dims(F.expand_dims(scale, axis=-1), axis=-1), matrices)
    return F.reshape_like(scaled, matrices)


@operator("_linalg_inverse", params={}, inputs=("A",), aliases=("linalg_inverse",),
          hint="linalg_inverse")
class Inverse:
    """The inverse of each square matrix."""
    def compute(xp, inputs, attrs):
        Inverse.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        try:
            return xp.linalg.inv(inputs[0])
        except np.linalg.LinAlgError as exc:
            raise MXNetError("linalg_inverse: %s (expected invertible matrices)" % exc) from None

    def infer_shape(attrs, in_shapes):
        _square("linalg_inverse", in_shapes[0])
        return in_shapes, [in_shapes[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        inv = outputs[0]   # dA = -A^-T dOut A^-T
        left = F._linalg_gemm2(inv, out_grads[0], transpose_a=True)
        return [F._linalg_gemm2(left, inv, transpose_b=True, alpha=-1.0)]


@operator("_linalg_det", params={}, inputs=("A",), aliases=("linalg_det",), hint="linalg_det")
class Det:
    """The determinant of each square matrix."""
    def compute(xp, inputs, attrs):
        Det.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        return _per_matrix(xp, inputs[0], xp.linalg.det(inputs[0]))

    def infer_shape(attrs, in_shapes):
        return in_shapes, [_batch_shape("linalg_det", attrs, in_shapes)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # dA = dOut * det(A) * A^-T
        scale = F.elemwise_mul(out_grads[0], outputs[0])
        return [_f_scale_matrices(F, scale, f_swap(F, F._linalg_inverse(inputs[0])))]


@operator("_linalg_slogdet", params={}, inputs=("A",), outputs=("output0", "output1"),
          aliases=("linalg_slogdet",), hint="linalg_slogdet")
class Slogdet:
    """The sign and the natural log of the absolute value of each determinant: (sign,
    logabsdet)."""
    def compute(xp, inputs, attrs):
        Slogdet.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        sign, logdet = xp.linalg.slogdet(a)
        return [_per_matrix(xp, a, sign.astype(a.dtype)), _per_matrix(xp, a, logdet.astype(a.dtype))]

    def infer_shape(attrs, in_shapes):
        batch = _batch_shape("linalg_slogdet", attrs, in_shapes)
        return in_shapes, [batch, batch]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The sign is piecewise constant; d logabsdet = A^-T.
        return [_f_scale_matrices(F, out_grads[1], f_swap(F, F._linalg_inverse(inputs[0])))]


@operator("_linalg_sumlogdiag", params={}, inputs=("A",), aliases=("linalg_sumlogdiag",),
          hint="linalg_sumlogdiag")
class SumLogDiag:
    """The sum of the natural logarithms of the diagonal of each square matrix."""
    def compute(xp, inputs, attrs):
        SumLogDiag.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        return _per_matrix(xp, a, xp.log(xp.diagonal(a, 0, -2, -1)).sum(axis=-1))

    def infer_shape(attrs, in_shapes):
        return in_shapes, [_batch_shape("linalg_sumlogdiag", attrs, in_shapes)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        diag = F._linalg_extractdiag(inputs[0])
        grad = F._linalg_makediag(F.broadcast_div(F.expand_dims(out_grads[0], axis=-1), diag))
        return [F.reshape_like(grad, inputs[0])]
