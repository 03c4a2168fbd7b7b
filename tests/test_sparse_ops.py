"""Operators on sparse arrays against scipy.sparse references, for every storage combination,
with MXNet 1.9.1's output storage types (CPU) and its dense fallback warning."""
import warnings

import numpy as np
import pytest

from mxnb import nd
from mxnb.ops.sparse import dispatch

sp = pytest.importorskip("scipy.sparse")

RNG = np.random.RandomState(3)


def _sparse_values(shape, density=0.4, seed=0):
    rng = np.random.RandomState(seed)
    return np.where(rng.rand(*shape) < density, rng.uniform(-2, 2, shape), 0).astype(np.float32)


A = _sparse_values((5, 4), seed=1)
B = _sparse_values((5, 4), seed=2)
B[2] = 0             # a row neither holds, one only A holds


def _as(values, stype):
    arr = nd.array(values)
    return arr if stype == "default" else arr.tostype(stype)


def _scipy(values, stype):
    return sp.csr_matrix(values) if stype != "default" else values


@pytest.fixture(autouse=True)
def _fresh_fallback_log():
    """Each test sees MXNet's once-per-message fallback warning afresh."""
    dispatch._logged.clear()
    yield


def _run(fn, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    fallbacks = [w for w in caught if "Storage type fallback detected" in str(w.message)]
    return out, fallbacks


S = ("default", "csr", "row_sparse")
# MXNet 1.9.1 on the CPU: (lhs, rhs) -> output storage, None where it falls back to dense.
ADD_STYPES = {("default", "default"): "default", ("default", "csr"): "default",
              ("default", "row_sparse"): "default", ("csr", "default"): "default",
              ("csr", "csr"): "csr", ("csr", "row_sparse"): None,
              ("row_sparse", "default"): "default", ("row_sparse", "csr"): None,
              ("row_sparse", "row_sparse"): "row_sparse"}
MUL_STYPES = {("default", "default"): "default", ("default", "csr"): "csr",
              ("default", "row_sparse"): "row_sparse", ("csr", "default"): "csr",
              ("csr", "csr"): "csr", ("csr", "row_sparse"): None,
              ("row_sparse", "default"): "row_sparse", ("row_sparse", "csr"): None,
              ("row_sparse", "row_sparse"): "row_sparse"}


def _scipy_binary(name, a, b):
    """The reference, computed with scipy.sparse wherever an operand is sparse."""
    sa, sb = sp.csr_matrix(a), sp.csr_matrix(b)
    if name == "elemwise_add":
        return (sa + sb).toarray()
    if name == "elemwise_sub":
        return (sa - sb).toarray()
    return sa.multiply(sb).toarray()


@pytest.mark.parametrize("lhs", S)
@pytest.mark.parametrize("rhs", S)
@pytest.mark.parametrize("name, table", [("elemwise_add", ADD_STYPES), ("elemwise_sub", ADD_STYPES),
                                          ("elemwise_mul", MUL_STYPES)])
def test_elemwise_every_storage_combination(name, table, lhs, rhs):
    out, fallbacks = _run(getattr(nd, name), _as(A, lhs), _as(B, rhs))
    expected = table[(lhs, rhs)]
    assert out.stype == (expected or "default")
    assert bool(fallbacks) == (expected is None)
    np.testing.assert_allclose(out.asnumpy(), _scipy_binary(name, A, B), rtol=1e-6)
    if expected == "row_sparse" and name != "elemwise_mul":
        # the union of both operands' rows, as MXNet keeps them
        want = np.nonzero(A.any(axis=1) | B.any(axis=1))[0]
        np.testing.assert_array_equal(out.indices.asnumpy(), want)


def test_python_operators_route_to_the_sparse_kernels():
    c, r = _as(A, "csr"), _as(A, "row_sparse")
    assert (c + c).stype == "csr" and (r - r).stype == "row_sparse" and (c * c).stype == "csr"
    assert (c * 2).stype == "csr" and (r / 2).stype == "row_sparse"
    np.testing.assert_allclose((c * 2).asnumpy(), A * 2)
    plus, fallbacks = _run(lambda: c + 1)
    assert plus.stype == "default" and not fallbacks
    np.testing.assert_allclose(plus.asnumpy(), A + 1)


def test_fallback_warning_is_mxnets_text_once_per_combination():
    c = _as(A, "csr")
    out, fallbacks = _run(nd.exp, c)
    np.testing.assert_allclose(out.asnumpy(), np.exp(A), rtol=1e-6)
    assert out.stype == "default" and len(fallbacks) == 1
    text = str(fallbacks[0].message)
    assert "operator = exp\ninput storage types = [csr, ]\noutput storage types = [default, ]" in text
    assert "params = {}\ncontext.dev_mask = cpu" in text
    assert "MXNET_STORAGE_FALLBACK_LOG_VERBOSE" in text
    assert fallbacks[0].filename == __file__       # pointed at the caller's line
    _, again = _run(nd.exp, c)
    assert not again
    _, with_params = _run(nd.sum, c, axis=1, keepdims=True)
    assert 'params = {"axis" : 1, "keepdims" : True, }' in str(with_params[0].message)


def test_fallback_log_can_be_silenced(monkeypatch):
    monkeypatch.setenv("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")
    out, fallbacks = _run(nd.exp, _as(A, "row_sparse"))
    assert not fallbacks and out.stype == "default"


@pytest.mark.parametrize("name", ["relu", "abs", "sqrt", "square", "negative", "sign", "tanh"])
@pytest.mark.parametrize("stype", ["csr", "row_sparse"])
def test_zero_preserving_unary_operators_keep_storage(name, stype):
    x = np.abs(A) if name == "sqrt" else A
    out, fallbacks = _run(getattr(nd, name), _as(x, stype))
    assert out.stype == stype and not fallbacks
    np.testing.assert_allclose(out.asnumpy(), getattr(nd, name)(nd.array(x)).asnumpy(), rtol=1e-6)


# --- dot ---------------------------------------------------------------------------------------------
W = RNG.uniform(-1, 1, (4, 3)).astype(np.float32)
X = _sparse_values((6, 4), density=0.3, seed=4)
X[1] = 0


@pytest.mark.parametrize("rhs_stype", ["default", "row_sparse"])
def test_dot_csr_dense(rhs_stype):
    out, fallbacks = _run(nd.sparse.dot, _as(X, "csr"), _as(W, rhs_stype))
    assert out.stype == "default" and not fallbacks
    np.testing.assert_allclose(out.asnumpy(), sp.csr_matrix(X) @ W, rtol=1e-5)


@pytest.mark.parametrize("rhs_stype", ["default", "row_sparse"])
def test_dot_csr_transposed_gives_row_sparse(rhs_stype):
    G = RNG.uniform(-1, 1, (6, 2)).astype(np.float32)
    G[3] = 0
    out, fallbacks = _run(nd.sparse.dot, _as(X, "csr"), _as(G, rhs_stype), transpose_a=True)
    assert out.stype == "row_sparse" and not fallbacks
    np.testing.assert_allclose(out.asnumpy(), sp.csr_matrix(X).T @ G, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out.indices.asnumpy(), np.nonzero(X.any(axis=0))[0])


def test_dot_dense_csr_gives_csr_and_transpose_b_falls_back():
    D = RNG.uniform(-1, 1, (3, 6)).astype(np.float32)
    out, fallbacks = _run(nd.sparse.dot, nd.array(D), _as(X, "csr"))
    assert out.stype == "csr" and not fallbacks
    np.testing.assert_allclose(out.asnumpy(), (sp.csr_matrix(X).T @ D.T).T, rtol=1e-5)
    D2 = RNG.uniform(-1, 1, (3, 4)).astype(np.float32)
    out, fallbacks = _run(nd.sparse.dot, nd.array(D2), _as(X, "csr"), transpose_b=True)
    assert fallbacks
    np.testing.assert_allclose(out.asnumpy(), D2 @ X.T, rtol=1e-5)


def test_dot_forward_stype_names_the_output_storage():
    out = nd.sparse.dot(_as(X, "csr"), nd.array(W), forward_stype="csr")
    assert out.stype == "csr"
    np.testing.assert_allclose(out.asnumpy(), X @ W, rtol=1e-5)


# --- reductions, slice, where, retain --------------------------------------------------------------
@pytest.mark.parametrize("name", ["sum", "mean"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_sum_and_mean_of_csr_along_an_axis(name, axis):
    out, fallbacks = _run(getattr(nd.sparse, name), _as(A, "csr"), axis=axis)
    assert out.stype == "default" and not fallbacks
    m = sp.csr_matrix(A)
    want = np.asarray(m.sum(axis=axis)).ravel()
    if name == "mean":
        want = want / A.shape[axis]
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-6)


def test_sum_with_keepdims_falls_back():
    out, fallbacks = _run(nd.sum, _as(A, "csr"), axis=0, keepdims=True)
    assert fallbacks and out.shape == (1, 4)


@pytest.mark.parametrize("begin, end", [((1,), (4,)), ((0, 1), (5, 3)), ((2, 0), (3, 4)), ((4,), (5,))])
def test_slice_csr_matches_scipy(begin, end):
    out, fallbacks = _run(nd.sparse.slice, _as(A, "csr"), begin=begin, end=end)
    assert out.stype == "csr" and not fallbacks
    key = tuple(slice(b, e) for b, e in zip(begin, end))
    want = sp.csr_matrix(A)[key]
    np.testing.assert_array_equal(out.asnumpy(), want.toarray())
    out.check_format()


def test_where_with_a_csr_condition():
    cond = _as(A, "csr")
    x, y = RNG.uniform(size=A.shape), RNG.uniform(size=A.shape)
    out, fallbacks = _run(nd.sparse.where, cond, nd.array(x), nd.array(y))
    assert out.stype == "default" and not fallbacks
    np.testing.assert_allclose(out.asnumpy(), np.where(A != 0, x, y).astype(np.float32))


def test_retain_keeps_the_asked_rows():
    r = _as(A, "row_sparse")
    out = nd.sparse.retain(r, nd.array([4, 0, 2]))
    assert out.stype == "row_sparse"
    want = np.zeros_like(A)
    want[[0, 2, 4]] = A[[0, 2, 4]]
    np.testing.assert_array_equal(out.asnumpy(), want)
    assert r.retain(nd.array([0])).asnumpy()[1:].sum() == 0


def test_add_n_falls_back_for_mixed_row_sparse_and_dense():
    out, fallbacks = _run(nd.add_n, _as(A, "row_sparse"), nd.array(B))
    assert out.stype == "default" and fallbacks
    np.testing.assert_allclose(out.asnumpy(), A + B)


def test_out_argument_writes_into_a_sparse_array():
    target = nd.sparse.zeros("csr", A.shape)
    nd.elemwise_add(_as(A, "csr"), _as(B, "csr"), out=target)
    assert target.stype == "csr"
    np.testing.assert_allclose(target.asnumpy(), A + B)


def test_sparse_namespace_arithmetic_keeps_storage():
    c = _as(A, "csr")
    assert nd.sparse.add(c, c).stype == "csr"
    assert nd.sparse.multiply(c, nd.array(B)).stype == "csr"
    np.testing.assert_allclose(nd.sparse.subtract(c, _as(B, "csr")).asnumpy(), A - B, rtol=1e-6)
    np.testing.assert_allclose(nd.sparse.divide(c, 2).asnumpy(), A / 2, rtol=1e-6)


@pytest.mark.parametrize("columns", [10, 50000])
def test_operators_on_arrays_without_stored_values(columns):
    """Empty csr / row_sparse arrays (a batch with no features, a gradient with no rows)."""
    z = nd.sparse.zeros("csr", (4, columns))
    assert nd.sparse.dot(z, nd.ones((columns, 2))).asnumpy().sum() == 0
    grad = nd.sparse.dot(z, nd.ones((4, 2)), transpose_a=True)
    assert grad.stype == "row_sparse" and grad.indices.shape == (0,)
    assert (z + z).stype == "csr" and z[1:3].shape == (2, columns)
    r = nd.sparse.zeros("row_sparse", (5, 3))
    assert (r + r).indices.shape == (0,) and nd.add_n(r, r).indices.shape == (0,)
    w = nd.ones((5, 3))
    nd.sgd_update(w, r, lr=0.1, wd=0.5, out=w)
    np.testing.assert_array_equal(w.asnumpy(), np.ones((5, 3)))    # lazy: no rows, no change
