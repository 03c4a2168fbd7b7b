"""Operators that rearrange an array without computing new values: reshapes, transposes,
concatenation and splitting, broadcasting, tiling, flipping, and shape queries.

Gradients of operators whose backward needs the input's shape (tile, repeat, Concat) are
internal operators taking (out_grad, data), so backward graphs stay shape-agnostic.
"""
import numpy as np

from ..base import ShapeError
from .params import Int, Bool, Shape, OptInt, Axis
from .registry import operator


def _normalize_axis(op, axis, ndim, extra=0):
    """`axis` in [0, ndim + extra); negative counts from the end. `extra`=1 for inserting axes."""
    size = ndim + extra
    if not -size <= axis < size:
        raise ShapeError("%s: axis %d is out of range for an array of %d dimension(s)"
                         % (op, axis, ndim))
    return axis + size if axis < 0 else axis


def _known(shape):
    return shape is not None and 0 not in shape


def _size(shape):
    return int(np.prod(shape, dtype=np.int64))


def _as_like(F, attrs, inputs, outputs, out_grads):
    """The gradient of an operator that only changes the shape: og reshaped back."""
    return [F.reshape_like(out_grads[0], inputs[0])]


# --- Reshape --------------------------------------------------------------------------------
def reshape_target(dshape, shape, reverse=False):
    """The output shape of Reshape (MXNet's special values 0, -1, -2, -3, -4; see its docs)."""
    src = list(dshape)
    spec = list(shape)
    if reverse:
        src.reverse()
        spec.reverse()
    out, src_i, infer_at, i = [], 0, -1, 0
    while i < len(spec):
        d = spec[i]
        if d == 0:
            if src_i >= len(src):
                raise ShapeError("Reshape: shape %s copies a dimension (0) that input shape %s does "
                                 "not have" % (tuple(shape), tuple(dshape)))
            out.append(src[src_i])
            src_i += 1
        elif d == -1:
            if infer_at >= 0:
                raise ShapeError("Reshape: shape %s has more than one -1" % (tuple(shape),))
            infer_at = len(out)
            out.append(1)
            src_i += 1
        elif d == -2:
            out.extend(src[src_i:])
            src_i = len(src)
        elif d == -3:
            if src_i + 1 >= len(src):
                raise ShapeError("Reshape: -3 in shape %s needs two input dimensions, input shape "
                                 "is %s" % (tuple(shape), tuple(dshape)))
            out.append(src[src_i] * src[src_i + 1])
            src_i += 2
        elif d == -4:
            if i + 2 >= len(spec):
                raise ShapeError("Reshape: -4 in shape %s must be followed by two dimensions"
                                 % (tuple(shape),))
            if src_i >= len(src):
                raise ShapeError("Reshape: -4 in shape %s has no input dimension to split in %s"
                                 % (tuple(shape), tuple(dshape)))
            d0, d1, d2 = src[src_i], spec[i + 1], spec[i + 2]
            src_i += 1
            i += 2
            if d1 == -1 and d2 == -1:
                raise ShapeError("Reshape: -4 in shape %s splits into two -1s" % (tuple(shape),))
            if d1 == -1 and d0:
                d1 = d0 // d2
            if d2 == -1 and d0:
                d2 = d0 // d1
            if d0 and d1 * d2 != d0:
                raise ShapeError("Reshape: split dimensions %d, %d do not multiply to %d (shape %s, "
                                 "input shape %s)" % (d1, d2, d0, tuple(shape), tuple(dshape)))
            out += [d1, d2]
        elif d > 0:
            out.append(d)
            src_i += 1
        else:
            raise ShapeError("Reshape: invalid value %d in shape %s" % (d, tuple(shape)))
        i += 1
    if infer_at >= 0:
        rest = _size(out)
        if not _known(dshape) or rest == 0:
            out[infer_at] = 0
        else:
            out[infer_at] = _size(dshape) // rest
    if reverse:
        out.reverse()
    return tuple(out)


def _legacy_target(dshape, attrs):
    """The deprecated `target_shape` (one 0 inferred) and `keep_highest` attributes."""
    target = list(attrs["target_shape"])
    if attrs["keep_highest"]:
        target = [dshape[0]] + target[1:]
    if 0 in target:
        i = target.index(0)
        target[i] = 1
        target[i] = _size(dshape) // _size(target)
    return tuple(target)


