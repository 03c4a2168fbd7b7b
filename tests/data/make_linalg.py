"""Writes linalg.npz: MXNet 1.9.1's nd.linalg outputs and input gradients (autograd with seeded
head gradients) for every operator of the family, on small float64 batches.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_linalg.py
"""
import json
import os

import numpy as np
import mxnet as mx

R = np.random.RandomState(17)


def spd(batch, n):
    x = R.uniform(-1, 1, (batch, n, n))
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def lower(batch, n):
    return np.tril(R.uniform(-1, 1, (batch, n, n))) + 2 * np.eye(n)


def u(*shape):
    return R.uniform(-1, 1, shape)


CASES = [
    ("gemm2_axis0", "gemm2", [u(3, 2, 4), u(4, 2, 5)], {"axis": 0, "alpha": 2.0}),
    ("gemm_axis1", "gemm", [u(2, 3, 2, 4), u(2, 4, 2, 5), u(2, 3, 2, 5)],
     {"axis": 1, "transpose_b": False, "beta": 0.5}),
    ("potrf", "potrf", [spd(2, 3)], {}),
    ("potri", "potri", [lower(2, 3)], {}),
    ("trmm", "trmm", [u(2, 3, 3), u(2, 3, 4)], {"alpha": 1.5}),
    ("trmm_tr_right_upper", "trmm", [u(2, 3, 3), u(2, 4, 3)],
     {"transpose": True, "rightside": True, "lower": False}),
    ("trsm", "trsm", [lower(2, 3), u(2, 3, 4)], {"alpha": 0.5}),
    ("trsm_tr_right", "trsm", [lower(2, 3), u(2, 4, 3)], {"transpose": True, "rightside": True}),
    ("trsm_upper", "trsm", [np.swapaxes(lower(2, 3), -1, -2), u(2, 3, 2)], {"lower": False}),
    ("syrk", "syrk", [u(2, 3, 4)], {"alpha": 0.7}),
    ("syrk_tr", "syrk", [u(2, 3, 4)], {"transpose": True}),
    ("gelqf", "gelqf", [u(2, 2, 4)], {}),
    ("syevd", "syevd", [spd(2, 3) + np.diag([0.0, 1.0, 3.0])], {}),
    ("inverse", "inverse", [spd(2, 3)], {}),
    ("det", "det", [u(2, 3, 3) + 2 * np.eye(3)], {}),
    ("det_single", "det", [u(3, 3) + 2 * np.eye(3)], {}),
    ("slogdet", "slogdet", [u(2, 3, 3) - 2 * np.eye(3)], {}),
    ("sumlogdiag", "sumlogdiag", [spd(2, 3)], {}),
    ("extractdiag", "extractdiag", [u(2, 3, 3)], {"offset": 1}),
    ("makediag", "makediag", [u(2, 3)], {"offset": -1}),
    ("extracttrian", "extracttrian", [u(2, 3, 3)], {"lower": False}),
    ("extracttrian_off", "extracttrian", [u(4, 4)], {"offset": -1}),
    ("maketrian", "maketrian", [u(2, 6)], {}),
    ("maketrian_off", "maketrian", [u(3,)], {"offset": 2}),
]

arrays, meta = {}, []
for name, op, inputs, attrs in CASES:
    nds = [mx.nd.array(x, dtype="float64") for x in inputs]
    for x in nds:
        x.attach_grad()
    with mx.autograd.record():
        out = getattr(mx.nd.linalg, op)(*nds, **attrs)
    outs = out if isinstance(out, list) else [out]
    heads = [mx.nd.array(R.uniform(-1, 1, o.shape), dtype="float64") for o in outs]
    mx.autograd.backward(outs, heads)
    for i, x in enumerate(inputs):
        arrays["%s/in%d" % (name, i)] = x
        arrays["%s/grad%d" % (name, i)] = nds[i].grad.asnumpy()
    for i, (o, h) in enumerate(zip(outs, heads)):
        arrays["%s/out%d" % (name, i)] = o.asnumpy()
        arrays["%s/head%d" % (name, i)] = h.asnumpy()
    meta.append({"name": name, "op": op, "attrs": attrs, "inputs": len(inputs),
                 "outputs": len(outs)})
arrays["meta"] = np.array(json.dumps(meta))
here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "linalg.npz"), **arrays)
print(len(meta), "cases")
