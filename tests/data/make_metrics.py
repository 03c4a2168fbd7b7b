"""Writes metrics.npz: MXNet 1.9.1's metric values (get, get_global, after reset_local) for
seeded batches of every metric of mx.metric.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_metrics.py
Each case creates a metric with mx.metric.create(name, **kwargs), feeds it two batches,
records get() and get_global(), calls reset_local(), feeds a third batch and records both again.
"""
import json
import os

import numpy as np
import mxnet as mx

R = np.random.RandomState(5)


def probs(n, k):
    p = R.uniform(0.05, 1, (n, k)).astype(np.float32)
    return p / p.sum(axis=1, keepdims=True)


def classes(n, k, shape=None):
    return R.randint(0, k, shape or (n,)).astype(np.float32)


def batches(make):
    return [make() for _ in range(3)]


CASES = [
    ("acc", "acc", {}, batches(lambda: ([classes(6, 3)], [probs(6, 3)]))),
    ("acc_2d_label", "accuracy", {}, batches(lambda: ([classes(6, 3, (6, 1))], [probs(6, 3)]))),
    ("acc_indices", "acc", {}, batches(lambda: ([classes(6, 3)], [classes(6, 3)]))),
    ("acc_two_outputs", "acc", {}, batches(lambda: ([classes(4, 3), classes(5, 2)],
                                                    [probs(4, 3), probs(5, 2)]))),
    ("acc_axis0", "acc", {"axis": 0}, batches(lambda: ([classes(3, 4)], [probs(4, 3)]))),
    ("top_k", "top_k_accuracy", {"top_k": 2}, batches(lambda: ([classes(8, 4)], [probs(8, 4)]))),
    ("top_k_acc", "top_k_acc", {"top_k": 3}, batches(lambda: ([classes(8, 5)], [probs(8, 5)]))),
    ("f1_macro", "f1", {}, batches(lambda: ([classes(10, 2)], [probs(10, 2)]))),
    ("f1_micro", "f1", {"average": "micro"}, batches(lambda: ([classes(10, 2)], [probs(10, 2)]))),
    ("mcc_macro", "mcc", {}, batches(lambda: ([classes(12, 2)], [probs(12, 2)]))),
    ("mcc_micro", "mcc", {"average": "micro"}, batches(lambda: ([classes(12, 2)], [probs(12, 2)]))),
    ("perplexity", "perplexity", {"ignore_label": None},
     batches(lambda: ([classes(6, 4)], [probs(6, 4)]))),
    ("perplexity_ignore", "perplexity", {"ignore_label": 0},
     batches(lambda: ([classes(6, 4)], [probs(6, 4)]))),
    ("mae", "mae", {}, batches(lambda: ([R.randn(6).astype(np.float32)],
                                        [R.randn(6, 1).astype(np.float32)]))),
    ("mse_2d", "mse", {}, batches(lambda: ([R.randn(6, 2).astype(np.float32)],
                                           [R.randn(6, 2).astype(np.float32)]))),
    ("rmse", "rmse", {}, batches(lambda: ([R.randn(6).astype(np.float32)],
                                          [R.randn(6).astype(np.float32)]))),
    ("ce", "ce", {}, batches(lambda: ([classes(6, 3)], [probs(6, 3)]))),
    ("nll_loss", "nll_loss", {}, batches(lambda: ([classes(6, 3)], [probs(6, 3)]))),
    ("pearsonr_macro", "pearsonr", {}, batches(lambda: ([R.randn(8).astype(np.float32)],
                                                        [R.randn(8).astype(np.float32)]))),
    ("pearsonr_micro", "pearsonr", {"average": "micro"},
     batches(lambda: ([R.randn(8).astype(np.float32)], [R.randn(8).astype(np.float32)]))),
    ("pcc", "pcc", {}, batches(lambda: ([classes(12, 3)], [probs(12, 3)]))),
    ("pcc_binary", "pcc", {}, batches(lambda: ([classes(12, 2)], [probs(12, 2)]))),
    ("loss", "loss", {}, batches(lambda: ([], [R.rand(5).astype(np.float32)]))),
    ("torch", "torch", {}, batches(lambda: ([], [R.rand(5).astype(np.float32)]))),
    ("caffe", "caffe", {}, batches(lambda: ([], [R.rand(3, 2).astype(np.float32)]))),
]


def to_nd(arrays):
    return [mx.nd.array(a) for a in arrays]


def jsonable(value):
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


arrays, meta = {}, []
for name, metric_name, kwargs, data in CASES:
    metric = mx.metric.create(metric_name, **kwargs)
    record = {"name": name, "metric": metric_name, "kwargs": kwargs, "batches": len(data)}
    for b, (labels, preds) in enumerate(data):
        record.setdefault("n_labels", len(labels))
        record.setdefault("n_preds", len(preds))
        for i, a in enumerate(labels):
            arrays["%s/b%d/label%d" % (name, b, i)] = a
        for i, a in enumerate(preds):
            arrays["%s/b%d/pred%d" % (name, b, i)] = a
    for b in range(2):
        labels, preds = data[b]
        metric.update(to_nd(labels), to_nd(preds))
    record["get"] = jsonable(metric.get())
    record["get_global"] = jsonable(metric.get_global())
    metric.reset_local()
    labels, preds = data[2]
    metric.update(to_nd(labels), to_nd(preds))
    record["get_after_reset_local"] = jsonable(metric.get())
    record["get_global_after_reset_local"] = jsonable(metric.get_global())
    meta.append(record)
# update_dict with output_names / label_names, and a composite metric's global values
labels = classes(6, 3)
other = classes(6, 3)
preds = probs(6, 3)
arrays["dict/label"], arrays["dict/other"], arrays["dict/pred"] = labels, other, preds
acc = mx.metric.create("acc", output_names=["softmax_output"], label_names=["softmax_label"])
acc.update_dict({"softmax_label": mx.nd.array(labels), "x": mx.nd.array(other)},
                {"softmax_output": mx.nd.array(preds), "y": mx.nd.array(probs(6, 3))})
comp = mx.metric.create(["acc", "ce", mx.metric.TopKAccuracy(top_k=2)])
comp.update([mx.nd.array(labels)], [mx.nd.array(preds)])
comp.reset_local()
comp.update([mx.nd.array(other)], [mx.nd.array(preds)])
extra = {"dict_acc": jsonable(acc.get()),
         "composite_get": jsonable(comp.get()),
         "composite_global": jsonable(comp.get_global()),
         "composite_global_name_value": jsonable(comp.get_global_name_value()),
         "composite_config": comp.get_config()["metric"]}
arrays["extra"] = np.array(json.dumps(extra))
arrays["meta"] = np.array(json.dumps(meta))
here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "metrics.npz"), **arrays)
print(len(meta), "metric cases")
