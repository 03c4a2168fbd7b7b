"""Writes mxnet191-extra-ops-symbol.json and its shapes: a graph MXNet 1.9.1 saved with
operators from the linalg, contrib, detection and legacy families, so tests can load MXNet's
own attribute spellings (tests/ops/test_array_extra.py).

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_mxnet_graph_extra_ops.py
"""
import json
import os

import mxnet as mx

data = mx.sym.var("data")
feat = mx.sym.Convolution_v1(data, kernel=(3, 3), num_filter=8, pad=(1, 1), name="conv")
anchors = mx.sym.contrib.MultiBoxPrior(feat, sizes=(0.5, 0.25), ratios=(1, 2, 0.5), clip=True)
rois = mx.sym.var("rois")
pooled = mx.sym.contrib.ROIAlign(feat, rois, pooled_size=(2, 2), spatial_scale=0.25)
norm = mx.sym.L2Normalization(mx.sym.Flatten(pooled), mode="instance")
gram = mx.sym.linalg.syrk(norm, transpose=True, alpha=0.5)
eye = mx.sym.linalg.makediag(mx.sym.ones_like(mx.sym.linalg.extractdiag(gram)))
chol = mx.sym.linalg.potrf(gram + eye * 4)
logdet = mx.sym.linalg.sumlogdiag(chol)
tri = mx.sym.linalg.extracttrian(chol, offset=-1)
moments = mx.sym.moments(feat, axes=(0, 2, 3), keepdims=True)
parts = mx.sym.split_v2(feat, indices_or_sections=(2, 5), axis=1)
d2s = mx.sym.depth_to_space(parts[1], block_size=1)
att = mx.sym.contrib.AdaptiveAvgPooling2D(feat, output_size=(3, 2))
svm = mx.sym.SVMOutput(mx.sym.FullyConnected(norm, num_hidden=4), name="svm")
net = mx.sym.Group([anchors, logdet, tri, moments[1], d2s, att, svm, mx.sym.cumsum(norm, axis=1)])
shapes = {"data": (2, 3, 16, 16), "rois": (5, 5)}
_, out_shapes, _ = net.infer_shape(**shapes)
here = os.path.dirname(os.path.abspath(__file__))
net.save(os.path.join(here, "mxnet191-extra-ops-symbol.json"))
with open(os.path.join(here, "mxnet191-extra-ops-shapes.json"), "w") as f:
    json.dump({"inputs": shapes, "outputs": out_shapes, "arguments": net.list_arguments(),
               "aux": net.list_auxiliary_states(), "output_names": net.list_outputs()}, f)
print(out_shapes)
