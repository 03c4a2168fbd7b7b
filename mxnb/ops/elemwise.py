"""Binary arithmetic and comparison in MXNet's three forms: elementwise (same shapes),
broadcast_* (NumPy broadcasting) and *_scalar (an array and a number).

Gradients of broadcast operators sum back to each input's shape with `_reduce_like`.
"""
import math

import numpy as np

from ..base import InvalidArgumentError, ShapeError
from .params import Axis, Float
from .registry import operator, same_shape_backward

_SCALAR = {"scalar": Float(1.0)}


def _broadcast_shape(attrs, in_shapes):
    a, b = in_shapes
    if a is None or b is None:
        return in_shapes, [None]
    ndim = max(len(a), len(b))
    pa, pb = (1,) * (ndim - len(a)) + tuple(a), (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for x, y in zip(pa, pb):
        if x == y or y == 1:
            out.append(x)
        elif x == 1:
            out.append(y)
        else:
            raise ShapeError("operands could not be broadcast together with shapes %s and %s"
                             % (tuple(a), tuple(b)))
    return in_shapes, [tuple(out)]


def _same_shape(attrs, in_shapes):
    a, b = in_shapes
    if a is not None and b is not None and tuple(a) != tuple(b):
        # MXNet 1.x: 0 is an unknown dimension, filled from the other input.
        if len(a) != len(b) or any(x and y and x != y for x, y in zip(a, b)):
            raise ShapeError("expected inputs of the same shape, found %s and %s (use broadcast_* "
                             "operators to broadcast)" % (tuple(a), tuple(b)))
        merged = tuple(x or y for x, y in zip(a, b))
        return [merged, merged], [merged]
    known = a if a is not None else b
    return [known, known], [known]


def _cast_like(result, like):
    """NumPy 2 promotes int arrays with float scalars; MXNet keeps the array's dtype."""
    return result if result.dtype == like.dtype else result.astype(like.dtype)


# --- integer arithmetic as MXNet's kernels do it ------------------------------------------------
def _both_integer(a, b):
    return a.dtype.kind in "iu" and b.dtype.kind in "iu"


def _int_divide(xp, a, b):
    """C's integer division (truncated toward zero), MXNet's for integer dtypes: -7 / 2 is -3."""
    if bool((b == 0).any()):    # MXNet's process dies of SIGFPE here; an error is clearer
        raise InvalidArgumentError("integer division by zero (%s array divided by a zero of "
                                   "dtype %s)" % (a.dtype, b.dtype))
    quotient = xp.floor_divide(a, b)
    # floor and truncation differ where the exact quotient is negative and not an integer
    return quotient + ((quotient < 0) & (quotient * b != a))


def _divide(xp, a, b):
    """a / b: true division for floats, truncating division that keeps integer dtypes."""
    return _int_divide(xp, a, b) if _both_integer(a, b) else a / b


def _mod(xp, a, b):
    """a mod b with the divisor's sign (Python's %), and 0 where b is 0, as MXNet's `mod`."""
    zero = b == 0
    if not bool(zero.any()):
        return xp.mod(a, b)
    return xp.where(zero, 0, xp.mod(a, xp.where(zero, 1, b)))


def _via_float32(ufunc):
    """`ufunc` for integer dtypes the way MXNet computes it (single-precision math, then the
    result converted back to the integer dtype); unchanged for floats."""
    def compute(xp, a, b):
        if not _both_integer(a, b):
            return ufunc(xp)(a, b)
        dtype = np.result_type(a.dtype, b.dtype)
        return ufunc(xp)(a.astype(np.float32), b.astype(np.float32)).astype(dtype)
    return compute


_power = _via_float32(lambda xp: xp.power)
_hypot = _via_float32(lambda xp: xp.hypot)


def _scalar_as(dtype, scalar):
    """`scalar` as MXNet's scalar kernels see it: converted to the array's dtype first, with C's
    conversion for integers as x86 does it (truncated toward zero through a 32-bit int, 64-bit
    for int64; out of that range or not finite: its minimum; then wrapped to the dtype): for an
    int32 array x / 2.5 is x / 2 and x - 0.5 is x; for uint8, -1.0 is 255."""
    if dtype.kind not in "iu":
        return dtype.type(scalar)
    bits = 8 * dtype.itemsize
    lowest = -(1 << (63 if bits == 64 else 31))
    value = math.trunc(scalar) if math.isfinite(scalar) else lowest
    if not lowest <= value < -lowest:
        value = lowest
    value &= (1 << bits) - 1
    if dtype.kind == "i" and value >= 1 << (bits - 1):
        value -= 1 << bits
    return dtype.type(value)


# name: (compute(xp, a, b), gradient(F, kind, a, b, out, og) -> (ga, gb) or None, MXNet aliases)
# `kind` is 'elemwise' or 'broadcast', picking the operator family the gradient is written with.
def _mul(F, k, a, b):
    return F.elemwise_mul(a, b) if k == "elemwise" else F.broadcast_mul(a, b)


def _div(F, k, a, b):
    return F.elemwise_div(a, b) if k == "elemwise" else F.broadcast_div(a, b)


def _float_mask(F, x):
    """Ones of `x`'s shape for floating-point dtypes, zeros for integer ones, built from
    registered operators (a symbol's dtype is not known when its gradient graph is written):
    a scalar operator converts 0.5 to the integer 0 for integer arrays, as MXNet does."""
    return F.ceil(F._mul_scalar(F.ones_like(x), scalar=0.5))


def _integer_safe(F, x):
    """`x`, with every element of an integer `x` replaced by 1: a divisor that cannot be 0."""
    return F.where(_float_mask(F, x), x, F.ones_like(x))


def _zero_if_integer(F, og, out):
    """`og`, or zeros where the output `out` has an integer dtype: MXNet's mod gradients
    (mod_grad, mod_rgrad) are 0 for integers."""
    return F.where(_float_mask(F, out), og, F.zeros_like(og))


def _mod_gradient(F, k, a, b, out, og):
    """d(a mod b): (og, -og * floor(a / b)) for floats; zero for integer dtypes (whose integer
    division by a zero b is avoided)."""
    ga = _zero_if_integer(F, og, out)
    return ga, F.negative(_mul(F, k, ga, F.floor(_div(F, k, a, _integer_safe(F, b)))))


def _cmp_compute(fn):
    return lambda xp, a, b: fn(xp, a, b).astype(a.dtype)


_BINARY = {
    "add": (lambda xp, a, b: a + b,
            lambda F, k, a, b, out, og: (og, og)),
    "sub": (lambda xp, a, b: a - b,
            lambda F, k, a, b, out, og: (og, F.negative(og))),
    "mul": (lambda xp, a, b: a * b,
            lambda F, k, a, b, out, og: (_mul(F, k, og, b), _mul(F, k, og, a))),
    "div": (_divide,
            lambda F, k, a, b, out, og: (_div(F, k, og, b),
                                         F.negative(_div(F, k, _mul(F, k, og, out), b)))),
    "mod": (_mod, lambda F, k, a, b, out, og: _mod_gradient(F, k, a, b, out, og)),
    "power": (_power,
              lambda F, k, a, b, out, og: (
                  _mul(F, k, og, _mul(F, k, b, _div(F, k, out, a))),
                  _mul(F, k, og, _mul(F, k, out, F.log(a))))),
    "maximum": (lambda xp, a, b: xp.maximum(a, b),
                lambda F, k, a, b, out, og: (_mul(F, k, og, _cmp(F, k, "greater_equal", a, b)),
                                             _mul(F, k, og, _cmp(F, k, "lesser", a, b)))),
    "minimum": (lambda xp, a, b: xp.minimum(a, b),
                lambda F, k, a, b, out, og: (_mul(F, k, og, _cmp(F, k, "lesser_equal", a, b)),
                                             _mul(F, k, og, _cmp(F, k, "greater", a, b)))),
    "hypot": (_hypot,
              lambda F, k, a, b, out, og: (_mul(F, k, og, _div(F, k, a, out)),
                                           _mul(F, k, og, _div(F, k, b, out)))),
    "equal": (_cmp_compute(lambda xp, a, b: a == b), None),
    "not_equal": (_cmp_compute(lambda xp, a, b: a != b), None),
    "greater": (_cmp_compute(lambda xp, a, b: a > b), None),
    "greater_equal": (_cmp_compute(lambda xp, a, b: a >= b), None),
    "lesser": (_cmp_compute(lambda xp, a, b: a < b), None),
    "lesser_equal": (_cmp_compute(lambda xp, a, b: a <= b), None),
    "logical_and": (_cmp_compute(lambda xp, a, b: xp.logical_and(a, b)), None),
    "logical_or": (_cmp_compute(lambda xp, a, b: xp.logical_or(a, b)), None),
    "logical_xor": (_cmp_compute(lambda xp, a, b: xp.logical_xor(a, b)), None),
}


def _cmp(F, kind, name, a, b):
    return getattr(F, ("_" if kind == "elemwise" else "broadcast_") + name)(a, b)


# MXNet's names for the elementwise family: canonical name, then aliases.
_ELEMWISE_NAMES = {
    "add": ("elemwise_add", ("_add", "_plus", "_Plus"), "_plus"),
    "sub": ("elemwise_sub", ("_sub", "_minus", "_Minus"), "_minus"),
    "mul": ("elemwise_mul", ("_mul", "_Mul"), "_mul"),
    "div": ("elemwise_div", ("_div", "_Div"), "_div"),
    "mod": ("_mod", ("_Mod",), "_mod"),
    "power": ("_power", ("_Power",), "_power"),
    "maximum": ("_maximum", ("_Maximum",), "_maximum"),
    "minimum": ("_minimum", ("_Minimum",), "_minimum"),
    "hypot": ("_hypot", ("_Hypot",), "_hypot"),
    "equal": ("_equal", (), "_equal"),
    "not_equal": ("_not_equal", (), "_not_equal"),
    "greater": ("_greater", (), "_greater"),
    "greater_equal": ("_greater_equal", (), "_greater_equal"),
    "lesser": ("_lesser", (), "_lesser"),
    "lesser_equal": ("_lesser_equal", (), "_lesser_equal"),
    "logical_and": ("_logical_and", (), "_logical_and"),
    "logical_or": ("_logical_or", (), "_logical_or"),
    "logical_xor": ("_logical_xor", (), "_logical_xor"),
}
_BROADCAST_ALIASES = {"add": ("broadcast_plus",), "sub": ("broadcast_minus",)}


def _register_binary(key, compute, grad):
    def elemwise_gradient(F, attrs, inputs, outputs, out_grads):
        return grad(F, "elemwise", inputs[0], inputs[1], outputs[0], out_grads[0])

    def broadcast_gradient(F, attrs, inputs, outputs, out_grads):
        a, b = inputs
        ga, gb = grad(F, "broadcast", a, b, outputs[0], out_grads[0])
        return [F._reduce_like(ga, a), F._reduce_like(gb, b)]

    def compute_pair(xp, inputs, attrs):
        return compute(xp, inputs[0], inputs[1])

    def compute_same_shape(xp, inputs, attrs):
        a, b = inputs
        if a.shape != b.shape:      # as MXNet's elemwise_*: NumPy would broadcast silently
            _same_shape(attrs, [a.shape, b.shape])
        return compute(xp, a, b)

    name, aliases, hint = _ELEMWISE_NAMES[key]
    impl = type(name, (), {"compute": compute_same_shape, "infer_shape": _same_shape,
                           "infer_shape_backward": same_shape_backward,
                           "gradient": elemwise_gradient if grad else None})
    # Comparisons and logical operators have no gradient: zero by definition (MXNet's too).
    operator(name, inputs=("lhs", "rhs"), aliases=aliases, elementwise=True, hint=hint,
             differentiable=grad is not None, inplace=((0, 0), (1, 0)))(impl)
    bname = "broadcast_" + ("lesser" if key == "lesser" else key)
    impl = type(bname, (), {"compute": compute_pair, "infer_shape": _broadcast_shape,
                            "gradient": broadcast_gradient if grad else None})
    operator(bname, inputs=("lhs", "rhs"), aliases=_BROADCAST_ALIASES.get(key, ()),
             elementwise=True, differentiable=grad is not None)(impl)


for _key, (_compute, _grad) in _BINARY.items():
    _register_binary(_key, _compute, _grad)


# --- array (op) scalar --------------------------------------------------------------------------
# name: (compute(xp, x, s), gradient(F, x, s, out, og), aliases)
_SCALARS = {
    "_plus_scalar": (lambda xp, x, s: x + s, lambda F, x, s, out, og: og, ("_PlusScalar",)),
    "_minus_scalar": (lambda xp, x, s: x - s, lambda F, x, s, out, og: og, ("_MinusScalar",)),
    "_rminus_scalar": (lambda xp, x, s: s - x, lambda F, x, s, out, og: F.negative(og), ("_RMinusScalar",)),
    "_mul_scalar": (lambda xp, x, s: x * s, lambda F, x, s, out, og: F._mul_scalar(og, scalar=s), ("_MulScalar",)),
    "_div_scalar": (_divide, lambda F, x, s, out, og: F._div_scalar(og, scalar=s), ("_DivScalar",)),
    "_rdiv_scalar": (lambda xp, x, s: _divide(xp, s, x),
                     lambda F, x, s, out, og: F.negative(F.elemwise_div(F.elemwise_mul(og, out), x)),
                     ("_RDivScalar",)),
    "_mod_scalar": (_mod, lambda F, x, s, out, og: _zero_if_integer(F, og, out), ("_ModScalar",)),
    "_rmod_scalar": (lambda xp, x, s: _mod(xp, s, x),
                     lambda F, x, s, out, og: F.negative(F.elemwise_mul(
                         _zero_if_integer(F, og, out), F.floor(F._rdiv_scalar(_integer_safe(F, x), scalar=s)))),
                     ("_RModScalar",)),
    "_power_scalar": (_power,
                      lambda F, x, s, out, og: F.elemwise_mul(og, F._mul_scalar(F._power_scalar(x, scalar=s - 1), scalar=s)),
                      ("_PowerScalar",)),
    "_rpower_scalar": (lambda xp, x, s: _power(xp, s, x),
                       lambda F, x, s, out, og: F._mul_scalar(F.elemwise_mul(og, out), scalar=math.log(s)),
                       ("_RPowerScalar",)),
    "_maximum_scalar": (lambda xp, x, s: xp.maximum(x, s),
                        lambda F, x, s, out, og: F.elemwise_mul(og, F._greater_equal_scalar(x, scalar=s)),
                        ("_MaximumScalar",)),
    "_minimum_scalar": (lambda xp, x, s: xp.minimum(x, s),
                        lambda F, x, s, out, og: F.elemwise_mul(og, F._lesser_equal_scalar(x, scalar=s)),
                        ("_MinimumScalar",)),
    "_hypot_scalar": (_hypot,
                      lambda F, x, s, out, og: F.elemwise_mul(og, F.elemwise_div(x, out)), ("_HypotScalar",)),
    "_equal_scalar": (lambda xp, x, s: x == s, None, ("_EqualScalar",)),
    "_not_equal_scalar": (lambda xp, x, s: x != s, None, ("_NotEqualScalar",)),
    "_greater_scalar": (lambda xp, x, s: x > s, None, ("_GreaterScalar",)),
    "_greater_equal_scalar": (lambda xp, x, s: x >= s, None, ("_GreaterEqualScalar",)),
    "_lesser_scalar": (lambda xp, x, s: x < s, None, ("_LesserScalar",)),
    "_lesser_equal_scalar": (lambda xp, x, s: x <= s, None, ("_LesserEqualScalar",)),
    "_logical_and_scalar": (lambda xp, x, s: xp.logical_and(x, s), None, ("_LogicalAndScalar",)),
    "_logical_or_scalar": (lambda xp, x, s: xp.logical_or(x, s), None, ("_LogicalOrScalar",)),
    "_logical_xor_scalar": (lambda xp, x, s: xp.logical_xor(x, s), None, ("_LogicalXorScalar",)),
}


def _register_scalar(name, compute, grad, aliases):
    def compute_scalar(xp, inputs, attrs):
        x = inputs[0]
        return _cast_like(compute(xp, x, _scalar_as(x.dtype, attrs["scalar"])), x)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [grad(F, inputs[0], attrs["scalar"], outputs[0], out_grads[0])]

    impl = type(name, (), {"compute": compute_scalar, "gradient": gradient if grad else None})
    operator(name, params=_SCALAR, aliases=aliases, elementwise=True,
             hint=aliases[0].lower() if aliases else None, differentiable=grad is not None,
             inplace=((0, 0),))(impl)


for _name, (_compute, _grad, _aliases) in _SCALARS.items():
    _register_scalar(_name, _compute, _grad, _aliases)


@operator("negative", elementwise=True)
class Negative:
    """-x, elementwise."""
    def compute(xp, inputs, attrs):
        return -inputs[0]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.negative(out_grads[0])]


