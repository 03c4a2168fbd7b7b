"""Reductions over axes: sum, mean, prod, nansum, nanprod, max, min, norm, argmax, argmin,
argmax_channel.

MXNet 1.x has no 0-d arrays: reducing every axis gives shape (1,). `axis` is None, an int or a
tuple; None and () both mean every axis; `exclude=True` reduces over the axes NOT listed.
Gradients broadcast the head gradient back over the reduced axes with `_broadcast_reduced`,
whose own gradient is the sum again, so second order works.
"""
import functools

from ..base import ShapeError, MXNetError
from .params import Axis, Bool, Int, OptInt, OptDType
from .registry import operator

_REDUCE_PARAMS = {"axis": Axis(None), "keepdims": Bool(False), "exclude": Bool(False)}


@functools.lru_cache(maxsize=1024)
def _reduced_axes(name, axis, exclude, ndim):
    """The sorted, non-negative axes to reduce (cached: the same call repeats every step)."""
    if axis is None or axis == ():
        return tuple(range(ndim))
    listed = (axis,) if isinstance(axis, int) else axis
    axes = []
    for a in listed:
        if not -ndim <= a < ndim:
            raise ShapeError("operator %s: axis %d is out of range for an input of %d dimension(s)"
                             % (name, a, ndim))
        axes.append(a % ndim)
    if len(set(axes)) != len(axes):
        raise ShapeError("operator %s: axis %s names an axis twice" % (name, axis))
    if exclude:
        return tuple(i for i in range(ndim) if i not in axes)
    return tuple(sorted(axes))


def _reduced_shape(shape, axes, keepdims):
    if keepdims:
        return tuple(1 if i in axes else d for i, d in enumerate(shape))
    out = tuple(d for i, d in enumerate(shape) if i not in axes)
    return out or (1,)


def _as_dtype(result, like):
    """NumPy returns int64 sums, float64 means of ints and 0-d results; MXNet keeps the dtype
    and gives shape (1,) for a full reduction."""
    if result.dtype != like.dtype:
        result = result.astype(like.dtype)
    return result.reshape(1) if result.ndim == 0 else result


def _reduce_attrs(attrs):
    return {"axis": attrs["axis"], "keepdims": attrs["keepdims"], "exclude": attrs.get("exclude", False)}


def _make_infer_shape(name):
    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        axes = _reduced_axes(name, attrs["axis"], attrs.get("exclude", False), len(shape))
        return in_shapes, [_reduced_shape(shape, axes, attrs["keepdims"])]
    return infer_shape


def _count(shape, axes):
    """The number of elements reduced over `axes` of `shape` (at least 1)."""
    count = 1
    for a in axes:
        count *= shape[a]
    return max(count, 1)


# --- the backward broadcast -------------------------------------------------------------------
@operator("_broadcast_reduced", params=dict(_REDUCE_PARAMS, mean=Bool(False)),
          inputs=("data", "like"))
