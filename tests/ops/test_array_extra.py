"""Generic operators outside the main families (special functions, rearrangements, index and
contrib helpers, L2Normalization, softmax_cross_entropy, SVMOutput, im2col/col2im, legacy
internal operators), checked against MXNet 1.9.1 (tests/data/array_ops.npz from
tests/data/make_array_ops.py): outputs, and input gradients where MXNet has them. The harness
Cases add finite-difference gradient checks and the symbolic path."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

FIXTURE = np.load(pathlib.Path(__file__).parent.parent / "data" / "array_ops.npz")
META = {m["name"]: m for m in json.loads(str(FIXTURE["meta"]))}
REGISTERED = {"ravel_multi_index": "_ravel_multi_index", "unravel_index": "_unravel_index",
              "contrib.quadratic": "_contrib_quadratic",
              "contrib.div_sqrt_dim": "_contrib_div_sqrt_dim",
              "contrib.gradientmultiplier": "_contrib_gradientmultiplier",
              "contrib.round_ste": "_contrib_round_ste", "contrib.sign_ste": "_contrib_sign_ste",
              "contrib.index_copy": "_contrib_index_copy",
              "contrib.boolean_mask": "_contrib_boolean_mask",
              "contrib.index_array": "_contrib_index_array",
              "contrib.arange_like": "_contrib_arange_like",
              "contrib.allclose": "_contrib_allclose"}
REGISTERED.update({"contrib." + n: "_contrib_" + n for n in (
    "interleaved_matmul_selfatt_qk", "interleaved_matmul_selfatt_valatt",
    "interleaved_matmul_encdec_qk", "interleaved_matmul_encdec_valatt", "box_iou", "box_nms",
    "bipartite_matching", "box_encode", "box_decode", "AdaptiveAvgPooling2D", "MultiBoxPrior",
    "ROIAlign", "MultiBoxTarget", "MultiBoxDetection", "PSROIPooling", "DeformableConvolution",
    "ModulatedDeformableConvolution", "Proposal", "MultiProposal", "SyncBatchNorm",
    "BatchNormWithReLU", "RROIAlign")})
# Finite differences: which inputs (None: no check; the STE, multiplier and output operators
# have gradients that are not the derivative of their forward pass, by design).
FD_INPUTS = {"khatri_rao": [0, 1, 2], "batch_take": [0], "fill0": [0, 1], "slice_assign": [0, 1],
             "slice_assign_scalar": [0], "svm_l2": None, "svm_l1": None, "round_ste": None,
             "sign_ste": None, "gradientmultiplier": None, "softmax_ce": [0],
             "index_copy": [0, 2], "boolean_mask": [0], "scatter_nd": [0], "choose0": [0]}
NO_SYMBOLIC = {"boolean_mask"}   # a data-dependent output shape
FD_INPUTS.update({"box_nms": None, "box_nms_classes": None})   # piecewise: checked vs MXNet
# ROIAlign is piecewise bilinear: float32 finite differences across a pixel edge are noisy;
# its gradient is checked against MXNet's (test_matches_mxnet) and by the kernel Case below.
FD_INPUTS.update({"deformable_conv": [0, 2, 3]})
# BatchNorm variants: train-mode statistics; compared with MXNet (test_matches_mxnet), and the
# symbolic path binds the moving statistics as auxiliary states
FD_INPUTS.update({"sync_batch_norm": None, "batch_norm_relu": None})
NO_SYMBOLIC.update({"sync_batch_norm", "batch_norm_relu"})   # offsets: by the stride case and vs MXNet
FD_INPUTS.update({"correlation_abs": None, "psroi": [0], "psroi_scale": [0]})   # |a - b| has kinks; checked against MXNet
FD_INPUTS.update({"roi_align": None, "roi_align_aligned": None, "roi_align_ps": None})


def _op_name(meta):
    path = meta["path"]
    return REGISTERED.get(path, path.split(".")[-1])


def _inputs(meta):
    out = []
    for i in range(meta["inputs"]):
        x = FIXTURE["%s/in%d" % (meta["name"], i)]
        out.append(x.astype(np.int32) if i in meta["int_inputs"] else x)
    return out


def _case(name, meta):
    outs = [FIXTURE["%s/out%d" % (name, i)] for i in range(meta["outputs"])]
    wanted = FD_INPUTS.get(name, meta["wanted"])
    return Case(_op_name(meta), _inputs(meta), lambda *a, **k: outs if len(outs) > 1 else outs[0],
                attrs=meta["attrs"], grad=bool(wanted), grad_inputs=wanted or None,
                symbolic=name not in NO_SYMBOLIC, rtol=1e-4, atol=1e-5, name=name)


TRAIN_ONLY = {"sync_batch_norm", "batch_norm_relu"}   # fixtures in train mode; Cases below
CASES = [_case(name, meta) for name, meta in META.items() if name not in TRAIN_ONLY]


def _bn_inference(x, gamma, beta, mean, var, relu=False, eps=1e-3, **_):
    shape = (1, -1) + (1,) * (x.ndim - 2)
    out = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps) * gamma.reshape(shape) \
        + beta.reshape(shape)
    return np.maximum(out, 0) if relu else out


CASES += [Case("_contrib_SyncBatchNorm", _inputs(META["sync_batch_norm"]), _bn_inference,
               attrs=META["sync_batch_norm"]["attrs"], grad=False, aux=[3, 4], symbolic=False),
          Case("_contrib_BatchNormWithReLU", _inputs(META["batch_norm_relu"]),
               lambda *a, **k: _bn_inference(*a, relu=True, **k),
               attrs=META["batch_norm_relu"]["attrs"], grad=False, aux=[3, 4], symbolic=False)]


def _rroi_refuses_gradients(case, ctx):
    """RROIAlign has no backward pass in MXNet 1.9.1: a gradient through it raises the clear
    error naming it (as MXNet's 'non-differentiable' error), never zeros."""
    data, rois = (nd.array(a, ctx=ctx) for a in case.inputs)
    data.attach_grad()
    with autograd.record():
        out = nd.contrib.RROIAlign(data, rois, **case.attrs)
    np.testing.assert_allclose(out.asnumpy(), FIXTURE["rroi_align/out0"], rtol=1e-5, atol=1e-6)
    with pytest.raises(mx.MXNetError, match="not available through operator _contrib_RROIAlign"):
        out.backward()


CASES.append(Case("_contrib_RROIAlign", _inputs(META["rroi_align"]),
                  attrs=META["rroi_align"]["attrs"], check=_rroi_refuses_gradients,
                  grad_inputs=[0], name="rroi_align_gradient"))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


@pytest.mark.parametrize("name", sorted(META))
def test_matches_mxnet(name):
    meta = META[name]
    dtype = meta.get("dtype", "float64")
    arrays = [nd.array(x, dtype=x.dtype if x.dtype.kind == "i" else dtype) for x in _inputs(meta)]
    for i in meta["wanted"]:
        arrays[i].attach_grad()
    fn = getattr(nd, _op_name(meta))
    tol = dict(rtol=2e-6, atol=1e-7) if dtype == "float64" else dict(rtol=1e-5, atol=2e-6)
    with autograd.record():
        out = fn(*arrays, **meta["attrs"])
    outs = out if isinstance(out, (list, tuple)) else [out]
    assert len(outs) == meta["outputs"]
    for i, o in enumerate(outs):
        expected = FIXTURE["%s/out%d" % (name, i)]
        assert o.shape == expected.shape, (name, i, o.shape, expected.shape)
        np.testing.assert_allclose(o.asnumpy().astype(np.float64), expected.astype(np.float64),
                                   err_msg="%s output %d" % (name, i), **tol)
    if meta["wanted"]:
        heads = [nd.array(FIXTURE["%s/head%d" % (name, i)], dtype=o.dtype)
                 for i, o in enumerate(outs)]
        autograd.backward(outs, heads)
        for i in meta["wanted"]:
            np.testing.assert_allclose(arrays[i].grad.asnumpy(), FIXTURE["%s/grad%d" % (name, i)],
                                       err_msg="%s gradient %d" % (name, i), **tol)


def test_split_v2_and_histogram_functions():
    x = nd.arange(12).reshape((2, 6))
    parts = nd.split_v2(x, [2, 3], axis=1)
    assert [p.shape for p in parts] == [(2, 2), (2, 1), (2, 3)]
    assert [p.shape for p in nd.split_v2(x, 2, axis=0, squeeze_axis=True)] == [(6,), (6,)]
    hist, edges = nd.histogram(nd.array([0.0, 1, 2, 2, 3, 5]), bins=3)
    np.testing.assert_allclose(hist.asnumpy(), [2, 3, 1])
    np.testing.assert_allclose(edges.asnumpy(), [0, 5 / 3, 10 / 3, 5], rtol=1e-6)
    hist, _ = nd.histogram(nd.array([0.0, 1, 2, 2, 3, 5]), bins=nd.array([0.0, 2, 3, 6]))
    np.testing.assert_allclose(hist.asnumpy(), [2, 2, 2])


def test_elementwise_sum_alias_and_legacy_names():
    a, b = nd.ones((2,)), nd.full((2,), 2.0)
    np.testing.assert_allclose(nd.ElementWiseSum(a, b).asnumpy(), [3, 3])
    np.testing.assert_allclose(nd._Greater(b, a).asnumpy(), [1, 1])
    s = mx.sym.add_n(mx.sym.var("a"), mx.sym.var("b"), name="sum")
    assert s.infer_shape(a=(2, 3))[1] == [(2, 3)]


# --- backward kernels and the internal operators, against NumPy ------------------------------
_R = np.random.RandomState(31)


def _u(*shape):
    return _R.uniform(-1, 1, shape)


def _svm_grad(x, label, margin=1.0, regularization_coefficient=1.0, use_linear=False):
    onehot = np.zeros_like(x, dtype=bool)
    onehot[np.arange(x.shape[0]), label.astype(int)] = True
    if use_linear:
        g = np.where(onehot, -(margin > x), margin > -x) * 1.0
    else:
        g = np.where(onehot, -np.maximum(margin - x, 0), np.maximum(margin + x, 0)) * 2.0
    return g * regularization_coefficient


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _sce_grad(og, x, label):
    g = _softmax(x)
    g[np.arange(x.shape[0]), label.astype(int)] -= 1
    return g * og


def _batch_take_grad(og, idx, a):
    g = np.zeros_like(a)
    g[np.arange(a.shape[0]), idx.astype(int)] = og
    return g


def _mask_grad(og, index, data, axis=0):
    g = np.zeros_like(data)
    g[index.astype(bool)] = og
    return g


def _diag_grad(og, data, k=0, axis1=0, axis2=1):
    g = np.zeros_like(data)
    n = og.shape[-1]
    for i in range(n):
        g[i + max(-k, 0), i + max(k, 0)] = og[i]
    return g


def _digamma(x):
    h = 1e-5
    from math import lgamma
    return np.array([(lgamma(float(v) + h) - lgamma(float(v) - h)) / (2 * h)
                     for v in x.ravel()]).reshape(x.shape)


def _khatri_grads(og, a, b, **_):
    full = og.reshape(a.shape[0], b.shape[0], -1)
    return [(full * b[None]).sum(1), (full * a[:, None]).sum(0)]


def _moments_grad(og_m, og_v, x, mean, axes=None, keepdims=False):
    n = x.shape[1]
    return (og_m[:, None] + 2 * og_v[:, None] * (x - mean[:, None])) / n


def _index_copy_grads(og, idx, new):
    old = og.copy()
    old[idx.astype(int)] = 0
    return [old, og[idx.astype(int)]]


def _im2col_ref_grad(og, data, kernel, **_):
    # col2im of og: each column entry adds back to the pixel it came from (1-D, stride 1)
    g = np.zeros_like(data)
    k = kernel[0]
    cols = og.reshape(data.shape[0], data.shape[1], k, -1)
    for j in range(k):
        g[..., j:j + cols.shape[-1]] += cols[:, :, j, :]
    return g


_X, _IDX, _LABEL = _u(3, 4), np.array([1.0, 3.0, 0.0]), np.array([2.0, 0.0, 1.0])
CASES += [
    Case("_backward_SVMOutput", [_u(3, 4) * 2, _LABEL], _svm_grad, attrs={"margin": 0.5},
         grad=False, symbolic=False),
    Case("_backward_softmax_cross_entropy", [np.array([0.7]), _u(3, 4), _LABEL], _sce_grad,
         grad=False, symbolic=False),
    Case("_backward_batch_take", [_u(3), _IDX, _u(3, 4)], _batch_take_grad, grad_inputs=[0]),
    Case("_backward_contrib_boolean_mask", [_u(2, 2), np.array([1.0, 0.0, 1.0]), _u(3, 2)],
         _mask_grad, grad=False, symbolic=False),
    Case("_backward_diag", [_u(2), _u(3, 3)], lambda og, d, **a: _diag_grad(og, d, k=1),
         attrs={"k": 1}, grad_inputs=[0]),
    Case("_backward_gammaln", [_u(4), np.array([0.7, 1.5, 3.0, 9.0])],
         lambda og, x: og * _digamma(x), grad=False),
    Case("_backward_im2col", [_u(1, 2 * 3, 3), _u(1, 2, 5)],
         lambda og, d, **a: _im2col_ref_grad(og, d, **a), attrs={"kernel": (3,)},
         grad_inputs=[0]),
    Case("_backward_khatri_rao", [_u(6, 2), _u(2, 2), _u(3, 2)], _khatri_grads,
         attrs={"num_args": 3}, grad=False),
    Case("_backward_moments", [_u(3), _u(3), _u(3, 4), _u(3)], _moments_grad,
         attrs={"axes": (1,)}, grad=False),
    Case("_contrib_backward_index_copy", [_u(4, 2), np.array([2.0, 0.0]), _u(2, 2)],
         _index_copy_grads, grad_inputs=[0]),
    Case("_split_v2_backward", [_u(2, 2), _u(2, 1), _u(2, 3)],
         lambda a, b, x, **k: np.concatenate([a, b], axis=1),
         attrs={"indices": (0, 2), "axis": 1, "num_args": 3}, grad_inputs=[0, 1]),
    Case("_grad_add", [_u(2, 3), _u(2, 3)], lambda a, b: a + b),
    Case("_identity_with_attr_like_rhs", [_u(2, 3), _u(2, 3)], lambda a, b: a, grad_inputs=[0]),
    Case("_scatter_set_nd", [_u(2, 4), _u(3), np.array([[0.0, 1.0, 1.0], [2.0, 0.0, 3.0]])],
         lambda lhs, rhs, idx, shape: _set_nd(lhs, rhs, idx), attrs={"shape": (2, 4)},
         grad_inputs=[0, 1]),
    Case("amp_cast", [_u(2, 3)], lambda x, dtype: x.astype(np.float16),
         attrs={"dtype": "float16"}, grad=False, rtol=1e-3, atol=1e-3),
    Case("amp_multicast", [_u(2, 3).astype(np.float16), _u(3)],
         lambda a, b, **k: [a.astype(np.float32), b.astype(np.float32)],
         attrs={"num_outputs": 2}, dtype=None, grad=False, rtol=1e-3, symbolic=False),
]


def _set_nd(lhs, rhs, idx):
    out = lhs.copy()
    out[tuple(idx.astype(int))] = rhs
    return out


def test_amp_casts_keep_non_floats_and_pick_the_widest():
    a16 = nd.ones((2,), dtype="float16")
    b32 = nd.ones((2,), dtype="float32")
    i32 = nd.ones((2,), dtype="int32")
    out = nd.amp_multicast(a16, b32, i32, num_outputs=3)
    assert [o.dtype for o in out] == [np.float32, np.float32, np.int32]
    out = nd.amp_multicast(a16, b32, num_outputs=2, cast_narrow=True)
    assert [o.dtype for o in out] == [np.float16, np.float16]
    assert nd.amp_cast(i32, dtype="float16").dtype == np.int32
    x = nd.ones((2,), dtype="float32")
    x.attach_grad()
    with autograd.record():
        y = nd.amp_cast(x, dtype="float16")
    y.backward()
    assert x.grad.dtype == np.float32


def _backward_case(op, name, n_inputs):
    """A backward kernel fed MXNet's head gradient and inputs gives MXNet's input gradients."""
    head = FIXTURE["%s/head0" % name]
    ins = [FIXTURE["%s/in%d" % (name, i)] for i in range(n_inputs)]
    grads = [FIXTURE["%s/grad%d" % (name, i)] for i in range(n_inputs)]
    return Case(op, [head] + ins, lambda *a, **k: grads if len(grads) > 1 else grads[0],
                attrs={"heads": 2}, grad=False, rtol=1e-4, atol=1e-5, name=op)


CASES += [
    _backward_case("_backward_interleaved_matmul_selfatt_qk", "selfatt_qk", 1),
    _backward_case("_backward_interleaved_matmul_selfatt_valatt", "selfatt_valatt", 2),
    _backward_case("_backward_interleaved_matmul_encdec_qk", "encdec_qk", 2),
    _backward_case("_backward_interleaved_matmul_encdec_valatt", "encdec_valatt", 2),
]


def _nms_grad(og, record):
    g = np.zeros_like(og)
    for i, r in enumerate(record.astype(int)):
        if r >= 0:
            g[r] = og[i]
    return g


CASES.append(Case("_backward_contrib_box_nms", [_u(4, 6), np.array([3.0, 0.0, -1.0, -1.0])],
                  _nms_grad, grad=False))


def _fft_ref(x, compute_size=128):
    spec = np.fft.fft(x, axis=-1)
    return np.stack([spec.real, spec.imag], axis=-1).reshape(x.shape[:-1] + (-1,))


def _ifft_ref(x, compute_size=128):
    pairs = x.reshape(x.shape[:-1] + (-1, 2))
    values = pairs[..., 0] + 1j * pairs[..., 1]
    return np.fft.ifft(values, axis=-1).real * values.shape[-1]


def _count_sketch_ref(x, h, s, out_dim, **_):
    out = np.zeros((x.shape[0], out_dim))
    for i, (col, sign) in enumerate(zip(h.ravel().astype(int), s.ravel())):
        out[:, col] += x[:, i] * sign
    return out


CASES += [
    Case("_contrib_fft", [_u(2, 4)], _fft_ref),
    Case("_contrib_fft", [_u(1, 2, 3, 5)], _fft_ref, name="fft_4d"),
    Case("_contrib_ifft", [_u(2, 8)], _ifft_ref),
    Case("_contrib_count_sketch", [_u(2, 3), np.array([[0.0, 3.0, 3.0]]),
                                   np.array([[1.0, -1.0, 1.0]])],
         _count_sketch_ref, attrs={"out_dim": 5}, grad_inputs=[0]),
    Case("_backward_contrib_AdaptiveAvgPooling2D", [_u(1, 1, 2, 2), _u(1, 1, 3, 4)],
         lambda og, x, output_size: _adaptive_grad(og, x), attrs={"output_size": (2, 2)},
         grad_inputs=[0]),
]


def _adaptive_grad(og, x):
    g = np.zeros_like(x)
    h, w = x.shape[2:]
    oh, ow = og.shape[2:]
    for i in range(oh):
        r0, r1 = i * h // oh, -(-(i + 1) * h // oh)
        for j in range(ow):
            c0, c1 = j * w // ow, -(-(j + 1) * w // ow)
            g[:, :, r0:r1, c0:c1] += og[:, :, i:i + 1, j:j + 1] / ((r1 - r0) * (c1 - c0))
    return g


def test_v1_operator_names_load_old_graphs():
    data = mx.sym.var("data")
    net = mx.sym.Pooling_v1(mx.sym.Convolution_v1(data, kernel=(3, 3), num_filter=2, name="c"),
                            kernel=(2, 2), stride=(2, 2), pool_type="max")
    assert net.infer_shape(data=(1, 1, 6, 6))[1] == [(1, 2, 2, 2)]
    bn = mx.sym.BatchNorm_v1(data, name="bn")
    assert bn.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]


