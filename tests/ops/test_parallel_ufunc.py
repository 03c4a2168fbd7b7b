"""Transcendental ufuncs split over the CPU threads (ops/nn/_conv_parallel.parallel_ufunc): tanh
and exp of large float arrays, in the operators that use them (Activation, tanh, exp, sigmoid) and
in the hybridized programs' out= kernels, bit-equal to one NumPy call, NaNs and infinities
included, and silent where exp overflows."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb.ops.nn import _conv_parallel


@pytest.fixture
def split_calls(monkeypatch):
    """Two threads whatever the machine, and the list of parallel_batches calls made."""
    monkeypatch.setattr(_conv_parallel, "_threads", 2)
    calls = []
    original = _conv_parallel.parallel_batches

    def counting(xp, work, n, elements, slices_per_thread=1):
        calls.append(n)
        original(xp, work, n, elements, slices_per_thread)
    monkeypatch.setattr(_conv_parallel, "parallel_batches", counting)
    return calls


def _data(size, dtype=np.float32, seed=0):
    x = (np.random.RandomState(seed).randn(size) * 30).astype(dtype)
    x[::997] = np.nan
    x[1::991] = np.inf
    x[2::983] = -np.inf
    x[3::977] = -0.0
    return x


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))


@pytest.mark.parametrize("ufunc", [np.tanh, np.exp])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_split_ufunc_is_bit_equal_to_one_call(split_calls, ufunc, dtype):
    x = _data(98_001, dtype).reshape(-1, 3, 1)       # not a multiple of the 64 pieces
    with np.errstate(all="ignore"):
        expected = ufunc(x)
    _same_bits(_conv_parallel.parallel_ufunc(ufunc, x), expected)
    assert split_calls, "a large float array is split"
    out = np.empty_like(x)
    assert _conv_parallel.parallel_ufunc(ufunc, x, out) is out
    _same_bits(out, expected)
    inplace = x.copy()
    _conv_parallel.parallel_ufunc(ufunc, inplace, inplace)
    _same_bits(inplace, expected)


def test_small_strided_or_integer_arrays_run_in_one_call(split_calls):
    small = _data(1000)
    _same_bits(_conv_parallel.parallel_ufunc(np.tanh, small), np.tanh(small))
    strided = _data(200_000)[::2]
    _same_bits(_conv_parallel.parallel_ufunc(np.tanh, strided), np.tanh(strided))
    integers = np.arange(100_000, dtype=np.int32) % 7
    result = _conv_parallel.parallel_ufunc(np.tanh, integers)
    assert result.dtype == np.float64
    np.testing.assert_array_equal(result, np.tanh(integers))
    assert split_calls == []


def test_operators_split_and_agree_with_numpy(split_calls):
    x = _data(64 * 20 * 24 * 24).reshape(64, 20, 24, 24)
    with np.errstate(all="ignore"):
        tanh, exp = np.tanh(x), np.exp(x)
        sigmoid = np.divide(1, np.exp(-x) + 1)
    array = mx.nd.array(x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")      # exp overflows in the threads: no RuntimeWarning
        _same_bits(mx.nd.Activation(array, act_type="tanh").asnumpy(), tanh)
        _same_bits(mx.nd.tanh(array).asnumpy(), tanh)
        _same_bits(mx.nd.exp(array).asnumpy(), exp)
        _same_bits(mx.nd.Activation(array, act_type="sigmoid").asnumpy(), sigmoid)
    assert len(split_calls) == 4


@pytest.mark.parametrize("act", ["tanh", "sigmoid"])
def test_hybridized_activation_kernels_split_and_equal_imperative(split_calls, act):
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Conv2D(8, kernel_size=3, activation=act), mx.gluon.nn.Activation(act))
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(np.random.RandomState(1).randn(16, 3, 30, 30))
    expected = net(x).asnumpy()
    net.hybridize()
    for _ in range(3):      # planning, then planned runs through the out= kernels
        del split_calls[:]
        with mx.autograd.record():
            out = net(x)
        out.backward()
        _same_bits(out.asnumpy(), expected)
        assert split_calls, "the planned activation splits too"
