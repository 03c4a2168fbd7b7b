"""gluon.nn and gluon.contrib.nn layers against real MXNet 1.9.1 (tests/data/layers.npz and
layers_net.params, written by tests/data/make_layers.py): the same constructor arguments give the
same parameter names and shapes, and the same parameter values give the same outputs (predict
mode, and training mode with the running statistics after a forward and backward step); a network saved by MXNet's save_parameters
loads into the same mxnb network and reproduces its output."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.gluon import nn

DATA = pathlib.Path(__file__).parent.parent / "data"
_LAYERS = np.load(DATA / "layers.npz")
_KEYS = sorted({k.split("/")[0] for k in _LAYERS.files})


def _spec(key):
    return json.loads(str(_LAYERS["%s/spec" % key]))


def _build(key):
    spec = _spec(key)
    module = nn if spec["module"] == "nn" else mx.gluon.contrib.nn
    cls = getattr(module, spec["class"])
    kwargs = {k: tuple(v) if isinstance(v, list) else v for k, v in spec["kwargs"].items()}
    if spec["class"].startswith("PixelShuffle"):
        return cls(**kwargs)
    return cls(prefix=key + "_", **kwargs)


@pytest.mark.parametrize("key", _KEYS)
@pytest.mark.parametrize("hybridize", [False, True])
def test_layer_matches_mxnet(key, hybridize):
    spec = _spec(key)
    layer = _build(key)
    layer.initialize()
    if hybridize:
        layer.hybridize()
    x = nd.array(_LAYERS["%s/input" % key])
    layer(x)
    params = layer.collect_params()
    assert list(params.keys()) == spec["params"]
    assert [list(p.shape) for p in params.values()] == spec["shapes"]
    for name, p in params.items():
        p.set_data(nd.array(_LAYERS["%s/param/%s" % (key, name)]))
    np.testing.assert_allclose(layer(x).asnumpy(), _LAYERS["%s/output" % key], rtol=1e-4, atol=1e-5)
    if "%s/train_output" % key in _LAYERS.files:
        x.attach_grad()   # a graph to differentiate even when no parameter learns
        with autograd.record():
            y = layer(x)
        y.backward()
        np.testing.assert_allclose(y.asnumpy(), _LAYERS["%s/train_output" % key], rtol=1e-4, atol=1e-5)
        for name, p in params.items():
            if key == "batchnormrelu" and "running" in name:
                # MXNet 1.9.1's fused BatchNormWithReLU never updates its running statistics;
                # mxnb's BatchNormReLU updates them as BatchNorm does.
                continue
            np.testing.assert_allclose(p.data().asnumpy(), _LAYERS["%s/after/%s" % (key, name)],
                                       rtol=1e-4, atol=1e-5, err_msg=name)


def _net():
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1), nn.BatchNorm(), nn.PReLU(),
                nn.Conv2DTranspose(3, 2, strides=2), nn.InstanceNorm(scale=True),
                nn.GroupNorm(num_groups=3), nn.MaxPool2D(), nn.LayerNorm(), nn.GlobalAvgPool2D(),
                nn.Dense(5))
    return net


@pytest.mark.parametrize("hybridize", [False, True])
def test_parameters_saved_by_mxnet_load_and_reproduce_outputs(hybridize):
    ref = np.load(DATA / "layers_net.npz")
    net = _net()
    net.load_parameters(str(DATA / "layers_net.params"))
    if hybridize:
        net.hybridize()
    assert list(net.collect_params().keys()) == json.loads(str(ref["names"]))
    np.testing.assert_allclose(net(nd.array(ref["input"])).asnumpy(), ref["output"], rtol=1e-4, atol=1e-5)


def test_parameters_of_another_architecture_are_refused_and_nothing_is_loaded():
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1), nn.BatchNorm(), nn.PReLU(), nn.Conv2DTranspose(5, 2))
    net.initialize()
    net(nd.ones((1, 2, 4, 4)))
    before = {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}
    with pytest.raises(mx.MXNetError):
        net.load_parameters(str(DATA / "layers_net.params"), allow_missing=True, ignore_extra=True)
    for k, p in net.collect_params().items():
        np.testing.assert_array_equal(p.data().asnumpy(), before[k])


def test_network_exported_by_mxnet_imports_and_reproduces_outputs():
    """Symbol JSON written by MXNet's export (Pad, Deconvolution, GroupNorm, InstanceNorm,
    LayerNorm, LeakyReLU variants, BatchNorm, pooling) runs in mxnb's SymbolBlock."""
    ref = np.load(DATA / "layers_exported.npz")
    block = mx.gluon.SymbolBlock.imports(str(DATA / "layers_exported-symbol.json"), ["data"],
                                         str(DATA / "layers_exported-0000.params"))
    np.testing.assert_allclose(block(nd.array(ref["input"])).asnumpy(), ref["output"],
                               rtol=1e-4, atol=1e-5)
