"""The model zoo against real MXNet 1.9.1: parameter names and shapes of every model (listing
written by tests/data/make_model_zoo.py), and for small models MXNet-written parameters that must
reproduce MXNet's outputs."""
import json
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon.model_zoo import vision, model_store

DATA = os.path.join(os.path.dirname(__file__), "..", "data")
FIXTURES = os.path.join(DATA, "model_zoo")

with open(os.path.join(DATA, "model_zoo_params.json")) as _f:
    LISTING = json.load(_f)


def fixed_input(shape, seed=0):
    # Same as tests/data/make_model_zoo.py (the legacy RandomState stream is stable).
    return np.random.RandomState(seed).uniform(-1, 1, size=shape).astype(np.float32)


def build(name, **kwargs):
    with mx.name.NameManager():
        return vision.get_model(name, **kwargs)


def test_every_mxnet_model_is_listed_and_constructible():
    assert sorted(vision._models) == sorted(LISTING)


@pytest.mark.parametrize("name", sorted(LISTING))
def test_parameter_names_and_shapes_match_mxnet(name):
    expected = LISTING[name]
    net = build(name)
    assert net.prefix == expected["prefix"]
    size = expected["input_size"]
    net.infer_shape(mx.nd.zeros((1, 3, size, size)))
    structural = {id(p): key for key, p in net._collect_params_with_prefix().items()}
    found = [[structural[id(p)], p.name, list(p.shape)] for p in net.collect_params().values()]
    assert found == expected["params"]


def _outputs(name):
    return mx.nd.load(os.path.join(FIXTURES, name + "-outputs.nd"))


GPU = pytest.param(mx.gpu(0), id="gpu", marks=[pytest.mark.gpu, pytest.mark.skipif(
    mx.num_gpus() == 0, reason="no GPU with CuPy on this machine")])


@pytest.mark.parametrize("ctx", [pytest.param(mx.cpu(), id="cpu"), GPU])
@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name,shape", [("squeezenet1.1", (1, 3, 224, 224)),
                                        ("mobilenet0.25", (2, 3, 64, 64))])
def test_mxnet_parameters_reproduce_mxnet_outputs(name, shape, hybridize, ctx):
    net = build(name, classes=10)
    net.load_parameters(os.path.join(FIXTURES, name + ".params"), ctx=ctx)
    if hybridize:
        net.hybridize()
    x = mx.nd.array(fixed_input(shape), ctx=ctx)
    expected = _outputs(name)
    np.testing.assert_allclose(net(x).asnumpy(), expected["predict"].asnumpy(),
                               rtol=1e-4, atol=1e-4)
    if "train" in expected:
        with mx.autograd.record(train_mode=True):
            out = net(x)
        np.testing.assert_allclose(out.asnumpy(), expected["train"].asnumpy(),
                                   rtol=1e-4, atol=1e-4)


def test_mxnet_export_loads_as_symbol_block_and_into_the_zoo_model():
    name = "mobilenetv2_0.25"
    prefix = os.path.join(FIXTURES, name)
    x = mx.nd.array(fixed_input((2, 3, 64, 64)))
    expected = _outputs(name)
    block = mx.gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], prefix + "-0000.params")
    np.testing.assert_allclose(block(x).asnumpy(), expected["predict"].asnumpy(),
                               rtol=1e-4, atol=1e-4)
    # The exported file holds full names (arg:/aux:): a zoo model with the same prefix loads it
    # through collect_params().load (load_parameters adds the prefix again and fails, as MXNet).
    net = build(name, classes=10)
    with pytest.raises(MXNetError):
        net.load_parameters(prefix + "-0000.params")
    net.collect_params().load(prefix + "-0000.params")
    np.testing.assert_allclose(net(x).asnumpy(), expected["predict"].asnumpy(),
                               rtol=1e-4, atol=1e-4)
    with mx.autograd.record(train_mode=True):
        out = net(x)
    np.testing.assert_allclose(out.asnumpy(), expected["train"].asnumpy(), rtol=1e-4, atol=1e-4)


def test_params_of_another_architecture_fail_whole_naming_file_and_parameter():
    net = build("mobilenet0.25", classes=10)
    net.initialize()
    net(mx.nd.zeros((1, 3, 32, 32)))
    before = {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}
    path = os.path.join(FIXTURES, "squeezenet1.1.params")
    with pytest.raises(MXNetError) as info:
        net.load_parameters(path)
    assert "squeezenet1.1.params" in str(info.value)
    for key, param in net.collect_params().items():
        np.testing.assert_array_equal(param.data().asnumpy(), before[key])


def test_unknown_model_name_lists_the_available_ones():
    with pytest.raises(ValueError) as info:
        vision.get_model("resnet19_v1")
    assert "resnet18_v1" in str(info.value) and isinstance(info.value, MXNetError)


