"""Operator declarations that MXNet 1.9.1's symbol tests rely on: the initializers operators
give their variables (`__init__`), and what partial shape inference leaves unknown."""
import numpy as np

import mxnb as mx
from mxnb import nd, sym

ZERO, ONE = '["zero", {}]', '["one", {}]'


def test_batch_norm_running_statistics_get_zero_and_one_initializers():
    data = sym.var("data")
    bn = sym.BatchNorm(data, name="bn")
    assert bn.attr_dict() == {"bn_moving_mean": {"__init__": ZERO},
                              "bn_moving_var": {"__init__": ONE}}
    relu_bn = sym.contrib.BatchNormWithReLU(data, name="bnr")
    assert relu_bn.attr_dict() == {"bnr_moving_mean": {"__init__": ZERO},
                                   "bnr_moving_var": {"__init__": ONE}}
    sync = sym.contrib.SyncBatchNorm(data, key="k", name="sbn")
    attrs = sync.attr_dict()
    assert attrs["sbn_moving_mean"]["__init__"] == ZERO
    assert attrs["sbn_moving_var"]["__init__"] == ONE
    own = sym.var("mv", init=mx.init.Constant(2))
    sym.BatchNorm(data, moving_var=own)
    assert own.list_attr()["__init__"] == mx.init.Constant(2).dumps()


def test_module_fills_running_statistics_from_their_initializers():
    # names without the _moving_mean / _moving_var suffixes: only `__init__` says how to fill them
    net = sym.BatchNorm(sym.var("data"), moving_mean=sym.var("running_avg"),
                        moving_var=sym.var("running_sq"), fix_gamma=False, name="bn")
    mod = mx.mod.Module(net, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (2, 3))])
    mod.init_params(mx.init.Uniform(5))
    _, aux = mod.get_params()
    np.testing.assert_array_equal(aux["running_avg"].asnumpy(), np.zeros(3))
    np.testing.assert_array_equal(aux["running_sq"].asnumpy(), np.ones(3))


def test_bilinear_upsampling_weight_and_kl_moving_average_initializers():
    data = sym.var("data")
    up = sym.UpSampling(data, scale=2, sample_type="bilinear", num_filter=2, name="up")
    assert up.attr_dict()["up_weight"]["__init__"] == '["bilinear", {}]'
    kl = sym.IdentityAttachKLSparseReg(data, name="kl")
    assert kl.attr_dict()["kl_moving_avg"] == {"__init__": ZERO}


def test_partial_inference_leaves_weights_of_data_of_unknown_rank_unknown():
    num_hidden, num_dim, num_sample = 128, 64, 10
    data, prev = sym.var("data"), sym.var("prevstate")
    x2h = sym.FullyConnected(data=data, name="x2h", num_hidden=num_hidden)
    h2h = sym.FullyConnected(data=prev, name="h2h", num_hidden=num_hidden)
    out = sym.Activation(data=sym.elemwise_add(x2h, h2h), name="out", act_type="relu")
    assert out.infer_shape(data=(num_sample, num_dim)) == (None, None, None)
    arg, out_shapes, _ = out.infer_shape_partial(data=(num_sample, num_dim))
    shapes = dict(zip(out.list_arguments(), arg))
    assert shapes["x2h_weight"] == (num_hidden, num_dim)
    assert shapes["h2h_weight"] == () and shapes["h2h_bias"] == ()
    # the output shape found so far completes full inference
    arg, out_shapes, _ = out.infer_shape(data=(num_sample, num_dim), prevstate=out_shapes[0])
    shapes = dict(zip(out.list_arguments(), arg))
    assert shapes["h2h_weight"] == (num_hidden, num_hidden) and out_shapes == [(10, 128)]


def test_batch_dot_output_unknown_while_a_contracted_axis_is():
    x, y = sym.var("x"), sym.var("y")
    z = sym.batch_dot(x, y)
    assert z.infer_shape_partial(x=(0, 3, 4), y=(0, 4, 5))[1] == [(0, 3, 5)]
    assert z.infer_shape_partial(x=(0, 3, 4), y=(0, 0, 5))[1] == [()]
    assert z.infer_shape_partial(x=(2, 3, 0), y=(2, 4, 5))[1] == [()]
    assert z.infer_shape_partial(x=(2, 0, 4), y=(2, 4, 5))[1] == [(2, 0, 5)]
    zt = sym.batch_dot(x, y, transpose_b=True)
    assert zt.infer_shape_partial(x=(2, 3, 4), y=(2, 5, 4))[1] == [(2, 3, 5)]
    a, b = np.ones((2, 3, 4)), np.ones((2, 4, 5))
    got = z.evaluate(x=nd.array(a), y=nd.array(b))[0].asnumpy()
    np.testing.assert_allclose(got, a @ b)


def test_identity_with_attr_like_rhs_passes_a_known_shape_back():
    w = sym.var("weight")
    shift = sym.var("wshift", shape=(1,))
    tied = mx.sym._internal._identity_with_attr_like_rhs(sym.broadcast_add(w, shift), w)
    net = sym.FullyConnected(data=sym.var("data"), weight=tied, num_hidden=11, no_bias=True)
    arg_shapes, _, _ = net.infer_shape(data=(7, 100))
    assert dict(zip(net.list_arguments(), arg_shapes))["weight"] == (11, 100)
