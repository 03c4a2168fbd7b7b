"""Array operators that combine, split or rearrange arrays: add_n (ElementWiseSum), khatri_rao,
_split_v2, depth_to_space / space_to_depth, cumsum, diag and moments."""
import numpy as np

from ..base import ShapeError
from ..util import is_np_shape
from .params import Axis, Bool, Int, OptDType, OptInt, Shape
from .registry import operator


def _all_known(shapes):
    return all(s is not None for s in shapes)


@operator("add_n", params={"num_args": Int(doc="Number of inputs to be summed.", low=1)},
          variadic="num_args", aliases=("ElementWiseSum",), elementwise=True)
class AddN:
    """Adds all input arguments element-wise: add_n(a1, a2, ..., an) = a1 + a2 + ... + an."""
    def compute(xp, inputs, attrs):
        shape = inputs[0].shape
        for x in inputs[1:]:
            if x.shape != shape:        # MXNet's add_n does not broadcast
                raise ShapeError("add_n: expected inputs of one shape, found %s"
                                 % [tuple(a.shape) for a in inputs])
        out = inputs[0].copy()
        for x in inputs[1:]:
            out += x
        return out

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]] * len(inputs)


@operator("khatri_rao", params={"num_args": Int(doc="Number of input matrices.", low=1)},
          variadic="num_args")
class KhatriRao:
    """The Khatri-Rao product (column-wise Kronecker product) of matrices with the same number
    of columns: inputs (n_i, k) give (prod n_i, k)."""
    def compute(xp, inputs, attrs):
        KhatriRao.infer_shape(attrs, [x.shape for x in inputs])     # MXNet's shape checks
        out = inputs[0]
        for m in inputs[1:]:
            out = (out[:, None, :] * m[None, :, :]).reshape(-1, m.shape[1])
        return out

    def infer_shape(attrs, in_shapes):
        if not _all_known(in_shapes):
            return in_shapes, [None]
        cols = {s[-1] for s in in_shapes}
        if any(len(s) != 2 for s in in_shapes) or len(cols) != 1:
            raise ShapeError("khatri_rao: expected matrices with the same number of columns, "
                             "found shapes %s" % [tuple(s) for s in in_shapes])
        return in_shapes, [(int(np.prod([s[0] for s in in_shapes])), cols.pop())]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_khatri_rao(out_grads[0], *inputs, num_args=len(inputs) + 1)
        return [grads[i] for i in range(len(inputs))] if len(inputs) > 1 else [grads]


@operator("_backward_khatri_rao", params={"num_args": Int(low=2)}, variadic="num_args",
          outputs=lambda attrs: ["grad%d" % i for i in range(attrs["num_args"] - 1)])
class BackwardKhatriRao:
    """Gradients of khatri_rao: inputs (ograd, A_1, ..., A_n), one output per A_i."""
    def compute(xp, inputs, attrs):
        og, mats = inputs[0], inputs[1:]
        k = og.shape[1]
        full = og.reshape(tuple(m.shape[0] for m in mats) + (k,))
        grads = []
        for j in range(len(mats)):
            prod = full
            for i, m in enumerate(mats):
                if i != j:
                    shape = [1] * len(mats) + [k]
                    shape[i] = m.shape[0]
                    prod = prod * m.reshape(shape)
            axes = tuple(i for i in range(len(mats)) if i != j)
            grads.append(prod.sum(axis=axes) if axes else prod)
        return grads

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes[1:])

    def infer_type(attrs, in_types):
        return in_types, list(in_types[1:])


def _split_count(attrs):
    return attrs["sections"] if attrs["sections"] > 0 else len(attrs["indices"])


def _split_bounds(attrs, size):
    if attrs["sections"] > 0:
        step = size // attrs["sections"]
        return [(i * step, (i + 1) * step) for i in range(attrs["sections"])]
    starts = list(attrs["indices"])
    ends = starts[1:] + [size]
    return list(zip(starts, ends))


@operator("_split_v2", params={"indices": Shape((), doc="Indices of splits (the first is 0)."),
                               "axis": Int(1, doc="Axis along which to split."),
                               "squeeze_axis": Bool(False, doc="Remove the split axis when a "
                                                               "piece has size 1."),
                               "sections": Int(0, low=0, doc="Number of equal sections.")},
          outputs=lambda attrs: ["output%d" % i for i in range(_split_count(attrs))],
          hint="split_v2")
