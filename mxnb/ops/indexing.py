"""Operators that select or place elements: slicing, take/pick/gather_nd, one_hot, where, clip,
and the sorting family (topk, sort, argsort).

Selections differentiate into internal scatter operators (`_backward_slice`, `_backward_take`,
...) taking (out_grad, [indices,] data): they write out_grad into zeros shaped like data, so
backward graphs never need a shape, and their own gradients select again (second order works).
Index inputs may be float arrays (MXNet's default dtype); they are truncated to integers.
"""
import numpy as np

from ..base import MXNetError, ShapeError, parse_int, parse_optional
from .params import Int, Float, Bool, Shape, OptInt, Enum, DType
from .registry import operator, Param, REQUIRED

_INT = np.int64


def _normalize_axis(op, axis, ndim):
    if not -ndim <= axis < ndim:
        raise ShapeError("%s: axis %d is out of range for an array of %d dimension(s)"
                         % (op, axis, ndim))
    return axis + ndim if axis < 0 else axis


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _like_second(attrs, in_shapes):
    """Backward operators: the result has the shape of `data`, the last input."""
    return in_shapes, [in_shapes[-1]]


def _type_of_first(attrs, in_types):
    return in_types, [in_types[0]]


# --- slice --------------------------------------------------------------------------------------
_SLICE = {"begin": Shape(), "end": Shape(), "step": Shape(())}


def _check_slice(attrs):
    """begin and end of one length, step empty or as long; no step of 0."""
    begin, end, step = attrs["begin"], attrs["end"], attrs["step"]
    if len(begin) != len(end):
        return "begin %s and end %s must have the same length" % (tuple(begin), tuple(end))
    if step and len(step) != len(begin):
        return "step %s must be empty or as long as begin %s" % (tuple(step), tuple(begin))
    if any(s == 0 for s in step):
        return "step %s must not contain 0" % (tuple(step),)
    return None


def _slice_key(attrs, ndim):
    """The Python slices for MXNet's begin/end/step (None entries take the defaults)."""
    begin, end, step = attrs["begin"], attrs["end"], attrs["step"]
    if len(begin) != len(end) or (step and len(step) != len(begin)) or len(begin) > ndim:
        raise ShapeError("slice: begin %s, end %s and step %s must have one entry per sliced axis, "
                         "at most %d" % (tuple(begin), tuple(end), tuple(step), ndim))
    key = []
    for i in range(len(begin)):
        s = step[i] if step and step[i] is not None else 1
        if s == 0:
            raise ShapeError("slice: step must not be 0, found step %s" % (tuple(step),))
        key.append(slice(begin[i], end[i], s))
    return tuple(key)


def _sliced_shape(shape, key):
    out = [len(range(*k.indices(d))) if d else 0 for k, d in zip(key, shape)]
    return tuple(out) + tuple(shape[len(key):])


@operator("slice", params=_SLICE, aliases=("crop",))
class Slice:
    """The region [begin, end) with `step` along the first len(begin) axes (a view)."""
    check_attrs = _check_slice
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x[_slice_key(attrs, x.ndim)]

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        return in_shapes, [_sliced_shape(s, _slice_key(attrs, len(s)))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice(out_grads[0], inputs[0], begin=attrs["begin"], end=attrs["end"],
                                  step=attrs["step"])]


@operator("_backward_slice", params=_SLICE, inputs=("ograd", "data"))
class BackwardSlice:
    """out_grad written into zeros shaped like data, at the slice."""
    check_attrs = _check_slice
    def compute(xp, inputs, attrs):
        og, data = inputs
        out = xp.zeros(data.shape, dtype=og.dtype)
        out[_slice_key(attrs, data.ndim)] = og
        return out

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.slice(out_grads[0], begin=attrs["begin"], end=attrs["end"], step=attrs["step"]),
                None]


_SLICE_AXIS = {"axis": Int(), "begin": Int(), "end": Param(parse_optional(parse_int), REQUIRED)}


def _slice_axis_key(attrs, ndim):
    axis = _normalize_axis("slice_axis", attrs["axis"], ndim)
    return (slice(None),) * axis + (slice(attrs["begin"], attrs["end"]),)


