"""The layers of this change in use: deferred shapes, errors that name the layer, export to
MXNet's symbol format and back, and a few training steps through every new layer."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon
from mxnb.gluon import nn


def test_transposed_convolution_infers_its_input_channels():
    layer = nn.Conv2DTranspose(6, kernel_size=(3, 2), strides=(2, 1), padding=(1, 0),
                               output_padding=(1, 0), groups=3)
    layer.initialize()
    y = layer(nd.ones((2, 3, 4, 5)))
    assert layer.weight.shape == (3, 2, 3, 2)          # (in, out / groups, *kernel), as MXNet
    assert y.shape == (2, 6, 8, 6)
    assert repr(layer).startswith("Conv2DTranspose(3 -> 6, kernel_size=(3, 2), stride=(2, 1)")


def test_layer_arguments_are_checked_with_the_layer_named():
    with pytest.raises(mx.MXNetError, match="Conv2DTranspose"):
        nn.Conv2DTranspose(2, 3, layout="NCW")
    with pytest.raises(mx.MXNetError, match="output_padding"):
        nn.Conv1DTranspose(2, 3, output_padding=(1, 1))
    with pytest.raises(mx.MXNetError, match="ReflectionPad2D"):
        nn.ReflectionPad2D((1, 1))
    with pytest.raises(mx.MXNetError, match="PixelShuffle2D"):
        mx.gluon.contrib.nn.PixelShuffle2D((2, 2, 2))
    with pytest.raises(mx.MXNetError, match="GroupNorm"):
        layer = nn.GroupNorm(num_groups=3)
        layer.initialize()
        layer(nd.ones((1, 4, 2, 2)))


def _net():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1), nn.GroupNorm(num_groups=2), nn.PReLU(),
                nn.Conv2DTranspose(4, 2, strides=2), nn.InstanceNorm(scale=True), nn.ELU(),
                nn.ReflectionPad2D(1), nn.MaxPool2D(2), nn.LayerNorm(axis=1), nn.Swish(),
                nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(3), nn.GELU())
    return net


def test_export_writes_mxnet_operators_and_imports_back(tmp_path):
    net = _net()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3, 6, 6)))
    expected = net(x).asnumpy()
    prefix = str(tmp_path / "model")
    net.export(prefix, epoch=3)
    text = open(prefix + "-symbol.json").read()
    for op in ("Deconvolution", "GroupNorm", "InstanceNorm", "LayerNorm", '"Pad"', "LeakyReLU"):
        assert op in text, op
    back = gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], prefix + "-0003.params")
    np.testing.assert_allclose(back(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_a_few_training_steps_through_every_new_layer_reduce_the_loss():
    mx.random.seed(4)
    rng = np.random.RandomState(1)
    x = nd.array(rng.uniform(-1, 1, (8, 3, 6, 6)))
    y = nd.array(rng.randint(0, 3, 8))
    net = _net()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "adam", {"learning_rate": 0.02})
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    for _ in range(25):
        with autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(8)
        losses.append(loss.mean().asscalar())
    assert losses[-1] < 0.5 * losses[0], losses
    # every learned parameter received a gradient
    for name, p in net.collect_params().items():
        if p.grad_req != "null":
            assert np.abs(p.grad().asnumpy()).sum() > 0, name


def test_instance_norm_on_another_axis_and_batchnorm_relu():
    layer = nn.InstanceNorm(axis=2, in_channels=4)
    layer.initialize()
    x = nd.array(np.random.RandomState(2).uniform(size=(2, 3, 4)))
    moved = x.asnumpy().swapaxes(1, 2)
    normed = (moved - moved.mean(-1, keepdims=True)) / np.sqrt(moved.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(layer(x).asnumpy(), normed.swapaxes(1, 2), rtol=1e-4, atol=1e-5)
    bnr = nn.BatchNormReLU(in_channels=3)
    bnr.initialize()
    assert (bnr(nd.array(np.random.RandomState(3).uniform(-1, 1, (4, 3)))).asnumpy() >= 0).all()
