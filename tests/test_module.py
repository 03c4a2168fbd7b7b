"""mx.mod.Module: the intermediate API (bind, init_params, forward/backward/update, outputs),
fit/score/predict with callbacks and a monitor, several contexts, checkpoints with optimizer
states, BucketingModule, SequentialModule, PythonLossModule, and clear errors for bad input."""
import logging
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from .digits import make_digits


def tutorial_mlp():
    """The seed tutorial's symbolic MLP."""
    data = mx.symbol.Variable("data")
    fc1 = mx.symbol.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.symbol.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.symbol.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.symbol.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.symbol.FullyConnected(data=act2, name="fc3", num_hidden=10)
    return mx.symbol.SoftmaxOutput(data=fc3, name="softmax")


def small_mlp():
    data = mx.sym.var("data")
    fc = mx.sym.FullyConnected(data, num_hidden=5, name="fc1")
    return mx.sym.SoftmaxOutput(fc, name="softmax")


def _iters(batch_size=50, n_train=1500, n_val=500):
    X, y = make_digits(n_train, seed=11)
    Xv, yv = make_digits(n_val, seed=12)
    return (mx.io.NDArrayIter(X, y, batch_size, shuffle=True),
            mx.io.NDArrayIter(Xv, yv, batch_size))


@pytest.mark.slow
def test_tutorial_mlp_fit_with_speedometer_reaches_90_percent(caplog):
    train, val = _iters()
    mod = mx.mod.Module(symbol=tutorial_mlp(), context=mx.cpu())
    with caplog.at_level(logging.INFO):
        mod.fit(train, eval_data=val, optimizer="sgd",
                optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
                eval_metric="acc", num_epoch=8, initializer=mx.init.Xavier(),
                batch_end_callback=mx.callback.Speedometer(50, 10))
    text = caplog.text
    assert "Speed:" in text and "samples/sec" in text
    assert "Epoch[7] Validation-accuracy=" in text and "Epoch[0] Train-accuracy=" in text
    (name, acc), = mod.score(val, mx.metric.Accuracy())
    assert acc > 0.9
    probs = mod.predict(val)
    assert probs.shape == (500, 10)
    assert (probs.asnumpy().argmax(1) == val.label[0][1].asnumpy()).mean() == pytest.approx(acc)


@pytest.mark.slow
def test_two_contexts_split_the_batch_and_train_like_one():
    """data parallelism: each context takes half the batch, gradients are summed."""
    X, y = make_digits(200, seed=5)
    results = []
    for ctx in ([mx.cpu(0)], [mx.cpu(0), mx.cpu(1)]):
        mod = mx.mod.Module(small_mlp(), context=ctx)
        it = mx.io.NDArrayIter(X, y, 40)
        mod.bind(it.provide_data, it.provide_label)
        mx.random.seed(0)
        np.random.seed(0)
        mod.init_params(mx.init.Xavier(rnd_type="gaussian"))
        init_arg = {k: v.copy() for k, v in mod.get_params()[0].items()}
        if results:   # the same starting point
            mod.set_params(results[0][0], {})
        mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
        for batch in it:
            mod.forward_backward(batch)
            mod.update()
        arg, _ = mod.get_params()
        results.append((init_arg,
                        {k: v.asnumpy() for k, v in arg.items()}))
        if len(ctx) == 2:
            execs = mod._exec_group.execs
            assert [e.arg_dict["data"].shape for e in execs] == [(20, 64), (20, 64)]
            assert execs[1].arg_dict["fc1_weight"].context == mx.cpu(1)
    for name in results[0][1]:
        np.testing.assert_allclose(results[0][1][name], results[1][1][name], rtol=1e-4, atol=1e-6)


