"""Writes mxnet191_rnn_cells.npz: outputs of MXNet 1.9.1's legacy mx.rnn cells (LSTM, GRU,
RNN) unrolled over a small input with seeded parameters. Run with the MXNet venv:
    /work/peers/mxnet/bin/python tests/data/make_rnn_cells.py
"""
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.RandomState(0)
    data = rng.uniform(-1, 1, (2, 4, 3)).astype(np.float32)
    out = {"data": data}
    for kind, cell in (("lstm", mx.rnn.LSTMCell(5, prefix="lstm_")),
                       ("gru", mx.rnn.GRUCell(5, prefix="gru_")),
                       ("rnn", mx.rnn.RNNCell(5, prefix="rnn_"))):
        outputs, states = cell.unroll(4, mx.sym.var("data"), merge_outputs=True)
        net = mx.sym.Group([outputs] + list(states))
        exe = net.simple_bind(mx.cpu(), data=data.shape)
        for name in sorted(exe.arg_dict):
            if name == "data":
                continue
            value = rng.uniform(-0.5, 0.5, exe.arg_dict[name].shape).astype(np.float32)
            exe.arg_dict[name][:] = value
            out["%s:%s" % (kind, name)] = value
        exe.arg_dict["data"][:] = data
        results = exe.forward(is_train=True)
        for i, r in enumerate(results):
            out["%s:out%d" % (kind, i)] = r.asnumpy()
        exe.backward([mx.nd.ones_like(r) for r in results])
        out["%s:grad_data" % kind] = exe.grad_dict["data"].asnumpy()
    np.savez(os.path.join(HERE, "mxnet191_rnn_cells.npz"), **out)


if __name__ == "__main__":
    main()
