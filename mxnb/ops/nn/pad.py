"""Pad (constant, edge, reflect) and Crop (a spatial window of NCHW data, by size or like another).

Pad with every mode is a gather along each padded axis (a source index per output position, or
none for a constant); its gradient is the transpose of those gathers (`_backward_Pad`), whose own
gradient is Pad again.
"""
import numpy as np

from ...base import ShapeError
from ..params import Shape, Enum, Float, Int, Bool
from ..registry import operator

_PAD = {"mode": Enum(("constant", "edge", "reflect"), "constant"), "pad_width": Shape(low=0),
        "constant_value": Float(0.0)}


def _widths(attrs, ndim):
    pw = tuple(attrs["pad_width"])
    if len(pw) != 2 * ndim:
        raise ShapeError("Pad: pad_width %s must have two entries (before, after) per axis of the "
                         "%d-D data" % (pw, ndim))
    if ndim not in (4, 5) or any(pw[:4]):
        raise ShapeError("Pad: pads the spatial axes of 4-D or 5-D data; pad_width %s must start "
                         "with four zeros (no padding of N and C), data has %d axes" % (pw, ndim))
    return [(pw[2 * i], pw[2 * i + 1]) for i in range(ndim)]


def _source(mode, size, before, after):
    """For each output position along an axis, the input position it copies (-1: constant)."""
    pos = np.arange(-before, size + after)
    if mode == "constant":
        return np.where((pos >= 0) & (pos < size), pos, -1)
    if mode == "edge":
        return np.clip(pos, 0, size - 1)
    if before >= size or after >= size:
        raise ShapeError("Pad: reflect padding (%d, %d) must be smaller than the axis size %d"
                         % (before, after, size))
    period = 2 * (size - 1) if size > 1 else 1
    folded = np.abs(pos) % period
    return np.where(folded >= size, period - folded, folded)


@operator("Pad", params=_PAD, aliases=("pad",), hint="pad")
class Pad:
    """Pads the spatial axes of (N, C, H, W) or (N, C, D, H, W) data by pad_width, a (before,
    after) pair per axis: with constant_value, the edge value, or the reflection (edge excluded)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        widths = _widths(attrs, x.ndim)
        if attrs["mode"] == "constant":
            return xp.pad(x, widths, mode="constant", constant_values=attrs["constant_value"])
        for axis, (before, after) in enumerate(widths):
            if before or after:
                x = xp.take(x, xp.asarray(_source(attrs["mode"], x.shape[axis], before, after)), axis=axis)
        return x

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None]
        widths = _widths(attrs, len(data))
        return in_shapes, [tuple(d + b + a if d else 0 for d, (b, a) in zip(data, widths))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Pad(out_grads[0], **attrs)]


@operator("_backward_Pad", params=_PAD, inputs=("ograd",))
class BackwardPad:
    """Pad's data gradient: each output position's gradient summed into the input it copies."""
    def compute(xp, inputs, attrs):
        g = inputs[0]
        widths = _widths(attrs, g.ndim)
        for axis, (before, after) in enumerate(widths):
            if not (before or after):
                continue
            size = g.shape[axis] - before - after
            source = _source(attrs["mode"], size, before, after)
            onehot = (source[:, None] == np.arange(size)[None, :]).astype(g.dtype)   # (out, in)
            moved = xp.moveaxis(g, axis, -1)
            g = xp.moveaxis(xp.matmul(moved, xp.asarray(onehot)), -1, axis)
        return xp.ascontiguousarray(g)

    def infer_shape(attrs, in_shapes):
        og = in_shapes[0]
        if og is None:
            return in_shapes, [None]
        widths = _widths(attrs, len(og))
        return in_shapes, [tuple(d - b - a for d, (b, a) in zip(og, widths))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The transpose of the transpose: padding with zeros for constant, Pad itself otherwise.
        return [F.Pad(out_grads[0], **dict(attrs, constant_value=0.0))]


# --- Crop -----------------------------------------------------------------------------------------
_CROP = {"num_args": Int(low=1, high=2), "offset": Shape((0, 0), low=0), "h_w": Shape((0, 0), low=0),
         "center_crop": Bool(False)}


def _crop_box(attrs, data, like):
    """(y, x, h, w) of the window."""
    h, w = (like[2], like[3]) if like is not None else tuple(attrs["h_w"])
    if attrs["center_crop"]:
        y, x = (data[2] - h) // 2, (data[3] - w) // 2
    else:
        y, x = attrs["offset"]
    if h < 1 or w < 1 or y < 0 or x < 0 or y + h > data[2] or x + w > data[3]:
        raise ShapeError("Crop: window of size %s at offset %s does not fit in data %s"
                         % ((h, w), (y, x), tuple(data)))
    return y, x, h, w


@operator("Crop", params=_CROP, variadic="num_args", hint="crop")
class Crop:
    """Crops (N, C, H, W) data to h_w (or to the size of a second input) at offset, or centred."""
    def compute(xp, inputs, attrs):
        data = inputs[0]
        Crop.infer_shape(attrs, [x.shape for x in inputs])
        like = inputs[1].shape if len(inputs) > 1 else None
        y, x, h, w = _crop_box(attrs, data.shape, like)
        return data[:, :, y:y + h, x:x + w]

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        like = in_shapes[1] if len(in_shapes) > 1 else None
        if data is None or (len(in_shapes) > 1 and like is None):
            return in_shapes, [None]
        if len(data) != 4:
            raise ShapeError("Crop: needs (N, C, H, W) data, found %s" % (tuple(data),))
        _, _, h, w = _crop_box(attrs, data, like)
        return in_shapes, [tuple(data[:2]) + (h, w)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        # The window is fixed by attributes and shapes: _backward_slice with the same window,
        # found from the output gradient's shape against data's inside the kernel below.
        grad = F._backward_Crop(og, inputs[0], **attrs)
        return [grad] + [None] * (len(inputs) - 1)


@operator("_backward_Crop", params=_CROP, inputs=("ograd", "data"))
class BackwardCrop:
    """Crop's data gradient: ograd placed at the window in zeros shaped like data."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        like = og.shape if attrs["num_args"] > 1 else None
        y, x, h, w = _crop_box(attrs, data.shape, like)
        out = xp.zeros(data.shape, dtype=og.dtype)
        out[:, :, y:y + h, x:x + w] = og
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.Crop(out_grads[0], inputs[0], **dict(attrs, num_args=2)) if attrs["num_args"] > 1
                else F.Crop(out_grads[0], **attrs), None]
