"""Elementwise math on one array, BlockGrad and the loss markers."""
import math

import numpy as np
import pytest

from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(7)


def _u(low=-1.0, high=1.0, shape=(3, 4)):
    return R.uniform(low, high, shape)


def _away_from_zero(shape=(3, 4)):
    """Signed values with |x| >= 0.2, so finite differences never straddle a kink at 0."""
    return R.choice([-1.0, 1.0], shape) * R.uniform(0.2, 1.5, shape)


def _off_grid(shape=(3, 4)):
    """Values well away from integers and halves: rounding is locally constant there."""
    return R.randint(-3, 4, shape) + R.choice([0.15, 0.3, 0.7, 0.85], shape)


_HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.3, -2.7, 0.0, 3.0])


def _sigmoid_ref(x):
    return 1.0 / (1.0 + np.exp(-x.astype(np.float64)))


def _softrelu_ref(x):
    x = x.astype(np.float64)
    return np.where(x > 30, x, np.log1p(np.exp(np.minimum(x, 30))))


_erf_ref = np.vectorize(math.erf)

# name: (reference, input)
_MATH = {
    "abs": (np.abs, _away_from_zero()),
    "exp": (np.exp, _u()),
    "expm1": (np.expm1, _u()),
    "log": (np.log, _u(0.5, 2.0)),
    "log10": (np.log10, _u(0.5, 2.0)),
    "log2": (np.log2, _u(0.5, 2.0)),
    "log1p": (np.log1p, _u(-0.5, 1.0)),
    "sqrt": (np.sqrt, _u(0.5, 2.0)),
    "rsqrt": (lambda x: x ** -0.5, _u(0.5, 2.0)),
    "cbrt": (lambda x: np.sign(x) * np.abs(x) ** (1 / 3), _away_from_zero()),
    "rcbrt": (lambda x: np.sign(x) * np.abs(x) ** (-1 / 3), _away_from_zero()),
    "square": (lambda x: x * x, _u()),
    "reciprocal": (lambda x: 1 / x, _away_from_zero()),
    "relu": (lambda x: np.where(x > 0, x, 0), _away_from_zero()),
    "sigmoid": (_sigmoid_ref, _u(-3, 3)),
    "tanh": (np.tanh, _u(-2, 2)),
    "softrelu": (_softrelu_ref, _u(-3, 3)),
    "softsign": (lambda x: x / (1 + np.abs(x)), _away_from_zero()),
    "sin": (np.sin, _u(-3, 3)),
    "cos": (np.cos, _u(-3, 3)),
    "tan": (np.tan, _u(-1, 1)),
    "arcsin": (np.arcsin, _u(-0.9, 0.9)),
    "arccos": (np.arccos, _u(-0.9, 0.9)),
    "arctan": (np.arctan, _u(-3, 3)),
    "sinh": (np.sinh, _u(-2, 2)),
    "cosh": (np.cosh, _u(-2, 2)),
    "arcsinh": (np.arcsinh, _u(-3, 3)),
    "arccosh": (np.arccosh, _u(1.2, 3.0)),
    "arctanh": (np.arctanh, _u(-0.9, 0.9)),
    "degrees": (lambda x: x * 180 / np.pi, _u(-3, 3)),
    "radians": (lambda x: x * np.pi / 180, _u(-200, 200)),
    "erf": (_erf_ref, _u(-3, 3)),
    "sign": (np.sign, _away_from_zero()),
    "floor": (np.floor, _off_grid()),
    "ceil": (np.ceil, _off_grid()),
    "round": (np.round, _off_grid()),     # no halves here: the tie rules are checked below
    "rint": (np.round, _off_grid()),
    "fix": (lambda x: np.where(x < 0, np.ceil(x), np.floor(x)), _off_grid()),
    "trunc": (lambda x: np.where(x < 0, np.ceil(x), np.floor(x)), _off_grid()),
    "logical_not": (lambda x: (x == 0).astype(x.dtype), R.randint(-2, 3, (3, 4)) * 0.5),
}


def _same_dtype(fn):
    return lambda x: np.asarray(fn(x)).astype(x.dtype)


