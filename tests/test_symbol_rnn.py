"""mx.rnn's legacy symbolic cells: unrolled outputs, states and gradients equal MXNet 1.9.1's
(fixture from tests/data/make_rnn_cells.py); stacking, bidirectional and modifier cells;
checkpoints with unpacked weights; BucketSentenceIter driving a BucketingModule."""
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

FIXTURE = os.path.join(os.path.dirname(__file__), "data", "mxnet191_rnn_cells.npz")


@pytest.mark.parametrize("kind, make", [
    ("lstm", lambda: mx.rnn.LSTMCell(5, prefix="lstm_")),
    ("gru", lambda: mx.rnn.GRUCell(5, prefix="gru_")),
    ("rnn", lambda: mx.rnn.RNNCell(5, prefix="rnn_")),
])
def test_unrolled_cells_match_mxnet(kind, make):
    ref = np.load(FIXTURE)
    cell = make()
    outputs, states = cell.unroll(4, mx.sym.var("data"), merge_outputs=True)
    net = mx.sym.Group([outputs] + list(states))
    exe = net.simple_bind(mx.cpu(), data=ref["data"].shape)
    for name in exe.arg_dict:
        exe.arg_dict[name][:] = ref["data"] if name == "data" else ref["%s:%s" % (kind, name)]
    results = exe.forward(is_train=True)
    assert len(results) == 1 + len(states)
    for i, r in enumerate(results):
        np.testing.assert_allclose(r.asnumpy(), ref["%s:out%d" % (kind, i)], rtol=1e-5, atol=1e-6)
    exe.backward([mx.nd.ones_like(r) for r in results])
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), ref["%s:grad_data" % kind],
                               rtol=1e-4, atol=1e-6)


def test_stacks_bidirectional_and_modifiers():
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.LSTMCell(4, prefix="l0_"))
    stack.add(mx.rnn.DropoutCell(0.5))
    stack.add(mx.rnn.ResidualCell(mx.rnn.LSTMCell(4, prefix="l1_")))
    outputs, states = stack.unroll(3, mx.sym.var("data"), merge_outputs=False)
    assert len(outputs) == 3 and len(states) == 4
    assert outputs[0].infer_shape(data=(2, 3, 4))[1] == [(2, 4)]
    bi = mx.rnn.BidirectionalCell(mx.rnn.GRUCell(4, prefix="l_"), mx.rnn.GRUCell(4, prefix="r_"))
    merged, _ = bi.unroll(3, mx.sym.var("data"), merge_outputs=True)
    assert merged.infer_shape(data=(2, 3, 5))[1] == [(2, 3, 8)]
    with pytest.raises(NotImplementedError):
        bi(mx.sym.var("x"), [])
    zone = mx.rnn.ZoneoutCell(mx.rnn.RNNCell(4, prefix="z_"), zoneout_outputs=0.3)
    out, _ = zone.unroll(2, mx.sym.var("data"), merge_outputs=True)
    exe = out.simple_bind(mx.cpu(), data=(2, 2, 3))
    assert exe.forward(is_train=True)[0].shape == (2, 2, 4)
    with pytest.raises(MXNetError, match="modifier"):
        zone.base_cell.begin_state()


def test_fused_cell_needs_the_rnn_operator_or_unfuses():
    fused = mx.rnn.FusedRNNCell(4, num_layers=2, mode="gru", bidirectional=True)
    if mx.ops.registry.find("RNN") is None:
        with pytest.raises(MXNetError, match="unfuse"):
            fused.unroll(3, mx.sym.var("data"))
    stack = fused.unfuse()
    outputs, states = stack.unroll(3, mx.sym.var("data"), merge_outputs=True)
    assert outputs.infer_shape(data=(2, 3, 5))[1] == [(2, 3, 8)]
    assert "gru_l0_i2h_weight" in outputs.list_arguments()


def test_rnn_checkpoint_unpacks_gates(tmp_path):
    cell = mx.rnn.LSTMCell(3, prefix="lstm_")
    outputs, _ = cell.unroll(2, mx.sym.var("data"), merge_outputs=True)
    shapes = dict(zip(outputs.list_arguments(), outputs.infer_shape(data=(1, 2, 4))[0]))
    rng = np.random.RandomState(0)
    args = {k: mx.nd.array(rng.rand(*s)) for k, s in shapes.items() if k != "data"}
    prefix = str(tmp_path / "lm")
    mx.rnn.save_rnn_checkpoint(cell, prefix, 1, outputs, args, {})
    saved = mx.nd.load(prefix + "-0001.params")
    assert "arg:lstm_i2h_f_weight" in saved and saved["arg:lstm_i2h_f_weight"].shape == (3, 4)
    np.testing.assert_array_equal(saved["arg:lstm_h2h_o_bias"].asnumpy(),
                                  args["lstm_h2h_bias"].asnumpy()[9:12])
    _, loaded, _ = mx.rnn.load_rnn_checkpoint(cell, prefix, 1)
    for name, value in args.items():
        np.testing.assert_array_equal(loaded[name].asnumpy(), value.asnumpy())


