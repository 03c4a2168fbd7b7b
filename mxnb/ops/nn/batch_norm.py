"""BatchNorm: normalise with batch statistics while training (updating the moving statistics in
place) and with the moving statistics otherwise; its backward kernel covers both cases.

As in MXNet 1.x, the third output is the inverse standard deviation 1/sqrt(var + eps) that the
normalisation used (MXNet names it 'var'), and the moving variance uses the biased batch variance.
"""
import numpy

from ..params import Float, Bool, Int, OptFloat
from ..registry import operator
from . import _batch_norm_loops as loops
from .activation import BackwardActivation
from ._shapes import merge

_PARAMS = {
    "eps": Float(1e-3, low=0.0, low_open=True), "momentum": Float(0.9, low=0.0, high=1.0),
    "fix_gamma": Bool(True),
    "use_global_stats": Bool(False), "output_mean_var": Bool(False), "axis": Int(1),
    "cudnn_off": Bool(False), "min_calib_range": OptFloat(), "max_calib_range": OptFloat(),
}


def _per_channel(x, axis):
    """x viewed as (before, C, after) around the channel axis, and the broadcast shape (1, C, 1)
    of a per-channel vector against that view. Statistics and scalings then run over one
    3-D array whatever the layout (NCHW, NHWC, NC)."""
    axis = axis % x.ndim
    before = after = 1
    for d in x.shape[:axis]:
        before *= d
    for d in x.shape[axis + 1:]:
        after *= d
    return x.reshape(before, x.shape[axis], after), (1, x.shape[axis], 1)


def _plane(xp, vector, x3):
    """A per-channel vector as a (1, C, M) array in x3's dtype, ready to broadcast over x3's first
    axis. NumPy runs x3 op plane as one long loop over (C, M) per row (as fast as two arrays of
    one shape), where x3 op vector.reshape(1, C, 1) runs a slower broadcasting loop per channel:
    1.5 to 2.5 times faster for ResNet's BatchNorm shapes, for a plane 1/N of the data's size."""
    column = vector.reshape(1, -1, 1).astype(x3.dtype, copy=False)
    if x3.shape[0] == 1 or x3.shape[2] == 1:      # a plane as large as the data saves nothing
        return column
    return xp.ascontiguousarray(xp.broadcast_to(column, (1,) + x3.shape[1:]))


def normalize(xp, inputs, attrs, is_train, relu=False):
    """BatchNorm's compute: inputs (data, gamma, beta, moving_mean, moving_var), outputs (the
    result, the mean, the inverse standard deviation); with `relu` the result goes through
    relu (BatchNormWithReLU), in the compiled loop as it is written."""
    x, gamma, beta, moving_mean, moving_var = inputs
    BatchNorm.infer_shape(attrs, [a.shape for a in inputs])   # one value per channel
    x3, _ = _per_channel(x, attrs["axis"])
    if x.dtype.itemsize < 4:
        x3 = x3.astype(xp.float32)           # float16 statistics accumulate in float32
    if attrs["fix_gamma"]:
        # As MXNet 1.x: a fixed gamma is reset to 1 in place, so reading it back gives 1.
        gamma[...] = 1
    eps = attrs["eps"]
    dtype = x.dtype
    fast = False            # the compiled training loop, which applies relu itself
    if is_train and not attrs["use_global_stats"]:
        fast = xp is numpy and loops.usable(x3)
        if fast:        # statistics and result per channel by a compiled loop
            out, mean, var, invstd = loops.forward(x3, gamma, beta, eps, attrs["fix_gamma"],
                                                   relu)
        else:
            # Five passes over the data: the sum and the sum of squares (einsum multiplies
            # and adds without a squared temporary), the centred copy, scaled and shifted.
            count = x3.shape[0] * x3.shape[2]
            mean = xp.einsum("ncm->c", x3) / count
            out = x3 - _plane(xp, mean, x3)
            var = xp.einsum("ncm,ncm->c", out, out) / count
        m = attrs["momentum"]
        moving_mean *= m
        moving_mean += (1 - m) * mean.astype(moving_mean.dtype, copy=False)
        moving_var *= m
        moving_var += (1 - m) * var.astype(moving_var.dtype, copy=False)
        if not fast:
            invstd = 1 / xp.sqrt(var + eps)
            scale = invstd if attrs["fix_gamma"] else invstd * gamma
            out *= _plane(xp, scale, x3)
            out += _plane(xp, beta, x3)
    else:
        mean, var = moving_mean, moving_var
        invstd = 1 / xp.sqrt(var + eps)
        scale = invstd if attrs["fix_gamma"] else invstd * gamma
        shift = beta - mean * scale                        # x * scale + shift: two passes
        if xp is numpy and loops.usable(x3):
            out = loops.affine(x3, scale, shift)            # one compiled pass
        else:
            out = x3 * _plane(xp, scale, x3)
            out += _plane(xp, shift, x3)
    out = out.reshape(x.shape).astype(dtype, copy=False)
    if relu and not fast:
        xp.maximum(out, 0, out=out)      # a fresh array, ours to overwrite
    return [out, mean.astype(dtype), invstd.astype(dtype, copy=False)]


