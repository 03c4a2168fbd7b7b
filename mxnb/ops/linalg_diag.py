"""Diagonals and triangles of `mx.nd.linalg`: extractdiag, makediag, extracttrian, maketrian.

Each pair is the other's gradient. Triangles are read and written row by row, as MXNet does
(extracttrian([[1, 2], [3, 4]]) = [1, 3, 4]), except the upper triangle at offset 0, which
MXNet reads column by column.
"""
import math

from ..base import ShapeError
from .params import Bool, Int
from .registry import operator

_DIAG = {"offset": Int(0, doc="Offset of the diagonal versus the main diagonal: 0 the main "
                              "diagonal, > 0 above it, < 0 below it.")}
_TRIAN = dict(_DIAG, lower=Bool(True, doc="With offset 0: the lower (True) or upper triangle."))


def _triangle_indices(xp, n, attrs):
    """(rows, cols) of the triangle `attrs` picks in an n x n matrix, in MXNet's order: row by
    row, except the upper triangle at offset 0, which goes column by column (MXNet reads it as
    the lower triangle of the transpose)."""
    offset = attrs["offset"]
    if offset > 0:
        return xp.triu_indices(n, offset)
    rows, cols = xp.tril_indices(n, offset)
    if offset == 0 and not attrs["lower"]:
        return cols, rows
    return rows, cols


def triangle_size(n, offset):
    t = n - abs(offset)
    return t * (t + 1) // 2


def _matrix_size(m, offset, name):
    """The n of an n x n matrix whose triangle at `offset` has m entries."""
    t = int(round((math.sqrt(8 * m + 1) - 1) / 2))
    if t * (t + 1) // 2 != m:
        raise ShapeError("%s: %d entries do not make a triangle (1, 3, 6, 10, ... entries)"
                         % (name, m))
    return t + abs(offset)


def _square(name, shape):
    if shape is not None and (len(shape) < 2 or shape[-1] != shape[-2]):
        raise ShapeError("%s: expected a (batch of) square matrices, found shape %s"
                         % (name, tuple(shape)))


@operator("_linalg_extractdiag", params=_DIAG, inputs=("A",), aliases=("linalg_extractdiag",),
          hint="linalg_extractdiag")
class ExtractDiag:
    """Extracts the diagonal at `offset` of each square matrix on the trailing two axes."""
    def compute(xp, inputs, attrs):
        ExtractDiag.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        return xp.ascontiguousarray(xp.diagonal(a, attrs["offset"], -2, -1))

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        _square("linalg_extractdiag", a)
        if abs(attrs["offset"]) >= a[-1]:
            raise ShapeError("linalg_extractdiag: offset %d is outside a %d x %d matrix"
                             % (attrs["offset"], a[-1], a[-1]))
        return in_shapes, [tuple(a[:-2]) + (a[-1] - abs(attrs["offset"]),)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._linalg_makediag(out_grads[0], offset=attrs["offset"])]


@operator("_linalg_makediag", params=_DIAG, inputs=("A",), aliases=("linalg_makediag",),
          hint="linalg_makediag")
class MakeDiag:
    """Square matrices with the trailing axis of A on the diagonal at `offset`, zeros
    elsewhere."""
    def compute(xp, inputs, attrs):
        MakeDiag.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        offset = attrs["offset"]
        n = a.shape[-1] + abs(offset)
        out = xp.zeros(a.shape[:-1] + (n, n), dtype=a.dtype)
        rows = xp.arange(a.shape[-1]) + max(-offset, 0)
        out[..., rows, rows + offset] = a
        return out

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        n = a[-1] + abs(attrs["offset"])
        return in_shapes, [tuple(a[:-1]) + (n, n)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._linalg_extractdiag(out_grads[0], offset=attrs["offset"])]


@operator("_linalg_extracttrian", params=_TRIAN, inputs=("A",),
          aliases=("linalg_extracttrian",), hint="linalg_extracttrian")
class ExtractTrian:
    """Extracts a triangle of each square matrix as a vector (row-major): the lower (or upper)
    triangle for offset 0, the triangle above (offset > 0) or below (< 0) that diagonal."""
    def compute(xp, inputs, attrs):
        ExtractTrian.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        rows, cols = _triangle_indices(xp, a.shape[-1], attrs)
        return a[..., rows, cols]

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        _square("linalg_extracttrian", a)
        if abs(attrs["offset"]) >= a[-1]:
            raise ShapeError("linalg_extracttrian: offset %d is outside a %d x %d matrix"
                             % (attrs["offset"], a[-1], a[-1]))
        return in_shapes, [tuple(a[:-2]) + (triangle_size(a[-1], attrs["offset"]),)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._linalg_maketrian(out_grads[0], offset=attrs["offset"], lower=attrs["lower"])]


@operator("_linalg_maketrian", params=_TRIAN, inputs=("A",), aliases=("linalg_maketrian",),
          hint="linalg_maketrian")
class MakeTrian:
    """Square matrices whose triangle (as extracttrian picks it) holds the trailing axis of A,
    zeros elsewhere: the inverse of extracttrian."""
    def compute(xp, inputs, attrs):
        MakeTrian.infer_shape(attrs, [x.shape for x in inputs])   # refuse what it refuses
        a = inputs[0]
        n = _matrix_size(a.shape[-1], attrs["offset"], "linalg_maketrian")
        out = xp.zeros(a.shape[:-1] + (n, n), dtype=a.dtype)
        rows, cols = _triangle_indices(xp, n, attrs)
        out[..., rows, cols] = a
        return out

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        n = _matrix_size(a[-1], attrs["offset"], "linalg_maketrian")
        return in_shapes, [tuple(a[:-1]) + (n, n)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._linalg_extracttrian(out_grads[0], offset=attrs["offset"],
                                       lower=attrs["lower"])]
