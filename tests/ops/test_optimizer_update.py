"""Optimizer update operators against values computed by MXNet 1.9.1
(tests/data/optimizer_updates.npz, written by tests/data/make_optimizer_updates.py): the returned
weights and every state the operator updates in place, on the nd and sym paths."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case

FIXTURE = np.load(pathlib.Path(__file__).parent.parent / "data" / "optimizer_updates.npz")
META = {m["name"]: m for m in json.loads(str(FIXTURE["meta"]))}


def _tol(arr):
    return dict(rtol=2e-3, atol=2e-3) if arr.dtype == np.float16 else dict(rtol=1e-5, atol=1e-6)


def _attrs(meta):
    return {k: tuple(v) if isinstance(v, list) else v for k, v in meta["attrs"].items()}


def _check_fixture(name):
    def check(case, ctx):
        meta = META[name]
        inputs = [FIXTURE["%s/in%d" % (name, i)] for i in range(meta["inputs"])]
        arrays = [nd.array(x, ctx=ctx, dtype=x.dtype) for x in inputs]
        result = getattr(nd, meta["op"])(*arrays, **_attrs(meta))
        result = result if isinstance(result, list) else [result]
        assert len(result) == meta["outputs"]
        for i, r in enumerate(result):
            expected = FIXTURE["%s/out%d" % (name, i)]
            assert r.dtype == expected.dtype, (name, i, r.dtype, expected.dtype)
            np.testing.assert_allclose(r.asnumpy(), expected, err_msg="%s output %d" % (name, i),
                                       **_tol(expected))
        for i, a in enumerate(arrays):
            expected = FIXTURE["%s/after%d" % (name, i)]
            np.testing.assert_allclose(a.asnumpy(), expected, err_msg="%s input %d after" % (name, i),
                                       **_tol(expected))
    return check


CASES = [Case(m["op"], [], check=_check_fixture(name), name=name) for name, m in META.items()]


def _group_adagrad_ref(w, g, h, lr, rescale_grad, clip_gradient, epsilon):
    g = g * rescale_grad
    if clip_gradient >= 0:
        g = np.clip(g, -clip_gradient, clip_gradient)
    h = h + (g * g).mean(axis=1, keepdims=True)
    return w - lr * g / np.sqrt(h + epsilon), h


def _check_group_adagrad(case, ctx):
    r = np.random.RandomState(3)
    w, g, h = r.uniform(-1, 1, (3, 4)), r.uniform(-3, 3, (3, 4)), r.uniform(0.1, 1, (3, 1))
    attrs = {"lr": 0.1, "rescale_grad": 0.5, "clip_gradient": 0.4, "epsilon": 1e-4}
    hist = nd.array(h, ctx=ctx)
    out = nd.contrib.group_adagrad_update(nd.array(w, ctx=ctx), nd.array(g, ctx=ctx), hist, **attrs)
    ew, eh = _group_adagrad_ref(w, g, h, **attrs)
    np.testing.assert_allclose(out.asnumpy(), ew, rtol=1e-5)
    np.testing.assert_allclose(hist.asnumpy(), eh, rtol=1e-5)


CASES.append(Case("_contrib_group_adagrad_update", [], check=_check_group_adagrad))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    case.check(case, ctx)


def test_out_is_the_weight_and_ops_are_not_differentiable():
    w = nd.array([1.0, 2.0])
    mom = nd.array([0.5, 0.5])
    res = nd.sgd_mom_update(w, nd.array([3.0, -4.0]), mom, lr=0.1, momentum=0.9, wd=0.1, out=w)
    assert res is w
    np.testing.assert_allclose(mom.asnumpy(), [0.45 - 0.31, 0.45 + 0.38], rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), [1.0 + 0.14, 2.0 + 0.83], rtol=1e-6)
    assert not mx.ops.registry.get("sgd_update").differentiable
    with pytest.raises(mx.MXNetError, match="lrs"):
        nd.multi_sgd_update(w, w, lrs=(0.1, 0.2), wds=(0.0,), num_weights=1)


def test_symbolic_update_writes_states():
    w, g, m = (mx.sym.var(n) for n in ("w", "g", "m"))
    s = mx.sym.sgd_mom_update(w, g, m, lr=0.5, momentum=0.5)
    assert s.infer_shape(w=(2, 3))[1] == [(2, 3)]
    args = {"w": nd.ones((2, 3)), "g": nd.ones((2, 3)), "m": nd.ones((2, 3))}
    out = s.bind(mx.cpu(), args).forward()[0]
    np.testing.assert_allclose(out.asnumpy(), np.full((2, 3), 1.0))   # m = 0.5 - 0.5
    np.testing.assert_allclose(args["m"].asnumpy(), np.zeros((2, 3)))


def test_contrib_adamw_wrappers_take_a_number_or_an_array_scale():
    meta = META["adamw"]
    ins = [FIXTURE["adamw/in%d" % i] for i in range(5)]
    w, g, m, v = (nd.array(x) for x in ins[:4])
    attrs = _attrs(meta)
    out = nd.contrib.adamw_update(w, g, m, v, rescale_grad=float(ins[4][0]), out=w, **attrs)
    assert out is w
    np.testing.assert_allclose(w.asnumpy(), FIXTURE["adamw/out0"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(m.asnumpy(), FIXTURE["adamw/after2"], rtol=1e-5, atol=1e-6)
    meta = META["multi_adamw"]
    ins = [nd.array(FIXTURE["multi_adamw/in%d" % i]) for i in range(meta["inputs"])]
    attrs = {k: v for k, v in _attrs(meta).items() if k != "num_weights"}
    weights = [ins[0], ins[4]]
    nd.contrib.multi_adamw_update(weights, [ins[1], ins[5]], [ins[2], ins[6]], [ins[3], ins[7]],
                                  rescale_grad=ins[8], out=weights, **attrs)
    for k, w in enumerate(weights):
        np.testing.assert_allclose(w.asnumpy(), FIXTURE["multi_adamw/out%d" % k], rtol=1e-5,
                                   atol=1e-6)


@pytest.mark.parametrize("scale", [0.0, np.inf, np.nan])
def test_adamw_family_skips_the_update_for_a_zero_or_non_finite_scale(scale):
    # MXNet's AdamW kernels return before touching anything when rescale_grad is 0 or not finite
    # (a loss scaler's "skip this step"); a scale of 1 must still update (the control).
    kw = dict(eta=1.0, lr=1.0, wd=0.0, epsilon=1e-8, beta1=0.9, beta2=0.999)
    start = np.array([1.0, 2.0], dtype=np.float32)

    def run(update, scale_value, mp=False, multi=False):
        w, g, m, v = (nd.array(start) for _ in range(4))
        rescale = nd.array([scale_value])
        if multi:
            extra = [[nd.array(start)]] if mp else []
            multi_kw = dict(lrs=[kw["lr"]], wds=[kw["wd"]], etas=[kw["eta"]], epsilon=kw["epsilon"],
                            beta1=kw["beta1"], beta2=kw["beta2"])
            update([w], [g], [m], [v], *extra, rescale_grad=rescale, out=[w], **multi_kw)
        elif mp:
            update(w, g, m, v, nd.array(start), rescale, out=w, **kw)
        else:
            update(w, g, m, v, rescale, out=w, **kw)
        return w.asnumpy(), g.asnumpy(), m.asnumpy(), v.asnumpy()

    cases = [(nd.contrib.adamw_update, False, False), (nd.contrib.mp_adamw_update, True, False),
             (nd.contrib.multi_adamw_update, False, True),
             (nd.contrib.multi_mp_adamw_update, True, True)]
    for update, mp, multi in cases:
        for got in run(update, scale, mp, multi):
            np.testing.assert_array_equal(got, start)
        # the control: scale 1 moves the weight by lr * m / (sqrt(v) + eps) with m = 0.9 s + 0.1 s
        m_ref = 0.9 * start + 0.1 * start
        v_ref = 0.999 * start + 0.001 * start * start
        w_ref = start - m_ref / (np.sqrt(v_ref) + 1e-8)
        np.testing.assert_allclose(run(update, 1.0, mp, multi)[0], w_ref, rtol=1e-5)
