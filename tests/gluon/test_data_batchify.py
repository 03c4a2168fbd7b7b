"""gluon.data.batchify and the IntervalSampler."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon import data as gdata
from mxnb.gluon.data import batchify


def test_stack_keeps_dtype_and_batches_fields():
    out = batchify.Stack()([[1, 2, 3, 4], [4, 5, 6, 8], [8, 9, 1, 2]])
    assert out.shape == (3, 4) and out.dtype == np.int64
    nds = batchify.Stack()([mx.nd.array([[1, 2]]), mx.nd.array([[3, 4]])])
    np.testing.assert_array_equal(nds.asnumpy(), [[[1, 2]], [[3, 4]]])
    shared = batchify.Stack(use_shared_mem=True)([np.zeros(2, np.uint8)] * 2)
    assert shared.context.device_type == "cpu_shared" and shared.dtype == np.uint8


def test_pad_to_largest_on_every_axis():
    out = batchify.Pad(val=-1)([np.array([[1, 2, 3, 4], [5, 6, 7, 8]]),
                                np.array([[5, 8], [1, 2]])])
    np.testing.assert_array_equal(out.asnumpy(), [[[1, 2, 3, 4], [5, 6, 7, 8]],
                                                  [[5, 8, -1, -1], [1, 2, -1, -1]]])
    rounded = batchify.Pad(round_to=4, dtype="float32")([[1, 2, 3, 4, 5], [6]])
    assert rounded.shape == (2, 8) and rounded.dtype == np.float32
    assert rounded.asnumpy()[1].tolist() == [6, 0, 0, 0, 0, 0, 0, 0]
    with pytest.raises(MXNetError, match="Group"):
        batchify.Pad()([(1, 2), (3, 4)])


def test_append_group_tuple_aslist():
    parts = batchify.Append()([[1, 2, 3, 4], [4, 5, 6], [8, 2]])
    assert [p.shape for p in parts] == [(1, 4), (1, 3), (1, 2)]
    flat = batchify.Append(expand=False)([np.ones(2), np.ones(3)])
    assert [p.shape for p in flat] == [(2,), (3,)]
    samples = [([1, 2, 3, 4], 0, "a"), ([5, 7], 1, "b")]
    x, y, names = batchify.Group(batchify.Pad(), batchify.Stack(), batchify.AsList())(samples)
    assert x.shape == (2, 4) and y.asnumpy().tolist() == [0, 1] and names == ["a", "b"]
    assert batchify.Tuple is batchify.Group
    same = batchify.Group([batchify.Pad(), batchify.Stack(), batchify.AsList()])(samples)
    np.testing.assert_array_equal(same[0].asnumpy(), x.asnumpy())
    with pytest.raises(MXNetError, match="3 fields"):
        batchify.Group(batchify.Stack(), batchify.Stack())(samples)
    with pytest.raises(MXNetError, match="callable"):
        batchify.Group(batchify.Stack(), 3)


def test_pad_in_a_dataloader_with_workers():
    data = gdata.SimpleDataset([(np.arange(n, dtype=np.int32), n) for n in range(1, 6)])
    loader = gdata.DataLoader(data, batch_size=2, num_workers=2,
                              batchify_fn=batchify.Group(batchify.Pad(val=-1), batchify.Stack()))
    batches = list(loader)
    assert batches[1][0].asnumpy().tolist() == [[0, 1, 2, -1], [0, 1, 2, 3]]
    assert batches[2][1].asnumpy().tolist() == [5]


def test_interval_sampler():
    assert list(gdata.IntervalSampler(13, interval=3)) == [0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8,
                                                           11]
    short = gdata.IntervalSampler(13, interval=3, rollover=False)
    assert list(short) == [0, 3, 6, 9, 12] and len(short) == 5
    with pytest.raises(MXNetError, match="interval"):
        gdata.IntervalSampler(3, 5)
