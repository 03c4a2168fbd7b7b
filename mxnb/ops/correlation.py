"""Correlation (FlowNet's correlation layer): for every position of the first feature map and
every displacement in a (2 * max_displacement / stride2 + 1)^2 neighbourhood, the mean over
channels and a kernel_size window of data1 * data2 (or |data1 - data2|)."""
import math

from ..base import ShapeError
from .params import Bool, Int
from .registry import operator

_CORR = {"kernel_size": Int(1, doc="kernel size for Correlation must be an odd number", low=1),
         "max_displacement": Int(1, doc="Max displacement of Correlation ", low=0),
         "stride1": Int(1, doc="stride1 quantize data1 globally", low=1),
         "stride2": Int(1, doc="stride2 quantize data2 within the neighborhood", low=1),
         "pad_size": Int(0, doc="pad for Correlation", low=0),
         "is_multiply": Bool(True, doc="operation type is either multiplication or "
                                       "subduction")}


def _geometry(attrs, height, width):
    """(grid radius, grid width, top height, top width)."""
    k, md, s1, s2, pad = (attrs[key] for key in ("kernel_size", "max_displacement", "stride1",
                                                  "stride2", "pad_size"))
    border = md + (k - 1) // 2
    top_h = int(math.ceil((height + 2 * pad - 2 * border) / s1))
    top_w = int(math.ceil((width + 2 * pad - 2 * border) / s1))
    radius = md // s2
    return radius, 2 * radius + 1, top_h, top_w


def _windows(attrs, top_h, top_w, radius, grid):
    """For every (output channel, kernel offset): the padded-map slices of data1 and data2."""
    k, md, s1, s2 = (attrs[key] for key in ("kernel_size", "max_displacement", "stride1",
                                             "stride2"))
    for tc in range(grid * grid):
        dx = (tc % grid - radius) * s2
        dy = (tc // grid - radius) * s2
        for h in range(k):
            for w in range(k):
                y1, x1 = md + h, md + w
                first = (slice(y1, y1 + s1 * (top_h - 1) + 1, s1),
                         slice(x1, x1 + s1 * (top_w - 1) + 1, s1))
                second = (slice(y1 + dy, y1 + dy + s1 * (top_h - 1) + 1, s1),
                          slice(x1 + dx, x1 + dx + s1 * (top_w - 1) + 1, s1))
                yield tc, first, second


def _pad(xp, x, pad):
    return xp.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]) if pad else x


@operator("Correlation", params=_CORR, inputs=("data1", "data2"))
class Correlation:
    """Applies correlation to inputs (N, C, H, W): output channel (i * grid + j) holds, at each
    position, the mean over channels and the kernel window of data1 times data2 displaced by
    ((i - r) * stride2, (j - r) * stride2), r = max_displacement // stride2 (absolute
    differences instead when is_multiply is False)."""
    def check_attrs(attrs):
        if attrs["kernel_size"] % 2 == 0:
            return "kernel_size must be odd, found %d" % attrs["kernel_size"]
        return None

    def compute(xp, inputs, attrs):
        a, b = inputs
        Correlation.infer_shape(attrs, [a.shape, b.shape])
        n, c, h, w = a.shape
        radius, grid, top_h, top_w = _geometry(attrs, h, w)
        p1, p2 = _pad(xp, a, attrs["pad_size"]), _pad(xp, b, attrs["pad_size"])
        out = xp.zeros((n, grid * grid, top_h, top_w), dtype=a.dtype)
        for tc, s1, s2 in _windows(attrs, top_h, top_w, radius, grid):
            x1, x2 = p1[:, :, s1[0], s1[1]], p2[:, :, s2[0], s2[1]]
            term = x1 * x2 if attrs["is_multiply"] else xp.abs(x1 - x2)
            out[:, tc] += term.sum(axis=1)
        return out / a.dtype.type(attrs["kernel_size"] ** 2 * c)

    def infer_shape(attrs, in_shapes):
        a, b = in_shapes
        shape = a or b
        if shape is None:
            return in_shapes, [None]
        if len(shape) != 4 or (a is not None and b is not None and tuple(a) != tuple(b)):
            raise ShapeError("Correlation: data1 and data2 must be (N, C, H, W) of one shape, "
                             "found %s and %s" % (a, b))
        if attrs["kernel_size"] % 2 == 0:
            raise ShapeError("Correlation: kernel_size must be odd, found %d" % attrs["kernel_size"])
        radius, grid, top_h, top_w = _geometry(attrs, shape[2], shape[3])
        if top_h < 1 or top_w < 1:
            raise ShapeError("Correlation: a %dx%d map with pad_size %d is too small for "
                             "max_displacement %d and kernel_size %d"
                             % (shape[2], shape[3], attrs["pad_size"], attrs["max_displacement"],
                                attrs["kernel_size"]))
        return [shape, shape], [(shape[0], grid * grid, top_h, top_w)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Correlation(out_grads[0], inputs[0], inputs[1], **attrs)
        return [grads[0], grads[1]]


@operator("_backward_Correlation", params=_CORR, inputs=("ograd", "data1", "data2"),
          outputs=("grad1", "grad2"))
class BackwardCorrelation:
    """The gradients of Correlation with respect to data1 and data2."""
    def check_attrs(attrs):
        return Correlation.check_attrs(attrs)

    def compute(xp, inputs, attrs):
        og, a, b = inputs
        n, c, h, w = a.shape
        pad = attrs["pad_size"]
        radius, grid, top_h, top_w = _geometry(attrs, h, w)
        p1, p2 = _pad(xp, a, pad), _pad(xp, b, pad)
        g1, g2 = xp.zeros_like(p1), xp.zeros_like(p2)
        scale = a.dtype.type(1.0 / (attrs["kernel_size"] ** 2 * c))
        for tc, s1, s2 in _windows(attrs, top_h, top_w, radius, grid):
            x1, x2 = p1[:, :, s1[0], s1[1]], p2[:, :, s2[0], s2[1]]
            g = og[:, tc][:, None] * scale
            if attrs["is_multiply"]:
                g1[:, :, s1[0], s1[1]] += g * x2
                g2[:, :, s2[0], s2[1]] += g * x1
            else:
                sign = xp.where(x1 >= x2, 1, -1).astype(a.dtype)
                g1[:, :, s1[0], s1[1]] += g * sign
                g2[:, :, s2[0], s2[1]] -= g * sign
        inner = (slice(None), slice(None), slice(pad, pad + h), slice(pad, pad + w))
        return [g1[inner], g2[inner]]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1], in_types[2]]
