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


def _record_known_counts(memory=False):
    """relu once, exp twice, dot three times; a domain with two tasks."""
    profiler.set_config(aggregate_stats=True, profile_memory=memory)
    profiler.set_state("run")
    a = nd.ones((30, 30))
    for op, times in ((nd.relu, 1), (nd.exp, 2)):
        for _ in range(times):
            op(a).wait_to_read()
    for _ in range(3):
        nd.dot(a, a).wait_to_read()
    domain = profiler.Domain("steps")
    for name in ("short", "long"):
        with domain.new_task(name):
            pass
    profiler.set_state("stop")


_COLUMNS = {"count": "Count", "total": "Total", "min": "Min", "max": "Max", "avg": "Avg"}


@pytest.mark.parametrize("ascending", [False, True])
@pytest.mark.parametrize("sort_by", sorted(_COLUMNS))
def test_dumps_json_sorts_every_domain_and_nests_memory(sort_by, ascending):
    _record_known_counts(memory=True)
    stats = json.loads(profiler.dumps(format="json", sort_by=sort_by, ascending=ascending))
    assert {"operator", "steps"} <= set(stats["Time"])
    for rows in stats["Time"].values():
        values = [row[_COLUMNS[sort_by]] for row in rows.values()]
        assert values == sorted(values, reverse=not ascending), (sort_by, rows)
    # memory sits in a domain, as MXNet writes it
    assert list(stats["Memory"]) == ["Device Storage"]
    memory = stats["Memory"]["Device Storage"]["Memory: cpu/0"]
    assert set(memory) == {"Count", "Min", "Max", "Avg"} and memory["Min"] <= memory["Max"]
    if sort_by == "count":
        ops = [n for n in stats["Time"]["operator"] if n in ("relu", "exp", "dot")]
        assert ops == (["relu", "exp", "dot"] if ascending else ["dot", "exp", "relu"])


@pytest.mark.parametrize("ascending", [False, True])
@pytest.mark.parametrize("sort_by", sorted(_COLUMNS))
def test_dumps_table_sorts_every_domain(sort_by, ascending):
    _record_known_counts()
    column = {"count": 1, "total": 2, "min": 3, "max": 4, "avg": 5}[sort_by]
    lines = profiler.dumps(sort_by=sort_by, ascending=ascending).splitlines()
    checked = 0
    for i, line in enumerate(lines):
        if line != "=================":
            continue
        rows = lines[i + 3:lines.index("", i)]     # after the title, the header and its rule
        values = [float(row.split()[column]) for row in rows]
        assert values == sorted(values, reverse=not ascending), (lines[i - 1], rows)
        checked += 1
    assert checked == 2


def test_custom_operator_is_profiled_in_its_own_domain():
    calls = []

    class Double(mx.operator.CustomOp):
        def forward(self, is_train, req, in_data, out_data, aux):
            self.assign(out_data[0], req[0], in_data[0] * 2)
            calls.append(nd.zeros((3, 3)))       # an operator run by the custom one

        def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
            self.assign(in_grad[0], req[0], out_grad[0] * 2)

    @mx.operator.register("ProfilerDouble")
    class DoubleProp(mx.operator.CustomOpProp):
        def list_arguments(self):
            return ["data"]

        def list_outputs(self):
            return ["output"]

        def infer_shape(self, in_shapes):
            return in_shapes, [in_shapes[0]], []

        def create_operator(self, ctx, shapes, dtypes):
            return Double()

    profiler.set_config(aggregate_stats=True)
    profiler.set_state("run")
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    with autograd.record():
        y = nd.Custom(x, op_type="ProfilerDouble")
    y.backward()
    nd.waitall()
    profiler.set_state("stop")
    np.testing.assert_array_equal(x.grad.asnumpy(), np.full(3, 2.0))
    stats = json.loads(profiler.dumps(format="json"))["Time"]
    custom = stats["Custom Operator"]
    assert {"ProfilerDouble::pure_python", "_backward_ProfilerDouble::pure_python",
            "ProfilerDouble::_zeros"} <= set(custom)
    assert custom["ProfilerDouble::_zeros"]["Count"] == 1
    assert not {"Custom", "_backward_Custom"} & set(stats.get("operator", {}))
    spans = {(e["cat"], e["name"]) for e in profiler.get_trace()["traceEvents"] if e["ph"] == "X"}
    assert ("Custom Operator", "ProfilerDouble::pure_python") in spans
    # stopped: the custom operator still runs, and nothing more is recorded
    nd.Custom(x, op_type="ProfilerDouble").wait_to_read()
    assert json.loads(profiler.dumps(format="json"))["Time"]["Custom Operator"][
        "ProfilerDouble::pure_python"]["Count"] == 1


def _trace_names(path):
    doc = json.loads(path.read_text())        # valid JSON after every dump
    _validate_trace(doc)
    return [e["name"] for e in doc["traceEvents"] if e["ph"] != "M"]


def test_continuous_dump_writes_only_new_events_and_a_new_file_starts_empty(tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    ones = nd.ones((2,))
    profiler.set_config(filename=str(first))
    profiler.set_state("run")
    counter = profiler.Domain("d").new_counter("ticks")
    for _ in range(500):
        counter.increment()
    profiler.dump(False)
    assert _trace_names(first) == ["ticks"] * 500
    nd.relu(ones).wait_to_read()
    profiler.dump(False)                      # appends the new span only
    assert _trace_names(first) == ["ticks"] * 500 + ["relu"]
    assert profiler.get_trace()["traceEvents"] == []
    size = first.stat().st_size
    profiler.set_config(filename=str(second))
    nd.sqrt(ones).wait_to_read()
    profiler.dump(False)
    assert _trace_names(second) == ["sqrt"]
    assert first.stat().st_size == size       # the old file is left as it was
    nd.exp(ones).wait_to_read()
    profiler.set_state("stop")
    profiler.dump()
    assert _trace_names(second) == ["sqrt", "exp"]
    # a finished file is started afresh by the next dump
    profiler.set_state("run")
    nd.tanh(ones).wait_to_read()
    profiler.set_state("stop")
    profiler.dump()
    assert _trace_names(second) == ["tanh"]


def test_events_not_dumped_go_to_the_next_file(tmp_path):
    ones = nd.ones((2,))
    profiler.set_config(filename=str(tmp_path / "c.json"))
    profiler.set_state("run")
    nd.sqrt(ones).wait_to_read()
    profiler.set_config(filename=str(tmp_path / "d.json"))
    nd.exp(ones).wait_to_read()
    profiler.set_state("stop")
    profiler.dump()
    assert _trace_names(tmp_path / "d.json") == ["sqrt", "exp"]
    assert not (tmp_path / "c.json").exists()


def test_continuous_dump_to_a_file_removed_meanwhile_starts_it_afresh(tmp_path):
    ones = nd.ones((2,))
    path = tmp_path / "e.json"
    profiler.set_config(filename=str(path))
    profiler.set_state("run")
    nd.relu(ones).wait_to_read()
    profiler.dump(False)
    path.unlink()
    nd.exp(ones).wait_to_read()
    profiler.dump(False)
    profiler.set_state("stop")
    assert _trace_names(path) == ["exp"]
    processes = [e["args"]["name"] for e in json.loads(path.read_text())["traceEvents"]
                 if e["ph"] == "M"]
    assert processes == ["cpu/0"]
