"""Dead-code elimination over compiled steps."""
import mxnb as mx
from mxnb.graph.passes.dce import live_steps
from mxnb.graph.program import Program


def test_steps_nothing_needs_are_dropped():
    x = mx.sym.var("x")
    a = mx.sym.exp(x)
    b = mx.sym.tanh(x)            # only feeds c
    c = mx.sym.sin(b)
    program = Program(mx.sym.Group([a, c])._outputs)
    wanted = {program.output_slots[0]}           # only `a` is needed
    assert [s.op.name for s in live_steps(program.forward, wanted)] == ["exp"]
    everything = set(program.output_slots)
    assert [s.op.name for s in live_steps(program.forward, everything)] == ["exp", "tanh", "sin"]


def test_what_a_needed_step_reads_stays():
    x = mx.sym.var("x")
    y = mx.sym.exp(mx.sym.tanh(x) + 1.0)
    program = Program(y._outputs)
    assert len(live_steps(program.forward, set(program.output_slots))) == 3
    assert live_steps(program.forward, set()) == []