class BroadcastReduced:
    """`data`, the result of reducing `like` with these attributes, broadcast back to `like`'s
    shape (divided by the count of reduced elements when `mean`): the gradient of sum and mean."""
    def compute(xp, inputs, attrs):
        data, like = inputs
        axes = _reduced_axes("_broadcast_reduced", attrs["axis"], attrs["exclude"], like.ndim)
        kept = _reduced_shape(like.shape, axes, True)
        if data.dtype.kind == "f":
            # one pass into a fresh array (broadcast_to's Python-level setup costs more than
            # the copy at a loss's sizes); the same float division as below
            out = xp.empty(like.shape, dtype=data.dtype)
            if attrs["mean"]:
                xp.divide(data.reshape(kept), _count(like.shape, axes), out=out)
            else:
                out[...] = data.reshape(kept)
            return out
        out = xp.ascontiguousarray(xp.broadcast_to(data.reshape(kept), like.shape))
        if attrs["mean"]:
            out = out / _count(like.shape, axes)
        return out if out.dtype == data.dtype else out.astype(data.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        reduce = F.mean if attrs["mean"] else F.sum
        return [reduce(out_grads[0], **_reduce_attrs(attrs)), None]


def _back(F, attrs, value, x):
    """`value` (shaped like the reduction's output) broadcast back to x's shape."""
    return F._broadcast_reduced(value, x, **_reduce_attrs(attrs))


def _extreme_grad(F, attrs, x, out, og):
    """max/min: the head gradient goes to every element equal to the extreme (as MXNet)."""
    return F.elemwise_mul(_back(F, attrs, og, x), F._equal(x, _back(F, attrs, out, x)))


def _nanprod_grad(F, attrs, x, out, og):
    """out / x where x is a number, 0 where it is NaN. NaNs are replaced by ones before dividing,
    so that no NaN enters the gradient's own gradient either."""
    present = F._equal(x, x)
    safe = F.elemwise_add(F._nan_to_zero(x), F._rminus_scalar(present, scalar=1.0))
    return F.elemwise_mul(F.elemwise_div(_back(F, attrs, F.elemwise_mul(og, out), x), safe), present)


def _mean(xp, x, axes, keepdims):
    """x.mean(), but for float32/float64 as the sum divided in place by the count: the same
    arithmetic as NumPy's mean (a sum, then one true division) without its Python-level
    bookkeeping, a third of a tiny reduction's cost. (NumPy divides in float64 and rounds to
    float32: the same number while the count is exact in float32, below 2**24.)"""
    if x.dtype.kind != "f" or x.dtype.itemsize < 4 or not x.size:
        return x.mean(axis=axes, keepdims=keepdims)
    out = x.sum(axis=axes, keepdims=keepdims)
    count = x.size // out.size
    if count >= 1 << 24:
        return x.mean(axis=axes, keepdims=keepdims)
    # a Python float keeps the array's dtype (exact below 2**24); NumPy's in-place ufunc path
    # and numpy scalars both cost more on tiny arrays
    return out / float(count)


# name: (compute(xp, x, axes, keepdims), gradient(F, attrs, x, out, og), aliases). `axes` is
# None for every axis, an int for one, else a tuple; the array methods (x.sum(...)) work for
# NumPy and CuPy alike and skip np.sum's Python-level dispatch (half a tiny reduction's cost).
_REDUCTIONS = {
    "sum": (lambda xp, x, ax, kd: x.sum(axis=ax, keepdims=kd),
            lambda F, attrs, x, out, og: _back(F, attrs, og, x), ("sum_axis",)),
    "mean": (_mean,
             lambda F, attrs, x, out, og: F._broadcast_reduced(og, x, mean=True, **_reduce_attrs(attrs)),
             ()),
    "prod": (lambda xp, x, ax, kd: x.prod(axis=ax, keepdims=kd),
             lambda F, attrs, x, out, og: F.elemwise_div(
                 _back(F, attrs, F.elemwise_mul(og, out), x), x), ()),
    "nansum": (lambda xp, x, ax, kd: xp.nansum(x, axis=ax, keepdims=kd),
               # x == x is 0 exactly where x is NaN
               lambda F, attrs, x, out, og: F.elemwise_mul(_back(F, attrs, og, x), F._equal(x, x)), ()),
    "nanprod": (lambda xp, x, ax, kd: xp.nanprod(x, axis=ax, keepdims=kd),
                lambda F, attrs, x, out, og: _nanprod_grad(F, attrs, x, out, og), ()),
    "max": (lambda xp, x, ax, kd: x.max(axis=ax, keepdims=kd), _extreme_grad, ("max_axis",)),
    "min": (lambda xp, x, ax, kd: x.min(axis=ax, keepdims=kd), _extreme_grad, ("min_axis",)),
}


def _register_reduction(name, compute, grad, aliases):
    def compute_reduce(xp, inputs, attrs):
        x = inputs[0]
        axis = attrs["axis"]
        # every axis (axis None or (), whatever exclude says): no axes to work out
        axes = None if axis is None or axis == () else \
            _reduced_axes(name, axis, attrs["exclude"], x.ndim)
        if x.ndim and (axes is None or len(axes) == x.ndim):
            # Every axis: reduce with keepdims so the result is an array, never a NumPy scalar
            # (whose reshape costs more than the reduction); MXNet's shape is (1,).
            out = compute(xp, x, None, True)
            if not attrs["keepdims"]:
                out = out.reshape(1)
            return out if out.dtype == x.dtype else out.astype(x.dtype)
        if axes is None:            # a 0-d input: nothing to reduce
            axes = ()
        out = compute(xp, x, axes[0] if len(axes) == 1 else axes, attrs["keepdims"])
        return _as_dtype(out, x)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [grad(F, attrs, inputs[0], outputs[0], out_grads[0])]

    impl = type(name, (), {"compute": compute_reduce, "gradient": gradient,
                           "infer_shape": _make_infer_shape(name),
                           "__doc__": "%s over the given axes (all axes by default)." % name})
    operator(name, params=_REDUCE_PARAMS, aliases=aliases)(impl)


for _name, (_compute, _grad, _aliases) in _REDUCTIONS.items():
    _register_reduction(_name, _compute, _grad, _aliases)


@operator("_nan_to_zero", elementwise=True)
class NanToZero:
    """The input with NaNs replaced by zeros (nanprod's gradient is zero at NaN inputs)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        return xp.where(x != x, xp.zeros((), dtype=x.dtype), x)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.elemwise_mul(out_grads[0], F._equal(inputs[0], inputs[0]))]


# --- norm ---------------------------------------------------------------------------------------
def _l2_norm(xp, x, axes, keepdims):
    """sqrt(sum(x^2)) scaled by the largest |x| first, as MXNet: float32 squares overflow above
    about 1.8e19, the norm itself only above 3.4e38."""
    if x.size == 0 or x.dtype.kind != "f":
        return xp.sqrt(xp.sum(x * x, axis=axes, keepdims=keepdims))
    a = xp.abs(x)
    scale = a.max(axis=axes, keepdims=True)
    finite = xp.isfinite(scale) & (scale > 0)
    safe = xp.where(finite, scale, xp.ones((), dtype=x.dtype))
    scaled = a / safe
    result = safe * xp.sqrt(xp.sum(scaled * scaled, axis=axes, keepdims=True))
    result = xp.where(finite, result, scale)      # all zeros: 0; an inf or a NaN: itself
    return result if keepdims else xp.squeeze(result, axis=axes)


@operator("norm", params={"ord": Int(2, low=1, high=2), "axis": Axis(None), "out_dtype": OptDType(None),
                          "keepdims": Bool(False)})
class Norm:
    """The L2 (ord=2, default) or L1 (ord=1) norm over the given axes (all axes by default)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axes = _reduced_axes("norm", attrs["axis"], False, x.ndim)
        if attrs["ord"] == 2:
            result = _l2_norm(xp, x, axes, attrs["keepdims"])
        elif attrs["ord"] == 1:
            result = xp.sum(xp.abs(x), axis=axes, keepdims=attrs["keepdims"])
        else:
            raise MXNetError("operator norm supports ord=1 and ord=2, found ord=%d" % attrs["ord"])
        dtype = attrs["out_dtype"] or x.dtype
        result = result if result.dtype == dtype else result.astype(dtype)
        return result.reshape(1) if result.ndim == 0 else result

    infer_shape = _make_infer_shape("norm")

    def infer_type(attrs, in_types):
        return in_types, [attrs["out_dtype"] or in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        x, out, og = inputs[0], outputs[0], out_grads[0]
        if attrs["ord"] == 1:
            return [F.elemwise_mul(_back(F, attrs, og, x), F.sign(x))]
        return [F.elemwise_mul(x, _back(F, attrs, F.elemwise_div(og, out), x))]


# --- argmax / argmin ----------------------------------------------------------------------------
def _arg_reduce(name, find):
    def compute(xp, inputs, attrs):
        x = inputs[0]
        axis, keepdims = attrs["axis"], attrs["keepdims"]
        if axis is None:
            # MXNet: the index into the flattened array, shape (1,) ((1,) * ndim with keepdims).
            index = find(xp, x.reshape(-1), 0)
            shape = (1,) * x.ndim if keepdims else (1,)
            return index.astype(x.dtype).reshape(shape)
        _reduced_axes(name, axis, False, x.ndim)
        index = find(xp, x, axis)
        if keepdims:
            index = xp.expand_dims(index, axis)
        # MXNet 1.x writes the indices in the input's dtype (float32 in, float32 out).
        return _as_dtype(index, x)

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        if attrs["axis"] is None:
            return in_shapes, [(1,) * len(shape) if attrs["keepdims"] else (1,)]
        axes = _reduced_axes(name, attrs["axis"], False, len(shape))
        return in_shapes, [_reduced_shape(shape, axes, attrs["keepdims"])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.zeros_like(inputs[0])]

    return {"compute": compute, "infer_shape": infer_shape, "gradient": gradient,
            "__doc__": "Indices of the %s values along an axis (of the flattened input when "
                       "axis is None), in the input's dtype." % name[3:]}


operator("argmax", params={"axis": OptInt(None), "keepdims": Bool(False)}, differentiable=False)(
    type("argmax", (), _arg_reduce("argmax", lambda xp, x, axis: xp.argmax(x, axis=axis))))
operator("argmin", params={"axis": OptInt(None), "keepdims": Bool(False)}, differentiable=False)(
    type("argmin", (), _arg_reduce("argmin", lambda xp, x, axis: xp.argmin(x, axis=axis))))

_ARGMAX_CHANNEL = _arg_reduce("argmax_channel", lambda xp, x, axis: xp.argmax(x, axis=axis))
_CHANNEL_ATTRS = {"axis": 1, "keepdims": False}


@operator("argmax_channel", differentiable=False)
class ArgmaxChannel:
    """Indices of the maximum values along axis 1 (the channels), in the input's dtype."""
    def compute(xp, inputs, attrs):
        return _ARGMAX_CHANNEL["compute"](xp, inputs, _CHANNEL_ATTRS)

    def infer_shape(attrs, in_shapes):
        return _ARGMAX_CHANNEL["infer_shape"](_CHANNEL_ATTRS, in_shapes)

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.zeros_like(inputs[0])]
