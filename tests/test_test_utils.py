"""mx.test_utils: contexts, tolerances, comparisons, random inputs and the symbol checks."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import test_utils as tu
from mxnb.base import MXNetError


@pytest.fixture
def reset_default_context():
    yield
    tu.set_default_context(None)


# --- contexts --------------------------------------------------------------------------------
def test_default_context_follows_env_then_set_default(monkeypatch, reset_default_context):
    monkeypatch.delenv("MXNET_TEST_DEVICE", raising=False)
    assert tu.default_context() == mx.current_context()
    with mx.cpu(3):
        assert tu.default_context() == mx.cpu(3)
    monkeypatch.setenv("MXNET_TEST_DEVICE", "gpu(1)")
    assert tu.default_context() == mx.gpu(1)
    monkeypatch.setenv("MXNET_TEST_DEVICE", "cpu:2")
    assert tu.default_context() == mx.cpu(2)
    tu.set_default_context(mx.cpu(5))
    assert tu.default_context() == mx.cpu(5)


def test_bad_test_device_is_an_error(monkeypatch):
    monkeypatch.setenv("MXNET_TEST_DEVICE", "tpu0")
    with pytest.raises(MXNetError, match="MXNET_TEST_DEVICE.*tpu0"):
        tu.default_context()


# --- comparisons -----------------------------------------------------------------------------
def test_assert_almost_equal_uses_dtype_tolerances_and_accepts_ndarrays():
    a = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    tu.assert_almost_equal(a, mx.nd.array(a + 5e-4))  # float32 atol is 1e-3
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(a.astype(np.float64), a.astype(np.float64) + 5e-4)
    tu.assert_almost_equal(mx.nd.array(a), mx.nd.array(a * 1.05), rtol=0.1, atol=0)
    tu.assert_almost_equal(a, a * 1.05, rtol={np.dtype(np.float32): 0.1}, atol=0)


def test_assert_almost_equal_reports_worst_location_and_names():
    a = np.zeros((2, 3))
    b = a.copy()
    b[1, 2] = 5.0
    b[0, 1] = 1.0
    with pytest.raises(AssertionError) as info:
        tu.assert_almost_equal(a, b, names=("mine", "theirs"))
    text = str(info.value)
    assert "Location of maximum error: (1, 2), mine=0.00000000, theirs=5.00000000" in text
    assert "mismatch 33.333333%" in text


def test_assert_almost_equal_nan_and_bool():
    a = np.array([1.0, np.nan])
    tu.assert_almost_equal(a, a.copy(), equal_nan=True)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(a, a.copy())
    tu.assert_almost_equal(np.array([True, False]), np.array([True, False]))
    with pytest.raises(AssertionError):
        tu.assert_almost_equal(np.array([True, False]), np.array([True, True]))


def test_almost_equal_and_same():
    assert tu.almost_equal(np.ones(3), np.ones(3) + 1e-9)
    assert not tu.almost_equal(np.ones(3), np.ones(3) + 1e-3)
    assert tu.almost_equal(np.ones(3), np.ones(3) + 1e-3, rtol=1e-2)
    assert tu.same(mx.nd.array([1, 2]), np.array([1, 2], dtype=np.float32))
    assert not tu.same(np.array([1, 2]), np.array([1, 3]))


def test_assert_exception():
    def boom(x):
        raise ValueError(x)
    tu.assert_exception(boom, ValueError, 3)
    with pytest.raises(AssertionError):
        tu.assert_exception(lambda: None, ValueError)
    with pytest.raises(KeyError):
        tu.assert_exception(lambda: {}["k"], ValueError)


# --- random inputs ---------------------------------------------------------------------------
def test_rand_ndarray_shape_dtype_and_context(reset_default_context):
    arr = tu.rand_ndarray((3, 4))
    assert arr.shape == (3, 4) and arr.dtype == np.float32 and arr.context == tu.default_context()
    arr = tu.rand_ndarray((2,), dtype="float64", ctx=mx.cpu(1))
    assert arr.dtype == np.float64 and arr.context == mx.cpu(1)
    tu.set_default_context(mx.cpu(2))
    assert tu.rand_ndarray((2, 2)).context == mx.cpu(2)
    with pytest.raises(AssertionError, match="unknown storage type 'coo'"):
        tu.rand_ndarray((2, 2), stype="coo")


def test_random_shapes_and_arrays_stay_in_range():
    np.random.seed(0)
    for _ in range(20):
        d0, d1 = tu.rand_shape_2d(3, 4)
        assert 1 <= d0 <= 3 and 1 <= d1 <= 4
        assert all(1 <= d <= 5 for d in tu.rand_shape_3d(5, 5, 5))
        shape = tu.rand_shape_nd(4, dim=2)
        assert len(shape) == 4 and all(1 <= d <= 2 for d in shape)
    assert 0 in {tu.rand_shape_2d(1, 1, allow_zero_size=True)[0] for _ in range(50)}
    one = tu.random_arrays((2, 3))
    many = tu.random_arrays((2,), ())
    assert one.shape == (2, 3) and one.dtype == np.float32
    assert [a.shape for a in many] == [(2,), ()]


# --- symbol checks ---------------------------------------------------------------------------
def _mul_add():
    x, w = mx.sym.var("x"), mx.sym.var("w")
    return x * w + x


def _location():
    rng = np.random.RandomState(1)
    return {"x": rng.randn(2, 3), "w": rng.randn(2, 3)}


def test_check_symbolic_forward_list_and_dict():
    sym, loc = _mul_add(), _location()
    want = loc["x"] * loc["w"] + loc["x"]
    outputs = tu.check_symbolic_forward(sym, loc, [want])
    np.testing.assert_allclose(outputs[0].asnumpy(), want, rtol=1e-5)
    tu.check_symbolic_forward(sym, [loc["x"], loc["w"]], {sym.list_outputs()[0]: want})
    with pytest.raises(AssertionError, match="EXPECTED_"):
        tu.check_symbolic_forward(sym, loc, [want + 1])
    with pytest.raises(ValueError, match="do not match"):
        tu.check_symbolic_forward(sym, {"x": loc["x"]}, [want])


@pytest.mark.parametrize("grad_req", ["write", "add", {"x": "write", "w": "null"}])
def test_check_symbolic_backward_grad_reqs(grad_req):
    sym, loc = _mul_add(), _location()
    head = np.random.RandomState(2).randn(2, 3)
    expected = {"x": head * (loc["w"] + 1), "w": head * loc["x"]}
    grads = tu.check_symbolic_backward(sym, loc, [head], expected, grad_req=grad_req)
    assert set(grads) == {"x", "w"}


def test_check_symbolic_backward_catches_wrong_gradients():
    sym, loc = _mul_add(), _location()
    head = np.ones((2, 3))
    with pytest.raises(AssertionError, match="BACKWARD_w"):
        tu.check_symbolic_backward(sym, loc, [head], [head * (loc["w"] + 1), loc["x"] + 0.5])


def test_check_numeric_gradient_passes_for_smooth_ops():
    sym, loc = _mul_add(), _location()
    tu.check_numeric_gradient(sym, loc)
    tu.check_numeric_gradient(sym, [loc["x"], loc["w"]], grad_nodes=["w"])
    tu.check_numeric_gradient(sym, loc, grad_nodes={"x": "add", "w": "null"})
    tanh = mx.sym.Activation(mx.sym.var("x"), act_type="tanh")
    tu.check_numeric_gradient(tanh, [loc["x"]], numeric_eps=None, rtol=None, dtype=np.float64)


def test_check_numeric_gradient_catches_a_kink():
    # relu at exactly 0: finite differences see slope 1/2, backward reports 0.
    relu = mx.sym.Activation(mx.sym.var("x"), act_type="relu")
    with pytest.raises(AssertionError, match="NUMERICAL_x"):
        tu.check_numeric_gradient(relu, [np.zeros((2, 2))])


def test_check_numeric_gradient_rejects_tiny_eps_and_bad_dtype():
    sym, loc = _mul_add(), _location()
    with pytest.raises(MXNetError, match="too small"):
        tu.check_numeric_gradient(sym, loc, numeric_eps=1e-7)
    with pytest.raises(MXNetError, match="dtype"):
        tu.check_numeric_gradient(sym, loc, dtype=np.int32)
