"""softmax / log_softmax / softmin along an axis (with temperature), SoftmaxActivation (instance/channel),
and their backward kernels."""
from ...base import MXNetError, ShapeError
from ..params import Bool, Int, OptFloat, OptDType, Enum
from ..registry import operator, same_shape_backward

_SOFTMAX = {"axis": Int(-1, doc="The axis along which to compute softmax."),
            "temperature": OptFloat(low=0.0, low_open=True, doc="Temperature parameter in softmax"),
            "dtype": OptDType(doc="DType of the output in case this can't be inferred. Defaults "
                                  "to the same as input's dtype if not defined (dtype=None)."),
            "use_length": Bool(False, doc="Whether a second input, length, gives how many "
                                          "leading entries along axis each slice uses.")}


_SHORT_ROWS = 32          # a last axis this short reduces faster transposed (see _max_kept)


def _max_kept(xp, x, axis):
    """x.max(axis, keepdims=True). Along a short last axis (a classifier's scores) the
    reduction runs over the transposed copy instead: the maxima of many short rows then come
    from a few long elementwise passes, not one tiny loop per row (a third of the time for
    (64, 10) on NumPy). The maximum is exact whatever the order, so the values are the same."""
    n = x.shape[-1] if x.ndim else 0
    if 1 < n <= _SHORT_ROWS and x.ndim >= 2 and axis in (-1, x.ndim - 1) and x.size <= 1 << 16:
        rows = xp.ascontiguousarray(x.reshape(-1, n).T)
        return rows.max(axis=0).reshape(x.shape[:-1] + (1,))
    return x.max(axis=axis, keepdims=True)


def softmax(xp, x, axis):
    e = x - _max_kept(xp, x, axis)
    xp.exp(e, out=e)                 # in place: one temporary the size of x, not two
    e /= e.sum(axis=axis, keepdims=True)
    return e


def log_softmax(xp, x, axis):
    shifted = x - _max_kept(xp, x, axis)
    e = xp.exp(shifted)
    shifted -= xp.log(e.sum(axis=axis, keepdims=True))      # in place: two temporaries, not three
    return shifted


def _scaled(x, attrs):
    t = attrs["temperature"]
    return x if t is None or t == 1.0 else x / x.dtype.type(t)


def _out_dtype(attrs, in_types):
    out = attrs["dtype"] if attrs["dtype"] is not None else in_types[0]
    return in_types, [out]


def _length_mask(xp, x, lengths, axis):
    """Where along `axis` each slice of x is within its length: lengths has x's shape without
    `axis` and an integer dtype (checked here, as MXNet does)."""
    if lengths.dtype.kind not in "iu":
        raise MXNetError("softmax: length must be an array of integers, found %s" % lengths.dtype)
    axis = axis % x.ndim
    expected = x.shape[:axis] + x.shape[axis + 1:]
    if tuple(lengths.shape) != expected:
        raise ShapeError("softmax: length must have the data's shape without axis %d, %s; found %s"
                         % (axis, expected, tuple(lengths.shape)))
    steps = xp.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
    return steps < xp.expand_dims(lengths, axis)


def masked_softmax(xp, x, lengths, axis):
    """softmax of the first lengths[...] entries of each slice along `axis`; zeros after them
    (a length of 0, or below, gives a slice of zeros; one above the axis's size, all of it)."""
    mask = _length_mask(xp, x, lengths, axis)
    e = xp.where(mask, x, xp.asarray(-xp.inf, dtype=x.dtype))
    top = e.max(axis=axis, keepdims=True)
    e -= xp.where(xp.isfinite(top), top, xp.zeros((), dtype=x.dtype))
    xp.exp(e, out=e)                 # exp(-inf) = 0 past each length
    total = e.sum(axis=axis, keepdims=True)
    e /= xp.where(total == 0, xp.ones((), dtype=x.dtype), total)
    return e


def _softmax_shapes(attrs, in_shapes):
    """The output is the data's shape; length has it without `axis`."""
    data = in_shapes[0]
    if not attrs["use_length"] or data is None:
        return in_shapes, [data]
    axis = attrs["axis"] % len(data)
    return [data, tuple(data[:axis]) + tuple(data[axis + 1:])], [data]


