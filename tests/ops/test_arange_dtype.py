"""arange in integer and float dtypes as MXNet's kernel computes it: the length from the float
range, start and step converted to the dtype first, each value start + i * step in the dtype."""
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case


def _c_int(value, dtype):
    """A float converted as C does (truncated toward zero), wrapped into the integer dtype."""
    info = np.iinfo(dtype)
    span = int(info.max) - int(info.min) + 1
    return np.array((math.trunc(value) - int(info.min)) % span + int(info.min), dtype=dtype)


def _arange_ref(start, stop, step=1.0, repeat=1, dtype="float32"):
    dtype = np.dtype(dtype)
    length = int(math.ceil((stop - start) / step))
    index = np.repeat(np.arange(length), repeat)
    if dtype.kind in "iu":   # Python integers, then wrapped: no overflow in the reference
        first, delta = int(_c_int(start, dtype)), int(_c_int(step, dtype))
        return np.array([_c_int(first + int(i) * delta, dtype) for i in index], dtype=dtype)
    return index.astype(dtype) * dtype.type(step) + dtype.type(start)


def _check_int_arange(case, ctx):
    out = nd.arange(1.3, 456.6, 1.3, dtype="int32", ctx=ctx)
    np.testing.assert_array_equal(out.asnumpy(), np.arange(1, 352, dtype=np.int32))


CASES = [Case("_arange", [], check=_check_int_arange, grad=False, name="arange_int_fractional")]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case):
    run_case(case, mx.cpu())


CONFIGS = [(0.0, 10.0, 1.0), (5.0, 100.0, 4.0), (50.0, -50.0, -2.0), (1.3, 456.6, 1.3),
           (-2.7, 10.0, 1.9), (-7.9, 3.2, 0.45), (10.0, 0.2, -2.6), (0.5, 7.0, 0.7)]


@pytest.mark.parametrize("dtype", ["int32", "int64", "int8", "uint8", "float32", "float64"])
@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("repeat", [1, 3])
def test_arange_matches_kernel_reference(dtype, config, repeat):
    start, stop, step = config
    expected = _arange_ref(start, stop, step, repeat, dtype)
    out = nd.arange(start, stop, step, repeat=repeat, dtype=dtype)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.asnumpy(), expected)
    symbolic = mx.sym.arange(start, stop, step, repeat=repeat, dtype=dtype).eval()[0]
    np.testing.assert_array_equal(symbolic.asnumpy(), expected)


def test_arange_stop_only_integer():
    np.testing.assert_array_equal(nd.arange(3.9, dtype="int32").asnumpy(), [0, 1, 2, 3])


def test_arange_float32_accumulates_in_float32():
    """Value i is i * float32(step) + float32(start) rounded in float32, not a float64 range
    rounded once at the end (they differ, e.g., at 0.9)."""
    out = nd.arange(0, 1000, 0.1, dtype="float32").asnumpy()
    expected = np.arange(10000, dtype=np.float32) * np.float32(0.1)
    np.testing.assert_array_equal(out, expected)
