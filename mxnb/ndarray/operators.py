"""NDArray's Python operators (+, -, *, /, **, %, comparisons, in-place forms) and fluent methods.

Each operator picks its registered operator once, here; a call does no look-ups. Arrays of
different shapes broadcast (MXNet 1.x NDArray semantics).
"""
import numbers

from ..base import MXNetError
from ..ops import registry
from ..graph import tape
from .ndarray import NDArray, invoke, bump_version, copy_into

_op = registry.get


def _binary(elemwise, broadcast, scalar, rscalar=None):
    """An operator method: arrays go to the elemwise or broadcast operator, numbers to scalar ones."""
    e_op, b_op, s_op = _op(elemwise), _op(broadcast), _op(scalar)
    r_op = _op(rscalar) if rscalar else s_op

    def method(self, other):
        if isinstance(other, NDArray):
            if other._raw.shape == self._raw.shape:     # _raw: no wait for pending work
                return invoke(e_op, [self, other], e_op.defaults)
            return invoke(b_op, [self, other], b_op.defaults)
        if isinstance(other, numbers.Number):
            return invoke(s_op, [self], {"scalar": float(other)})
        return NotImplemented

    def reflected(self, other):
        if isinstance(other, numbers.Number):
            return invoke(r_op, [self], {"scalar": float(other)})
        if isinstance(other, NDArray):
            return method(other, self)
        return NotImplemented

    return method, reflected


def _inplace(method):
    """x op= y writes the result into x's buffer (so views of x see it)."""
    def inplace(self, other):
        result = method(self, other)
        if result is NotImplemented:
            return result
        if result._raw.shape != self._raw.shape:
            raise MXNetError("in-place operation would change shape %s to %s"
                             % (self.shape, result.shape))
        copy_into(self, result)
        bump_version(self)
        entry = result._entry
        if entry is not None and entry[0].out_values is not None:
            tape.rebind_output(entry[0], entry[1], self)     # self now stands for the result
        else:
            self._entry = entry
        return self
    return inplace


_TABLE = {
    "add": ("elemwise_add", "broadcast_add", "_plus_scalar", None),
    "sub": ("elemwise_sub", "broadcast_sub", "_minus_scalar", "_rminus_scalar"),
    "mul": ("elemwise_mul", "broadcast_mul", "_mul_scalar", None),
    "truediv": ("elemwise_div", "broadcast_div", "_div_scalar", "_rdiv_scalar"),
    "mod": ("_mod", "broadcast_mod", "_mod_scalar", "_rmod_scalar"),
    "pow": ("_power", "broadcast_power", "_power_scalar", "_rpower_scalar"),
}
for _name, _names in _TABLE.items():
    _m, _r = _binary(*_names)
    setattr(NDArray, "__%s__" % _name, _m)
    setattr(NDArray, "__r%s__" % _name, _r)
    setattr(NDArray, "__i%s__" % _name, _inplace(_m))
NDArray.__div__, NDArray.__rdiv__, NDArray.__idiv__ = NDArray.__truediv__, NDArray.__rtruediv__, NDArray.__itruediv__

_COMPARE = {
    "eq": ("_equal", "broadcast_equal", "_equal_scalar"),
    "ne": ("_not_equal", "broadcast_not_equal", "_not_equal_scalar"),
    "gt": ("_greater", "broadcast_greater", "_greater_scalar"),
    "ge": ("_greater_equal", "broadcast_greater_equal", "_greater_equal_scalar"),
    "lt": ("_lesser", "broadcast_lesser", "_lesser_scalar"),
    "le": ("_lesser_equal", "broadcast_lesser_equal", "_lesser_equal_scalar"),
}
for _name, _names in _COMPARE.items():
    setattr(NDArray, "__%s__" % _name, _binary(*_names)[0])

_NEG = _op("negative")
NDArray.__neg__ = lambda self: invoke(_NEG, [self], _NEG.defaults)
NDArray.__pos__ = lambda self: self
NDArray.__abs__ = lambda self: self.abs()


