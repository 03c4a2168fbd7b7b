"""The nd.linalg family beyond gemm: potrf, potri, trmm, trsm, syrk, gelqf, syevd, inverse, det,
slogdet, sumlogdiag, extractdiag, makediag, extracttrian, maketrian.

Three kinds of checks: NumPy references and finite-difference gradients (harness Cases), outputs
and autograd gradients equal to MXNet 1.9.1's (tests/data/linalg.npz from
tests/data/make_linalg.py), and finite differences through symmetric inputs for the operators
whose gradients are symmetric by convention (potrf, syevd)."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(23)
FIXTURE = np.load(pathlib.Path(__file__).parent.parent / "data" / "linalg.npz")
META = json.loads(str(FIXTURE["meta"]))


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _lower(batch, n):
    return np.tril(_u(batch, n, n)) + 2 * np.eye(n)


def _spd(batch, n):
    x = _u(batch, n, n)
    return x @ np.swapaxes(x, -1, -2) + n * np.eye(n)


def _t(x):
    return np.swapaxes(x, -1, -2)


def _tri(a, lower):
    return np.tril(a) if lower else np.triu(a)


def _trmm_ref(a, b, transpose=False, rightside=False, lower=True, alpha=1.0):
    t = _tri(a, lower)
    t = _t(t) if transpose else t
    return alpha * (b @ t if rightside else t @ b)


def _trsm_ref(a, b, transpose=False, rightside=False, lower=True, alpha=1.0):
    t = _tri(a, lower)
    t = _t(t) if transpose else t
    inv = np.linalg.inv(t)
    return alpha * (b @ inv if rightside else inv @ b)


def _trian_indices(n, offset, lower):
    if offset > 0:
        return np.triu_indices(n, offset)
    if offset == 0 and not lower:   # MXNet: column by column
        rows, cols = np.tril_indices(n)
        return cols, rows
    return np.tril_indices(n, offset)


def _extracttrian_ref(a, offset=0, lower=True):
    rows, cols = _trian_indices(a.shape[-1], offset, lower)
    return a[..., rows, cols]


def _maketrian_ref(a, offset=0, lower=True):
    m = a.shape[-1]
    t = int((np.sqrt(8 * m + 1) - 1) / 2)
    n = t + abs(offset)
    out = np.zeros(a.shape[:-1] + (n, n))
    rows, cols = _trian_indices(n, offset, lower)
    out[..., rows, cols] = a
    return out


def _makediag_ref(a, offset=0):
    n = a.shape[-1] + abs(offset)
    out = np.zeros(a.shape[:-1] + (n, n))
    for i in range(a.shape[-1]):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = a[..., i]
    return out


def _potrf_ref(a):
    return np.linalg.cholesky(np.tril(a) + _t(np.tril(a, -1)))


def _backward_potrf_ref(og, low):
    """0.5 * L^-T * copyltu(L^T * dL) * L^-1, as MXNet's potrf backward."""
    m = _t(low) @ og
    sym = np.tril(m) + _t(np.tril(m, -1))
    inv = np.linalg.inv(low)
    return 0.5 * _t(inv) @ sym @ inv


def _backward_syevd_ref(du, dlam, u, lam):
    """U^T (diag(dL) + F o (U dU^T)) U symmetrised, F_ij = 1 / (L_j - L_i), as MXNet's."""
    gaps = lam[..., None, :] - lam[..., :, None]
    with np.errstate(divide="ignore"):
        f = np.where(np.eye(lam.shape[-1], dtype=bool), 0.0, 1.0 / gaps)
    inner = f * (u @ _t(du)) + np.eye(lam.shape[-1]) * dlam[..., None, :]
    full = _t(u) @ inner @ u
    return 0.5 * (full + _t(full))


def _gelqf_ref(a):
    q, r = np.linalg.qr(_t(a))
    return [_t(q), _t(r)]


def _syevd_ref(a):
    w, v = np.linalg.eigh(a)
    u = _t(v)
    pick = np.argmax(np.abs(u), axis=-1)[..., None]
    return [u * np.sign(np.take_along_axis(u, pick, axis=-1)), w]


