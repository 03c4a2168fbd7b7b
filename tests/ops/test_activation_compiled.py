"""Activation's and LeakyReLU's compiled loops (ops/nn/_activation_loops.py) against their NumPy
forms on the same inputs: bit-equal, signed zeros, NaN and infinities included; and the NumPy
form wherever the loops do not apply (strided views, mixed dtypes, integers)."""
import numpy as np
import pytest

from mxnb import compiled
from mxnb.ops.nn import _activation_loops as loops
from mxnb.ops.nn.activation import Activation, BackwardActivation, LeakyReLU, BackwardLeakyReLU
from .compiled_forms import needs_numba, both_forms

ACTS = ("relu", "sigmoid", "tanh", "softrelu", "softsign")


def _data(dtype, n=203):
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(n) * 4).astype(dtype)
    # signed zeros, NaN, infinities and values whose exp(-x) overflows
    x[:7] = [0.0, -0.0, np.nan, np.inf, -np.inf, -100.0, 100.0]
    return x.reshape(7, 29), rng.standard_normal(n).astype(dtype).reshape(7, 29)


def _assert_bit_equal(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a, b, equal_nan=True)
    assert np.array_equal(np.signbit(a), np.signbit(b))      # -0.0 stays -0.0


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ACTS)
def test_activation_and_its_gradient_are_bit_equal_to_the_numpy_form(act, dtype):
    x, og = _data(dtype)
    attrs = {"act_type": act}
    with np.errstate(all="ignore"):
        fast, slow = both_forms(lambda: Activation.compute(np, [x], attrs))
        _assert_bit_equal(fast, slow)
        fast, slow = both_forms(lambda: BackwardActivation.compute(np, [og, slow, x], attrs))
    _assert_bit_equal(fast, slow)


@needs_numba
@pytest.mark.parametrize("act", ACTS)
def test_loops_split_over_threads_stay_bit_equal(act, forced_split):
    """Large arrays go to two threads, each a range of elements (forced here on small ones)."""
    calls = forced_split(loops)
    x, og = _data(np.float32)
    attrs = {"act_type": act}
    with np.errstate(all="ignore"):
        y = Activation.compute(np, [x], attrs)
        fast, slow = both_forms(lambda: BackwardActivation.compute(np, [og, y, x], attrs))
    assert calls and all(size == x.size for _, size in calls)
    _assert_bit_equal(fast, slow)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act, slope", [("leaky", 0.25), ("leaky", 1.0), ("leaky", 3.0),
                                        ("leaky", -0.5), ("elu", 0.7), ("selu", 0.7),
                                        ("gelu", 0.7)])
def test_leaky_relus_and_their_gradients_are_bit_equal_to_the_numpy_form(act, slope, dtype):
    x, og = _data(dtype)
    attrs = {"act_type": act, "slope": slope, "lower_bound": 0.125, "upper_bound": 0.334}
    with np.errstate(all="ignore"):
        fast, slow = both_forms(lambda: LeakyReLU.compute(np, [x], attrs)[0])
        _assert_bit_equal(fast, slow)
        fast, slow = both_forms(lambda: BackwardLeakyReLU.compute(np, [og, x], attrs)[0])
    _assert_bit_equal(fast, slow)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, slopes", [((3, 4, 2, 5), 4), ((3, 4, 2, 5), 1), ((5, 6), 6)],
                         ids=["per_channel", "one_slope", "dense"])
def test_prelu_matches_the_numpy_form(shape, slopes, dtype):
    """Bit-equal output and data gradient; the gamma gradient's sums (float64 in the loops,
    NumPy's pairwise sums in the data's dtype) within rounding."""
    rng = np.random.default_rng(4)
    x = (rng.standard_normal(shape) * 3).astype(dtype)
    x.reshape(-1)[:3] = [0.0, -0.0, -1.5]
    og = rng.standard_normal(shape).astype(dtype)
    gamma = rng.uniform(0.05, 0.5, slopes).astype(dtype)
    attrs = {"act_type": "prelu", "slope": 0.25, "lower_bound": 0.125, "upper_bound": 0.334}
    fast, slow = both_forms(lambda: LeakyReLU.compute(np, [x, gamma], attrs)[0])
    _assert_bit_equal(fast, slow)
    fast, slow = both_forms(lambda: BackwardLeakyReLU.compute(np, [og, x, gamma], attrs))
    _assert_bit_equal(fast[0], slow[0])
    assert fast[1].dtype == slow[1].dtype and fast[1].shape == slow[1].shape == gamma.shape
    np.testing.assert_allclose(fast[1], slow[1], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("act", ACTS)
def test_strided_mixed_and_integer_inputs_take_the_numpy_form(act):
    x, og = _data(np.float32)
    x, og = np.nan_to_num(x[:, ::2], posinf=3, neginf=-3), og[:, ::2]     # strided views
    assert not loops.elementwise(og, x) and not loops.elementwise(og.astype(np.float64), x)
    y = Activation.compute(np, [x], {"act_type": act})
    with compiled.use_compiled(False):
        expected = Activation.compute(np, [x], {"act_type": act})
        expected_grad = BackwardActivation.compute(np, [og, y, x], {"act_type": act})
    _assert_bit_equal(y, expected)
    _assert_bit_equal(BackwardActivation.compute(np, [og, y, x], {"act_type": act}), expected_grad)
    # ograd in float64 against float32 data: NumPy's casting, as without the loops
    inputs = [np.ascontiguousarray(a) for a in (og.astype(np.float64), y, x)]
    fast, slow = both_forms(lambda: BackwardActivation.compute(np, inputs, {"act_type": act}))
    _assert_bit_equal(fast, slow)
    ints = np.arange(-3, 4).reshape(1, 7)
    assert Activation.compute(np, [ints], {"act_type": "relu"}).tolist() == [[0, 0, 0, 0, 1, 2, 3]]
