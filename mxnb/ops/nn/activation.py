"""Activation (relu, sigmoid, tanh, softrelu, softsign) and LeakyReLU (leaky, elu, selu, gelu, prelu,
rrelu).

Both have a backward kernel of their own (`_backward_Activation`, `_backward_LeakyReLU`), as in
MXNet; `_backward_Activation`'s gradient is written with registered operators, so activations
can be differentiated again.
"""
import math

import numpy

from ...base import ShapeError
from ..params import Enum, Float
from ..registry import operator
from . import _activation_loops as loops
from ._conv_parallel import parallel_ufunc
from ._shapes import merge


@operator("Activation", params={"act_type": Enum(("relu", "sigmoid", "tanh", "softrelu", "softsign"))},
          elementwise=True, inplace=((0, 0),))
class Activation:
    """Applies act_type elementwise: relu, sigmoid, tanh, softrelu (log(1+e^x)), softsign."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        act = attrs["act_type"]
        if act == "relu":
            return xp.maximum(x, 0)
        if x.dtype == numpy.float16:    # as MXNet: in float32, rounded to half once
            return Activation.compute(xp, [x.astype(numpy.float32)], attrs).astype(x.dtype)
        if act == "sigmoid":
            return _sigmoid(xp, x)
        if act == "tanh":
            return parallel_ufunc(xp.tanh, x)
        if act == "softrelu":
            return xp.logaddexp(x.dtype.type(0), x)
        if xp is numpy:
            out = loops.softsign(x)
            if out is not None:
                return out
        return x / (1 + xp.abs(x))

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Activation(out_grads[0], outputs[0], inputs[0], act_type=attrs["act_type"])]


@operator("_backward_Activation", params={"act_type": Enum(("relu", "sigmoid", "tanh", "softrelu",
                                                             "softsign"))},
          inputs=("ograd", "output", "data"), elementwise=True)
class BackwardActivation:
    """ograd times the activation's derivative, in one pass (three passes as separate operators
    cost a tenth of a LeNet step). relu, sigmoid and tanh read the output; softrelu and softsign
    the data."""
    def compute(xp, inputs, attrs):
        og, out, x = inputs
        act = attrs["act_type"]
        if og.dtype == numpy.float16 and act != "relu":
            local = _float16_local(xp, act, out, x)
            local *= og
            return local
        if xp is numpy:
            local = loops.activation_gradient(act, og, out, x)     # one compiled pass
            if local is not None:
                return local
        if act == "relu":
            # The mask written straight into ograd's dtype, then multiplied in place: 15%
            # faster than og * (out > 0), whose product casts a boolean temporary.
            local = xp.greater(out, 0, out=xp.empty(og.shape, dtype=og.dtype))
            local *= og
            return local
        if act == "sigmoid":
            local = 1 - out
            local *= out
        elif act == "tanh":
            local = out * out
            xp.subtract(1, local, out=local)
        elif act == "softrelu":
            local = _sigmoid(xp, x)
        else:
            local = 1 + xp.abs(x)
            local *= local
            xp.divide(1, local, out=local)
        local *= og
        return local

    def infer_shape(attrs, in_shapes):
        known = next((s for s in in_shapes if s is not None), None)
        return [known] * 3, [known]

    def unused_inputs(attrs):
        # relu, sigmoid and tanh read the output; softrelu and softsign the data
        return (2,) if attrs["act_type"] in ("relu", "sigmoid", "tanh") else (1,)

    def gradient(F, attrs, inputs, outputs, out_grads):
        # d/d(ograd) is the local derivative again; d/d(output) or d/d(data) its derivative.
        og, out, x = inputs
        g = out_grads[0]
        act = attrs["act_type"]
        grad_og = F._backward_Activation(g, out, x, act_type=act)
        if act == "relu":
            return [grad_og, None, None]
        if act == "sigmoid":       # og * out * (1 - out)  ->  og * (1 - 2 out)
            d = F._rminus_scalar(F._mul_scalar(out, scalar=2.0), scalar=1.0)
            return [grad_og, F.elemwise_mul(F.elemwise_mul(og, d), g), None]
        if act == "tanh":          # og * (1 - out^2)  ->  -2 og out
            d = F._mul_scalar(F.elemwise_mul(og, out), scalar=-2.0)
            return [grad_og, F.elemwise_mul(d, g), None]
        if act == "softrelu":      # og * sigmoid(x)  ->  og * sigmoid(x) (1 - sigmoid(x))
            d = F._backward_Activation(og, F.Activation(x, act_type="sigmoid"), x, act_type="sigmoid")
            return [grad_og, None, F.elemwise_mul(d, g)]
        # softsign: og / (1 + |x|)^2  ->  -2 og sign(x) / (1 + |x|)^3
        one_plus = F._plus_scalar(F.abs(x), scalar=1.0)
        d = F._mul_scalar(F.elemwise_div(F.elemwise_mul(og, F.sign(x)),
                                         F._power_scalar(one_plus, scalar=3.0)), scalar=-2.0)
        return [grad_og, None, F.elemwise_mul(d, g)]


def _float16_local(xp, act, out, x):
    """The activation's derivative for float16 data as MXNet computes it: in float32 from the
    half-precision output (sigmoid, tanh, softrelu) or data (softsign), rounded to half once;
    its product with ograd is then rounded again. softrelu's output is recomputed from the data
    (its backward may not be given the output), bit for bit as the forward rounds it."""
    f32 = numpy.float32
    if act == "sigmoid":
        y = out.astype(f32)
        local = y * (1 - y)
    elif act == "tanh":
        y = out.astype(f32)
        local = 1 - y * y
    elif act == "softrelu":
        y = xp.logaddexp(f32(0), x.astype(f32)).astype(x.dtype).astype(f32)
        local = -xp.expm1(-y)
    else:
        local = 1 + xp.abs(x.astype(f32))
        local *= local
        local = 1 / local
    return local.astype(numpy.float16)


def _sigmoid(xp, x):
    """1 / (1 + exp(-x)) as MXNet evaluates it, in four passes over one array (the evaluation
    of graph/passes/kernels.py's out= kernel, bit for bit). Where exp(-x) overflows (x < -88 in
    float32) the result is 0, as MXNet's; NumPy is told not to warn about it."""
    if x.dtype.kind != "f":
        return _sigmoid(xp, x.astype(xp.float64)).astype(x.dtype)
    with numpy.errstate(over="ignore"):
        t = xp.negative(x)
        parallel_ufunc(xp.exp, t, t)
    if xp is numpy:
        finished = loops.sigmoid_finish(t)      # 1 / (t + 1) in one compiled pass
        if finished is not None:
            return finished
    t += 1
    return xp.divide(1, t, out=t)