@operator("slice_axis", params=_SLICE_AXIS)
class SliceAxis:
    """The range [begin, end) along one axis (end None: to the end; a view)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        out = x[_slice_axis_key(attrs, x.ndim)]
        if out.size == 0 and x.size:
            SliceAxis.infer_shape(attrs, [x.shape])      # says what is wrong
        return out

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        out = _sliced_shape(s, _slice_axis_key(attrs, len(s)))
        if 0 in out and 0 not in s:
            raise ShapeError("slice_axis: begin %d, end %s select nothing from axis %d of shape %s"
                             % (attrs["begin"], attrs["end"], attrs["axis"], tuple(s)))
        return in_shapes, [out]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice_axis(out_grads[0], inputs[0], axis=attrs["axis"],
                                       begin=attrs["begin"], end=attrs["end"])]


@operator("_backward_slice_axis", params=_SLICE_AXIS, inputs=("ograd", "data"))
class BackwardSliceAxis:
    """out_grad written into zeros shaped like data, at the range along the axis."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        out = xp.zeros(data.shape, dtype=og.dtype)
        out[_slice_axis_key(attrs, data.ndim)] = og
        return out

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.slice_axis(out_grads[0], axis=attrs["axis"], begin=attrs["begin"],
                             end=attrs["end"]), None]


def _slice_like_shape(shape, like, axes):
    if not axes:
        if len(shape) != len(like):
            raise ShapeError("slice_like: with no axes given, data %s and shape_like %s must have "
                             "the same number of dimensions" % (tuple(shape), tuple(like)))
        axes = range(len(shape))
    out = list(shape)
    for a in axes:
        a = _normalize_axis("slice_like", a, len(shape))
        if a >= len(like):
            raise ShapeError("slice_like: axis %d is beyond shape_like's shape %s" % (a, tuple(like)))
        if like[a] > shape[a]:
            raise ShapeError("slice_like: shape_like %s is larger than data %s along axis %d"
                             % (tuple(like), tuple(shape), a))
        out[a] = like[a]
    return tuple(out)


@operator("slice_like", params={"axes": Shape(())}, inputs=("data", "shape_like"))
class SliceLike:
    """The leading corner of data with shape_like's lengths on `axes` (all axes by default)."""
    def compute(xp, inputs, attrs):
        data, like = inputs
        out = _slice_like_shape(data.shape, like.shape, attrs["axes"])
        return data[tuple(slice(0, n) for n in out)]

    def infer_shape(attrs, in_shapes):
        data, like = in_shapes
        if data is None or like is None:
            return in_shapes, [None]
        return in_shapes, [_slice_like_shape(data, like, attrs["axes"])]

    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_slice_like(out_grads[0], inputs[0]), None]