# the `__init__` of the running statistics' variables (an operator's `input_init`): they start at
# 0 and 1 wherever an initializer reads it (as MXNet's BatchNorm and its variants)
MOVING_STATS_INIT = {"moving_mean": '["zero", {}]', "moving_var": '["one", {}]'}


@operator("BatchNorm", params=_PARAMS, inputs=("data", "gamma", "beta"),
          aux=("moving_mean", "moving_var"), outputs=("output", "mean", "var"),
          num_visible=lambda attrs: 3 if attrs["output_mean_var"] else 1, needs_train=True,
          hint="batchnorm")
class BatchNorm:
    """(data - mean) / sqrt(var + eps) * gamma + beta, per channel along `axis`."""
    input_init = MOVING_STATS_INIT

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return normalize(xp, inputs, attrs, is_train)

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        channels = None
        if data is not None:
            channels = (data[attrs["axis"] % len(data)],)
        for s in in_shapes[1:]:
            if channels is None and s is not None:
                channels = tuple(s)
        names = ("gamma", "beta", "moving_mean", "moving_var")
        vectors = [merge(s, channels, "BatchNorm", "%s (one value per channel of axis %d)"
                         % (n, attrs["axis"])) for s, n in zip(in_shapes[1:], names)]
        return [data] + vectors, [data, channels, channels]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_BatchNorm(out_grads[0], inputs[0], inputs[1], outputs[1], outputs[2],
                                      **backward_attrs(attrs))
        return [grads[0], grads[1], grads[2], None, None]


def backward_attrs(attrs):
    """The backward operator's attributes for a BatchNorm (or BatchNormWithReLU) call with
    `attrs`: training where the batch statistics were used (recorded in training mode, without
    use_global_stats)."""
    return dict(eps=attrs["eps"], fix_gamma=attrs["fix_gamma"], axis=attrs["axis"],
                training=attrs.get("_is_train", True) and not attrs["use_global_stats"])


_RELU = {"act_type": "relu"}       # _backward_Activation's parsed attributes for relu


def normalize_gradient(xp, inputs, attrs, relu_out=None):
    """_backward_BatchNorm's compute: inputs (ograd, data, gamma, mean, invstd), outputs the
    data, gamma and beta gradients. With `relu_out` (BatchNormWithReLU's output), ograd goes
    through relu's gradient (relu_out > 0) * ograd first, in the compiled loop as it is read."""
    og, x, gamma, mean, invstd = inputs
    x3, _ = _per_channel(x, attrs["axis"])
    og3 = og.reshape(x3.shape)
    relu3 = None if relu_out is None else relu_out.reshape(x3.shape)
    if x.dtype.itemsize < 4:                 # float16 sums accumulate in float32
        x3, og3 = x3.astype(xp.float32), og3.astype(xp.float32)
    dtype = x.dtype
    if xp is numpy and loops.usable(og3, x3) and (relu3 is None or loops.usable(og3, relu3)):
        return _compiled_backward(x3, og3, gamma, mean, invstd, attrs, x.shape, dtype, relu3)
    if relu3 is not None:                    # relu's gradient first: Activation's own
        og3 = BackwardActivation.compute(xp, [og3, relu3, relu3], _RELU)
    centred = x3 - _plane(xp, mean, x3)
    grad_beta = xp.einsum("ncm->c", og3)
    grad_gamma = xp.einsum("ncm,ncm->c", og3, centred) * invstd   # sum(og * xhat)
    scale = invstd if attrs["fix_gamma"] else invstd * gamma
    grad_x = og3 * _plane(xp, scale, x3)
    if attrs["training"]:
        # scale * (og - mean(og) - xhat * mean(og * xhat)), as og * a + centred * b + c
        count = x3.shape[0] * x3.shape[2]
        centred *= _plane(xp, -scale * invstd * grad_gamma / count, x3)
        grad_x += centred
        grad_x += _plane(xp, -scale * grad_beta / count, x3)
    if attrs["fix_gamma"]:
        grad_gamma = xp.zeros_like(gamma)
    return [grad_x.reshape(x.shape).astype(dtype, copy=False),
            grad_gamma.astype(dtype, copy=False), grad_beta.astype(dtype, copy=False)]


