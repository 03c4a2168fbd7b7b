"""mx.mon.Monitor on an executor: which tensors it collects, when, and the statistic it reports."""
import logging

import numpy as np
import pytest

import mxnb as mx


def _bound_net():
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    exe = net.simple_bind(mx.cpu(), data=(2, 3), grad_req="null")
    exe.arg_dict["data"][:] = np.arange(6, dtype=np.float32).reshape(2, 3) - 2
    exe.arg_dict["fc1_weight"][:] = 0.5
    exe.arg_dict["fc1_bias"][:] = 0.25
    return exe


def _rms(values):
    values = np.asarray(values, dtype=np.float64)
    return np.sqrt((values ** 2).sum() / values.size)


def _collect(mon, exe):
    mon.tic()
    exe.forward(is_train=False)
    return mon.toc()


def test_default_stat_is_root_mean_square_of_outputs_and_arguments():
    exe = _bound_net()
    mon = mx.mon.Monitor(1, sort=True)
    mon.install(exe)
    res = _collect(mon, exe)
    assert [name for _, name, _ in res] == ["data", "fc1_bias", "fc1_output", "fc1_weight",
                                            "relu1_output"]
    stats = {name: float(text.rstrip("\t")) for _, name, text in res}
    data = np.arange(6).reshape(2, 3) - 2
    fc1 = data @ np.full((3, 4), 0.5) + 0.25
    assert stats["data"] == pytest.approx(_rms(data), rel=1e-6)
    assert stats["fc1_output"] == pytest.approx(_rms(fc1), rel=1e-6)
    assert stats["relu1_output"] == pytest.approx(_rms(np.maximum(fc1, 0)), rel=1e-6)
    assert all(step == 1 for step, _, _ in res)
    assert all(text.endswith("\t") for _, _, text in res)


def test_interval_collects_every_nth_batch_only():
    exe = _bound_net()
    mon = mx.mon.Monitor(2, pattern=".*output")
    mon.install(exe)
    steps = [_collect(mon, exe) for _ in range(4)]
    assert [len(s) for s in steps] == [2, 0, 2, 0]
    assert [s[0][0] for s in steps if s] == [1, 3]


def test_pattern_matches_from_the_start_of_names():
    exe = _bound_net()
    mon = mx.mon.Monitor(1, pattern="fc1_.*")
    mon.install(exe)
    names = {name for _, name, _ in _collect(mon, exe)}
    assert names == {"fc1_output", "fc1_weight", "fc1_bias"}


def test_unsorted_results_keep_execution_order_then_arguments():
    exe = _bound_net()
    mon = mx.mon.Monitor(1)
    mon.install(exe)
    names = [name for _, name, _ in _collect(mon, exe)]
    assert names == ["fc1_output", "relu1_output", "data", "fc1_weight", "fc1_bias"]


def test_monitor_all_adds_node_inputs():
    exe = _bound_net()
    mon = mx.mon.Monitor(1, pattern="fc1_data|fc1_output", monitor_all=True)
    mon.install(exe)
    names = [name for _, name, _ in _collect(mon, exe)]
    assert "fc1_data" in names and "fc1_output" in names


def test_custom_stat_func_with_several_values():
    exe = _bound_net()
    mon = mx.mon.Monitor(1, stat_func=lambda x: [x.max(), x.min() * 0 + x.size], pattern="data")
    mon.install(exe)
    ((step, name, text),) = _collect(mon, exe)
    assert name == "data" and text.split("\t") == ["3.0", "6.0", ""]

    bad = mx.mon.Monitor(1, stat_func=lambda x: 1.0, pattern="data")
    bad.install(exe)
    with pytest.raises(TypeError, match="stat_func"):
        _collect(bad, exe)


def test_toc_without_tic_is_empty_and_toc_print_logs(caplog):
    exe = _bound_net()
    mon = mx.mon.Monitor(1, pattern="relu1_output")
    mon.install(exe)
    exe.forward()
    assert mon.toc() == []
    mon.tic()
    exe.forward()
    with caplog.at_level(logging.INFO):
        mon.toc_print()
    assert any("Batch:       1 relu1_output" in r.getMessage() for r in caplog.records)