@operator("_backward_slice_like", inputs=("ograd", "data"))
class BackwardSliceLike:
    """out_grad written into the leading corner of zeros shaped like data."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        out = xp.zeros(data.shape, dtype=og.dtype)
        out[tuple(slice(0, n) for n in og.shape)] = og
        return out

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.slice_like(out_grads[0], inputs[0]), None]


# --- take, pick, gather_nd ------------------------------------------------------------------------
def _fix_indices(op, xp, indices, n, mode):
    """Integer indices within [0, n): clipped, wrapped, or checked (mode 'raise')."""
    idx = indices.astype(_INT)       # a copy: clipped in place below
    if mode == "clip":
        # maximum/minimum in place: xp.clip's Python-level checks cost several times more on
        # the small index arrays a loss picks with
        xp.maximum(idx, 0, out=idx)
        return xp.minimum(idx, n - 1, out=idx)
    if mode == "wrap":
        return idx % n
    if bool(((idx < 0) | (idx >= n)).any()):
        raise MXNetError("%s: indices out of range [0, %d) with mode 'raise'" % (op, n))
    return idx


_TAKE = {"axis": Int(0), "mode": Enum(("clip", "raise", "wrap"), "clip")}


@operator("take", params=_TAKE, inputs=("a", "indices"))
class Take:
    """Entries of `a` at `indices` along `axis`: shape a[:axis] + indices + a[axis+1:]."""
    def compute(xp, inputs, attrs):
        a, indices = inputs
        axis = attrs["axis"]
        idx = _fix_indices("take", xp, indices, a.shape[axis], attrs["mode"])
        return xp.take(a, idx, axis=axis)

    def infer_shape(attrs, in_shapes):
        a, idx = in_shapes
        if a is None or idx is None:
            return in_shapes, [None]
        axis = _normalize_axis("take", attrs["axis"], len(a))
        return in_shapes, [tuple(a[:axis]) + tuple(idx) + tuple(a[axis + 1:])]

    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        a, indices = inputs
        return [F._backward_take(out_grads[0], indices, a, axis=attrs["axis"], mode=attrs["mode"]),
                None]


@operator("_backward_take", params=_TAKE, inputs=("ograd", "indices", "data"))
class BackwardTake:
    """out_grad summed into zeros shaped like data at the taken positions (repeats add up)."""
    def compute(xp, inputs, attrs):
        og, indices, data = inputs
        axis = attrs["axis"] % data.ndim
        idx = _fix_indices("take", xp, indices, data.shape[axis], attrs["mode"]).reshape(-1)
        out = xp.zeros(data.shape, dtype=og.dtype)
        rows = og.reshape(data.shape[:axis] + (idx.size,) + data.shape[axis + 1:])
        xp.add.at(xp.moveaxis(out, axis, 0), idx, xp.moveaxis(rows, axis, 0))
        return out

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.take(out_grads[0], inputs[1], axis=attrs["axis"], mode=attrs["mode"]), None, None]


_PICK = {"axis": OptInt(-1), "keepdims": Bool(False), "mode": Enum(("clip", "wrap"), "clip")}


def _pick_axis(attrs, ndim):
    if attrs["axis"] is None:
        raise ShapeError("pick: axis=None is not supported; give the axis to pick along")
    return _normalize_axis("pick", attrs["axis"], ndim)


def _pick_index(xp, index, data, attrs):
    """Integer indices with the picked axis kept (length 1), ready for take_along_axis.

    As in MXNet, the index may come with or without the picked axis, whatever `keepdims` says
    (keepdims shapes the output only)."""
    axis = _pick_axis(attrs, data.ndim)
    idx = _fix_indices("pick", xp, index, data.shape[axis], attrs["mode"])
    if idx.ndim == data.ndim - 1:
        idx = xp.expand_dims(idx, axis)
    if idx.shape != data.shape[:axis] + (1,) + data.shape[axis + 1:]:
        raise ShapeError("pick: index of shape %s does not fit data of shape %s along axis %d"
                         % (tuple(index.shape), tuple(data.shape), axis))
    return axis, idx


def _flat_positions(xp, index, data, attrs):
    """For a pick along the last axis of a C-contiguous `data` (a loss picking one class per
    sample): (positions of the picked elements in data's flat buffer, the picked axis), else
    None. One `take` from the flat buffer then costs a fraction of take_along_axis, which
    builds an index array per axis."""
    axis = attrs["axis"]
    shape = data.shape
    ndim = len(shape)
    if axis is None or not data.flags.c_contiguous or ndim < 1 or axis not in (-1, ndim - 1):
        return None
    ishape = index.shape
    if ishape != shape[:-1] and ishape != shape[:-1] + (1,):
        return None             # _pick_index words the error
    n = shape[-1]
    idx = _fix_indices("pick", xp, index, n, attrs["mode"]).reshape(-1)
    idx += xp.arange(0, idx.size * n, n, dtype=idx.dtype)     # row i starts at i * n
    return idx, ndim - 1


@operator("pick", params=_PICK, inputs=("data", "index"))
class Pick:
    """One element of `data` per position along `axis`, chosen by `index`."""
    def compute(xp, inputs, attrs):
        data, index = inputs
        flat = _flat_positions(xp, index, data, attrs)
        if flat is not None:
            positions, axis = flat
            kept = data.shape[:axis] + (1,) if attrs["keepdims"] else data.shape[:axis]
            return data.reshape(-1).take(positions).reshape(kept)
        axis, idx = _pick_index(xp, index, data, attrs)
        out = xp.take_along_axis(data, idx, axis=axis)
        return out if attrs["keepdims"] else out.squeeze(axis)

    def infer_shape(attrs, in_shapes):
        data, index = in_shapes
        if data is None:
            return in_shapes, [None]
        axis = _pick_axis(attrs, len(data))
        out = list(data)
        if attrs["keepdims"]:
            out[axis] = 1
        else:
            del out[axis]
        kept = list(data)
        kept[axis] = 1
        dropped = [d for i, d in enumerate(data) if i != axis]
        if index is not None and list(index) not in (kept, dropped):
            raise ShapeError("pick: index of shape %s does not fit data of shape %s along axis %d; "
                             "expected index shape %s or %s" % (tuple(index), tuple(data), axis,
                                                              tuple(dropped), tuple(kept)))
        return [data, tuple(index) if index is not None else tuple(dropped)], [tuple(out)]

    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        data, index = inputs
        return [F._backward_pick(out_grads[0], index, data, axis=attrs["axis"],
                                 keepdims=attrs["keepdims"], mode=attrs["mode"]), None]


@operator("_backward_pick", params=_PICK, inputs=("ograd", "index", "data"))
class BackwardPick:
    """out_grad placed at the picked positions of zeros shaped like data."""
    def compute(xp, inputs, attrs):
        og, index, data = inputs
        flat = _flat_positions(xp, index, data, attrs)
        if flat is not None and og.size == flat[0].size:
            grad = xp.zeros(data.shape, dtype=og.dtype)
            grad.reshape(-1)[flat[0]] = og.reshape(-1)     # one position per row: no repeats
            return grad
        axis, idx = _pick_index(xp, index, data, attrs)
        if not attrs["keepdims"]:
            og = xp.expand_dims(og, axis)
        if not hasattr(xp, "put_along_axis"):     # array modules without it
            positions = xp.arange(data.shape[axis]).reshape((-1,) + (1,) * (data.ndim - axis - 1))
            return xp.where(positions == idx, og, xp.zeros((), dtype=og.dtype)).astype(
                og.dtype, copy=False)
        # zeros, then one write per picked position (no mask the size of data)
        grad = xp.zeros(data.shape, dtype=og.dtype)
        xp.put_along_axis(grad, idx, og, axis=axis)
        return grad

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.pick(out_grads[0], inputs[1], axis=attrs["axis"], keepdims=attrs["keepdims"],
                       mode=attrs["mode"]), None, None]


def _gather_key(indices):
    return tuple(indices.astype(_INT))


@operator("gather_nd", inputs=("data", "indices"))
class GatherNd:
    """data at the index tuples in `indices` (shape (M, ...)): shape indices[1:] + data[M:]."""
    def compute(xp, inputs, attrs):
        data, indices = inputs
        return data[_gather_key(indices)]

    def infer_shape(attrs, in_shapes):
        data, idx = in_shapes
        if data is None or idx is None:
            return in_shapes, [None]
        if not idx or idx[0] > len(data):
            raise ShapeError("gather_nd: indices of shape %s need a first dimension of at most %d "
                             "(the dimensions of data %s)" % (tuple(idx), len(data), tuple(data)))
        return in_shapes, [tuple(idx[1:]) + tuple(data[idx[0]:])]

    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        data, indices = inputs
        return [F._backward_gather_nd(out_grads[0], indices, data), None]


@operator("_backward_gather_nd", inputs=("ograd", "indices", "data"))
class BackwardGatherNd:
    """out_grad summed into zeros shaped like data at the gathered positions."""
    def compute(xp, inputs, attrs):
        og, indices, data = inputs
        out = xp.zeros(data.shape, dtype=og.dtype)
        xp.add.at(out, _gather_key(indices), og)
        return out

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.gather_nd(out_grads[0], inputs[1]), None, None]


# --- one_hot, where, clip ---------------------------------------------------------------------
@operator("one_hot", params={"depth": Int(low=0), "on_value": Float(1.0), "off_value": Float(0.0),
                             "dtype": DType("float32")}, inputs=("indices",), differentiable=False)
class OneHot:
    """A new last axis of length `depth`: on_value at each index, off_value elsewhere."""
    def compute(xp, inputs, attrs):
        idx = inputs[0].astype(_INT)
        hot = idx[..., None] == xp.arange(attrs["depth"])
        return xp.where(hot, attrs["on_value"], attrs["off_value"]).astype(attrs["dtype"])

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        return in_shapes, [None if s is None else tuple(s) + (attrs["depth"],)]

    def infer_type(attrs, in_types):
        return in_types, [attrs["dtype"]]


def _where_condition(xp, cond, x):
    """The condition as booleans broadcastable to x (a 1-D condition selects whole rows)."""
    mask = cond != 0
    if mask.shape != x.shape:
        mask = mask.reshape(mask.shape + (1,) * (x.ndim - 1))
    return mask


@operator("where", inputs=("condition", "x", "y"))
class Where:
    """x where condition is non-zero, else y; condition is x's shape or 1-D over x's rows."""
    def compute(xp, inputs, attrs):
        cond, x, y = inputs
        if x.shape != y.shape or cond.shape != x.shape:
            _where_shapes(attrs, [cond.shape, x.shape, y.shape])   # raises when they do not fit
        return xp.where(_where_condition(xp, cond, x), x, y)

    def infer_shape(attrs, in_shapes):
        return _where_shapes(attrs, in_shapes)

    def infer_type(attrs, in_types):
        cond, x, y = in_types
        known = x if x is not None else y
        return [cond if cond is not None else known, known, known], [known]

    def gradient(F, attrs, inputs, outputs, out_grads):
        cond, og = inputs[0], out_grads[0]
        zeros = F.zeros_like(og)
        return [None, F.where(cond, og, zeros), F.where(cond, zeros, og)]


def _compatible(a, b):
    """Whether partly known shapes (0: unknown) may be the same shape."""
    return len(a) == len(b) and all(not i or not j or i == j for i, j in zip(a, b))


def _completed(a, b):
    """Two compatible partly known shapes as one, each filling the other's unknown dims."""
    if a is None or b is None:
        return None if a is None and b is None else tuple(a if b is None else b)
    return tuple(i or j for i, j in zip(a, b))


def _where_shapes(attrs, in_shapes):
    """x and y have one shape; the condition has it too or is 1-D along its first axis. Partly
    known shapes (0: unknown, as an RNN cell's begin state) complete each other, as MXNet's."""
    cond, x, y = in_shapes
    if x is not None and y is not None and not _compatible(x, y):
        raise ShapeError("where: x and y must have the same shape, found %s and %s"
                         % (tuple(x), tuple(y)))
    shape = _completed(x, y)
    if cond is None:
        return in_shapes if shape is None else [None, shape, shape], [shape]
    cond = tuple(cond)
    if shape is None:
        if len(cond) == 1:        # 1-D: x's first axis, or x itself; nothing to tell yet
            return in_shapes, [None]
        shape = cond
    if _compatible(cond, shape):
        shape = cond = _completed(cond, shape)
    elif len(cond) == 1 and (not cond[0] or not shape[0] or cond[0] == shape[0]):
        cond = (cond[0] or shape[0],)
    else:
        raise ShapeError("where: condition of shape %s must have x's shape %s or be 1-D of "
                         "length %d" % (cond, tuple(shape), shape[0]))
    return [cond, shape, shape], [shape]


@operator("clip", params={"a_min": Float(), "a_max": Float()}, elementwise=True)
class Clip:
    """Values limited to [a_min, a_max]."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        out = xp.clip(x, attrs["a_min"], attrs["a_max"])
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    def gradient(F, attrs, inputs, outputs, out_grads):
        x = inputs[0]
        inside = F.elemwise_mul(F._greater_equal_scalar(x, scalar=attrs["a_min"]),
                                F._lesser_equal_scalar(x, scalar=attrs["a_max"]))
        return [F.elemwise_mul(out_grads[0], inside)]


# --- sorting --------------------------------------------------------------------------------
def _sort_axis(x, axis):
    """(array, axis) to sort along; axis None sorts the flattened array."""
    if axis is None:
        return x.reshape(-1), 0
    return x, _normalize_axis("sort", axis, x.ndim)


def _order(xp, x, axis, ascend):
    """Indices that sort x along axis; ties keep their original order in both directions."""
    if ascend:
        return xp.argsort(x, axis=axis, kind="stable")
    key = -x.astype(np.float64) if x.dtype.kind in "ub" else -x
    return xp.argsort(key, axis=axis, kind="stable")


_TOPK = {"axis": OptInt(-1), "k": Int(1), "ret_typ": Enum(("both", "indices", "mask", "value"), "indices"),
         "is_ascend": Bool(False), "dtype": DType("float32")}


def _topk_k(attrs, n):
    k = attrs["k"]
    if k > n:
        raise ShapeError("topk: k=%d is larger than the %d elements along the axis" % (k, n))
    return n if k < 1 else k


@operator("topk", params=_TOPK,
          outputs=lambda attrs: ["output0", "output1"] if attrs["ret_typ"] == "both" else ["output"])
class TopK:
    """The k largest (or smallest) entries along `axis`: their indices, values, both, or a 0/1 mask."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        x, axis = _sort_axis(data, attrs["axis"])
        k = _topk_k(attrs, x.shape[axis])
        order = _order(xp, x, axis, attrs["is_ascend"])
        ret = attrs["ret_typ"]
        if ret == "mask":
            ranks = xp.argsort(order, axis=axis)
            return [(ranks < k).astype(data.dtype).reshape(data.shape)]
        idx = xp.take(order, xp.arange(k), axis=axis)
        if ret == "indices":
            return [idx.astype(attrs["dtype"])]
        values = xp.take_along_axis(x, idx, axis=axis)
        if ret == "value":
            return [values]
        return [values, idx.astype(attrs["dtype"])]

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None] * (2 if attrs["ret_typ"] == "both" else 1)
        if attrs["ret_typ"] == "mask":
            return in_shapes, [tuple(s)]
        if attrs["axis"] is None:
            out = (_topk_k(attrs, _size(s)),)
        else:
            axis = _normalize_axis("topk", attrs["axis"], len(s))
            out = tuple(s[:axis]) + (_topk_k(attrs, s[axis]),) + tuple(s[axis + 1:])
        return in_shapes, [out, out] if attrs["ret_typ"] == "both" else [out]

    def infer_type(attrs, in_types):
        ret, dt = attrs["ret_typ"], in_types[0]
        if ret == "both":
            return in_types, [dt, attrs["dtype"]]
        return in_types, [attrs["dtype"] if ret == "indices" else dt]

    def gradient(F, attrs, inputs, outputs, out_grads):
        ret = attrs["ret_typ"]
        if ret not in ("value", "both"):
            return [None]
        data = inputs[0]
        if ret == "both":
            idx = outputs[1]
        else:
            idx = F.topk(data, axis=attrs["axis"], k=attrs["k"], ret_typ="indices",
                         is_ascend=attrs["is_ascend"], dtype="int64")
        return [F._backward_topk(out_grads[0], idx, data, axis=attrs["axis"])]