def test_intermediate_api_and_shapes():
    mod = mx.mod.Module(small_mlp(), context=mx.cpu())
    assert mod.data_names == ["data"] and mod.label_names == ["softmax_label"]
    assert mod.output_names == ["softmax_output"]
    mod.bind(data_shapes=[("data", (4, 3))], label_shapes=[("softmax_label", (4,))],
             inputs_need_grad=True)
    assert mod.data_shapes[0].shape == (4, 3)
    assert mod.output_shapes == [("softmax_output", (4, 5))]
    mod.init_params(initializer=mx.init.One())
    arg, aux = mod.get_params()
    assert sorted(arg) == ["fc1_bias", "fc1_weight"] and aux == {}
    mod.init_optimizer(optimizer_params={"learning_rate": 1.0})
    batch = mx.io.DataBatch([nd.ones((4, 3))], [nd.array([0, 1, 2, 3])])
    mod.forward(batch, is_train=True)
    out = mod.get_outputs()[0]
    np.testing.assert_allclose(out.asnumpy(), np.full((4, 5), 0.2), rtol=1e-6)
    mod.backward()
    grad = mod.get_input_grads()[0]
    assert grad.shape == (4, 3)
    mod.update()
    arg, _ = mod.get_params()
    # Biases start at 0 (One() fills weights); SGD with rescale 1/4 moves them by
    # -(p - onehot) averaged over the batch.
    expected = -(0.2 - np.array([1, 1, 1, 1, 0]) / 4.0)
    np.testing.assert_allclose(arg["fc1_bias"].asnumpy(), expected, rtol=1e-5)
    metric = mx.metric.create("acc")
    mod.update_metric(metric, batch.label)
    assert metric.get()[0] == "accuracy"
    # A smaller batch re-binds (shared parameters); predictions follow it.
    mod.forward(mx.io.DataBatch([nd.ones((2, 3))], [nd.array([0, 1])]), is_train=False)
    assert mod.get_outputs()[0].shape == (2, 5)
    assert mod.data_shapes[0].shape == (2, 3)


def test_fixed_params_are_not_updated():
    mod = mx.mod.Module(small_mlp(), fixed_param_names=["fc1_weight"])
    mod.bind([("data", (4, 3))], [("softmax_label", (4,))])
    mod.init_params(mx.init.One())
    mod.init_optimizer(optimizer_params={"learning_rate": 1.0})
    mod.forward_backward(mx.io.DataBatch([nd.ones((4, 3))], [nd.array([0, 1, 2, 3])]))
    mod.update()
    arg, _ = mod.get_params()
    assert np.all(arg["fc1_weight"].asnumpy() == 1)
    assert not np.all(arg["fc1_bias"].asnumpy() == 1)


def test_predict_merge_batches_pad_and_iter_predict():
    X = np.random.RandomState(0).rand(10, 3).astype(np.float32)
    it = mx.io.NDArrayIter(X, np.zeros(10), batch_size=4)   # last batch padded by 2
    mod = mx.mod.Module(small_mlp())
    mod.bind(it.provide_data, it.provide_label, for_training=False)
    mod.init_params()
    merged = mod.predict(it)
    assert merged.shape == (10, 5)
    per_batch = mod.predict(it, merge_batches=False)
    assert [len(b) for b in per_batch] == [1, 1, 1] and per_batch[-1][0].shape == (2, 5)
    assert isinstance(mod.predict(it, always_output_list=True), list)
    assert len(mod.predict(it, num_batch=1)) == 4
    seen = [(outs[0].shape, i) for outs, i, batch in mod.iter_predict(it)]
    assert seen == [((4, 5), 0), ((4, 5), 1), ((2, 5), 2)]
    np.testing.assert_allclose(mod.predict(X[:3]).asnumpy(), merged.asnumpy()[:3], rtol=1e-6)


def test_checkpoint_round_trip_with_optimizer_states(tmp_path):
    prefix = str(tmp_path / "mlp")
    X, y = make_digits(100, seed=2)
    it = mx.io.NDArrayIter(X, y, 20)
    mod = mx.mod.Module(small_mlp())
    mod.fit(it, num_epoch=2, optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
            epoch_end_callback=mx.callback.module_checkpoint(mod, prefix, save_optimizer_states=True))
    assert os.path.exists(prefix + "-symbol.json") and os.path.exists(prefix + "-0002.params")
    assert os.path.exists(prefix + "-0002.states")
    loaded = mx.mod.Module.load(prefix, 2, load_optimizer_states=True)
    loaded.bind(it.provide_data, it.provide_label)
    loaded.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9})
    for name, value in mod.get_params()[0].items():
        np.testing.assert_array_equal(loaded.get_params()[0][name].asnumpy(), value.asnumpy())
    momentum = mod._updater.states
    assert set(loaded._updater.states) == set(momentum)
    for key in momentum:
        np.testing.assert_array_equal(loaded._updater.states[key].asnumpy(), momentum[key].asnumpy())
    # Training resumes identically from the loaded states.
    batch = next(iter(it))
    for m in (mod, loaded):
        m.forward_backward(batch)
        m.update()
    np.testing.assert_allclose(loaded.get_params()[0]["fc1_weight"].asnumpy(),
                               mod.get_params()[0]["fc1_weight"].asnumpy(), rtol=1e-6)
    # save_params / load_params
    mod.save_params(prefix + "-x.params")
    other = mx.mod.Module(small_mlp())
    other.bind(it.provide_data, it.provide_label)
    other.init_params()
    other.load_params(prefix + "-x.params")
    np.testing.assert_array_equal(other.get_params()[0]["fc1_bias"].asnumpy(),
                                  mod.get_params()[0]["fc1_bias"].asnumpy())
    sym, arg, aux = mx.model.load_checkpoint(prefix, 2)
    assert sym.list_arguments() == small_mlp().list_arguments() and "fc1_weight" in arg


