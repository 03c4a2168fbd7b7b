"""_maximum, _minimum and _hypot on two sparse inputs of one storage type keep it (MXNet 1.9.1):
computed over the union of the stored rows (row_sparse) or values (csr); their gradients are
the dense formulas. Other storage mixes fall back to dense, with the warning. elemwise_div of
sparse inputs is dense without a fallback warning, except csr with row_sparse. NumPy
references."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym, autograd

R = np.random.RandomState(13)


def _sparse_values(shape, density, rng):
    return np.where(rng.rand(*shape) < density, rng.randn(*shape), 0).astype(np.float32)


OPS = {
    "_maximum": (np.maximum, lambda a, b: (a >= b, a < b)),
    "_minimum": (np.minimum, lambda a, b: (a <= b, a > b)),
    "_hypot": (np.hypot, lambda a, b: (a / np.hypot(a, b), b / np.hypot(a, b))),
}


def _stored_rows(*arrays):
    return sorted(set().union(*[set(np.nonzero(a.any(axis=1))[0]) for a in arrays]))


@pytest.mark.parametrize("stype", ["row_sparse", "csr"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_forward_keeps_the_storage_type(name, stype):
    a = _sparse_values((6, 4), 0.3, R)
    b = _sparse_values((6, 4), 0.3, R)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a sparse kernel, not the dense fallback
        out = getattr(nd, name)(nd.array(a).tostype(stype), nd.array(b).tostype(stype))
    assert out.stype == stype
    expected = OPS[name][0](a, b)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    if stype == "row_sparse":
        assert out.indices.asnumpy().tolist() == _stored_rows(a, b)
    else:
        assert out.data.asnumpy().tolist() == expected[expected != 0].tolist()


def test_row_sparse_keeps_a_row_that_became_zero():
    a = np.array([[-1, -1], [0, 0], [3, 1]], np.float32)
    b = np.zeros((3, 2), np.float32)
    out = nd._maximum(nd.array(a).tostype("row_sparse"), nd.array(b).tostype("row_sparse"))
    assert out.indices.asnumpy().tolist() == [0, 2]
    np.testing.assert_allclose(out.asnumpy(), np.maximum(a, b))


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize("lhs,rhs", [("row_sparse", "default"), ("default", "csr"),
                                     ("csr", "row_sparse")])
def test_mixed_storage_falls_back_to_dense(name, lhs, rhs, monkeypatch):
    from mxnb.ops.sparse import dispatch
    monkeypatch.setattr(dispatch, "_logged", set())     # each message is logged once
    a = _sparse_values((4, 3), 0.5, R)
    b = _sparse_values((4, 3), 0.5, R)
    with pytest.warns(UserWarning, match=name):
        out = getattr(nd, name)(nd.array(a).tostype(lhs), nd.array(b).tostype(rhs))
    assert out.stype == "default"
    np.testing.assert_allclose(out.asnumpy(), OPS[name][0](a, b), rtol=1e-6)


@pytest.mark.parametrize("stype", ["row_sparse", "csr"])
@pytest.mark.parametrize("name", sorted(OPS))
def test_gradients_bound_with_sparse_buffers(name, stype):
    a = _sparse_values((5, 4), 0.4, R)
    b = _sparse_values((5, 4), 0.4, R)
    head = R.randn(5, 4).astype(np.float32)
    net = getattr(sym, name)(sym.Variable("l", stype=stype), sym.Variable("r", stype=stype))
    ga, gb = nd.zeros((5, 4)).tostype(stype), nd.zeros((5, 4)).tostype(stype)
    exe = net.bind(mx.cpu(), args={"l": nd.array(a).tostype(stype),
                                   "r": nd.array(b).tostype(stype)},
                   args_grad={"l": ga, "r": gb})
    exe.forward(is_train=True)
    assert exe.outputs[0].stype == stype
    exe.backward(nd.array(head))
    with np.errstate(divide="ignore", invalid="ignore"):
        da, db = OPS[name][1](a, b)
    np.testing.assert_allclose(ga.asnumpy(), head * da, rtol=1e-5)    # NaN where 0 / 0
    np.testing.assert_allclose(gb.asnumpy(), head * db, rtol=1e-5)


def test_autograd_gradient_of_row_sparse_maximum():
    a = _sparse_values((4, 3), 0.5, R)
    b = _sparse_values((4, 3), 0.5, R)
    x, y = nd.array(a).tostype("row_sparse"), nd.array(b).tostype("row_sparse")
    x.attach_grad(stype="row_sparse")
    y.attach_grad(stype="row_sparse")
    with autograd.record():
        out = nd._maximum(x, y)
    out.backward(nd.ones((4, 3)) * 2)
    np.testing.assert_allclose(x.grad.asnumpy(), 2.0 * (a >= b))
    np.testing.assert_allclose(y.grad.asnumpy(), 2.0 * (a < b))


@pytest.mark.parametrize("lhs,rhs", [("row_sparse", "row_sparse"), ("csr", "csr"),
                                     ("row_sparse", "default"), ("default", "csr")])
def test_elemwise_div_of_sparse_inputs_is_dense_without_fallback(lhs, rhs):
    a = _sparse_values((4, 3), 0.5, R)
    b = R.uniform(1, 2, (4, 3)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = nd.elemwise_div(nd.array(a).tostype(lhs), nd.array(b).tostype(rhs))
    assert out.stype == "default"
    np.testing.assert_allclose(out.asnumpy(), a / b, rtol=1e-6)


def test_elemwise_div_of_csr_and_row_sparse_falls_back(monkeypatch):
    from mxnb.ops.sparse import dispatch
    monkeypatch.setattr(dispatch, "_logged", set())     # each message is logged once
    a = np.array([[1, 0], [0, 2]], np.float32)
    with pytest.warns(UserWarning, match="elemwise_div"):
        out = nd.elemwise_div(nd.array(a).tostype("csr"), nd.array(a + 1).tostype("row_sparse"))
    np.testing.assert_allclose(out.asnumpy(), a / (a + 1))