@operator("_backward_topk", params={"axis": OptInt(-1)}, inputs=("ograd", "indices", "data"))
class BackwardTopK:
    """out_grad placed at the selected (distinct) positions along axis of zeros shaped like data."""
    def compute(xp, inputs, attrs):
        og, indices, data = inputs
        x, axis = _sort_axis(data, attrs["axis"])
        idx = xp.moveaxis(indices.astype(_INT).reshape(og.shape), axis, -1)
        og = xp.moveaxis(og, axis, -1)
        rows = idx.reshape(-1, idx.shape[-1])
        out = xp.zeros((rows.shape[0], x.shape[axis]), dtype=og.dtype)
        out[xp.arange(rows.shape[0])[:, None], rows] = og.reshape(rows.shape)
        moved = out.reshape(idx.shape[:-1] + (x.shape[axis],))
        return xp.ascontiguousarray(xp.moveaxis(moved, -1, axis)).reshape(data.shape)

    infer_shape = _like_second
    infer_type = _type_of_first

    def gradient(F, attrs, inputs, outputs, out_grads, needs):
        # Linear in ograd; the selected positions are piecewise constant in the data, so the
        # data gradient is zero. The ograd gradient (a gather) is not written yet.
        if needs[0]:
            from ..graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_topk", " with respect to its output gradient")
        return [None, None, None]


