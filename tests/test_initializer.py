"""Initializers: name-suffix dispatch, fills, random scales and reproducibility."""
import json

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.initializer import InitDesc


def fill(init, name, shape=(4, 5), attrs=None):
    arr = mx.nd.zeros(shape) + 7
    init(InitDesc(name, attrs), arr)
    return arr.asnumpy()


def test_initdesc_is_a_string_with_attrs():
    desc = InitDesc("fc1_weight", {"__init__": "zeros"})
    assert desc == "fc1_weight" and isinstance(desc, str)
    assert desc.attrs == {"__init__": "zeros"} and desc.global_init is None


@pytest.mark.parametrize("name, value", [("fc_bias", 0.0), ("bn_gamma", 1.0), ("bn_beta", 0.0),
                                         ("bn_moving_mean", 0.0), ("bn_moving_var", 1.0),
                                         ("q_min", 0.0), ("q_max", 1.0)])
def test_suffix_dispatch(name, value):
    assert (fill(mx.init.Uniform(), name) == value).all()


def test_unknown_suffix_raises_naming_the_array():
    with pytest.raises(MXNetError, match="fc_something"):
        fill(mx.init.Uniform(), "fc_something")


def test_init_attr_overrides_global_initializer():
    assert (fill(mx.init.Uniform(), "fc_weight", attrs={"__init__": "ones"}) == 1).all()
    attrs = {"__init__": mx.init.Constant(2.5).dumps()}
    assert (fill(mx.init.Uniform(), "fc_weight", attrs=attrs) == 2.5).all()


def test_constant_zero_one_and_legacy_string_names():
    assert (fill(mx.init.Constant(-3), "w_weight") == -3).all()
    arr = mx.nd.zeros((2, 2))
    with pytest.warns(DeprecationWarning):
        mx.init.One()("conv_weight", arr)
    assert (arr.asnumpy() == 1).all()


def test_uniform_and_normal_scales_and_seed():
    mx.random.seed(3)
    a = fill(mx.init.Uniform(0.2), "w_weight", (200, 50))
    mx.random.seed(3)
    b = fill(mx.init.Uniform(0.2), "w_weight", (200, 50))
    np.testing.assert_array_equal(a, b)
    assert a.min() >= -0.2 and a.max() <= 0.2 and a.max() > 0.19
    n = fill(mx.init.Normal(0.5), "w_weight", (200, 50))
    assert abs(n.std() - 0.5) < 0.02 and abs(n.mean()) < 0.02


def test_xavier_bounds_by_fan():
    shape = (64, 32, 3, 3)
    w = fill(mx.init.Xavier(), "conv_weight", shape)
    fan_in, fan_out = 32 * 9, 64 * 9
    bound = np.sqrt(3.0 / ((fan_in + fan_out) / 2))
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
    g = fill(mx.init.Xavier(rnd_type="gaussian", factor_type="in", magnitude=2), "w_weight",
             (300, 400))
    assert abs(g.std() - np.sqrt(2.0 / 400)) < 0.003
    with pytest.raises(MXNetError, match="vector"):
        fill(mx.init.Xavier(), "fc_weight", (10,))


def test_msra_prelu_std():
    w = fill(mx.init.MSRAPrelu(factor_type="in", slope=0.0), "w_weight", (300, 400))
    assert abs(w.std() - np.sqrt(2.0 / 400)) < 0.003


def test_dumps_create_and_register():
    text = mx.init.Xavier(factor_type="in", magnitude=2.34).dumps()
    assert json.loads(text) == ["xavier", {"rnd_type": "uniform", "factor_type": "in",
                                           "magnitude": 2.34}]
    again = mx.init.create(text)
    assert isinstance(again, mx.init.Xavier) and again.magnitude == 2.34
    assert isinstance(mx.init.create("zeros"), mx.init.Zero)

    @mx.init.register
    class Twos(mx.init.Initializer):
        def _init_weight(self, _, arr):
            arr[:] = 2

    assert (fill(mx.init.create("twos"), "x_weight") == 2).all()
    with pytest.raises(MXNetError, match="nosuch"):
        mx.init.create("nosuch")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_mixed_picks_first_matching_pattern():
    init = mx.init.Mixed(["^fc1", ".*"], [mx.init.Constant(5), mx.init.One()])
    a = mx.nd.zeros((3,))
    init("fc1_weight", a)
    b = mx.nd.zeros((3,))
    init("fc2_weight", b)
    c = mx.nd.zeros((3,)) + 9
    init("fc1_bias", c)  # Constant fills weights only; biases get the default 0, as in MXNet
    assert (a.asnumpy() == 5).all() and (b.asnumpy() == 1).all() and (c.asnumpy() == 0).all()
    with pytest.raises(ValueError):
        mx.init.Mixed(["bias$"], [mx.init.Zero()])("fc_weight", b)


def test_orthogonal_rows_are_orthonormal():
    w = fill(mx.init.Orthogonal(scale=1.0), "w_weight", (4, 6))
    np.testing.assert_allclose(w @ w.T, np.eye(4), atol=1e-5)


def test_bilinear_and_lstm_bias():
    w = fill(mx.init.Bilinear(), "up_weight", (1, 1, 4, 4))
    f, c = 2.0, (2 * 2.0 - 1 - 0) / (2 * 2.0)
    tri = 1 - np.abs(np.arange(4) / f - c)
    np.testing.assert_allclose(w[0, 0], np.outer(tri, tri), rtol=1e-6)
    b = fill(mx.init.Zero(), "lstm_i2h_bias", (8,),
             attrs={"__init__": mx.init.LSTMBias(forget_bias=1.5).dumps()})
    np.testing.assert_array_equal(b, [0, 0, 1.5, 1.5, 0, 0, 0, 0])


@pytest.mark.parametrize("init, value", [(mx.init.Constant(2.0), 2.0), (mx.init.Zero(), 0.0),
                                          (mx.init.One(), 1.0)])
def test_constant_initializers_fill_a_row_sparse_weight(init, value):
    """A row_sparse weight (a Module's, under sparse.dot) takes the value in every row, as
    MXNet's `arr[:] = value`; it was a TypeError on the sparse payload."""
    data = mx.sym.var("data", stype="csr")
    weight = mx.sym.var("weight", shape=(10, 2), init=init, stype="row_sparse")
    mod = mx.mod.Module(mx.sym.sparse.dot(data, weight), label_names=None)
    mod.bind(data_shapes=[("data", (4, 10))])
    mod.init_params()
    arg = mod.get_params()[0]["weight"]
    assert arg.stype == "row_sparse"
    np.testing.assert_array_equal(arg.asnumpy(), np.full((10, 2), value, dtype=np.float32))
