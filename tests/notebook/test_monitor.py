"""TrainingMonitor keeps everything fed to it and its widgets show it, headless."""
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.notebook import TrainingMonitor
from mxnb.notebook.monitor import gradient_norms


def test_history_holds_every_loss_and_metric_fed():
    monitor = TrainingMonitor(total_samples=100)
    losses = [2.5, 1.25, 0.75, 0.5]
    for i, loss in enumerate(losses):
        monitor.update(loss=loss, metrics={"accuracy": 0.1 * i}, samples=25)
    assert monitor.history["loss"] == losses
    assert monitor.history["metrics"]["accuracy"] == pytest.approx([0.0, 0.1, 0.2, 0.3])
    assert monitor.history["samples"] == [25, 50, 75, 100]
    assert monitor.samples_seen == 100


def test_an_ndarray_loss_is_recorded_as_its_mean():
    monitor = TrainingMonitor()
    monitor.update(loss=nd.array([1.0, 2.0, 6.0]))
    assert monitor.history["loss"] == [3.0]


def test_widgets_update_in_place():
    monitor = TrainingMonitor(total_samples=60, refresh_seconds=0)
    box = monitor.widget()
    assert monitor.widget() is box
    assert monitor.progress.value == 0 and monitor.progress.max == 60
    monitor.update(loss=0.9, samples=20)
    curves_after_one = monitor.curves.panel
    monitor.update(loss=0.4, samples=20, metrics=[("acc", 0.75)])
    assert monitor.progress.value == 40
    assert "40/60 samples" in monitor.status.value and "samples/s" in monitor.status.value
    assert "loss 0.4" in monitor.status.value and "acc 0.75" in monitor.status.value
    assert monitor.curves.panel != curves_after_one
    curves, norms = monitor.curves.panel["charts"]
    assert [(l["label"], l["y"]) for l in curves["lines"]] == [("loss", [0.9, 0.4]), ("acc", [0.75])]
    assert norms["log_y"] and norms["lines"] == []


def test_speed_and_time_left_follow_the_samples_seen():
    monitor = TrainingMonitor(total_samples=300)
    monitor.update(samples=100)
    monitor.history["time"][-1] = 2.0           # as if the 100 samples took two seconds
    assert monitor.samples_per_second == 50.0
    assert monitor.eta_seconds == pytest.approx(4.0)
    assert "left 0:00:04" in monitor.status_text()


def test_refresh_is_throttled_but_the_last_batch_always_shows():
    monitor = TrainingMonitor(total_samples=30, refresh_seconds=3600)
    monitor.widget()
    monitor.update(loss=1.0, samples=10)
    assert monitor.progress.value == 0          # within the refresh interval: not redrawn yet
    monitor.update(loss=0.5, samples=20)
    assert monitor.progress.value == 30         # finished: drawn


def _trained_steps(monitor, steps=3):
    net = gluon.nn.Sequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(4, activation="relu"), gluon.nn.Dense(2))
    net.initialize(mx.init.Xavier())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    x = nd.array(np.random.RandomState(0).randn(8, 3))
    y = nd.array([0, 1] * 4)
    fed = []
    for _ in range(steps):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(8)
        fed.append(float(loss.mean().asscalar()))
        monitor.step(net, loss, 8)
    return net, fed


def test_step_records_loss_samples_and_each_parameters_gradient_norm():
    monitor = TrainingMonitor(total_samples=24, refresh_seconds=0)
    net, fed = _trained_steps(monitor)
    assert monitor.history["loss"] == pytest.approx(fed)
    assert monitor.samples_seen == 24
    norms = monitor.history["grad_norms"]
    assert set(norms) == set(net.collect_params().keys())
    for param in net.collect_params().values():
        expected = math.sqrt(float((param.grad().asnumpy().astype(np.float64) ** 2).sum()))
        assert norms[param.name][-1] == pytest.approx(expected)
        assert len(norms[param.name]) == 3
    assert "gradient norms" in monitor.gradients_html()
    assert "L2 norm" not in monitor.gradients.value          # the widget's chart is uPlot's
    drawn = {l["label"]: l["y"] for l in monitor.curves.panel["charts"][1]["lines"]}
    assert drawn == {name: pytest.approx(values) for name, values in norms.items()}


def test_gradient_flags_name_vanishing_exploding_and_nan():
    monitor = TrainingMonitor()
    monitor.update(grad_norms={"a_weight": 1e-9, "b_weight": 1e5, "c_weight": float("nan"),
                               "d_weight": 0.3})
    assert monitor.gradient_flags() == {"a_weight": "vanishing", "b_weight": "exploding",
                                        "c_weight": "not finite"}
    assert "vanishing" in monitor.gradients_html()


def test_gradient_norms_skip_frozen_parameters():
    dense = gluon.nn.Dense(2, in_units=3)
    dense.initialize()
    dense.bias.grad_req = "null"
    with autograd.record():
        out = dense(nd.ones((1, 3)))
    out.backward()
    assert set(gradient_norms(dense)) == {dense.weight.name}


def test_static_html_without_widgets():
    monitor = TrainingMonitor()
    monitor.update(loss=1.0, samples=4)
    page = monitor._repr_html_()
    assert "4 samples" in page and "data:image/svg+xml;base64," in page
