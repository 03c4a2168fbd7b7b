"""Metrics against NumPy computations written here."""
import json
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

RNG = np.random.default_rng(0)
SCORES = RNG.random((12, 5)).astype(np.float32)
PROBS = SCORES / SCORES.sum(axis=1, keepdims=True)
LABELS = RNG.integers(0, 5, size=12).astype(np.float32)


def nd(x):
    return mx.nd.array(x)


def test_accuracy_argmax_and_class_labels():
    m = mx.metric.Accuracy()
    m.update([nd(LABELS)], [nd(SCORES)])
    expected = (SCORES.argmax(axis=1) == LABELS).mean()
    assert m.get() == ("accuracy", pytest.approx(expected))
    m.update(nd(np.array([1, 2])), nd(np.array([1, 0])))  # predictions already labels
    assert m.num_inst == 14
    assert m.sum_metric == (SCORES.argmax(axis=1) == LABELS).sum() + 1
    m.reset_local()
    assert math.isnan(m.get()[1])
    assert m.get_global()[1] == pytest.approx(m.global_sum_metric / 14)


def test_accuracy_axis_and_length_mismatch():
    m = mx.metric.create("acc", axis=0)
    m.update([nd(LABELS[:5])], [nd(SCORES.T[:, :5])])
    assert m.get()[1] == pytest.approx((SCORES.T[:, :5].argmax(axis=0) == LABELS[:5]).mean())
    with pytest.raises(ValueError, match="does not match"):
        m.update([nd(LABELS)], [nd(SCORES), nd(SCORES)])


def test_top_k_accuracy():
    m = mx.metric.TopKAccuracy(top_k=3)
    m.update([nd(LABELS)], [nd(SCORES)])
    top3 = np.argsort(-SCORES, axis=1)[:, :3]
    expected = np.mean([LABELS[i] in top3[i] for i in range(12)])
    assert m.get() == ("top_k_accuracy_3", pytest.approx(expected))
    with pytest.raises(MXNetError):
        mx.metric.TopKAccuracy(top_k=1)


def test_f1_binary():
    scores = RNG.random((20, 2)).astype(np.float32)
    labels = RNG.integers(0, 2, size=20)
    m = mx.metric.F1()
    m.update([nd(labels)], [nd(scores)])
    pred = scores.argmax(axis=1)
    tp = np.sum((pred == 1) & (labels == 1))
    precision = tp / max(np.sum(pred == 1), 1)
    recall = tp / max(np.sum(labels == 1), 1)
    assert m.get()[1] == pytest.approx(2 * precision * recall / (precision + recall))
    with pytest.raises(ValueError, match="binary"):
        m.update([nd(LABELS)], [nd(SCORES[:, :2])])


def test_regression_metrics_average_per_update():
    pred1, label1 = RNG.random(6), RNG.random(6)
    pred2, label2 = RNG.random((3, 2)), RNG.random((3, 2))
    for name, err in [("mae", lambda d: np.abs(d).mean()), ("mse", lambda d: (d ** 2).mean()),
                      ("rmse", lambda d: np.sqrt((d ** 2).mean()))]:
        m = mx.metric.create(name)
        m.update([nd(label1)], [nd(pred1)])
        m.update([nd(label2)], [nd(pred2)])
        expected = (err(label1 - pred1) + err(label2 - pred2)) / 2
        assert m.get() == (name, pytest.approx(expected, rel=1e-5))


def test_cross_entropy_and_perplexity():
    ce = mx.metric.create("ce")
    ce.update([nd(LABELS)], [nd(PROBS)])
    picked = PROBS[np.arange(12), LABELS.astype(int)].astype(np.float64)
    assert ce.get()[1] == pytest.approx(-np.log(picked + 1e-12).mean(), rel=1e-5)
    ppl = mx.metric.Perplexity(ignore_label=0)
    ppl.update([nd(LABELS)], [nd(PROBS)])
    keep = LABELS != 0
    assert ppl.get()[1] == pytest.approx(math.exp(-np.log(picked[keep]).mean()), rel=1e-5)


def test_loss_metric_averages_values():
    m = mx.metric.Loss()
    m.update(None, [nd([1.0, 2.0]), nd([[3.0, 6.0]])])
    assert m.get() == ("loss", pytest.approx(3.0))


def test_composite_and_create_from_list():
    m = mx.metric.create(["acc", "mse"])
    assert isinstance(m, mx.metric.CompositeEvalMetric)
    m.update([nd(LABELS)], [nd(SCORES)])
    names, values = m.get()
    assert names == ["accuracy", "mse"]
    assert values[0] == pytest.approx((SCORES.argmax(axis=1) == LABELS).mean())
    assert m.get_name_value()[0][0] == "accuracy"
    m.reset()
    assert all(math.isnan(v) for v in m.get()[1])


