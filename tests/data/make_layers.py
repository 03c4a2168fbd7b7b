"""Writes layers.npz and layers_net.params: gluon layers of MXNet 1.9.1 with their parameter
names, shapes and values, a fixed input and the output (in predict mode, and for the batch
normalisations also in training mode with the parameters after a forward and backward step); and one
HybridSequential of several layers saved with save_parameters, and one exported (symbol JSON and
params) for SymbolBlock.imports.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_layers.py
The layer list (LAYERS) is repeated by name in tests/gluon/test_layers_mxnet.py.
"""
import json
import os

import mxnet as mx
import numpy as np
from mxnet.gluon import nn
from mxnet.gluon.contrib import nn as cnn

HERE = os.path.dirname(os.path.abspath(__file__))

# key: (module ("nn" or "contrib.nn"), class, constructor kwargs, input shape, also training mode)
LAYERS = {
    "conv1d": ("nn", "Conv1D", {"channels": 3, "kernel_size": 3, "strides": 2, "padding": 1}, (2, 2, 7), False),
    "conv2d_group": ("nn", "Conv2D", {"channels": 4, "kernel_size": (3, 2), "groups": 2, "dilation": (1, 2),
                                      "activation": "relu"}, (1, 2, 5, 6), False),
    "conv3d": ("nn", "Conv3D", {"channels": 2, "kernel_size": 2, "use_bias": False}, (1, 2, 3, 3, 3), False),
    "conv1d_transpose": ("nn", "Conv1DTranspose", {"channels": 3, "kernel_size": 3, "strides": 2,
                                                   "output_padding": 1}, (2, 2, 4), False),
    "conv2d_transpose": ("nn", "Conv2DTranspose", {"channels": 4, "kernel_size": 3, "strides": 2,
                                                   "padding": 1, "groups": 2,
                                                   "in_channels": 2}, (1, 2, 3, 3), False),
    "conv3d_transpose": ("nn", "Conv3DTranspose", {"channels": 2, "kernel_size": 2, "strides": (1, 2, 1),
                                                   "use_bias": False}, (1, 2, 2, 2, 2), False),
    "maxpool1d": ("nn", "MaxPool1D", {"pool_size": 3, "strides": 2, "ceil_mode": True}, (2, 2, 8), False),
    "maxpool3d": ("nn", "MaxPool3D", {"pool_size": 2, "padding": 1}, (1, 1, 3, 4, 3), False),
    "avgpool1d": ("nn", "AvgPool1D", {"pool_size": 3, "padding": 1, "count_include_pad": False}, (1, 2, 6), False),
    "avgpool2d": ("nn", "AvgPool2D", {"pool_size": 3, "strides": 2, "padding": 1, "ceil_mode": True}, (1, 2, 6, 5), False),
    "avgpool3d": ("nn", "AvgPool3D", {"pool_size": (2, 1, 2)}, (1, 1, 4, 3, 4), False),
    "globalmax1d": ("nn", "GlobalMaxPool1D", {}, (2, 3, 5), False),
    "globalavg2d": ("nn", "GlobalAvgPool2D", {}, (2, 3, 4, 5), False),
    "globalavg3d": ("nn", "GlobalAvgPool3D", {}, (1, 2, 2, 3, 2), False),
    "layernorm": ("nn", "LayerNorm", {}, (2, 3, 4), False),
    "layernorm_axis1": ("nn", "LayerNorm", {"axis": 1, "epsilon": 1e-3, "center": False}, (2, 3, 4), False),
    "instancenorm": ("nn", "InstanceNorm", {"scale": True}, (2, 3, 4, 2), False),
    "instancenorm_axis2": ("nn", "InstanceNorm", {"axis": 2}, (2, 3, 4), False),
    "groupnorm": ("nn", "GroupNorm", {"num_groups": 2}, (2, 4, 3, 2), False),
    "batchnorm": ("nn", "BatchNorm", {"momentum": 0.8, "epsilon": 1e-3}, (4, 3, 2, 2), True),
    "batchnorm_axis_noscale": ("nn", "BatchNorm", {"axis": -1, "scale": False, "center": False}, (4, 2, 3), True),
    "batchnorm_global": ("nn", "BatchNorm", {"use_global_stats": True}, (4, 3), True),
    "batchnormrelu": ("nn", "BatchNormReLU", {}, (4, 3, 2, 2), True),
    "syncbatchnorm": ("contrib.nn", "SyncBatchNorm", {"num_devices": 1}, (4, 3, 2, 2), True),
    "prelu": ("nn", "PReLU", {}, (2, 3), False),
    "prelu_channels": ("nn", "PReLU", {"in_channels": 3}, (2, 3, 2), False),
    "elu": ("nn", "ELU", {"alpha": 0.7}, (2, 5), False),
    "selu": ("nn", "SELU", {}, (2, 5), False),
    "swish": ("nn", "Swish", {"beta": 1.5}, (2, 5), False),
    "gelu": ("nn", "GELU", {}, (2, 5), False),
    "leakyrelu": ("nn", "LeakyReLU", {"alpha": 0.1}, (2, 5), False),
    "reflectionpad2d": ("nn", "ReflectionPad2D", {"padding": 2}, (1, 2, 3, 4), False),
    "pixelshuffle1d": ("contrib.nn", "PixelShuffle1D", {"factor": 2}, (1, 4, 3), False),
    "pixelshuffle2d": ("contrib.nn", "PixelShuffle2D", {"factor": (2, 3)}, (1, 12, 2, 2), False),
    "pixelshuffle3d": ("contrib.nn", "PixelShuffle3D", {"factor": 2}, (1, 8, 1, 2, 1), False),
    # channel-last pooling (MXNet 1.9.1's CPU convolutions fail on channel-last data, so mxnb's
    # are checked against its channel-first ones in tests/ops/test_nn_deconv_pool.py)
    "maxpool2d_nhwc": ("nn", "MaxPool2D", {"layout": "NHWC"}, (1, 4, 4, 2), False),
    "avgpool1d_nwc": ("nn", "AvgPool1D", {"pool_size": 3, "padding": 1, "layout": "NWC"}, (1, 6, 2), False),
    "avgpool3d_ndhwc": ("nn", "AvgPool3D", {"layout": "NDHWC"}, (1, 4, 4, 4, 2), False),
    "globalavg2d_nhwc": ("nn", "GlobalAvgPool2D", {"layout": "NHWC"}, (1, 3, 3, 2), False),
    "globalmax1d_nwc": ("nn", "GlobalMaxPool1D", {"layout": "NWC"}, (2, 3, 2), False),
}