def _roi_backward_case():
    head = FIXTURE["roi_align/head0"]
    data, rois = FIXTURE["roi_align/in0"], FIXTURE["roi_align/in1"]
    grad = FIXTURE["roi_align/grad0"]
    return Case("_backward_contrib_ROIAlign", [head, rois, data], lambda *a, **k: grad,
                attrs={"pooled_size": (2, 3), "spatial_scale": 0.5}, grad=False, rtol=1e-4,
                atol=1e-5)


CASES.append(_roi_backward_case())


def test_roi_align_skips_negative_batch_indices():
    data = nd.ones((1, 2, 4, 4))
    rois = nd.array([[-1, 0, 0, 2, 2], [0, 0, 0, 2, 2]])
    out = nd.contrib.ROIAlign(data, rois, pooled_size=(2, 2), spatial_scale=1.0)
    np.testing.assert_allclose(out.asnumpy()[0], 0)
    np.testing.assert_allclose(out.asnumpy()[1], 1, rtol=1e-6)


def test_rand_zipfian_expected_counts():
    mx.random.seed(5)
    samples, count_true, count_sampled = nd.contrib.rand_zipfian(nd.array([3]), 4, 5)
    assert samples.dtype == np.int64 and samples.shape == (4,)
    assert ((samples.asnumpy() >= 0) & (samples.asnumpy() < 5)).all()
    np.testing.assert_allclose(count_true.asnumpy(), [0.49815515], rtol=1e-6)  # MXNet's value
    s = samples.asnumpy().astype(np.float64)
    np.testing.assert_allclose(count_sampled.asnumpy(), np.log((s + 2) / (s + 1)) / np.log(6) * 4)


