"""Operators that make arrays: filled arrays, ranges, copies and casts."""
import numpy as np

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
    """Evenly spaced values in [start, stop), each repeated `repeat` times."""
    def check_attrs(attrs):
        return "argument 'step' must not be 0" if attrs["step"] == 0 else None

    def compute(xp, inputs, attrs):
        start, stop, step = attrs["start"], attrs["stop"], attrs["step"]
        if stop is None:
            start, stop = 0.0, start
        values = xp.arange(start, stop, step, dtype=np.float64).astype(attrs["dtype"])
        if attrs["repeat"] != 1:
            values = xp.repeat(values, attrs["repeat"])
        return values

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
