"""Detection operators of MXNet's contrib: MultiBoxPrior (SSD anchor boxes) and ROIAlign
(bilinear region-of-interest pooling of Mask R-CNN, optionally position-sensitive)."""
import math

import numpy as np

from ..base import AttributeParseError, ShapeError, parse_float
from .params import Bool, Float, Int, Shape
from .registry import Param, operator


def _float_tuple(value):
    if isinstance(value, str):
        value = [v for v in value.strip("()[] ").split(",") if v.strip()]
    elif not isinstance(value, (tuple, list)):
        value = [value]
    try:
        return tuple(parse_float(v) for v in value)
    except TypeError:
        raise AttributeParseError("expected a tuple of numbers, found %r" % (value,)) from None


def _floats(default, doc):
    return Param(_float_tuple, default, doc)


@operator("_contrib_MultiBoxPrior",
          params={"sizes": _floats((1.0,), "List of sizes of generated MultiBoxPriores."),
                  "ratios": _floats((1.0,), "List of aspect ratios of generated "
                                            "MultiBoxPriores."),
                  "clip": Bool(False, doc="Whether to clip out-of-boundary boxes."),
                  "steps": _floats((-1.0, -1.0), "Priorbox step across y and x, -1 for auto "
                                                 "calculation."),
                  "offsets": _floats((0.5, 0.5), "Priorbox center offsets, y and x "
                                                 "respectively")},
          differentiable=False, hint="multiboxprior")