def test_monitor_sees_outputs_and_weights():
    mod = mx.mod.Module(small_mlp())
    mod.bind([("data", (4, 3))], [("softmax_label", (4,))])
    mod.init_params()
    mon = mx.monitor.Monitor(1, pattern=".*")
    mod.install_monitor(mon)
    mon.tic()
    mod.forward(mx.io.DataBatch([nd.ones((4, 3))], [nd.zeros((4,))]))
    names = [name for _, name, _ in mon.toc()]
    assert "fc1_output" in names and "softmax_output" in names and "fc1_weight" in names
    # A smaller batch re-binds the executors; the monitor follows them.
    mon.tic()
    mod.forward(mx.io.DataBatch([nd.ones((2, 3))], [nd.zeros((2,))]))
    stats = mon.toc()
    assert [name for _, name, _ in stats].count("fc1_weight") == 1
    assert "softmax_output" in [name for _, name, _ in stats]


def test_bucketing_module_shares_parameters_between_buckets():
    def sym_gen(length):
        data = mx.sym.var("data")
        net = mx.sym.FullyConnected(mx.sym.sum(data, axis=1, keepdims=True), num_hidden=3,
                                    name="fc")
        return mx.sym.SoftmaxOutput(net, name="softmax"), ("data",), ("softmax_label",)

    mod = mx.mod.BucketingModule(sym_gen, default_bucket_key=6)
    mod.bind([("data", (2, 6))], [("softmax_label", (2,))])
    mod.init_params(mx.init.One())
    mod.init_optimizer(optimizer_params={"learning_rate": 0.1})
    for length in (6, 4, 6):
        batch = mx.io.DataBatch([nd.ones((2, length))], [nd.array([0, 1])], bucket_key=length,
                                provide_data=[mx.io.DataDesc("data", (2, length))],
                                provide_label=[mx.io.DataDesc("softmax_label", (2,))])
        mod.forward(batch)
        mod.backward()
        mod.update()
        assert mod.get_outputs()[0].shape == (2, 3)
    assert sorted(mod._buckets) == [4, 6]
    w6 = mod._buckets[6]._exec_group.execs[0].arg_dict["fc_weight"]
    w4 = mod._buckets[4]._exec_group.execs[0].arg_dict["fc_weight"]
    assert w6 is w4


def test_sequential_module_with_a_python_loss():
    data = mx.sym.var("data")
    body = mx.mod.Module(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), label_names=None)
    loss = mx.mod.PythonLossModule(grad_func=lambda scores, labels: scores - labels.reshape((-1, 1)))
    seq = mx.mod.SequentialModule()
    seq.add(body).add(loss, take_labels=True, auto_wiring=True)
    seq.bind([("data", (4, 3))], [("softmax_label", (4,))])
    seq.init_params(mx.init.Zero())
    seq.init_optimizer(optimizer_params={"learning_rate": 0.1})
    batch = mx.io.DataBatch([nd.ones((4, 3))], [nd.ones((4,))])
    seq.forward(batch)
    assert seq.get_outputs()[0].shape == (4, 2)
    seq.backward()
    seq.update()
    arg, _ = seq.get_params()
    # grad of scores = 0 - 1 for every entry; SGD step lr * mean over the batch (rescale 1/4)
    np.testing.assert_allclose(arg["fc_bias"].asnumpy(), [0.1, 0.1], rtol=1e-5)


# --- bad input ----------------------------------------------------------------------------------
def _bound():
    mod = mx.mod.Module(small_mlp())
    mod.bind([("data", (4, 3))], [("softmax_label", (4,))])
    mod.init_params()
    return mod


