"""The operators that sparse storage brought (cast_storage, _sparse_retain, _square_sum, add_n
and the optimizer updates): their dense paths through the harness, and their sparse kernels
against scipy.sparse / NumPy references (`check=` cases)."""
import numpy as np
import pytest

from mxnb import nd
from .harness import Case, run_case

sp = pytest.importorskip("scipy.sparse")

R = np.random.RandomState(5)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _sparse(shape, density=0.4, seed=0):
    rng = np.random.RandomState(seed)
    return np.where(rng.rand(*shape) < density, rng.uniform(-2, 2, shape), 0.0).astype(np.float32)


def _row_sparse(shape, rows, seed=0):
    out = np.zeros(shape, np.float32)
    out[rows] = np.random.RandomState(seed).uniform(-2, 2, (len(rows),) + shape[1:])
    return out


# --- sparse-kernel checks ------------------------------------------------------------------------
def _check_cast_storage(case, ctx):
    x = _sparse((5, 4))
    csr = nd.array(x, ctx=ctx).tostype("csr")
    ref = sp.csr_matrix(x)
    assert csr.stype == "csr" and csr.context == ctx
    np.testing.assert_array_equal(csr.indptr.asnumpy(), ref.indptr)
    np.testing.assert_array_equal(csr.indices.asnumpy(), ref.indices)
    np.testing.assert_allclose(csr.data.asnumpy(), ref.data)
    rsp = nd.cast_storage(nd.array(x, ctx=ctx), stype="row_sparse")
    np.testing.assert_array_equal(rsp.indices.asnumpy(), np.nonzero(x.any(axis=1))[0])
    for back in (csr, rsp):
        dense = nd.cast_storage(back, stype="default")
        assert dense.stype == "default"
        np.testing.assert_array_equal(dense.asnumpy(), x)


def _check_retain(case, ctx):
    x = _row_sparse((6, 3), [0, 2, 5])
    rsp = nd.array(x, ctx=ctx).tostype("row_sparse")
    out = nd.sparse.retain(rsp, nd.array([5, 1, 2], ctx=ctx, dtype="int64"))
    assert out.stype == "row_sparse"
    np.testing.assert_array_equal(out.indices.asnumpy(), [1, 2, 5])   # every asked row, sorted
    want = np.zeros_like(x)
    want[[1, 2, 5]] = x[[1, 2, 5]]
    np.testing.assert_array_equal(out.asnumpy(), want)


def _check_square_sum(case, ctx):
    x = _row_sparse((5, 3), [1, 4])
    rsp = nd.array(x, ctx=ctx).tostype("row_sparse")
    rows = nd.sparse.square_sum(rsp, axis=1, keepdims=True)
    assert rows.stype == "row_sparse"
    np.testing.assert_allclose(rows.asnumpy(), (x * x).sum(axis=1, keepdims=True), rtol=1e-6)
    for axis in (0, 1):
        out = nd._square_sum(rsp, axis=axis)
        assert out.stype == "default"
        np.testing.assert_allclose(out.asnumpy(), (x * x).sum(axis=axis), rtol=1e-6)


def _check_add_n(case, ctx):
    xs = [_row_sparse((6, 2), rows, seed=i) for i, rows in enumerate([[0, 3], [3, 5], [1]])]
    out = nd.add_n(*[nd.array(x, ctx=ctx).tostype("row_sparse") for x in xs])
    assert out.stype == "row_sparse"
    np.testing.assert_array_equal(out.indices.asnumpy(), [0, 1, 3, 5])
    np.testing.assert_allclose(out.asnumpy(), sum(xs), rtol=1e-6)
    a, b, c = _u(4, 3), _sparse((4, 3)), _u(4, 3)
    out = nd.add_n(nd.array(a, ctx=ctx), nd.array(b, ctx=ctx).tostype("csr"), nd.array(c, ctx=ctx))
    assert out.stype == "default"
    np.testing.assert_allclose(out.asnumpy(), a + b + c, rtol=1e-6)


