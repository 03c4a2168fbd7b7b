"""mx.rnn.FusedRNNCell's packed parameters, as MXNet 1.9.1: the `fusedrnn` initializer on its
`parameters` variable, unpack_weights/pack_weights (one array per layer, direction, group and
gate) and the equivalence of the fused cell with its unfused stack."""
import json

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

GATES = {"rnn_relu": [""], "rnn_tanh": [""], "lstm": ["_i", "_f", "_c", "_o"],
         "gru": ["_r", "_z", "_o"]}


def packed_layout(mode, H, L, bidirectional, I, prefix=""):
    """[(name, shape)] in the fused operator's order, written out from its documented layout:
    all weights (layer, direction, i2h gates then h2h gates), then all biases the same way."""
    dirs = "lr" if bidirectional else "l"
    weights, biases = [], []
    for layer in range(L):
        cols = I if layer == 0 else len(dirs) * H
        for d in dirs:
            for group, width in (("i2h", cols), ("h2h", H)):
                for gate in GATES[mode]:
                    stem = "%s%s%d_%s%s" % (prefix, d, layer, group, gate)
                    weights.append((stem + "_weight", (H, width)))
                    biases.append((stem + "_bias", (H,)))
    return weights + biases


def packed_size(mode, H, L, bidirectional, I):
    return sum(int(np.prod(shape)) for _, shape in packed_layout(mode, H, L, bidirectional, I))


class ByName(mx.init.Initializer):
    """Fills each array with a number standing for its name (weights and biases alike)."""

    def __init__(self, names):
        super().__init__()
        self.names = names

    def _init_weight(self, name, arr):
        arr[:] = self.names.index(name) + 1

    _init_bias = _init_weight


def test_parameters_variable_carries_the_fusedrnn_initializer():
    cell = mx.rnn.FusedRNNCell(8, prefix="")
    attrs = cell._parameter.list_attr()
    assert json.loads(attrs["__init__"]) == [
        "fusedrnn", {"init": None, "num_hidden": 8, "num_layers": 1, "mode": "lstm",
                     "bidirectional": False, "forget_bias": 1.0}]
    inner = mx.init.FusedRNN(mx.init.Uniform(0.1), 4, 2, "gru", True)
    kwargs = json.loads(inner.dumps())[1]
    assert json.loads(kwargs["init"]) == ["uniform", {"scale": 0.1}]
    assert isinstance(mx.init.create(inner.dumps()), mx.init.FusedRNN)
    from_json = mx.init.FusedRNN('["uniform", {"scale": 0.1}]', 4, 2, "gru", True)
    assert from_json.dumps() == inner.dumps()


@pytest.mark.parametrize("mode, L, bi", [("lstm", 2, True), ("gru", 1, False),
                                         ("rnn_tanh", 2, False), ("rnn_relu", 1, True)])
def test_fusedrnn_puts_the_inner_initializer_in_each_slice(mode, L, bi):
    H, I, forget = 3, 5, 2.5
    layout = packed_layout(mode, H, L, bi, I)
    names = [name for name, _ in layout]
    arr = mx.nd.zeros((packed_size(mode, H, L, bi, I),))
    init = mx.init.FusedRNN(ByName(names), H, L, mode, bi, forget_bias=forget)
    init._init_weight(mx.init.InitDesc("parameters"), arr)
    expected = np.concatenate([
        np.full(int(np.prod(shape)),
                forget if (mode == "lstm" and name.endswith("_f_bias")) else names.index(name) + 1)
        for name, shape in layout])
    np.testing.assert_array_equal(arr.asnumpy(), expected)


@pytest.mark.filterwarnings("ignore:NTC layout")
def test_module_init_falls_back_to_the_global_initializer():
    H, I = 2, 3
    cell = mx.rnn.FusedRNNCell(H, mode="lstm", forget_bias=0.75, prefix="lstm_")
    out, _ = cell.unroll(4, mx.sym.var("data"), layout="NTC", merge_outputs=True)
    mod = mx.mod.Module(out, label_names=None)
    mod.bind(data_shapes=[("data", (2, 4, I))])
    mod.init_params(mx.init.One())
    packed = mod.get_params()[0]["lstm_parameters"].asnumpy()
    # One() fills weights with 1 and, by their suffix, biases with 0; forget biases get 0.75
    expected = np.concatenate([
        np.full(int(np.prod(shape)),
                1.0 if name.endswith("weight") else 0.75 if name.endswith("_f_bias") else 0.0)
        for name, shape in packed_layout("lstm", H, 1, False, I, prefix="lstm_")])
    np.testing.assert_array_equal(packed, expected)


@pytest.mark.parametrize("mode, L, bi", [("lstm", 2, True), ("gru", 3, False),
                                         ("rnn_relu", 1, True), ("rnn_tanh", 2, False)])
