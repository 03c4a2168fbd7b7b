"""Writes nn_ops.npz: inputs, outputs and input gradients (for a fixed head gradient) of the nn
operators of mxnb/ops/nn that have no short NumPy reference, computed by real MXNet 1.9.1.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_nn_ops.py
(MXNet 1.9.1's CPU deconvolution rejects dilation in 3-D and fails on target_shape, so those
are checked against NumPy references in the tests instead.)
Each case is stored as <name>/in<i>, <name>/out<i>, <name>/grad<i>, <name>/head<i>; the attributes
are listed in CASES below and repeated in tests/ops/test_nn_mxnet_ops.py.
"""
import json
import os

import mxnet as mx
import numpy as np

R = np.random.RandomState(42)


def u(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, shape).astype(np.float32)


def distinct(*shape):
    return (R.permutation(np.prod(shape)).reshape(shape) * 0.1 - 1).astype(np.float32)


def rois():
    return np.array([[0, 0, 0, 5, 5], [1, 1, 2, 6, 4], [0, 2.4, 1.6, 3.5, 7.2]], np.float32)


def ctc_label_first():
    return np.array([[1, 2, 2, 0], [3, 1, 0, 0]], np.float32)


def ctc_label_last():
    return np.array([[0, 1, 1, -1], [2, 0, -1, -1]], np.float32)


def affine():
    return np.array([[0.9, 0.1, 0.05, -0.2, 0.8, 0.1], [1.1, -0.1, -0.13, 0.05, 0.9, 0.02]], np.float32)


CASES = {
    "deconv2d": ("Deconvolution", [u(2, 3, 3, 4), u(3, 2, 3, 2), u(2)],
                 {"kernel": (3, 2), "num_filter": 2, "stride": (2, 1), "pad": (1, 0), "no_bias": False}),
    "deconv2d_group_adj": ("Deconvolution", [u(1, 4, 3, 3), u(4, 1, 3, 3)],
                           {"kernel": (3, 3), "num_filter": 2, "num_group": 2, "stride": (2, 2),
                            "pad": (1, 1), "adj": (1, 0)}),
    "deconv1d": ("Deconvolution", [u(2, 2, 4), u(2, 3, 3), u(3)],
                 {"kernel": (3,), "num_filter": 3, "stride": (2,), "pad": (1,), "no_bias": False}),
    "deconv3d": ("Deconvolution", [u(1, 2, 2, 2, 3), u(2, 2, 2, 2, 2), u(2)],
                 {"kernel": (2, 2, 2), "num_filter": 2, "stride": (1, 2, 1),
                  "no_bias": False}),
    "layernorm": ("LayerNorm", [u(2, 3, 4), u(4), u(4)], {"output_mean_var": True}),
    "layernorm_axis1": ("LayerNorm", [u(2, 3, 4), u(3), u(3)], {"axis": 1, "eps": 1e-3}),
    "instancenorm": ("InstanceNorm", [u(2, 3, 2, 3), u(3), u(3)], {"eps": 1e-3}),
    "groupnorm": ("GroupNorm", [u(2, 4, 2, 3), u(2), u(2)], {"num_groups": 2, "output_mean_var": True}),
    "lrn": ("LRN", [u(2, 5, 2, 2)], {"nsize": 3, "alpha": 0.1, "beta": 0.75, "knorm": 2.0}),
    "upsampling_nearest": ("UpSampling", [u(1, 2, 2, 3)], {"scale": 2, "sample_type": "nearest"}),
    "upsampling_nearest_multi": ("UpSampling", [u(1, 2, 2, 2), u(1, 1, 4, 4)],
                                 {"scale": 2, "sample_type": "nearest", "num_args": 2}),
    "upsampling_bilinear": ("UpSampling", [u(1, 2, 3, 3), u(2, 1, 4, 4)],
                            {"scale": 2, "sample_type": "bilinear", "num_filter": 2, "num_args": 2}),
    "resize_size": ("_contrib_BilinearResize2D", [u(1, 2, 3, 4)], {"height": 5, "width": 3}),
    "resize_noalign": ("_contrib_BilinearResize2D", [u(1, 2, 3, 4)],
                       {"height": 6, "width": 7, "align_corners": False}),
    "resize_scale": ("_contrib_BilinearResize2D", [u(1, 1, 4, 3)],
                     {"scale_height": 1.5, "scale_width": 2.0}),
    "roipooling": ("ROIPooling", [distinct(2, 2, 6, 8), rois()],
                   {"pooled_size": (2, 3), "spatial_scale": 1.0}),
    "roipooling_scaled": ("ROIPooling", [distinct(2, 1, 5, 5), rois()],
                          {"pooled_size": (2, 2), "spatial_scale": 0.5}),
    "gridgen_affine": ("GridGenerator", [affine()], {"transform_type": "affine", "target_shape": (3, 4)}),
    "gridgen_warp": ("GridGenerator", [u(1, 2, 3, 4)], {"transform_type": "warp"}),
    "bilinear_sampler": ("BilinearSampler", [u(2, 2, 4, 5), u(2, 2, 3, 3, lo=-1.1, hi=1.1)], {}),
    "spatial_transformer": ("SpatialTransformer", [u(2, 2, 4, 5), affine()],
                            {"target_shape": (3, 3), "transform_type": "affine", "sampler_type": "bilinear"}),
    "pad_constant": ("Pad", [u(1, 2, 2, 3)], {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1),
                                              "constant_value": 0.5}),
    "pad_edge": ("Pad", [u(1, 2, 2, 3)], {"mode": "edge", "pad_width": (0, 0, 0, 0, 1, 2, 2, 1)}),
    "pad_reflect": ("Pad", [u(1, 1, 3, 4)], {"mode": "reflect", "pad_width": (0, 0, 0, 0, 2, 1, 1, 3)}),
    "pad_reflect_5d": ("Pad", [u(1, 1, 2, 3, 3)], {"mode": "reflect",
                                                  "pad_width": (0, 0, 0, 0, 1, 1, 0, 2, 1, 0)}),
    "crop_hw": ("Crop", [u(1, 2, 5, 6)], {"h_w": (3, 2), "offset": (1, 2), "num_args": 1}),
    "crop_like_center": ("Crop", [u(1, 2, 5, 6), u(1, 1, 2, 3)], {"center_crop": True, "num_args": 2}),
    "smooth_l1": ("smooth_l1", [u(3, 4, lo=-2, hi=2)], {"scalar": 1.5}),
    "ctc_first": ("CTCLoss", [u(6, 2, 4), ctc_label_first()], {}),
    "ctc_last_lengths": ("CTCLoss", [u(6, 2, 3), ctc_label_last(), np.array([6, 4], np.float32),
                                     np.array([3, 2], np.float32)],
                         {"blank_label": "last", "use_data_lengths": True, "use_label_lengths": True}),
    "pool_lp2": ("Pooling", [u(1, 2, 5, 4)], {"kernel": (2, 2), "stride": (1, 2), "pool_type": "lp",
                                              "p_value": 2}),
    "pool_lp3_1d": ("Pooling", [u(2, 1, 7)], {"kernel": (3,), "stride": (2,), "pool_type": "lp",
                                              "p_value": 3}),
    "pool_avg_3d_full": ("Pooling", [u(1, 1, 4, 4, 5)], {"kernel": (2, 2, 3), "stride": (2, 2, 2),
                                                         "pad": (1, 0, 1), "pool_type": "avg",
                                                         "pooling_convention": "full",
                                                         "count_include_pad": False}),
}
# inputs that get no gradient (indices, ROIs, labels, lengths)
NO_GRAD = {"roipooling": [1], "roipooling_scaled": [1], "ctc_first": [1],
           "ctc_last_lengths": [1, 2, 3], "crop_like_center": [1]}


