"""Writes optimizers.npz: three steps of every MXNet 1.9.1 optimizer on seeded weights.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_optimizers.py
Each config builds `mx.optimizer.create(name, **kwargs)` and an Updater, feeds it the same
gradients for three steps (one weight, or three weights at once for the aggregated paths), and
keeps the weights after every step and the flattened states at the end.
"""
import json
import os

import numpy as np
import mxnet as mx

R = np.random.RandomState(7)
STEPS = 3
SHAPES = [(3, 4), (5,), (2, 3)]

CONFIGS = [
    ("sgd", "sgd", {"learning_rate": 0.1, "wd": 0.01, "rescale_grad": 0.5}, 1, "float32"),
    ("sgd_mom_clip", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                             "clip_gradient": 0.5}, 1, "float32"),
    ("sgd_mp", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "multi_precision": True}, 1,
     "float16"),
    ("sgd_mp_nomom", "sgd", {"learning_rate": 0.1, "multi_precision": True}, 1, "float16"),
    ("sgd_multi", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                          "param_idx2name": {0: "fc_weight", 1: "fc_bias", 2: "conv_weight"}}, 3,
     "float32"),
    ("sgd_multi_mp", "sgd", {"learning_rate": 0.1, "momentum": 0.9, "multi_precision": True}, 3,
     "float16"),
    ("nag", "nag", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01, "clip_gradient": 0.5}, 1,
     "float32"),
    ("nag_nomom", "nag", {"learning_rate": 0.1, "wd": 0.01}, 1, "float32"),
    ("nag_mp", "nag", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.01,
                       "multi_precision": True}, 1, "float16"),
    ("signum", "signum", {"learning_rate": 0.01, "momentum": 0.9, "wd": 0.01, "wd_lh": 0.1}, 1,
     "float32"),
    ("signsgd", "signum", {"learning_rate": 0.01, "momentum": 0.0, "wd": 0.01}, 1, "float32"),
    ("ftml", "ftml", {"learning_rate": 0.01, "wd": 0.01, "clip_gradient": 1.0}, 1, "float32"),
    ("lars", "lars", {"learning_rate": 0.1, "momentum": 0.9, "eta": 0.01, "wd": 0.01,
                      "param_idx2name": {0: "fc_weight", 1: "fc_bias", 2: "conv_weight"}}, 3,
     "float32"),
    ("lars_nomom", "lars", {"learning_rate": 0.1, "eta": 0.01, "wd": 0.01}, 3, "float32"),
    ("lbsgd", "lbsgd", {"learning_rate": 0.1, "momentum": 0.9, "batch_scale": 2,
                        "warmup_epochs": 1, "updates_per_epoch": 4}, 1, "float32"),
    ("lamb", "lamb", {"learning_rate": 0.01, "wd": 0.01}, 1, "float32"),
    ("lamb_bounds", "lamb", {"learning_rate": 0.01, "wd": 0.01, "lower_bound": 0.5,
                             "upper_bound": 1.5, "bias_correction": False}, 1, "float32"),
    ("lamb_multi", "lamb", {"learning_rate": 0.01, "wd": 0.01, "clip_gradient": 1.0}, 3,
     "float32"),
    ("lamb_mp", "lamb", {"learning_rate": 0.01, "wd": 0.01, "multi_precision": True}, 1,
     "float16"),
    # (DCASGD with momentum fails in MXNet 1.9.1 itself: `if mom:` on a multi-element array.)
    ("dcasgd_nomom", "dcasgd", {"learning_rate": 0.1, "wd": 0.01, "lamda": 0.1}, 1, "float32"),
    ("adam", "adam", {"learning_rate": 0.01, "wd": 0.01, "clip_gradient": 1.0,
                      "rescale_grad": 0.5}, 1, "float32"),
    ("adam_mp", "adam", {"learning_rate": 0.01, "multi_precision": True}, 1, "float16"),
    ("adagrad", "adagrad", {"learning_rate": 0.1, "wd": 0.01, "clip_gradient": 1.0}, 1,
     "float32"),
    ("rmsprop", "rmsprop", {"learning_rate": 0.01, "wd": 0.01}, 1, "float32"),
    ("rmsprop_centered", "rmsprop", {"learning_rate": 0.01, "centered": True,
                                     "clip_weights": 0.8, "clip_gradient": 1.0}, 1, "float32"),
    ("adadelta", "adadelta", {"wd": 0.01, "rescale_grad": 0.5, "clip_gradient": 1.0}, 1,
     "float32"),
    ("ftrl", "ftrl", {"learning_rate": 0.1, "lamda1": 0.05, "wd": 0.01}, 1, "float32"),
    ("adamax", "adamax", {"learning_rate": 0.01, "wd": 0.01, "clip_gradient": 1.0}, 1,
     "float32"),
    ("nadam", "nadam", {"learning_rate": 0.01, "wd": 0.01}, 1, "float32"),
    ("test", "test", {"rescale_grad": 0.5}, 1, "float32"),
    ("sgd_lr_wd_mult", "sgd", {"learning_rate": 0.1, "wd": 0.1, "momentum": 0.5,
                               "param_idx2name": {0: "a_weight", 1: "a_bias", 2: "b_gamma"}}, 3,
     "float32"),
]


def flatten(state):
    if state is None:
        return []
    if isinstance(state, (tuple, list)):
        return [x for s in state for x in flatten(s)]
    return [state.asnumpy()]


arrays, meta = {}, []
for name, opt_name, kwargs, count, dtype in CONFIGS:
    shapes = SHAPES[:count]
    weights0 = [R.uniform(-1, 1, s).astype(dtype) for s in shapes]
    grads = [[R.uniform(-2, 2, s).astype(dtype) for s in shapes] for _ in range(STEPS)]
    opt = mx.optimizer.create(opt_name, **kwargs)
    if name == "sgd_lr_wd_mult":
        opt.set_lr_mult({"a_bias": 2.0, 2: 0.5})
        opt.set_wd_mult({"b_gamma": 3.0})
    updater = mx.optimizer.get_updater(opt)
    weights = [mx.nd.array(w, dtype=dtype) for w in weights0]
    for k, w in enumerate(weights0):
        arrays["%s/w0_%d" % (name, k)] = w
    for step in range(STEPS):
        gs = [mx.nd.array(g, dtype=dtype) for g in grads[step]]
        if count == 1:
            updater(0, gs[0], weights[0])
        else:
            updater(list(range(count)), gs, weights)
        for k in range(count):
            arrays["%s/g%d_%d" % (name, step, k)] = grads[step][k]
            arrays["%s/w%d_%d" % (name, step + 1, k)] = weights[k].asnumpy()
    nstates = []
    for k in range(count):
        flat = flatten(updater.states[k])
        nstates.append(len(flat))
        for j, s in enumerate(flat):
            arrays["%s/s%d_%d" % (name, k, j)] = s
    kw = {k: ({str(a): b for a, b in v.items()} if isinstance(v, dict) else v)
          for k, v in kwargs.items()}
    meta.append({"name": name, "optimizer": opt_name, "kwargs": kw, "count": count,
                 "dtype": dtype, "states": nstates})
arrays["meta"] = np.array(json.dumps(meta))
here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "optimizers.npz"), **arrays)
print("%d configs" % len(meta))