CASES = [Case(name, [x], _same_dtype(fn)) for name, (fn, x) in _MATH.items()]
CASES += [
    # MXNet's tie rules: round sends halves away from zero, rint sends them down.
    Case("round", [_HALVES], lambda x: np.sign(x) * np.floor(np.abs(x) + 0.5), grad=False,
         name="round_halves"),
    Case("rint", [_HALVES], lambda x: np.ceil(x - 0.5), grad=False, name="rint_halves"),
    Case("sigmoid", [np.array([-100.0, -20.0, 0.0, 20.0, 100.0])], _same_dtype(_sigmoid_ref),
         grad=False, rtol=1e-5, atol=0, name="sigmoid_extremes"),
    Case("softrelu", [np.array([-100.0, -20.0, 0.0, 20.0, 100.0])], _same_dtype(_softrelu_ref),
         grad=False, rtol=1e-6, atol=0, name="softrelu_extremes"),
    Case("erf", [np.linspace(-5, 5, 41)], _same_dtype(_erf_ref), atol=1e-6, name="erf_wide"),
    # Identity forward; their gradients ignore the head gradient and are checked below.
    Case("BlockGrad", [_u()], lambda x: x, grad=False),
    Case("make_loss", [_u()], lambda x: x, grad=False),
    Case("MakeLoss", [_u()], lambda x, **kw: x, attrs={"grad_scale": 2.0}, grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_int_input_keeps_dtype(ctx):
    x = nd.array([1, 5, 2], ctx=ctx, dtype="int32")
    out = nd.exp(x)
    assert out.dtype == np.int32
    assert out.asnumpy().tolist() == [2, 148, 7]   # as MXNet: computed, then cast
    assert nd.logical_not(x).dtype == np.int32


def test_sign_of_nan_is_zero(ctx):
    x = nd.array([np.nan, -1.0, 0.0, 2.0], ctx=ctx)
    assert nd.sign(x).asnumpy().tolist() == [0.0, -1.0, 0.0, 1.0]


def _grad_of(fn, x, head, ctx):
    a = nd.array(x, ctx=ctx)
    a.attach_grad()
    with autograd.record():
        out = fn(a * 2)
    out.backward(nd.array(head, ctx=ctx))
    return a.grad.asnumpy()


def test_blockgrad_stops_the_gradient(ctx):
    x = np.arange(6, dtype=np.float32).reshape(3, 2)
    a = nd.array(x, ctx=ctx)
    a.attach_grad()
    with autograd.record():
        out = nd.BlockGrad(a * 2) + a
    out.backward()
    np.testing.assert_array_equal(a.grad.asnumpy(), np.ones_like(x))
    assert nd.stop_gradient(a).asnumpy().tolist() == x.tolist()


@pytest.mark.parametrize("normalization, expected", [("null", 3.0), ("batch", 1.0), ("valid", 0.75)])
def test_makeloss_gradient_ignores_head(normalization, expected, ctx):
    # Values as in MXNet 1.9.1: 3 rows; 4 of 6 entries above 2.5 after doubling.
    x = np.array([[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]], dtype=np.float32)
    grad = _grad_of(lambda v: nd.MakeLoss(v, grad_scale=3.0, normalization=normalization,
                                          valid_thresh=2.5), x, np.full((3, 2), 5.0), ctx)
    np.testing.assert_allclose(grad, np.full((3, 2), expected * 2), rtol=1e-6)


def test_make_loss_gradient_is_ones(ctx):
    grad = _grad_of(nd.make_loss, np.ones((2, 3)), np.full((2, 3), 5.0), ctx)
    np.testing.assert_array_equal(grad, np.full((2, 3), 2.0))


def test_second_order_through_unary(ctx):
    """d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh(x)^2): the gradient graph is itself differentiable."""
    x = nd.array([-0.7, 0.1, 0.9], ctx=ctx, dtype="float64")
    x.attach_grad()
    with autograd.record():
        y = nd.tanh(x)
        (dy,) = autograd.grad([y], [x], create_graph=True)
    dy.backward()
    t = np.tanh(x.asnumpy())
    np.testing.assert_allclose(x.grad.asnumpy(), -2 * t * (1 - t * t), rtol=1e-10)
