"""Index operators beyond take/pick/gather_nd: batch_take, fill_element_0index (its partner
choose_element_0index is an alias of pick, ops/legacy.py), ravel_multi_index / unravel_index,
scatter_nd, _histogram and the contrib array helpers (index_copy, index_array, boolean_mask,
arange_like)."""
import numpy as np

from ..base import ShapeError
from .elemwise import _int_divide
from .params import Axis, Ctx, Float, Int, OptInt, Shape
from .registry import operator


def _rows(xp, n):
    return xp.arange(n)


def _clipped_indices(xp, idx, size):
    return xp.clip(idx.astype(np.int64), 0, size - 1)


@operator("batch_take", inputs=("a", "indices"))
class BatchTake:
    """Takes one element of each row of the last axis: out[i] = a[i, indices[i]] for `a` seen
    as rows of its last axis, out shaped as `indices` (indices clipped to the row)."""
    def compute(xp, inputs, attrs):
        a, idx = inputs
        BatchTake.infer_shape(attrs, [a.shape, idx.shape])
        rows = a.reshape(-1, a.shape[-1])
        flat = idx.reshape(-1)
        return rows[_rows(xp, rows.shape[0]), _clipped_indices(xp, flat, rows.shape[1])] \
            .reshape(idx.shape)

    def infer_shape(attrs, in_shapes):
        a, idx = in_shapes
        if a is not None and len(a) < 2:
            raise ShapeError("batch_take: expected data of at least 2 dimensions, found %s"
                             % (tuple(a),))
        if a is not None and idx is not None and \
                int(np.prod(a[:-1])) != int(np.prod(idx)):
            raise ShapeError("batch_take: indices need one entry per row of data %s (%d), "
                             "found shape %s" % (tuple(a), int(np.prod(a[:-1])), tuple(idx)))
        return in_shapes, [None if idx is None else tuple(idx)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_batch_take(out_grads[0], inputs[1], inputs[0]),
                F.zeros_like(inputs[1])]


@operator("_backward_batch_take", inputs=("ograd", "indices", "a"))
class BackwardBatchTake:
    """The gradient of batch_take: ograd[i] at a[i, indices[i]]."""
    def compute(xp, inputs, attrs):
        og, idx, a = inputs
        grad = xp.zeros(a.shape, dtype=og.dtype)
        flat = grad.reshape(-1, a.shape[-1])
        flat[_rows(xp, flat.shape[0]), _clipped_indices(xp, idx.reshape(-1), flat.shape[1])] = \
            og.reshape(-1)
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.batch_take(out_grads[0], inputs[1]), F.zeros_like(inputs[1]),
                F.zeros_like(inputs[2])]


@operator("fill_element_0index", inputs=("lhs", "mhs", "rhs"))
class FillElement0Index:
    """A copy of lhs with one element per row replaced: out[i, rhs[i]] = mhs[i]."""
    def compute(xp, inputs, attrs):
        a, values, idx = inputs
        out = a.copy()
        out[_rows(xp, a.shape[0]), _clipped_indices(xp, idx, a.shape[1])] = values
        return out

    def infer_shape(attrs, in_shapes):
        a = in_shapes[0]
        return in_shapes, [a]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, idx = out_grads[0], inputs[2]
        zero = F.zeros_like(inputs[1])
        return [F.fill_element_0index(og, zero, idx), F.choose_element_0index(og, idx),
                F.zeros_like(idx)]


def _strides(shape):
    strides, acc = [], 1
    for d in reversed(shape):
        strides.append(acc)
        acc *= d
    return list(reversed(strides))


@operator("_ravel_multi_index", params={"shape": Shape(doc="Shape of the array into which the "
                                                          "multi-indices apply.")},
          aliases=("ravel_multi_index",), differentiable=False, hint="ravel_multi_index")
class RavelMultiIndex:
    """Flat indices from multi-indices: data has shape (ndim, ...) with one row per axis."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        RavelMultiIndex.infer_shape(attrs, [data.shape])
        out = xp.zeros(data.shape[1:], dtype=data.dtype)
        for row, stride in zip(data, _strides(attrs["shape"])):
            out = out + row * stride
        return out

    def infer_shape(attrs, in_shapes):
        d = in_shapes[0]
        if d is not None and len(d) != 2:
            raise ShapeError("ravel_multi_index: expected 2-D data (one row per axis), found "
                             "shape %s" % (tuple(d),))
        if d is not None and d[0] != len(attrs["shape"]):
            raise ShapeError("ravel_multi_index: data has %d rows, shape %s has %d axes"
                             % (d[0], attrs["shape"], len(attrs["shape"])))
        return in_shapes, [None if d is None else tuple(d[1:])]


@operator("_unravel_index", params={"shape": Shape(doc="Shape of the array into which the "
                                                      "indices apply.")},
          aliases=("unravel_index",), differentiable=False, hint="unravel_index")
class UnravelIndex:
    """Multi-indices from flat indices: the output has one row per axis of `shape`.

    As MXNet: the leading axis's size is never read (it may be -1, "whatever fits"): its row is
    what is left after the trailing axes, so an index past the end gives a leading index past
    it too; indices are truncated to integers and divided with C's truncating division."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        UnravelIndex.infer_shape(attrs, [data.shape])
        rest = xp.trunc(data).astype(np.int64) if data.dtype.kind == "f" else data.astype(np.int64)
        rows = []
        for size in reversed(attrs["shape"][1:]):
            quotient = _int_divide(xp, rest, np.int64(size))
            rows.append(rest - quotient * size)
            rest = quotient
        rows.append(rest)
        return xp.stack(rows[::-1]).astype(data.dtype)

    def infer_shape(attrs, in_shapes):
        shape = tuple(attrs["shape"])
        if 0 in shape[1:]:      # MXNet's process dies dividing by it; an error is clearer
            raise ShapeError("unravel_index: only the leading axis of shape may be 0, found "
                             "shape %s" % (shape,))
        d = in_shapes[0]
        return in_shapes, [None if d is None else (len(shape),) + tuple(d)]


