"""Writes array_ops.npz: MXNet 1.9.1's outputs and input gradients (autograd, seeded head
gradients) of the generic operators mxnb adds outside the main families (special functions,
rearrangements, index helpers, contrib helpers, L2Normalization, SVMOutput, im2col, ...).

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_array_ops.py
"""
import json
import os

import numpy as np
import mxnet as mx

R = np.random.RandomState(29)


def u(*shape, lo=-1.0, hi=1.0):
    return R.uniform(lo, hi, shape)


def ints(hi, *shape):
    return R.randint(0, hi, shape).astype(np.float64)


# name, function path, inputs, attrs, differentiable input indices
CASES = [
    ("gamma", "gamma", [np.array([0.3, 1.7, 3.2, -0.5, -2.5, 6.0])], {}, [0]),
    ("gammaln", "gammaln", [np.array([0.3, 1.7, 3.2, -0.5, -2.5, 40.0])], {}, [0]),
    ("erfinv", "erfinv", [np.array([-0.99, -0.5, 0.0, 0.3, 0.9, 0.999])], {}, [0]),
    ("hard_sigmoid", "hard_sigmoid", [np.array([-5.0, -1.0, 0.3, 1.5, 4.0])],
     {"alpha": 0.3, "beta": 0.4}, [0]),
    ("softmin", "softmin", [u(2, 4)], {"axis": 1, "temperature": 2.0}, [0]),
    ("add_n", "add_n", [u(2, 3), u(2, 3), u(2, 3)], {}, [0, 1, 2]),
    ("khatri_rao", "khatri_rao", [u(2, 3), u(3, 3), u(2, 3)], {}, [0, 1, 2]),
    ("depth_to_space", "depth_to_space", [u(1, 8, 2, 3)], {"block_size": 2}, [0]),
    ("space_to_depth", "space_to_depth", [u(1, 2, 4, 6)], {"block_size": 2}, [0]),
    ("cumsum", "cumsum", [u(3, 4)], {"axis": 1}, [0]),
    ("cumsum_flat", "cumsum", [u(3, 4)], {}, [0]),
    ("diag_matrix", "diag", [u(3, 4)], {"k": 1}, [0]),
    ("diag_vector", "diag", [u(3)], {"k": -1}, [0]),
    ("diag_3d", "diag", [u(2, 3, 3)], {"axis1": 1, "axis2": 2}, [0]),
    ("moments", "moments", [u(3, 4, 2)], {"axes": (0, 2)}, [0]),
    ("moments_keep", "moments", [u(3, 4)], {"axes": (1,), "keepdims": True}, [0]),
    ("l2norm_instance", "L2Normalization", [u(2, 3, 2)], {}, [0]),
    ("l2norm_channel", "L2Normalization", [u(2, 3, 2)], {"mode": "channel"}, [0]),
    ("l2norm_spatial", "L2Normalization", [u(2, 3, 2, 2)], {"mode": "spatial"}, [0]),
    ("softmax_ce", "softmax_cross_entropy", [u(3, 4), ints(4, 3)], {}, [0]),
    ("svm_l2", "SVMOutput", [u(4, 3, lo=-2, hi=2), ints(3, 4)], {"margin": 0.5}, [0]),
    ("svm_l1", "SVMOutput", [u(4, 3, lo=-2, hi=2), ints(3, 4)],
     {"use_linear": True, "regularization_coefficient": 0.5}, [0]),
    ("batch_take", "batch_take", [u(3, 4), np.array([1, 3, 0])], {}, [0]),
    ("choose0", "choose_element_0index", [u(3, 4), np.array([1.0, 3.0, 0.0])], {}, [0]),
    ("fill0", "fill_element_0index", [u(3, 4), u(3), np.array([1.0, 3.0, 0.0])], {}, [0, 1]),
    ("ravel", "ravel_multi_index", [np.array([[3.0, 6.0, 6.0], [4.0, 5.0, 1.0]])],
     {"shape": (7, 6)}, []),
    ("unravel", "unravel_index", [np.array([22.0, 41.0, 37.0])], {"shape": (7, 6)}, []),
    ("scatter_nd", "scatter_nd", [u(3), np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 3.0]])],
     {"shape": (2, 4)}, [0]),
    ("im2col", "im2col", [u(2, 2, 4, 5)], {"kernel": (2, 3), "stride": (2, 1), "pad": (1, 0),
                                           "dilate": (1, 1)}, [0]),
    ("im2col_dilate", "im2col", [u(1, 1, 5, 5)], {"kernel": (2, 2), "dilate": (2, 2)}, [0]),
    ("col2im", "col2im", [u(1, 4, 6)], {"output_size": (3, 4), "kernel": (2, 2)}, [0]),
    ("quadratic", "contrib.quadratic", [u(2, 3)], {"a": 1.5, "b": -2.0, "c": 0.5}, [0]),
    ("div_sqrt_dim", "contrib.div_sqrt_dim", [u(2, 5)], {}, [0]),
    ("gradientmultiplier", "contrib.gradientmultiplier", [u(2, 3)], {"scalar": -0.5}, [0]),
    ("round_ste", "contrib.round_ste", [u(2, 3, lo=-3, hi=3)], {}, [0]),
    ("sign_ste", "contrib.sign_ste", [u(2, 3)], {}, [0]),
    ("index_copy", "contrib.index_copy", [u(4, 2), np.array([2.0, 0.0]), u(2, 2)], {}, [0, 2]),
    ("boolean_mask", "contrib.boolean_mask", [u(4, 2), np.array([1.0, 0.0, 1.0, 1.0])], {}, [0]),
    ("index_array", "contrib.index_array", [u(2, 3)], {"axes": (1, 0)}, []),
    ("arange_like", "contrib.arange_like", [u(2, 3)], {"start": 1.0, "step": 0.5, "repeat": 2},
     []),
    ("arange_like_axis", "contrib.arange_like", [u(2, 3)], {"axis": 1}, []),
    ("allclose", "contrib.allclose", [np.array([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7])], {}, []),
    ("allclose_no", "contrib.allclose", [np.array([1.0, 2.0]), np.array([1.0, 2.1])], {}, []),
    ("histogram", "_internal._histogram", [np.array([0.0, 1.0, 2.0, 2.0, 3.0, 5.0])],
     {"bin_cnt": 3, "range": (1.0, 4.0)}, []),
    ("split_v2", "_internal._split_v2", [u(3, 6)], {"indices": (0, 2, 3), "axis": 1}, [0]),
    ("split_v2_squeeze", "_internal._split_v2", [u(3, 4)],
     {"indices": (), "sections": 3, "axis": 0, "squeeze_axis": True}, [0]),
    ("slice_assign", "_internal._slice_assign", [u(3, 4), u(2, 2)],
     {"begin": (1, 0), "end": (3, 4), "step": (1, 2)}, [0, 1]),
    ("slice_assign_scalar", "_internal._slice_assign_scalar", [u(3, 4)],
     {"scalar": 2.0, "begin": (0, 1), "end": (2, 3)}, [0]),
    ("selfatt_qk", "contrib.interleaved_matmul_selfatt_qk", [u(3, 2, 2 * 3 * 4)], {"heads": 2},
     [0]),
    ("selfatt_valatt", "contrib.interleaved_matmul_selfatt_valatt",
     [u(3, 2, 2 * 3 * 4), u(4, 3, 3)], {"heads": 2}, [0, 1]),
    ("encdec_qk", "contrib.interleaved_matmul_encdec_qk", [u(3, 2, 2 * 4), u(5, 2, 2 * 2 * 4)],
     {"heads": 2}, [0, 1]),
    ("encdec_valatt", "contrib.interleaved_matmul_encdec_valatt",
     [u(5, 2, 2 * 2 * 4), u(4, 3, 5)], {"heads": 2}, [0, 1]),
    ("box_iou", "contrib.box_iou", [np.array([[0.5, 0.5, 1.0, 1.0], [0.0, 0.0, 0.5, 0.5]]),
                                    np.array([[0.25, 0.25, 0.75, 0.75], [0.0, 0.1, 0.3, 0.9]])],
     {}, []),
    ("box_iou_center", "contrib.box_iou", [np.abs(u(2, 3, 4)) + 0.1, np.abs(u(2, 4)) + 0.1],
     {"format": "center"}, []),
    ("box_nms", "contrib.box_nms", [np.array([[0, 0.5, 0.1, 0.1, 0.2, 0.2],
                                              [1, 0.4, 0.1, 0.1, 0.2, 0.2],
                                              [0, 0.3, 0.1, 0.1, 0.14, 0.14],
                                              [2, 0.6, 0.5, 0.5, 0.7, 0.8]])],
     {"overlap_thresh": 0.1, "id_index": 0, "force_suppress": True}, [0]),
    ("box_nms_classes", "contrib.box_nms", [np.array([[[0, 0.5, 0.1, 0.1, 0.2, 0.2],
                                                       [1, 0.4, 0.1, 0.1, 0.2, 0.2],
                                                       [0, 0.3, 0.1, 0.1, 0.14, 0.14],
                                                       [2, 0.6, 0.5, 0.5, 0.7, 0.8],
                                                       [0, 0.05, 0.5, 0.5, 0.7, 0.8]]] * 2)],
     {"overlap_thresh": 0.1, "id_index": 0, "valid_thresh": 0.1, "background_id": 2,
      "out_format": "center"}, [0]),
    ("box_nms_topk", "contrib.box_nms", [np.concatenate([ints(3, 8, 1), np.abs(u(8, 1)),
                                                         np.abs(u(8, 2)) * 0.5,
                                                         np.abs(u(8, 2)) * 0.5 + 0.5], axis=1)],
     {"overlap_thresh": 0.3, "topk": 5, "id_index": 0}, []),
    ("bipartite", "contrib.bipartite_matching", [np.array([[0.5, 0.6], [0.1, 0.2], [0.3, 0.4]])],
     {"threshold": 1e-12}, []),
    ("bipartite_batch", "contrib.bipartite_matching", [u(2, 4, 3)],
     {"threshold": 0.8, "is_ascend": True, "topk": 2}, []),
    ("box_encode", "contrib.box_encode",
     [np.array([[1.0, -1.0, 1.0]]), np.array([[1.0, 0.0, 0.0]]),
      np.array([[[0.1, 0.1, 0.4, 0.5], [0.2, 0.2, 0.3, 0.6], [0.0, 0.1, 0.5, 0.5]]]),
      np.array([[[0.0, 0.0, 0.3, 0.4], [0.2, 0.1, 0.5, 0.6]]]), np.array([0.0, 0.1, 0.0, 0.2]),
      np.array([0.1, 0.1, 0.2, 0.2])], {}, []),
    ("box_decode", "contrib.box_decode", [u(2, 3, 4), np.abs(u(1, 3, 4)) + 0.2],
     {"std0": 0.1, "std1": 0.1, "std2": 0.2, "std3": 0.2, "clip": 0.5}, []),
    ("box_decode_corner", "contrib.box_decode",
     [u(1, 2, 4), np.array([[[0.1, 0.1, 0.4, 0.5], [0.2, 0.2, 0.3, 0.6]]])],
     {"format": "corner"}, []),
    ("adaptive_avg_pool", "contrib.AdaptiveAvgPooling2D", [u(1, 2, 5, 7)],
     {"output_size": (2, 3)}, [0]),
    ("adaptive_avg_pool_int", "contrib.AdaptiveAvgPooling2D", [u(2, 1, 4, 4)],
     {"output_size": 3}, [0]),
    ("multibox_prior", "contrib.MultiBoxPrior", [np.zeros((1, 3, 2, 4))],
     {"sizes": (0.5, 0.25), "ratios": (2.0, 0.5)}, []),
    ("multibox_prior_clip", "contrib.MultiBoxPrior", [np.zeros((1, 3, 3, 3))],
     {"sizes": (0.9,), "ratios": (1.0, 3.0), "clip": True, "steps": (0.3, 0.25),
      "offsets": (0.2, 0.7)}, []),
    ("roi_align", "contrib.ROIAlign",
     [u(2, 2, 6, 7), np.array([[0, 1.0, 1.0, 9.0, 7.0], [1, 0.0, 2.0, 5.0, 11.0],
                               [0, 10.0, 9.0, 13.5, 12.0]])],
     {"pooled_size": (2, 3), "spatial_scale": 0.5}, [0]),
    ("roi_align_aligned", "contrib.ROIAlign",
     [u(1, 3, 5, 5), np.array([[0, 1.0, 1.5, 3.0, 4.0], [0, 0.2, 0.1, 1.0, 0.9]])],
     {"pooled_size": (2, 2), "spatial_scale": 1.0, "sample_ratio": 2, "aligned": True}, [0]),
    ("roi_align_ps", "contrib.ROIAlign",
     [u(1, 8, 5, 5), np.array([[0, 0.5, 1.0, 4.0, 3.5]])],
     {"pooled_size": (2, 2), "spatial_scale": 1.0, "position_sensitive": True}, [0]),
    ("multibox_target", "contrib.MultiBoxTarget",
     [np.array([[[0.0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.65, 0.88, 0.88],
                 [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9]]]),
      np.array([[[0, 0.1, 0.08, 0.52, 0.92], [1, 0.55, 0.2, 0.9, 0.88], [-1, -1, -1, -1, -1]],
                [[1, 0.0, 0.1, 0.25, 0.3], [-1, -1, -1, -1, -1], [-1, -1, -1, -1, -1]]]),
      u(2, 3, 5)], {}, []),
    ("multibox_target_mining", "contrib.MultiBoxTarget",
     [np.array([[[0.0, 0.1, 0.2, 0.3], [0.15, 0.2, 0.4, 0.4], [0.63, 0.65, 0.88, 0.88],
                 [0.66, 0.45, 0.8, 0.8], [0.57, 0.3, 0.92, 0.9], [0.1, 0.6, 0.3, 0.9]]]),
      np.array([[[0, 0.1, 0.08, 0.52, 0.92], [-1, -1, -1, -1, -1]]]), u(1, 3, 6)],
     {"negative_mining_ratio": 2.0, "overlap_threshold": 0.3}, []),
    ("multibox_detection", "contrib.MultiBoxDetection",
     [np.array([[[0.0, 0.0, 0.0, 0.0], [0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]]]),
      np.array([[0.0] * 16]),
      np.array([[[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91],
                 [0.55, 0.2, 0.9, 0.88]]])], {"nms_threshold": 0.5}, []),
    ("multibox_detection_force", "contrib.MultiBoxDetection",
     [np.array([[[0.1, 0.2, 0.05, 0.6], [0.5, 0.3, 0.9, 0.2], [0.4, 0.5, 0.05, 0.2]]] * 2),
      u(2, 16) * 0.5,
      np.array([[[0.1, 0.08, 0.52, 0.92], [0.08, 0.2, 0.56, 0.95], [0.15, 0.3, 0.62, 0.91],
                 [0.55, 0.2, 0.9, 0.88]]])],
     {"nms_threshold": 0.3, "force_suppress": True, "threshold": 0.25, "clip": False}, []),
    ("correlation", "Correlation", [u(2, 3, 5, 6), u(2, 3, 5, 6)],
     {"kernel_size": 1, "max_displacement": 2, "stride2": 2, "pad_size": 2}, [0, 1]),
    ("correlation_k3", "Correlation", [u(1, 2, 7, 7), u(1, 2, 7, 7)],
     {"kernel_size": 3, "max_displacement": 1, "stride1": 2, "pad_size": 1}, [0, 1]),
    ("correlation_abs", "Correlation", [u(1, 2, 4, 5), u(1, 2, 4, 5)],
     {"max_displacement": 1, "is_multiply": False}, [0, 1]),
    ("psroi", "contrib.PSROIPooling",
     [u(2, 8, 6, 7), np.array([[0, 1.2, 1.0, 4.4, 4.0], [1, 0.0, 0.3, 6.0, 5.2],
                               [0, 3.0, 2.0, 3.4, 2.2]])],
     {"spatial_scale": 1.0, "output_dim": 2, "pooled_size": 2}, [0]),
    ("psroi_scale", "contrib.PSROIPooling",
     [u(1, 9, 5, 5), np.array([[0, 2.0, 2.0, 9.0, 8.0]])],
     {"spatial_scale": 0.5, "output_dim": 1, "pooled_size": 3}, [0]),
    ("deformable_conv", "contrib.DeformableConvolution",
     [u(2, 4, 5, 5), u(2, 2 * 9 * 2, 5, 5) * 1.5, u(6, 2, 3, 3), u(6)],
     {"kernel": (3, 3), "pad": (1, 1), "num_filter": 6, "num_group": 2,
      "num_deformable_group": 2}, [0, 1, 2, 3]),
    ("deformable_conv_stride", "contrib.DeformableConvolution",
     [u(1, 2, 6, 5), u(1, 2 * 4, 3, 2) * 2.0, u(3, 2, 2, 2)],
     {"kernel": (2, 2), "stride": (2, 2), "dilate": (1, 2), "num_filter": 3, "no_bias": True},
     [0, 1, 2]),
    # (ModulatedDeformableConvolution runs on GPUs only in MXNet 1.9.1.)
    ("proposal", "contrib.Proposal",
     [np.concatenate([np.zeros((1, 6, 4, 5)), R.uniform(0, 1, (1, 6, 4, 5))], axis=1),
      u(1, 24, 4, 5) * 0.3, np.array([[60.0, 70.0, 1.0]])],
     {"rpn_pre_nms_top_n": 50, "rpn_post_nms_top_n": 12, "scales": (2.0, 4.0),
      "ratios": (0.5, 1.0, 2.0), "feature_stride": 16, "rpn_min_size": 8, "threshold": 0.6,
      "output_score": True}, []),
    ("multi_proposal", "contrib.MultiProposal",
     [np.concatenate([np.zeros((2, 3, 3, 3)), R.uniform(0, 1, (2, 3, 3, 3))], axis=1),
      u(2, 12, 3, 3) * 0.3, np.array([[40.0, 45.0, 1.0], [32.0, 48.0, 0.5]])],
     {"rpn_pre_nms_top_n": 20, "rpn_post_nms_top_n": 8, "scales": (2.0,),
      "ratios": (0.5, 1.0, 2.0), "feature_stride": 16, "threshold": 0.5}, []),
    ("sync_batch_norm", "contrib.SyncBatchNorm",
     [u(4, 3, 2), u(3) + 1, u(3), np.zeros(3), np.ones(3)],
     {"fix_gamma": False, "ndev": 1, "key": "bn0"}, [0, 1, 2]),
    ("batch_norm_relu", "contrib.BatchNormWithReLU",
     [u(2, 3, 2, 2), u(3) + 1, u(3), np.zeros(3), np.ones(3)], {"fix_gamma": False}, [0, 1, 2]),
    ("rroi_align", "contrib.RROIAlign",
     [u(2, 2, 8, 9), np.array([[0, 4.0, 3.5, 5.0, 3.0, 30.0], [1, 2.0, 6.0, 6.0, 2.5, -60.0],
                               [0, 8.5, 1.0, 4.0, 4.0, 90.0], [1, 4.5, 4.0, 0.5, 0.5, 0.0]])],
     {"pooled_size": (2, 3), "spatial_scale": 1.0}, []),
    ("rroi_align_scaled", "contrib.RROIAlign",
     [u(1, 1, 6, 6), np.array([[0, 6.0, 5.0, 8.0, 6.0, 45.0]])],
     {"pooled_size": (3, 3), "spatial_scale": 0.5, "sampling_ratio": 2}, []),
    ("onehot_encode", "_internal._onehot_encode", [np.array([2.0, 0.0]), np.zeros((2, 3))], {},
     []),
]