def _reshape_out(dshape, attrs):
    if not attrs["shape"] and attrs["target_shape"]:
        return _legacy_target(dshape, attrs)
    return reshape_target(dshape, attrs["shape"], attrs["reverse"])


@operator("Reshape", params={"shape": Shape((), low=-4), "reverse": Bool(False),
                             "target_shape": Shape((), low=0), "keep_highest": Bool(False)},
          aliases=("reshape",))
class Reshape:
    """The input with a new shape; 0 copies a dimension, -1 infers one, -2 copies the rest,
    -3 merges two, -4 splits one in two. A view where possible."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x.reshape(_reshape_out(x.shape, attrs))

    def infer_shape(attrs, in_shapes):
        dshape = in_shapes[0]
        if dshape is None:
            spec = attrs["shape"]
            if spec and all(d > 0 for d in spec):
                return in_shapes, [tuple(spec)]
            return in_shapes, [None]
        spec = attrs["shape"]
        if dshape.count(0) == 1 and spec and all(d > 0 for d in spec):
            # Backward: the one unknown input dimension follows from the output's size.
            rest = _size([d for d in dshape if d])
            dshape = tuple(_size(spec) // rest if d == 0 else d for d in dshape)
            return [dshape], [tuple(spec)]
        out = _reshape_out(dshape, attrs)
        if not _known(dshape):
            # a -1 left by splitting (-4) an unknown dimension is unknown too
            out = tuple(0 if d < 0 else d for d in out)
        if _known(dshape) and _size(out) != _size(dshape):
            raise ShapeError("Reshape: cannot reshape an array of shape %s (size %d) to %s (size %d)"
                             % (tuple(dshape), _size(dshape), out, _size(out)))
        return in_shapes, [out]

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        # As MXNet: with the input's rank known, a known output fills the input's one unknown
        # dimension from the sizes (it cannot tell two unknown dimensions apart).
        dshape, oshape = in_shapes[0], out_shapes[0]
        if dshape is None or oshape is None or not _known(oshape) or dshape.count(0) != 1:
            return in_shapes
        rest = _size([d for d in dshape if d])
        if _size(oshape) < rest:
            return in_shapes        # MXNet's quotient is 0 there: the dimension stays unknown
        if _size(oshape) % rest:
            raise ShapeError("Reshape: output shape %s (size %d) is not a multiple of the known "
                             "dimensions of input shape %s" % (tuple(oshape), _size(oshape),
                                                               tuple(dshape)))
        return [tuple(_size(oshape) // rest if d == 0 else d for d in dshape)]

    gradient = _as_like


@operator("Flatten", aliases=("flatten",))
class Flatten:
    """Collapses all dimensions but the first: (d0, d1*d2*...)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x.reshape(x.shape[0], _size(x.shape[1:]))

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        if len(s) == 0:
            raise ShapeError("Flatten: expected an array with at least one dimension, found a scalar")
        return in_shapes, [(s[0], _size(s[1:]))]

    gradient = _as_like


@operator("reshape_like", params={"lhs_begin": OptInt(), "lhs_end": OptInt(),
                                  "rhs_begin": OptInt(), "rhs_end": OptInt()},
          inputs=("lhs", "rhs"))
class ReshapeLike:
    """`lhs` reshaped so that dimensions [lhs_begin, lhs_end) take rhs's [rhs_begin, rhs_end)."""
    def compute(xp, inputs, attrs):
        lhs, rhs = inputs
        return lhs.reshape(_reshape_like_shape(lhs.shape, rhs.shape, attrs))

    def infer_shape(attrs, in_shapes):
        lhs, rhs = in_shapes
        if lhs is None or rhs is None:
            return in_shapes, [None]
        return in_shapes, [_reshape_like_shape(lhs, rhs, attrs)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.reshape_like(out_grads[0], inputs[0]), None]


def _span(begin, end, ndim):
    begin = 0 if begin is None else (begin + ndim if begin < 0 else begin)
    end = ndim if end is None else (end + ndim if end < 0 else end)
    return begin, end


def _reshape_like_shape(lhs, rhs, attrs):
    lb, le = _span(attrs["lhs_begin"], attrs["lhs_end"], len(lhs))
    rb, re = _span(attrs["rhs_begin"], attrs["rhs_end"], len(rhs))
    out = tuple(lhs[:lb]) + tuple(rhs[rb:re]) + tuple(lhs[le:])
    if _known(lhs) and _known(out) and _size(out) != _size(lhs):
        raise ShapeError("reshape_like: cannot reshape lhs of shape %s to %s (taken from rhs of "
                         "shape %s)" % (tuple(lhs), out, tuple(rhs)))
    return out