# --- LeakyReLU ---------------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_LAMBDA = 1.0507009873554804934193349852946
_LEAKY = {"act_type": Enum(("elu", "gelu", "leaky", "prelu", "rrelu", "selu"), "leaky"),
          "slope": Float(0.25), "lower_bound": Float(0.125, low=0.0), "upper_bound": Float(0.334, low=0.0)}


def erf(xp, x):
    """erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): NumPy has no erf of its own."""
    t = 1 / (1 + 0.3275911 * xp.abs(x))
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027
                                                                          + t * 1.061405429))))
    return xp.sign(x) * (1 - poly * xp.exp(-x * x))


# Selections by sign without xp.where: NumPy's where branches per element, and on data whose
# signs are mixed (activations) it runs 5 to 15 times slower than the arithmetic below.
def _positive_or(xp, x, slope):
    """x where x > 0, else x * slope (slope: a number or an array broadcasting against x)."""
    out = xp.minimum(x, 0)
    out *= slope
    out += xp.maximum(x, 0)
    return out


def _elu(xp, x, scale):
    """x where x > 0, else scale * (e^x - 1)."""
    out = xp.minimum(x, 0)
    xp.expm1(out, out=out)
    out *= scale
    out += xp.maximum(x, 0)
    return out


def _exp_negative_part(xp, x, scale):
    """scale * e^min(x, 0): the derivative of _elu where x <= 0."""
    out = xp.minimum(x, 0)
    xp.exp(out, out=out)
    out *= scale
    return out


def _one_or(xp, x, value):
    """1 where x > 0, else value (a number or an array), exactly: each element is 1 + 0 or
    0 + value. NaN data takes value, as the where() it replaces."""
    positive = xp.greater(x, 0, out=xp.empty(x.shape, dtype=x.dtype))
    out = xp.subtract(1, positive)
    out *= value
    out += positive
    return out


def _gamma_view(gamma, data):
    """prelu's gamma (one slope per channel, or one for all) shaped to broadcast along axis 1."""
    if gamma.size == 1 or data.ndim < 2:
        return gamma.reshape(()) if gamma.size == 1 else gamma
    return gamma.reshape((1, -1) + (1,) * (data.ndim - 2))


