"""gluon.rnn.RNN / LSTM / GRU: MXNet 1.9.1's .params load and reproduce MXNet's outputs, states and
input gradients (fixtures in tests/data/rnn, written by tests/data/make_rnn_fixtures.py); layouts,
deferred input size, begin_state, sequence lengths, hybridization, bad input."""
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "rnn")

FIXTURES = {
    "lstm_2l_bi": (gluon.rnn.LSTM, dict(hidden_size=6, num_layers=2, bidirectional=True)),
    "lstm_proj_bi": (gluon.rnn.LSTM, dict(hidden_size=6, num_layers=2, bidirectional=True,
                                          projection_size=3)),
    "gru_2l_bi": (gluon.rnn.GRU, dict(hidden_size=5, num_layers=2, bidirectional=True)),
    "rnn_tanh_2l": (gluon.rnn.RNN, dict(hidden_size=5, num_layers=2, activation="tanh")),
    "rnn_relu_ntc": (gluon.rnn.RNN, dict(hidden_size=5, activation="relu", layout="NTC")),
    "gru_1l_ntc": (gluon.rnn.GRU, dict(hidden_size=4, layout="NTC")),
}


def _load(name):
    cls, kwargs = FIXTURES[name]
    layer = cls(**kwargs)
    layer.load_parameters(os.path.join(DATA, name + ".params"))
    data = nd.load(os.path.join(DATA, name + "-io.nd"))
    states = [data["state%d" % i] for i in range(sum(k.startswith("state") for k in data))]
    return layer, data, states


@pytest.mark.parametrize("hybridize", [False, True])
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_mxnet_params_load_and_match_outputs(name, hybridize):
    layer, data, states = _load(name)
    if hybridize:
        layer.hybridize()
    x = data["data"]
    x.attach_grad()
    with autograd.record():
        out, new_states = layer(x, states)
    np.testing.assert_allclose(out.asnumpy(), data["output"].asnumpy(), rtol=1e-4, atol=1e-4)
    assert len(new_states) == len(states)
    for i, s in enumerate(new_states):
        np.testing.assert_allclose(s.asnumpy(), data["out_state%d" % i].asnumpy(), rtol=1e-4,
                                   atol=1e-4)
    if "data_grad" in data:
        out.backward(data["head"])
        np.testing.assert_allclose(x.grad.asnumpy(), data["data_grad"].asnumpy(), rtol=1e-4,
                                   atol=1e-5)


def test_parameter_names_and_saved_names_are_mxnets(tmp_path):
    layer = gluon.rnn.LSTM(4, num_layers=2, bidirectional=True, projection_size=2, input_size=3,
                           prefix="lstm0_")
    names = list(layer.collect_params().keys())
    assert names[:5] == ["lstm0_l0_i2h_weight", "lstm0_l0_h2h_weight", "lstm0_l0_i2h_bias",
                         "lstm0_l0_h2h_bias", "lstm0_l0_h2r_weight"]
    assert "lstm0_r1_h2r_weight" in names and len(names) == 20
    assert layer.r1_i2h_weight.shape == (16, 4)
    saved = layer._collect_params_with_prefix()
    assert "_unfused.1.r_cell.h2r_weight" in saved
    uni = gluon.rnn.GRU(3, input_size=2)
    assert sorted(uni._collect_params_with_prefix()) == [
        "_unfused.0.h2h_bias", "_unfused.0.h2h_weight", "_unfused.0.i2h_bias",
        "_unfused.0.i2h_weight"]


def test_save_load_round_trip_and_other_architecture_is_refused(tmp_path):
    layer, data, states = _load("gru_2l_bi")
    path = str(tmp_path / "gru.params")
    layer.save_parameters(path)
    again = gluon.rnn.GRU(5, num_layers=2, bidirectional=True)
    again.load_parameters(path)
    np.testing.assert_allclose(again(data["data"], states)[0].asnumpy(),
                               data["output"].asnumpy(), rtol=1e-5, atol=1e-6)
    other = gluon.rnn.LSTM(5, num_layers=2, bidirectional=True, input_size=4)
    other.initialize()
    before = other.l0_i2h_weight.data().asnumpy().copy()
    with pytest.raises(MXNetError):
        other.load_parameters(path)
    np.testing.assert_array_equal(other.l0_i2h_weight.data().asnumpy(), before)


