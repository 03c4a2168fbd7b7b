"""gluon.utils: splitting a batch over devices."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import gluon, nd
from mxnb.base import MXNetError


def test_split_data_even_and_uneven_pieces_cover_the_batch():
    x = np.arange(2 * 7 * 3, dtype=np.float32).reshape(2, 7, 3)
    pieces = gluon.utils.split_data(nd.array(x), 3, batch_axis=1, even_split=False)
    assert [p.shape[1] for p in pieces] == [2, 2, 3]
    np.testing.assert_array_equal(np.concatenate([p.asnumpy() for p in pieces], axis=1), x)
    even = gluon.utils.split_data(nd.array(x), 2, batch_axis=0)
    np.testing.assert_array_equal(even[1].asnumpy(), x[1:2])


def test_uneven_split_when_even_is_asked_is_a_value_error():
    x = nd.zeros((4, 6))
    with pytest.raises(ValueError, match="cannot be evenly split into 4 slices along axis 1") \
            as info:
        gluon.utils.split_data(x, 4, batch_axis=1)
    assert isinstance(info.value, MXNetError)
    with pytest.raises(ValueError):
        gluon.utils.split_and_load(x, [mx.cpu(0), mx.cpu(1), mx.cpu(2)])
