"""Integer arithmetic as MXNet 1.9.1 computes it: division truncates and keeps the dtype, modulo
takes the divisor's sign (0 for a zero divisor), a scalar is first converted to the array's
dtype (C's conversion: truncated, wrapped), power and hypot go through single precision. And
broadcast_like's axes as MXNet checks them."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

INT_DTYPES = ["int8", "int32", "int64", "uint8"]


def _pair(dtype):
    """Operands with every sign combination (unsigned: large values instead)."""
    if dtype == "uint8":
        return np.array([7, 9, 200, 0, 255], dtype), np.array([2, 4, 3, 5, 7], dtype)
    return np.array([-7, 7, -9, 9, 0, 100], dtype), np.array([2, -2, 4, 4, -3, 7], dtype)


def _c_divide(a, b):
    """C's integer division, written with Python ints: the quotient truncated toward zero."""
    return [int(x / y) if abs(x) < 2 ** 52 else (abs(x) // abs(y)) * (1 if (x < 0) == (y < 0) else -1)
            for x, y in zip(a.tolist(), b.tolist())]


def _as_c(value, dtype):
    """A Python number converted as C converts it to `dtype` (truncated, wrapped)."""
    info = np.iinfo(dtype)
    span = info.max - info.min + 1
    return (int(value) - info.min) % span + info.min


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("func", ["elemwise_div", "broadcast_div", "divide", "true_divide",
                                  "operator"])
def test_integer_division_truncates_and_keeps_dtype(dtype, func):
    a, b = _pair(dtype)
    x, y = mx.nd.array(a, dtype=dtype), mx.nd.array(b, dtype=dtype)
    got = x / y if func == "operator" else getattr(mx.nd, func)(x, y)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.asnumpy(), np.array(_c_divide(a, b), dtype))


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("func", ["_mod", "broadcast_mod", "modulo", "operator"])
def test_integer_modulo_takes_the_divisors_sign(dtype, func):
    a, b = _pair(dtype)
    x, y = mx.nd.array(a, dtype=dtype), mx.nd.array(b, dtype=dtype)
    got = x % y if func == "operator" else getattr(mx.nd, func)(x, y)
    assert got.dtype == np.dtype(dtype)
    expected = [p - (p // q) * q for p, q in zip(a.tolist(), b.tolist())]   # Python's floor mod
    np.testing.assert_array_equal(got.asnumpy(), np.array(expected).astype(dtype))


def test_broadcast_division_of_integers_keeps_dtype():
    a = np.arange(-6, 6, dtype=np.int32).reshape(4, 3)
    b = np.array([[4], [-5], [3], [7]], dtype=np.int32)
    got = mx.nd.broadcast_div(mx.nd.array(a, dtype="int32"), mx.nd.array(b, dtype="int32"))
    expected = np.trunc(a / b).astype(np.int32)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), expected)


def test_modulo_by_zero_is_zero_for_integers_and_floats():
    for dtype in ("int32", "float32"):
        x = mx.nd.array([5, -5, 0], dtype=dtype)
        np.testing.assert_array_equal((x % mx.nd.zeros(3, dtype=dtype)).asnumpy(), [0, 0, 0])
        np.testing.assert_array_equal((x % 0).asnumpy(), [0, 0, 0])


def test_integer_division_by_zero_raises_instead_of_crashing():
    x = mx.nd.array([1, 2], dtype="int32")
    with pytest.raises(MXNetError, match="division by zero"):
        (x / mx.nd.zeros(2, dtype="int32")).asnumpy()
    with pytest.raises(MXNetError, match="division by zero"):
        (x / 0.5).asnumpy()         # 0.5 is 0 as an int32, as in MXNet
    _drain_engine_errors()