def test_deferred_input_size_default_states_and_layouts():
    layer = gluon.rnn.LSTM(6, num_layers=2, layout="NTC", bidirectional=True)
    layer.initialize()
    x = nd.random.uniform(shape=(3, 7, 5))
    out = layer(x)                     # no states given: only the output comes back
    assert isinstance(out, nd.NDArray) and out.shape == (3, 7, 12)
    assert layer.l0_i2h_weight.shape == (24, 5) and layer.l1_i2h_weight.shape == (24, 12)
    states = layer.begin_state(batch_size=3)
    assert [s.shape for s in states] == [(4, 3, 6), (4, 3, 6)]
    out2, new_states = layer(x, states)
    np.testing.assert_allclose(out.asnumpy(), out2.asnumpy(), rtol=1e-6)
    # TNC on the swapped input gives the swapped output with the same parameters.
    tnc = gluon.rnn.LSTM(6, num_layers=2, bidirectional=True, params=layer.collect_params(),
                         prefix=layer.prefix)
    out3 = tnc(nd.swapaxes(x, 0, 1))
    np.testing.assert_allclose(nd.swapaxes(out3, 0, 1).asnumpy(), out.asnumpy(), rtol=1e-5,
                               atol=1e-6)
    assert "LSTM(5 -> 6, NTC, num_layers=2, bidirectional)" == repr(layer)


def test_begin_state_func_and_kwargs():
    layer = gluon.rnn.GRU(4, num_layers=3)
    ones = layer.begin_state(batch_size=2, func=nd.ones)
    assert len(ones) == 1 and ones[0].shape == (3, 2, 4) and float(ones[0].sum().asscalar()) == 24
    sym_states = layer.begin_state(func=mx.sym.var)
    assert sym_states[0].name.endswith("h0_0")


def test_sequence_length_matches_per_sequence_runs():
    layer = gluon.rnn.LSTM(4, bidirectional=True, use_sequence_length=True, input_size=3)
    layer.initialize(mx.init.Uniform(0.5))
    plain = gluon.rnn.LSTM(4, bidirectional=True, input_size=3, params=layer.collect_params(),
                           prefix=layer.prefix)
    x = nd.random.uniform(-1, 1, shape=(5, 2, 3))
    states = layer.begin_state(batch_size=2)
    out, (h, c) = layer(x, states, nd.array([3, 5]))
    short, (hs, cs) = plain(x[:3, 0:1], [s[:, 0:1] for s in states])
    np.testing.assert_allclose(out.asnumpy()[:3, 0], short.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.asnumpy()[3:, 0], 0)
    np.testing.assert_allclose(h.asnumpy()[:, 0], hs.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)
    full, (hf, _) = plain(x[:, 1:2], [s[:, 1:2] for s in states])
    np.testing.assert_allclose(out.asnumpy()[:, 1], full.asnumpy()[:, 0], rtol=1e-5, atol=1e-6)


def test_dropout_between_layers_trains_only():
    layer = gluon.rnn.GRU(8, num_layers=2, dropout=0.5, input_size=4)
    layer.initialize(mx.init.Uniform(0.5))
    x = nd.random.uniform(shape=(4, 3, 4))
    a, b = layer(x).asnumpy(), layer(x).asnumpy()
    np.testing.assert_array_equal(a, b)
    with autograd.record():
        c = layer(x)
    assert np.abs(c.asnumpy() - a).max() > 1e-4


def test_training_step_reduces_loss():
    layer = gluon.rnn.LSTM(8, input_size=3)
    dense = gluon.nn.Dense(1, flatten=False)
    layer.initialize(mx.init.Xavier())
    dense.initialize()
    params = layer.collect_params()
    params.update(dense.collect_params())
    trainer = gluon.Trainer(params, "adam", {"learning_rate": 0.05})
    x = nd.random.uniform(-1, 1, shape=(6, 4, 3))
    y = x.sum(axis=2, keepdims=True) * 0.5
    losses = []
    for _ in range(30):
        with autograd.record():
            loss = ((dense(layer(x)) - y) ** 2).mean()
        loss.backward()
        trainer.step(1)
        losses.append(float(loss.asscalar()))
    assert losses[-1] < 0.5 * losses[0]


def test_wrong_state_shape_names_layer_and_shapes():
    layer = gluon.rnn.LSTM(4, num_layers=2, input_size=3, prefix="mylstm_")
    layer.initialize()
    x = nd.ones((5, 2, 3))
    bad = [nd.zeros((1, 2, 4)), nd.zeros((2, 2, 4))]
    with pytest.raises(MXNetError,
                       match=r"LSTM mylstm.*state 0.*expected \(2, 2, 4\), found \(1, 2, 4\)"):
        layer(x, bad)
    with pytest.raises(MXNetError, match=r"expected 2 begin state"):
        layer(x, [nd.zeros((2, 2, 4))])
    assert isinstance(pytest.raises(ValueError, layer, x, bad).value, MXNetError)


def test_wrong_input_size_names_layer_and_sizes():
    layer = gluon.rnn.GRU(4, input_size=3, prefix="g_")
    layer.initialize()
    with pytest.raises(MXNetError, match=r"GRU g.*input size.*should be 3, found 7"):
        layer(nd.ones((5, 2, 7)))
    with pytest.raises(MXNetError, match=r"3-dimensional"):
        layer(nd.ones((5, 3)))


