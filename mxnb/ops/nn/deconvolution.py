"""Deconvolution (transposed convolution, 1-D/2-D/3-D, groups, adj, target_shape).

A deconvolution is the transpose of a convolution with the same weight: its forward pass is a
convolution's data gradient, its data gradient a convolution, its weight gradient a
convolution's weight gradient with data and ograd swapped. So the kernels below call the
Convolution kernels; the padding they use depends on the input size when `target_shape` is
given, which is why the one backward kernel takes the data (for its shape).
"""
from ...base import ShapeError
from ..params import Shape, Int, Bool, Enum
from ..registry import operator, get
from ._layout import channels_first
from ._shapes import merge
from ._windows import spatial_tuple

_LAYOUTS = (None, "NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC")
_PARAMS = {
    "kernel": Shape(low=1), "stride": Shape((), low=1), "dilate": Shape((), low=1),
    "pad": Shape((), low=0), "adj": Shape((), low=0), "target_shape": Shape((), low=0),
    "num_filter": Int(low=1), "num_group": Int(1, low=1), "workspace": Int(512), "no_bias": Bool(True),
    "cudnn_tune": Enum((None, "off", "limited_workspace", "fastest"), None),
    "cudnn_off": Bool(False), "layout": Enum(_LAYOUTS, None),
}


def _check_attrs(attrs):
    n = len(attrs["kernel"])
    for key in ("stride", "dilate", "pad", "adj", "target_shape"):
        if attrs[key] and len(attrs[key]) != n:
            return "%s %s must have one entry per kernel dim (kernel %s)" % (
                key, tuple(attrs[key]), tuple(attrs["kernel"]))
    if attrs["num_filter"] % attrs["num_group"]:
        return "num_filter %d is not divisible by num_group %d" % (attrs["num_filter"],
                                                                   attrs["num_group"])
    return None


def geometry(attrs, spatial):
    """(pad, adj, out): the effective padding and extra size, and the output's spatial size."""
    kernel = tuple(attrs["kernel"])
    nd = len(kernel)
    stride = spatial_tuple(attrs["stride"], nd, 1, "Deconvolution", "stride")
    dilate = spatial_tuple(attrs["dilate"], nd, 1, "Deconvolution", "dilate")
    target = tuple(attrs["target_shape"]) if attrs["target_shape"] else (0,) * nd
    pads, adjs, outs = [], [], []
    for i in range(nd):
        full = stride[i] * (spatial[i] - 1) + dilate[i] * (kernel[i] - 1) + 1
        if target[i]:
            if full < target[i]:
                raise ShapeError("Deconvolution: target_shape %s is larger than the largest output "
                                 "%d the input allows along spatial dim %d"
                                 % (target, full, i))
            total = full - target[i]
            pad, adj = (total + 1) // 2, total % 2
        else:
            pad = spatial_tuple(attrs["pad"], nd, 0, "Deconvolution", "pad")[i]
            adj = spatial_tuple(attrs["adj"], nd, 0, "Deconvolution", "adj")[i]
            if adj >= stride[i] and adj:
                raise ShapeError("Deconvolution: adj %s must be smaller than stride %s"
                                 % (tuple(attrs["adj"]), stride))
        pads.append(pad)
        adjs.append(adj)
        outs.append(full - 2 * pad + adj)
    if any(o < 1 for o in outs):
        raise ShapeError("Deconvolution: pad %s leaves no output for input size %s"
                         % (tuple(pads), tuple(spatial)))
    return tuple(pads), tuple(adjs), tuple(outs)


def conv_attrs(attrs, pad, channels):
    """The Convolution whose transpose this deconvolution is (num_filter = data channels)."""
    nd = len(attrs["kernel"])
    return {"kernel": tuple(attrs["kernel"]),
            "stride": spatial_tuple(attrs["stride"], nd, 1, "Deconvolution", "stride"),
            "dilate": spatial_tuple(attrs["dilate"], nd, 1, "Deconvolution", "dilate"),
            "pad": pad, "num_filter": channels, "num_group": attrs["num_group"], "no_bias": True,
            "layout": None}


class _ShapeOnly:
    """Stands in for an array that a kernel reads only for its shape."""
    def __init__(self, shape):
        self.shape = tuple(shape)


def _deconvolve(xp, data, weight, attrs):
    pad, _, out = geometry(attrs, data.shape[2:])
    n = data.shape[0]
    like = _ShapeOnly((n, weight.shape[1] * attrs["num_group"]) + out)
    return get("_backward_Convolution_data").compute(
        xp, [data, like, weight], conv_attrs(attrs, pad, data.shape[1]))


def _inputs(attrs):
    return ("data", "weight") if attrs["no_bias"] else ("data", "weight", "bias")