def _kl_grad(og, x, avg, sparseness_target=0.1, penalty=0.001, momentum=0.9):
    moving = momentum * avg + (1 - momentum) * x.mean(axis=0)
    t = sparseness_target
    return og + penalty * (-t / moving + (1 - t) / (1 - moving))


CASES += [
    Case("IdentityAttachKLSparseReg", [_R.uniform(0.1, 0.9, (4, 3)), np.full(3, 0.5)],
         lambda x, avg, **k: x, grad=False, aux=[1], symbolic=False),
    Case("_backward_IdentityAttachKLSparseReg",
         [_u(4, 3), _R.uniform(0.1, 0.9, (4, 3)), np.full(3, 0.4)], _kl_grad,
         attrs={"penalty": 0.01}, grad=False, symbolic=False),
]


def test_kl_sparse_reg_backward_matches_mxnet():
    """Values from MXNet 1.9.1: the same symbol bound with these inputs, forward, backward."""
    r = np.random.RandomState(0)
    xv = r.uniform(0.1, 0.9, (4, 3)).astype("float32")
    og = r.uniform(-1, 1, (4, 3)).astype("float32")
    s = mx.sym.IdentityAttachKLSparseReg(mx.sym.var("x"), name="kl", penalty=0.01)
    assert s.list_auxiliary_states() == ["kl_moving_avg"]
    ex = s.bind(mx.cpu(), {"x": nd.array(xv)}, args_grad={"x": nd.zeros((4, 3))},
                aux_states={"kl_moving_avg": nd.full((3,), 0.5)})
    np.testing.assert_allclose(ex.forward(is_train=True)[0].asnumpy(), xv)
    ex.backward(nd.array(og))
    np.testing.assert_allclose(ex.aux_dict["kl_moving_avg"].asnumpy(),
                               [0.49829450249671936, 0.5164468288421631, 0.5148242712020874],
                               rtol=1e-6)
    np.testing.assert_allclose(ex.grad_dict["x"].asnumpy()[0],
                               [0.15202108025550842, 0.8678691387176514, -0.841320276260376],
                               rtol=1e-5)


