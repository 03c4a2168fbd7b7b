"""mx.model: the legacy FeedForward model exactly as the "Getting started with MXNet" tutorial
drives it (NumPy arrays, NDArrays or iterators; eval_data=(X, y); eval_metric='acc'; a logger),
checkpoints, and the mx.callback functions."""
import logging
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from .digits import make_digits
from .test_module import tutorial_mlp, small_mlp


@pytest.mark.slow
def test_tutorial_feedforward_fit_on_arrays_reaches_90_percent(caplog):
    train_x, train_y = make_digits(1500, seed=21)
    val_x, val_y = make_digits(500, seed=22)
    logger = logging.getLogger("tutorial")
    mx.random.seed(1)
    model = mx.model.FeedForward(symbol=tutorial_mlp(), num_epoch=10, ctx=mx.cpu(),
                                 learning_rate=0.1, momentum=0.9, numpy_batch_size=50,
                                 initializer=mx.init.Xavier())
    with caplog.at_level(logging.INFO, logger="tutorial"):
        model.fit(X=train_x, y=train_y, eval_data=(val_x, val_y), eval_metric="acc",
                  logger=logger)
    assert "Epoch[9] Validation-accuracy=" in caplog.text
    probs = model.predict(val_x)
    assert isinstance(probs, np.ndarray) and probs.shape == (500, 10)
    assert (probs.argmax(1) == val_y).mean() > 0.9
    assert model.score(mx.io.NDArrayIter(val_x, val_y, 100)) > 0.9


@pytest.mark.slow
def test_feedforward_on_iterators_and_ndarrays():
    X, y = make_digits(600, seed=23)
    train = mx.io.NDArrayIter(X, y, batch_size=50, shuffle=True)
    model = mx.model.FeedForward.create(tutorial_mlp(), X=train, num_epoch=6, learning_rate=0.1,
                                        momentum=0.9, initializer=mx.init.Xavier())
    probs, data, label = model.predict(nd.array(X[:120]), return_data=True)
    assert probs.shape == (120, 10) and data.shape == (120, 64)
    np.testing.assert_array_equal(data, X[:120])
    assert (probs.argmax(1) == y[:120]).mean() > 0.8


def test_feedforward_save_load_and_callbacks(tmp_path, caplog):
    prefix = str(tmp_path / "ff")
    X, y = make_digits(80, seed=24)
    batches = []
    model = mx.model.FeedForward(small_mlp(), num_epoch=2, numpy_batch_size=20,
                                 learning_rate=0.05)
    with caplog.at_level(logging.INFO):
        model.fit(X[:, :3], y % 5, epoch_end_callback=mx.callback.do_checkpoint(prefix),
                  batch_end_callback=[mx.callback.log_train_metric(2),
                                      mx.callback.ProgressBar(4),
                                      lambda p: batches.append((p.epoch, p.nbatch))])
    assert batches == [(0, 0), (0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)]
    assert "Iter[0] Batch[2] Train-accuracy=" in caplog.text and "[" + "=" * 60 + "-" * 20 + "] 75%" in caplog.text
    assert os.path.exists(prefix + "-0001.params") and os.path.exists(prefix + "-0002.params")
    model.save(prefix, 7)
    loaded = mx.model.FeedForward.load(prefix, 7)
    assert loaded.begin_epoch == 7
    np.testing.assert_allclose(loaded.predict(X[:, :3]), model.predict(X[:, :3]), rtol=1e-6)
    arg, aux = mx.model.load_params(prefix, 7)
    assert sorted(arg) == ["fc1_bias", "fc1_weight"] and aux == {}


def test_feedforward_errors():
    model = mx.model.FeedForward(small_mlp(), num_epoch=1)
    with pytest.raises(ValueError, match="y must be specified"):
        model.fit(np.ones((4, 3)))
    with pytest.raises(ValueError, match="not equal"):
        model.fit(np.ones((4, 3)), np.zeros(5))
    with pytest.raises(TypeError, match="DataIter, NDArray or numpy"):
        model.fit([[1, 2, 3]], np.zeros(1))
    with pytest.raises(MXNetError, match="no parameters"):
        mx.model.FeedForward(small_mlp()).predict(np.ones((2, 3)))
    with pytest.raises(MXNetError, match="num_epoch"):
        mx.model.FeedForward(small_mlp()).fit(np.ones((4, 3)), np.zeros(4))


def test_speedometer_logs_speed_and_resets_the_metric(caplog):
    metric = mx.metric.Accuracy()
    metric.update([nd.array([0, 1])], [nd.array([[1, 0], [0, 1]])])
    speed = mx.callback.Speedometer(batch_size=2, frequent=2)
    with caplog.at_level(logging.INFO):
        for nbatch in range(5):
            speed(mx.model.BatchEndParam(epoch=3, nbatch=nbatch, eval_metric=metric, locals=None))
    lines = [r.getMessage() for r in caplog.records if "Speed" in r.getMessage()]
    assert len(lines) == 2 and lines[0].startswith("Epoch[3] Batch [0-2]\tSpeed: ")
    assert "accuracy=1.000000" in lines[0]
    assert metric.num_inst == 0   # auto_reset
    val = mx.callback.LogValidationMetricsCallback()
    metric.update([nd.array([0])], [nd.array([[1, 0]])])
    with caplog.at_level(logging.INFO):
        val(mx.model.BatchEndParam(epoch=1, nbatch=0, eval_metric=metric, locals=None))
    assert "Epoch[1] Validation-accuracy=1.000000" in caplog.text
