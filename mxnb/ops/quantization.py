"""Quantization operators of MXNet 1.9.1's contrib namespace: `quantize` and `quantize_v2`
(float32 to int8 / uint8, with the range the integers stand for) and `dequantize` (back to
float32). Forward only, as in MXNet (no gradient passes through them).

The scalings are those real MXNet 1.9.1 computes on the CPU (its oneDNN kernels), which differ
from its docstrings' formulas: every range is symmetric around zero, its size MaxAbs(min, max),

- quantize: q = rint(x * 127 / MaxAbs) for int8 (range out: -MaxAbs, MaxAbs) and
  rint(x * 255 / MaxAbs) for uint8 (range out: min, max as given);
- quantize_v2: the same with 127.5 and 255.5 (MXNet's kInt8Range, kUint8Range), the range from
  min/max_calib_range when given, else from the data (uint8 range out: min, max);
- dequantize: x = q * MaxAbs / 127.5 (int8) or q * MaxAbs / 255.5 (uint8);

in float32, rounding half to even, clipped to the integer type's limits.
"""
import numpy as np

from ..base import MXNetError, ShapeError
from .params import Enum, OptFloat
from .registry import operator

_LIMITS = {"int8": (-128, 127), "uint8": (0, 255)}
_V1_RANGE = {"int8": 127.0, "uint8": 255.0}
_V2_RANGE = {"int8": 127.5, "uint8": 255.5}     # also dequantize's


def _max_abs(xp, low, high):
    return xp.maximum(xp.abs(low), xp.abs(high)).astype(np.float32)


def _to_integers(xp, x, max_abs, quantized_range, out_type):
    """rint(x * quantized_range / max_abs) in float32, clipped to out_type's limits."""
    scale = np.float32(quantized_range) / max_abs
    q = xp.rint(x.astype(np.float32, copy=False) * scale)
    low, high = _LIMITS[out_type]
    return xp.clip(q, low, high).astype(out_type)


def _check_type(op, what, found, allowed):
    if found is not None and np.dtype(found).name not in allowed:
        raise MXNetError("%s: %s must be %s, found %s"
                         % (op, what, " or ".join(allowed), np.dtype(found).name))


def _range_shapes(op, shapes):
    """min_range and max_range: one value each, shape (1,) (None: unknown)."""
    for name, shape in zip(("min_range", "max_range"), shapes):
        if shape is not None and tuple(shape) != (1,):
            raise ShapeError("%s: %s must have shape (1,), found %s" % (op, name, tuple(shape)))
    return [(1,), (1,)]


def _check_range_types(op, low_type, high_type):
    """min_range and max_range are float32 (None: unknown)."""
    _check_type(op, "min_range", low_type, ("float32",))
    _check_type(op, "max_range", high_type, ("float32",))


def _check_range(op, low, high):
    _range_shapes(op, [low.shape, high.shape])
    _check_range_types(op, low.dtype, high.dtype)


def _range_infer_shape(attrs, in_shapes):
    return [in_shapes[0]] + _range_shapes("quantize", in_shapes[1:]), [in_shapes[0], (1,), (1,)]


@operator("_contrib_quantize", params={
    "out_type": Enum(("int8", "uint8"), "uint8", doc="Output data type.")},
    inputs=("data", "min_range", "max_range"), outputs=("output", "min_output", "max_output"),
    differentiable=False, hint="quantize")
class Quantize:
    """Quantize a float32 tensor to `out_type` (int8 or uint8) for the range
    [min_range, max_range] (one-element float32 arrays). Returns (quantized data, the range's
    minimum, its maximum). Real MXNet 1.9.1's CPU results: q = rint(x * 127 / MaxAbs(min, max))
    clipped to [-128, 127] with range (-MaxAbs, MaxAbs) for int8; q = rint(x * 255 /
    MaxAbs(min, max)) clipped to [0, 255] with the range as given for uint8."""
    def compute(xp, inputs, attrs):
        x, low, high = inputs
        _check_type("quantize", "data", x.dtype, ("float32",))
        _check_range("quantize", low, high)
        out_type = attrs["out_type"]
        max_abs = _max_abs(xp, low, high)
        q = _to_integers(xp, x, max_abs, _V1_RANGE[out_type], out_type)
        if out_type == "int8":
            return [q, -max_abs, max_abs.copy()]
        return [q, low.astype(np.float32), high.astype(np.float32)]

    infer_shape = _range_infer_shape

    def infer_type(attrs, in_types):
        _check_type("quantize", "data", in_types[0], ("float32",))
        _check_range_types("quantize", *in_types[1:])
        return ([np.float32] * 3,
                [np.dtype(attrs["out_type"]).type, np.float32, np.float32])