class SplitV2:
    """Splits an array along an axis into equal `sections`, or at the given `indices` (what
    nd.split_v2 calls)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        SplitV2.infer_shape(attrs, [x.shape])       # refuses what MXNet's shape check refuses
        axis = attrs["axis"] % x.ndim
        outs = []
        for start, end in _split_bounds(attrs, x.shape[axis]):
            # contiguous before squeezing: ascontiguousarray makes a 0-d piece 1-d
            piece = xp.ascontiguousarray(x[(slice(None),) * axis + (slice(start, end),)])
            if attrs["squeeze_axis"]:
                piece = piece.reshape(piece.shape[:axis] + piece.shape[axis + 1:])
            outs.append(piece)
        return outs

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        n = _split_count(attrs)
        if x is None:
            return in_shapes, [None] * n
        if not -len(x) <= attrs["axis"] < len(x):
            raise ShapeError("split_v2: axis %d is out of range for data of shape %s"
                             % (attrs["axis"], tuple(x)))
        axis = attrs["axis"] % len(x)
        if attrs["sections"] > 0 and x[axis] % attrs["sections"]:
            raise ShapeError("split_v2: axis %d of size %d does not split into %d equal "
                             "sections" % (axis, x[axis], attrs["sections"]))
        outs = []
        for start, end in _split_bounds(attrs, x[axis]):
            if not 0 <= start <= end <= x[axis]:
                raise ShapeError("split_v2: indices %s do not fit axis %d of size %d"
                                 % (attrs["indices"], axis, x[axis]))
            shape = list(x)
            shape[axis] = end - start
            if attrs["squeeze_axis"] and end - start != 1:
                raise ShapeError("split_v2: squeeze_axis needs pieces of size 1 along axis %d, "
                                 "found one of size %d" % (axis, end - start))
            if attrs["squeeze_axis"]:
                del shape[axis]
            outs.append(tuple(shape))
        return in_shapes, outs

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]] * _split_count(attrs)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._split_v2_backward(*out_grads, inputs[0], num_args=len(out_grads) + 1,
                                     **attrs)]


@operator("_split_v2_backward", params={"indices": Shape(()), "axis": Int(1),
                                        "squeeze_axis": Bool(False), "sections": Int(0, low=0),
                                        "num_args": Int(low=2)},
          variadic="num_args")
class SplitV2Backward:
    """The gradient of _split_v2: the pieces' gradients (then the data, for its shape) put
    back together along the axis."""
    def compute(xp, inputs, attrs):
        SplitV2Backward.infer_shape(attrs, [g.shape for g in inputs])
        grads, x = inputs[:-1], inputs[-1]
        axis = attrs["axis"] % x.ndim
        pieces = []
        for g, (start, end) in zip(grads, _split_bounds(attrs, x.shape[axis])):
            shape = x.shape[:axis] + (end - start,) + x.shape[axis + 1:]
            pieces.append(g.reshape(shape))
        return xp.concatenate(pieces, axis=axis)

    def infer_shape(attrs, in_shapes):
        if _all_known(in_shapes):   # each piece's gradient has the piece's shape
            _, pieces = SplitV2.infer_shape(attrs, [in_shapes[-1]])
            if len(pieces) != len(in_shapes) - 1 or any(
                    tuple(g) != tuple(p) for g, p in zip(in_shapes[:-1], pieces)):
                raise ShapeError("_split_v2_backward: expected gradients of shapes %s for data "
                                 "of shape %s, found %s" % (pieces, tuple(in_shapes[-1]),
                                                            [tuple(g) for g in in_shapes[:-1]]))
        return in_shapes, [in_shapes[-1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        params = {k: attrs[k] for k in ("indices", "axis", "squeeze_axis", "sections")}
        pieces = F._split_v2(out_grads[0], **params)
        count = len(inputs) - 1
        pieces = [pieces[i] for i in range(count)] if count > 1 else [pieces]
        return pieces + [F.zeros_like(inputs[-1])]


def _block(attrs):
    return attrs["block_size"]


def _reject_zero_dims(func, shape):
    """MXNet's depth_to_space / space_to_depth refuse a dimension 0 in C, H or W; a batch of 0
    too with NumPy shape semantics on (off, it is an unknown batch size in symbol inference)."""
    if 0 in shape[1:] or (shape[0] == 0 and is_np_shape()):
        raise ShapeError("%s: every dimension of (N, C, H, W) must be non-zero, found %s"
                         % (func, tuple(shape)))


@operator("depth_to_space", params={"block_size": Int(doc="Blocks of [block_size, block_size] "
                                                          "are moved", low=1)})
class DepthToSpace:
    """Rearranges (N, C, H, W) into (N, C / b^2, H * b, W * b): depth moves into blocks of
    space (b = block_size)."""
    def compute(xp, inputs, attrs):
        x, b = inputs[0], _block(attrs)
        _reject_zero_dims("depth_to_space", x.shape)
        n, c, h, w = x.shape
        out = x.reshape(n, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
        return xp.ascontiguousarray(out).reshape(n, c // (b * b), h * b, w * b)

    def infer_shape(attrs, in_shapes):
        x, b = in_shapes[0], _block(attrs)
        if x is None:
            return in_shapes, [None]
        if len(x) != 4 or x[1] % (b * b):
            raise ShapeError("depth_to_space: expected (N, C, H, W) with C divisible by "
                             "block_size^2 = %d, found %s" % (b * b, tuple(x)))
        _reject_zero_dims("depth_to_space", x)
        return in_shapes, [(x[0], x[1] // (b * b), x[2] * b, x[3] * b)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.space_to_depth(out_grads[0], block_size=_block(attrs))]


@operator("space_to_depth", params={"block_size": Int(doc="Blocks of [block_size, block_size] "
                                                          "are moved", low=1)})
class SpaceToDepth:
    """Rearranges (N, C, H, W) into (N, C * b^2, H / b, W / b): blocks of space move into
    depth (b = block_size); the inverse of depth_to_space."""
    def compute(xp, inputs, attrs):
        x, b = inputs[0], _block(attrs)
        _reject_zero_dims("space_to_depth", x.shape)
        n, c, h, w = x.shape
        out = x.reshape(n, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4)
        return xp.ascontiguousarray(out).reshape(n, c * b * b, h // b, w // b)

    def infer_shape(attrs, in_shapes):
        x, b = in_shapes[0], _block(attrs)
        if x is None:
            return in_shapes, [None]
        if len(x) != 4 or x[2] % b or x[3] % b:
            raise ShapeError("space_to_depth: expected (N, C, H, W) with H and W divisible by "
                             "block_size %d, found %s" % (b, tuple(x)))
        _reject_zero_dims("space_to_depth", x)
        return in_shapes, [(x[0], x[1] * b * b, x[2] // b, x[3] // b)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.depth_to_space(out_grads[0], block_size=_block(attrs))]


@operator("cumsum", params={"axis": OptInt(None, doc="Axis along which the sum is computed; "
                                                     "None: over the flattened array."),
                            "dtype": OptDType(None, doc="Type of the returned array.")},
          inputs=("a",), aliases=("_np_cumsum",))
class Cumsum:
    """Cumulative sum of the elements along an axis (of the flattened array when axis is
    None)."""
    def compute(xp, inputs, attrs):
        a = inputs[0]
        dtype = attrs["dtype"] or a.dtype
        return xp.cumsum(a, axis=attrs["axis"], dtype=dtype)

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        if a is None:
            return in_shapes, [None]
        if attrs["axis"] is None:
            return in_shapes, [(int(np.prod(a)),)]
        return in_shapes, [tuple(a)]

    def infer_type(attrs, in_types):
        return in_types, [attrs["dtype"] or in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        axis = attrs["axis"]
        og = out_grads[0]
        if axis is None:
            rev = F.flip(F.cumsum(F.flip(og, axis=0), axis=0), axis=0)
            return [F.reshape_like(rev, inputs[0])]
        return [F.flip(F.cumsum(F.flip(og, axis=axis), axis=axis), axis=axis)]


def _check_diagonal_exists(attrs, shape):
    """MXNet's diag refuses an offset k beyond the matrix (|k| may reach its edge, giving an
    empty diagonal)."""
    k, ndim = attrs["k"], len(shape)
    a1, a2 = attrs["axis1"] % ndim, attrs["axis2"] % ndim
    rows, cols = shape[a1], shape[a2]
    if k > cols or -k > rows:
        raise ShapeError("diag: diagonal k=%d does not exist in a %d x %d matrix (axes %d and %d "
                         "of shape %s)" % (k, rows, cols, a1, a2, tuple(shape)))


@operator("diag", params={"k": Int(0, doc="Diagonal offset: > 0 above, < 0 below the main one."),
                          "axis1": Int(0, doc="The first axis of the sub-arrays."),
                          "axis2": Int(1, doc="The second axis of the sub-arrays.")})
class Diag:
    """A 1-D array makes a matrix with it on diagonal k; an N-D array gives its diagonal k
    over axes axis1 and axis2 (as the last axis)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        if x.ndim == 1:
            return xp.diag(x, attrs["k"])
        _check_diagonal_exists(attrs, x.shape)
        return xp.ascontiguousarray(xp.diagonal(x, attrs["k"], attrs["axis1"], attrs["axis2"]))

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        k = attrs["k"]
        if len(x) == 1:
            n = x[0] + abs(k)
            return in_shapes, [(n, n)]
        a1, a2 = attrs["axis1"] % len(x), attrs["axis2"] % len(x)
        if a1 == a2:
            raise ShapeError("diag: axis1 and axis2 must differ, found %d and %d" % (a1, a2))
        rows, cols = x[a1], x[a2]
        _check_diagonal_exists(attrs, x)
        size = max(0, min(rows, cols - k) if k >= 0 else min(rows + k, cols))
        rest = [d for i, d in enumerate(x) if i not in (a1, a2)]
        return in_shapes, [tuple(rest) + (size,)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_diag(out_grads[0], inputs[0], **attrs)]


