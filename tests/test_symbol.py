"""Symbol: composition, naming, inference, JSON (incl. files written by MXNet 1.9.1)."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym

DATA = pathlib.Path(__file__).parent / "data"


def mlp(num_classes=10):
    data = sym.var("data")
    fc1 = sym.FullyConnected(data, num_hidden=128, name="fc1")
    act1 = sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = sym.FullyConnected(act1, num_hidden=64, name="fc2")
    act2 = sym.Activation(fc2, act_type="relu", name="relu2")
    fc3 = sym.FullyConnected(act2, num_hidden=num_classes, name="fc3")
    return sym.SoftmaxOutput(fc3, name="softmax")


def test_introduction_symbol_arguments_and_shapes():
    a, b = sym.var("A"), sym.var("B")
    d = (a + b) / 10 + 1
    assert d.list_arguments() == ["A", "B"]
    assert d.infer_shape(A=(10,), B=(10,)) == ([(10,), (10,)], [(10,)], [])


def test_automatic_names_and_scopes():
    with mx.name.NameManager():
        x = sym.var("x")
        assert sym.FullyConnected(x, num_hidden=3).name == "fullyconnected0"
        assert sym.FullyConnected(x, num_hidden=3).name == "fullyconnected1"
        assert (x + 1).name == "_plusscalar0"
        assert (x + x).name == "_plus0"
        assert sym.FullyConnected(x, num_hidden=3, name="fc").list_arguments() == ["x", "fc_weight", "fc_bias"]
    with mx.name.Prefix("mlp_") as prefix:
        assert mx.name.NameManager.current is prefix      # read on the class, as in MXNet
        fc = sym.FullyConnected(sym.var("x"), num_hidden=3, name="fc")
    assert fc.name == "mlp_fc"
    with mx.AttrScope(ctx_group="dev1"):
        y = sym.var("y")
    assert y.attr("ctx_group") == "dev1"


def test_mlp_lists_and_internals():
    net = mlp()
    assert net.list_arguments() == ["data", "fc1_weight", "fc1_bias", "fc2_weight", "fc2_bias",
                                    "fc3_weight", "fc3_bias", "softmax_label"]
    assert net.list_outputs() == ["softmax_output"]
    internals = net.get_internals()
    assert "fc1_output" in internals.list_outputs()
    fc1 = internals["fc1_output"]
    assert fc1.list_arguments() == ["data", "fc1_weight", "fc1_bias"]
    group = sym.Group([fc1, net])
    assert group.list_outputs() == ["fc1_output", "softmax_output"]
    assert len(group) == 2 and group[1].name == "softmax"


def test_infer_shape_both_directions_and_partial():
    net = mlp()
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=(32, 784))
    shapes = dict(zip(net.list_arguments(), arg_shapes))
    assert shapes["fc1_weight"] == (128, 784) and shapes["fc3_bias"] == (10,)
    assert shapes["softmax_label"] == (32,)
    assert out_shapes == [(32, 10)] and aux_shapes == []
    assert net.infer_shape() == (None, None, None)
    partial = net.infer_shape_partial(fc1_weight=(128, 784))
    assert dict(zip(net.list_arguments(), partial[0]))["data"] == ()
    arg_types, out_types, _ = net.infer_type(data="float32")
    assert out_types == [np.float32] and all(t == np.float32 for t in arg_types)


def test_shape_mismatch_names_the_node():
    data = sym.var("data")
    fc = sym.FullyConnected(data, num_hidden=4, name="fc")
    with pytest.raises(mx.MXNetError, match="fc.*FullyConnected"):
        fc.infer_shape(data=(2, 5), fc_weight=(4, 6))


def test_json_round_trip_keeps_graph_and_attributes():
    net = mlp()
    text = net.tojson()
    graph = json.loads(text)
    assert graph["attrs"]["mxnet_version"][1] >= 10900
    ops = [n["op"] for n in graph["nodes"]]
    assert ops.count("FullyConnected") == 3 and ops[-1] == "SoftmaxOutput"
    back = sym.load_json(text)
    assert back.list_arguments() == net.list_arguments()
    assert back.infer_shape(data=(2, 784))[1] == [(2, 10)]
    assert back.get_internals()["relu1_output"] is not None


@pytest.mark.parametrize("fname,shape,out", [("mxnet191-mlp-symbol.json", (4, 784), (4, 10)),
                                              ("mxnet191-convbn-symbol.json", (2, 1, 28, 28), (2, 10))])
def test_loads_files_written_by_mxnet_191(fname, shape, out):
    net = sym.load(str(DATA / fname))
    arg_shapes, out_shapes, aux_shapes = net.infer_shape(data=shape)
    assert out_shapes == [out]
    if "convbn" in fname:
        assert net.list_auxiliary_states() == ["bn1_moving_mean", "bn1_moving_var"]
        assert dict(zip(net.list_arguments(), arg_shapes))["fc_weight"] == (10, 2880)


def test_save_and_load_file(tmp_path):
    net = mlp()
    path = tmp_path / "net-symbol.json"
    net.save(str(path))
    assert sym.load(str(path)).tojson() == net.tojson()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(mx.MXNetError, match="bad.json"):
        sym.load(str(bad))


def test_compose_replaces_variables():
    x = sym.var("x")
    inner = sym.FullyConnected(x, num_hidden=3, name="inner")
    data = sym.var("data")
    composed = inner(x=sym.Activation(data, act_type="relu", name="act"))
    assert composed.list_arguments() == ["data", "inner_weight", "inner_bias"]


def test_eval_and_symbol_arithmetic():
    a, b = sym.var("a"), sym.var("b")
    out = (a * b - 1) ** 2
    res = out.eval(ctx=mx.cpu(), a=nd.array([1.0, 2.0]), b=nd.array([3.0, 4.0]))
    np.testing.assert_allclose(res[0].asnumpy(), [4.0, 49.0])
