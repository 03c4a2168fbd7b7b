"""FullyConnected (and its backward kernels), Activation, LeakyReLU, softmax family."""
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from mxnb.ops import registry
from .harness import Case, run_case

R = np.random.RandomState(7)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _away_from_zero(*shape):
    """Values with |x| >= 0.1 so kinks at 0 stay out of finite differences."""
    x = R.uniform(0.1, 1.0, shape)
    return x * np.where(R.rand(*shape) < 0.5, -1, 1)


def _fc_ref(x, w, b=None, num_hidden=None, no_bias=False, flatten=True):
    x2 = x.reshape(x.shape[0], -1) if flatten else x
    out = x2 @ w.T
    return out if b is None else out + b


def _np_softmax(x, axis=-1, temperature=None):
    x = x / (temperature or 1.0)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_masked_softmax(x, lengths, axis):
    out = np.zeros_like(x)
    moved, target = np.moveaxis(x, axis, -1), np.moveaxis(out, axis, -1)
    for index in np.ndindex(lengths.shape):
        n = int(lengths[index])
        if n > 0:
            target[index][:n] = _np_softmax(moved[index][:n])
    return out


def test_softmax_lengths_are_checked():
    # .asnumpy(): a threaded engine raises an operator's error where its result is read
    x = nd.ones((3, 4))
    with pytest.raises(MXNetError, match="softmax: length must be an array of integers, found float32"):
        nd.softmax(x, nd.array([1.0, 2.0, 3.0]), use_length=True).asnumpy()
    with pytest.raises(MXNetError, match=r"softmax: length must have the data's shape without axis 1, \(3,\)"):
        nd.softmax(x, nd.array([1, 2], dtype="int32"), use_length=True).asnumpy()
    with pytest.raises(MXNetError, match="softmax takes inputs \\['data', 'length'\\], found 1"):
        nd.softmax(x, use_length=True).asnumpy()
    with pytest.raises(MXNetError, match="log_softmax: use_length=True needs a length input"):
        nd.log_softmax(x, use_length=True).asnumpy()
    # softmin declares softmax's use_length but, as in MXNet 1.9.1, takes no length to mask by
    with pytest.raises(MXNetError, match="softmin: use_length=True needs a length input"):
        nd.softmin(x, use_length=True).asnumpy()


def _erf(x):
    return np.vectorize(math.erf)(x)


_ACT = {
    "relu": lambda x: np.maximum(x, 0), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh, "softrelu": lambda x: np.log1p(np.exp(x)), "softsign": lambda x: x / (1 + abs(x)),
}
_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
_LEAKY = {
    "leaky": lambda x, slope: np.where(x > 0, x, slope * x),
    "elu": lambda x, slope: np.where(x > 0, x, slope * (np.exp(x) - 1)),
    "selu": lambda x, slope: _SELU[1] * np.where(x > 0, x, _SELU[0] * (np.exp(x) - 1)),
    "gelu": lambda x, slope: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
}

CASES = [
    Case("FullyConnected", [_u(3, 2, 2), _u(5, 4), _u(5)], _fc_ref, attrs={"num_hidden": 5}),
    Case("FullyConnected", [_u(3, 4), _u(2, 4)], _fc_ref, attrs={"num_hidden": 2, "no_bias": True},
         name="FullyConnected_no_bias"),
    Case("FullyConnected", [_u(2, 3, 4), _u(2, 4), _u(2)], _fc_ref,
         attrs={"num_hidden": 2, "flatten": False}, name="FullyConnected_no_flatten"),
    Case("_backward_FullyConnected_data", [_u(3, 5), _u(3, 2, 2), _u(5, 4)],
         lambda og, x, w, **a: (og @ w).reshape(x.shape), attrs={"num_hidden": 5}, grad_inputs=[0, 2]),
    Case("_backward_FullyConnected_weight", [_u(3, 5), _u(3, 2, 2)],
         lambda og, x, **a: [og.T @ x.reshape(3, -1), og.sum(0)], attrs={"num_hidden": 5}),
    Case("_backward_FullyConnected_weight", [_u(2, 3, 5), _u(2, 3, 4)],
         lambda og, x, **a: [og.reshape(-1, 5).T @ x.reshape(-1, 4)],
         attrs={"num_hidden": 5, "no_bias": True, "flatten": False}, name="_backward_FC_weight_nobias"),
]
for act, fn in _ACT.items():
    CASES.append(Case("Activation", [_away_from_zero(3, 4)], (lambda f: lambda x, act_type: f(x))(fn),
                      attrs={"act_type": act}, name="Activation_" + act))
