"""contrib quantize / quantize_v2 / dequantize: NumPy-referenced cases with real MXNet 1.9.1's
CPU scalings (symmetric ranges, rint half to even), output dtypes, values checked against real
MXNet 1.9.1, forward-only behaviour and dtype errors."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.base import MXNetError
from .harness import Case, run_case

RS = np.random.RandomState(5)
DATA = (RS.randn(3, 7) * 1.5).astype(np.float32)
LOW, HIGH = np.array([-1.2], np.float32), np.array([2.5], np.float32)
INT8 = RS.randint(-128, 128, (4, 5)).astype(np.int8)
UINT8 = RS.randint(0, 256, (4, 5)).astype(np.uint8)
LIMITS = {"int8": (-128, 127), "uint8": (0, 255)}


# --- NumPy references ---------------------------------------------------------------------------

def _integers(x, max_abs, levels, out_type):
    scale = np.float32(levels) / np.float32(max_abs)
    return np.clip(np.rint(x.astype(np.float32) * scale), *LIMITS[out_type]).astype(out_type)


def _quantize(x, low, high, out_type="uint8"):
    max_abs = max(abs(float(low[0])), abs(float(high[0])))
    q = _integers(x, max_abs, 127 if out_type == "int8" else 255, out_type)
    if out_type == "int8":
        return [q, np.array([-max_abs], np.float32), np.array([max_abs], np.float32)]
    return [q, low, high]


def _quantize_v2(x, out_type="int8", min_calib_range=None, max_calib_range=None):
    if out_type == "auto":
        out_type = "uint8" if min_calib_range is not None and min_calib_range >= 0 else "int8"
    low = x.min() if min_calib_range is None else min_calib_range
    high = x.max() if max_calib_range is None else max_calib_range
    max_abs = max(abs(float(low)), abs(float(high)))
    q = _integers(x, max_abs, 127.5 if out_type == "int8" else 255.5, out_type)
    if out_type == "int8":
        return [q, np.array([-max_abs], np.float32), np.array([max_abs], np.float32)]
    return [q, np.array([low], np.float32), np.array([high], np.float32)]


def _dequantize(q, low, high, out_type="float32"):
    max_abs = np.float32(max(abs(float(low[0])), abs(float(high[0]))))
    levels = np.float32(127.5 if q.dtype == np.int8 else 255.5)
    return q.astype(np.float32) * (max_abs / levels)


CASES = [
    Case("_contrib_quantize", [DATA, LOW, HIGH], _quantize, attrs={"out_type": "int8"},
         grad=False, atol=0, rtol=0, name="quantize-int8"),
    Case("_contrib_quantize", [DATA, LOW, HIGH], _quantize, attrs={"out_type": "uint8"},
         grad=False, atol=0, rtol=0, name="quantize-uint8"),
    Case("_contrib_quantize_v2", [DATA], _quantize_v2, attrs={"out_type": "int8"}, grad=False,
         atol=0, rtol=0, name="quantize_v2-int8-data-range"),
    Case("_contrib_quantize_v2", [DATA], _quantize_v2,
         attrs={"out_type": "uint8", "min_calib_range": -0.5, "max_calib_range": 2.0},
         grad=False, atol=0, rtol=0, name="quantize_v2-uint8-calibrated"),
    Case("_contrib_quantize_v2", [DATA], _quantize_v2,
         attrs={"out_type": "auto", "min_calib_range": 0.0, "max_calib_range": 3.0},
         grad=False, atol=0, rtol=0, name="quantize_v2-auto-calibrated"),
    Case("_contrib_dequantize", [INT8, LOW, HIGH], _dequantize, grad=False, rtol=0, atol=0,
         name="dequantize-int8"),
    Case("_contrib_dequantize", [UINT8, LOW, HIGH], _dequantize, grad=False, rtol=0, atol=0,
         name="dequantize-uint8"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_quantization_case(case, ctx):
    run_case(case, ctx)


# --- values and dtypes as real MXNet 1.9.1 gives them ------------------------------------------

def _q(x, low, high, out_type):
    return nd.contrib.quantize(nd.array(x), nd.array([low]), nd.array([high]), out_type=out_type)


def test_quantize_matches_mxnet_rounding_and_scale():
    # Values from real MXNet 1.9.1 (CPU): scale 127 / MaxAbs and 255 / MaxAbs, half to even,
    # clipped to the type's limits (int8 reaches -128).
    x = [100.3, 2.5, 3.5, -2.5, -3.5, 0.5, -0.5, 126.6, -127.4, -127.6]
    q, low, high = _q(x, -127.0, 127.0, "int8")
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q.asnumpy(), [100, 2, 4, -2, -4, 0, 0, 127, -127, -128])
    assert (low.asscalar(), high.asscalar()) == (-127.0, 127.0)
    q, low, high = _q([200.3, 2.5, 3.5, 0.5, 1.5, 254.6, 254.4, -3.0], 0.0, 255.0, "uint8")
    assert q.dtype == np.uint8
    np.testing.assert_array_equal(q.asnumpy(), [200, 2, 4, 0, 2, 255, 254, 0])


def test_quantize_int8_range_is_symmetric_and_uint8_range_is_kept():
    _, low, high = _q([0.1, 0.7], -0.5, 2.0, "int8")
    assert (low.asscalar(), high.asscalar()) == (-2.0, 2.0)
    _, low, high = _q([0.1, 0.7], -0.5, 2.0, "uint8")
    assert (low.asscalar(), high.asscalar()) == (-0.5, 2.0)


def test_quantize_v2_uses_half_levels_and_auto_type():
    # real MXNet 1.9.1: 100.3 * 127.5 / 127 = 100.7 -> 101; 'auto' without calibration is int8
    q, low, high = nd.contrib.quantize_v2(nd.array([100.3, 2.5, 127.0, -127.0]))
    assert q.dtype == np.int8
    np.testing.assert_array_equal(q.asnumpy(), [101, 3, 127, -128])
    assert (low.asscalar(), high.asscalar()) == (-127.0, 127.0)
    assert nd.contrib.quantize_v2(nd.array([1.0]), out_type="auto")[0].dtype == np.int8
    q = nd.contrib.quantize_v2(nd.array([200.3, 255.0]), out_type="auto", min_calib_range=0.0,
                               max_calib_range=255.0)[0]
    assert q.dtype == np.uint8
    np.testing.assert_array_equal(q.asnumpy(), [201, 255])


def test_dequantize_matches_mxnet():
    # real MXNet 1.9.1: int8 -127 for range (-1, 1) is -127 / 127.5
    out = nd.contrib.dequantize(nd.array([-127, 18], dtype="int8"), nd.array([-1.0]),
                                nd.array([1.0]), out_type="float32")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), [-127 / 127.5, 18 / 127.5], rtol=1e-6)
    out = nd.contrib.dequantize(nd.array([255, 1], dtype="uint8"), nd.array([-1.0]),
                                nd.array([2.0]))
    np.testing.assert_allclose(out.asnumpy(), [255 * 2 / 255.5, 2 / 255.5], rtol=1e-6)


def test_round_trip_stays_within_one_step():
    q, low, high = nd.contrib.quantize(nd.array(DATA), nd.array([-5.0]), nd.array([5.0]),
                                       out_type="int8")
    back = nd.contrib.dequantize(q, low, high).asnumpy()
    assert np.abs(back - np.clip(DATA, -5, 5)).max() <= 5 / 127 + 0.05


def test_symbolic_types_and_shapes():
    s = sym.contrib.quantize(sym.var("x"), sym.var("lo"), sym.var("hi"), out_type="int8")
    assert s.list_outputs()[1:] == [s.name + "_min_output", s.name + "_max_output"]
    _, out_types, _ = s.infer_type(x=np.float32)
    assert out_types == [np.int8, np.float32, np.float32]
    _, out_shapes, _ = s.infer_shape(x=(2, 3))
    assert out_shapes == [(2, 3), (1,), (1,)]
    d = sym.contrib.dequantize(sym.var("q"), sym.var("lo"), sym.var("hi"))
    assert d.infer_type(q=np.uint8)[1] == [np.float32]


def test_quantization_operators_are_not_differentiable():
    for name in ("_contrib_quantize", "_contrib_quantize_v2", "_contrib_dequantize"):
        assert not mx.ops.registry.get(name).differentiable


@pytest.mark.parametrize("call, match", [
    (lambda: nd.contrib.quantize(nd.array([1.0], dtype="float64"), nd.array([0.0]),
                                 nd.array([1.0])), "quantize: data must be float32"),
    (lambda: nd.contrib.quantize_v2(nd.array([1.0], dtype="float16")),
     "quantize_v2: data must be float32"),
    (lambda: nd.contrib.dequantize(nd.array([1.0]), nd.array([0.0]), nd.array([1.0])),
     "dequantize: data must be int8 or uint8"),
    (lambda: nd.contrib.quantize(nd.array([1.0]), nd.array([0.0]), nd.array([1.0]),
                                 out_type="int16"), "out_type"),
])
def test_bad_arguments_raise_clear_errors(call, match):
    with pytest.raises(MXNetError, match=match):
        call().asnumpy()


def test_ranges_must_be_one_float32_value():
    with pytest.raises(MXNetError, match=r"dequantize: max_range must have shape \(1,\)"):
        nd.contrib.dequantize(nd.array([1], dtype="uint8"), nd.array([0.0]),
                              nd.array([[1.0]])).asnumpy()
    with pytest.raises(MXNetError, match="quantize: min_range must be float32"):
        nd.contrib.quantize(nd.array([1.0]), nd.array([0.0], dtype="float16"),
                            nd.array([1.0])).asnumpy()
