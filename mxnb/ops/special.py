"""Special functions and small elementwise operators: gamma, gammaln, erfinv, hard_sigmoid,
the contrib quadratic / div_sqrt_dim / gradientmultiplier / round_ste / sign_ste /
allclose, and the AMP casts amp_cast / amp_multicast.

NumPy has no gamma or erfinv, so they are computed here with `xp` alone (Lanczos' series for
log-gamma, Giles' approximation refined by Newton steps for erfinv), the same on CPU and GPU.
"""
import math

import numpy as np

from .params import REQUIRED, Bool, DType, Float, Int, OptDType
from .registry import operator

# Lanczos coefficients (g = 7, n = 9): about 15 significant digits for x >= 0.5.
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _lgamma_right(xp, x):
    """log(gamma(x)) for x >= 0.5 (float64)."""
    z = x - 1.0
    series = xp.full(z.shape, _LANCZOS[0], dtype=np.float64)
    for i, c in enumerate(_LANCZOS[1:], start=1):
        series = series + c / (z + i)
    t = z + _LANCZOS_G + 0.5
    return _HALF_LOG_2PI + (z + 0.5) * xp.log(t) - t + xp.log(series)


def lgamma_abs(xp, x):
    """log|gamma(x)|, with the reflection formula below 0.5."""
    x = x.astype(np.float64)
    left = x < 0.5
    safe = xp.where(left, 1.0 - x, x)
    right = _lgamma_right(xp, safe)
    reflected = math.log(math.pi) - xp.log(xp.abs(xp.sin(math.pi * x))) - right
    return xp.where(left, reflected, right)


def gamma_fn(xp, x):
    x64 = x.astype(np.float64)
    sign = xp.where((x64 < 0) & (xp.floor(-x64) % 2 == 0), -1.0, 1.0)
    return sign * xp.exp(lgamma_abs(xp, x64))


def digamma(xp, x):
    """psi(x) = d log|gamma(x)| / dx: recurrence up to x >= 6, then the asymptotic series;
    reflection below 0.5."""
    x = x.astype(np.float64)
    left = x < 0.5
    y = xp.where(left, 1.0 - x, x)
    acc = xp.zeros_like(y)
    for _ in range(6):
        small = y < 6
        acc = acc - xp.where(small, 1.0 / y, 0.0)
        y = xp.where(small, y + 1.0, y)
    inv2 = 1.0 / (y * y)
    series = xp.log(y) - 0.5 / y - inv2 * (1.0 / 12 - inv2 * (1.0 / 120 - inv2 * (
        1.0 / 252 - inv2 * (1.0 / 240 - inv2 / 132))))
    right = acc + series
    return xp.where(left, right - math.pi / xp.tan(math.pi * x), right)


@operator("gamma", elementwise=True)
class Gamma:
    """Returns the gamma function (extension of the factorial function to the reals),
    computed element-wise on the input array."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return gamma_fn(xp, x).astype(x.dtype)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.elemwise_mul(outputs[0], F._backward_gammaln(out_grads[0], inputs[0]))]


@operator("gammaln", elementwise=True)
class GammaLn:
    """Returns element-wise log of the absolute value of the gamma function of the input."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return lgamma_abs(xp, x).astype(x.dtype)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_gammaln(out_grads[0], inputs[0])]


@operator("_backward_gammaln", inputs=("ograd", "data"), elementwise=True)
class BackwardGammaLn:
    """ograd * digamma(data): the gradient of gammaln."""
    def compute(xp, inputs, attrs):
        og, x = inputs
        return (og * digamma(xp, x)).astype(og.dtype)

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


# Giles, "Approximating the erfinv function" (single precision), then Newton steps on erf.
_GILES_CENTRAL = (2.81022636e-08, 3.43273939e-07, -3.5233877e-06, -4.39150654e-06,
                  0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941)
_GILES_TAIL = (-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773,
               -0.0076224613, 0.00943887047, 1.00167406, 2.83297682)