@operator("_backward_diag", params={"k": Int(0), "axis1": Int(0), "axis2": Int(1)},
          inputs=("ograd", "data"))
class BackwardDiag:
    """The gradient of diag: the output gradient put back on the diagonal it came from."""
    def compute(xp, inputs, attrs):
        og, x = inputs
        k = attrs["k"]
        if x.ndim == 1:
            return xp.ascontiguousarray(xp.diagonal(og, k))
        grad = xp.zeros(x.shape, dtype=og.dtype)
        a1, a2 = attrs["axis1"] % x.ndim, attrs["axis2"] % x.ndim
        view = xp.moveaxis(grad, (a1, a2), (-2, -1))
        n = og.shape[-1]
        rows = xp.arange(n) + max(-k, 0)
        view[..., rows, rows + k] = og
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.diag(out_grads[0], **attrs), F.zeros_like(inputs[1])]


def _moment_axes(attrs, ndim):
    axes = attrs["axes"]
    if axes is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axes if isinstance(axes, tuple) else (axes,)))


@operator("moments", params={"axes": Axis(None, doc="Axes along which to compute; None: all."),
                             "keepdims": Bool(False, doc="Keep reduced axes with size 1.")},
          outputs=("output0", "output1"))
class Moments:
    """The mean and (population) variance of the data over `axes`."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axes = _moment_axes(attrs, x.ndim)
        mean = x.mean(axis=axes, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=axes, keepdims=attrs["keepdims"])
        if not attrs["keepdims"]:
            mean = mean.reshape(var.shape)
        return [mean.astype(x.dtype), var.astype(x.dtype)]

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None, None]
        axes = _moment_axes(attrs, len(x))
        if attrs["keepdims"]:
            out = tuple(1 if i in axes else d for i, d in enumerate(x))
        else:
            out = tuple(d for i, d in enumerate(x) if i not in axes)
        return in_shapes, [out, out]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_moments(out_grads[0], out_grads[1], inputs[0], outputs[0], **attrs)]


@operator("_backward_moments", params={"axes": Axis(None), "keepdims": Bool(False)},
          inputs=("ograd_mean", "ograd_var", "data", "mean"))
class BackwardMoments:
    """Gradient of moments: (og_mean + 2 * og_var * (x - mean)) / count."""
    def compute(xp, inputs, attrs):
        og_m, og_v, x, mean = inputs
        axes = _moment_axes(attrs, x.ndim)
        kept = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
        count = int(np.prod([x.shape[a] for a in axes]))
        centered = x - mean.reshape(kept)
        grad = og_m.reshape(kept) + 2 * og_v.reshape(kept) * centered
        return (grad / count).astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[2]]