def _leaky_inputs(attrs):
    return ("data", "gamma") if attrs["act_type"] == "prelu" else ("data",)


def _leaky_outputs(attrs):
    # rrelu also returns the slopes it used (MXNet's 'mask'; zeros outside training)
    return ("output", "mask") if attrs["act_type"] == "rrelu" else ("output",)


def _rrelu(xp, x, attrs, is_train, rng):
    """Randomised leaky ReLU: negative inputs scaled by a slope drawn from
    uniform[lower_bound, upper_bound) per element while training, by the mean slope otherwise."""
    lower, upper = attrs["lower_bound"], attrs["upper_bound"]
    if is_train:
        mask = xp.asarray(rng.uniform(lower, upper, x.shape)).astype(x.dtype)
        slope = mask
    else:
        mask = xp.zeros(x.shape, dtype=x.dtype)
        slope = (lower + upper) / 2
    return [_positive_or(xp, x, slope).astype(x.dtype, copy=False), mask]


@operator("LeakyReLU", params=_LEAKY, inputs=_leaky_inputs, outputs=_leaky_outputs,
          hint="leakyrelu", needs_rng=True)
class LeakyReLU:
    """leaky: x or slope*x; elu: x or slope*(e^x-1); selu; gelu (erf form); prelu (learned gamma);
    rrelu: x or a random slope in [lower_bound, upper_bound) times x (the mean slope outside
    training), with the slopes as a second output."""
    # prelu's gamma starts at MXNet's slope 0.25 wherever an initializer reads `__init__`
    input_init = {"gamma": '["Constant", {"value": 0.25}]'}

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        x = inputs[0]
        act = attrs["act_type"]
        if act == "rrelu":
            return _rrelu(xp, x, attrs, is_train, rng)
        if x.dtype == numpy.float16 and act in ("elu", "selu", "gelu"):
            return [_float16_leaky(xp, x, act, attrs["slope"])]
        if act == "leaky":
            slope = attrs["slope"]
            out = loops.leaky(x, slope) if xp is numpy else None
            if out is None:
                # x or slope * x is the larger of the two for slope <= 1, the smaller above
                out = (xp.maximum if slope <= 1 else xp.minimum)(x, x * slope)
        elif act == "prelu":
            gamma = inputs[1]
            if gamma.ndim != 1 or (gamma.size != 1 and (x.ndim < 2 or gamma.shape != (x.shape[1],))):
                LeakyReLU.infer_shape(attrs, [x.shape, gamma.shape])     # says what is wrong
            out = loops.prelu(x, gamma) if xp is numpy else None
            if out is None:
                out = _positive_or(xp, x, _gamma_view(gamma, x))
        elif xp is numpy and loops.elementwise(x):       # one compiled pass after NumPy's exp
            if act == "gelu":
                out = loops.gelu(x, 1 / math.sqrt(2))
            else:
                out = loops.elu(x, *((attrs["slope"], 1.0) if act == "elu"
                                     else (_SELU_ALPHA, _SELU_LAMBDA)))
        elif act == "elu":
            out = _elu(xp, x, attrs["slope"])
        elif act == "selu":
            out = _elu(xp, x, _SELU_ALPHA)
            out *= _SELU_LAMBDA
        else:
            out = 0.5 * x * (1 + erf(xp, x * (1 / math.sqrt(2))))
        return [out.astype(x.dtype, copy=False)]

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if attrs["act_type"] == "rrelu":
            return in_shapes, [data, data]
        if attrs["act_type"] != "prelu":
            return in_shapes, [data]
        gamma = in_shapes[1]
        if gamma is not None and len(gamma) != 1:
            raise ShapeError("LeakyReLU(prelu): gamma must be 1-D (one slope, or one per channel), "
                             "found shape %s" % (tuple(gamma),))
        if gamma is None and data is not None and len(data) >= 2:
            gamma = (data[1],)
        elif gamma is not None and data is not None and len(data) >= 2 and gamma[0] not in (0, 1):
            gamma = merge(gamma, (data[1],), "LeakyReLU(prelu)", "gamma (one slope per channel)")
        return [data, gamma], [data]

    def infer_type(attrs, in_types):
        known = next((t for t in in_types if t is not None), None)
        return [known] * len(in_types), [known] * (2 if attrs["act_type"] == "rrelu" else 1)

    def gradient(F, attrs, inputs, outputs, out_grads):
        if attrs["act_type"] == "rrelu":
            # the slopes used: the mask in training, the mean slope where the mask is zero
            x, mask = inputs[0], outputs[1]
            middle = (attrs["lower_bound"] + attrs["upper_bound"]) / 2
            slope = F.elemwise_add(mask, F._mul_scalar(F._equal_scalar(mask, scalar=0.0),
                                                       scalar=middle))
            local = F.where(F._greater_scalar(x, scalar=0.0), F.ones_like(x), slope)
            return [F.elemwise_mul(out_grads[0], local)]
        grads = F._backward_LeakyReLU(out_grads[0], *inputs, **attrs)
        if attrs["act_type"] == "prelu":
            return [grads[0], grads[1]]
        return [grads]


