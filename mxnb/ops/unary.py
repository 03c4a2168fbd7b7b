"""Elementwise math on one array (exp, log, sin, relu, rounding ...) and the gradient-flow
operators BlockGrad, make_loss and MakeLoss.

Each math operator is one table row: its compute (on the array module `xp`) and its gradient
(with registered operators on `F`, so second order works). The output keeps the input's dtype,
as in MXNet (exp of an int32 array is an int32 array).
"""
import math

from .params import Float, Enum
from .registry import operator
from .nn._conv_parallel import parallel_ufunc

_LN10, _LN2 = math.log(10.0), math.log(2.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --- gradient building blocks (all registered operators, so they work on nd and sym) ----------
def _mul(F, a, b):
    return F.elemwise_mul(a, b)


def _div(F, a, b):
    return F.elemwise_div(a, b)


def _scale(F, a, s):
    return F._mul_scalar(a, scalar=s)


def _one_minus_square(F, a):
    return F._rminus_scalar(F.square(a), scalar=1.0)


def _dense_og(F, og):
    """The output gradient as a unary backward kernel reads it: MXNet's read a sparse one as
    dense, so og * f'(x) is NaN (not 0) in rows og does not store where f'(x) is NaN or
    infinite (arccosh'(0), 1/0 ...). Symbols and dense arrays pass unchanged."""
    if getattr(og, "stype", "default") == "default":
        return og
    return F.cast_storage(og, stype="default")


def _zero(F, x, out, og):
    """Piecewise-constant operators (rounding, sign, logical_not): MXNet writes zeros."""
    return F.zeros_like(x)


# --- forward helpers whose NumPy spelling differs from MXNet's semantics ----------------------
def _round_half_away(xp, x):
    """MXNet's round: halves go away from zero (NumPy's round goes to even). x - trunc(x) is
    exact, so no precision is lost near .5 as with floor(|x| + 0.5)."""
    t = xp.trunc(x)
    return xp.where(xp.abs(x - t) >= 0.5, t + xp.sign(x), t)


def _rint_half_down(xp, x):
    """MXNet's rint: nearest integer, halves go down (rint(2.5) = 2, rint(-2.5) = -3)."""
    f = xp.floor(x)
    return xp.where(x - f <= 0.5, f, f + 1)


def _sigmoid(xp, x):
    """1 / (1 + exp(-x)) without overflow: exp(-log(1 + exp(-x)))."""
    return xp.exp(-xp.logaddexp(0, -x))


# Abramowitz & Stegun 7.1.26: |error| < 1.5e-7, enough for float32 (NumPy has no erf).
_ERF_P = 0.3275911
_ERF_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(xp, x):
    a = xp.abs(x)
    t = 1.0 / (1.0 + _ERF_P * a)
    a1, a2, a3, a4, a5 = _ERF_A
    poly = t * (a1 + t * (a2 + t * (a3 + t * (a4 + t * a5))))
    return xp.sign(x) * (1.0 - poly * xp.exp(-a * a))


# name: (compute(xp, x), gradient(F, x, out, og) -> input gradient)
_UNARY = {
    "abs": (lambda xp, x: xp.abs(x), lambda F, x, out, og: _mul(F, og, F.sign(x))),
    "sign": (lambda xp, x: xp.where(x != x, 0, xp.sign(x)), _zero),  # MXNet: sign(NaN) = 0
    "exp": (lambda xp, x: parallel_ufunc(xp.exp, x), lambda F, x, out, og: _mul(F, og, out)),
    "expm1": (lambda xp, x: xp.expm1(x), lambda F, x, out, og: _mul(F, og, F.exp(x))),
    "log": (lambda xp, x: xp.log(x), lambda F, x, out, og: _div(F, og, x)),
    "log10": (lambda xp, x: xp.log10(x), lambda F, x, out, og: _div(F, og, _scale(F, x, _LN10))),
    "log2": (lambda xp, x: xp.log2(x), lambda F, x, out, og: _div(F, og, _scale(F, x, _LN2))),
    "log1p": (lambda xp, x: xp.log1p(x), lambda F, x, out, og: _div(F, og, F._plus_scalar(x, scalar=1.0))),
    "sqrt": (lambda xp, x: xp.sqrt(x), lambda F, x, out, og: _div(F, _scale(F, og, 0.5), out)),
    "rsqrt": (lambda xp, x: 1 / xp.sqrt(x),
              lambda F, x, out, og: _scale(F, _div(F, _mul(F, og, out), x), -0.5)),
    "cbrt": (lambda xp, x: xp.cbrt(x),
             lambda F, x, out, og: _div(F, og, _scale(F, F.square(out), 3.0))),
    "rcbrt": (lambda xp, x: 1 / xp.cbrt(x),
              lambda F, x, out, og: _scale(F, _div(F, _mul(F, og, out), x), -1.0 / 3.0)),
    "square": (lambda xp, x: x * x, lambda F, x, out, og: _mul(F, og, _scale(F, x, 2.0))),
    "reciprocal": (lambda xp, x: 1 / x,
                   lambda F, x, out, og: F.negative(_mul(F, og, F.square(out)))),
    "relu": (lambda xp, x: xp.maximum(x, 0),
             lambda F, x, out, og: _mul(F, og, F._greater_scalar(x, scalar=0.0))),
    "sigmoid": (_sigmoid,
                lambda F, x, out, og: _mul(F, og, _mul(F, out, F._rminus_scalar(out, scalar=1.0)))),
    "tanh": (lambda xp, x: parallel_ufunc(xp.tanh, x), lambda F, x, out, og: _mul(F, og, _one_minus_square(F, out))),
    "softrelu": (lambda xp, x: xp.logaddexp(0, x), lambda F, x, out, og: _mul(F, og, F.sigmoid(x))),
    "softsign": (lambda xp, x: x / (1 + xp.abs(x)),
                 lambda F, x, out, og: _div(F, og, F.square(F._plus_scalar(F.abs(x), scalar=1.0)))),
    "sin": (lambda xp, x: xp.sin(x), lambda F, x, out, og: _mul(F, og, F.cos(x))),
    "cos": (lambda xp, x: xp.cos(x), lambda F, x, out, og: F.negative(_mul(F, og, F.sin(x)))),
    "tan": (lambda xp, x: xp.tan(x),
            lambda F, x, out, og: _mul(F, og, F._plus_scalar(F.square(out), scalar=1.0))),
    "arcsin": (lambda xp, x: xp.arcsin(x),
               lambda F, x, out, og: _mul(F, og, F.rsqrt(_one_minus_square(F, x)))),
    "arccos": (lambda xp, x: xp.arccos(x),
               lambda F, x, out, og: F.negative(_mul(F, og, F.rsqrt(_one_minus_square(F, x))))),
    "arctan": (lambda xp, x: xp.arctan(x),
               lambda F, x, out, og: _div(F, og, F._plus_scalar(F.square(x), scalar=1.0))),
    "sinh": (lambda xp, x: xp.sinh(x), lambda F, x, out, og: _mul(F, og, F.cosh(x))),
    "cosh": (lambda xp, x: xp.cosh(x), lambda F, x, out, og: _mul(F, og, F.sinh(x))),
    "arcsinh": (lambda xp, x: xp.arcsinh(x),
                lambda F, x, out, og: _mul(F, og, F.rsqrt(F._plus_scalar(F.square(x), scalar=1.0)))),
    "arccosh": (lambda xp, x: xp.arccosh(x),
                lambda F, x, out, og: _mul(F, og, F.rsqrt(F._minus_scalar(F.square(x), scalar=1.0)))),
    "arctanh": (lambda xp, x: xp.arctanh(x),
                lambda F, x, out, og: _div(F, og, _one_minus_square(F, x))),
    "degrees": (lambda xp, x: xp.degrees(x), lambda F, x, out, og: _scale(F, og, 180.0 / math.pi)),
    "radians": (lambda xp, x: xp.radians(x), lambda F, x, out, og: _scale(F, og, math.pi / 180.0)),
    "floor": (lambda xp, x: xp.floor(x), _zero),
    "ceil": (lambda xp, x: xp.ceil(x), _zero),
    "round": (_round_half_away, _zero),
    "rint": (_rint_half_down, _zero),
    "fix": (lambda xp, x: xp.trunc(x), _zero),
    "trunc": (lambda xp, x: xp.trunc(x), _zero),
    "logical_not": (lambda xp, x: x == 0, _zero),
    "erf": (_erf, lambda F, x, out, og: _mul(F, og, _scale(F, F.exp(F.negative(F.square(x))),
                                                           _TWO_OVER_SQRT_PI))),
}


def _register_unary(name, compute, grad):
    def compute_one(xp, inputs, attrs):
        x = inputs[0]
        result = compute(xp, x)
        # NumPy promotes ints to float64 (exp) and bools come from logical_not; MXNet keeps the dtype.
        return result if result.dtype == x.dtype else result.astype(x.dtype)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [grad(F, inputs[0], outputs[0], _dense_og(F, out_grads[0]))]

    impl = type(name, (), {"compute": compute_one, "gradient": gradient,
                           "__doc__": "%s of the input, elementwise." % name})
    # Piecewise-constant operators (rounding, sign) have a zero gradient by definition.
    operator(name, elementwise=True, differentiable=grad is not _zero)(impl)


for _name, (_compute, _grad) in _UNARY.items():
    _register_unary(_name, _compute, _grad)


# --- gradient flow ------------------------------------------------------------------------------
@operator("BlockGrad", aliases=("stop_gradient",), elementwise=True, differentiable=False)
class BlockGrad:
    """The input unchanged; no gradient flows back through it (MXNet writes zeros)."""
    def compute(xp, inputs, attrs):
        return inputs[0]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.zeros_like(inputs[0])]