def test_unpack_names_shapes_and_round_trip(mode, L, bi):
    H, I = 3, 4
    cell = mx.rnn.FusedRNNCell(H, num_layers=L, mode=mode, bidirectional=bi, prefix="x_")
    flat = np.random.uniform(size=packed_size(mode, H, L, bi, I)).astype(np.float32)
    other = mx.nd.ones((2,))
    args = cell.unpack_weights({"x_parameters": mx.nd.array(flat), "other": other})
    layout = packed_layout(mode, H, L, bi, I, prefix="x_")
    assert sorted(args) == sorted([name for name, _ in layout] + ["other"])
    offset = 0
    for name, shape in layout:
        n = int(np.prod(shape))
        np.testing.assert_array_equal(args[name].asnumpy(), flat[offset:offset + n].reshape(shape))
        offset += n
    packed = cell.pack_weights(args)
    assert sorted(packed) == ["other", "x_parameters"]
    np.testing.assert_array_equal(packed["x_parameters"].asnumpy(), flat)


def test_unpack_copies_and_bad_sizes_are_named():
    cell = mx.rnn.FusedRNNCell(2, mode="gru", prefix="")
    source = mx.nd.zeros((packed_size("gru", 2, 1, False, 3),))
    args = cell.unpack_weights({"parameters": source})
    args["l0_i2h_r_weight"][:] = 7
    assert float(source.sum().asscalar()) == 0.0
    with pytest.raises(MXNetError, match="FusedRNNCell"):
        cell.unpack_weights({"parameters": mx.nd.zeros((7,))})
    with pytest.raises(ValueError, match="l0_h2h_z_weight"):
        args["l0_h2h_z_weight"] = mx.nd.zeros((2, 5))
        cell.pack_weights(args)
    with pytest.raises(MXNetError, match="l0_i2h_r_weight"):
        cell.pack_weights({"other": mx.nd.zeros((1,))})


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_unpacked_lstm_pieces_mean_what_their_names_say():
    """A NumPy LSTM written from the unpacked gate pieces reproduces the fused cell."""
    T, N, I, H = 4, 2, 3, 5
    cell = mx.rnn.FusedRNNCell(H, mode="lstm", get_next_state=True, prefix="")
    out, _ = cell.unroll(T, mx.sym.var("data"), layout="TNC", merge_outputs=True)
    rng = np.random.RandomState(0)
    data = rng.uniform(-1, 1, (T, N, I)).astype(np.float32)
    flat = rng.uniform(-0.5, 0.5, packed_size("lstm", H, 1, False, I)).astype(np.float32)
    exe = out.simple_bind(mx.cpu(), data=data.shape, grad_req="null")
    exe.arg_dict["data"][:] = data
    exe.arg_dict["parameters"][:] = flat
    result = exe.forward(is_train=False)[0].asnumpy()

    p = {k: v.asnumpy() for k, v in cell.unpack_weights({"parameters": mx.nd.array(flat)}).items()}

    def gate(g, x, h):
        return (x @ p["l0_i2h_%s_weight" % g].T + p["l0_i2h_%s_bias" % g]
                + h @ p["l0_h2h_%s_weight" % g].T + p["l0_h2h_%s_bias" % g])
    h = c = np.zeros((N, H), np.float32)
    expected = []
    for x in data:
        c = _sigmoid(gate("f", x, h)) * c + _sigmoid(gate("i", x, h)) * np.tanh(gate("c", x, h))
        h = _sigmoid(gate("o", x, h)) * np.tanh(c)
        expected.append(h)
    np.testing.assert_allclose(result, np.stack(expected), rtol=1e-5, atol=1e-6)


@pytest.mark.filterwarnings("ignore:NTC layout")
@pytest.mark.parametrize("mode", ["lstm", "gru", "rnn_tanh", "rnn_relu"])
@pytest.mark.parametrize("bi", [False, True])
def test_fused_and_unfused_agree(mode, bi):
    T, N, I, H, L = 3, 2, 4, 3, 2
    fused = mx.rnn.FusedRNNCell(H, num_layers=L, mode=mode, bidirectional=bi, prefix="f_")
    stack = fused.unfuse()
    data = mx.sym.var("data")
    outs = []
    rng = np.random.RandomState(1)
    x = rng.uniform(-1, 1, (N, T, I)).astype(np.float32)
    dy = rng.uniform(-1, 1, (N, T, H * (2 if bi else 1))).astype(np.float32)
    args = None
    for cell in (fused, stack):
        y, _ = cell.unroll(T, data, layout="NTC", merge_outputs=True)
        mod = mx.mod.Module(y, label_names=None)
        mod.bind(data_shapes=[("data", x.shape)], inputs_need_grad=True)
        if args is None:
            mod.init_params(mx.init.Uniform(0.5))
            args = fused.unpack_weights(mod.get_params()[0])
        else:
            mod.set_params(stack.pack_weights(args), {})
        mod.forward(mx.io.DataBatch(data=[mx.nd.array(x)]), is_train=True)
        mod.backward(out_grads=[mx.nd.array(dy)])
        outs.append((mod.get_outputs()[0].asnumpy(), mod.get_input_grads()[0].asnumpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-4, atol=1e-5)


def test_unroll_marks_state_layouts_and_rejects_other_layouts():
    cell = mx.rnn.FusedRNNCell(4, mode="lstm", get_next_state=True)
    _, states = cell.unroll(3, mx.sym.var("data"), layout="TNC")
    assert [s.list_attr()["__layout__"] for s in states] == ["LNC", "LNC"]
    with pytest.raises(AssertionError, match="layout"):
        cell.unroll(3, mx.sym.var("data"), layout="NCT")
    with pytest.warns(UserWarning, match="NTC layout"):
        cell.unroll(3, mx.sym.var("data"), layout="NTC")