def test_encode_sentences_and_bucket_iterator_train_a_bucketing_module():
    words = [["a", "b", "c"], ["b", "c"], ["c", "a", "b", "a"], ["a", "b"]] * 10
    coded, vocab = mx.rnn.encode_sentences(words, invalid_label=0, start_label=1)
    assert vocab["a"] == 1 and coded[0] == [1, 2, 3]
    with pytest.raises(MXNetError, match="unknown token"):
        mx.rnn.encode_sentences([["zzz"]], vocab=vocab)
    it = mx.rnn.BucketSentenceIter(coded, batch_size=5, buckets=[2, 4], invalid_label=0)
    assert it.default_bucket_key == 4 and it.provide_data[0].shape == (5, 4)
    keys = sorted({batch.bucket_key for batch in it})
    assert keys == [2, 4]
    it.reset()

    def sym_gen(seq_len):
        data = mx.sym.var("data")
        label = mx.sym.var("softmax_label")
        embed = mx.sym.Embedding(data, input_dim=5, output_dim=4, name="embed")
        cell = mx.rnn.GRUCell(6, prefix="gru_")
        outputs, _ = cell.unroll(seq_len, embed, merge_outputs=True)
        pred = mx.sym.FullyConnected(mx.sym.Reshape(outputs, shape=(-1, 6)), num_hidden=5,
                                     name="pred")
        out = mx.sym.SoftmaxOutput(pred, mx.sym.Reshape(label, shape=(-1,)), name="softmax")
        return out, ("data",), ("softmax_label",)

    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=it.default_bucket_key)
    mod.fit(it, num_epoch=2, optimizer="sgd", optimizer_params={"learning_rate": 0.1},
            eval_metric=mx.metric.Perplexity(0), initializer=mx.init.Xavier())
    assert sorted(mod._buckets) == [2, 4]


def test_node_and_parameter_names_are_mxnets():
    """Names as MXNet 1.9.1 gives them (checked with its legacy mx.rnn)."""
    inputs = [mx.sym.Variable("rnn_t%d_data" % i) for i in range(3)]
    for cell in (mx.rnn.RNNCell(10, prefix="rnn_"), mx.rnn.LSTMCell(10, prefix="rnn_"),
                 mx.rnn.GRUCell(10, prefix="rnn_")):
        outputs, _ = cell.unroll(3, inputs)
        group = mx.sym.Group(outputs)
        assert sorted(cell.params._params) == ["rnn_h2h_bias", "rnn_h2h_weight", "rnn_i2h_bias",
                                               "rnn_i2h_weight"]
        assert group.list_outputs() == ["rnn_t0_out_output", "rnn_t1_out_output", "rnn_t2_out_output"]
        shapes = {"rnn_t%d_data" % i: (4, 5) for i in range(3)}
        assert group.infer_shape(**shapes)[1] == [(4, 10)] * 3
    bi = mx.rnn.BidirectionalCell(mx.rnn.LSTMCell(10, prefix="rnn_l0_"),
                                  mx.rnn.LSTMCell(10, prefix="rnn_r0_"), output_prefix="rnn_bi_")
    assert mx.sym.Group(bi.unroll(3, inputs)[0]).list_outputs() == \
        ["rnn_bi_t0_output", "rnn_bi_t1_output", "rnn_bi_t2_output"]
    unfused = mx.rnn.FusedRNNCell(10, num_layers=2, mode="lstm", prefix="test_",
                                  bidirectional=True, dropout=0.5).unfuse()
    group = mx.sym.Group(unfused.unroll(3, inputs)[0])
    assert group.list_outputs() == ["test_bi_l1_t0_output", "test_bi_l1_t1_output",
                                    "test_bi_l1_t2_output"]
    assert "test_l0_i2h_weight" in group.list_arguments()
    stack = mx.rnn.SequentialRNNCell()
    stack.add(mx.rnn.LSTMCell(10, forget_bias=2.0, prefix="l0_"))
    assert [s.name for s in stack.begin_state()] == ["l0_begin_state_0", "l0_begin_state_1"]
    merged, _ = stack.unroll(1, mx.sym.Variable("data"), merge_outputs=True)
    mod = mx.mod.Module(merged, label_names=None)
    mod.bind(data_shapes=[("data", (3, 1, 4))])
    mod.init_params()
    bias = mod.get_params()[0]["l0_i2h_bias"].asnumpy()
    np.testing.assert_array_equal(bias, np.repeat([0., 2., 0., 0.], 10))   # LSTMBias(forget_bias)
    residual = mx.rnn.ResidualCell(mx.rnn.GRUCell(5, prefix="res_"))
    outputs, _ = residual.unroll(2, [mx.sym.var("a"), mx.sym.var("b")])
    assert [o.name for o in outputs] == ["res_t0_out_plus_residual", "res_t1_out_plus_residual"]
