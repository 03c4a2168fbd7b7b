"""potrf / potri with lower=False (upper triangular Cholesky factors: A = U^T * U), and gelqf's
gradient for matrices with a single row, checked against NumPy."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(31)


def _t(x):
    return np.swapaxes(x, -1, -2)


def _spd(batch, n):
    x = R.uniform(-1, 1, (batch, n, n))
    return x @ _t(x) + n * np.eye(n)


def _upper(batch, n):
    return np.triu(R.uniform(-1, 1, (batch, n, n))) + 2 * np.eye(n)


def _potrf_ref(a, lower=True):
    """Cholesky factor of the symmetric matrix the named triangle of `a` describes."""
    tri = np.tril(a) if lower else np.triu(a)
    sym = tri + _t(tri) - tri * np.eye(a.shape[-1])
    low = np.linalg.cholesky(sym)
    return low if lower else _t(low)


def _potri_ref(a, lower=True):
    factor = np.tril(a) if lower else np.triu(a)
    b = factor @ _t(factor) if lower else _t(factor) @ factor
    return np.linalg.inv(b)


def _gelqf_ref(a):
    q, r = np.linalg.qr(_t(a))
    return [_t(q), _t(r)]


def _with_noise_below(a):
    """`a` with garbage in its strict lower triangle: an upper-triangle operator ignores it."""
    return a + np.tril(R.uniform(5, 9, a.shape), -1)


CASES = [
    Case("_linalg_potrf", [_with_noise_below(_spd(2, 3))], _potrf_ref, attrs={"lower": False},
         grad=False, name="potrf_upper"),
    Case("_linalg_potri", [_with_noise_below(_upper(2, 3))], _potri_ref, attrs={"lower": False},
         rtol=1e-3, name="potri_upper"),
    Case("_linalg_gelqf", [R.uniform(-1, 1, (2, 1, 4))], _gelqf_ref, rtol=1e-3, atol=1e-4,
         name="gelqf_one_row"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case):
    run_case(case, mx.cpu())


def _backward_potrf_ref(og, low):
    """MXNet's (symmetric) potrf gradient for A = L L^T: 0.5 L^-T copyltu(L^T dL) L^-1."""
    m = _t(low) @ og
    sym = np.tril(m) + _t(np.tril(m, -1))
    inv = np.linalg.inv(low)
    return 0.5 * _t(inv) @ sym @ inv


def _grad(op, a, head, **attrs):
    x = nd.array(a, dtype="float64")
    x.attach_grad()
    with autograd.record():
        out = op(x, **attrs)
    out.backward(nd.array(head, dtype="float64"))
    return out.asnumpy(), x.grad.asnumpy()


@pytest.mark.parametrize("lower", [True, False])
def test_potrf_gradient_both_triangles(lower):
    """The factor U = L^T, so the gradient is the lower one's with dL = dU^T: the same
    symmetric matrix for a head gradient and its transpose."""
    a = _spd(2, 4)
    head = R.uniform(-1, 1, a.shape)
    out, grad = _grad(nd.linalg.potrf, a, head, lower=lower)
    np.testing.assert_allclose(out, _potrf_ref(a, lower), rtol=1e-10)
    low = np.linalg.cholesky(a)
    expected = _backward_potrf_ref(head if lower else _t(head), low)
    np.testing.assert_allclose(grad, expected, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("lower", [True, False])
def test_potri_gradient_both_triangles(lower):
    """Finite differences over the triangle potri reads; zero over the other one."""
    a = _upper(1, 3) if not lower else _t(_upper(1, 3))
    head = R.uniform(-1, 1, a.shape)
    out, grad = _grad(nd.linalg.potri, a, head, lower=lower)
    np.testing.assert_allclose(out, _potri_ref(a, lower), rtol=1e-10)
    eps, numeric = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        numeric[idx] = ((_potri_ref(a + step, lower) - _potri_ref(a - step, lower)) * head).sum() / (2 * eps)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
    unread = np.triu(grad, 1) if lower else np.tril(grad, -1)
    assert not unread.any()


def test_potrf_upper_symbolic_attribute():
    s = mx.sym.linalg.potrf(mx.sym.var("a"), lower=False)
    a = _spd(1, 3)
    out = s.eval(a=nd.array(a, dtype="float64"))[0].asnumpy()
    np.testing.assert_allclose(out, _potrf_ref(a, False), rtol=1e-10)
    np.testing.assert_allclose(_t(out) @ out, a, rtol=1e-10)


def test_potrf_lower_must_be_boolean():
    with pytest.raises(mx.base.MXNetError, match="lower"):
        nd.linalg.potrf(nd.array(_spd(1, 2)), lower="sideways").asnumpy()


@pytest.mark.parametrize("shape", [(1, 1), (1, 4), (2, 5), (3, 3), (2, 1, 3)])
def test_gelqf_gradient_matches_finite_differences(shape):
    a = R.uniform(-1, 1, shape) + np.eye(shape[-2], shape[-1])
    heads = [R.uniform(-1, 1, shape), R.uniform(-1, 1, shape[:-1] + (shape[-2],))]
    x = nd.array(a, dtype="float64")
    x.attach_grad()
    with autograd.record():
        q, low = nd.linalg.gelqf(x)
    autograd.backward([q, low], [nd.array(h, dtype="float64") for h in heads])

    def loss(v):
        return sum((o * h).sum() for o, h in zip(_gelqf_ref(v), heads))
    eps, numeric = 1e-6, np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = eps
        numeric[idx] = (loss(a + step) - loss(a - step)) / (2 * eps)
    np.testing.assert_allclose(x.grad.asnumpy(), numeric, rtol=1e-5, atol=1e-7)
