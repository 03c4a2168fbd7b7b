"""Convolution (1-D NCW, 2-D NCHW, 3-D NCDHW) as im2col + one matrix product per group, and its
two backward kernels (data by col2im, weight/bias by a product with the same columns)."""
from ...base import ShapeError
from ..params import Shape, Int, Bool, Enum
from ..registry import operator
from ._layout import channels_first
from ._shapes import merge, prod
from ._windows import spatial_tuple, out_size, check_window_attrs, check_fits
from . import _conv_winograd
from ._conv_columns import columns_shape, conv_forward, weight_gradient, data_gradient, \
    ColumnsPlan, keeps_columns, weight_gradient_from_data

_LAYOUTS = (None, "NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC")
_PARAMS = {
    "kernel": Shape(low=1), "stride": Shape((), low=1), "dilate": Shape((), low=1),
    "pad": Shape((), low=0), "num_filter": Int(low=1), "num_group": Int(1, low=1),
    "workspace": Int(1024, low=0), "no_bias": Bool(False),
    "cudnn_tune": Enum((None, "off", "limited_workspace", "fastest"), None),
    "cudnn_off": Bool(False), "layout": Enum(_LAYOUTS, None),
}


def _check_attrs(attrs):
    """kernel of 1 to 3 dims; stride, dilate and pad as long as the kernel (or empty)."""
    return check_window_attrs(attrs, ("stride", "dilate", "pad"), kernel_required=True) or (
        None if attrs["num_filter"] % attrs["num_group"] == 0 else
        "num_filter %d is not divisible by num_group %d" % (attrs["num_filter"], attrs["num_group"]))


def _geometry(attrs, spatial):
    """(kernel, stride, dilate, pad, out) for data with these spatial sizes."""
    kernel = tuple(attrs["kernel"])
    nd = len(kernel)
    stride = spatial_tuple(attrs["stride"], nd, 1, "Convolution", "stride")
    dilate = spatial_tuple(attrs["dilate"], nd, 1, "Convolution", "dilate")
    pad = spatial_tuple(attrs["pad"], nd, 0, "Convolution", "pad")
    out = tuple(out_size(s, k, st, d, p) for s, k, st, d, p in zip(spatial, kernel, stride, dilate, pad))
    check_fits("Convolution", spatial, kernel, dilate, pad, out)
    return kernel, stride, dilate, pad, out


# Checked geometries and their columns plans by (attributes, input shapes): a layer called again
# with the same shapes skips shape inference, geometry and layout decisions (most of a small
# convolution's time).
_PLANS = {}


def _cached_plan(key, make, attrs, arrays):
    """_PLANS[key], made by make(attrs, arrays) the first time (never cached for unhashable
    attribute values)."""
    try:
        return _PLANS[key]
    except KeyError:
        pass
    except TypeError:       # an unhashable attribute value: no caching
        key = None
    found = make(attrs, arrays)
    if key is not None:
        if len(_PLANS) > 1024:
            _PLANS.clear()
        _PLANS[key] = found
    return found


def _checked_plan(attrs, inputs):
    """(geometry, ColumnsPlan) for the data, after checking that weight (and bias) fit it;
    cached."""
    key = (attrs["kernel"], attrs["stride"], attrs["dilate"], attrs["pad"], attrs["num_filter"],
           attrs["num_group"], attrs["no_bias"], inputs[0].shape, inputs[1].shape,
           inputs[2].shape if len(inputs) > 2 else None)
    return _cached_plan(key, _make_checked_plan, attrs, inputs)


def _make_checked_plan(attrs, inputs):
    Convolution.infer_shape(attrs, [x.shape for x in inputs])
    data = inputs[0]
    geometry = _geometry(attrs, data.shape[2:])
    return geometry, ColumnsPlan(data.shape, attrs["num_filter"], geometry, attrs["num_group"],
                                 not attrs["no_bias"])


