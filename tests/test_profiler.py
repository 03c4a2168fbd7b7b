"""mx.profiler: a LeNet training step profiled into Chrome trace-event JSON with the expected
spans, MXNet's statistics table, user annotations, pause/resume, and clear errors."""
import json

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd, profiler
from mxnb.base import MXNetError
from mxnb.gluon import nn


@pytest.fixture(autouse=True)
def fresh_profiler():
    profiler._reset_for_tests()
    yield
    profiler._reset_for_tests()


def _lenet_step(hybridize):
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 5, activation="tanh"), nn.MaxPool2D(2, 2), nn.Flatten(),
            nn.Dense(16, activation="tanh"), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    x, y = nd.random.uniform(shape=(8, 1, 28, 28)), nd.array(np.arange(8) % 10)
    net(x)                                    # shapes resolved before the profiled step
    profiler.set_state("run")
    with autograd.record():
        loss = gluon.loss.SoftmaxCrossEntropyLoss()(net(x), y)
    loss.backward()
    trainer.step(8)
    nd.waitall()
    profiler.set_state("stop")


def _validate_trace(doc):
    """The checks Perfetto's JSON importer needs: known phases and typed fields."""
    assert set(doc) >= {"traceEvents"}
    for e in doc["traceEvents"]:
        assert e["ph"] in ("X", "B", "E", "C", "i", "M"), e
        assert isinstance(e["name"], str) and isinstance(e["pid"], int)
        if e["ph"] != "M":
            assert isinstance(e["ts"], float) and e["ts"] > 0
        if e["ph"] == "X":
            assert e["dur"] >= 0 and isinstance(e["tid"], int)
        if e["ph"] == "C":
            assert all(isinstance(v, (int, float)) for v in e["args"].values())


@pytest.mark.parametrize("hybridize", [False, True])
def test_lenet_step_profile_is_valid_chrome_trace_with_expected_spans(tmp_path, hybridize):
    path = tmp_path / "lenet.json"
    profiler.set_config(profile_all=True, aggregate_stats=True, filename=str(path))
    _lenet_step(hybridize)
    profiler.dump()
    doc = json.loads(path.read_text())
    _validate_trace(doc)
    names = {e["name"] for e in doc["traceEvents"] if e["ph"] == "X"}
    # (an eager SoftmaxCrossEntropyLoss runs as the one fused operator it records)
    for op in ("Convolution", "Pooling", "FullyConnected", "_softmax_cross_entropy_pick"):
        assert any(op in n for n in names), (op, sorted(names))
    assert any(n.startswith("_backward_Convolution") for n in names), sorted(names)
    assert any(e["ph"] == "C" and e["cat"] == "memory" for e in doc["traceEvents"])
    processes = [e["args"]["name"] for e in doc["traceEvents"] if e["ph"] == "M"]
    assert "cpu/0" in processes
    table = profiler.dumps()
    assert "operator" in table and "Convolution" in table and "Time (ms)" in table
    assert "Device Storage" in table


def test_dumps_json_sorting_and_reset():
    profiler.set_config(aggregate_stats=True)
    profiler.set_state("run")
    a = nd.ones((50, 50))
    for _ in range(3):
        nd.dot(a, a)
    nd.relu(a)
    profiler.set_state("stop")
    stats = json.loads(profiler.dumps(format="json"))
    ops = stats["Time"]["operator"]
    assert ops["dot"]["Count"] == 3 and ops["relu"]["Count"] == 1
    by_count = profiler.dumps(sort_by="count", ascending=False).splitlines()
    rows = [l for l in by_count if l.startswith(("dot", "relu"))]
    assert rows[0].startswith("dot")
    profiler.dumps(reset=True)
    assert "dot" not in profiler.dumps()


def test_domain_task_frame_counter_marker_and_scope(tmp_path):
    profiler.set_config(aggregate_stats=True, filename=str(tmp_path / "p.json"))
    profiler.set_state("run")
    domain = profiler.Domain("training")
    with domain.new_task("epoch"):
        with profiler.scope("fc:"):
            nd.FullyConnected(nd.ones((2, 3)), nd.ones((4, 3)), num_hidden=4, no_bias=True)
    frame = domain.new_frame("step")
    frame.start()
    frame.stop()
    counter = domain.new_counter("samples", 5)
    counter += 3
    domain.new_marker("checkpoint").mark("process")
    profiler.set_state("stop")
    events = profiler.get_trace()["traceEvents"]
    spans = {(e["cat"], e["name"]) for e in events if e["ph"] == "X"}
    assert ("training", "epoch") in spans and ("training", "step") in spans
    assert ("operator", "fc:FullyConnected") in spans
    counters = [e["args"]["samples"] for e in events if e["ph"] == "C" and e["name"] == "samples"]
    assert counters == [5, 8]
    assert any(e["ph"] == "i" and e["name"] == "checkpoint" for e in events)
    assert "epoch" in profiler.dumps()


def test_pause_and_resume_leave_out_what_runs_between():
    profiler.set_state("run")
    nd.relu(nd.ones((2,)))
    profiler.pause()
    nd.sigmoid(nd.ones((2,)))
    profiler.resume()
    nd.tanh(nd.ones((2,)))
    profiler.set_state("stop")
    nd.exp(nd.ones((2,)))
    names = [e["name"] for e in profiler.get_trace()["traceEvents"] if e["ph"] == "X"]
    assert "relu" in names and "tanh" in names
    assert "sigmoid" not in names and "exp" not in names


def test_bad_configuration_is_a_clear_error():
    with pytest.raises(MXNetError, match=r"unknown argument\(s\) \['profile_everything'\]"):
        profiler.set_config(profile_everything=True)
    with pytest.raises(MXNetError, match="state must be 'run' or 'stop'"):
        profiler.set_state("go")
    with pytest.raises(MXNetError, match="format must be"):
        profiler.dumps(format="xml")
    with pytest.raises(MXNetError, match="stop\\(\\) without start\\(\\)"):
        profiler.Domain("d").new_task("t").stop()


def test_notebook_timeline_draws_every_lane():
    from mxnb.notebook import show_profile
    profiler.set_state("run")
    nd.dot(nd.ones((20, 20)), nd.ones((20, 20)))
    profiler.set_state("stop")
    view = show_profile()
    bundle = view._repr_mimebundle_()
    assert bundle["image/svg+xml"].count("<rect") == len(view.spans) >= 1
    assert "cpu/0" in bundle["image/svg+xml"]