@operator("scatter_nd", params={"shape": Shape(doc="Shape of the output.")},
          inputs=("data", "indices"))
class ScatterNd:
    """The inverse of gather_nd: zeros of `shape` with data written at `indices` (M, ...);
    a repeated index keeps one of the values."""
    def compute(xp, inputs, attrs):
        data, idx = inputs
        out = xp.zeros(attrs["shape"], dtype=data.dtype)
        out[tuple(idx.astype(np.int64))] = data
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [tuple(attrs["shape"])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.gather_nd(out_grads[0], inputs[1]), F.zeros_like(inputs[1])]


def _float_pair(value):
    from ..base import AttributeParseError, parse_float
    if value is None or (isinstance(value, str) and value.strip() == "None"):
        return None
    if isinstance(value, str):
        value = [v for v in value.strip("()[] ").split(",") if v.strip()]
    try:
        pair = tuple(parse_float(v) for v in value)
    except TypeError:
        raise AttributeParseError("expected a (min, max) pair, found %r" % (value,)) from None
    if len(pair) != 2:
        raise AttributeParseError("expected a (min, max) pair, found %r" % (value,))
    return pair


def OptRange(doc=""):
    from .registry import Param
    return Param(_float_pair, None, doc)


@operator("_histogram", params={"bin_cnt": OptInt(None, doc="Number of bins (uniform).", low=1),
                                "range": OptRange(doc="(min, max) of the uniform bins.")},
          inputs=lambda attrs: ["data"] if attrs["bin_cnt"] is not None else ["data", "bins"],
          outputs=("output0", "output1"), differentiable=False, hint="histogram")
class Histogram:
    """Histogram of the data: `bin_cnt` uniform bins over `range` (the data's min and max when
    not given), or the bin edges given as the input `bins`. Returns (int64 counts, edges)."""
    def compute(xp, inputs, attrs):
        data = inputs[0].reshape(-1)
        if attrs["bin_cnt"] is not None:
            n = attrs["bin_cnt"]
            lo, hi = attrs["range"] if attrs["range"] else (data.min(), data.max())
            steps = xp.arange(n + 1, dtype=np.float64) / n
            edges = (lo + (hi - lo) * steps).astype(inputs[0].dtype)
        else:
            edges = inputs[1]
        hist, _ = xp.histogram(data, bins=edges)
        return [hist.astype(np.int64), edges]

    def infer_shape(attrs, in_shapes):
        if attrs["bin_cnt"] is not None:
            return in_shapes, [(attrs["bin_cnt"],), (attrs["bin_cnt"] + 1,)]
        bins = in_shapes[1]
        return in_shapes, [None if bins is None else (bins[0] - 1,), bins]

    def infer_type(attrs, in_types):
        return in_types, [np.dtype(np.int64), in_types[0]]


def _check_index_copy(name, old, idx, new):
    """MXNet's index_copy shapes: a 1-D index_vector, and new_tensor holding one row of
    old_tensor's shape per index."""
    if idx is not None and len(idx) != 1:
        raise ShapeError("%s: index_vector must be 1-D, found shape %s" % (name, tuple(idx)))
    if old is not None and new is not None and tuple(new[1:]) != tuple(old[1:]):
        raise ShapeError("%s: new_tensor rows must be shaped as old_tensor's %s, found %s"
                         % (name, tuple(old[1:]), tuple(new)))
    if idx is not None and new is not None and (len(new) == 0 or new[0] != idx[0]):
        raise ShapeError("%s: new_tensor needs one row per index (%d), found shape %s"
                         % (name, idx[0], tuple(new)))