def _columns_plan(attrs, data):
    """(geometry, ColumnsPlan) of data's columns, for a weight gradient made from the data
    (no weight to check); cached as _checked_plan's, under a key of its own."""
    key = (attrs["kernel"], attrs["stride"], attrs["dilate"], attrs["pad"], attrs["num_filter"],
           attrs["num_group"], attrs["no_bias"], data.shape)
    return _cached_plan(key, _make_columns_plan, attrs, data)


def _make_columns_plan(attrs, data):
    geometry = _columns_geometry(attrs, data)
    return geometry, ColumnsPlan(data.shape, attrs["num_filter"], geometry, attrs["num_group"],
                                 not attrs["no_bias"])


def _columns_geometry(attrs, data):
    """The geometry of data's im2col columns, after checking its rank."""
    kernel = tuple(attrs["kernel"])
    if len(data.shape) != len(kernel) + 2:
        raise ShapeError("Convolution: kernel %s needs %d-D data, found shape %s"
                         % (kernel, len(kernel) + 2, tuple(data.shape)))
    return _geometry(attrs, data.shape[2:])


@operator("Convolution", params=_PARAMS, hint="convolution", outputs=("output", "columns"),
          num_visible=1,
          inputs=lambda attrs: ("data", "weight") if attrs["no_bias"] else ("data", "weight", "bias"))