def _cls(module, name):
    return getattr(nn if module == "nn" else cnn, name)


def main():
    rng = np.random.RandomState(7)
    out = {}
    for key, (module, name, kwargs, shape, train) in LAYERS.items():
        no_prefix = name.startswith("PixelShuffle")
        layer = _cls(module, name)(**kwargs) if no_prefix else _cls(module, name)(prefix=key + "_", **kwargs)
        layer.initialize()
        x = mx.nd.array(rng.uniform(-1, 1, shape))
        layer(x)                                       # finishes deferred initialisation
        params = layer.collect_params()
        for pname, p in params.items():
            value = rng.uniform(0.5, 1.5, p.shape) if "var" in pname else rng.uniform(-1, 1, p.shape)
            p.set_data(mx.nd.array(value))
            out["%s/param/%s" % (key, pname)] = value.astype(np.float32)
        out["%s/input" % key] = x.asnumpy()
        out["%s/output" % key] = layer(x).asnumpy()
        if train:
            x.attach_grad()   # a graph to differentiate even when no parameter learns
            with mx.autograd.record():
                y = layer(x)
            # MXNet 1.9.1 updates the running statistics in the backward pass (mxnb in the
            # forward): after a whole training step they agree.
            y.backward()
            out["%s/train_output" % key] = y.asnumpy()
            for pname, p in params.items():
                out["%s/after/%s" % (key, pname)] = p.data().asnumpy()
        out["%s/spec" % key] = np.array(json.dumps(
            {"module": module, "class": name, "kwargs": kwargs, "params": list(params.keys()),
             "shapes": [list(p.shape) for p in params.values()]}))
    np.savez_compressed(os.path.join(HERE, "layers.npz"), **out)

    # one network saved by MXNet's save_parameters, loaded by mxnb in the tests
    mx.random.seed(3)
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Conv2D(4, 3, padding=1), nn.BatchNorm(), nn.PReLU(), nn.Conv2DTranspose(3, 2, strides=2),
                nn.InstanceNorm(scale=True), nn.GroupNorm(num_groups=3), nn.MaxPool2D(),
                nn.LayerNorm(), nn.GlobalAvgPool2D(), nn.Dense(5))
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(rng.uniform(-1, 1, (2, 2, 4, 4)))
    net(x)
    for p in net.collect_params().values():          # non-trivial norm parameters
        p.set_data(p.data() + mx.nd.array(rng.uniform(0, 0.5, p.shape)))
    net.save_parameters(os.path.join(HERE, "layers_net.params"))
    np.savez_compressed(os.path.join(HERE, "layers_net.npz"), input=x.asnumpy(), output=net(x).asnumpy(),
                        names=np.array(json.dumps(list(net.collect_params().keys()))))

    # a hybridized network exported by MXNet (symbol JSON + params), imported by SymbolBlock
    mx.random.seed(4)
    net = nn.HybridSequential(prefix="exported_")
    with net.name_scope():
        net.add(nn.ReflectionPad2D(1), nn.Conv2D(4, 3), nn.GroupNorm(num_groups=2), nn.ELU(),
                nn.Conv2DTranspose(4, 3, strides=2, padding=1, output_padding=1), nn.PReLU(),
                nn.InstanceNorm(scale=True), nn.Swish(), nn.AvgPool2D(3, 2, 1, count_include_pad=False),
                nn.LayerNorm(axis=1), nn.GELU(), nn.BatchNorm(), nn.SELU(), nn.GlobalMaxPool2D(),
                nn.Flatten(), nn.Dense(3))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.array(rng.uniform(-1, 1, (2, 3, 5, 5)))
    net(x)
    for p in net.collect_params().values():
        p.set_data(p.data() + mx.nd.array(rng.uniform(0, 0.5, p.shape)))
    net.export(os.path.join(HERE, "layers_exported"))
    np.savez_compressed(os.path.join(HERE, "layers_exported.npz"), input=x.asnumpy(), output=net(x).asnumpy())
    print("wrote layers.npz (%d layers), layers_net.params, layers_exported-*" % len(LAYERS))


if __name__ == "__main__":
    main()
