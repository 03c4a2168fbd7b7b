"""NDArray methods MXNet 1.9.1 has over its operators: split_v2, slice_assign,
slice_assign_scalar (in place, returning the array itself)."""
import numpy as np

import mxnb as mx
from mxnb import nd


def test_slice_assign_writes_in_place_and_returns_the_array():
    a = nd.zeros((3, 4))
    assert a.slice_assign(nd.ones((2, 2)), (0, 1), (2, 3), (None, None)) is a
    expected = np.zeros((3, 4), np.float32)
    expected[0:2, 1:3] = 1
    np.testing.assert_array_equal(a.asnumpy(), expected)
    b = nd.zeros((3, 4))
    assert b.slice_assign_scalar(5, (1, 0), (3, 4), ()) is b
    expected = np.zeros((3, 4), np.float32)
    expected[1:3] = 5
    np.testing.assert_array_equal(b.asnumpy(), expected)


def test_split_v2_method_by_indices_and_sections():
    parts = nd.arange(10).split_v2((3, 5))
    np.testing.assert_array_equal(np.concatenate([p.asnumpy() for p in parts]), np.arange(10))
    assert [p.shape for p in parts] == [(3,), (2,), (5,)]
    x = np.arange(24, dtype=np.float32).reshape(4, 6)
    thirds = nd.array(x).split_v2(3, axis=1)
    for got, want in zip(thirds, np.split(x, 3, axis=1)):
        np.testing.assert_array_equal(got.asnumpy(), want)
