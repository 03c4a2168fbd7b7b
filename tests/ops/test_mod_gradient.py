"""Gradients of `mod` (a % b) in its three forms: zero for integer dtypes, as MXNet's mod_grad
and mod_rgrad (never an integer division by zero), and (og, -og * floor(a / b)) for floats."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd

R = np.random.RandomState(7)
INT_DTYPES = ["int32", "int64", "int8", "uint8"]


def _int_operands(dtype):
    a = R.randint(0, 50, (3, 4)).astype(dtype)
    b = R.randint(0, 5, (3, 4)).astype(dtype)
    b[0, :2] = 0            # a zero divisor: MXNet's forward gives 0, its gradient 0
    return a, b


def _grads(fn, arrays, head):
    arrays = [nd.array(a, dtype=a.dtype) for a in arrays]
    for x in arrays:
        x.attach_grad()
    with autograd.record():
        out = fn(*arrays)
    out.backward(nd.array(head, dtype=head.dtype))
    return [x.grad.asnumpy() for x in arrays]


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("func", [nd._mod, nd.broadcast_mod, lambda a, b: a % b])
def test_integer_mod_gradient_is_zero(func, dtype):
    a, b = _int_operands(dtype)
    head = R.randint(1, 9, a.shape).astype(dtype)
    for grad, x in zip(_grads(func, [a, b], head), (a, b)):
        assert grad.shape == x.shape
        np.testing.assert_array_equal(grad, np.zeros_like(x))


@pytest.mark.parametrize("dtype", INT_DTYPES)
def test_integer_broadcast_mod_gradient_is_zero(dtype):
    a, _ = _int_operands(dtype)
    b = np.array([[3], [0], [2]], dtype=dtype)
    head = np.ones(a.shape, dtype=dtype)
    ga, gb = _grads(nd.broadcast_mod, [a, b], head)
    np.testing.assert_array_equal(ga, np.zeros_like(a))
    np.testing.assert_array_equal(gb, np.zeros_like(b))


@pytest.mark.parametrize("dtype", INT_DTYPES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("scalar", [3, 2.5])
def test_integer_mod_scalar_gradient_is_zero(dtype, reverse, scalar):
    x = R.randint(0, 20, (2, 5)).astype(dtype)
    x[0, 0] = 0             # reverse: scalar % 0
    func = (lambda v: scalar % v) if reverse else (lambda v: v % scalar)
    (grad,) = _grads(func, [x], np.ones(x.shape, dtype=dtype))
    np.testing.assert_array_equal(grad, np.zeros_like(x))


def test_integer_mod_gradient_with_float_head_through_cast():
    """MXNet's own check: mod of int32 casts, a float32 head gradient, zero gradients."""
    a = R.uniform(1, 50, (3, 4)).astype(np.float32)
    b = R.uniform(0, 5, (3, 4)).astype(np.float32)
    grads = _grads(lambda x, y: nd.Cast(x, dtype="int32") % nd.Cast(y, dtype="int32"), [a, b],
                   R.uniform(0, 1, (3, 4)).astype(np.float32))
    for grad in grads:
        np.testing.assert_array_equal(grad, np.zeros((3, 4), np.float32))


def test_integer_mod_gradient_symbolic():
    a, b = _int_operands("int32")
    s = mx.sym.broadcast_mod(mx.sym.var("a", dtype="int32"), mx.sym.var("b", dtype="int32"))
    grads = {"a": nd.ones(a.shape, dtype="int32"), "b": nd.ones(b.shape, dtype="int32")}
    exe = s.bind(mx.cpu(), args={"a": nd.array(a, dtype="int32"), "b": nd.array(b, dtype="int32")},
                 args_grad=grads)
    exe.forward(is_train=True)
    exe.backward([nd.ones(a.shape, dtype="int32")])
    for g in grads.values():
        np.testing.assert_array_equal(g.asnumpy(), np.zeros(a.shape))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_mod_gradient_unchanged(dtype):
    a = R.uniform(-5, 5, (3, 4)).astype(dtype)
    b = (R.uniform(0.5, 2, (3, 4)) * np.where(R.rand(3, 4) < 0.5, -1, 1)).astype(dtype)
    head = R.uniform(-1, 1, (3, 4)).astype(dtype)
    ga, gb = _grads(lambda x, y: x % y, [a, b], head)
    np.testing.assert_allclose(ga, head, rtol=1e-6)
    np.testing.assert_allclose(gb, -head * np.floor(a / b), rtol=1e-5)
    s = np.float64(1.7)
    (gr,) = _grads(lambda x: 1.7 % x, [b], head)
    np.testing.assert_allclose(gr, -head * np.floor(s / b), rtol=1e-5)
    (gl,) = _grads(lambda x: x % 1.7, [a], head)
    np.testing.assert_allclose(gl, head, rtol=1e-6)
