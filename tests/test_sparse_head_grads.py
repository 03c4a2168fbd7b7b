"""Sparse head gradients (MXNet 1.9.1): a csr / row_sparse head gradient is read as dense by
the backward pass, so a dense graph accepts it, and og * f'(x) is NaN wherever f'(x) is NaN or
infinite, also in rows the head gradient does not store (arccosh'(0), sqrt'(0), 1/0 ...).
The references are the dense formulas in NumPy."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym, autograd

X = np.array([[2, 3, 1.5], [0, 0, 0], [1.2, 4, 5], [0, 0, 0]], np.float32)
# row 0 and row 3 stored; rows 1 and 2 are not
HEAD = np.array([[1, 1, 1], [0, 0, 0], [0, 0, 0], [2, 2, 2]], np.float32)

DERIVATIVES = {
    "arccosh": lambda x: 1 / np.sqrt(x * x - 1),
    "arcsin": lambda x: 1 / np.sqrt(1 - x * x),
    "reciprocal": lambda x: -1 / (x * x),
    "sqrt": lambda x: 0.5 / np.sqrt(x),
    "log": lambda x: 1 / x,
    "sin": np.cos,
}


def _expected(name, x, head):
    with np.errstate(divide="ignore", invalid="ignore"):
        return head * DERIVATIVES[name](x.astype(np.float64))


def _rsp(a):
    return nd.array(a).tostype("row_sparse")


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # dense fallbacks of the forward operators
        yield


def test_dense_graph_takes_a_row_sparse_head_gradient():
    grad = nd.zeros((2, 3))
    net = sym.sin(sym.Variable("data"))
    exe = net.bind(mx.cpu(), args=[nd.ones((2, 3)) * 2], args_grad=[grad])
    exe.forward(is_train=True)
    head = nd.sparse.row_sparse_array(([[1.0, 1, 1]], [0]), shape=(2, 3))
    exe.backward(head)
    expected = np.array([[1, 1, 1], [0, 0, 0]]) * np.cos(2.0)
    np.testing.assert_allclose(grad.asnumpy(), expected, rtol=1e-6)


def test_simple_bind_takes_a_csr_head_gradient():
    exe = sym.sin(sym.Variable("data")).simple_bind(mx.cpu(), data=(2, 3))
    exe.arg_dict["data"][:] = 2
    exe.forward(is_train=True)
    head = np.array([[0, 0, 0], [1, 2, 3]], np.float32)
    exe.backward(nd.array(head).tostype("csr"))
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), head * np.cos(2.0), rtol=1e-6)


def test_one_of_two_heads_sparse():
    data = sym.Variable("data")
    net = sym.Group([sym.sin(data), sym.cos(data)])
    grad = nd.zeros((2, 3))
    exe = net.bind(mx.cpu(), args=[nd.ones((2, 3))], args_grad=[grad])
    exe.forward(is_train=True)
    second = np.array([[0, 0, 0], [1, 1, 1]], np.float32)
    exe.backward([nd.ones((2, 3)), nd.array(second).tostype("row_sparse")])
    np.testing.assert_allclose(grad.asnumpy(), np.cos(1.0) - second * np.sin(1.0), rtol=1e-6)


def test_autograd_backward_with_a_row_sparse_head_gradient():
    x = nd.ones((2, 3)) * 2
    x.attach_grad()
    with autograd.record():
        y = nd.sin(x)
    autograd.backward(y, head_grads=nd.sparse.row_sparse_array(([[1.0, 1, 1]], [0]),
                                                               shape=(2, 3)))
    expected = np.array([[1, 1, 1], [0, 0, 0]]) * np.cos(2.0)
    np.testing.assert_allclose(x.grad.asnumpy(), expected, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_unary_gradient_of_row_sparse_head_eagerly(name):
    x = _rsp(X)
    x.attach_grad(stype="row_sparse")
    with autograd.record():
        y = getattr(nd, name)(x)
    y.backward(_rsp(HEAD))
    np.testing.assert_allclose(x.grad.asnumpy(), _expected(name, X, HEAD), rtol=1e-5)


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_unary_gradient_of_row_sparse_head_bound(name):
    net = getattr(sym, name)(sym.Variable("data", stype="row_sparse"))
    grad = nd.zeros(X.shape).tostype("row_sparse")
    exe = net.bind(mx.cpu(), args=[_rsp(X)], args_grad=[grad])
    exe.forward(is_train=True)
    exe.backward(_rsp(HEAD))
    np.testing.assert_allclose(grad.asnumpy(), _expected(name, X, HEAD), rtol=1e-5)


def test_cbrt_keeps_row_sparse_storage():
    out = nd.cbrt(_rsp(X))
    assert out.stype == "row_sparse"
    np.testing.assert_allclose(out.asnumpy(), np.cbrt(X), rtol=1e-6)


def test_autograd_makes_a_sparse_head_gradient_of_a_dense_head_dense():
    # MXNet copies it to dense storage: w's gradient at x's inf is 0 * inf = NaN in the row
    # the sparse head gradient does not store, as a dense zero there gives
    x = mx.nd.array([[1.0, np.inf, 2.0], [3.0, 4.0, 5.0]])
    w = mx.nd.array([[2.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    x.attach_grad()
    w.attach_grad()
    with mx.autograd.record():
        y = x * w
    y.backward(mx.nd.sparse.row_sparse_array(([[1.0, 1.0, 1.0]], [1]), shape=(2, 3)))
    with np.errstate(invalid="ignore"):
        expected = np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]) * x.asnumpy()
    np.testing.assert_array_equal(w.grad.asnumpy(), expected)
    np.testing.assert_array_equal(x.grad.asnumpy(), [[0, 0, 0], [1, 1, 1]])