def _float16_leaky(xp, x, act, slope):
    """elu, selu or gelu of float16 data as MXNet computes it: in float32 from the half data,
    rounded to half once (gelu, elu); elu's slope and selu's lambda are half constants, and
    selu rounds alpha * expm1(x) to half before scaling it (MXNet's order of operations)."""
    if act == "gelu":
        return _float16_table(xp, "gelu", x)
    f32, f16 = numpy.float32, numpy.float16
    x32 = x.astype(f32)
    if act == "elu":
        return xp.where(x32 > 0, x32, _half_constant(slope) * xp.expm1(x32)).astype(f16)
    negative = (f32(_SELU_ALPHA) * xp.expm1(x32)).astype(f16).astype(f32)
    return (_half_constant(_SELU_LAMBDA) * xp.where(x32 > 0, x32, negative)).astype(f16)


def _float16_leaky_local(xp, x, act, slope):
    """The derivative of elu, selu or gelu for float16 data: in float32, rounded to half once
    (elu's from its half output plus the half slope, as MXNet; selu's as lambda alpha e^x, where
    MXNet's float16 kernel is off by a factor)."""
    if act == "gelu":
        return _float16_table(xp, "gelu_local", x)
    f32, f16 = numpy.float32, numpy.float16
    x32 = x.astype(f32)
    if act == "elu":
        slope = _half_constant(slope)
        out = (slope * xp.expm1(x32)).astype(f16).astype(f32)
        local = xp.where(x32 > 0, f32(1), out + slope)
    else:
        local = xp.where(x32 > 0, f32(_SELU_LAMBDA), f32(_SELU_LAMBDA * _SELU_ALPHA) * xp.exp(x32))
    return local.astype(f16)


_FLOAT16_TABLES = {}


def _float16_table(xp, name, x):
    """gelu ("gelu") or its derivative ("gelu_local") of float16 data, looked up in a table of
    all 65536 half values. The table evaluates MXNet's float32 formula with a correctly rounded
    erf (math.erf), which the elementwise approximation `erf` (|error| 1.5e-7) is not: in
    float16 that error moves 2% of the results by one step."""
    table = _FLOAT16_TABLES.get(name)
    if table is None:
        table = _FLOAT16_TABLES[name] = _gelu_table(name == "gelu_local")
    if xp is not numpy:
        table = xp.asarray(table)
    return table[x.view(numpy.uint16)]


def _gelu_table(derivative):
    f32 = numpy.float32
    x = numpy.arange(65536, dtype=numpy.uint32).astype(numpy.uint16).view(numpy.float16)
    x32 = x.astype(f32)
    with numpy.errstate(invalid="ignore", over="ignore"):
        scaled = x32 * f32(1 / math.sqrt(2))
        erf32 = numpy.array([math.erf(v) if math.isfinite(v) else math.copysign(1.0, v)
                             if not math.isnan(v) else v for v in scaled.tolist()], dtype=f32)
        cdf = f32(0.5) * (f32(1) + erf32)
        if derivative:
            values = cdf + x32 * numpy.exp(f32(-0.5) * x32 * x32) * f32(1 / math.sqrt(2 * math.pi))
            values[numpy.isinf(x32)] = (x32[numpy.isinf(x32)] > 0).astype(f32)
        else:
            values = x32 * cdf
    return values.astype(numpy.float16)


def _half_constant(value):
    """A constant as MXNet's float16 kernels hold it: rounded to half, used in float32."""
    return numpy.float32(numpy.float16(value))


def _leaky_backward_inputs(attrs):
    return ("ograd",) + _leaky_inputs(attrs)