# --- axes -------------------------------------------------------------------------------------
@operator("transpose", params={"axes": Shape(())})
class Transpose:
    """Permutes the axes (reverses them by default)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return xp.transpose(x, attrs["axes"] or None)

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        axes = attrs["axes"] or tuple(range(len(s) - 1, -1, -1))
        if sorted(_normalize_axis("transpose", a, len(s)) for a in axes) != list(range(len(s))):
            raise ShapeError("transpose: axes %s are not a permutation of the %d axes of shape %s"
                             % (tuple(axes), len(s), tuple(s)))
        return in_shapes, [tuple(s[a] for a in axes)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        axes = attrs["axes"]
        if not axes:
            return [F.transpose(out_grads[0])]
        ndim = len(axes)
        inverse = tuple(int(i) for i in np.argsort([a % ndim for a in axes]))
        return [F.transpose(out_grads[0], axes=inverse)]


@operator("expand_dims", params={"axis": Int()})
class ExpandDims:
    """Inserts an axis of length 1 at `axis` (in [-ndim-1, ndim])."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return xp.expand_dims(x, _normalize_axis("expand_dims", attrs["axis"], x.ndim, 1))

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        axis = _normalize_axis("expand_dims", attrs["axis"], len(s), 1)
        return in_shapes, [tuple(s[:axis]) + (1,) + tuple(s[axis:])]

    gradient = _as_like


def _squeeze_shape(shape, axis):
    ndim = len(shape)
    if axis is None:
        out = tuple(d for d in shape if d != 1)
    else:
        axes = axis if isinstance(axis, tuple) else (axis,)
        axes = {_normalize_axis("squeeze", a, ndim) for a in axes}
        for a in axes:
            if shape[a] not in (1, 0):
                raise ShapeError("squeeze: axis %d of shape %s has length %d, expected 1"
                                 % (a, tuple(shape), shape[a]))
        out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out or (1,)   # MXNet never returns a 0-d array


@operator("squeeze", params={"axis": Axis(None)})
class Squeeze:
    """Removes axes of length 1 (all of them, or those in `axis`); never below one dimension."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x.reshape(_squeeze_shape(x.shape, attrs["axis"]))

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        return in_shapes, [_squeeze_shape(s, attrs["axis"])]

    gradient = _as_like


@operator("SwapAxis", params={"dim1": Int(0), "dim2": Int(0)}, aliases=("swapaxes",))
class SwapAxis:
    """Interchanges two axes."""
    def compute(xp, inputs, attrs):
        return xp.swapaxes(inputs[0], attrs["dim1"], attrs["dim2"])

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        a = _normalize_axis("SwapAxis", attrs["dim1"], len(s))
        b = _normalize_axis("SwapAxis", attrs["dim2"], len(s))
        out = list(s)
        out[a], out[b] = out[b], out[a]
        return in_shapes, [tuple(out)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.SwapAxis(out_grads[0], dim1=attrs["dim1"], dim2=attrs["dim2"])]


@operator("flip", params={"axis": Shape()}, aliases=("reverse",))
class Flip:
    """Reverses the order of elements along the given axes (a view)."""
    def compute(xp, inputs, attrs):
        return xp.flip(inputs[0], axis=attrs["axis"])

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is not None:
            for a in attrs["axis"]:
                _normalize_axis("flip", a, len(s))
        return in_shapes, [s]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.flip(out_grads[0], axis=attrs["axis"])]


# --- joining and splitting --------------------------------------------------------------------
def _concat_infer(attrs, in_shapes):
    known = [s for s in in_shapes if s is not None]
    if not known:
        return in_shapes, [None]
    ndim = len(known[0])
    axis = _normalize_axis("Concat", attrs["dim"], ndim)
    # Dimensions off the concatenation axis are shared: fill unknown ones from any known one.
    common = [0] * ndim
    for s in known:
        if len(s) != ndim:
            raise ShapeError("Concat: expected inputs with %d dimensions, found shapes %s"
                             % (ndim, list(in_shapes)))
        for i, d in enumerate(s):
            if i == axis or d == 0:
                continue
            if common[i] and common[i] != d:
                raise ShapeError("Concat: inputs differ in dimension %d off the concatenation axis "
                                 "%d: shapes %s" % (i, axis, list(in_shapes)))
            common[i] = d
    filled = []
    for s in in_shapes:
        base = list(common)
        base[axis] = s[axis] if s is not None else 0
        filled.append(tuple(base))
    along = [s[axis] for s in filled]
    out = list(common)
    out[axis] = sum(along) if 0 not in along else 0
    return filled, [tuple(out)]


@operator("Concat", params={"num_args": Int(low=1), "dim": Int(1)}, variadic="num_args",
          aliases=("concat",))
class Concat:
    """Joins the inputs along axis `dim`."""
    def compute(xp, inputs, attrs):
        return xp.concatenate(inputs, axis=attrs["dim"])

    infer_shape = _concat_infer

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        """Off-axis dims of the output fill every input's; one unknown length along the axis is
        what the others leave of the output's."""
        out = out_shapes[0]
        if out is None:
            return in_shapes
        axis = _normalize_axis("Concat", attrs["dim"], len(out))
        filled = []
        for s in in_shapes:
            base = list(out)
            base[axis] = s[axis] if s is not None and len(s) == len(out) else 0
            if s is not None and len(s) == len(out):
                base = [a or b if i != axis else a for i, (a, b) in enumerate(zip(s, base))]
            filled.append(tuple(base))
        along = [s[axis] for s in filled]
        if out[axis] and along.count(0) == 1:
            i = along.index(0)
            rest = out[axis] - sum(along)
            filled[i] = tuple(rest if j == axis else d for j, d in enumerate(filled[i]))
        return filled

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Concat(out_grads[0], *inputs, num_args=len(inputs) + 1, dim=attrs["dim"])
        return list(grads) if len(inputs) > 1 else [grads]