def test_hybridized_layer_inside_a_block_and_export(tmp_path):
    class Model(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.embed = gluon.nn.Embedding(10, 4)
                self.rnn = gluon.rnn.LSTM(6, num_layers=2)
                self.out = gluon.nn.Dense(10, flatten=False)

        def hybrid_forward(self, F, x, h, c):
            y, (h, c) = self.rnn(self.embed(x), [h, c])
            return self.out(y), h, c

    net = Model()
    net.initialize()
    tokens = nd.array(np.random.RandomState(0).randint(0, 10, (5, 2)))
    h, c = net.rnn.begin_state(batch_size=2)
    eager = net(tokens, h, c)
    net.hybridize()
    hybrid = net(tokens, h, c)
    for e, g in zip(eager, hybrid):
        np.testing.assert_allclose(e.asnumpy(), g.asnumpy(), rtol=1e-5, atol=1e-6)
    saved = net._collect_params_with_prefix()
    assert "rnn._unfused.1.i2h_weight" in saved
    sym_file, params_file = net.export(str(tmp_path / "lm"))
    loaded = gluon.SymbolBlock.imports(sym_file, ["data0", "data1", "data2"], params_file)
    np.testing.assert_allclose(loaded(tokens, h, c)[0].asnumpy(), eager[0].asnumpy(), rtol=1e-5,
                               atol=1e-6)


def test_embedding_accepts_sparse_grad_with_a_dense_gradient():
    emb = gluon.nn.Embedding(6, 3, sparse_grad=True)
    emb.initialize()
    idx = nd.array([[0, 2], [2, 5]])
    with autograd.record():
        out = emb(idx)
    out.backward()
    grad = emb.weight.grad().asnumpy()
    np.testing.assert_allclose(grad[:, 0], [1, 0, 2, 0, 0, 1])
    w = nd.random.uniform(shape=(6, 3))
    np.testing.assert_allclose(nd.Embedding(idx, w, input_dim=6, output_dim=3,
                                            sparse_grad=True).asnumpy(),
                               w.asnumpy()[idx.asnumpy().astype(int)])


def test_model_exported_by_mxnet_with_symbolic_begin_states_loads_and_runs():
    """MXNet's export of a block calling an LSTM without states holds sym.zeros((4, 0, 4)) begin
    states (0: inferred); mxnb runs it, forward and backward."""
    block = gluon.SymbolBlock.imports(os.path.join(DATA, "exported-lstm-symbol.json"), ["data"],
                                      os.path.join(DATA, "exported-lstm-0000.params"))
    data = nd.load(os.path.join(DATA, "exported-lstm-io.nd"))
    x = data["data"]
    x.attach_grad()
    with autograd.record():
        out = block(x)
    out.backward()
    np.testing.assert_allclose(out.asnumpy(), data["output"].asnumpy(), rtol=1e-4, atol=1e-5)
    assert x.grad.shape == x.shape and np.abs(x.grad.asnumpy()).sum() > 0


def test_layer_called_on_a_symbol_without_states_binds():
    layer = gluon.rnn.GRU(3, num_layers=2, prefix="g_")
    out = layer(mx.sym.var("data"))
    assert isinstance(out, mx.sym.Symbol)
    assert out.infer_shape_partial(data=(4, 2, 5))[1] == [(4, 2, 3)]
    layer.initialize()
    layer(nd.ones((4, 2, 5)))     # fills the parameters
    values = {"data": nd.ones((4, 2, 5))}
    values.update({p.name: p.data() for p in layer.collect_params().values()})
    result = out.eval(**{k: v for k, v in values.items() if k in out.list_arguments()})[0]
    np.testing.assert_allclose(result.asnumpy(), layer(nd.ones((4, 2, 5))).asnumpy(), rtol=1e-5)


def test_hybridized_layer_bad_input_names_node_and_sizes():
    layer = gluon.rnn.LSTM(4, num_layers=2, input_size=3, prefix="enc_")
    layer.initialize()
    layer.hybridize()
    layer(nd.ones((5, 2, 3)), layer.begin_state(2))
    with pytest.raises(MXNetError, match=r"enc_rnn0.*input size 7, found 304 \(they fit input "
                                         r"size 3\)"):
        layer(nd.ones((5, 2, 7)), layer.begin_state(2))
    with pytest.raises(MXNetError, match=r"enc_rnn0.*state should have shape \(2, 2, 4\), "
                                         r"found \(1, 2, 4\)"):
        layer(nd.ones((5, 2, 3)), [nd.zeros((1, 2, 4)), nd.zeros((2, 2, 4))])