def _symbol(op):
    if op.startswith("_contrib_"):
        return getattr(mx.sym.contrib, op[len("_contrib_"):])
    return getattr(mx.sym, op)


def _function(op):
    if op.startswith("_contrib_"):
        return getattr(mx.nd.contrib, op[len("_contrib_"):])
    return getattr(mx.nd, op)


def main():
    out = {}
    for name, (op, inputs, attrs) in CASES.items():
        arrays = [mx.nd.array(a) for a in inputs]
        for i, a in enumerate(arrays):
            if i not in NO_GRAD.get(name, []):
                a.attach_grad()
        with mx.autograd.record():
            res = _function(op)(*arrays, **attrs)
        res = res if isinstance(res, (list, tuple)) else [res]
        heads = [u(*r.shape) for r in res]
        mx.autograd.backward(res, [mx.nd.array(h) for h in heads])
        for i, a in enumerate(inputs):
            out["%s/in%d" % (name, i)] = a
            if i not in NO_GRAD.get(name, []):
                out["%s/grad%d" % (name, i)] = arrays[i].grad.asnumpy()
        for i, (r, h) in enumerate(zip(res, heads)):
            out["%s/out%d" % (name, i)] = r.asnumpy()
            out["%s/head%d" % (name, i)] = h
        # the same operator as a symbol, in MXNet's JSON (attributes as MXNet writes them)
        variables = [mx.sym.var("in%d" % i) for i in range(len(inputs))]
        out["%s/symbol" % name] = np.array(_symbol(op)(*variables, **attrs).tojson())
        out["%s/attrs" % name] = np.array(json.dumps([op, {k: list(v) if isinstance(v, tuple) else v
                                                          for k, v in attrs.items()}]))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nn_ops.npz")
    np.savez_compressed(path, **out)
    print("wrote", path, len(CASES), "cases")


if __name__ == "__main__":
    main()