# --- the broadcast machinery ------------------------------------------------------------------
def _reduce_axes(grad_shape, shape):
    """Axes of `grad_shape` to sum so that it becomes `shape` (NumPy broadcasting, reversed)."""
    lead = len(grad_shape) - len(shape)
    axes = list(range(lead))
    axes += [lead + i for i, d in enumerate(shape) if d == 1 and grad_shape[lead + i] != 1]
    return tuple(axes)


@operator("_reduce_like", inputs=("data", "like"))
class ReduceLike:
    """Sums `data` over the axes along which `like` was broadcast, giving `like`'s shape."""
    def compute(xp, inputs, attrs):
        data, like = inputs
        if data.shape == like.shape:
            return data
        axes = _reduce_axes(data.shape, like.shape)
        # in data's dtype: NumPy would sum small integers into int64
        return data.sum(axis=axes, dtype=data.dtype).reshape(like.shape)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.broadcast_like(out_grads[0], inputs[0]), None]


def _like_shape(attrs, lhs, rhs):
    """The shape broadcast_like gives `lhs` (shapes): `rhs`'s, or, with lhs_axes and rhs_axes,
    `lhs`'s with each lhs_axes[i] taken from rhs's rhs_axes[i]. As MXNet, the axes count only
    when both are given (one alone is ignored), and then they may not be empty."""
    if attrs["lhs_axes"] is None or attrs["rhs_axes"] is None:
        return _whole_like_shape(lhs, rhs)
    lhs_axes, rhs_axes = ((axes,) if isinstance(axes, int) else tuple(axes)
                          for axes in (attrs["lhs_axes"], attrs["rhs_axes"]))
    if not lhs_axes:
        raise ShapeError("broadcast_like: lhs_axes and rhs_axes are empty; give the axes to "
                         "broadcast, or neither (None) to take rhs's whole shape")
    if len(lhs_axes) != len(rhs_axes):
        raise ShapeError("broadcast_like: lhs_axes %s and rhs_axes %s must be as long as each "
                         "other" % (lhs_axes, rhs_axes))
    out = list(lhs)
    for la, ra in zip(lhs_axes, rhs_axes):
        if not (-len(lhs) <= la < len(lhs) and -len(rhs) <= ra < len(rhs)):
            raise ShapeError("broadcast_like: axis pair (%d, %d) is outside lhs %s or rhs %s"
                             % (la, ra, tuple(lhs), tuple(rhs)))
        if lhs[la] not in (1, rhs[ra]):
            raise ShapeError("broadcast_like: lhs axis %d has size %d, which cannot broadcast "
                             "to rhs axis %d of size %d" % (la, lhs[la], ra, rhs[ra]))
        out[la] = rhs[ra]
    return tuple(out)