def _correlation_backward_case():
    name = "correlation_k3"
    head = FIXTURE[name + "/head0"]
    a, b = FIXTURE[name + "/in0"], FIXTURE[name + "/in1"]
    grads = [FIXTURE[name + "/grad0"], FIXTURE[name + "/grad1"]]
    return Case("_backward_Correlation", [head, a, b], lambda *x, **k: grads,
                attrs=META[name]["attrs"], grad=False, rtol=1e-4, atol=1e-5)


CASES.append(_correlation_backward_case())


def _psroi_backward_case():
    name = "psroi"
    head, rois, data = (FIXTURE[name + k] for k in ("/head0", "/in1", "/in0"))
    grad = FIXTURE[name + "/grad0"]
    return Case("_backward_contrib_PSROIPooling", [head, rois, data], lambda *x, **k: grad,
                attrs=META[name]["attrs"], grad=False, rtol=1e-4, atol=1e-5)


CASES.append(_psroi_backward_case())


def _bilinear_v2(img, y, x):
    h, w = img.shape
    if not (-1 < y < h and -1 < x < w):
        return 0.0
    y0, x0 = int(np.floor(y)), int(np.floor(x))
    total = 0.0
    for cy, cx, wt in ((y0, x0, (1 - (y - y0)) * (1 - (x - x0))), (y0, x0 + 1, (1 - (y - y0)) * (x - x0)),
                       (y0 + 1, x0, (y - y0) * (1 - (x - x0))), (y0 + 1, x0 + 1, (y - y0) * (x - x0))):
        if 0 <= cy < h and 0 <= cx < w:
            total += wt * img[cy, cx]
    return total


