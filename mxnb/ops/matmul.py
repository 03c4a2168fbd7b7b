"""Matrix products: dot (MXNet's N-D dot) and batch_dot.

MXNet's dot contracts the last axis of lhs with the first axis of rhs; with transpose_a, lhs is
read as a (shape[0], rest) matrix and transposed, so its FIRST axis is contracted; with
transpose_b, rhs is read as a (rest, shape[-1]) matrix and transposed, so its LAST axis is.
Every case is one 2-D product of reshaped views, so forward and backward are each a single
xp.dot call. The backward of N-D dot needs those same reshapes, so it is two internal operators
(`_dot_grad_lhs`, `_dot_grad_rhs`) whose gradients are dot and each other: second order works.
"""
from ..base import ShapeError
from .params import Bool, Enum
from .registry import operator

_DOT_PARAMS = {"transpose_a": Bool(False), "transpose_b": Bool(False),
               "forward_stype": Enum((None, "default", "csr", "row_sparse"), None)}


# --- the 2-D views -------------------------------------------------------------------------------
def _lhs_matrix(a, ta):
    """lhs as the (P, K) matrix it is multiplied as."""
    return a.reshape(a.shape[0], -1).T if ta else a.reshape(-1, a.shape[-1])


def _rhs_matrix(b, tb):
    """rhs as the (K, Q) matrix it is multiplied as."""
    return b.reshape(-1, b.shape[-1]).T if tb else b.reshape(b.shape[0], -1)


def _dot_shape(lhs, rhs, ta, tb):
    """The output shape of dot, or a ShapeError; dims of 0 are unknown."""
    if len(lhs) == 1 and len(rhs) == 1:
        if ta or tb:
            raise ShapeError("operator dot cannot transpose vectors (1-D inputs %s and %s)"
                             % (tuple(lhs), tuple(rhs)))
        k_lhs, k_rhs, out = lhs[0], rhs[0], (1,)
    else:
        k_lhs = lhs[0] if ta else lhs[-1]
        k_rhs = rhs[-1] if tb else rhs[0]
        lhs_out = (tuple(lhs[1:]) if ta else tuple(lhs[:-1])) if len(lhs) > 1 else ()
        rhs_out = (tuple(rhs[:-1]) if tb else tuple(rhs[1:])) if len(rhs) > 1 else ()
        out = lhs_out + rhs_out
    if k_lhs and k_rhs and k_lhs != k_rhs:
        raise ShapeError("operator dot: the contracted axes differ: lhs %s (transpose_a=%s) has "
                         "%d, rhs %s (transpose_b=%s) has %d"
                         % (tuple(lhs), ta, k_lhs, tuple(rhs), tb, k_rhs))
    return out


def _flags(attrs):
    return {"transpose_a": attrs["transpose_a"], "transpose_b": attrs["transpose_b"]}