def test_a_batch_of_the_wrong_shape_names_the_shapes():
    mod = _bound()
    with pytest.raises(MXNetError, match=r"\(4, 7\).*fc1_weight of shape \(5, 7\).*\(5, 3\).*bound for.*\(4, 3\)"):
        mod.forward(mx.io.DataBatch([nd.ones((4, 7))], [nd.zeros((4,))]))
    with pytest.raises(MXNetError, match="2 data arrays, the module takes 1"):
        mod.forward(mx.io.DataBatch([nd.ones((4, 3)), nd.ones((4, 3))], [nd.zeros((4,))]))


def test_misspelt_optimizer_metric_kvstore_and_names():
    train = mx.io.NDArrayIter(np.ones((8, 3)), np.zeros(8), 4)
    with pytest.raises(MXNetError, match="optimizer 'sgdd'.*sgd"):
        mx.mod.Module(small_mlp()).fit(train, optimizer="sgdd", num_epoch=1)
    with pytest.raises(MXNetError, match="acuracy.*accuracy"):
        mx.mod.Module(small_mlp()).fit(train, eval_metric="acuracy", num_epoch=1)
    with pytest.raises(MXNetError, match="kvstore 'lcoal'"):
        mx.mod.Module(small_mlp()).fit(train, kvstore="lcoal", num_epoch=1)
    with pytest.raises(MXNetError, match="num_epoch"):
        mx.mod.Module(small_mlp()).fit(train)
    for _ in train:   # exhausted and not reset
        pass
    with pytest.raises(MXNetError, match="no batch"):
        mx.mod.Module(small_mlp()).fit(train, num_epoch=1)
    with pytest.raises(ValueError, match="data_names=\\['dat'\\].*Did you mean one of:\n\tdata"):
        mx.mod.Module(small_mlp(), data_names=["dat"])
    with pytest.raises(ValueError, match="data_shapes don't match names"):
        mx.mod.Module(small_mlp()).bind([("x", (4, 3))])


def test_calls_out_of_order_say_what_to_call_first():
    mod = mx.mod.Module(small_mlp())
    with pytest.raises(MXNetError, match="bind"):
        mod.forward(mx.io.DataBatch([nd.ones((4, 3))]))
    with pytest.raises(MXNetError, match="bind"):
        mod.init_params()
    mod = _bound()
    with pytest.raises(MXNetError, match="init_optimizer"):
        mod.update()
    with pytest.raises(MXNetError, match="inputs_need_grad"):
        mod.get_input_grads()


# --- against MXNet 1.9.1 ------------------------------------------------------------------------
FIT_FIXTURE = os.path.join(os.path.dirname(__file__), "data", "mxnet191_module_fit.npz")


@pytest.mark.parametrize("tag, ctx", [("one", [mx.cpu(0)]), ("two", [mx.cpu(0), mx.cpu(1)])])
def test_fit_gives_mxnets_parameters(tag, ctx):
    """SGD with momentum and weight decay from the same start: the parameters after two epochs,
    the cross-entropy score and the predictions equal MXNet 1.9.1's (tests/data/make_module_fit.py)."""
    ref = np.load(FIT_FIXTURE)
    data = mx.sym.var("data")
    act = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=4, name="fc1"),
                            act_type="tanh", name="act")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(act, num_hidden=3, name="fc2"),
                               name="softmax")
    mod = mx.mod.Module(net, context=ctx)
    it = mx.io.NDArrayIter(ref["X"], ref["y"], batch_size=10, shuffle=False)
    init = {k.split(":")[1]: nd.array(ref[k]) for k in ref.files if k.startswith("init:")}
    mod.fit(it, num_epoch=2, optimizer="sgd",
            optimizer_params={"learning_rate": 0.2, "momentum": 0.9, "wd": 0.01},
            arg_params=init, eval_metric="acc")
    arg, _ = mod.get_params()
    for name, value in arg.items():
        np.testing.assert_allclose(value.asnumpy(), ref["%s:%s" % (tag, name)], rtol=1e-5,
                                   atol=1e-6, err_msg=name)
    (_, _), (ce_name, ce) = mod.score(it, ["acc", "ce"])
    assert ce_name == "cross-entropy" and ce == pytest.approx(float(ref["%s:score" % tag]), rel=1e-5)
    np.testing.assert_allclose(mod.predict(it).asnumpy(), ref["%s:predict" % tag], rtol=1e-5, atol=1e-6)


def _mlp(num_layers):
    net = mx.sym.var("data")
    for i in range(num_layers):
        net = mx.sym.FullyConnected(net, num_hidden=3, name="fc%d" % i)
    return mx.sym.SoftmaxOutput(net, name="softmax")