def _modulated_dcn_ref(data, offset, mask, weight, bias, kernel, pad, num_filter, **_):
    n, c, h, w = data.shape
    kh, kw = kernel
    oh, ow = offset.shape[2:]
    out = np.zeros((n, num_filter, oh, ow))
    for b in range(n):
        for y in range(oh):
            for x in range(ow):
                cols = np.zeros((c, kh * kw))
                for i in range(kh):
                    for j in range(kw):
                        k = i * kw + j
                        sy = y - pad[0] + i + offset[b, 2 * k, y, x]
                        sx = x - pad[1] + j + offset[b, 2 * k + 1, y, x]
                        for ch in range(c):
                            cols[ch, k] = _bilinear_v2(data[b, ch], sy, sx) * mask[b, k, y, x]
                out[b, :, y, x] = weight.reshape(num_filter, -1) @ cols.reshape(-1) + bias
    return out


_MDCN_INPUTS = [_u(1, 2, 3, 3), _u(1, 2 * 4, 3, 3) * 1.5, np.abs(_u(1, 4, 3, 3)), _u(2, 2, 2, 2),
                _u(2)]
_MDCN_ATTRS = {"kernel": (2, 2), "pad": (1, 1), "num_filter": 2}
_MDCN_INPUTS[1] = _u(1, 2 * 4, 4, 4) * 1.5
_MDCN_INPUTS[2] = np.abs(_u(1, 4, 4, 4))


