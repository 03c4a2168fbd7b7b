"""mx.contrib.io.DataLoaderIter: a Gluon DataLoader as a DataIter (names, shapes and dtype of
provide_data / provide_label, batches, the zero-padded short last batch, reset), fed to
Module.fit, and the errors of loaders it cannot use."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.contrib.io import DataLoaderIter


def _loader(data, label, batch_size, **kwargs):
    return mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(data, label),
                                    batch_size=batch_size, **kwargs)


def _loader3(data):
    dataset = mx.gluon.data.ArrayDataset(data, data[:, 0], data[:, 1])
    return mx.gluon.data.DataLoader(dataset, batch_size=2)


def test_batches_and_descriptions_of_a_loader():
    data = np.arange(8, dtype=np.float32).reshape(4, 2)
    label = np.arange(4, dtype=np.float32)
    it = DataLoaderIter(_loader(mx.nd.array(data), mx.nd.array(label), 2))
    assert it.batch_size == 2
    assert [(d.name, d.shape, d.dtype) for d in it.provide_data] == [("data", (2, 2), "float32")]
    assert [(d.name, d.shape) for d in it.provide_label] == [("softmax_label", (2,))]
    assert repr(it.provide_data) == "[DataDesc[data,(2, 2),float32,NCHW]]"
    batches = list(it)
    assert len(batches) == 2
    for i, batch in enumerate(batches):
        np.testing.assert_array_equal(batch.data[0].asnumpy(), data[2 * i:2 * i + 2])
        np.testing.assert_array_equal(batch.label[0].asnumpy(), label[2 * i:2 * i + 2])
        assert batch.pad == 0 and batch.index is None


def test_reachable_as_mx_contrib_io():
    assert mx.contrib.io.DataLoaderIter is DataLoaderIter
    assert issubclass(DataLoaderIter, mx.io.DataIter)


def test_short_last_batch_is_zero_padded_and_cast_to_dtype():
    data = np.arange(10, dtype=np.int32).reshape(5, 2)
    label = np.arange(5, dtype=np.int64)
    it = DataLoaderIter(_loader(data, label, 2), data_name="x", label_name="y", dtype="float16")
    assert [d.name for d in it.provide_data + it.provide_label] == ["x", "y"]
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 1]
    last = batches[-1]
    assert last.data[0].shape == (2, 2) and last.label[0].shape == (2,)
    assert last.data[0].dtype == np.float16 and last.label[0].dtype == np.float16
    np.testing.assert_array_equal(last.data[0].asnumpy(), [[8, 9], [0, 0]])
    np.testing.assert_array_equal(last.label[0].asnumpy(), [4, 0])


def test_exhausted_until_reset():
    it = DataLoaderIter(_loader(np.ones((6, 3), np.float32), np.zeros(6, np.float32), 3))
    assert len(list(it)) == 2
    assert list(it) == []
    it.reset()
    assert len(list(it)) == 2
    assert it.iter_next() is False


def test_module_fit_on_loader_batches_with_a_padded_last_batch():
    rng = np.random.RandomState(0)
    w = np.array([[2.0, -3.0]], np.float32)
    X = rng.randn(70, 2).astype(np.float32)
    y = X.dot(w.T).ravel()            # no bias: the zero padding rows fit it too
    it = DataLoaderIter(_loader(X, y, 16, shuffle=True), label_name="lin_label")
    assert [b.pad for b in it] == [0, 0, 0, 0, 10]
    it.reset()
    net = mx.sym.LinearRegressionOutput(
        mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=1, no_bias=True, name="fc"),
        mx.sym.var("lin_label"), name="lin")
    mod = mx.mod.Module(net, label_names=["lin_label"], context=mx.cpu())
    mod.fit(it, optimizer="sgd", optimizer_params={"learning_rate": 0.1},
            initializer=mx.init.Zero(), num_epoch=20)
    arg_params, _ = mod.get_params()
    np.testing.assert_allclose(arg_params["fc_weight"].asnumpy(), w, atol=1e-2)


def test_reading_without_a_current_batch_is_a_type_error():
    it = DataLoaderIter(_loader(np.ones((2, 2), np.float32), np.ones(2, np.float32), 2))
    with pytest.raises(MXNetError, match="DataLoaderIter.getdata: there is no current batch"):
        it.getdata()
    with pytest.raises(TypeError):
        it.getlabel()


def test_loaders_it_cannot_use():
    empty = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(np.zeros((0, 2), np.float32)),
                                     batch_size=2)
    with pytest.raises(ValueError, match="DataLoaderIter: the DataLoader gave no batch"):
        DataLoaderIter(empty)
    data_only = mx.gluon.data.DataLoader(np.ones((4, 2), np.float32), batch_size=2)
    with pytest.raises(MXNetError, match=r"must be a pair \(data, label\), found NDArray"):
        DataLoaderIter(data_only)
    with pytest.raises(ValueError, match=r"must be a pair \(data, label\), found 3 arrays"):
        DataLoaderIter(_loader3(np.ones((4, 2), np.float32)))
