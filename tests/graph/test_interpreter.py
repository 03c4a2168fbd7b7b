"""One interpreter: eager calls and program steps reach the same global node hooks, observers
see every operator step once, and a failing operator is reported in the same words."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, instrument, nd
from mxnb.base import MXNetError
from mxnb.graph import interpreter
from mxnb.graph.program import Program


@pytest.fixture
def hooked():
    calls = []

    def hook(phase, node, inputs, outputs):
        calls.append((phase, node, inputs, outputs))
    instrument.add_node_hook(hook)
    yield calls
    instrument.remove_node_hook(hook)


def _shape_of(call):
    phase, node, inputs, outputs = call
    return (phase, node.op.name, type(node.attrs).__name__,
            [type(a) for a in inputs], [type(a) for a in outputs],
            [a.shape for a in inputs], [a.shape for a in outputs])


def test_eager_call_and_program_step_reach_the_hook_alike(hooked):
    a = nd.array([[1.0, -2.0], [3.0, 4.0]])
    eager = nd.relu(a)
    eager_call = hooked[-1]
    data = mx.sym.var("data")
    ex = mx.sym.relu(data).bind(mx.cpu(), {"data": a})
    program_out = ex.forward()[0]
    program_call = hooked[-1]
    assert _shape_of(eager_call) == _shape_of(program_call) == (
        "forward", "relu", "dict", [np.ndarray], [np.ndarray], [(2, 2)], [(2, 2)])
    assert eager_call[2][0] is a._data and eager_call[3][0] is eager._data
    np.testing.assert_array_equal(program_call[3][0], program_out.asnumpy())


def test_recorded_call_shows_its_tape_node_and_backward_is_a_phase(hooked):
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
    assert hooked[-1][1] is y._entry[0]            # the tape node itself
    del hooked[:]
    y.backward()
    phases = {phase for phase, _, _, _ in hooked}
    assert phases == {"backward"} and hooked        # the gradient's operators, eagerly


def test_observers_see_every_step_once():
    names = []
    observer = instrument.add_op_observer(lambda name, seconds: names.append((name, seconds)))
    try:
        a = nd.ones((2, 2))
        del names[:]
        b = a + a
        c = nd.relu(b)
        nd.sum(c)
        eager = [n for n, _ in names]
        data = mx.sym.var("data")
        sym = mx.sym.sum(mx.sym.relu(data + data))
        ex = sym.bind(mx.cpu(), {"data": a})
        del names[:]
        ex.forward()
        program = [n for n, _ in names]
    finally:
        instrument.remove_op_observer(observer)
    assert eager == ["elemwise_add", "relu", "sum"]
    assert program == ["elemwise_add", "relu", "sum"]
    assert all(seconds >= 0 for _, seconds in names)
    assert not instrument.hooked                     # nothing watches: one flag, off


def test_hooks_cost_nothing_when_removed():
    hook = instrument.add_node_hook(lambda *args: None)
    assert instrument.hooked
    instrument.remove_node_hook(hook)
    assert not instrument.hooked and instrument._hooks == ()


def test_a_failing_operator_is_worded_alike_on_both_paths():
    a, b = nd.ones((2, 3)), nd.ones((4, 5))
    with pytest.raises(MXNetError) as eager:
        nd.dot(a, b)
    x, y = mx.sym.var("x"), mx.sym.var("y")
    program = Program(mx.sym.dot(x, y, name="product")._outputs)
    values = [None] * program.num_slots
    for slot, array in zip(program.variable_slots, (a, b)):
        values[slot] = array._data
    with pytest.raises(MXNetError) as stepped:    # (binding would refuse these shapes first)
        Program.run(program.forward, values, mx.cpu(), False)
    assert str(eager.value).startswith("operator dot")
    assert str(stepped.value) == "node product: " + str(eager.value)
    assert type(stepped.value) is type(eager.value)


def test_compute_runs_an_operator_on_raw_arrays():
    from mxnb.ops import registry
    op = registry.get("broadcast_add")
    out = interpreter.compute(op, [np.ones((2, 1)), np.arange(3.0)], {}, mx.cpu())
    np.testing.assert_array_equal(out, np.ones((2, 1)) + np.arange(3.0))
    with pytest.raises(MXNetError, match="operator broadcast_add failed on inputs"):
        interpreter.compute(op, [np.ones((2, 2)), np.ones((3,))], {}, mx.cpu())


def test_timed_hooks_and_the_profiler_see_node_and_phase():
    timed = []
    hook = instrument.add_node_hook(
        lambda phase, node, ins, outs, seconds: timed.append((phase, node.op.name, seconds)),
        timed=True)
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    try:
        mx.profiler.set_config(profile_imperative=True, aggregate_stats=False)
        mx.profiler.set_state("run")
        with autograd.record():
            y = nd.exp(x)
        y.backward()
        mx.profiler.set_state("stop")
    finally:
        instrument.remove_node_hook(hook)
    assert ("forward", "exp") in [(p, n) for p, n, _ in timed]
    assert all(seconds >= 0 for _, _, seconds in timed)
    spans = [e for e in mx.profiler.get_trace()["traceEvents"]
             if e.get("cat") == "operator" and e["name"] == "exp"]
    assert spans and spans[-1]["args"]["phase"] == "forward"
    assert any(e.get("cat") == "operator" and e["args"]["phase"] == "backward"
               for e in mx.profiler.get_trace()["traceEvents"])