def _lazy_rows_check(op, states, reference):
    """A row_sparse gradient updates only its rows (weight and states); the result equals the
    dense update restricted to those rows."""
    def check(case, ctx):
        w = _u(6, 3).astype(np.float32)
        g = _row_sparse((6, 3), [1, 4], seed=3)
        st = [np.abs(_u(6, 3)).astype(np.float32) for _ in range(states)]
        attrs = dict(lr=0.1, wd=0.01, rescale_grad=0.5)
        if op == "_sparse_adagrad_update":
            attrs["wd"] = 0.0
        arrays = [nd.array(s, ctx=ctx) for s in st]
        out = getattr(nd, op)(nd.array(w, ctx=ctx), nd.array(g, ctx=ctx).tostype("row_sparse"),
                              *arrays, **attrs)
        want_w, want_st = reference(w.copy(), g, [s.copy() for s in st], **attrs)
        untouched = [0, 2, 3, 5]
        np.testing.assert_array_equal(out.asnumpy()[untouched], w[untouched])
        np.testing.assert_allclose(out.asnumpy()[[1, 4]], want_w[[1, 4]], rtol=1e-5)
        for got, want, old in zip(arrays, want_st, st):
            np.testing.assert_array_equal(got.asnumpy()[untouched], old[untouched])
            np.testing.assert_allclose(got.asnumpy()[[1, 4]], want[[1, 4]], rtol=1e-5)
    return check


# --- dense references ------------------------------------------------------------------------------
def _sgd(w, g, states, lr, wd=0.0, rescale_grad=1.0, clip_gradient=-1.0, **_):
    return w - lr * (g * rescale_grad + wd * w), []


def _sgd_mom(w, g, states, lr, momentum=0.9, wd=0.0, rescale_grad=1.0, **_):
    mom = momentum * states[0] - lr * (g * rescale_grad + wd * w)
    return w + mom, [mom]


def _adam(w, g, states, lr, beta1=0.9, beta2=0.999, epsilon=1e-8, wd=0.0, rescale_grad=1.0, **_):
    g = g * rescale_grad + wd * w
    mean = beta1 * states[0] + (1 - beta1) * g
    var = beta2 * states[1] + (1 - beta2) * g * g
    return w - lr * mean / (np.sqrt(var) + epsilon), [mean, var]


def _adagrad(w, g, states, lr, epsilon=1e-7, rescale_grad=1.0, **_):
    g = g * rescale_grad
    hist = states[0] + g * g
    return w - lr * g / (np.sqrt(hist) + epsilon), [hist]


def _first(fn):
    return lambda *xs, **attrs: fn(xs[0], xs[1], list(xs[2:]), **attrs)[0]


_RETAIN_ROWS = np.array([0, 3], dtype=np.int64)


def _retain_ref(x, idx):
    out = np.zeros_like(x)
    out[idx.astype(int)] = x[idx.astype(int)]
    return out


_MOM = dict(lr=0.1, momentum=0.9, wd=0.01, rescale_grad=0.5)

CASES = [
    Case("cast_storage", [_u(3, 4)], lambda x, stype: x, {"stype": "default"}),
    Case("cast_storage", [], check=_check_cast_storage, name="cast_storage csr/row_sparse"),
    Case("_sparse_retain", [_u(4, 3), _RETAIN_ROWS], _retain_ref, grad_inputs=[0]),
    Case("_sparse_retain", [], check=_check_retain, name="retain row_sparse"),
    Case("_square_sum", [_u(3, 4)], lambda x, axis, keepdims: (x * x).sum(axis=axis, keepdims=keepdims),
         {"axis": 1, "keepdims": True}),
    Case("_square_sum", [], check=_check_square_sum, name="square_sum row_sparse"),
    Case("add_n", [_u(2, 3), _u(2, 3), _u(2, 3)], lambda *xs, **_: sum(xs)),
    Case("add_n", [], check=_check_add_n, name="add_n sparse"),
    Case("sgd_update", [_u(4, 3), _u(4, 3)], _first(_sgd), dict(lr=0.1, wd=0.01), grad=False),
    Case("sgd_update", [], check=_lazy_rows_check("sgd_update", 0, _sgd), name="sgd_update lazy"),
    Case("sgd_mom_update", [_u(4, 3), _u(4, 3), _u(4, 3)], _first(_sgd_mom), _MOM, grad=False),
    Case("sgd_mom_update", [], check=_lazy_rows_check("sgd_mom_update", 1,
                                                      lambda *a, **k: _sgd_mom(*a, momentum=0.0, **k)),
         name="sgd_mom_update lazy"),
    Case("adam_update", [_u(4, 3), _u(4, 3), _u(4, 3) ** 2, _u(4, 3) ** 2], _first(_adam),
         dict(lr=0.01, wd=0.01), grad=False),
    Case("adam_update", [], check=_lazy_rows_check("adam_update", 2, _adam), name="adam_update lazy"),
    Case("_sparse_adagrad_update", [_u(4, 3), _u(4, 3), _u(4, 3) ** 2], _first(_adagrad),
         dict(lr=0.1), grad=False),
    Case("_sparse_adagrad_update", [], check=_lazy_rows_check("_sparse_adagrad_update", 1, _adagrad),
         name="adagrad_update row_sparse"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_sparse_operator(case, ctx):
    run_case(case, ctx)
