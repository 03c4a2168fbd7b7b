"""Each nn layer against a NumPy reference, imperative and hybridized."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, nd
from mxnb.base import MXNetError
from mxnb.gluon import nn

from .common import fill_params

RNG = np.random.RandomState(42)


def _run(layer, *inputs, hybridize=False, seed=0):
    layer.initialize()
    arrays = [nd.array(x) if x.dtype != np.int64 else nd.array(x, dtype="float32") for x in inputs]
    layer(*arrays)  # completes deferred shapes
    fill_params(layer, seed=seed)
    if hybridize:
        layer.hybridize()
    return layer(*arrays).asnumpy()


def _conv_ref(x, w, b, stride, pad, dilation=(1, 1), groups=1):
    """Direct 2-D cross-correlation, NCHW, weight (O, C/groups, KH, KW)."""
    n, c, h, wid = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    ekh, ekw = dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1
    oh = (xp.shape[2] - ekh) // stride[0] + 1
    ow = (xp.shape[3] - ekw) // stride[1] + 1
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        for oc in range(g * og, (g + 1) * og):
            for i in range(oh):
                for j in range(ow):
                    patch = xs[:, :, i * stride[0]:i * stride[0] + ekh:dilation[0],
                               j * stride[1]:j * stride[1] + ekw:dilation[1]]
                    out[:, oc, i, j] = (patch * w[oc]).sum(axis=(1, 2, 3))
    if b is not None:
        out += b.reshape(1, -1, 1, 1)
    return out


def _pool_ref(x, k, s, pad, kind):
    n, c, h, w = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])), constant_values=fill)
    oh = (xp.shape[2] - k[0]) // s[0] + 1
    ow = (xp.shape[3] - k[1]) // s[1] + 1
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            win = xp[:, :, i * s[0]:i * s[0] + k[0], j * s[1]:j * s[1] + k[1]]
            out[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


@pytest.mark.parametrize("hybridize", [False, True])
def test_dense(hybridize):
    x = RNG.randn(4, 3, 2).astype(np.float32)
    layer = nn.Dense(5, activation="sigmoid")
    out = _run(layer, x, hybridize=hybridize)
    w, b = layer.weight.data().asnumpy(), layer.bias.data().asnumpy()
    assert w.shape == (5, 6)
    ref = 1 / (1 + np.exp(-(x.reshape(4, 6) @ w.T + b)))
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-6)


def test_dense_no_flatten_no_bias():
    x = RNG.randn(2, 3, 4).astype(np.float32)
    layer = nn.Dense(6, use_bias=False, flatten=False)
    out = _run(layer, x)
    assert layer.bias is None and layer.weight.shape == (6, 4)
    np.testing.assert_allclose(out, x @ layer.weight.data().asnumpy().T, rtol=1e-5, atol=1e-6)


def test_dense_initializers_and_dtype():
    layer = nn.Dense(3, in_units=2, weight_initializer=mx.init.Constant(0.5),
                     bias_initializer="ones", dtype="float64")
    layer.initialize()
    np.testing.assert_array_equal(layer.weight.data().asnumpy(), np.full((3, 2), 0.5))
    np.testing.assert_array_equal(layer.bias.data().asnumpy(), np.ones(3))
    assert layer.weight.data().dtype == np.float64


@pytest.mark.parametrize("hybridize", [False, True])
def test_conv2d(hybridize):
    x = RNG.randn(2, 3, 7, 6).astype(np.float32)
    layer = nn.Conv2D(4, kernel_size=3, strides=(2, 1), padding=1, activation="relu")
    out = _run(layer, x, hybridize=hybridize)
    w, b = layer.weight.data().asnumpy(), layer.bias.data().asnumpy()
    assert w.shape == (4, 3, 3, 3)
    ref = np.maximum(_conv_ref(x, w, b, (2, 1), (1, 1)), 0)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_conv2d_groups_dilation_in_channels():
    x = RNG.randn(1, 4, 7, 7).astype(np.float32)
    layer = nn.Conv2D(6, kernel_size=(3, 2), dilation=(2, 1), groups=2, in_channels=4,
                      use_bias=False)
    assert layer.weight.shape == (6, 2, 3, 2)
    out = _run(layer, x)
    ref = _conv_ref(x, layer.weight.data().asnumpy(), None, (1, 1), (0, 0), (2, 1), groups=2)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_conv1d():
    x = RNG.randn(2, 3, 9).astype(np.float32)
    layer = nn.Conv1D(5, kernel_size=3, strides=2)
    out = _run(layer, x)
    w, b = layer.weight.data().asnumpy(), layer.bias.data().asnumpy()
    assert w.shape == (5, 3, 3)
    ref = _conv_ref(x[:, :, None, :], w[:, :, None, :], b, (1, 2), (0, 0))[:, :, 0, :]
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("hybridize", [False, True])
def test_pooling_2d(hybridize):
    x = RNG.randn(2, 3, 6, 7).astype(np.float32)
    out = _run(nn.MaxPool2D(pool_size=2), x, hybridize=hybridize)
    np.testing.assert_allclose(out, _pool_ref(x, (2, 2), (2, 2), (0, 0), "max"), rtol=1e-6)
    out = _run(nn.AvgPool2D(pool_size=3, strides=2, padding=1), x, hybridize=hybridize)
    np.testing.assert_allclose(out, _pool_ref(x, (3, 3), (2, 2), (1, 1), "avg"), rtol=1e-5,
                               atol=1e-6)
    out = _run(nn.GlobalAvgPool2D(), x, hybridize=hybridize)
    np.testing.assert_allclose(out, x.mean(axis=(2, 3), keepdims=True), rtol=1e-5, atol=1e-6)
    out = _run(nn.GlobalMaxPool2D(), x, hybridize=hybridize)
    np.testing.assert_allclose(out, x.max(axis=(2, 3), keepdims=True), rtol=1e-6)


def test_pooling_1d():
    x = RNG.randn(2, 3, 8).astype(np.float32)
    out = _run(nn.MaxPool1D(pool_size=2), x)
    np.testing.assert_allclose(out, x.reshape(2, 3, 4, 2).max(axis=3), rtol=1e-6)
    out = _run(nn.AvgPool1D(pool_size=4), x)
    np.testing.assert_allclose(out, x.reshape(2, 3, 2, 4).mean(axis=3), rtol=1e-5)


def test_flatten_activation_leakyrelu():
    x = RNG.randn(2, 3, 4).astype(np.float32)
    np.testing.assert_array_equal(_run(nn.Flatten(), x), x.reshape(2, 12))
    np.testing.assert_allclose(_run(nn.Activation("tanh"), x), np.tanh(x), rtol=1e-5)
    np.testing.assert_allclose(_run(nn.Activation("softrelu"), x), np.log1p(np.exp(x)), rtol=1e-5)
    np.testing.assert_allclose(_run(nn.LeakyReLU(0.1), x), np.where(x > 0, x, 0.1 * x),
                               rtol=1e-6)
    with pytest.raises(MXNetError):
        nn.LeakyReLU(-1)


def test_lambda_and_hybrid_lambda():
    x = RNG.randn(3, 4).astype(np.float32)
    np.testing.assert_allclose(nn.Lambda("exp")(nd.array(x)).asnumpy(), np.exp(x), rtol=1e-5)
    np.testing.assert_allclose(nn.Lambda(lambda a: a * 2)(nd.array(x)).asnumpy(), 2 * x)
    hl = nn.HybridLambda(lambda F, a: F.relu(a) + 1)
    np.testing.assert_allclose(_run(hl, x, hybridize=True), np.maximum(x, 0) + 1, rtol=1e-6)
    np.testing.assert_allclose(_run(nn.HybridLambda("tanh"), x), np.tanh(x), rtol=1e-5)


def test_dropout_train_and_predict():
    x = np.ones((200, 50), np.float32)
    layer = nn.Dropout(0.5)
    np.testing.assert_array_equal(layer(nd.array(x)).asnumpy(), x)  # not training: identity
    with autograd.record():
        out = layer(nd.array(x)).asnumpy()
    assert set(np.unique(out)) <= {0.0, 2.0}
    assert 0.4 < (out == 0).mean() < 0.6
    with autograd.record():
        out = nn.Dropout(0.5, axes=(1,))(nd.array(x)).asnumpy()
    # axes=(1,) shares the mask along axis 1: each row is all zeros or all twos
    assert np.all((out == out[:, :1]))


@pytest.mark.parametrize("hybridize", [False, True])
def test_batchnorm_train_updates_running_stats(hybridize):
    x = (RNG.randn(8, 3, 2, 2) * 2 + 1).astype(np.float32)
    layer = nn.BatchNorm(momentum=0.9, epsilon=1e-5)
    layer.initialize()
    if hybridize:
        layer.hybridize()
    gamma = np.array([1.0, 2.0, 0.5], np.float32)
    beta = np.array([0.0, -1.0, 3.0], np.float32)
    layer(nd.array(x))  # deferred init (predict mode: stats untouched)
    np.testing.assert_array_equal(layer.running_mean.data().asnumpy(), np.zeros(3))
    layer.gamma.set_data(nd.array(gamma))
    layer.beta.set_data(nd.array(beta))
    with autograd.record():
        out = layer(nd.array(x)).asnumpy()
    mean = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))
    ref = (x - mean.reshape(1, 3, 1, 1)) / np.sqrt(var.reshape(1, 3, 1, 1) + 1e-5)
    ref = ref * gamma.reshape(1, 3, 1, 1) + beta.reshape(1, 3, 1, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(layer.running_mean.data().asnumpy(), 0.1 * mean, rtol=1e-4,
                               atol=1e-5)
    rv = layer.running_var.data().asnumpy()
    assert np.all(np.abs(rv - 1.0) > 1e-3)  # moved away from the initial ones
    # predict mode uses the running statistics
    out = layer(nd.array(x)).asnumpy()
    rm = layer.running_mean.data().asnumpy()
    ref = (x - rm.reshape(1, 3, 1, 1)) / np.sqrt(rv.reshape(1, 3, 1, 1) + 1e-5)
    ref = ref * gamma.reshape(1, 3, 1, 1) + beta.reshape(1, 3, 1, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-4)
    assert layer.running_mean.grad_req == "null"


def test_embedding():
    idx = np.array([[0, 2], [3, 1]], np.float32)
    layer = nn.Embedding(5, 3)
    out = _run(layer, idx)
    table = layer.weight.data().asnumpy()
    np.testing.assert_allclose(out, table[idx.astype(int)], rtol=1e-6)
    with autograd.record():
        y = layer(nd.array(idx)).sum()
    y.backward()
    counts = np.bincount(idx.astype(int).ravel(), minlength=5).astype(np.float32)
    np.testing.assert_allclose(layer.weight.grad().asnumpy(), np.repeat(counts[:, None], 3, 1))