# The activations' derivatives, written independently: each reads the output or the data.
_ACT_DERIVATIVE = {
    "relu": lambda out, x: (out > 0).astype(out.dtype),
    "sigmoid": lambda out, x: out * (1 - out),
    "tanh": lambda out, x: 1 - out ** 2,
    "softrelu": lambda out, x: 1 / (1 + np.exp(-x)),
    "softsign": lambda out, x: 1 / (1 + np.abs(x)) ** 2,
}
for act, derivative in _ACT_DERIVATIVE.items():
    _x = _away_from_zero(3, 4)
    CASES.append(Case("_backward_Activation", [_u(3, 4), _ACT[act](_x), _x],
                      (lambda d: lambda og, out, x, act_type: og * d(out, x))(derivative),
                      attrs={"act_type": act}, name="_backward_Activation_" + act,
                      # relu's outputs sit exactly at its kink (0) where x < 0: vary ograd only
                      grad_inputs=[0] if act == "relu" else None))
for act, fn in _LEAKY.items():
    CASES.append(Case("LeakyReLU", [_away_from_zero(3, 4)],
                      (lambda f: lambda x, act_type, slope=0.25: f(x, slope))(fn),
                      attrs={"act_type": act, "slope": 0.3}, name="LeakyReLU_" + act))
