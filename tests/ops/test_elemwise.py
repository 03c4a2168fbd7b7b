"""Binary arithmetic, comparison, broadcasting and scalar operators."""
import numpy as np
import pytest

from .harness import Case, run_case

R = np.random.RandomState(42)


def _u(*shape, low=-1.0, high=1.0):
    return R.uniform(low, high, shape)


def _pos(*shape):
    return R.uniform(0.5, 2.0, shape)


def _apart(*shape):
    """Values far enough apart that comparisons are stable under finite differences."""
    return R.permutation(np.arange(int(np.prod(shape)), dtype=np.float64)).reshape(shape) * 0.5 - 1


def _apart_shifted(*shape):
    """Like _apart, but never equal to a value of _apart (no ties for maximum/minimum)."""
    return _apart(*shape) + 0.25


_BIN = {
    "add": (np.add, _u, _u), "sub": (np.subtract, _u, _u), "mul": (np.multiply, _u, _u),
    "div": (np.divide, _u, _pos), "mod": (lambda a, b: a - np.floor(a / b) * b, _pos, _pos),
    "power": (np.power, _pos, _u), "maximum": (np.maximum, _apart, _apart_shifted),
    "minimum": (np.minimum, _apart, _apart_shifted), "hypot": (np.hypot, _pos, _pos),
}
_CMP = {
    "equal": np.equal, "not_equal": np.not_equal, "greater": np.greater,
    "greater_equal": np.greater_equal, "lesser": np.less, "lesser_equal": np.less_equal,
    "logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor,
}
_ELEM_NAME = {"add": "elemwise_add", "sub": "elemwise_sub", "mul": "elemwise_mul", "div": "elemwise_div"}


def _ref(fn):
    return lambda a, b: fn(a, b).astype(a.dtype)


CASES = []
for key, (fn, ga, gb) in _BIN.items():
    CASES.append(Case(_ELEM_NAME.get(key, "_" + key), [ga(2, 3), gb(2, 3)], _ref(fn),
                      name="elemwise_" + key))
    CASES.append(Case("broadcast_" + key, [ga(2, 3, 4), gb(3, 1)], _ref(fn), name="broadcast_" + key))
for key, fn in _CMP.items():
    a, b = R.randint(0, 3, (3, 4)).astype(np.float64), R.randint(0, 3, (3, 4)).astype(np.float64)
    CASES.append(Case("_" + key, [a, b], _ref(fn), grad=False))
    CASES.append(Case("broadcast_" + key, [a, b[:1]], _ref(fn), grad=False))
    CASES.append(Case("_%s_scalar" % key, [a], lambda x, scalar, fn=fn: fn(x, scalar).astype(x.dtype),
                      attrs={"scalar": 1.0}, grad=False))

_SCALAR = {
    "_plus_scalar": (lambda x, s: x + s, _u), "_minus_scalar": (lambda x, s: x - s, _u),
    "_rminus_scalar": (lambda x, s: s - x, _u), "_mul_scalar": (lambda x, s: x * s, _u),
    "_div_scalar": (lambda x, s: x / s, _u), "_rdiv_scalar": (lambda x, s: s / x, _pos),
    "_mod_scalar": (lambda x, s: x - np.floor(x / s) * s, _pos),
    "_rmod_scalar": (lambda x, s: s - np.floor(s / x) * x, _pos),
    "_power_scalar": (lambda x, s: x ** s, _pos), "_rpower_scalar": (lambda x, s: s ** x, _u),
    "_maximum_scalar": (lambda x, s: np.maximum(x, s), _u),
    "_minimum_scalar": (lambda x, s: np.minimum(x, s), _u),
    "_hypot_scalar": (lambda x, s: np.hypot(x, s), _u),
}
for name, (fn, gen) in _SCALAR.items():
    CASES.append(Case(name, [gen(3, 4)], (lambda f: lambda x, scalar: f(x, scalar).astype(x.dtype))(fn),
                      attrs={"scalar": 1.7}))

CASES += [
    Case("negative", [_u(3, 4)], lambda x: -x),
    Case("_reduce_like", [_u(2, 3, 4), _u(3, 1)], lambda a, b: a.sum(axis=(0, 2)).reshape(3, 1),
         grad_inputs=[0]),
    Case("broadcast_like", [_u(3, 1), _u(2, 3, 4)], lambda a, b: np.broadcast_to(a, b.shape),
         grad_inputs=[0]),
    # only along lhs_axes, to the sizes of rhs's rhs_axes (MXNet 1.9.1: (1, 3) like (4, 5) on
    # axes (0,), (1,) is (5, 3))
    Case("broadcast_like", [_u(1, 3, 1), _u(4, 5)],
         lambda a, b, lhs_axes, rhs_axes: np.broadcast_to(a, (5, 3, 4)),
         attrs={"lhs_axes": (0, 2), "rhs_axes": (1, -2)},
         grad_inputs=[0]),
]


def test_broadcast_like_axes_are_checked():
    from mxnb import nd
    from mxnb.base import MXNetError
    with pytest.raises(MXNetError, match="broadcast_like: lhs axis 0 has size 2.*rhs axis 1 of size 5"):
        nd.broadcast_like(nd.ones((2, 3)), nd.zeros((4, 5)), lhs_axes=(0,), rhs_axes=(1,))
    with pytest.raises(MXNetError, match="broadcast_like: lhs_axes .* as long as each other"):
        nd.broadcast_like(nd.ones((1, 3)), nd.zeros((4, 5)), lhs_axes=(0,), rhs_axes=(0, 1))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_scalar_keeps_integer_dtype(ctx):
    from mxnb import nd
    x = nd.array([1, 2, 3], ctx=ctx, dtype="int32")
    assert (x + 1.5).dtype == np.int32
    assert (x * 2).asnumpy().tolist() == [2, 4, 6]


def test_mismatched_shapes_raise_with_operator_name(ctx):
    import mxnb as mx
    from mxnb import nd
    a, b = nd.ones((2, 3), ctx=ctx), nd.ones((4, 5), ctx=ctx)
    with pytest.raises(mx.MXNetError, match=r"elemwise_add.*\(2, 3\).*\(4, 5\)"):
        nd.elemwise_add(a, b)
    with pytest.raises(mx.MXNetError, match="broadcast_add"):
        a + b