def _whole_like_shape(lhs, rhs):
    """rhs's shape, which lhs must reach by broadcasting. (MXNet also refuses an lhs with fewer
    axes than rhs; gradients here rely on NumPy's rule, which adds leading axes.)"""
    ndim = len(rhs)
    padded = (1,) * (ndim - len(lhs)) + tuple(lhs)
    # a 0 is a size shape inference does not know yet (MXNet 1.x's convention)
    if len(lhs) > ndim or any(a not in (1, b) and a and b for a, b in zip(padded, rhs)):
        raise ShapeError("broadcast_like: lhs of shape %s cannot be broadcast to rhs's shape %s"
                         % (tuple(lhs), tuple(rhs)))
    return tuple(rhs)


@operator("broadcast_like", params={
    "lhs_axes": Axis(None, doc="Axes of lhs to broadcast; None: all of rhs's shape."),
    "rhs_axes": Axis(None, doc="Axes of rhs whose sizes lhs_axes take.")}, inputs=("lhs", "rhs"))
class BroadcastLike:
    """`lhs` broadcast to the shape of `rhs`, or only along lhs_axes to the sizes of rhs's
    rhs_axes."""
    def compute(xp, inputs, attrs):
        lhs, rhs = inputs
        return xp.ascontiguousarray(xp.broadcast_to(lhs, _like_shape(attrs, lhs.shape, rhs.shape)))

    def infer_shape(attrs, in_shapes):
        lhs, rhs = in_shapes
        with_axes = attrs["lhs_axes"] is not None and attrs["rhs_axes"] is not None
        if rhs is None or (lhs is None and with_axes):
            return in_shapes, [None]
        return in_shapes, [_like_shape(attrs, lhs, rhs) if lhs is not None else tuple(rhs)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._reduce_like(out_grads[0], inputs[0]), None]
