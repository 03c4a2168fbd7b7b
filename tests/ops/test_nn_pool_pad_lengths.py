"""Pooling's stride and pad may be longer than the kernel (MXNet 1.9.1 reads the first entries,
so a 1-D 'same' pooling given pad=(0, 0, 0) works); shorter ones are refused clearly."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError


def _max_pool_1d(x, k, s, pad_before, out):
    padded = np.pad(x, ((0, 0), (0, 0), (pad_before, k + s * out)), constant_values=-np.inf)
    return np.stack([padded[..., i * s:i * s + k].max(axis=-1) for i in range(out)], axis=-1)


def test_same_convention_accepts_a_three_entry_zero_pad_on_1d_data():
    x = np.random.RandomState(0).rand(1, 1, 10).astype(np.float32)
    out = mx.nd.Pooling(mx.nd.array(x), kernel=2, stride=2, pad=(0, 0, 0), pool_type="max",
                        pooling_convention="same")
    assert out.shape == (1, 1, int(np.ceil(10 / 2)))
    np.testing.assert_array_equal(out.asnumpy(), _max_pool_1d(x, 2, 2, 0, 5))


@pytest.mark.parametrize("convention, out_len", [("valid", 11), ("full", 11)])
def test_longer_pad_and_stride_use_their_first_entries(convention, out_len):
    x = np.arange(10, dtype=np.float32).reshape(1, 1, 10)
    out = mx.nd.Pooling(mx.nd.array(x), kernel=(2,), stride=(1, 5, 5), pad=(1, 7),
                        pool_type="max", pooling_convention=convention)
    np.testing.assert_array_equal(out.asnumpy(), _max_pool_1d(x, 2, 1, 1, out_len))


def test_shorter_pad_is_refused():
    with pytest.raises(MXNetError, match="at least one entry per kernel dim"):
        mx.nd.Pooling(mx.nd.ones((1, 1, 4, 4)), kernel=(2, 2), pad=(1,)).asnumpy()


def test_same_convention_still_refuses_nonzero_pad():
    with pytest.raises(MXNetError, match="same"):
        mx.nd.Pooling(mx.nd.ones((1, 1, 10)), kernel=2, stride=2, pad=(0, 1, 0),
                      pooling_convention="same").asnumpy()


def test_symbolic_shape_with_longer_pad():
    s = mx.sym.Pooling(mx.sym.var("x"), kernel=(2,), stride=(2,), pad=(0, 0, 0),
                       pooling_convention="same")
    assert s.infer_shape(x=(1, 1, 10))[1] == [(1, 1, 5)]