class Convolution:
    """Cross-correlation of data (N, C, *spatial) with num_filter kernels, plus bias.

    A hidden second output keeps the im2col columns, which the weight gradient reuses instead of
    copying the data again (about a sixth of a LeNet training step). Where the columns are
    large, or the layer has Winograd's shape (`_conv_columns.keeps_columns`), it holds the data
    itself instead (no copy). Large columns are then made a few images at a time, in the
    forward and again in the weight gradient, which is quicker than writing and keeping them
    whole; a layer of Winograd's shape runs all three passes through its transforms
    (_conv_winograd.py)."""
    check_attrs = _check_attrs
    def compute(xp, inputs, attrs):
        data, weight = inputs[0], inputs[1]
        geometry, plan = _checked_plan(attrs, inputs)        # weight and bias fit the data
        bias = None if attrs["no_bias"] else inputs[2]
        if plan.winograd and _conv_winograd.takes(xp, data, weight):
            return [_conv_winograd.forward(data, weight, bias, geometry[3], geometry[4]), data]
        result, cols = conv_forward(xp, data, weight, bias, geometry, attrs["num_group"],
                                    plan=plan, keep_columns=plan.keeps)
        return [result, cols if plan.keeps else data]

    def infer_shape(attrs, in_shapes):
        name = "Convolution"
        kernel, groups, filters = tuple(attrs["kernel"]), attrs["num_group"], attrs["num_filter"]
        data, weight = in_shapes[0], in_shapes[1]
        if filters % groups:
            raise ShapeError("Convolution: num_filter %d is not divisible by num_group %d"
                             % (filters, groups))
        if data is not None and len(data) != len(kernel) + 2:
            raise ShapeError("Convolution: kernel %s needs %d-D data (N, C, %s), found shape %s"
                             % (kernel, len(kernel) + 2, "spatial dims", tuple(data)))
        if data is not None and not data[1] and weight is not None and weight[1]:
            data = (data[0], weight[1] * groups) + tuple(data[2:])
        channels = data[1] if data is not None else 0
        if channels and channels % groups:
            raise ShapeError("Convolution: data has %d channels, not divisible by num_group %d"
                             % (channels, groups))
        weight = merge(weight, (filters, channels // groups) + kernel, name,
                       "weight (num_filter, channels / num_group, *kernel)")
        shapes = [data, weight]
        if not attrs["no_bias"]:
            shapes.append(merge(in_shapes[2], (filters,), name, "bias"))
        out = columns = None
        if data is not None:
            geometry = _geometry(attrs, list(data[2:]))
            out = (data[0], filters) + tuple(o if s else 0 for o, s in zip(geometry[4], data[2:]))
            if 0 not in out and data[1]:
                columns = columns_shape(data, kernel, out[2:], groups, not attrs["no_bias"]) \
                    if keeps_columns(data, filters, geometry, groups) else tuple(data)
        return shapes, [out, columns]

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        """The output's batch and spatial dims fill the data's: d = (o-1)*s + dilated k - 2p."""
        data, out = in_shapes[0], out_shapes[0]
        if out is None or data is None or len(out) != len(data):
            return in_shapes
        kernel = tuple(attrs["kernel"])
        n = len(kernel)
        stride = tuple(attrs["stride"]) or (1,) * n
        dilate = tuple(attrs["dilate"]) or (1,) * n
        pad = tuple(attrs["pad"]) or (0,) * n
        spatial = []
        for d, o, k, st, dl, p in zip(data[2:], out[2:], kernel, stride, dilate, pad):
            spatial.append(d or ((o - 1) * st + dl * (k - 1) + 1 - 2 * p if o else 0))
        return [(data[0] or out[0], data[1]) + tuple(spatial)] + list(in_shapes[1:])

    def infer_type(attrs, in_types):
        known = next((t for t in in_types if t is not None), None)
        return [known if t is None else t for t in in_types], [known, known]

    def gradient(F, attrs, inputs, outputs, out_grads, needs):
        og, data, weight = out_grads[0], inputs[0], inputs[1]
        # A first layer's data wants no gradient: skip its col2im.
        grad_data = F._backward_Convolution_data(og, data, weight, **attrs) if needs[0] else None
        param_grads = F._backward_Convolution_weight_columns(og, data, outputs[1], **attrs)
        if attrs["no_bias"]:
            return [grad_data, param_grads]
        return [grad_data, param_grads[0], param_grads[1]]


@operator("_backward_Convolution_data", params=_PARAMS, inputs=("ograd", "data", "weight"))
class BackwardConvolutionData:
    """Convolution's data gradient: weight^T . ograd as columns, summed back by col2im.
    (data is read only for its shape.)"""
    check_attrs = _check_attrs
    def compute(xp, inputs, attrs):
        og, data, weight = inputs
        groups = attrs["num_group"]
        if (len(weight.shape) != len(data.shape) or weight.shape[1] * groups != data.shape[1]
                or og.shape[1] != weight.shape[0] or og.shape[0] != data.shape[0]):
            raise ShapeError("_backward_Convolution_data: expected weight (num_filter, channels / "
                             "num_group, *kernel) and ograd (batch, num_filter, *out) for data %s "
                             "and num_group %d, found weight %s and ograd %s"
                             % (tuple(data.shape), groups, tuple(weight.shape), tuple(og.shape)))
        geometry = _geometry(attrs, data.shape[2:])
        if _conv_winograd.applies(xp, data.shape, weight.shape[0], geometry, attrs["num_group"],
                                  og, weight):
            return _conv_winograd.data_gradient(og, weight, geometry[3], data.shape)
        return data_gradient(xp, og, weight, data.shape, geometry, attrs["num_group"])

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def unused_inputs(attrs):
        return (1,)        # data: its shape only

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, data, weight = inputs
        g = out_grads[0]
        # Bilinear in (ograd, weight): d/d(ograd) = conv(g, weight), d/d(weight) = weight grad of g.
        plain = dict(attrs, no_bias=True)
        return [F.Convolution(g, weight, **plain), None,
                F._backward_Convolution_weight(og, g, **plain)]


def _weight_outputs(attrs):
    return ("weight_grad",) if attrs["no_bias"] else ("weight_grad", "bias_grad")


def _weight_gradient(xp, og, data, attrs, cols=None):
    """[weight gradient, bias gradient unless no_bias]: ograd . columns^T per group, from the
    forward's columns `cols` (made with the same no_bias, so they carry the ones that yield
    the bias gradient), or, without them, recomputed from data (in pieces where the forward
    keeps none)."""
    if og.shape[1] != attrs["num_filter"]:
        raise ShapeError("Convolution's weight gradient: ograd %s has %d channels, num_filter is "
                         "%d" % (tuple(og.shape), og.shape[1], attrs["num_filter"]))
    bias, groups = not attrs["no_bias"], attrs["num_group"]
    if cols is None:
        geometry, plan = _columns_plan(attrs, data)
        if plan.winograd and _conv_winograd.takes(xp, data, og):
            grad_w, grad_b = _conv_winograd.weight_gradient(og, data, geometry[3], bias)
        else:
            grad_w, grad_b = weight_gradient_from_data(xp, og, data, geometry, groups, bias,
                                                       plan)
    else:
        grad_w, grad_b = weight_gradient(xp, og, cols, data.shape[1], tuple(attrs["kernel"]),
                                         groups, bias)
    return [grad_w, grad_b] if bias else [grad_w]


def _weight_gradient_shapes(attrs, in_shapes):
    data = in_shapes[1]
    filters, kernel = attrs["num_filter"], tuple(attrs["kernel"])
    channels = data[1] // attrs["num_group"] if data is not None else 0
    outs = [(filters, channels) + kernel]
    if not attrs["no_bias"]:
        outs.append((filters,))
    return in_shapes, outs


def _weight_gradient_types(attrs, in_types):
    known = next((t for t in in_types if t is not None), None)
    return [known] * len(in_types), [known] * (1 if attrs["no_bias"] else 2)


def _weight_gradient_gradient(F, attrs, og, data, out_grads):
    """The weight gradient is bilinear in (ograd, data): its gradients are a convolution of data
    and a data gradient."""
    g_weight = out_grads[0]
    plain = dict(attrs, no_bias=True)
    if attrs["no_bias"]:
        grad_og = F.Convolution(data, g_weight, **plain)
    else:  # the bias gradient's own gradient enters as a bias
        grad_og = F.Convolution(data, g_weight, out_grads[1], **attrs)
    return [grad_og, F._backward_Convolution_data(og, data, g_weight, **plain)]


@operator("_backward_Convolution_weight", params=_PARAMS, inputs=("ograd", "data"),
          outputs=_weight_outputs)
class BackwardConvolutionWeight:
    """Convolution's weight and bias gradients from (ograd, data)."""
    check_attrs = _check_attrs
    def compute(xp, inputs, attrs):
        og, data = inputs
        return _weight_gradient(xp, og, data, attrs)

    infer_shape = _weight_gradient_shapes
    infer_type = _weight_gradient_types

    def gradient(F, attrs, inputs, outputs, out_grads):
        return _weight_gradient_gradient(F, attrs, inputs[0], inputs[1], out_grads)


@operator("_backward_Convolution_weight_columns", params=_PARAMS,
          inputs=("ograd", "data", "columns"), outputs=_weight_outputs)
class BackwardConvolutionWeightColumns:
    """The same gradients from the forward's cached im2col columns of data (Convolution's hidden
    output), which saves copying the data again."""
    check_attrs = _check_attrs
    def compute(xp, inputs, attrs):
        og, data, cols = inputs
        geometry = _geometry(attrs, data.shape[2:])
        if not keeps_columns(data.shape, og.shape[1], geometry, attrs["num_group"]):
            return _weight_gradient(xp, og, cols, attrs)   # the forward kept the data
        return _weight_gradient(xp, og, data, attrs, cols)

    def unused_inputs(attrs):
        return (1,)        # data: its shape only (the columns hold its values)

    infer_shape = _weight_gradient_shapes
    infer_type = _weight_gradient_types

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The columns are a cache of data: the full derivative goes to data, none to columns.
        return _weight_gradient_gradient(F, attrs, inputs[0], inputs[1], out_grads) + [None]


# Channel-last layouts (NWC, NHWC, NDHWC; weights (F, *kernel, C/g)) by moving the channel axis.
channels_first(Convolution, (0, 1), (0,))
channels_first(BackwardConvolutionData, (0, 1, 2), (0,))
channels_first(BackwardConvolutionWeight, (0, 1), (0,))
channels_first(BackwardConvolutionWeightColumns, (0, 1), (0,))