def test_custom_metric_and_np_helper():
    def total_abs(label, pred):
        return np.abs(label - pred).sum(), label.size

    m = mx.metric.np(total_abs)
    m.update([nd([1.0, 2.0])], [nd([1.5, 1.0])])
    assert m.name == "total_abs" and m.get()[1] == pytest.approx(0.75)
    lam = mx.metric.create(lambda label, pred: float((label == pred).all()))
    lam.update([nd([1.0])], [nd([1.0])])
    assert lam.name.startswith("custom(") and lam.get()[1] == 1.0


def test_unknown_metric_name():
    with pytest.raises(MXNetError, match="nosuch"):
        mx.metric.create("nosuch")


class BatchEnd:
    def __init__(self, epoch, nbatch, eval_metric):
        self.epoch, self.nbatch, self.eval_metric = epoch, nbatch, eval_metric


def test_callbacks_log_metric_and_speed(caplog):
    metric = mx.metric.Accuracy()
    metric.update([nd([1.0, 0.0])], [nd([1.0, 1.0])])
    with caplog.at_level("INFO"):
        mx.callback.log_train_metric(2, auto_reset=True)(BatchEnd(1, 4, metric))
        assert "Iter[1] Batch[4] Train-accuracy=0.500000" in caplog.text
        assert metric.num_inst == 0 and metric.global_num_inst == 2
        speed = mx.callback.Speedometer(batch_size=8, frequent=2)
        metric.update([nd([1.0])], [nd([1.0])])
        for n in range(1, 5):
            speed(BatchEnd(0, n, metric))
        assert "Epoch[0] Batch [2-4]\tSpeed:" in caplog.text
        assert "accuracy=1.000000" in caplog.text
        mx.callback.ProgressBar(total=4, length=8)(BatchEnd(0, 2, None))
        assert "[====----] 50%" in caplog.text


def _accuracy(labels, scores, axis=1):
    return float((scores.argmax(axis=axis) == labels).mean())


@pytest.mark.parametrize("make_config", [
    lambda m: json.dumps(m.get_config()),            # '{"metric": "TopKAccuracy", ...}'
    lambda m: m.get_config(),                        # the dict itself
    lambda m: '["top_k_accuracy", {"top_k": 2}]',    # [name, kwargs]
])
def test_create_reads_a_config_string_or_dict_as_mxnet(make_config):
    original = mx.metric.create("top_k_accuracy", top_k=2)
    made = mx.metric.create(make_config(original))
    assert type(made) is mx.metric.TopKAccuracy and made.top_k == 2
    made.update([nd(LABELS)], [nd(SCORES)])
    top2 = np.argsort(-SCORES, axis=1)[:, :2]
    expected = float(np.mean([LABELS[i] in top2[i] for i in range(len(LABELS))]))
    assert made.get()[1] == pytest.approx(expected)


def test_create_rebuilds_a_composite_from_its_json_config():
    config = json.dumps(mx.metric.create(["acc", "mse"]).get_config())
    made = mx.metric.create(config)
    assert [type(m).__name__ for m in made.metrics] == ["Accuracy", "MSE"]
    made.update([nd(LABELS)], [nd(SCORES)])
    assert made.get()[1][0] == pytest.approx(_accuracy(LABELS, SCORES))


def test_create_refuses_what_mxnet_asserts_against():
    acc = mx.metric.create("acc")
    with pytest.raises(AssertionError, match="already a metric instance"):
        mx.metric.create(acc, axis=0)
    with pytest.raises(AssertionError, match="no extra arguments"):
        mx.metric.create('{"metric": "acc"}', axis=0)
    with pytest.raises(MXNetError, match="no 'metric' key"):
        mx.metric.create('{"name": "acc"}')
    with pytest.raises(ValueError, match="not valid JSON"):
        mx.metric.create("{bad")
    with pytest.raises(AssertionError, match="Cannot find metric"):
        mx.metric.create("nosuch")


def test_every_named_registry_reads_json_configs():
    from mxnb.named_registry import NamedRegistry
    reg = NamedRegistry("widget")

    @reg.register
    class Gear:
        def __init__(self, teeth=8, name="gear"):
            self.teeth, self.name = teeth, name
    assert reg.create('{"widget": "Gear", "teeth": 12}').teeth == 12
    assert reg.create('["GEAR", {"teeth": 5, "name": "g"}]').name == "g"
    assert reg.create({"widget": "gear"}).teeth == 8
    assert reg.create(widget="gear", teeth=3).teeth == 3
    from mxnb import initializer
    made = initializer._REGISTRY.create('{"initializer": "uniform", "scale": 0.5}')
    assert isinstance(made, mx.init.Uniform) and made.scale == 0.5