@operator("make_loss", elementwise=True)
class MakeLossSimple:
    """The input unchanged, marked as a loss: its gradient is ones, whatever the head gradient."""
    def compute(xp, inputs, attrs):
        return inputs[0]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.ones_like(inputs[0])]


@operator("MakeLoss", params={"grad_scale": Float(1.0), "valid_thresh": Float(0.0, low=0.0),
                              "normalization": Enum(("null", "batch", "valid"), "null")})
class MakeLoss:
    """The input unchanged, marked as a loss. Its gradient ignores the head gradient: grad_scale,
    divided by the batch size ('batch') or by the count of inputs above valid_thresh ('valid')."""
    def compute(xp, inputs, attrs):
        return inputs[0]

    def gradient(F, attrs, inputs, outputs, out_grads):
        x = inputs[0]
        scaled = _scale(F, F.ones_like(x), attrs["grad_scale"])
        norm = attrs["normalization"]
        if norm == "batch":
            # The batch size in every element: ones summed over axis 0, broadcast back.
            count = F.broadcast_like(F.sum(F.ones_like(x), axis=0, keepdims=True), x)
            return [_div(F, scaled, count)]
        if norm == "valid":
            valid = F.sum(F._greater_scalar(x, scalar=attrs["valid_thresh"]))
            count = F.broadcast_like(F._maximum_scalar(valid, scalar=1.0), x)
            return [_div(F, scaled, count)]
        return [scaled]