@operator("_backward_BatchNorm",
          params={"eps": Float(1e-3, low=0.0, low_open=True), "fix_gamma": Bool(True), "axis": Int(1), "training": Bool(True)},
          inputs=("ograd", "data", "gamma", "mean", "invstd"),
          outputs=("data_grad", "gamma_grad", "beta_grad"))
class BackwardBatchNorm:
    """BatchNorm's gradients from (ograd, data, gamma, mean, invstd). With training=True the
    statistics are functions of the batch and are differentiated through."""
    def compute(xp, inputs, attrs):
        return normalize_gradient(xp, inputs, attrs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]] * 3

    def gradient(F, attrs, inputs, outputs, out_grads):
        """Second order with fixed statistics (use_global_stats, or predict mode), where
        data_grad = og * invstd * gamma, gamma_grad = sum(og * xhat), beta_grad = sum(og) are
        linear in og: d/d og = g_x * scale + g_gamma * xhat + g_beta, d/d data =
        og * g_gamma * invstd, d/d gamma = sum(g_x * og) * invstd. In training mode the batch
        statistics are the forward's hidden outputs, whose gradient BatchNorm does not take:
        refused rather than dropped."""
        if attrs["training"]:
            from ...graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_BatchNorm", " in training mode (batch statistics)")
        og, x, gamma, mean, invstd = inputs
        g_x, g_gamma, g_beta = out_grads

        def per_channel(v):         # a (C,) vector broadcast along x's channel axis
            return F._broadcast_reduced(v, x, axis=attrs["axis"], exclude=True)

        fixed = attrs["fix_gamma"]
        scale = invstd if fixed else F.elemwise_mul(invstd, gamma)
        grad_og = None
        for term in (None if g_x is None else F.elemwise_mul(g_x, per_channel(scale)),
                     None if g_beta is None else per_channel(g_beta),
                     None if fixed or g_gamma is None else F.elemwise_mul(
                         per_channel(g_gamma),
                         F.elemwise_mul(F.elemwise_sub(x, per_channel(mean)), per_channel(invstd)))):
            if term is not None:
                grad_og = term if grad_og is None else F.elemwise_add(grad_og, term)
        grad_x = grad_gamma = None
        if not fixed and g_gamma is not None:
            grad_x = F.elemwise_mul(og, per_channel(F.elemwise_mul(g_gamma, invstd)))
        if not fixed and g_x is not None:
            grad_gamma = F.elemwise_mul(F.sum(F.elemwise_mul(g_x, og), axis=attrs["axis"],
                                              exclude=True), invstd)
        return [grad_og, grad_x, grad_gamma, None, None]


def _compiled_backward(x3, og3, gamma, mean, invstd, attrs, shape, dtype, relu3=None):
    """compute's arithmetic as one compiled loop per channel: the sums, then
    og * a + centred * b + c (og through relu's gradient first, given relu's output)."""
    grad_x, grad_gamma, grad_beta = loops.backward(og3, x3, gamma, mean, invstd,
                                                   attrs["fix_gamma"], attrs["training"], relu3)
    if attrs["fix_gamma"]:
        grad_gamma = numpy.zeros_like(gamma)
    return [grad_x.reshape(shape).astype(dtype, copy=False),
            grad_gamma.astype(dtype, copy=False), grad_beta.astype(dtype, copy=False)]