def resolve(path):
    obj = mx.nd
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


INT_INPUTS = {"batch_take": [1]}
# MXNet computes these in float32 only
FLOAT32 = {"ravel", "unravel", "fill0", "onehot_encode", "selfatt_qk", "selfatt_valatt",
           "encdec_qk", "encdec_valatt", "roi_align", "roi_align_aligned", "roi_align_ps",
           "multibox_prior", "multibox_prior_clip", "multibox_target", "multibox_target_mining",
           "multibox_detection", "multibox_detection_force", "correlation", "correlation_k3",
           "correlation_abs", "psroi", "psroi_scale", "deformable_conv",
           "deformable_conv_stride", "proposal", "multi_proposal", "sync_batch_norm",
           "batch_norm_relu", "rroi_align", "rroi_align_scaled"}
arrays, meta = {}, []
for name, path, inputs, attrs, wanted in CASES:
    print("case", name, flush=True)
    nds = []
    for i, x in enumerate(inputs):
        dtype = ("int32" if i in INT_INPUTS.get(name, []) else
                 "float32" if name in FLOAT32 else "float64")
        nds.append(mx.nd.array(x, dtype=dtype))
    for i in wanted:
        nds[i].attach_grad()
    with mx.autograd.record():
        out = resolve(path)(*nds, **attrs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    heads = [mx.nd.array(R.uniform(-1, 1, o.shape), dtype=o.dtype) for o in outs]
    if wanted:
        try:
            mx.autograd.backward(outs, heads)
        except mx.MXNetError as exc:   # MXNet has no gradient for it: forward only
            print(name, "has no gradient in MXNet:", str(exc).strip().splitlines()[-1][:80])
            wanted = []
    for i, x in enumerate(inputs):
        arrays["%s/in%d" % (name, i)] = x
    for i in wanted:
        arrays["%s/grad%d" % (name, i)] = nds[i].grad.asnumpy()
    for i, (o, h) in enumerate(zip(outs, heads)):
        arrays["%s/out%d" % (name, i)] = o.asnumpy()
        arrays["%s/head%d" % (name, i)] = h.asnumpy()
    meta.append({"name": name, "path": path, "attrs": attrs, "inputs": len(inputs),
                 "outputs": len(outs), "wanted": wanted,
                 "int_inputs": INT_INPUTS.get(name, []),
                 "dtype": "float32" if name in FLOAT32 else "float64"})
arrays["meta"] = np.array(json.dumps(meta))
here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "array_ops.npz"), **arrays)
print(len(meta), "cases")