@operator("_backward_Concat", params={"num_args": Int(low=1), "dim": Int(1)}, variadic="num_args",
          outputs=lambda attrs: ["output%d" % i for i in range(attrs["num_args"] - 1)])
class BackwardConcat:
    """Inputs (out_grad, data0, data1, ...): out_grad cut into pieces the sizes of the data."""
    def compute(xp, inputs, attrs):
        og, datas = inputs[0], inputs[1:]
        axis = attrs["dim"]
        bounds = np.cumsum([d.shape[axis] for d in datas])[:-1]
        return [xp.ascontiguousarray(p) for p in xp.split(og, bounds.tolist(), axis=axis)]

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes[1:])

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]] * (len(in_types) - 1)

    def gradient(F, attrs, inputs, outputs, out_grads):
        n = len(out_grads)
        joined = F.Concat(*out_grads, num_args=n, dim=attrs["dim"]) if n > 1 else out_grads[0]
        return [joined] + [None] * n


def _stack_infer(attrs, in_shapes):
    known = next((s for s in in_shapes if _known(s)), None)
    known = known or next((s for s in in_shapes if s is not None), None)
    if known is None:
        return in_shapes, [None]
    for s in in_shapes:
        if s is not None and (len(s) != len(known) or
                              any(a != b and a and b for a, b in zip(s, known))):
            raise ShapeError("stack: expected inputs of one shape, found %s" % (list(in_shapes),))
    axis = _normalize_axis("stack", attrs["axis"], len(known), 1)
    out = tuple(known[:axis]) + (len(in_shapes),) + tuple(known[axis:])
    return [tuple(known)] * len(in_shapes), [out]


@operator("stack", params={"num_args": Int(low=1), "axis": Int(0)}, variadic="num_args")
class Stack:
    """Joins same-shaped inputs along a new axis."""
    def compute(xp, inputs, attrs):
        return xp.stack(inputs, axis=attrs["axis"])

    infer_shape = _stack_infer

    def gradient(F, attrs, inputs, outputs, out_grads):
        n = len(inputs)
        if n == 1:
            return [F.reshape_like(out_grads[0], inputs[0])]
        return list(F.SliceChannel(out_grads[0], num_outputs=n, axis=attrs["axis"],
                                   squeeze_axis=True))


def _split_infer(attrs, in_shapes):
    s = in_shapes[0]
    n = attrs["num_outputs"]
    if s is None:
        return in_shapes, [None] * n
    axis = _normalize_axis("SliceChannel", attrs["axis"], len(s))
    if s[axis] % n:
        raise ShapeError("SliceChannel: axis %d of shape %s has length %d, which %d outputs do not "
                         "divide evenly" % (axis, tuple(s), s[axis], n))
    part = list(s)
    part[axis] = s[axis] // n
    if attrs["squeeze_axis"]:
        if part[axis] != 1:
            raise ShapeError("SliceChannel: squeeze_axis needs axis %d's length (%d) to equal "
                             "num_outputs (%d)" % (axis, s[axis], n))
        del part[axis]
    return in_shapes, [tuple(part)] * n


