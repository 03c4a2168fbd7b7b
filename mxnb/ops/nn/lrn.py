"""LRN: local response normalisation across channels (AlexNet's)."""
from ..params import Float, Int
from ..registry import operator

_PARAMS = {"alpha": Float(1e-4), "beta": Float(0.75), "knorm": Float(2.0),
           "nsize": Int(low=1)}


def _channel_window_sum(xp, x, nsize):
    """For each channel c, the sum of x over channels [c - nsize//2, c + nsize//2] (clipped)."""
    half = nsize // 2
    widths = [(0, 0)] * x.ndim
    widths[1] = (half + 1, half)
    padded = xp.pad(x, widths)
    csum = xp.cumsum(padded, axis=1)
    c = x.shape[1]
    upper = [slice(None)] * x.ndim
    lower = [slice(None)] * x.ndim
    upper[1] = slice(nsize, nsize + c)
    lower[1] = slice(0, c)
    return csum[tuple(upper)] - csum[tuple(lower)]


def _scale(xp, x, attrs):
    """knorm + alpha / nsize * (window sum of x^2)."""
    return attrs["knorm"] + (attrs["alpha"] / attrs["nsize"]) * _channel_window_sum(xp, x * x, attrs["nsize"])


@operator("LRN", params=_PARAMS, outputs=("output", "tmp_norm"), num_visible=1, hint="lrn")
class LRN:
    """data / (knorm + alpha/nsize * sum of data^2 over nsize neighbouring channels)^beta."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        scale = _scale(xp, x, attrs)
        return [(x * scale ** -attrs["beta"]).astype(x.dtype, copy=False), scale.astype(x.dtype)]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0], in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]] * 2

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_LRN(out_grads[0], inputs[0], **attrs)]


@operator("_backward_LRN", params=_PARAMS, inputs=("ograd", "data"))
class BackwardLRN:
    """LRN's data gradient: og * s^-beta - 2 alpha beta / nsize * x * window(og * x * s^(-beta-1))."""
    def compute(xp, inputs, attrs):
        og, x = inputs
        beta, n = attrs["beta"], attrs["nsize"]
        scale = _scale(xp, x, attrs)
        spread = _channel_window_sum(xp, og * x * scale ** (-beta - 1), n)
        grad = og * scale ** -beta - (2 * attrs["alpha"] * beta / n) * x * spread
        return grad.astype(x.dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]
