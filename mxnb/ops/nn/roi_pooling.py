"""ROIPooling (Fast R-CNN): max pooling of each region of interest into a fixed grid of bins.

Bins are rectangles, so the maximum of a bin is the maximum over its rows of the maximum over its
columns: two masked reductions, each over one spatial axis, instead of one over both. The flat
index of each bin's maximum is a hidden output; the backward kernel sends gradients there.
"""
from ...base import ShapeError
from ..params import Shape, Float
from ..registry import operator

_PARAMS = {"pooled_size": Shape(low=1), "spatial_scale": Float(low=0.0, low_open=True)}


def _check(attrs):
    if len(attrs["pooled_size"]) != 2:
        return "pooled_size must be (height, width), found %s" % (tuple(attrs["pooled_size"]),)
    return None


def _bin_masks(xp, start, length, bins, size):
    """(R, bins, size) booleans: which positions each bin of each region covers, as MXNet:
    [floor(i * len / bins), ceil((i + 1) * len / bins)) offset by start, clipped to [0, size)."""
    i = xp.arange(bins, dtype="float64")[None, :]
    step = length[:, None] / bins
    lo = xp.clip(xp.floor(i * step).astype("int64") + start[:, None], 0, size)
    hi = xp.clip(xp.ceil((i + 1) * step).astype("int64") + start[:, None], 0, size)
    pos = xp.arange(size)[None, None, :]
    return (pos >= lo[:, :, None]) & (pos < hi[:, :, None])


def _regions(xp, rois, attrs, shape):
    scale = attrs["spatial_scale"]
    coords = xp.floor(rois[:, 1:5].astype("float64") * scale + 0.5).astype("int64")  # C round()
    x1, y1, x2, y2 = coords[:, 0], coords[:, 1], coords[:, 2], coords[:, 3]
    width = xp.maximum(x2 - x1 + 1, 1).astype("float64")
    height = xp.maximum(y2 - y1 + 1, 1).astype("float64")
    ph, pw = attrs["pooled_size"]
    rows = _bin_masks(xp, y1, height, ph, shape[2])       # (R, PH, H)
    cols = _bin_masks(xp, x1, width, pw, shape[3])        # (R, PW, W)
    return rois[:, 0].astype("int64"), rows, cols


@operator("ROIPooling", params=_PARAMS, inputs=("data", "rois"), outputs=("output", "maxidx"),
          num_visible=1, hint="roipooling")
class ROIPooling:
    """For each region [batch_index, x1, y1, x2, y2] (in input coordinates; times spatial_scale
    gives feature-map coordinates), the maximum of data over each of pooled_size bins; empty bins
    give 0."""
    check_attrs = _check

    def compute(xp, inputs, attrs):
        data, rois = inputs
        ROIPooling.infer_shape(attrs, [data.shape, rois.shape])
        batch, rows, cols = _regions(xp, rois, attrs, data.shape)
        feats = data[batch]                                          # (R, C, H, W)
        low = -xp.inf
        # max over columns first: (R, C, H, PW, W) -> (R, C, H, PW)
        masked = xp.where(cols[:, None, None, :, :], feats[:, :, :, None, :], low)
        col_best = masked.max(axis=-1)
        col_arg = masked.argmax(axis=-1)
        # then over rows: (R, C, PH, H, PW) -> (R, C, PH, PW)
        masked = xp.where(rows[:, None, :, :, None], col_best[:, :, None, :, :], low)
        best = masked.max(axis=3)
        row_arg = masked.argmax(axis=3)                                # (R, C, PH, PW)
        col_at = xp.take_along_axis(col_arg[:, :, None, :, :], row_arg[:, :, :, None, :], axis=3)[:, :, :, 0, :]
        empty = (best == -xp.inf)
        out = xp.where(empty, 0, best).astype(data.dtype)
        index = xp.where(empty, -1, row_arg * data.shape[3] + col_at)
        return [out, index.astype(data.dtype)]

    def infer_shape(attrs, in_shapes):
        data, rois = in_shapes
        if rois is not None and (len(rois) != 2 or rois[1] not in (0, 5)):
            raise ShapeError("ROIPooling: rois must be (num_rois, 5) rows of [batch_index, x1, y1, "
                             "x2, y2], found %s" % (tuple(rois),))
        if data is not None and len(data) != 4:
            raise ShapeError("ROIPooling: needs (N, C, H, W) data, found %s" % (tuple(data),))
        if data is None or rois is None:
            return in_shapes, [None, None]
        out = (rois[0], data[1]) + tuple(attrs["pooled_size"])
        return in_shapes, [out, out]

    def infer_type(attrs, in_types):
        known = in_types[0] or in_types[1]
        return [known, known], [known, known]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_ROIPooling(out_grads[0], inputs[0], inputs[1], outputs[1], **attrs), None]


@operator("_backward_ROIPooling", params=_PARAMS, inputs=("ograd", "data", "rois", "maxidx"))
class BackwardROIPooling:
    """ROIPooling's data gradient: each bin's gradient added at its maximum."""
    def compute(xp, inputs, attrs):
        og, data, rois, maxidx = inputs
        n, c, h, w = data.shape
        batch = rois[:, 0].astype("int64")
        index = maxidx.astype("int64")
        valid = index >= 0
        channel = xp.arange(c)[None, :, None, None]
        flat = ((batch[:, None, None, None] * c + channel) * (h * w) + xp.where(valid, index, 0))
        weights = xp.where(valid, og, 0).astype("float64")
        grad = xp.bincount(flat.reshape(-1), weights=weights.reshape(-1), minlength=n * c * h * w)
        return grad.reshape(data.shape).astype(data.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]