def test_pretrained_missing_file_says_which_file_to_put_where(tmp_path, monkeypatch):
    # A repository URL that cannot answer, so the test never touches the network.
    monkeypatch.setenv("MXNET_GLUON_REPO", (tmp_path / "no-repo").as_uri() + "/")
    root = tmp_path / "models"
    with pytest.raises(MXNetError) as info:
        vision.resnet18_v1(pretrained=True, root=str(root))
    message = str(info.value)
    assert "resnet18_v1-a0666292.params" in message and str(root) in message


def test_mxnet_home_sets_the_default_root(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_HOME", str(tmp_path))
    monkeypatch.setenv("MXNET_GLUON_REPO", (tmp_path / "no-repo").as_uri() + "/")
    with pytest.raises(MXNetError) as info:
        vision.get_model("squeezenet1.1", pretrained=True)
    assert os.path.join(str(tmp_path), "models") in str(info.value)


def test_pretrained_file_is_used_only_when_its_sha1_matches(tmp_path, monkeypatch):
    import hashlib
    source = os.path.join(FIXTURES, "squeezenet1.1.params")
    with open(source, "rb") as f:
        payload = f.read()
    sha1 = hashlib.sha1(payload).hexdigest()
    # Publish the fixture as the "pretrained" squeezenet1.1 with 10 classes.
    monkeypatch.setitem(model_store._model_sha1, "squeezenet1.1", sha1)
    monkeypatch.setenv("MXNET_GLUON_REPO", (tmp_path / "no-repo").as_uri() + "/")
    target = tmp_path / ("squeezenet1.1-%s.params" % sha1[:8])
    target.write_bytes(payload)
    net = vision.squeezenet1_1(pretrained=True, root=str(tmp_path), classes=10)
    x = mx.nd.array(fixed_input((1, 3, 224, 224)))
    np.testing.assert_allclose(net(x).asnumpy(), _outputs("squeezenet1.1")["predict"].asnumpy(),
                               rtol=1e-4, atol=1e-4)
    assert model_store.get_model_file("squeezenet1.1", root=str(tmp_path)) == str(target)
    target.write_bytes(payload[:-4] + b"\0\0\0\0")   # same size, other content
    with pytest.raises(MXNetError) as info:
        model_store.get_model_file("squeezenet1.1", root=str(tmp_path))
    assert "SHA-1" in str(info.value)


def test_short_hash_and_purge(tmp_path):
    assert model_store.short_hash("mobilenet0.25") == "9f83e440"
    with pytest.raises(ValueError):
        model_store.short_hash("nonet")
    (tmp_path / "a.params").write_bytes(b"x")
    (tmp_path / "keep.txt").write_bytes(b"x")
    model_store.purge(str(tmp_path))
    assert sorted(os.listdir(tmp_path)) == ["keep.txt"]


def test_constructors_take_mxnet_arguments():
    net = vision.resnet18_v1(classes=7, thumbnail=True)
    net.initialize()
    assert net(mx.nd.ones((1, 3, 32, 32))).shape == (1, 7)
    net = vision.get_resnet(2, 18, classes=3)
    assert isinstance(net, vision.ResNetV2)
    assert isinstance(vision.vgg11_bn().features[1], mx.gluon.nn.BatchNorm)
    assert vision.get_mobilenet(0.5).features[0]._channels == 16


def _mxnet_graph(name):
    import gzip
    with gzip.open(os.path.join(FIXTURES, "symbols", name + "-symbol.json.gz"), "rt") as f:
        return mx.sym.load_json(f.read())


@pytest.mark.parametrize("name", sorted(LISTING))
def test_mxnet_exported_graph_of_every_model_imports_with_the_same_parameters(name):
    block = mx.gluon.SymbolBlock(_mxnet_graph(name), mx.sym.var("data"))
    expected = {full: tuple(shape) for _, full, shape in LISTING[name]["params"]}
    assert set(block.collect_params().keys()) == set(expected)
    size = LISTING[name]["input_size"]
    block.infer_shape(mx.nd.zeros((1, 3, size, size)))
    assert {k: p.shape for k, p in block.collect_params().items()} == expected


@pytest.mark.parametrize("name,size", [
    ("resnet18_v1", 32), ("mobilenetv2_0.5", 32), ("squeezenet1.0", 224),
    pytest.param("resnet50_v2", 32, marks=pytest.mark.slow),
    pytest.param("densenet121", 224, marks=pytest.mark.slow)])
def test_mxnet_exported_graph_computes_what_the_zoo_model_computes(name, size):
    net = build(name)
    net.initialize(mx.init.Xavier())
    x = mx.nd.array(fixed_input((1, 3, size, size)))
    expected = net(x).asnumpy()
    block = mx.gluon.SymbolBlock(_mxnet_graph(name), mx.sym.var("data"))
    block.infer_shape(x)
    block.initialize()
    mine = net.collect_params()
    for key, param in block.collect_params().items():
        param.set_data(mine[key].data())
    np.testing.assert_allclose(block(x).asnumpy(), expected, rtol=1e-4, atol=1e-5)