def _poly(xp, coeffs, w):
    p = xp.full(w.shape, coeffs[0], dtype=np.float64)
    for c in coeffs[1:]:
        p = p * w + c
    return p


def _erf64(xp, x):
    """erf in float64 from the complementary error function's Chebyshev fit (Numerical
    Recipes' erfc, relative error < 1.2e-7), enough for two Newton refinements."""
    z = xp.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * xp.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (
        0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (
            1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))))
    return xp.sign(x) * (1.0 - r)


def erfinv_fn(xp, y):
    y = y.astype(np.float64)
    w = -xp.log((1.0 - y) * (1.0 + y))
    central = _poly(xp, _GILES_CENTRAL, w - 2.5)
    tail = _poly(xp, _GILES_TAIL, xp.sqrt(xp.maximum(w, 5.0)) - 3.0)
    x = xp.where(w < 5.0, central, tail) * y
    for _ in range(2):
        err = _erf64(xp, x) - y
        x = x - err / (2.0 / math.sqrt(math.pi) * xp.exp(-x * x))
    x = xp.where(y == 1, np.inf, xp.where(y == -1, -np.inf, x))
    return xp.where(xp.abs(y) > 1, np.nan, x)


@operator("erfinv", elementwise=True)
class Erfinv:
    """Returns element-wise inverse gauss error function of the input."""
    def compute(xp, inputs, attrs):
        y = inputs[0]
        return erfinv_fn(xp, y).astype(y.dtype)

    def gradient(F, attrs, inputs, outputs, out_grads):
        # d erfinv(y) / dy = sqrt(pi) / 2 * exp(erfinv(y)^2)
        local = F._mul_scalar(F.exp(F.square(outputs[0])), scalar=math.sqrt(math.pi) / 2)
        return [F.elemwise_mul(out_grads[0], local)]


@operator("hard_sigmoid", params={"alpha": Float(0.2, doc="Slope of hard sigmoid"),
                                  "beta": Float(0.5, doc="Bias of hard sigmoid.")},
          elementwise=True)
class HardSigmoid:
    """Computes hard sigmoid: y = max(0, min(1, alpha * x + beta))."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        real = x.dtype.type
        return xp.clip(x * real(attrs["alpha"]) + real(attrs["beta"]), 0, 1)

    def gradient(F, attrs, inputs, outputs, out_grads):
        out = outputs[0]
        inside = F.elemwise_mul(F._greater_scalar(out, scalar=0.0), F._lesser_scalar(out, scalar=1.0))
        return [F._mul_scalar(F.elemwise_mul(out_grads[0], inside), scalar=attrs["alpha"])]


@operator("_contrib_quadratic", params={"a": Float(0.0, doc="Coefficient of the quadratic term"),
                                        "b": Float(0.0, doc="Coefficient of the linear term"),
                                        "c": Float(0.0, doc="Constant term")},
          elementwise=True, hint="quadratic")
class Quadratic:
    """This operators implements the quadratic function: f(x) = a * x^2 + b * x + c."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        real = x.dtype.type
        return (x * real(attrs["a"]) + real(attrs["b"])) * x + real(attrs["c"])

    def gradient(F, attrs, inputs, outputs, out_grads):
        slope = F._plus_scalar(F._mul_scalar(inputs[0], scalar=2 * attrs["a"]), scalar=attrs["b"])
        return [F.elemwise_mul(out_grads[0], slope)]