def _softmax_types(attrs, in_types):
    in_types, out = _out_dtype(attrs, in_types)
    if attrs["use_length"] and in_types[1] is None:
        in_types = [in_types[0], "int32"]
    return in_types, out


@operator("softmax", params=_SOFTMAX,
          inputs=lambda attrs: ("data", "length") if attrs["use_length"] else ("data",))
class Softmax:
    """exp(x / T) normalised to sum to 1 along `axis`; with use_length, over the first
    length[...] entries of each slice only, the rest 0."""
    def compute(xp, inputs, attrs):
        x = _scaled(inputs[0], attrs)
        if attrs["use_length"]:
            out = masked_softmax(xp, x, inputs[1], attrs["axis"])
        else:
            out = softmax(xp, x, attrs["axis"])
        return out if attrs["dtype"] is None else out.astype(attrs["dtype"])

    infer_shape = _softmax_shapes
    infer_type = _softmax_types

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        """The output's known dims fill the data's (the length's follow from the data's)."""
        return same_shape_backward(attrs, in_shapes[:1], out_shapes) + list(in_shapes[1:])

    def gradient(F, attrs, inputs, outputs, out_grads):
        # past each length the output is 0, and so is out * (og - sum(og * out)): the masked
        # softmax's gradient is the plain one; the integer lengths get none
        grad = F._backward_softmax(out_grads[0], outputs[0], axis=attrs["axis"],
                                   temperature=attrs["temperature"])
        return [grad, None] if attrs["use_length"] else [grad]


def _no_length(attrs):
    """MXNet 1.9.1's log_softmax and softmin declare softmax's use_length but take no length
    input: use_length=True cannot be served (the unmasked result would be silently wrong)."""
    if attrs["use_length"]:
        return "use_length=True needs a length input, which this operator does not take " \
               "(softmax does)"
    return None


@operator("log_softmax", params=_SOFTMAX)
class LogSoftmax:
    """log(softmax(x / T)) along `axis`, computed stably."""
    check_attrs = _no_length

    def compute(xp, inputs, attrs):
        x = inputs[0]
        out = log_softmax(xp, _scaled(x, attrs), attrs["axis"])
        return out if attrs["dtype"] is None else out.astype(attrs["dtype"])

    infer_type = _out_dtype

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_log_softmax(out_grads[0], outputs[0], axis=attrs["axis"],
                                        temperature=attrs["temperature"])]


@operator("softmin", params=_SOFTMAX)
class Softmin:
    """Applies the softmin function: softmax of -data / temperature along `axis`, so the
    smallest entries get the largest weights."""
    check_attrs = _no_length

    def compute(xp, inputs, attrs):
        out = softmax(xp, _scaled(-inputs[0], attrs), attrs["axis"])
        return out if attrs["dtype"] is None else out.astype(attrs["dtype"])

    infer_type = _out_dtype

    def gradient(F, attrs, inputs, outputs, out_grads):
        # softmax's gradient of -x / T: -(og - sum(og * y)) * y / T
        return [F.negative(F._backward_softmax(out_grads[0], outputs[0], axis=attrs["axis"],
                                               temperature=attrs["temperature"]))]


_BACKWARD = {"axis": Int(-1), "temperature": OptFloat(low=0.0, low_open=True)}


def _temper(F, x, attrs):
    """x / T, as registered operators (nothing when there is no temperature)."""
    t = attrs.get("temperature")
    return x if t is None or t == 1.0 else F._div_scalar(x, scalar=float(t))


def _softmax_grad_grads(F, g, og, out, axis, attrs):
    """Gradients of G = out * (og - sum(og * out)) / T, given G's incoming gradient g:
    d/d og = out * (g - sum(g * out)) / T; d/d out = (g * (og - sum(og * out)) - og * sum(g * out)) / T."""
    s_og = F.sum(F.elemwise_mul(og, out), axis=axis, keepdims=True)
    s_g = F.sum(F.elemwise_mul(g, out), axis=axis, keepdims=True)
    grad_og = F.elemwise_mul(out, F.broadcast_sub(g, s_g))
    grad_out = F.elemwise_sub(F.elemwise_mul(g, F.broadcast_sub(og, s_og)), F.broadcast_mul(og, s_g))
    return _temper(F, grad_og, attrs), _temper(F, grad_out, attrs)