@operator("SliceChannel", params={"num_outputs": Int(low=1), "axis": Int(1), "squeeze_axis": Bool(False)},
          aliases=("split",), outputs=lambda attrs: ["output%d" % i for i in range(attrs["num_outputs"])])
class SliceChannel:
    """Splits the input into `num_outputs` equal parts along `axis` (views)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axis = attrs["axis"]
        parts = xp.split(x, attrs["num_outputs"], axis=axis)
        if attrs["squeeze_axis"]:
            parts = [p.squeeze(axis) for p in parts]
        return parts

    infer_shape = _split_infer

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        """Any output's known dims fill the input's (the split axis times num_outputs)."""
        s = in_shapes[0]
        known = [o for o in out_shapes if o is not None]
        if not known or s is None or len({len(o) for o in known}) != 1:
            return in_shapes
        out = tuple(max(dims) for dims in zip(*known))   # outputs share a shape; 0 is unknown
        n, axis = attrs["num_outputs"], _normalize_axis("SliceChannel", attrs["axis"], len(s))
        full = list(out)
        if attrs["squeeze_axis"]:
            full.insert(axis, n)
        else:
            full[axis] = out[axis] * n
        if len(full) != len(s):
            return in_shapes
        return [tuple(a or b for a, b in zip(s, full))]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]] * attrs["num_outputs"]

    def gradient(F, attrs, inputs, outputs, out_grads):
        n, axis = attrs["num_outputs"], attrs["axis"]
        if attrs["squeeze_axis"]:
            if n == 1:
                return [F.reshape_like(out_grads[0], inputs[0])]
            return [F.stack(*out_grads, num_args=n, axis=axis)]
        if n == 1:
            return [out_grads[0]]
        return [F.Concat(*out_grads, num_args=n, dim=axis)]


# --- broadcasting and tiling ------------------------------------------------------------------
def _broadcast_target(op, shape, target):
    if len(shape) != len(target):
        raise ShapeError("%s: an array of shape %s cannot be broadcast to %s (ranks differ)"
                         % (op, tuple(shape), tuple(target)))
    out = []
    for d, t in zip(shape, target):
        t = d if t == 0 else t
        if d != t and d != 1:
            raise ShapeError("%s: an array of shape %s cannot be broadcast to %s"
                             % (op, tuple(shape), tuple(target)))
        out.append(t)
    return tuple(out)


def _reduce_back(F, attrs, inputs, outputs, out_grads):
    return [F._reduce_like(out_grads[0], inputs[0])]


@operator("broadcast_to", params={"shape": Shape((), low=0)})
class BroadcastTo:
    """The input broadcast to `shape`; a 0 in `shape` keeps that dimension."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return xp.ascontiguousarray(
            xp.broadcast_to(x, _broadcast_target("broadcast_to", x.shape, attrs["shape"])))

    def infer_shape(attrs, in_shapes):
        s, target = in_shapes[0], attrs["shape"]
        if s is None:
            return in_shapes, [tuple(target) if target and 0 not in target else None]
        return in_shapes, [_broadcast_target("broadcast_to", s, target)]

    gradient = _reduce_back


def _broadcast_axis_shape(shape, attrs):
    axes, sizes = attrs["axis"], attrs["size"]
    if len(axes) != len(sizes):
        raise ShapeError("broadcast_axis: axis %s and size %s must have the same length"
                         % (tuple(axes), tuple(sizes)))
    out = list(shape)
    for a, n in zip(axes, sizes):
        a = _normalize_axis("broadcast_axis", a, len(shape))
        if shape[a] != 1:
            raise ShapeError("broadcast_axis: axis %d of shape %s has length %d, expected 1"
                             % (a, tuple(shape), shape[a]))
        out[a] = n
    return tuple(out)


@operator("broadcast_axis", params={"axis": Shape(()), "size": Shape((), low=1)},
          aliases=("broadcast_axes",))