CASES += [
    Case("LeakyReLU", [_away_from_zero(2, 3, 2), _u(3)],
         lambda x, g, act_type: np.where(x > 0, x, x * g.reshape(1, 3, 1)),
         attrs={"act_type": "prelu"}, name="LeakyReLU_prelu"),
    Case("_backward_LeakyReLU", [_u(3, 4), _away_from_zero(3, 4)],
         lambda og, x, act_type, slope: og * np.where(x > 0, 1, slope),
         attrs={"act_type": "leaky", "slope": 0.1}, grad=False),
    Case("_backward_LeakyReLU", [_u(2, 3, 2), _away_from_zero(2, 3, 2), _u(3)],
         lambda og, x, g, act_type: [og * np.where(x > 0, 1, g.reshape(1, 3, 1)),
                                     (og * np.where(x > 0, 0, x)).sum(axis=(0, 2))],
         attrs={"act_type": "prelu"}, grad=False, name="_backward_LeakyReLU_prelu"),
    Case("softmax", [_u(3, 4)], _np_softmax),
    Case("softmax", [_u(3, 4, 2)], _np_softmax, attrs={"axis": 1, "temperature": 2.0},
         name="softmax_axis1_temperature"),
    # with lengths (MXNet 1.9.1's values for these inputs, checked against the real library):
    # each row's first length entries, zeros after, all zeros for a length of 0
    Case("softmax", [_u(3, 4), np.array([2, 4, 0], dtype=np.int32)],
         lambda x, n, use_length, temperature: _np_masked_softmax(x / temperature, n, -1),
         attrs={"use_length": True, "temperature": 2.0}, grad_inputs=[0], name="softmax_length"),
    Case("softmax", [_u(2, 3, 4), np.array([[1, 2, 3, 3], [3, 3, 1, 2]], dtype=np.int32)],
         lambda x, n, use_length, axis: _np_masked_softmax(x, n, axis),
         attrs={"use_length": True, "axis": 1}, grad_inputs=[0], name="softmax_length_axis1"),
    Case("log_softmax", [_u(3, 4)], lambda x, **a: np.log(_np_softmax(x, **a))),
    Case("log_softmax", [_u(2, 3, 2)], lambda x, **a: np.log(_np_softmax(x, **a)),
         attrs={"axis": 0, "temperature": 0.5}, name="log_softmax_axis0"),
    Case("_backward_softmax", [_u(3, 4), _np_softmax(_u(3, 4))],
         lambda og, y, axis=-1: y * (og - (og * y).sum(-1, keepdims=True)), grad=False),
    Case("_backward_log_softmax", [_u(3, 4), np.log(_np_softmax(_u(3, 4)))],
         lambda og, y, axis=-1: og - np.exp(y) * og.sum(-1, keepdims=True), grad=False),
    Case("SoftmaxActivation", [_u(2, 3, 2)],
         lambda x, mode="instance": _np_softmax(x.reshape(2, -1)).reshape(x.shape)),
    Case("SoftmaxActivation", [_u(2, 3, 2)], lambda x, mode: _np_softmax(x, axis=1),
         attrs={"mode": "channel"}, name="SoftmaxActivation_channel"),
    Case("_backward_SoftmaxActivation", [_u(2, 3), _np_softmax(_u(2, 3))],
         lambda og, y: y * (og - (og * y).sum(-1, keepdims=True)), grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_fully_connected_infers_weight_and_bias_from_data():
    op = registry.get("FullyConnected")
    attrs = op.parse_attrs({"num_hidden": 10})
    ins, outs = op.infer_shape(attrs, [(64, 1, 28, 28), None, None])
    assert ins == [(64, 1, 28, 28), (10, 784), (10,)] and outs == [(64, 10)]
    attrs = op.parse_attrs({"num_hidden": 10, "flatten": False})
    ins, outs = op.infer_shape(attrs, [(8, 5, 0), (10, 7), None])
    assert ins[0] == (8, 5, 7) and outs == [(8, 5, 10)]


def test_fully_connected_mismatch_names_shapes(ctx):
    with pytest.raises(mx.MXNetError, match=r"FullyConnected.*\(10, 7\).*\(10, 6\)"):
        nd.FullyConnected(nd.ones((5, 7), ctx=ctx), nd.ones((10, 6), ctx=ctx), nd.ones(10, ctx=ctx),
                          num_hidden=10)


def test_activation_keeps_float32(ctx):
    x = nd.array(_u(2, 3), ctx=ctx, dtype="float32")
    for act in _ACT:
        assert nd.Activation(x, act_type=act).dtype == np.float32
    assert nd.softmax(x).dtype == np.float32


def test_softmax_rows_max_matches_the_plain_reduction():
    # softmax/log_softmax take the maximum of short last-axis rows from a transposed copy:
    # the same values as x.max(axis=-1) for every layout, dtype and NaN
    from mxnb.ops.nn.softmax import _max_kept
    rs = np.random.RandomState(5)
    for shape in [(64, 10), (3, 4, 5), (2, 33), (5, 1)]:
        for dtype in (np.float16, np.float32, np.float64):
            x = rs.randn(*shape).astype(dtype)
            x.flat[1] = np.nan
            for data in (x, np.asfortranarray(x)):
                expected = data.max(axis=-1, keepdims=True)
                got = _max_kept(np, data, -1)
                assert got.shape == expected.shape
                np.testing.assert_array_equal(got, expected)
    x = rs.randn(6, 7).astype(np.float32)
    np.testing.assert_array_equal(nd.log_softmax(nd.array(x)).asnumpy(),
                                  nd.log_softmax(nd.array(x), axis=1).asnumpy())


def test_softmax_shapes_are_inferred_both_ways():
    # the output's known dims fill the data's; the length's follow from the data's
    d, e, length = mx.sym.var("d"), mx.sym.var("e"), mx.sym.var("length")
    plain = mx.sym.elemwise_add(mx.sym.softmax(d), e)
    assert plain.infer_shape_partial(d=(0, 4), e=(5, 4))[0] == [(5, 4), (5, 4)]
    masked = mx.sym.elemwise_add(mx.sym.softmax(d, length, use_length=True), e)
    args, outs, _ = masked.infer_shape(d=(0, 4), e=(5, 4))
    assert args == [(5, 4), (5,), (5, 4)] and outs == [(5, 4)]
    assert masked.infer_type(d="float32", e="float32")[0][1] == np.int32