def _leaky_backward_outputs(attrs):
    return ("data_grad", "gamma_grad") if attrs["act_type"] == "prelu" else ("data_grad",)


@operator("_backward_LeakyReLU", params=_LEAKY, inputs=_leaky_backward_inputs,
          outputs=_leaky_backward_outputs)
class BackwardLeakyReLU:
    """LeakyReLU's input gradients from (ograd, data[, gamma])."""
    def compute(xp, inputs, attrs):
        og, x = inputs[0], inputs[1]
        act = attrs["act_type"]
        if og.dtype == numpy.float16 and act in ("elu", "selu", "gelu"):
            local = _float16_leaky_local(xp, x, act, attrs["slope"])
            local *= og
            return [local]
        if act == "leaky":
            if xp is numpy:
                grad = loops.leaky_gradient(og, x, attrs["slope"])
                if grad is not None:
                    return [grad]
            local = _one_or(xp, x, attrs["slope"])
        elif act in ("elu", "selu", "gelu") and xp is numpy and loops.elementwise(og, x):
            if act == "gelu":
                return [loops.gelu_gradient(og, x, 1 / math.sqrt(2), 1 / math.sqrt(2 * math.pi))]
            scales = (attrs["slope"], 1.0) if act == "elu" else (_SELU_ALPHA, _SELU_LAMBDA)
            return [loops.elu_gradient(og, x, *scales)]
        elif act == "elu":
            local = _one_or(xp, x, _exp_negative_part(xp, x, attrs["slope"]))
        elif act == "selu":
            local = _one_or(xp, x, _exp_negative_part(xp, x, _SELU_ALPHA))
            local *= _SELU_LAMBDA
        elif act == "gelu":
            cdf = 0.5 * (1 + erf(xp, x * (1 / math.sqrt(2))))
            local = cdf + x * xp.exp(-0.5 * x * x) * (1 / math.sqrt(2 * math.pi))
        else:
            gamma = inputs[2]
            grads = loops.prelu_gradient(og, x, gamma) if xp is numpy else None
            if grads is not None:
                return list(grads)
            grad_x = (og * _one_or(xp, x, _gamma_view(gamma, x))).astype(x.dtype, copy=False)
            slope_grad = xp.minimum(x, 0)              # og * x where x <= 0, else 0
            slope_grad *= og
            if gamma.size == 1:
                grad_gamma = slope_grad.sum().reshape(gamma.shape)
            else:
                axes = (0,) + tuple(range(2, x.ndim))
                grad_gamma = slope_grad.sum(axis=axes).reshape(gamma.shape)
            return [grad_x, grad_gamma.astype(gamma.dtype, copy=False)]
        return [(og * local).astype(x.dtype, copy=False)]

    def infer_shape(attrs, in_shapes):
        outs = [in_shapes[1]] + ([in_shapes[2]] if attrs["act_type"] == "prelu" else [])
        return in_shapes, outs

    def gradient(F, attrs, inputs, outputs, out_grads):
        # data_grad = og * local(x): d/d og = g * local(x), d/d x = g * og * local'(x).
        act = attrs["act_type"]
        if act == "prelu":
            from ...graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_LeakyReLU", "(act_type='prelu')")
        og, x = inputs
        g = out_grads[0]
        grad_og = F._backward_LeakyReLU(g, x, **attrs)
        if act == "leaky":
            return [grad_og, None]
        negative = F._lesser_equal_scalar(x, scalar=0.0)
        if act in ("elu", "selu"):
            scale = attrs["slope"] if act == "elu" else _SELU_LAMBDA * _SELU_ALPHA
            curve = F._mul_scalar(F.exp(F._minimum_scalar(x, scalar=0.0)), scalar=scale)
            d = F.elemwise_mul(negative, curve)
        else:   # gelu: local = cdf(x) + x pdf(x), local' = pdf(x) (2 - x^2)
            square = F.square(x)
            pdf = F._mul_scalar(F.exp(F._mul_scalar(square, scalar=-0.5)),
                                scalar=1 / math.sqrt(2 * math.pi))
            d = F.elemwise_mul(pdf, F._rminus_scalar(square, scalar=2.0))
        return [grad_og, F.elemwise_mul(F.elemwise_mul(g, og), d)]

    def infer_type(attrs, in_types):
        known = next((t for t in in_types if t is not None), None)
        n = 2 if attrs["act_type"] == "prelu" else 1
        return [known] * len(in_types), [known] * n
