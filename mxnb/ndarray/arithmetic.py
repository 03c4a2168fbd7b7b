"""`nd.add`, `nd.maximum`, `nd.greater`, ...: binary functions on arrays and numbers alike.

Each picks the elementwise, broadcast or scalar operator as NDArray's Python operators do
(MXNet's `_ufunc_helper`).
"""
import numbers
import operator as _pyop

from .operators import _binary
from .ndarray import NDArray

__all__ = ["add", "subtract", "multiply", "divide", "true_divide", "modulo", "power", "maximum",
           "minimum", "hypot", "equal", "not_equal", "greater", "greater_equal", "lesser",
           "lesser_equal", "logical_and", "logical_or", "logical_xor"]


def _function(name, elemwise, broadcast, scalar, rscalar, python_fn):
    method, reflected = _binary(elemwise, broadcast, scalar, rscalar)

    def function(lhs, rhs):
        if isinstance(lhs, NDArray):
            return method(lhs, rhs)
        if isinstance(rhs, NDArray):
            return reflected(rhs, lhs)
        if isinstance(lhs, numbers.Number) and isinstance(rhs, numbers.Number):
            return python_fn(lhs, rhs)
        raise TypeError("%s takes NDArrays or numbers, found %s and %s"
                        % (name, type(lhs).__name__, type(rhs).__name__))
    function.__name__ = name
    return function


def _commutative(name, python_fn):
    return _function(name, "_" + name, "broadcast_" + name, "_%s_scalar" % name, None, python_fn)


def _cmp(name, python_fn, flipped):
    return _function(name, "_" + name, "broadcast_" + name, "_%s_scalar" % name,
                     "_%s_scalar" % flipped, lambda a, b: 1.0 if python_fn(a, b) else 0.0)


add = _function("add", "elemwise_add", "broadcast_add", "_plus_scalar", None, _pyop.add)
subtract = _function("subtract", "elemwise_sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar", _pyop.sub)
multiply = _function("multiply", "elemwise_mul", "broadcast_mul", "_mul_scalar", None, _pyop.mul)
divide = _function("divide", "elemwise_div", "broadcast_div", "_div_scalar", "_rdiv_scalar", _pyop.truediv)
true_divide = divide
modulo = _function("modulo", "_mod", "broadcast_mod", "_mod_scalar", "_rmod_scalar", _pyop.mod)
power = _function("power", "_power", "broadcast_power", "_power_scalar", "_rpower_scalar", _pyop.pow)
maximum = _commutative("maximum", max)
minimum = _commutative("minimum", min)
hypot = _commutative("hypot", lambda a, b: (a * a + b * b) ** 0.5)
equal = _cmp("equal", _pyop.eq, "equal")
not_equal = _cmp("not_equal", _pyop.ne, "not_equal")
greater = _cmp("greater", _pyop.gt, "lesser")
greater_equal = _cmp("greater_equal", _pyop.ge, "lesser_equal")
lesser = _cmp("lesser", _pyop.lt, "greater")
lesser_equal = _cmp("lesser_equal", _pyop.le, "greater_equal")
logical_and = _commutative("logical_and", lambda a, b: float(bool(a) and bool(b)))
logical_or = _commutative("logical_or", lambda a, b: float(bool(a) or bool(b)))
logical_xor = _commutative("logical_xor", lambda a, b: float(bool(a) != bool(b)))
