"""gluon.rnn cells: a cell unrolled equals the fused layer with the same weights (which matches
MXNet 1.9.1, see test_rnn_layers); unroll's formats, valid_length, begin_state(func=),
modifier cells, stacks, hybridization and the Symbol API."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError

CELLS = {
    "rnn_tanh": (lambda **k: gluon.rnn.RNNCell(5, activation="tanh", **k),
                 lambda **k: gluon.rnn.RNN(5, activation="tanh", **k)),
    "rnn_relu": (lambda **k: gluon.rnn.RNNCell(5, activation="relu", **k),
                 lambda **k: gluon.rnn.RNN(5, activation="relu", **k)),
    "lstm": (lambda **k: gluon.rnn.LSTMCell(5, **k), lambda **k: gluon.rnn.LSTM(5, **k)),
    "gru": (lambda **k: gluon.rnn.GRUCell(5, **k), lambda **k: gluon.rnn.GRU(5, **k)),
}


def _copy_cell_into_layer(cell, layer, direction="l", layer_index=0):
    for name in ("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"):
        getattr(layer, "%s%d_%s" % (direction, layer_index, name)).set_data(
            getattr(cell, name).data())


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_cell_unroll_equals_fused_layer(kind):
    make_cell, make_layer = CELLS[kind]
    cell = make_cell(input_size=3)
    cell.initialize(mx.init.Uniform(0.5))
    layer = make_layer(input_size=3, layout="NTC")
    layer.initialize()
    _copy_cell_into_layer(cell, layer)
    x = nd.random.uniform(-1, 1, shape=(2, 4, 3))
    begin = cell.begin_state(batch_size=2, func=nd.ones)
    outs, states = cell.unroll(4, x, begin_state=begin, layout="NTC", merge_outputs=True)
    ref, ref_states = layer(x, [s.expand_dims(0) for s in begin])
    np.testing.assert_allclose(outs.asnumpy(), ref.asnumpy(), rtol=1e-5, atol=1e-6)
    for s, r in zip(states, ref_states):
        np.testing.assert_allclose(s.asnumpy(), r.asnumpy()[0], rtol=1e-5, atol=1e-6)


def test_bidirectional_cell_with_valid_length_equals_fused_layer():
    bi = gluon.rnn.BidirectionalCell(gluon.rnn.LSTMCell(4, input_size=3, prefix="l0_"),
                                     gluon.rnn.LSTMCell(4, input_size=3, prefix="r0_"))
    bi.initialize(mx.init.Uniform(0.5))
    layer = gluon.rnn.LSTM(4, bidirectional=True, input_size=3, use_sequence_length=True)
    layer.initialize()
    l_cell, r_cell = bi._children.values()
    _copy_cell_into_layer(l_cell, layer, "l")
    _copy_cell_into_layer(r_cell, layer, "r")
    x = nd.random.uniform(-1, 1, shape=(5, 2, 3))
    lengths = nd.array([3, 5])
    outs, states = bi.unroll(5, x, layout="TNC", merge_outputs=True, valid_length=lengths)
    ref, (h, c) = layer(x, layer.begin_state(batch_size=2), lengths)
    np.testing.assert_allclose(outs.asnumpy(), ref.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy(), h.asnumpy()[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(states[2].asnumpy(), h.asnumpy()[1], rtol=1e-5, atol=1e-6)
    with pytest.raises(NotImplementedError):
        bi(x[0], bi.begin_state(batch_size=2))


def test_unroll_formats_and_valid_length():
    cell = gluon.rnn.GRUCell(3, input_size=2)
    cell.initialize()
    x = nd.random.uniform(shape=(4, 2, 2))          # TNC
    listed, _ = cell.unroll(4, [x[t] for t in range(4)], merge_outputs=False)
    merged, _ = cell.unroll(4, x, layout="TNC", merge_outputs=True)
    assert isinstance(listed, list) and len(listed) == 4 and listed[0].shape == (2, 3)
    assert merged.shape == (4, 2, 3)
    np.testing.assert_allclose(nd.stack(*listed, axis=0).asnumpy(), merged.asnumpy(), rtol=1e-6)
    masked, states = cell.unroll(4, x, layout="TNC", merge_outputs=True,
                                 valid_length=nd.array([2, 4]))
    np.testing.assert_allclose(masked.asnumpy()[2:, 0], 0)
    np.testing.assert_allclose(states[0].asnumpy()[0], merged.asnumpy()[1, 0], rtol=1e-6)
    np.testing.assert_allclose(states[0].asnumpy()[1], merged.asnumpy()[3, 1], rtol=1e-6)
    with pytest.raises(MXNetError, match="length 3"):
        cell.unroll(3, x, layout="TNC")


def test_begin_state_names_and_func():
    cell = gluon.rnn.LSTMCell(3, prefix="enc_")
    states = cell.begin_state(func=mx.sym.var)
    assert [s.name for s in states] == ["enc_begin_state_0", "enc_begin_state_1"]
    ones = cell.begin_state(batch_size=2, func=nd.ones, dtype="float64")
    assert ones[0].shape == (2, 3) and ones[0].dtype == np.float64
    assert float(ones[1].mean().asscalar()) == 1.0
    cell.reset()
    assert cell.begin_state(func=mx.sym.var)[0].name == "enc_begin_state_0"


def test_sequential_stacks_step_and_unroll_agree():
    for cls in (gluon.rnn.SequentialRNNCell, gluon.rnn.HybridSequentialRNNCell):
        stack = cls()
        with stack.name_scope():
            stack.add(gluon.rnn.LSTMCell(4))
            stack.add(gluon.rnn.ResidualCell(gluon.rnn.GRUCell(4)))
            stack.add(gluon.rnn.DropoutCell(0.3))
        stack.initialize()
        assert len(stack) == 3 and isinstance(stack[0], gluon.rnn.LSTMCell)
        assert len(stack.state_info(2)) == 3
        x = nd.random.uniform(shape=(2, 3, 5))
        outs, states = stack.unroll(3, x, merge_outputs=True)
        step_states = stack.begin_state(batch_size=2)
        stepped = []
        for t in range(3):
            out, step_states = stack(x[:, t], step_states)
            stepped.append(out)
        np.testing.assert_allclose(nd.stack(*stepped, axis=1).asnumpy(), outs.asnumpy(),
                                   rtol=1e-5, atol=1e-6)
        assert stack[0].params.prefix.endswith("lstm0_")


def test_hybridized_cells_and_block_calling_unroll():
    class Encoder(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.cell = gluon.rnn.HybridSequentialRNNCell()
                self.cell.add(gluon.rnn.LSTMCell(4))
                self.cell.add(gluon.rnn.GRUCell(3))

        def hybrid_forward(self, F, x):
            outputs, states = self.cell.unroll(5, x, layout="NTC", merge_outputs=True)
            return outputs, states[-1]

    net = Encoder()
    net.initialize()
    x = nd.random.uniform(shape=(2, 5, 6))
    x.attach_grad()
    with autograd.record():
        eager = net(x)
    eager[0].backward()
    eager_grad = x.grad.asnumpy().copy()
    net.hybridize()
    with autograd.record():
        hybrid = net(x)
    hybrid[0].backward()
    for e, h in zip(eager, hybrid):
        np.testing.assert_allclose(e.asnumpy(), h.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), eager_grad, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", sorted(CELLS))
def test_hybridized_cell_step_gradients_equal_eager(kind):
    # A cell returns its output and, in its new states, the same value again: hybridized, the
    # input gradient from the output alone must be the eager one (it was lost, all zeros).
    make_cell = CELLS[kind][0]
    x = nd.array(np.random.RandomState(0).uniform(-1, 1, (3, 4)))
    grads = []
    for hybridize in (False, True):
        cell = make_cell(prefix="c_")
        cell.initialize(mx.init.Xavier())
        cell(x, cell.begin_state(batch_size=3))       # the weights' shapes, from the input
        for name, param in sorted(cell.collect_params().items()):
            param.set_data(nd.array(np.random.RandomState(len(name)).uniform(
                -0.5, 0.5, param.shape)))
        if hybridize:
            cell.hybridize()
        x.attach_grad()
        for _ in range(2):          # the second call runs the cached program
            with autograd.record():
                output, _ = cell(x, cell.begin_state(batch_size=3))
            output.backward()
        grads.append(x.grad.asnumpy().copy())
    assert np.abs(grads[0]).sum() > 0
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6)


def test_symbol_unroll_infers_batch_and_binds():
    cell = gluon.rnn.LSTMCell(4, prefix="lstm_")
    outputs, states = cell.unroll(3, mx.sym.var("data"), layout="NTC", merge_outputs=True)
    assert outputs.list_arguments() == ["data", "lstm_i2h_weight", "lstm_i2h_bias",
                                        "lstm_h2h_weight", "lstm_h2h_bias"]
    args, outs, _ = outputs.infer_shape(data=(2, 3, 5))
    assert outs == [(2, 3, 4)] and args[1] == (16, 5)
    listed, _ = cell.unroll(3, mx.sym.var("data"), layout="NTC", merge_outputs=False)
    assert len(listed) == 3


def test_modifier_cells():
    base = gluon.rnn.LSTMCell(4, input_size=4)
    zone = gluon.rnn.ZoneoutCell(base, zoneout_outputs=0.5, zoneout_states=0.5)
    zone.initialize()
    with pytest.raises(MXNetError, match="modifier"):
        base.begin_state(batch_size=2)
    with pytest.raises(MXNetError, match="already modified"):
        gluon.rnn.ResidualCell(base)
    x = nd.random.uniform(shape=(2, 3, 4))
    plain_out, _ = zone.unroll(3, x, merge_outputs=True)          # predicting: no zoneout
    base._modified = False
    ref, _ = base.unroll(3, x, merge_outputs=True)
    base._modified = True
    np.testing.assert_allclose(plain_out.asnumpy(), ref.asnumpy(), rtol=1e-6)
    with autograd.train_mode():
        zoned, _ = zone.unroll(3, x, merge_outputs=True)
    assert np.abs(zoned.asnumpy() - ref.asnumpy()).max() > 1e-4
    assert zone.params is base.params
    res = gluon.rnn.ResidualCell(gluon.rnn.GRUCell(4, input_size=4))
    res.initialize()
    out, _ = res.unroll(3, x, merge_outputs=True, valid_length=nd.array([1, 3]))
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out.asnumpy()[0, 1:], 0)
    drop = gluon.rnn.DropoutCell(0.5)
    out, states = drop.unroll(3, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), x.asnumpy())
    with pytest.raises(MXNetError, match="Zoneout|zoneout"):
        gluon.rnn.ZoneoutCell(gluon.rnn.BidirectionalCell(gluon.rnn.GRUCell(2), gluon.rnn.GRUCell(2)))


def test_wrong_step_shapes_name_the_cell():
    cell = gluon.rnn.GRUCell(3, input_size=2, prefix="dec_")
    cell.initialize()
    with pytest.raises(MXNetError, match=r"GRUCell dec.*\(batch_size, 2\), found \(4, 5\)"):
        cell(nd.ones((4, 5)), cell.begin_state(batch_size=4))
    with pytest.raises(MXNetError, match=r"state 0 should have shape \(4, 3\), found \(2, 3\)"):
        cell(nd.ones((4, 2)), cell.begin_state(batch_size=2))


@pytest.mark.parametrize("hybrid", [False, True])
def test_mxnet_cell_stack_params_load_and_unroll_matches(hybrid):
    """A stack of cells saved by MXNet 1.9.1 (tests/data/make_rnn_fixtures.py) loads and unrolls
    to MXNet's outputs and last valid states."""
    import os
    data_dir = os.path.join(os.path.dirname(__file__), "..", "data", "rnn")
    stack = gluon.rnn.SequentialRNNCell(prefix="stack_")
    with stack.name_scope():
        stack.add(gluon.rnn.LSTMCell(5))
        stack.add(gluon.rnn.ResidualCell(gluon.rnn.GRUCell(5)))
        stack.add(gluon.rnn.BidirectionalCell(gluon.rnn.RNNCell(3, activation="relu", prefix="l_"),
                                              gluon.rnn.RNNCell(3, prefix="r_")))
    stack.load_parameters(os.path.join(data_dir, "cells.params"))
    if hybrid:
        stack.hybridize()
    data = nd.load(os.path.join(data_dir, "cells-io.nd"))
    outputs, states = stack.unroll(5, data["data"], layout="NTC", merge_outputs=True,
                                   valid_length=data["valid_length"])
    np.testing.assert_allclose(outputs.asnumpy(), data["output"].asnumpy(), rtol=1e-4, atol=1e-5)
    assert len(states) == 5
    for i, s in enumerate(states):
        np.testing.assert_allclose(s.asnumpy(), data["out_state%d" % i].asnumpy(), rtol=1e-4,
                                   atol=1e-5)


def test_hybridized_bidirectional_unroll_with_valid_length_matches_eager():
    class Encoder(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.bi = gluon.rnn.BidirectionalCell(gluon.rnn.LSTMCell(4, prefix="l_"),
                                                      gluon.rnn.GRUCell(4, prefix="r_"))

        def hybrid_forward(self, F, x, valid_length):
            out, states = self.bi.unroll(5, x, layout="NTC", merge_outputs=True,
                                         valid_length=valid_length)
            return out, states[0], states[2]

    net = Encoder()
    net.initialize()
    x, lengths = nd.random.uniform(shape=(3, 5, 6)), nd.array([2, 5, 3])
    eager = net(x, lengths)
    net.hybridize()
    hybrid = net(x, lengths)
    assert eager[0].shape == (3, 5, 8)
    np.testing.assert_allclose(eager[0].asnumpy()[0, 2:], 0)
    for e, h in zip(eager, hybrid):
        np.testing.assert_allclose(h.asnumpy(), e.asnumpy(), rtol=1e-6, atol=1e-7)
