"""The sym.* functions MXNet defines in Python, variable attributes, partial shape inference
(0 = unknown dimension, filled from either side as MXNet 1.x does), Symbol.gradient, and
Executor.reshape / copy_params_from."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.base import MXNetError


def _eval(s, **kwargs):
    return [o.asnumpy() for o in s.eval(ctx=mx.cpu(), **{k: nd.array(v) for k, v in kwargs.items()})]


def test_binary_functions_take_symbols_or_numbers_on_either_side():
    a, b = sym.var("a"), sym.var("b")
    x, y = np.array([1., -2., 3.]), np.array([2., 2., -1.])
    assert np.array_equal(_eval(sym.maximum(a, b), a=x, b=y)[0], np.maximum(x, y))
    assert np.array_equal(_eval(sym.minimum(a, 0.5), a=x)[0], np.minimum(x, 0.5))
    assert np.array_equal(_eval(sym.maximum(0.5, a), a=x)[0], np.maximum(x, 0.5))
    np.testing.assert_allclose(_eval(sym.hypot(a, b), a=x, b=y)[0], np.hypot(x, y), rtol=1e-6)
    np.testing.assert_allclose(_eval(sym.power(a, 2), a=x)[0], x ** 2)
    np.testing.assert_allclose(_eval(sym.pow(2, a), a=x)[0], 2.0 ** x, rtol=1e-6)
    np.testing.assert_allclose(_eval(sym.power(sym.abs(a), b), a=x, b=y)[0], np.abs(x) ** y, rtol=1e-6)
    assert sym.maximum(2, 3) == 3 and sym.pow(2, 3) == 8 and sym.hypot(3, 4) == 5.0
    with pytest.raises(TypeError):
        sym.maximum("a", a)


def test_creation_functions():
    np.testing.assert_array_equal(_eval(sym.eye(3, 4, 1))[0], np.eye(3, 4, 1))
    np.testing.assert_array_equal(_eval(sym.eye(3, k=-1, dtype="int32"))[0], np.eye(3, k=-1))
    np.testing.assert_allclose(_eval(sym.linspace(0, 1, 5))[0], np.linspace(0, 1, 5), atol=1e-7)
    np.testing.assert_allclose(_eval(sym.linspace(2, 3, 4, endpoint=False))[0],
                               np.linspace(2, 3, 4, endpoint=False), atol=1e-7)
    out = _eval(sym.full((2, 2), 7.0) + sym.ones((2, 2)) + sym.zeros((2, 2)))[0]
    np.testing.assert_array_equal(out, np.full((2, 2), 8.0))
    np.testing.assert_array_equal(_eval(sym.arange(1, 7, 2))[0], [1, 3, 5])


def test_split_v2_by_sections_and_by_indices():
    a = np.arange(12.).reshape(6, 2)
    pieces = _eval(sym.split_v2(sym.var("a"), (1, 3)), a=a)
    assert [p.shape for p in pieces] == [(1, 2), (2, 2), (3, 2)]
    np.testing.assert_array_equal(np.concatenate(pieces), a)
    halves = _eval(sym.split_v2(sym.var("a"), 2, axis=1, squeeze_axis=True), a=a)
    np.testing.assert_array_equal(halves[1], a[:, 1])
    assert len(sym.split_v2(sym.var("a"), 3).list_outputs()) == 3


def test_histogram_with_a_range_or_bin_edges():
    data = np.array([0., 1., 2., 3., 3., 5., -1.])
    counts, edges = _eval(sym.histogram(sym.var("a"), bins=3, range=(0, 3)), a=data)
    ref_counts, ref_edges = np.histogram(data, bins=3, range=(0, 3))
    np.testing.assert_array_equal(counts, ref_counts)
    np.testing.assert_allclose(edges, ref_edges)
    assert counts.dtype == np.int64
    counts, _ = _eval(sym.histogram(sym.var("a"), bins=sym.var("b")), a=data, b=[0., 1., 2.5, 3.])
    np.testing.assert_array_equal(counts, np.histogram(data, bins=[0., 1., 2.5, 3.])[0])
    with pytest.raises(MXNetError, match="range"):
        sym.histogram(sym.var("a"), bins=3)


def test_var_attributes_as_mxnet_writes_them():
    v = sym.var("x", shape=(2, 3), lr_mult=2, wd_mult=0, dtype="float16", init=mx.init.One(),
                stype="csr", __foo__="bar")
    attrs = v.list_attr()
    assert attrs["__shape__"] == "(2, 3)" and attrs["__lr_mult__"] == "2"
    assert attrs["__wd_mult__"] == "0" and attrs["__dtype__"] == "2"
    assert attrs["__init__"] == '["one", {}]' and attrs["__storage_type__"] == "2"
    assert attrs["__foo__"] == "bar"
    assert v.infer_shape() == ([(2, 3)], [(2, 3)], [])
    assert v.infer_type()[0] == [np.float16]
    with pytest.raises(MXNetError):
        sym.var("x", color="red")


def _arg_shapes(s, **kwargs):
    arg, _, _ = s.infer_shape(**kwargs)
    return dict(zip(s.list_arguments(), arg))


@pytest.mark.parametrize("build, expected", [
    (lambda: sym.var("a", shape=(0, 10)) + sym.var("b", shape=(12, 0)),
     {"a": (12, 10), "b": (12, 10)}),
    (lambda: sym.FullyConnected(sym.var("a", shape=(0, 10)), num_hidden=21, name="fc")
     + sym.var("c", shape=(5, 0)),
     {"a": (5, 10), "c": (5, 21), "fc_weight": (21, 10)}),
    (lambda: sym.SliceChannel(sym.var("a", shape=(0, 10)), num_outputs=10, axis=1,
                              squeeze_axis=True)[1] + sym.var("c", shape=(5,)),
     {"a": (5, 10)}),
    (lambda: sym.SliceChannel(sym.var("a", shape=(0, 15, 0)), num_outputs=3)[1]
     + sym.var("c", shape=(3, 5, 2)),
     {"a": (3, 15, 2)}),
    (lambda: sym.Convolution(sym.var("a", shape=(0, 10, 0, 0)), num_filter=21, kernel=(3, 3),
                             pad=(1, 1), name="conv") + sym.var("c", shape=(5, 21, 32, 32)),
     {"a": (5, 10, 32, 32), "conv_weight": (21, 10, 3, 3)}),
    (lambda: sym.var("d", shape=(2, 0)) + sym.Concat(sym.var("a", shape=(0, 10)),
                                                     sym.var("b", shape=(0, 5)), dim=1),
     {"a": (2, 10), "b": (2, 5), "d": (2, 15)}),
], ids=["elementwise", "fully_connected", "slice_squeeze", "slice", "convolution", "concat"])
def test_unknown_dims_are_filled_from_either_side(build, expected):
    shapes = _arg_shapes(build())
    for name, shape in expected.items():
        assert shapes[name] == shape, name


def test_infer_shape_partial_keeps_zeros_and_empty_tuples():
    data = sym.var("data")
    net = sym.SoftmaxOutput(sym.FullyConnected(data, num_hidden=8, name="fc1"), name="softmax")
    arg, out, aux = net.infer_shape_partial(data=(0, 6))
    assert arg == [(0, 6), (8, 6), (8,), (0,)] and out == [(0, 8)] and aux == []
    assert sym.sin(data).infer_shape_partial() == ([()], [()], [])
    assert net.infer_shape(data=(0, 6)) == (None, None, None)
    x, y = sym.var("x"), sym.var("y")
    assert sym.dot(x, y).infer_shape_partial(x=(0, 3, 4), y=(4, 5))[1] == [(0, 3, 5)]
    assert sym.transpose(x, axes=(0, 3, 2, 1)).infer_shape_partial(x=(0, 3, 8, 8))[1] == [(0, 8, 8, 3)]
    with pytest.raises(MXNetError):
        net.infer_shape(data=(4, 6), fc1_weight=(8, 5))


def test_symbol_gradient_is_not_implemented_as_in_mxnet():
    with pytest.raises(MXNetError, match="not implemented"):
        sym.sin(sym.var("x")).gradient(["x"])


def _mlp():
    data = sym.var("data")
    fc = sym.FullyConnected(data, num_hidden=4, name="fc")
    return sym.SoftmaxOutput(fc, name="softmax")


def test_executor_reshape_shares_parameters_and_checks_growth():
    exe = _mlp().simple_bind(mx.cpu(), data=(8, 3))
    exe.arg_dict["fc_weight"][:] = 1.5
    small = exe.reshape(data=(2, 3), softmax_label=(2,))
    assert small.arg_dict["fc_weight"] is exe.arg_dict["fc_weight"]
    assert small.arg_dict["data"].shape == (2, 3)
    small.arg_dict["data"][:] = 1
    assert small.forward()[0].shape == (2, 4)
    with pytest.raises(MXNetError, match="larger than the original"):
        exe.reshape(data=(16, 3), softmax_label=(16,))
    big = exe.reshape(allow_up_sizing=True, data=(16, 3), softmax_label=(16,))
    assert big.arg_dict["data"].shape == (16, 3)
    with pytest.raises(MXNetError, match="partial_shaping"):
        exe.reshape(allow_up_sizing=True, data=(8, 5))
    wide = exe.reshape(partial_shaping=True, allow_up_sizing=True, data=(8, 5))
    assert wide.arg_dict["fc_weight"].shape == (4, 5)


def test_outputs_are_allocated_at_bind_and_backward_runs_a_missing_forward():
    exe = _mlp().simple_bind(mx.cpu(), data=(2, 3))
    assert [o.shape for o in exe.outputs] == [(2, 4)]
    out = exe.outputs[0]
    exe.backward()      # no forward yet: it runs first, on the bound (zero) arrays
    assert exe.outputs[0] is out and np.allclose(out.asnumpy(), 0.25)
    # softmax 0.25 everywhere, label 0: d/d fc = p - onehot(0)
    expected = np.full((2, 4), 0.25) - np.eye(4)[[0, 0]]
    np.testing.assert_allclose(exe.grad_dict["fc_bias"].asnumpy(), expected.sum(axis=0), rtol=1e-6)


def test_copy_params_from_casts_and_rejects_unknown_names():
    exe = _mlp().simple_bind(mx.cpu(), data=(2, 3))
    exe.copy_params_from({"fc_weight": nd.ones((4, 3), dtype="float64"), "fc_bias": nd.ones((4,))})
    assert exe.arg_dict["fc_weight"].dtype == np.float32
    assert exe.arg_dict["fc_weight"].asnumpy().sum() == 12
    with pytest.raises(ValueError, match="extra"):
        exe.copy_params_from({"extra": nd.ones((1,))})
    exe.copy_params_from({"extra": nd.ones((1,))}, allow_extra_params=True)
    with pytest.raises(MXNetError, match="shape"):
        exe.copy_params_from({"fc_bias": nd.ones((5,))})