CASES = [
    Case("_linalg_potrf", [_spd(2, 3)], _potrf_ref, grad=False),
    Case("_backward_linalg_potrf", [_u(2, 3, 3), np.linalg.cholesky(_spd(2, 3))],
         _backward_potrf_ref, grad=False),
    Case("_linalg_potri", [_lower(2, 3)],
         lambda a: np.linalg.inv(np.tril(a) @ _t(np.tril(a))), rtol=1e-3),
    Case("_linalg_trmm", [_u(2, 3, 3), _u(2, 3, 2)], _trmm_ref, attrs={"alpha": 1.5}),
    Case("_linalg_trmm", [_u(2, 3, 3), _u(2, 2, 3)], _trmm_ref,
         attrs={"transpose": True, "rightside": True, "lower": False}, name="trmm_tr_right_up"),
    Case("_linalg_trsm", [_lower(2, 3), _u(2, 3, 2)], _trsm_ref, attrs={"alpha": 0.5}),
    Case("_linalg_trsm", [np.ascontiguousarray(_t(_lower(1, 3))), _u(1, 2, 3)], _trsm_ref,
         attrs={"transpose": True, "rightside": True, "lower": False}, name="trsm_tr_right_up"),
    Case("_linalg_syrk", [_u(2, 3, 2)], lambda a, transpose=False, alpha=1.0:
         alpha * (_t(a) @ a if transpose else a @ _t(a)), attrs={"alpha": 0.7}),
    Case("_linalg_syrk", [_u(2, 3, 2)], lambda a, transpose=False, alpha=1.0:
         alpha * (_t(a) @ a if transpose else a @ _t(a)), attrs={"transpose": True},
         name="syrk_tr"),
    Case("_linalg_gelqf", [_u(2, 2, 3)], _gelqf_ref, rtol=1e-3, atol=1e-4),
    Case("_linalg_syevd", [_spd(2, 3) + np.diag([0.0, 1.0, 3.0])], _syevd_ref, grad=False,
         rtol=1e-3, atol=1e-4),
    Case("_backward_linalg_syevd", [_u(2, 3, 3), _u(2, 3)] + _syevd_ref(_spd(2, 3) +
                                                                  np.diag([0.0, 1.0, 3.0])),
         _backward_syevd_ref, grad=False),
    Case("_linalg_inverse", [_spd(2, 3)], np.linalg.inv, rtol=1e-3),
    Case("_linalg_det", [_u(2, 3, 3) + 2 * np.eye(3)], np.linalg.det),
    Case("_linalg_det", [_u(3, 3) + 2 * np.eye(3)], lambda a: np.linalg.det(a).reshape(1),
         name="det_single"),
    Case("_linalg_slogdet", [_u(2, 3, 3) - 2 * np.eye(3)], lambda a: list(np.linalg.slogdet(a)),
         grad_rtol=2e-2),
    Case("_linalg_sumlogdiag", [_spd(2, 3)],
         lambda a: np.log(np.diagonal(a, 0, -2, -1)).sum(-1)),
    Case("_linalg_sumlogdiag", [_spd(1, 3)[0]],
         lambda a: np.log(np.diagonal(a)).sum().reshape(1), name="sumlogdiag_single"),
    Case("_linalg_extractdiag", [_u(2, 3, 3)], lambda a, offset=0:
         np.diagonal(a, offset, -2, -1), attrs={"offset": 1}),
    Case("_linalg_makediag", [_u(2, 3)], _makediag_ref, attrs={"offset": -1}),
    Case("_linalg_extracttrian", [_u(2, 3, 3)], _extracttrian_ref, attrs={"lower": False}),
    Case("_linalg_extracttrian", [_u(4, 4)], _extracttrian_ref, attrs={"offset": -1},
         name="extracttrian_below"),
    Case("_linalg_maketrian", [_u(2, 6)], _maketrian_ref),
    Case("_linalg_maketrian", [_u(3)], _maketrian_ref, attrs={"offset": 2, "lower": False},
         name="maketrian_above"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


@pytest.mark.parametrize("meta", META, ids=[m["name"] for m in META])
def test_matches_mxnet(meta):
    name = meta["name"]
    inputs = [nd.array(FIXTURE["%s/in%d" % (name, i)], dtype="float64")
              for i in range(meta["inputs"])]
    for x in inputs:
        x.attach_grad()
    with autograd.record():
        out = getattr(nd.linalg, meta["op"])(*inputs, **meta["attrs"])
    outs = out if isinstance(out, list) else [out]
    assert len(outs) == meta["outputs"]
    heads = [nd.array(FIXTURE["%s/head%d" % (name, i)], dtype="float64") for i in range(len(outs))]
    for i, o in enumerate(outs):
        expected = FIXTURE["%s/out%d" % (name, i)]
        assert o.shape == expected.shape, (name, i, o.shape, expected.shape)
        np.testing.assert_allclose(o.asnumpy(), expected, rtol=1e-6, atol=1e-9,
                                   err_msg="%s output %d" % (name, i))
    autograd.backward(outs, heads)
    for i, x in enumerate(inputs):
        np.testing.assert_allclose(x.grad.asnumpy(), FIXTURE["%s/grad%d" % (name, i)],
                                   rtol=1e-6, atol=1e-9, err_msg="%s gradient %d" % (name, i))


def _numeric_grad(fn, x, heads, eps=1e-6):
    grad = np.zeros_like(x)
    flat = x.reshape(-1)
    for j in range(flat.size):
        orig = flat[j]
        vals = []
        for delta in (eps, -eps):
            flat[j] = orig + delta
            outs = fn(nd.array(x, dtype="float64"))
            outs = outs if isinstance(outs, list) else [outs]
            vals.append(sum(float((o.asnumpy() * h).sum()) for o, h in zip(outs, heads)))
        flat[j] = orig
        grad.reshape(-1)[j] = (vals[0] - vals[1]) / (2 * eps)
    return grad


@pytest.mark.parametrize("op", ["potrf", "syevd"])
def test_symmetric_input_gradients(op):
    """Through X -> X + X^T + shift, finite differences see the symmetric gradients."""
    shift = nd.array(np.diag([4.0, 5.0, 7.0]), dtype="float64")

    def fn(x):
        return getattr(nd.linalg, op)(x + x.T + shift)
    x0 = _u(3, 3)
    x = nd.array(x0, dtype="float64")
    x.attach_grad()
    with autograd.record():
        outs = fn(x)
    outs = outs if isinstance(outs, list) else [outs]
    heads = [_u(*o.shape) for o in outs]
    autograd.backward(outs, [nd.array(h, dtype="float64") for h in heads])
    np.testing.assert_allclose(x.grad.asnumpy(), _numeric_grad(fn, x0.copy(), heads),
                               rtol=1e-4, atol=1e-6)


def test_second_order_through_inverse_and_det():
    a = nd.array(_spd(1, 3)[0], dtype="float64")
    a.attach_grad()
    with autograd.record():
        g = autograd.grad(nd.linalg.det(a), [a], create_graph=True)[0]
        total = g.sum()
    total.backward()
    assert np.isfinite(a.grad.asnumpy()).all() and np.abs(a.grad.asnumpy()).sum() > 0


def test_errors_name_the_operator():
    with pytest.raises(mx.MXNetError, match="linalg_potrf"):
        nd.linalg.potrf(nd.array([[1.0, 2.0], [2.0, 1.0]])).wait_to_read()   # async engines raise at the wait
    with pytest.raises(mx.MXNetError, match="linalg_trsm"):
        nd.linalg.trsm(nd.ones((3, 3)), nd.ones((2, 2)))
    with pytest.raises(mx.MXNetError, match="linalg_maketrian"):
        nd.linalg.maketrian(nd.ones((4,)))
    s = mx.sym.linalg.syevd(mx.sym.var("a"))
    assert s.infer_shape(a=(5, 3, 3))[1] == [(5, 3, 3), (5, 3)]
