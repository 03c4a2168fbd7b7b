"""Writes tests/data/rnn/: small gluon.rnn layers and raw nd.RNN calls computed by real MXNet 1.9.1.

Run with the MXNet 1.9.1 venv from the repository root:
    /work/peers/mxnet/bin/python tests/data/make_rnn_fixtures.py

For each layer configuration it writes <name>.params (save_parameters, MXNet's file names) and
<name>-io.nd holding the input, begin states, outputs and final states (and, for the LSTM case,
the input's gradient for a fixed head gradient); `cells.*` the same for a stack of cells unrolled
with valid lengths. `op-<mode>.nd` holds a direct nd.RNN call on a
packed parameter vector, so the operator's layout is checked independently of the layers.

Not written: lstm_state_clip_* and use_sequence_length, which MXNet 1.9.1's CPU operator accepts
and ignores (only its cuDNN path honours them); mxnb implements them as documented and tests them
against NumPy references instead.
"""
import os

import mxnet as mx
import numpy as np

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn")
T, N, C = 5, 3, 4

LAYERS = {
    "lstm_2l_bi": (mx.gluon.rnn.LSTM, dict(hidden_size=6, num_layers=2, bidirectional=True)),
    "lstm_proj_bi": (mx.gluon.rnn.LSTM, dict(hidden_size=6, num_layers=2, bidirectional=True,
                                             projection_size=3)),
    "gru_2l_bi": (mx.gluon.rnn.GRU, dict(hidden_size=5, num_layers=2, bidirectional=True)),
    "rnn_tanh_2l": (mx.gluon.rnn.RNN, dict(hidden_size=5, num_layers=2, activation="tanh")),
    "rnn_relu_ntc": (mx.gluon.rnn.RNN, dict(hidden_size=5, activation="relu", layout="NTC")),
    "gru_1l_ntc": (mx.gluon.rnn.GRU, dict(hidden_size=4, layout="NTC")),
}


def layer_fixture(name, cls, kwargs, with_grad):
    mx.random.seed(7)
    rng = np.random.RandomState(sum(name.encode()))
    layer = cls(input_size=C, prefix=name + "_", **kwargs)
    layer.initialize(mx.init.Uniform(0.5))
    shape = (N, T, C) if kwargs.get("layout") == "NTC" else (T, N, C)
    x = mx.nd.array(rng.uniform(-1, 1, shape))
    states = [mx.nd.array(rng.uniform(-1, 1, info["shape"]))
              for info in layer.state_info(N)]
    data = {"data": x}
    for i, s in enumerate(states):
        data["state%d" % i] = s
    if with_grad:
        x.attach_grad()
        with mx.autograd.record():
            out, new_states = layer(x, states)
        head = mx.nd.array(rng.uniform(-1, 1, out.shape))
        out.backward(head)
        data["head"] = head
        data["data_grad"] = x.grad
    else:
        out, new_states = layer(x, states)
    data["output"] = out
    for i, s in enumerate(new_states):
        data["out_state%d" % i] = s
    layer.save_parameters(os.path.join(HERE, name + ".params"))
    mx.nd.save(os.path.join(HERE, name + "-io.nd"), data)


def cells_fixture():
    """A stack of cells (LSTM, residual GRU, bidirectional RNN cells) unrolled with valid_length."""
    mx.random.seed(11)
    rng = np.random.RandomState(11)
    stack = mx.gluon.rnn.SequentialRNNCell(prefix="stack_")
    with stack.name_scope():
        stack.add(mx.gluon.rnn.LSTMCell(5, input_size=C))
        stack.add(mx.gluon.rnn.ResidualCell(mx.gluon.rnn.GRUCell(5, input_size=5)))
        stack.add(mx.gluon.rnn.BidirectionalCell(
            mx.gluon.rnn.RNNCell(3, activation="relu", input_size=5, prefix="l_"),
            mx.gluon.rnn.RNNCell(3, input_size=5, prefix="r_")))
    stack.initialize(mx.init.Uniform(0.5))
    x = mx.nd.array(rng.uniform(-1, 1, (N, T, C)))
    lengths = mx.nd.array([2, 5, 4])
    outputs, states = stack.unroll(T, x, layout="NTC", merge_outputs=True, valid_length=lengths)
    data = {"data": x, "valid_length": lengths, "output": outputs}
    for i, s in enumerate(states):
        data["out_state%d" % i] = s
    stack.save_parameters(os.path.join(HERE, "cells.params"))
    mx.nd.save(os.path.join(HERE, "cells-io.nd"), data)


def exported_fixture():
    """A hybridized block around a bidirectional LSTM, exported (symbol JSON + params): its
    graph holds MXNet's symbolic begin states, zeros of shape (L*D, 0, H)."""
    class Tagger(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.rnn = mx.gluon.rnn.LSTM(4, num_layers=2, bidirectional=True, input_size=C)
                self.out = mx.gluon.nn.Dense(2, flatten=False)

        def hybrid_forward(self, F, x):
            return self.out(self.rnn(x))
    mx.random.seed(5)
    net = Tagger(prefix="tagger_")
    net.initialize(mx.init.Uniform(0.5))
    net.hybridize()
    x = mx.nd.array(np.random.RandomState(5).uniform(-1, 1, (T, N, C)))
    y = net(x)
    net.export(os.path.join(HERE, "exported-lstm"))
    mx.nd.save(os.path.join(HERE, "exported-lstm-io.nd"), {"data": x, "output": y})


def op_fixture(mode, num_layers, bidirectional, projection_size=None, clip=None):
    rng = np.random.RandomState(3)
    H, D = 4, 2 if bidirectional else 1
    P = projection_size or H
    G = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}[mode]
    size = 0
    ni = C
    for _ in range(num_layers):
        per = G * H * ni + G * H * P + 2 * G * H + (P * H if projection_size else 0)
        size += D * per
        ni = D * P
    x = mx.nd.array(rng.uniform(-1, 1, (T, N, C)))
    params = mx.nd.array(rng.uniform(-0.6, 0.6, (size,)))
    h0 = mx.nd.array(rng.uniform(-1, 1, (num_layers * D, N, P)))
    args = [x, params, h0]
    kw = dict(state_size=H, num_layers=num_layers, bidirectional=bidirectional, mode=mode,
              state_outputs=True)
    if mode == "lstm":
        args.append(mx.nd.array(rng.uniform(-1, 1, (num_layers * D, N, H))))
    if projection_size:
        kw["projection_size"] = projection_size
    if clip:
        kw["lstm_state_clip_min"], kw["lstm_state_clip_max"] = clip
    outs = mx.nd.RNN(*args, **kw)
    data = {"in%d" % i: a for i, a in enumerate(args)}
    data.update({"out%d" % i: o for i, o in enumerate(outs)})
    tag = "op-%s-%dl%s%s%s" % (mode, num_layers, "-bi" if bidirectional else "",
                               "-proj" if projection_size else "", "-clip" if clip else "")
    mx.nd.save(os.path.join(HERE, tag + ".nd"), data)


if __name__ == "__main__":
    os.makedirs(HERE, exist_ok=True)
    for name, (cls, kwargs) in LAYERS.items():
        layer_fixture(name, cls, kwargs, with_grad=name in ("lstm_2l_bi", "gru_2l_bi"))
    cells_fixture()
    exported_fixture()
    op_fixture("lstm", 2, True)
    op_fixture("gru", 2, True)
    op_fixture("rnn_tanh", 1, False)
    op_fixture("rnn_relu", 2, True)
    op_fixture("lstm", 2, True, projection_size=2)
    print("wrote", sorted(os.listdir(HERE)))