def test_one_monitor_on_two_executors():
    first, second = _bound_net(), _bound_net()
    second.arg_dict["fc1_bias"][:] = 1.0
    mon = mx.mon.Monitor(1, pattern="fc1_bias")
    mon.install(first)
    mon.install(second)
    mon.tic()
    first.forward()
    second.forward()
    values = sorted(float(text) for _, _, text in mon.toc())
    assert values == [0.25, 1.0]


# --- the backward pass: one node per forward node, named as MXNet 1.9.1's ---------------------

def _backward_report(net, shapes, seed=0, monitor_all=False):
    """[(name, array)] a monitor callback sees in one backward pass (every argument wants
    its gradient), with the executor and the head gradients used."""
    exe = net.simple_bind(mx.cpu(), **shapes)
    rng = np.random.RandomState(seed)
    for arr in exe.arg_arrays:
        arr[:] = rng.uniform(-1, 1, arr.shape)
    exe.forward(is_train=True)
    heads = [mx.nd.array(rng.uniform(-1, 1, o.shape)) for o in exe.outputs]
    seen = []
    exe.set_monitor_callback(lambda name, arr: seen.append((name, arr.asnumpy().copy())),
                             monitor_all)
    exe.backward(heads)
    return seen, exe, [h.asnumpy() for h in heads]


def _backward_names(net, shapes, pattern=".*backward.*", monitor_all=False):
    exe = net.simple_bind(mx.cpu(), **shapes)
    mon = mx.mon.Monitor(1, pattern=pattern, monitor_all=monitor_all)
    mon.install(exe)
    mon.tic()
    exe.forward(is_train=True)
    exe.backward([mx.nd.ones(o.shape) for o in exe.outputs])
    return [name for _, name, _ in mon.toc()]


def test_fully_connected_backward_is_one_node_of_input_gradients():
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    seen, exe, (og,) = _backward_report(net, {"data": (2, 4)})
    values = dict(seen)
    assert [name for name, _ in seen] == ["fc_backward_output0", "fc_backward_output1",
                                          "fc_backward_output2"]
    x, w = exe.arg_dict["data"].asnumpy(), exe.arg_dict["fc_weight"].asnumpy()
    np.testing.assert_allclose(values["fc_backward_output0"], og @ w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values["fc_backward_output1"], og.T @ x, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values["fc_backward_output2"], og.sum(axis=0), rtol=1e-5, atol=1e-6)


def _conv_reference(x, w, og):
    """Gradients of a stride-1, unpadded 2-D convolution (NCHW), written with loops."""
    kh, kw = w.shape[2:]
    grad_x, grad_w = np.zeros_like(x), np.zeros_like(w)
    for i in range(og.shape[2]):
        for j in range(og.shape[3]):
            window = x[:, :, i:i + kh, j:j + kw]
            grad_w += np.einsum("nf,nchw->fchw", og[:, :, i, j], window)
            grad_x[:, :, i:i + kh, j:j + kw] += np.einsum("nf,fchw->nchw", og[:, :, i, j], w)
    return grad_x, grad_w, og.sum(axis=(0, 2, 3))


def test_convolution_backward_names_and_values():
    net = mx.sym.Convolution(mx.sym.var("data"), kernel=(3, 3), num_filter=2, name="conv")
    seen, exe, (og,) = _backward_report(net, {"data": (2, 3, 5, 5)}, seed=1)
    assert [name for name, _ in seen] == ["conv_backward_output0", "conv_backward_output1",
                                          "conv_backward_output2"]
    expected = _conv_reference(exe.arg_dict["data"].asnumpy().astype(np.float64),
                               exe.arg_dict["conv_weight"].asnumpy().astype(np.float64), og)
    for (name, value), want in zip(seen, expected):
        np.testing.assert_allclose(value, want, rtol=1e-4, atol=1e-5, err_msg=name)


def test_backward_names_of_a_convolutional_block_match_mxnet():
    data = mx.sym.var("data")
    conv = mx.sym.Convolution(data, kernel=(3, 3), num_filter=2, name="conv")
    bn = mx.sym.BatchNorm(conv, name="bn")
    act = mx.sym.Activation(bn, act_type="relu", name="act")
    pool = mx.sym.Pooling(act, kernel=(2, 2), pool_type="max", name="pool")
    net = mx.sym.FullyConnected(pool, num_hidden=2, no_bias=True, name="fc")
    # as MXNet 1.9.1 prints them (BatchNorm's moving mean and var, auxiliary, get none)
    assert _backward_names(net, {"data": (1, 1, 6, 6)}) == [
        "fc_backward_output0", "fc_backward_output1", "pool_backward_output",
        "act_backward_output", "bn_backward_output0", "bn_backward_output1",
        "bn_backward_output2", "conv_backward_output0", "conv_backward_output1",
        "conv_backward_output2"]