# Fluent methods: x.exp(), x.sum(axis=1), x.reshape((2, 3)) ... as MXNet's NDArray has them.
FLUENT = [
    "abs", "sign", "exp", "expm1", "log", "log10", "log2", "log1p", "sqrt", "rsqrt", "cbrt",
    "square", "reciprocal", "relu", "sigmoid", "tanh", "softrelu", "sin", "cos", "tan", "arcsin",
    "arccos", "arctan", "sinh", "cosh", "arcsinh", "arccosh", "arctanh", "degrees", "radians",
    "floor", "ceil", "round", "rint", "fix", "trunc", "sum", "nansum", "mean", "max", "min", "prod",
    "nanprod", "argmax", "argmin", "norm", "transpose", "expand_dims", "squeeze", "flatten",
    "split", "slice", "slice_axis", "take", "pick", "one_hot", "clip", "tile", "repeat",
    "broadcast_to", "broadcast_like", "zeros_like", "ones_like", "softmax", "log_softmax",
    "flip", "swapaxes", "topk", "sort", "argsort", "diag", "dot", "reshape_like", "where",
    "argmax_channel", "shape_array", "size_array", "sigmoid", "erf", "gamma", "gammaln",
    "rcbrt", "softmin", "slice_like", "broadcast_axes", "pad", "depth_to_space",
    "space_to_depth",
]


def _fluent(name, op):
    """x.name(*args, **kwargs) is nd.name(x, *args, **kwargs), as in MXNet: the generated
    function itself, bound as a method (its fast path, out= and name= included)."""
    from .register import make_nd_function
    method = make_nd_function(op, name)
    method.__doc__ = op.doc
    return method


def install_fluent_methods():
    for name in FLUENT:
        op = registry.find(name)
        if op is not None and not hasattr(NDArray, name):
            setattr(NDArray, name, _fluent(name, op))


_RESHAPE = _op("Reshape")
_BROADCAST_TO = _op("broadcast_to")


def _reshape(self, *shape, **kwargs):
    """A view with a new shape; MXNet's special values 0, -1, -2, -3, -4 are understood."""
    if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
        shape = tuple(shape[0])
    if "shape" in kwargs:
        shape = tuple(kwargs.pop("shape"))
    return invoke(_RESHAPE, [self], _RESHAPE.parse_attrs(dict(kwargs, shape=shape)))


NDArray.reshape = _reshape


def _broadcast_to(self, shape):
    """A copy broadcast to `shape`; as MXNet's method (not its operator), missing leading axes
    are added first, so (2,) broadcasts to (3, 2)."""
    shape = tuple(shape)
    array = self
    if len(shape) > self.ndim:
        array = self.reshape((1,) * (len(shape) - self.ndim) + self.shape)
    return invoke(_BROADCAST_TO, [array], _BROADCAST_TO.parse_attrs({"shape": shape}))


NDArray.broadcast_to = _broadcast_to


def _split_v2(self, *args, **kwargs):
    """nd.split_v2 of this array (MXNet's method): split at the given indices, or into equal
    sections, along `axis`."""
    from .split_histogram import split_v2
    return split_v2(self, *args, **kwargs)


_SLICE_ASSIGN = _op("_slice_assign")
_SLICE_ASSIGN_SCALAR = _op("_slice_assign_scalar")


def _slice_assign(self, rhs, begin, end, step):
    """Writes `rhs` into the slice [begin:end:step] of this array, in place; returns this array
    (MXNet's method over _slice_assign)."""
    attrs = _SLICE_ASSIGN.parse_attrs({"begin": begin, "end": end, "step": step})
    return invoke(_SLICE_ASSIGN, [self, rhs], attrs, out=self)


def _slice_assign_scalar(self, value, begin, end, step):
    """Writes the number `value` into the slice [begin:end:step] of this array, in place;
    returns this array (MXNet's method over _slice_assign_scalar)."""
    attrs = _SLICE_ASSIGN_SCALAR.parse_attrs({"scalar": float(value), "begin": begin,
                                              "end": end, "step": step})
    return invoke(_SLICE_ASSIGN_SCALAR, [self], attrs, out=self)


NDArray.split_v2 = _split_v2
NDArray.slice_assign = _slice_assign
NDArray.slice_assign_scalar = _slice_assign_scalar
