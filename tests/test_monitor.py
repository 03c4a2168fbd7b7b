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