def _grad_shape(attrs, in_shapes):
    known = in_shapes[0] if in_shapes[0] is not None else in_shapes[1]
    return [known, known], [known]


@operator("_backward_softmax", params=_BACKWARD, inputs=("ograd", "output"))
class BackwardSoftmax:
    """softmax's input gradient from (ograd, output): out * (og - sum(og * out)) / T."""
    def compute(xp, inputs, attrs):
        og, out = inputs
        grad = out * (og - (og * out).sum(axis=attrs["axis"], keepdims=True))
        return _scaled(grad.astype(og.dtype, copy=False), attrs)

    infer_shape = _grad_shape

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, out = inputs
        return list(_softmax_grad_grads(F, out_grads[0], og, out, attrs["axis"], attrs))


@operator("_backward_log_softmax", params=_BACKWARD, inputs=("ograd", "output"))
class BackwardLogSoftmax:
    """log_softmax's input gradient from (ograd, output): (og - exp(out) * sum(og)) / T."""
    def compute(xp, inputs, attrs):
        og, out = inputs
        grad = xp.exp(out)
        grad *= og.sum(axis=attrs["axis"], keepdims=True)
        xp.subtract(og, grad, out=grad)           # og - e^out * sum(og), in one temporary
        return _scaled(grad.astype(og.dtype, copy=False), attrs)

    infer_shape = _grad_shape

    def gradient(F, attrs, inputs, outputs, out_grads):
        # G = (og - e^out * sum(og)) / T: d/d og = (g - sum(g * e^out)) / T,
        # d/d out = -g * e^out * sum(og) / T.
        og, out = inputs
        g = out_grads[0]
        axis = attrs["axis"]
        e = F.exp(out)
        grad_og = F.broadcast_sub(g, F.sum(F.elemwise_mul(g, e), axis=axis, keepdims=True))
        grad_out = F.negative(F.broadcast_mul(F.elemwise_mul(g, e),
                                              F.sum(og, axis=axis, keepdims=True)))
        return [_temper(F, grad_og, attrs), _temper(F, grad_out, attrs)]


def _instance_matrix(x, mode):
    """SoftmaxActivation normalises over all non-batch dims (instance) or over axis 1 (channel)."""
    return (x.reshape(x.shape[0], -1), 1) if mode == "instance" else (x, 1)


@operator("SoftmaxActivation", params={"mode": Enum(("channel", "instance"), "instance")})
class SoftmaxActivation:
    """softmax over each instance (all dims but the first) or over channels (axis 1)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        view, axis = _instance_matrix(x, attrs["mode"])
        return softmax(xp, view, axis).reshape(x.shape)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_SoftmaxActivation(out_grads[0], outputs[0], mode=attrs["mode"])]


@operator("_backward_SoftmaxActivation", params={"mode": Enum(("channel", "instance"), "instance")},
          inputs=("ograd", "output"))
class BackwardSoftmaxActivation:
    """SoftmaxActivation's input gradient from (ograd, output)."""
    def compute(xp, inputs, attrs):
        og, out = inputs
        og2, axis = _instance_matrix(og, attrs["mode"])
        out2, _ = _instance_matrix(out, attrs["mode"])
        grad = out2 * (og2 - (og2 * out2).sum(axis=axis, keepdims=True))
        return grad.reshape(og.shape)

    infer_shape = _grad_shape

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, out = inputs
        g = out_grads[0]
        if attrs["mode"] == "channel":
            return list(_softmax_grad_grads(F, g, og, out, 1, {}))
        flat = [F.Reshape(v, shape=(0, -1)) for v in (g, og, out)]
        grads = _softmax_grad_grads(F, flat[0], flat[1], flat[2], 1, {})
        return [F.reshape_like(grads[0], og), F.reshape_like(grads[1], out)]