def test_backward_names_of_arithmetic_match_mxnet():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    # elemwise_add passes its head gradient on: MXNet has no backward node for it
    assert _backward_names(mx.sym.elemwise_add(a, b, name="add"), {"a": (2,), "b": (2,)}) == []
    assert _backward_names(mx.sym.elemwise_mul(a, b, name="mul"), {"a": (2,), "b": (2,)}) == [
        "mul_backward_output0", "mul_backward_output1"]
    assert _backward_names(mx.sym.relu(a, name="r"), {"a": (2,)}) == ["r_backward_output"]


def test_monitor_all_keeps_forward_names_and_names_backward_inputs():
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    names = _backward_names(net, {"data": (2, 4)}, pattern=".*", monitor_all=True)
    assert names[:7] == ["data", "fc_data", "fc_weight", "fc_weight", "fc_bias", "fc_bias",
                         "fc_output"]
    backward = [n for n in names[7:] if "backward" in n]
    assert backward[-3:] == ["fc_backward_output0", "fc_backward_output1",
                             "fc_backward_output2"]
    assert all(n.startswith("fc_backward_input") for n in backward[:-3])
    assert not any(n.startswith("_grad_") for n in names)


def test_module_monitor_reports_backward_nodes_as_mxnet():
    """The example/image-classification `--monitor` case: data and label want no gradient,
    yet MXNet's backward nodes give every input's (the label's as zeros)."""
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3,
                                                     name="fc"), name="softmax")
    mon = mx.mon.Monitor(1, pattern=".*backward.*", sort=True)
    mod = mx.mod.Module(net)
    mod.bind([("data", (2, 4))], [("softmax_label", (2,))])
    mod.init_params()
    mod.init_optimizer()
    mod.install_monitor(mon)
    mon.tic()
    mod.forward_backward(mx.io.DataBatch([mx.nd.ones((2, 4))], [mx.nd.array([0, 1])]))
    assert [name for _, name, _ in mon.toc()] == [
        "fc_backward_output0", "fc_backward_output1", "fc_backward_output2",
        "softmax_backward_output0", "softmax_backward_output1"]