def _v2_out_type(attrs):
    """'auto' is uint8 for a calibrated range that starts at 0 or above, else int8."""
    out_type = attrs["out_type"]
    if out_type != "auto":
        return out_type
    low = attrs["min_calib_range"]
    return "uint8" if low is not None and low >= 0 else "int8"


@operator("_contrib_quantize_v2", params={
    "out_type": Enum(("auto", "int8", "uint8"), "int8",
                     doc="Output data type. `auto` can be specified to automatically determine "
                         "output type according to min_calib_range."),
    "min_calib_range": OptFloat(None, doc="The minimum scalar value in the form of float32. If "
                                          "present, it will be used to quantize the fp32 data "
                                          "into int8 or uint8."),
    "max_calib_range": OptFloat(None, doc="The maximum scalar value in the form of float32. If "
                                          "present, it will be used to quantize the fp32 data "
                                          "into int8 or uint8.")},
    outputs=("output", "min_output", "max_output"), differentiable=False, hint="quantize_v2")
class QuantizeV2:
    """Quantize a float32 tensor to int8 or uint8 (`auto`: uint8 when min_calib_range >= 0,
    else int8) for the calibrated range [min_calib_range, max_calib_range], or the data's own
    [min, max] when not calibrated. Returns (quantized data, range minimum, range maximum). Real
    MXNet 1.9.1's CPU results: q = rint(x * 127.5 / MaxAbs(min, max)) clipped to [-128, 127]
    with range (-MaxAbs, MaxAbs) for int8; rint(x * 255.5 / MaxAbs(min, max)) clipped to
    [0, 255] with range (min, max) for uint8."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        _check_type("quantize_v2", "data", x.dtype, ("float32",))
        out_type = _v2_out_type(attrs)
        low, high = attrs["min_calib_range"], attrs["max_calib_range"]
        if low is None or high is None:
            low, high = x.min(), x.max()
        low = xp.asarray([low], dtype=np.float32)
        high = xp.asarray([high], dtype=np.float32)
        max_abs = _max_abs(xp, low, high)
        q = _to_integers(xp, x, max_abs, _V2_RANGE[out_type], out_type)
        if out_type == "int8":
            return [q, -max_abs, max_abs.copy()]
        return [q, low, high]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0], (1,), (1,)]

    def infer_type(attrs, in_types):
        _check_type("quantize_v2", "data", in_types[0], ("float32",))
        return [np.float32], [np.dtype(_v2_out_type(attrs)).type, np.float32, np.float32]


@operator("_contrib_dequantize", params={
    "out_type": Enum(("float32",), "float32", doc="Output data type.")},
    inputs=("data", "min_range", "max_range"), differentiable=False, hint="dequantize")
class Dequantize:
    """Dequantize an int8 or uint8 tensor to float32 for the range [min_range, max_range]
    (one-element float32 arrays). Real MXNet 1.9.1's CPU results: q * MaxAbs(min, max) / 127.5
    for int8 and q * MaxAbs(min, max) / 255.5 for uint8, in float32."""
    def compute(xp, inputs, attrs):
        q, low, high = inputs
        _check_type("dequantize", "data", q.dtype, ("int8", "uint8"))
        _check_range("dequantize", low, high)
        scale = _max_abs(xp, low, high) / np.float32(_V2_RANGE[np.dtype(q.dtype).name])
        return q.astype(np.float32) * scale

    def infer_shape(attrs, in_shapes):
        return [in_shapes[0]] + _range_shapes("dequantize", in_shapes[1:]), [in_shapes[0]]

    def infer_type(attrs, in_types):
        _check_type("dequantize", "data", in_types[0], ("int8", "uint8"))
        _check_range_types("dequantize", *in_types[1:])
        return [in_types[0], np.float32, np.float32], [np.float32]