class BroadcastAxis:
    """The input broadcast along `axis` (where its length is 1) to `size`."""
    def check_attrs(attrs):
        if len(attrs["axis"]) != len(attrs["size"]):
            return ("axis %s and size %s must have the same length (one size per axis)"
                    % (tuple(attrs["axis"]), tuple(attrs["size"])))
        return None

    def compute(xp, inputs, attrs):
        x = inputs[0]
        return xp.ascontiguousarray(xp.broadcast_to(x, _broadcast_axis_shape(x.shape, attrs)))

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        return in_shapes, [_broadcast_axis_shape(s, attrs)]

    gradient = _reduce_back


def _tile_reps(ndim, reps):
    """(input shape padding, reps) both of length max(ndim, len(reps)), as NumPy's tile."""
    n = max(ndim, len(reps))
    return n - ndim, (1,) * (n - len(reps)) + tuple(reps)


_TILE = {"reps": Shape(low=1)}


@operator("tile", params=_TILE)
class Tile:
    """The input repeated `reps` times along each axis."""
    def compute(xp, inputs, attrs):
        return xp.tile(inputs[0], attrs["reps"])

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        if any(r <= 0 for r in attrs["reps"]):
            raise ShapeError("tile: reps must be positive, found %s" % (tuple(attrs["reps"]),))
        pad, reps = _tile_reps(len(s), attrs["reps"])
        return in_shapes, [tuple(d * r for d, r in zip((1,) * pad + tuple(s), reps))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_tile(out_grads[0], inputs[0], reps=attrs["reps"])]


@operator("_backward_tile", params=_TILE, inputs=("ograd", "data"))
class BackwardTile:
    """Sums the tiled copies of out_grad back to the shape of data."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        pad, reps = _tile_reps(data.ndim, attrs["reps"])
        dims = (1,) * pad + data.shape
        split = [v for r, d in zip(reps, dims) for v in (r, d)]
        summed = og.reshape(split).sum(axis=tuple(range(0, 2 * len(dims), 2)))
        return summed.reshape(data.shape).astype(og.dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.tile(out_grads[0], reps=attrs["reps"]), None]


_REPEAT = {"repeats": Int(low=0), "axis": OptInt()}


def _repeat_shape(shape, attrs):
    if attrs["axis"] is None:
        return (_size(shape) * attrs["repeats"],)
    axis = _normalize_axis("repeat", attrs["axis"], len(shape))
    out = list(shape)
    out[axis] *= attrs["repeats"]
    return tuple(out)


@operator("repeat", params=_REPEAT)
class Repeat:
    """Each element repeated `repeats` times along `axis` (of the flattened input by default)."""
    def compute(xp, inputs, attrs):
        return xp.repeat(inputs[0], attrs["repeats"], axis=attrs["axis"])

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        if s is None:
            return in_shapes, [None]
        if attrs["repeats"] < 0:
            raise ShapeError("repeat: repeats must be non-negative, found %d" % attrs["repeats"])
        return in_shapes, [_repeat_shape(s, attrs)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_repeat(out_grads[0], inputs[0], repeats=attrs["repeats"],
                                   axis=attrs["axis"])]


@operator("_backward_repeat", params=_REPEAT, inputs=("ograd", "data"))
class BackwardRepeat:
    """Sums the repeated copies of out_grad back to the shape of data."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        r, axis = attrs["repeats"], attrs["axis"]
        if axis is None:
            return og.reshape(-1, r).sum(axis=1).reshape(data.shape).astype(og.dtype, copy=False)
        axis = axis % data.ndim
        split = data.shape[:axis] + (data.shape[axis], r) + data.shape[axis + 1:]
        return og.reshape(split).sum(axis=axis + 1).astype(og.dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.repeat(out_grads[0], repeats=attrs["repeats"], axis=attrs["axis"]), None]


# --- shape queries ----------------------------------------------------------------------------
def _int64_out(attrs, in_types):
    return in_types, [np.dtype(np.int64)]


@operator("shape_array", differentiable=False)
class ShapeArray:
    """The input's shape as a 1-D int64 array."""
    def compute(xp, inputs, attrs):
        return xp.asarray(inputs[0].shape, dtype=np.int64)

    def infer_shape(attrs, in_shapes):
        s = in_shapes[0]
        return in_shapes, [None if s is None else (len(s),)]

    infer_type = _int64_out


@operator("size_array", differentiable=False)
class SizeArray:
    """The input's number of elements as a 1-element int64 array."""
    def compute(xp, inputs, attrs):
        return xp.asarray([inputs[0].size], dtype=np.int64)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(1,)]

    infer_type = _int64_out