def _sorted_shape(attrs, in_shapes):
    """sort/argsort keep the shape, or flatten it when axis is None."""
    s = in_shapes[0]
    if s is None or attrs["axis"] is not None:
        return in_shapes, [s]
    return in_shapes, [(_size(s),)]


@operator("sort", params={"axis": OptInt(-1), "is_ascend": Bool(True)})
class Sort:
    """Values sorted along `axis` (the flattened array when axis is None)."""
    def compute(xp, inputs, attrs):
        x, axis = _sort_axis(inputs[0], attrs["axis"])
        return xp.take_along_axis(x, _order(xp, x, axis, attrs["is_ascend"]), axis=axis)

    infer_shape = _sorted_shape

    def gradient(F, attrs, inputs, outputs, out_grads):
        data = inputs[0]
        idx = F.argsort(data, axis=attrs["axis"], is_ascend=attrs["is_ascend"], dtype="int64")
        return [F._backward_topk(out_grads[0], idx, data, axis=attrs["axis"])]


@operator("argsort", params={"axis": OptInt(-1), "is_ascend": Bool(True), "dtype": DType("float32")}, differentiable=False)
class ArgSort:
    """Indices that sort `data` along `axis`, as `dtype`."""
    def compute(xp, inputs, attrs):
        x, axis = _sort_axis(inputs[0], attrs["axis"])
        return _order(xp, x, axis, attrs["is_ascend"]).astype(attrs["dtype"])

    infer_shape = _sorted_shape

    def infer_type(attrs, in_types):
        return in_types, [attrs["dtype"]]
