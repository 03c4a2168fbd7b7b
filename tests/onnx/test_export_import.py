"""ONNX round trips: symbols and Gluon networks exported by mx.onnx run in onnxruntime with mxnb's
outputs, and import back (mx.contrib.onnx) to the same outputs."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from mxnb.gluon import nn

onnx = pytest.importorskip("onnx", reason="the onnx package is in the test extra")
ort = pytest.importorskip("onnxruntime", reason="onnxruntime is in the test extra")


def _run_onnx(path, feeds):
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _export_block(net, x, path, **kwargs):
    """Exports a hybridized block through `export` files, as users do."""
    net.hybridize()
    net(x)
    prefix = str(path.parent / "net")
    net.export(prefix)
    sym_file, params_file = prefix + "-symbol.json", prefix + "-0000.params"
    onnx_file = str(path)
    mx.onnx.export_model(sym_file, params_file, [x.shape], np.float32, onnx_file, **kwargs)
    return onnx_file


def _check_round_trip(net, x, tmp_path, rtol=1e-4, atol=1e-5):
    expected = net(x).asnumpy()
    onnx_file = _export_block(net, x, tmp_path / "model.onnx")
    got, = _run_onnx(onnx_file, {"data": x.asnumpy()})
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=atol)
    sym, arg_params, aux_params = mx.contrib.onnx.import_model(onnx_file)
    args = dict(arg_params, data=x)
    exe = sym.bind(mx.cpu(), args={n: args[n] for n in sym.list_arguments()},
                   aux_states={n: aux_params[n] for n in sym.list_auxiliary_states()})
    back = exe.forward(is_train=False)[0].asnumpy()
    np.testing.assert_allclose(back, expected, rtol=rtol, atol=atol)
    block = mx.contrib.onnx.import_to_gluon(onnx_file, mx.cpu())
    np.testing.assert_allclose(block(x).asnumpy(), expected, rtol=rtol, atol=atol)
    return onnx_file


def test_mlp_round_trip(tmp_path):
    mx.random.seed(0)
    net = nn.HybridSequential()
    net.add(nn.Dense(16, activation="relu"), nn.Dropout(0.5), nn.Dense(8, activation="tanh"),
            nn.Dense(3))
    net.initialize(mx.init.Xavier())
    x = nd.random.uniform(-1, 1, (4, 10))
    onnx_file = _check_round_trip(net, x, tmp_path)
    meta = mx.contrib.onnx.get_model_metadata(onnx_file)
    assert meta["input_tensor_data"] == [("data", (4, 10))]
    assert meta["output_tensor_data"][0][1] == (4, 3)


def test_convnet_with_batchnorm_and_pooling_round_trip(tmp_path):
    mx.random.seed(1)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(6, 3, padding=1), nn.BatchNorm(), nn.Activation("relu"),
            nn.MaxPool2D(2, 2), nn.Conv2D(8, 3, strides=2, groups=2, use_bias=False),
            nn.LeakyReLU(0.1), nn.AvgPool2D(2, padding=1), nn.GlobalAvgPool2D(),
            nn.Flatten(), nn.Dense(5))
    net.initialize(mx.init.Xavier())
    x = nd.random.uniform(-1, 1, (2, 3, 12, 12))
    # non-trivial running statistics, so inference-mode BatchNorm is exercised
    net[1].running_mean.set_data(nd.random.uniform(-0.5, 0.5, (6,)))
    net[1].running_var.set_data(nd.random.uniform(0.5, 1.5, (6,)))
    _check_round_trip(net, x, tmp_path)


def test_symbolic_mlp_with_softmax_output_drops_the_label(tmp_path):
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    out = mx.sym.SoftmaxOutput(mx.sym.Activation(fc, act_type="sigmoid"), name="softmax")
    rng = np.random.RandomState(0)
    params = {"fc1_weight": nd.array(rng.randn(4, 6)), "fc1_bias": nd.array(rng.randn(4))}
    path = str(tmp_path / "mlp.onnx")
    mx.onnx.export_model(out, params, [(3, 6)], np.float32, path)
    x = rng.randn(3, 6).astype(np.float32)
    got, = _run_onnx(path, {"data": x})
    exe = out.bind(mx.cpu(), args=dict(params, data=nd.array(x), softmax_label=nd.zeros((3,))))
    np.testing.assert_allclose(got, exe.forward()[0].asnumpy(), rtol=1e-5, atol=1e-6)
    assert [i.name for i in onnx.load(path).graph.input] == ["data"]


def test_elementwise_shape_and_reduction_operators(tmp_path):
    a = mx.sym.var("a")
    b = mx.sym.var("b")
    y = mx.sym.broadcast_mul(mx.sym.exp(a) + 1.5, b) - a * 2
    y = mx.sym.Reshape(mx.sym.transpose(y, axes=(1, 0, 2)), shape=(0, -1))
    z = mx.sym.Concat(mx.sym.sum(y, axis=1, keepdims=True), mx.sym.mean(y, axis=1, keepdims=True),
                      mx.sym.clip(mx.sym.max(y, axis=1, keepdims=True), a_min=-1, a_max=1), dim=1)
    out = mx.sym.softmax(mx.sym.slice_axis(z, axis=1, begin=0, end=2), axis=-1)
    rng = np.random.RandomState(0)
    xa, xb = rng.randn(2, 3, 4).astype(np.float32), rng.randn(1, 3, 4).astype(np.float32)
    path = str(tmp_path / "ops.onnx")
    mx.onnx.export_model(out, {}, [(2, 3, 4), (1, 3, 4)], np.float32, path)
    got, = _run_onnx(path, {"a": xa, "b": xb})
    expected = out.eval(ctx=mx.cpu(), a=nd.array(xa), b=nd.array(xb))[0].asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_operator_without_mapping_is_a_clear_error(tmp_path):
    out = mx.sym.topk(mx.sym.var("data"), k=2, name="best")
    with pytest.raises(MXNetError, match=r"no ONNX mapping for operator topk \(node 'best'\)"):
        mx.onnx.export_model(out, {}, [(2, 5)], np.float32, str(tmp_path / "x.onnx"))
    assert not (tmp_path / "x.onnx").exists()
    assert "FullyConnected" in mx.onnx.get_operator_support()


def test_wrong_number_of_input_shapes_names_the_inputs(tmp_path):
    out = mx.sym.var("a") + mx.sym.var("b")
    with pytest.raises(MXNetError, match=r"data inputs are \['a', 'b'\]"):
        mx.onnx.export_model(out, {}, [(2,)], np.float32, str(tmp_path / "x.onnx"))


def test_import_of_an_unreadable_file_names_it(tmp_path):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(MXNetError, match="bad.onnx"):
        mx.contrib.onnx.import_model(str(bad))


def _randomize(net, seed):
    """Parameters drawn at random (BatchNorm statistics included), so outputs are not ~0."""
    rng = np.random.RandomState(seed)
    for name, p in net.collect_params().items():
        shape = p.shape
        if name.endswith(("gamma", "running_var")):
            p.set_data(nd.array(rng.uniform(0.5, 1.5, shape)))
        else:
            p.set_data(nd.array(rng.normal(0, 0.1, shape)))


@pytest.mark.parametrize("name,size", [("resnet18_v1", 32), ("mobilenetv2_1.0", 32)])
def test_model_zoo_round_trip(tmp_path, name, size):
    from mxnb.gluon.model_zoo import vision
    net = vision.get_model(name, classes=10)
    net.initialize(mx.init.Xavier())
    x = nd.random.uniform(shape=(2, 3, size, size))
    net(x)
    _randomize(net, 0)
    assert float(np.abs(net(x).asnumpy()).max()) > 1e-2
    _check_round_trip(net, x, tmp_path, rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("cell,kwargs", [("LSTM", dict(num_layers=2, bidirectional=True)),
                                         ("GRU", dict(num_layers=2)),
                                         ("RNN", dict(bidirectional=True, activation="relu"))])
def test_recurrent_layers_round_trip(tmp_path, cell, kwargs):
    from mxnb.gluon import rnn
    mx.random.seed(0)
    net = nn.HybridSequential()
    net.add(getattr(rnn, cell)(8, input_size=5, **kwargs))
    net.initialize(mx.init.Uniform(0.5))
    x = nd.random.uniform(-1, 1, shape=(6, 3, 5))
    onnx_file = _check_round_trip(net, x, tmp_path)
    ops = {n.op_type for n in onnx.load(onnx_file).graph.node}
    assert {"LSTM": "LSTM", "GRU": "GRU", "RNN": "RNN"}[cell] in ops


def test_lstm_language_model_round_trip(tmp_path):
    from mxnb.gluon import rnn

    class LanguageModel(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.embedding = nn.Embedding(30, 8)
                self.lstm = rnn.LSTM(16, num_layers=2, input_size=8)
                self.decoder = nn.Dense(30, flatten=False)

        def hybrid_forward(self, F, x):
            return self.decoder(self.lstm(self.embedding(x)))

    mx.random.seed(1)
    net = LanguageModel()
    net.initialize(mx.init.Xavier())
    x = nd.array(np.random.RandomState(0).randint(0, 30, (7, 2)))
    _check_round_trip(net, x, tmp_path)