def _drain_engine_errors():
    """A threaded engine also keeps a failed operator's error for the next waitall (as MXNet's):
    taken here so that later tests do not meet it."""
    try:
        mx.nd.waitall()
    except MXNetError:
        pass


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("scalar", [2.5, -2.5, 0.5, 300.0, 7.0])
@pytest.mark.parametrize("name, reference", [
    ("_plus_scalar", lambda x, s: x + s),
    ("_minus_scalar", lambda x, s: x - s),
    ("_rminus_scalar", lambda x, s: s - x),
    ("_mul_scalar", lambda x, s: x * s),
    ("_maximum_scalar", max),
    ("_minimum_scalar", min),
    ("_greater_equal_scalar", lambda x, s: int(x >= s)),
    ("_equal_scalar", lambda x, s: int(x == s)),
    ("_lesser_scalar", lambda x, s: int(x < s)),
    ("_logical_and_scalar", lambda x, s: int(bool(x) and bool(s))),
])
def test_scalar_is_converted_to_the_arrays_dtype_first(dtype, scalar, name, reference):
    values = np.array([0, 1, 2, 3, 5, 100], dtype)
    s = _as_c(scalar, dtype)
    expected = np.array([_as_c(reference(int(v), s), dtype) for v in values], dtype)
    got = getattr(mx.nd, name)(mx.nd.array(values, dtype=dtype), scalar=scalar)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got.asnumpy(), expected)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_scalar_division_and_modulo_with_integers(dtype):
    values = np.array([-7, -3, 1, 5, 9], dtype)
    x = mx.nd.array(values, dtype=dtype)
    for scalar in (2.5, -3.0):
        s = int(scalar)
        np.testing.assert_array_equal((x / scalar).asnumpy(),
                                      _c_divide(values, np.full(5, s)))
        np.testing.assert_array_equal((x % scalar).asnumpy(), [v - (v // s) * s for v in values.tolist()])
        np.testing.assert_array_equal((scalar / x).asnumpy(), _c_divide(np.full(5, s), values))
        np.testing.assert_array_equal((scalar % x).asnumpy(), [s - (s // v) * v for v in values.tolist()])


def test_float_scalars_are_unchanged_for_float_arrays():
    x = np.array([-7.0, 7.0, 1.5], np.float32)
    np.testing.assert_allclose((mx.nd.array(x) / 2.5).asnumpy(), x / np.float32(2.5))
    np.testing.assert_allclose((mx.nd.array(x) % 2.5).asnumpy(), np.mod(x, np.float32(2.5)))
    np.testing.assert_allclose((mx.nd.array(x) - 0.5).asnumpy(), x - np.float32(0.5))


def test_integer_power_and_hypot_go_through_single_precision():
    big = 2 ** 40 + 1
    x = mx.nd.array([big, 3], dtype="int64")
    got = (x ** 1).asnumpy()
    np.testing.assert_array_equal(got, [int(np.float32(big)), 3])     # 2**40, as float32 rounds
    np.testing.assert_array_equal((mx.nd.array([2, 3], dtype="int32") ** -1).asnumpy(), [0, 0])
    a = np.array([3, 2, 5], np.int32)
    b = np.array([4, 2, 0], np.int32)
    got = mx.nd.broadcast_hypot(mx.nd.array(a, dtype="int32"), mx.nd.array(b, dtype="int32"))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got.asnumpy(), np.trunc(np.hypot(a, b)).astype(np.int32))


def test_inplace_integer_division_keeps_the_buffer_and_dtype():
    x = mx.nd.array([7, -7, 9], dtype="int32")
    x /= mx.nd.array([2, 2, 4], dtype="int32")
    assert x.dtype == np.int32
    np.testing.assert_array_equal(x.asnumpy(), [3, -3, 2])


# --- broadcast_like ------------------------------------------------------------------------------
def test_broadcast_like_with_empty_axes_raises():
    lhs, rhs = mx.nd.ones((2, 1, 3)), mx.nd.ones((2, 5, 3))
    with pytest.raises(MXNetError, match="empty"):
        mx.nd.broadcast_like(lhs, rhs, lhs_axes=(), rhs_axes=()).asnumpy()


def test_broadcast_like_ignores_axes_given_on_one_side_only():
    lhs, rhs = mx.nd.array(np.arange(3).reshape(1, 3)), mx.nd.ones((2, 3))
    expected = np.broadcast_to(np.arange(3).reshape(1, 3), (2, 3))
    np.testing.assert_array_equal(mx.nd.broadcast_like(lhs, rhs, lhs_axes=(5,)).asnumpy(), expected)
    with pytest.raises(MXNetError, match="cannot be broadcast"):
        mx.nd.broadcast_like(mx.nd.ones((2, 1, 3)), mx.nd.ones((4, 5, 6)),
                             rhs_axes=(1,)).asnumpy()


def test_broadcast_like_with_axes_takes_the_named_sizes():
    lhs = mx.nd.array(np.arange(6).reshape(2, 1, 3))
    got = mx.nd.broadcast_like(lhs, mx.nd.ones((4, 5, 6)), lhs_axes=(-2,), rhs_axes=(1,))
    np.testing.assert_array_equal(got.asnumpy(), np.repeat(np.arange(6).reshape(2, 1, 3), 5, axis=1))
    with pytest.raises(MXNetError):
        mx.nd.broadcast_like(lhs, mx.nd.ones((4, 5, 6)), lhs_axes=(1,), rhs_axes=(5,)).asnumpy()