def _check_modulated_backward(case, ctx):
    """The backward kernel against finite differences of the NumPy reference."""
    inputs = [a.astype(np.float64) for a in _MDCN_INPUTS]
    head = np.random.RandomState(2).uniform(-1, 1, (1, 2, 4, 4))
    grads = nd._backward_contrib_ModulatedDeformableConvolution(
        nd.array(head, ctx=ctx, dtype="float64"),
        *[nd.array(a, ctx=ctx, dtype="float64") for a in inputs], num_args=6, **_MDCN_ATTRS)
    for i in (0, 2, 3, 4):           # data, mask, weight, bias (offsets: FD in test_operator)
        base = inputs[i]
        numeric = np.zeros_like(base)
        flat = base.reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + 1e-6
            plus = (_modulated_dcn_ref(*inputs, **_MDCN_ATTRS) * head).sum()
            flat[j] = orig - 1e-6
            minus = (_modulated_dcn_ref(*inputs, **_MDCN_ATTRS) * head).sum()
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / 2e-6
        np.testing.assert_allclose(grads[i].asnumpy(), numeric, rtol=1e-4, atol=1e-6,
                                   err_msg="modulated deformable conv gradient %d" % i)


def _dcn_backward_case():
    name = "deformable_conv_stride"
    ins = [FIXTURE["%s/in%d" % (name, i)] for i in range(3)]
    grads = [FIXTURE["%s/grad%d" % (name, i)] for i in range(3)]
    return Case("_backward_contrib_DeformableConvolution", [FIXTURE[name + "/head0"]] + ins,
                lambda *a, **k: grads, attrs=dict(META[name]["attrs"], num_args=4), grad=False,
                rtol=1e-4, atol=1e-5)


