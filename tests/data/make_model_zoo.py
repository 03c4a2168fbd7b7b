"""Writes the model-zoo fixtures with real MXNet 1.9.1 (run with /work/peers/mxnet/bin/python).

    /work/peers/mxnet/bin/python tests/data/make_model_zoo.py

1. tests/data/model_zoo_params.json: for every model of `gluon.model_zoo.vision`, built by
   `get_model(name)` in a fresh NameManager, initialised and run once on an input of `input_size`:
   each parameter's structural name (what save_parameters writes), full name (what export and
   collect_params use) and shape, in collect_params order.
2. tests/data/model_zoo/: for small models, parameters written by MXNet (random values from a
   fixed seed) and MXNet's outputs on a fixed input that the test regenerates with
   `fixed_input(shape)` below (NumPy's legacy RandomState is stable across versions):
   - `<name>.params` (save_parameters) and `<name>-outputs.nd` {'predict', 'train'}
   - mobilenetv2_0.25 exported (`export`): `<name>-symbol.json` and `<name>-0000.params`.
3. tests/data/model_zoo/symbols/<name>-symbol.json.gz: every model's graph as MXNet's `export`
   writes it (hybridized, run once), gzipped.
"""
import gzip
import json
import os
import sys

import mxnet as mx
import numpy as np
from mxnet.gluon.model_zoo import vision

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "model_zoo")

# Models and the input size their fixed pooling layers need.
INPUT_SIZE = {"inceptionv3": 299}
# Small models written as fixtures: name -> (classes, input shape, how it is saved).
SMALL = {"squeezenet1.1": (10, (1, 3, 224, 224), "save_parameters"),
         "mobilenet0.25": (10, (2, 3, 64, 64), "save_parameters"),
         "mobilenetv2_0.25": (10, (2, 3, 64, 64), "export")}


def fixed_input(shape, seed=0):
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype(np.float32)


def randomize(net, seed=1):
    """Every parameter from a fixed seed, BatchNorm statistics included, so outputs are O(1)."""
    rng = np.random.RandomState(seed)
    for name, param in sorted(net.collect_params().items()):
        shape = param.shape
        if name.endswith(("gamma", "running_var")):
            value = rng.uniform(0.5, 1.5, size=shape)
        elif name.endswith(("beta", "running_mean", "bias")):
            value = rng.normal(0, 0.1, size=shape)
        else:
            fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            value = rng.normal(0, np.sqrt(2.0 / fan_in), size=shape)
        param.set_data(mx.nd.array(value.astype(np.float32)))


def listing():
    os.makedirs(os.path.join(FIXTURES, "symbols"), exist_ok=True)
    out = {}
    for name in sorted(MODEL_NAMES):
        with mx.name.NameManager():
            net = vision.get_model(name)
        net.initialize()
        net.hybridize()
        size = INPUT_SIZE.get(name, 224)
        net(mx.nd.zeros((1, 3, size, size)))
        symbol_json = net._cached_graph[1].tojson()
        with gzip.GzipFile(os.path.join(FIXTURES, "symbols", name + "-symbol.json.gz"), "wb",
                           mtime=0) as f:
            f.write(symbol_json.encode())
        structural = net._collect_params_with_prefix()
        by_param = {id(p): key for key, p in structural.items()}
        out[name] = {"prefix": net.prefix, "input_size": size,
                     "params": [[by_param[id(p)], p.name, list(p.shape)]
                                for p in net.collect_params().values()]}
        print(name, len(out[name]["params"]), file=sys.stderr)
    with open(os.path.join(HERE, "model_zoo_params.json"), "w") as f:
        f.write("{\n")
        f.write(",\n".join("%s: %s" % (json.dumps(k), json.dumps(v, separators=(",", ":")))
                           for k, v in out.items()))
        f.write("\n}\n")


def small_models():
    os.makedirs(FIXTURES, exist_ok=True)
    for name, (classes, shape, how) in SMALL.items():
        with mx.name.NameManager():
            net = vision.get_model(name, classes=classes)
        net.initialize()
        x = mx.nd.array(fixed_input(shape))
        net(x)
        randomize(net)
        predict = net(x)
        if how == "export":
            net.hybridize()
            predict = net(x)
            net.export(os.path.join(FIXTURES, name))
        else:
            net.save_parameters(os.path.join(FIXTURES, name + ".params"))
        outputs = {"predict": predict}
        if "mobilenet" in name:          # no dropout: training mode is deterministic
            with mx.autograd.record(train_mode=True):
                outputs["train"] = net(x)
        mx.nd.save(os.path.join(FIXTURES, name + "-outputs.nd"), outputs)
        print(name, predict.shape, float(predict.abs().mean().asscalar()), file=sys.stderr)


MODEL_NAMES = [
    "resnet18_v1", "resnet34_v1", "resnet50_v1", "resnet101_v1", "resnet152_v1",
    "resnet18_v2", "resnet34_v2", "resnet50_v2", "resnet101_v2", "resnet152_v2",
    "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn", "vgg19_bn",
    "alexnet", "densenet121", "densenet161", "densenet169", "densenet201",
    "squeezenet1.0", "squeezenet1.1", "inceptionv3",
    "mobilenet1.0", "mobilenet0.75", "mobilenet0.5", "mobilenet0.25",
    "mobilenetv2_1.0", "mobilenetv2_0.75", "mobilenetv2_0.5", "mobilenetv2_0.25"]

if __name__ == "__main__":
    small_models()
    listing()