class MultiBoxPrior:
    """Generate prior(anchor) boxes from data, sizes and ratios: for every pixel of the (N, C,
    H, W) feature map, one box per size (with the first ratio) and one per further ratio (with
    the first size), as corners normalised to [0, 1]. Output (1, H * W * anchors, 4)."""
    def compute(xp, inputs, attrs):
        h, w = inputs[0].shape[2:4]
        sizes, ratios = attrs["sizes"], attrs["ratios"]
        step_y = attrs["steps"][0] if attrs["steps"][0] > 0 else 1.0 / h
        step_x = attrs["steps"][1] if attrs["steps"][1] > 0 else 1.0 / w
        half = [(s * h / w * math.sqrt(ratios[0]) / 2, s / math.sqrt(ratios[0]) / 2)
                for s in sizes]
        half += [(sizes[0] * h / w * math.sqrt(r) / 2, sizes[0] / math.sqrt(r) / 2)
                 for r in ratios[1:]]
        half = xp.asarray(np.array(half, dtype=np.float64))                 # (A, 2): (w, h)
        cy = (xp.arange(h) + attrs["offsets"][0]) * step_y
        cx = (xp.arange(w) + attrs["offsets"][1]) * step_x
        cy, cx = xp.meshgrid(cy, cx, indexing="ij")
        centers = xp.stack([cx, cy], axis=-1).reshape(h * w, 1, 2)
        boxes = xp.concatenate([centers - half[None], centers + half[None]], axis=-1)
        if attrs["clip"]:
            boxes = xp.clip(boxes, 0, 1)
        return boxes.reshape(1, -1, 4).astype(inputs[0].dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        if len(x) != 4:
            raise ShapeError("MultiBoxPrior: expected (N, C, H, W) data, found %s" % (tuple(x),))
        anchors = len(attrs["sizes"]) + len(attrs["ratios"]) - 1
        return in_shapes, [(1, x[2] * x[3] * anchors, 4)]


_ROI = {"pooled_size": Shape(doc="ROI Align output roi feature map height and width: (h, w)",
                             low=1),
        "spatial_scale": Float(doc="Ratio of input feature map height (or w) to raw image "
                                   "height (or w)."),
        "sample_ratio": Int(-1, doc="Optional sampling ratio of ROI align, using adaptive size "
                                    "by default."),
        "position_sensitive": Bool(False, doc="Whether to perform position-sensitive RoI "
                                              "pooling."),
        "aligned": Bool(False, doc="Center-aligned ROIAlign introduced in Detectron2.")}


def _roi_samples(roi, attrs, height, width):
    """For one roi: (flat pixel indices (ph, pw, S, 4), bilinear weights (ph, pw, S, 4)) on the
    host, S samples per bin; weights are zero for samples outside the map."""
    ph, pw = attrs["pooled_size"]
    scale, offset = attrs["spatial_scale"], 0.5 if attrs["aligned"] else 0.0
    x0, y0, x1, y1 = (float(v) * scale - offset for v in roi[1:5])
    roi_w, roi_h = x1 - x0, y1 - y0
    if not attrs["aligned"]:
        roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
    bin_h, bin_w = roi_h / ph, roi_w / pw
    gh = attrs["sample_ratio"] if attrs["sample_ratio"] > 0 else int(math.ceil(roi_h / ph))
    gw = attrs["sample_ratio"] if attrs["sample_ratio"] > 0 else int(math.ceil(roi_w / pw))
    gh, gw = max(gh, 1) if roi_h > 0 else max(gh, 0), max(gw, 1) if roi_w > 0 else max(gw, 0)
    iy = (np.arange(ph)[:, None] * bin_h + (np.arange(gh)[None, :] + 0.5) * bin_h / max(gh, 1))
    ix = (np.arange(pw)[:, None] * bin_w + (np.arange(gw)[None, :] + 0.5) * bin_w / max(gw, 1))
    y = (y0 + iy)[:, None, :, None] + np.zeros((1, pw, 1, gw))
    x = (x0 + ix)[None, :, None, :] + np.zeros((ph, 1, gh, 1))
    y, x = y.reshape(ph, pw, -1), x.reshape(ph, pw, -1)
    outside = (y < -1.0) | (y > height) | (x < -1.0) | (x > width)
    y, x = np.maximum(y, 0), np.maximum(x, 0)
    y_low = np.minimum(np.floor(y).astype(np.int64), height - 1)
    x_low = np.minimum(np.floor(x).astype(np.int64), width - 1)
    y_high = np.minimum(y_low + 1, height - 1)
    x_high = np.minimum(x_low + 1, width - 1)
    y = np.where(y_low >= height - 1, y_low, y)
    x = np.where(x_low >= width - 1, x_low, x)
    ly, lx = y - y_low, x - x_low
    hy, hx = 1 - ly, 1 - lx
    index = np.stack([y_low * width + x_low, y_low * width + x_high,
                      y_high * width + x_low, y_high * width + x_high], axis=-1)
    weight = np.stack([hy * hx, hy * lx, ly * hx, ly * lx], axis=-1)
    weight[outside] = 0
    count = max(gh * gw, 1)
    return index, weight / count


def _roi_channels(c_in, attrs):
    ph, pw = attrs["pooled_size"]
    return c_in // (ph * pw) if attrs["position_sensitive"] else c_in


def _roi_plan(xp, rois, attrs, shape):
    """Per roi: (batch index or -1, indices, weights) with the sample geometry (host side: the
    sample counts depend on each roi's size)."""
    host = xp.asnumpy(rois) if hasattr(xp, "asnumpy") else rois
    plan = []
    for roi in host:
        b = int(roi[0])
        if b < 0:
            plan.append((b, None, None))
            continue
        index, weight = _roi_samples(roi, attrs, shape[2], shape[3])
        plan.append((b, xp.asarray(index), xp.asarray(weight)))
    return plan


def _channel_picker(xp, c_out, attrs):
    """Input channel for each (output channel, bin) of position-sensitive pooling."""
    ph, pw = attrs["pooled_size"]
    c = xp.arange(c_out)[:, None, None]
    return (c * ph + xp.arange(ph)[None, :, None]) * pw + xp.arange(pw)[None, None, :]


@operator("_contrib_ROIAlign", params=_ROI, inputs=("data", "rois"), hint="roialign")
class ROIAlign:
    """This operator takes a 4D feature map as an input array and region proposals as rois
    (num_rois, 5) [batch_index, x1, y1, x2, y2], then averages bilinearly sampled values of
    each of pooled_size bins; rois with a negative batch index give zeros. With
    position_sensitive, bin (i, j) of output channel c reads input channel (c*ph + i)*pw + j."""
    def compute(xp, inputs, attrs):
        data, rois = inputs
        n, c_in, h, w = data.shape
        ph, pw = attrs["pooled_size"]
        c_out = _roi_channels(c_in, attrs)
        out = xp.zeros((rois.shape[0], c_out, ph, pw), dtype=data.dtype)
        flat = data.reshape(n, c_in, h * w)
        picker = _channel_picker(xp, c_out, attrs) if attrs["position_sensitive"] else None
        for r, (b, index, weight) in enumerate(_roi_plan(xp, rois, attrs, data.shape)):
            if b < 0:
                continue
            values = flat[b][:, index]                      # (c_in, ph, pw, S, 4)
            pooled = (values * weight[None]).sum(axis=(-1, -2))
            if picker is not None:
                pooled = pooled[picker, xp.arange(ph)[None, :, None], xp.arange(pw)[None, None, :]]
            out[r] = pooled
        return out

    def infer_shape(attrs, in_shapes):
        data, rois = in_shapes
        if rois is not None and (len(rois) != 2 or rois[1] != 5):
            raise ShapeError("ROIAlign: rois must be (num_rois, 5), found %s" % (tuple(rois),))
        if data is None or rois is None:
            return in_shapes, [None]
        ph, pw = attrs["pooled_size"]
        return in_shapes, [(rois[0], _roi_channels(data[1], attrs), ph, pw)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_ROIAlign(out_grads[0], inputs[1], inputs[0], **attrs),
                F.zeros_like(inputs[1])]


@operator("_backward_contrib_ROIAlign", params=_ROI, inputs=("ograd", "rois", "data"))
class BackwardROIAlign:
    """The gradient of ROIAlign: each bin's gradient spread back onto the pixels its samples
    interpolated, with the same weights."""
    def compute(xp, inputs, attrs):
        og, rois, data = inputs
        n, c_in, h, w = data.shape
        ph, pw = attrs["pooled_size"]
        grad = xp.zeros((n, c_in, h * w), dtype=og.dtype)
        for r, (b, index, weight) in enumerate(_roi_plan(xp, rois, attrs, data.shape)):
            if b < 0:
                continue
            g = og[r]                                        # (c_out, ph, pw)
            if attrs["position_sensitive"]:
                full = xp.zeros((c_in, ph, pw), dtype=og.dtype)
                picker = _channel_picker(xp, g.shape[0], attrs)
                full[picker, xp.arange(ph)[None, :, None], xp.arange(pw)[None, None, :]] = g
                g = full
            contrib = g[:, :, :, None, None] * weight[None]  # (c_in, ph, pw, S, 4)
            target = grad[b]
            cols = xp.broadcast_to(index[None], contrib.shape).reshape(c_in, -1)
            rows = xp.broadcast_to(xp.arange(c_in)[:, None], cols.shape)
            xp.add.at(target, (rows, cols), contrib.reshape(c_in, -1))
        return grad.reshape(data.shape)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]