@operator("_contrib_index_copy", inputs=("old_tensor", "index_vector", "new_tensor"))
class IndexCopy:
    """A copy of old_tensor whose rows index_vector[i] are replaced by new_tensor[i]."""
    def compute(xp, inputs, attrs):
        old, idx, new = inputs
        _check_index_copy("index_copy", old.shape, idx.shape, new.shape)
        out = old.copy()
        out[idx.astype(np.int64)] = new
        return out

    def infer_shape(attrs, in_shapes):
        _check_index_copy("index_copy", *in_shapes)
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._contrib_backward_index_copy(out_grads[0], inputs[1], inputs[2])
        return [grads[0], F.zeros_like(inputs[1]), grads[1]]


@operator("_contrib_backward_index_copy", inputs=("ograd", "index_vector", "new_tensor"),
          outputs=("old_grad", "new_grad"))
class BackwardIndexCopy:
    """Gradients of index_copy: ograd with the copied rows zeroed, and ograd's copied rows."""
    def compute(xp, inputs, attrs):
        og, idx, new = inputs
        _check_index_copy("_contrib_backward_index_copy", og.shape, idx.shape, new.shape)
        idx = idx.astype(np.int64)
        old_grad = og.copy()
        old_grad[idx] = 0
        return [old_grad, og[idx]]

    def infer_shape(attrs, in_shapes):
        _check_index_copy("_contrib_backward_index_copy", *in_shapes)
        return in_shapes, [in_shapes[0], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Linear in ograd: (old_grad, new_grad) = (ograd with the rows zeroed, ograd's rows),
        # whose transpose copies the new rows' gradient into the old one's (as index_copy).
        g_old, g_new = out_grads
        if g_old is None:
            g_old = F.zeros_like(inputs[0])
        if g_new is None:
            g_new = F.zeros_like(inputs[2])
        return [F._contrib_index_copy(g_old, inputs[1], g_new), F.zeros_like(inputs[1]),
                F.zeros_like(inputs[2])]


@operator("_contrib_index_array", params={"axes": Axis(None, doc="The axes to include in the "
                                                               "index array; None: all.")},
          differentiable=False, hint="index_array")
class IndexArray:
    """The multi-index of every element: shape data.shape + (len(axes),), int64."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axes = attrs["axes"]
        axes = range(x.ndim) if axes is None else (axes if isinstance(axes, tuple) else (axes,))
        if not x.ndim:             # a scalar has an empty multi-index
            return xp.zeros((0,), dtype=np.int64)
        grids = xp.indices(x.shape, dtype=np.int64)
        return xp.stack([grids[a % x.ndim] for a in axes], axis=-1)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        axes = attrs["axes"]
        count = len(x) if axes is None else (len(axes) if isinstance(axes, tuple) else 1)
        return in_shapes, [tuple(x) + (count,)]

    def infer_type(attrs, in_types):
        return in_types, [np.dtype(np.int64)]


@operator("_contrib_boolean_mask", params={"axis": Int(0, doc="The axis to select along.")},
          inputs=("data", "index"), hint="boolean_mask")
class BooleanMask:
    """The slices of data along `axis` whose entry in `index` is nonzero (a dynamic shape)."""
    def compute(xp, inputs, attrs):
        data, index = inputs
        keep = xp.nonzero(index.reshape(-1))[0]
        return xp.take(data, keep, axis=attrs["axis"])

    def infer_shape(attrs, in_shapes):
        return in_shapes, [None]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_boolean_mask(out_grads[0], inputs[1], inputs[0], **attrs),
                F.zeros_like(inputs[1])]


@operator("_backward_contrib_boolean_mask", params={"axis": Int(0)},
          inputs=("ograd", "index", "data"))
class BackwardBooleanMask:
    """The gradient of boolean_mask: ograd back at the selected slices, zeros elsewhere."""
    def compute(xp, inputs, attrs):
        og, index, data = inputs
        keep = xp.nonzero(index.reshape(-1))[0]
        grad = xp.zeros(data.shape, dtype=og.dtype)
        view = xp.moveaxis(grad, attrs["axis"], 0)
        view[keep] = xp.moveaxis(og, attrs["axis"], 0)
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


@operator("_contrib_arange_like", params={"start": Float(0.0, doc="Start of interval."),
                                          "step": Float(1.0, doc="Spacing between values."),
                                          "repeat": Int(1, low=1, doc="Times each value is "
                                                                      "repeated."),
                                          "ctx": Ctx(doc="Context of output."),
                                          "axis": OptInt(None, doc="The axis whose length the "
                                                                   "result has; None: the "
                                                                   "whole shape.")},
          differentiable=False, hint="arange_like")
class ArangeLike:
    """Evenly spaced values (start, start + step, ..., each `repeat` times) shaped like the
    data, or as long as its `axis`."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        shape = x.shape if attrs["axis"] is None else (x.shape[attrs["axis"]],)
        count = int(np.prod(shape))
        values = attrs["start"] + attrs["step"] * (xp.arange(count) // attrs["repeat"])
        return values.astype(x.dtype).reshape(shape)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        return in_shapes, [tuple(x) if attrs["axis"] is None else (x[attrs["axis"]],)]