def test_gradients_no_argument_wants_are_reported_not_written():
    data, label = mx.sym.var("data"), mx.sym.var("softmax_label")
    net = mx.sym.SoftmaxOutput(mx.sym.FullyConnected(data, num_hidden=3, name="fc"), label,
                               name="softmax")
    exe = net.simple_bind(mx.cpu(), data=(2, 4), softmax_label=(2,),
                          grad_req={"fc_weight": "write", "fc_bias": "write"})
    rng = np.random.RandomState(3)
    x, w, b = rng.uniform(-1, 1, (2, 4)), rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, 3)
    for name, value in (("data", x), ("fc_weight", w), ("fc_bias", b),
                        ("softmax_label", [2, 0])):
        exe.arg_dict[name][:] = value
    seen = {}
    exe.set_monitor_callback(lambda name, arr: seen.setdefault(name, arr.asnumpy().copy()))
    exe.forward(is_train=True)
    exe.backward()
    scores = x @ w.T + b
    prob = np.exp(scores - scores.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    grad_scores = prob - np.eye(3)[[2, 0]]
    np.testing.assert_allclose(seen["softmax_backward_output0"], grad_scores, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(seen["softmax_backward_output1"], np.zeros(2))
    np.testing.assert_allclose(seen["fc_backward_output0"], grad_scores @ w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(exe.grad_dict["fc_weight"].asnumpy(), grad_scores.T @ x,
                               rtol=1e-5, atol=1e-6)
    assert set(exe.grad_dict) == {"fc_weight", "fc_bias"}

    exe.set_monitor_callback(None)      # removed: nothing more reported
    seen.clear()
    exe.forward(is_train=True)
    exe.backward()
    assert seen == {}
    np.testing.assert_allclose(exe.grad_dict["fc_bias"].asnumpy(), grad_scores.sum(axis=0),
                               rtol=1e-5, atol=1e-6)


def test_gradient_passed_on_by_elemwise_add_is_named_by_its_input():
    data = mx.sym.var("data")
    left = mx.sym.Activation(mx.sym.FullyConnected(data, num_hidden=4, name="fa"),
                             act_type="tanh", name="ta")
    right = mx.sym.FullyConnected(data, num_hidden=4, name="fb")
    net = mx.sym.FullyConnected(mx.sym.elemwise_add(left, right, name="res"), num_hidden=2,
                                name="out")
    # as MXNet 1.9.1 prints them: elemwise_add has no backward node of its own
    assert sorted(_backward_names(net, {"data": (2, 3)})) == [
        "fa_backward_output0", "fa_backward_output1", "fa_backward_output2",
        "fb_backward_output0", "fb_backward_output1", "fb_backward_output2",
        "out_backward_output0", "out_backward_output1", "out_backward_output2",
        "ta_backward_output"]
    seen, exe, (og,) = _backward_report(net, {"data": (2, 3)}, seed=2)
    values = dict(seen)
    grad_res = og @ exe.arg_dict["out_weight"].asnumpy()
    np.testing.assert_allclose(values["out_backward_output0"], grad_res, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(values["fb_backward_output0"],
                               grad_res @ exe.arg_dict["fb_weight"].asnumpy(), rtol=1e-5, atol=1e-6)


def test_backward_names_of_older_and_multi_node_gradients_match_mxnet():
    a, b, cond = mx.sym.var("a"), mx.sym.var("b"), mx.sym.var("cond")
    # MXNet's OperatorProperty operators name their gradients by the inputs' names
    assert _backward_names(mx.sym.L2Normalization(a, name="l2"), {"a": (2, 3)}) == [
        "l2_backward_data"]
    assert _backward_names(mx.sym.SVMOutput(a, b, name="svm"), {"a": (2, 3), "b": (2,)}) == [
        "svm_backward_data", "svm_backward_label"]
    # gradients MXNet builds of several named nodes
    assert _backward_names(mx.sym.batch_dot(a, b, name="bd"),
                           {"a": (2, 2, 3), "b": (2, 3, 2)}) == [
        "bd_backward_lhs_output", "bd_backward_rhs_output"]
    assert sorted(_backward_names(mx.sym.where(cond, a, b, name="w"),
                                  {"a": (2, 3), "b": (2, 3), "cond": (2, 3)})) == [
        "w_backward_output0", "w_backward_output1", "w_cond_backward_output"]


def test_backward_of_a_cached_op_with_auxiliary_states_among_its_inputs():
    # a _CachedOp body of two BatchNorms has the first one's statistics before the second's
    # weights: the monitor reports the arguments' gradients only, never the statistics'
    x = mx.sym.var("x")
    body = mx.sym.BatchNorm(mx.sym.BatchNorm(x, name="bn1"), name="bn2")
    inputs = [mx.sym.var(n) for n in body.list_inputs()]
    cached = mx.sym._internal._CachedOp(*inputs, subgraph=body.tojson(), name="cop")
    net = mx.sym.FullyConnected(cached, num_hidden=2, name="fc")
    exe = net.simple_bind(mx.cpu(), x=(2, 3))
    seen = []
    exe.set_monitor_callback(lambda name, array: seen.append((name, array.asnumpy())))
    exe.forward(is_train=True)
    exe.backward(mx.nd.ones((2, 2)))
    values = dict(seen)
    # forward: the body's outputs, not the seed mxnb keeps for the backward
    assert [n for n in values if n.startswith("cop_") and "backward" not in n] == [
        "cop_" + n for n in body.list_outputs()]
    arguments = [n for n in body.list_inputs() if "moving" not in n]
    positions = [body.list_inputs().index(n) for n in arguments]
    assert sorted(n for n in values if n.startswith("cop_backward")) == sorted(
        "cop_backward_output%d" % p for p in positions)
    for name, position in zip(arguments, positions):
        np.testing.assert_array_equal(values["cop_backward_output%d" % position],
                                      exe.grad_dict[name].asnumpy())
