"""Operators that make arrays: filled arrays, ranges, copies and casts."""
import numpy as np

from .elemwise import _scalar_as
from .params import Shape, Float, DType, Ctx, OptFloat, Int, Bool, REQUIRED
from .registry import operator


def _no_inputs_shape(attrs, in_shapes):
    return in_shapes, [tuple(attrs["shape"])]


def _dtype_from_attr(attrs, in_types):
    return in_types, [attrs["dtype"]]


_FILLED = {"shape": Shape((), low=0), "ctx": Ctx(), "dtype": DType("float32")}


@operator("_zeros", params=_FILLED, inputs=(), hint="zeros", differentiable=False)
class Zeros:
    def compute(xp, inputs, attrs):
        return xp.zeros(attrs["shape"], dtype=attrs["dtype"])
    infer_shape = _no_inputs_shape
    infer_type = _dtype_from_attr


@operator("_ones", params=_FILLED, inputs=(), hint="ones", differentiable=False)
class Ones:
    def compute(xp, inputs, attrs):
        return xp.ones(attrs["shape"], dtype=attrs["dtype"])
    infer_shape = _no_inputs_shape
    infer_type = _dtype_from_attr


@operator("_full", params=dict(_FILLED, value=Float()), inputs=(), hint="full", differentiable=False)
class Full:
    def compute(xp, inputs, attrs):
        return xp.full(attrs["shape"], attrs["value"], dtype=attrs["dtype"])
    infer_shape = _no_inputs_shape
    infer_type = _dtype_from_attr


def _arange_length(attrs):
    start, stop, step = attrs["start"], attrs["stop"], attrs["step"]
    if stop is None:
        start, stop = 0.0, start
    return int(np.ceil((stop - start) / step)) * attrs["repeat"]


@operator("_arange", params={"start": Float(), "stop": OptFloat(), "step": Float(1.0),
                             "repeat": Int(1, low=1), "infer_range": Bool(False), "ctx": Ctx(),
                             "dtype": DType("float32")}, inputs=(), hint="arange", differentiable=False)
class Arange:
    """Evenly spaced values in [start, stop), each repeated `repeat` times.

    As MXNet's kernel: the length comes from the float range, and value i is
    start + (i // repeat) * step computed in `dtype`, with start and step converted to `dtype`
    first, so for integer dtypes arange(1.3, 4.6, 1.3) is [1, 2, 3] (start 1, step 1)."""
    def check_attrs(attrs):
        return "argument 'step' must not be 0" if attrs["step"] == 0 else None

    def compute(xp, inputs, attrs):
        start = attrs["start"] if attrs["stop"] is not None else 0.0
        dtype = np.dtype(attrs["dtype"])
        index = xp.arange(_arange_length(attrs)) // attrs["repeat"]
        with np.errstate(over="ignore"):    # integer dtypes wrap, as MXNet's C arithmetic
            return (index.astype(dtype) * _scalar_as(dtype, attrs["step"])
                    + _scalar_as(dtype, start)).astype(dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(_arange_length(attrs),)]

    infer_type = _dtype_from_attr


@operator("zeros_like", elementwise=True, differentiable=False)
class ZerosLike:
    def compute(xp, inputs, attrs):
        return xp.zeros_like(inputs[0])

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [None]


@operator("ones_like", elementwise=True, differentiable=False)
class OnesLike:
    def compute(xp, inputs, attrs):
        return xp.ones_like(inputs[0])

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [None]


@operator("_copy", aliases=("identity",), elementwise=True)
class Copy:
    """A copy of the input."""
    def compute(xp, inputs, attrs):
        return inputs[0].copy()

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0]]


@operator("Cast", params={"dtype": DType(REQUIRED)}, aliases=("cast",), elementwise=True)
class Cast:
    """The input converted to `dtype`."""
    def compute(xp, inputs, attrs):
        return inputs[0].astype(attrs["dtype"])

    def infer_type(attrs, in_types):
        return in_types, [attrs["dtype"]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Cast(out_grads[0], inputs[0])]


@operator("_backward_Cast", inputs=("grad", "data"))
class BackwardCast:
    """`grad` converted back to the dtype of the `data` that was cast (Cast's gradient)."""
    def compute(xp, inputs, attrs):
        grad, data = inputs
        return grad.astype(data.dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Cast(out_grads[0], inputs[0]), None]