CASES += [
    Case("_contrib_ModulatedDeformableConvolution", _MDCN_INPUTS, _modulated_dcn_ref,
         attrs=_MDCN_ATTRS, grad_inputs=[1], rtol=1e-4, atol=1e-5),
    Case("_backward_contrib_ModulatedDeformableConvolution", [], check=_check_modulated_backward),
    _dcn_backward_case(),
]


def test_contrib_batch_norms_are_symbols_with_moving_statistics():
    for fn in (mx.sym.contrib.SyncBatchNorm, mx.sym.contrib.BatchNormWithReLU):
        kwargs = {"key": "bn"} if fn is mx.sym.contrib.SyncBatchNorm else {}
        s = fn(mx.sym.var("x"), name="bn", **kwargs)
        assert s.list_arguments() == ["x", "bn_gamma", "bn_beta"]
        assert s.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
        assert s.infer_shape(x=(2, 3, 4, 4))[2] == [(3,), (3,)]


def test_mxnet_saved_graph_with_these_operators_loads_and_infers():
    """A graph MXNet 1.9.1 saved (tests/data/make_mxnet_graph_extra_ops.py): its attribute
    spellings parse, and shapes, arguments and outputs come out as MXNet's."""
    here = pathlib.Path(__file__).parent.parent / "data"
    expected = json.loads((here / "mxnet191-extra-ops-shapes.json").read_text())
    net = mx.sym.load(str(here / "mxnet191-extra-ops-symbol.json"))
    assert net.list_arguments() == expected["arguments"]
    assert net.list_auxiliary_states() == expected["aux"]
    assert net.list_outputs() == expected["output_names"]
    shapes = {k: tuple(v) for k, v in expected["inputs"].items()}
    _, out_shapes, _ = net.infer_shape(**shapes)
    assert [tuple(s) for s in out_shapes] == [tuple(s) for s in expected["outputs"]]
    args = {n: nd.array(np.random.RandomState(0).uniform(0.1, 1, s))
            for n, s in zip(net.list_arguments(), net.infer_shape(**shapes)[0])}
    args["rois"] = nd.array([[0, 0, 0, 15, 15], [1, 2, 2, 9, 12], [0, 4, 1, 8, 8],
                             [1, 0, 0, 3, 3], [0, 1, 1, 14, 6]])
    outs = net.bind(mx.cpu(), args).forward()
    assert [o.shape for o in outs] == [tuple(s) for s in expected["outputs"]]


def test_im2col_backward_refuses_an_output_gradient_of_another_shape():
    # (1, 2, 5) data, kernel 2 dilated 2: im2col gives (1, 4, 3); a (1, 6, 3) gradient would
    # be read as 3 channels (found by the fuzz test)
    og, x = nd.ones((1, 6, 3), dtype="float64"), nd.ones((1, 2, 5), dtype="float64")
    with pytest.raises(mx.base.MXNetError,
                       match=r"_backward_im2col: the output gradient of im2col on data \(1, 2, 5\) "
                             r"has shape \(1, 4, 3\), found \(1, 6, 3\)"):
        nd._backward_im2col(og, x, kernel=(2,), dilate=(2,)).asnumpy()
    good = nd._backward_im2col(nd.ones((1, 4, 3), dtype="float64"), x, kernel=(2,), dilate=(2,))
    assert good.shape == (1, 2, 5)