@operator("_contrib_div_sqrt_dim", hint="div_sqrt_dim")
class DivSqrtDim:
    """Rescale the input by the square root of the channel dimension:
    out = data / sqrt(data.shape[-1])."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x / x.dtype.type(math.sqrt(x.shape[-1]))

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._contrib_div_sqrt_dim(out_grads[0])]


@operator("_contrib_gradientmultiplier", params={"scalar": Float(1.0, doc="Gradient multiplier."),
                                                 "is_int": Bool(True, doc="Unused; kept for "
                                                                          "MXNet's signature.")},
          elementwise=True, hint="gradientmultiplier")
class GradientMultiplier:
    """The identity in the forward pass; the gradient is multiplied by `scalar` (a negative
    scalar reverses it, as in gradient-reversal layers)."""
    def compute(xp, inputs, attrs):
        return inputs[0].copy()

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._mul_scalar(out_grads[0], scalar=attrs["scalar"])]


@operator("_contrib_round_ste", elementwise=True, hint="round_ste")
class RoundSTE:
    """Straight-through-estimator of round(): rounds in the forward pass, passes the gradient
    through unchanged."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        t = xp.trunc(x)
        return xp.where(xp.abs(x - t) >= 0.5, t + xp.sign(x), t)   # halves away from zero

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]


@operator("_contrib_sign_ste", elementwise=True, hint="sign_ste")
class SignSTE:
    """Straight-through-estimator of sign(): the sign in the forward pass, the gradient passed
    through unchanged."""
    def compute(xp, inputs, attrs):
        return xp.sign(inputs[0])

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]


@operator("_contrib_allclose", params={"rtol": Float(1e-5, doc="Relative tolerance."),
                                       "atol": Float(1e-8, doc="Absolute tolerance."),
                                       "equal_nan": Bool(True, doc="Whether NaNs compare "
                                                                   "equal.")},
          inputs=("a", "b"), differentiable=False, hint="allclose")
class AllClose:
    """1 (uint8, shape ()) if |a - b| <= atol + rtol * |b| everywhere, else 0."""
    def compute(xp, inputs, attrs):
        a, b = inputs
        ok = xp.isclose(a, b, rtol=attrs["rtol"], atol=attrs["atol"],
                        equal_nan=attrs["equal_nan"]).all()
        return ok.astype(np.uint8).reshape(())

    def infer_shape(attrs, in_shapes):
        return in_shapes, [()]

    def infer_type(attrs, in_types):
        return in_types, [np.dtype(np.uint8)]


@operator("amp_cast", params={"dtype": DType(REQUIRED, doc="Output data type.")}, elementwise=True)
class AMPCast:
    """Cast function between low precision float/FP32 used by AMP; other types pass through
    unchanged."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return x.astype(attrs["dtype"]) if x.dtype.kind == "f" else x.copy()

    def infer_type(attrs, in_types):
        t = in_types[0]
        return in_types, [attrs["dtype"] if t is None or np.dtype(t).kind == "f" else t]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Cast(out_grads[0], inputs[0])]


def _widest(types, narrow):
    floats = [np.dtype(t) for t in types if t is not None and np.dtype(t).kind == "f"]
    if not floats:
        return None
    return min(floats, key=lambda t: t.itemsize) if narrow else max(floats, key=lambda t: t.itemsize)


@operator("amp_multicast", params={"num_outputs": Int(doc="Number of input/output pairs to be "
                                                          "casted to the widest type.", low=1),
                                   "cast_narrow": Bool(False, doc="Whether to cast to the "
                                                                  "narrowest type")},
          variadic="num_outputs",
          outputs=lambda attrs: ["output%d" % i for i in range(attrs["num_outputs"])])
class AMPMultiCast:
    """Cast function used by AMP: casts every float input to the widest (or, with
    cast_narrow, the narrowest) float type among them."""
    def compute(xp, inputs, attrs):
        target = _widest([x.dtype for x in inputs], attrs["cast_narrow"])
        return [x.astype(target) if x.dtype.kind == "f" else x.copy() for x in inputs]

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes)

    def infer_type(attrs, in_types):
        target = _widest(in_types, attrs["cast_narrow"])
        return in_types, [target if t is not None and np.dtype(t).kind == "f" else t
                          for t in in_types]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Cast(g, x) for g, x in zip(out_grads, inputs)]