@operator("dot", params=_DOT_PARAMS, inputs=("lhs", "rhs"))
class Dot:
    """Dot product: last axis of lhs with first axis of rhs (see transpose_a, transpose_b)."""
    def compute(xp, inputs, attrs):
        a, b = inputs
        ta, tb = attrs["transpose_a"], attrs["transpose_b"]
        if a.ndim == 2 and b.ndim == 2:  # the common case, no reshapes
            return xp.dot(a.T if ta else a, b.T if tb else b)
        out_shape = _dot_shape(a.shape, b.shape, ta, tb)
        return xp.dot(_lhs_matrix(a, ta), _rhs_matrix(b, tb)).reshape(out_shape)

    def infer_shape(attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return in_shapes, [None]
        return in_shapes, [_dot_shape(lhs, rhs, attrs["transpose_a"], attrs["transpose_b"])]

    def gradient(F, attrs, inputs, outputs, out_grads, needs=(True, True)):
        # Only the wanted gradients: a sparse input (csr data) usually wants none.
        a, b = inputs
        og = out_grads[0]
        return [F._dot_grad_lhs(og, b, a, **_flags(attrs)) if needs[0] else None,
                F._dot_grad_rhs(og, a, b, **_flags(attrs)) if needs[1] else None]


def _like_shape(attrs, in_shapes):
    return in_shapes, [in_shapes[2]]


def _first_type(attrs, in_types):
    return in_types, [in_types[0]]


@operator("_dot_grad_lhs", params=_DOT_PARAMS, inputs=("ograd", "rhs", "lhs"))
class DotGradLhs:
    """The gradient of dot with respect to lhs (`lhs` gives only its shape)."""
    def compute(xp, inputs, attrs):
        og, b, a = inputs
        y = _rhs_matrix(b, attrs["transpose_b"])
        g = og.reshape(-1, y.shape[1])
        # d(X) = G Y^T; lhs is X, or X^T with transpose_a.
        grad = xp.dot(y, g.T) if attrs["transpose_a"] else xp.dot(g, y.T)
        return grad.reshape(a.shape)

    infer_shape = _like_shape
    infer_type = _first_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, b, a = inputs
        h = out_grads[0]
        return [F.dot(h, b, **_flags(attrs)), F._dot_grad_rhs(og, h, b, **_flags(attrs)), None]


@operator("_dot_grad_rhs", params=_DOT_PARAMS, inputs=("ograd", "lhs", "rhs"))
class DotGradRhs:
    """The gradient of dot with respect to rhs (`rhs` gives only its shape)."""
    def compute(xp, inputs, attrs):
        og, a, b = inputs
        x = _lhs_matrix(a, attrs["transpose_a"])
        g = og.reshape(x.shape[0], -1)
        # d(Y) = X^T G; rhs is Y, or Y^T with transpose_b.
        grad = xp.dot(g.T, x) if attrs["transpose_b"] else xp.dot(x.T, g)
        return grad.reshape(b.shape)

    infer_shape = _like_shape
    infer_type = _first_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, a, b = inputs
        h = out_grads[0]
        return [F.dot(a, h, **_flags(attrs)), F._dot_grad_lhs(og, h, a, **_flags(attrs)), None]


# --- batch_dot ---------------------------------------------------------------------------------
def _batch_dot_shape(lhs, rhs, ta, tb):
    if len(lhs) < 3 or len(lhs) != len(rhs):
        raise ShapeError("operator batch_dot expects two arrays of the same rank, at least 3, "
                         "found shapes %s and %s" % (tuple(lhs), tuple(rhs)))
    for i, (x, y) in enumerate(zip(lhs[:-2], rhs[:-2])):
        if x and y and x != y:
            raise ShapeError("operator batch_dot: the leading batch dimensions must be equal, "
                             "found shapes %s and %s" % (tuple(lhs), tuple(rhs)))
    batch = tuple(x or y for x, y in zip(lhs[:-2], rhs[:-2]))
    m, k_lhs = (lhs[-1], lhs[-2]) if ta else (lhs[-2], lhs[-1])
    k_rhs, n = (rhs[-1], rhs[-2]) if tb else (rhs[-2], rhs[-1])
    if k_lhs and k_rhs and k_lhs != k_rhs:
        raise ShapeError("operator batch_dot: the contracted axes differ: lhs %s (transpose_a=%s) "
                         "has %d, rhs %s (transpose_b=%s) has %d"
                         % (tuple(lhs), ta, k_lhs, tuple(rhs), tb, k_rhs))
    return batch, batch + (m, n)


def _swap(x, flag):
    return x.swapaxes(-1, -2) if flag else x


@operator("batch_dot", params=_DOT_PARAMS, inputs=("lhs", "rhs"))
class BatchDot:
    """Matrix products of matching batches: (..., M, K) x (..., K, N) -> (..., M, N)."""
    def compute(xp, inputs, attrs):
        a, b = inputs
        if a.ndim < 3 or a.ndim != b.ndim or a.shape[:-2] != b.shape[:-2]:  # matmul would broadcast
            _batch_dot_shape(a.shape, b.shape, attrs["transpose_a"], attrs["transpose_b"])
        return xp.matmul(_swap(a, attrs["transpose_a"]), _swap(b, attrs["transpose_b"]))

    def infer_shape(attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return in_shapes, [None]
        _, out = _batch_dot_shape(lhs, rhs, attrs["transpose_a"], attrs["transpose_b"])
        k_lhs = lhs[-2] if attrs["transpose_a"] else lhs[-1]
        k_rhs = rhs[-1] if attrs["transpose_b"] else rhs[-2]
        if not (k_lhs and k_rhs):   # as MXNet: no output shape while a contracted axis is unknown
            return in_shapes, [None]
        return in_shapes, [out]

    def gradient(F, attrs, inputs, outputs, out_grads):
        a, b = inputs
        og = out_grads[0]
        ta, tb = attrs["transpose_a"], attrs["transpose_b"]
        if ta and tb:     # C = A^T B^T: dA = B^T G^T, dB = G^T A^T
            return [F.batch_dot(b, og, transpose_a=True, transpose_b=True),
                    F.batch_dot(og, a, transpose_a=True, transpose_b=True)]
        if ta:            # C = A^T B: dA = B G^T, dB = A G
            return [F.batch_dot(b, og, transpose_b=True), F.batch_dot(a, og)]
        if tb:            # C = A B^T: dA = G B, dB = G^T A
            return [F.batch_dot(og, b), F.batch_dot(og, a, transpose_a=True)]
        # C = A B: dA = G B^T, dB = A^T G
        return [F.batch_dot(og, b, transpose_b=True), F.batch_dot(a, og, transpose_a=True)]