@operator("Deconvolution", params=_PARAMS, inputs=_inputs, hint="deconvolution")
class Deconvolution:
    """Transposed convolution of data (N, C, *spatial) with weight (C, num_filter/num_group,
    *kernel): each input element scatters kernel-weighted copies into the output. Output size
    stride*(in-1) + dilate*(kernel-1) + 1 - 2*pad + adj, or target_shape when given."""
    check_attrs = _check_attrs

    def compute(xp, inputs, attrs):
        data, weight = inputs[0], inputs[1]
        Deconvolution.infer_shape(attrs, [x.shape for x in inputs])   # weight and bias shapes
        out = _deconvolve(xp, data, weight, attrs)
        if not attrs["no_bias"]:
            out += inputs[2].reshape((1, -1) + (1,) * (out.ndim - 2))
        return out

    def infer_shape(attrs, in_shapes):
        kernel, groups, filters = tuple(attrs["kernel"]), attrs["num_group"], attrs["num_filter"]
        data = in_shapes[0]
        if data is not None and len(data) != len(kernel) + 2:
            raise ShapeError("Deconvolution: kernel %s needs %d-D data (N, C, *spatial), found %s"
                             % (kernel, len(kernel) + 2, tuple(data)))
        channels = data[1] if data is not None else 0
        weight = merge(in_shapes[1], (channels, filters // groups) + kernel, "Deconvolution",
                       "weight (channels, num_filter / num_group, *kernel)")
        if data is not None and not data[1] and weight[0]:
            data = (data[0], weight[0]) + tuple(data[2:])
        shapes = [data, weight]
        if not attrs["no_bias"]:
            shapes.append(merge(in_shapes[2], (filters,), "Deconvolution", "bias"))
        out = None
        if data is not None:
            sizes = geometry(attrs, [s or 1 for s in data[2:]])[2]
            out = (data[0], filters) + tuple(o if s else 0 for o, s in zip(sizes, data[2:]))
        return shapes, [out]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Deconvolution(out_grads[0], inputs[0], inputs[1], **attrs)
        return list(grads)


def _backward_outputs(attrs):
    return ("data_grad", "weight_grad") if attrs["no_bias"] else \
        ("data_grad", "weight_grad", "bias_grad")


@operator("_backward_Deconvolution", params=_PARAMS, inputs=("ograd", "data", "weight"),
          outputs=_backward_outputs)
class BackwardDeconvolution:
    """Deconvolution's gradients from (ograd, data, weight): the data gradient is the convolution
    of ograd with weight, the weight gradient a convolution weight gradient with data as ograd."""
    check_attrs = _check_attrs

    def compute(xp, inputs, attrs):
        og, data, weight = inputs
        BackwardDeconvolution.infer_shape(attrs, [og.shape, data.shape, weight.shape])
        pad = geometry(attrs, data.shape[2:])[0]
        conv = conv_attrs(attrs, pad, data.shape[1])
        grad_data = get("Convolution").compute(xp, [og, weight], conv)[0]
        grad_weight = get("_backward_Convolution_weight").compute(xp, [data, og], conv)[0]
        grads = [grad_data, grad_weight]
        if not attrs["no_bias"]:
            grads.append(og.sum(axis=(0,) + tuple(range(2, og.ndim))))
        return grads

    def infer_shape(attrs, in_shapes):
        og = in_shapes[0]
        if og is not None and in_shapes[1] is not None:   # ograd is shaped as the output
            forward = Deconvolution.infer_shape(dict(attrs, no_bias=True), list(in_shapes[1:]))
            out = forward[1][0]
            if out is not None and 0 not in out and tuple(og) != tuple(out):
                raise ShapeError("_backward_Deconvolution: expected ograd of shape %s (the "
                                 "output's), found %s" % (tuple(out), tuple(og)))
        outs = [in_shapes[1], in_shapes[2]]
        if not attrs["no_bias"]:
            outs.append((attrs["num_filter"],))
        return in_shapes, outs

    def infer_type(attrs, in_types):
        known = next((t for t in in_types if t is not None), None)
        return [known] * 3, [known] * (2 if attrs["no_bias"] else 3)

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Bilinear in (ograd, weight) and (ograd, data): the gradients are deconvolutions and
        # this kernel again, with the incoming gradients in the roles of data and weight.
        og, data, weight = inputs
        g_data, g_weight = out_grads[0], out_grads[1]
        plain = dict(attrs, no_bias=True)
        if attrs["no_bias"]:
            grad_og = F.Deconvolution(data, g_weight, **plain)
        else:
            grad_og = F.Deconvolution(data, g_weight, out_grads[2], **attrs)
        grad_og = grad_og + F.Deconvolution(g_data, weight, **plain)
        grad_data = F._backward_Deconvolution(og, data, g_weight, **plain)[0]
        grad_weight = F._backward_Deconvolution(og, g_data, weight, **plain)[1]
        return [grad_og, grad_data, grad_weight]


# Channel-last layouts (NWC, NHWC, NDHWC; weights (C, *kernel, F/g)) by moving the channel axis.
channels_first(Deconvolution, (0, 1), (0,))
channels_first(BackwardDeconvolution, (0, 1, 2), (0, 1))