def test_executor_group_takes_plain_shape_tuples_as_mxnet():
    Group = mx.mod.DataParallelExecutorGroup
    sym = _mlp(1)
    params = ["fc0_weight", "fc0_bias"]
    group = Group(sym, [mx.cpu(0), mx.cpu(1)], [1, 1], [("data", (4, 5))],
                  [("softmax_label", (4,))], params, True, False)
    assert [d.name for d in group.data_shapes] == ["data"]
    assert isinstance(group.data_shapes[0], mx.io.DataDesc)
    assert [e.arg_dict["data"].shape for e in group.execs] == [(2, 5), (2, 5)]
    x = np.random.rand(4, 5).astype(np.float32)
    w = np.random.rand(3, 5).astype(np.float32)
    group.set_params({"fc0_weight": nd.array(w), "fc0_bias": nd.zeros(3)}, {})
    group.forward(mx.io.DataBatch([nd.array(x)], [nd.zeros(4)]), is_train=False)
    logits = x @ w.T
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(group.get_outputs()[0].asnumpy(), expected, rtol=1e-5)
    group.reshape([("data", (6, 5))], [("softmax_label", (6,))])
    assert group.execs[0].arg_dict["data"].shape == (3, 5)


def test_executor_group_sharing_keeps_one_table_of_non_parameters():
    # MXNet 1.9.1 (test_module.py test_executor_group): the shared group's table gains the new
    # group's arguments that are not parameters; the parameters share memory
    Group = mx.mod.DataParallelExecutorGroup
    ctxs = [mx.cpu(0), mx.cpu(1)]
    small, big = _mlp(2), _mlp(4)
    inputs = ["data", "softmax_label"]
    params = [n for n in small.list_arguments() if n not in inputs]
    shapes = dict(data_shapes=[("data", (4, 5))], label_shapes=[("softmax_label", (4,))])
    first = Group(small, ctxs, [1, 1], param_names=params, for_training=True,
                  inputs_need_grad=False, **shapes)
    assert [sorted(t) for t in first.shared_data_arrays] == [inputs, inputs]
    second = Group(big, ctxs, [1, 1], param_names=params, for_training=True,
                   inputs_need_grad=False, shared_group=first, **shapes)
    extra = sorted(n for n in big.list_arguments() if n not in params)
    assert len(extra) == 6
    assert second.shared_data_arrays is first.shared_data_arrays
    for i, (old, new) in enumerate(zip(first.execs, second.execs)):
        assert sorted(first.shared_data_arrays[i]) == extra
        for name in extra:
            assert mx.test_utils.same_array(second.shared_data_arrays[i][name], new.arg_dict[name])
        for name in params:
            assert mx.test_utils.same_array(old.arg_dict[name], new.arg_dict[name])
            assert mx.test_utils.same_array(old.grad_dict[name], new.grad_dict[name])
        assert second.grad_req == {**first.grad_req, **{n: second.grad_req[n] for n in extra}}


def test_executor_group_grad_req_dict_overrides_the_write_defaults_as_mxnet():
    sym = _mlp(2)
    group = mx.mod.DataParallelExecutorGroup(
        sym, [mx.cpu()], [1], [("data", (2, 5))], [("softmax_label", (2,))],
        ["fc0_weight", "fc0_bias", "fc1_weight", "fc1_bias"], True, True,
        fixed_param_names=["fc0_weight"], grad_req={"fc1_bias": "add"})
    assert group.grad_req == {"data": "write", "fc0_weight": "null", "fc0_bias": "write",
                              "fc1_weight": "write", "fc1_bias": "add", "softmax_label": "null"}


def test_module_keeps_a_row_sparse_parameter_row_sparse():
    # MXNet 1.9.1: arg_params follow the executors' storage types and are initialised
    data = mx.symbol.var("data", stype="csr")
    v = mx.symbol.var("v", shape=(6, 1), init=mx.init.Uniform(scale=0.1), stype="row_sparse")
    out = mx.symbol.LinearRegressionOutput(mx.symbol.dot(data, v), mx.symbol.var("label"))
    mod = mx.mod.Module(out, data_names=["data"], label_names=["label"])
    mod.bind(data_shapes=[("data", (4, 6))], label_shapes=[("label", (4, 1))])
    mod.init_params()
    arg_params, _ = mod.get_params()
    assert arg_params["v"].stype == "row_sparse"
    values = arg_params["v"].asnumpy()
    assert np.abs(values).max() <= 0.1 and np.abs(values).sum() > 0
