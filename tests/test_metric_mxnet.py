"""Every metric of mx.metric 1.9.1 against the values MXNet itself gives
(tests/data/metrics.npz, written by tests/data/make_metrics.py): get() and get_global() after
two batches, and again after reset_local() and a third batch."""
import json
import math
import pathlib

import numpy as np
import pytest

import mxnb as mx

FIXTURE = np.load(pathlib.Path(__file__).parent / "data" / "metrics.npz")
META = json.loads(str(FIXTURE["meta"]))


def _batch(meta, b):
    name = meta["name"]
    labels = [mx.nd.array(FIXTURE["%s/b%d/label%d" % (name, b, i)]) for i in range(meta["n_labels"])]
    preds = [mx.nd.array(FIXTURE["%s/b%d/pred%d" % (name, b, i)]) for i in range(meta["n_preds"])]
    return labels, preds


def _same(got, expected):
    names, values = got
    assert names == expected[0] or [names] == [expected[0]]
    values = values if isinstance(values, list) else [values]
    wanted = expected[1] if isinstance(expected[1], list) else [expected[1]]
    assert len(values) == len(wanted)
    for v, w in zip(values, wanted):
        if isinstance(w, float) and math.isnan(w):
            assert math.isnan(v)
        else:
            assert v == pytest.approx(w, rel=1e-5, abs=1e-6)


@pytest.mark.parametrize("meta", META, ids=[m["name"] for m in META])
def test_metric_matches_mxnet(meta):
    metric = mx.metric.create(meta["metric"], **meta["kwargs"])
    for b in range(2):
        metric.update(*_batch(meta, b))
    _same(metric.get(), meta["get"])
    _same(metric.get_global(), meta["get_global"])
    metric.reset_local()
    metric.update(*_batch(meta, 2))
    _same(metric.get(), meta["get_after_reset_local"])
    _same(metric.get_global(), meta["get_global_after_reset_local"])


def test_update_dict_and_composite_global_values_match_mxnet():
    extra = json.loads(str(FIXTURE["extra"]))
    labels, other, preds = (mx.nd.array(FIXTURE["dict/" + k]) for k in ("label", "other", "pred"))
    acc = mx.metric.create("acc", output_names=["softmax_output"], label_names=["softmax_label"])
    acc.update_dict({"softmax_label": labels, "x": other},
                    {"softmax_output": preds, "y": mx.nd.zeros((6, 3))})
    _same(acc.get(), extra["dict_acc"])
    comp = mx.metric.create(["acc", "ce", mx.metric.TopKAccuracy(top_k=2)])
    comp.update([labels], [preds])
    comp.reset_local()
    comp.update([other], [preds])
    _same(comp.get(), extra["composite_get"])
    _same(comp.get_global(), extra["composite_global"])
    assert [list(p) for p in comp.get_global_name_value()] == \
        [[n, pytest.approx(v)] for n, v in extra["composite_global_name_value"]]
    assert comp.get_config()["metric"] == extra["composite_config"]
