"""MXNet's `_scatter_plus_scalar`, `_scatter_minus_scalar` and `_scatter_elemwise_div`: the
ordinary operators on dense inputs; on a sparse left-hand side they act on its stored values
only and keep its storage type. Gradients are the ordinary operators'. NumPy references."""
import warnings

import numpy as np
import pytest

from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(9)

CASES = [
    Case("_scatter_plus_scalar", [R.randn(3, 4)], lambda x, scalar: x + scalar,
         attrs={"scalar": 1.5}),
    Case("_scatter_minus_scalar", [R.randn(3, 4)], lambda x, scalar: x - scalar,
         attrs={"scalar": 0.5}),
    Case("_scatter_elemwise_div", [R.randn(3, 4), R.uniform(1, 2, (3, 4))],
         lambda a, b: a / b),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


LHS = np.array([[0, 2, 0], [0, 0, 0], [3, 0, -4], [0, 0, 0]], np.float32)
RHS = np.array([[1, 4, 1], [2, 0, 2], [0, 3, 2], [-5, 1, 6]], np.float32)
HEAD = np.arange(12, dtype=np.float32).reshape(4, 3) + 1


def _stored_mask(x, stype):
    """Where a csr / row_sparse array built from dense x stores values."""
    if stype == "csr":
        return x != 0
    return np.repeat(x.any(axis=1, keepdims=True), x.shape[1], axis=1)


@pytest.mark.parametrize("stype", ["csr", "row_sparse"])
@pytest.mark.parametrize("name,fn", [("_scatter_plus_scalar", np.add),
                                     ("_scatter_minus_scalar", np.subtract)])
def test_scalar_on_stored_values_only(stype, name, fn):
    x = nd.array(LHS).tostype(stype)
    x.attach_grad(stype=stype)
    with autograd.record():
        out = getattr(nd, name)(x, scalar=1.5)
    assert out.stype == stype
    expected = np.where(_stored_mask(LHS, stype), fn(LHS, 1.5), 0)
    np.testing.assert_allclose(out.asnumpy(), expected)
    out.backward(nd.array(HEAD))
    np.testing.assert_allclose(x.grad.asnumpy(), HEAD)     # the whole head gradient


@pytest.mark.parametrize("rhs_stype", ["default", "row_sparse", "csr"])
def test_div_of_row_sparse_divides_its_rows(rhs_stype):
    lhs = nd.array(LHS).tostype("row_sparse")
    rhs = nd.array(RHS).tostype(rhs_stype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a sparse kernel: no dense fallback
        out = nd._scatter_elemwise_div(lhs, rhs)
    assert out.stype == "row_sparse"
    assert out.indices.asnumpy().tolist() == [0, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(_stored_mask(LHS, "row_sparse"), LHS / RHS, 0)
    np.testing.assert_allclose(out.asnumpy(), expected)     # inf and nan where stored rows / 0


@pytest.mark.parametrize("lhs_stype,rhs_stype", [("row_sparse", "row_sparse"),
                                                 ("csr", "default"), ("default", "row_sparse")])
def test_div_gradients(lhs_stype, rhs_stype):
    lhs = nd.array(LHS).tostype(lhs_stype)
    rhs = nd.array(RHS + (RHS == 0)).tostype(rhs_stype)     # no zero divisors
    lhs.attach_grad(stype=lhs_stype)
    rhs.attach_grad(stype=rhs_stype)
    with autograd.record():
        out = nd._scatter_elemwise_div(lhs, rhs)
    out.backward(nd.array(HEAD))
    b = RHS + (RHS == 0)
    np.testing.assert_allclose(lhs.grad.asnumpy(), HEAD / b, rtol=1e-6)
    np.testing.assert_allclose(rhs.grad.asnumpy(), -HEAD * LHS / b ** 2, rtol=1e-6)


def test_csr_lhs_of_div_falls_back_to_dense(monkeypatch):
    from mxnb.ops.sparse import dispatch
    monkeypatch.setattr(dispatch, "_logged", set())     # each message is logged once
    lhs = nd.array(LHS).tostype("csr")
    with pytest.warns(UserWarning, match="_scatter_elemwise_div"):
        out = nd._scatter_elemwise_div(lhs, nd.array(RHS + 10).tostype("csr"))
    assert out.stype == "default"
    np.testing.assert_allclose(out.asnumpy(), LHS / (RHS + 10), rtol=1e-6)
