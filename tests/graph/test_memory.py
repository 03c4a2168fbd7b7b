"""Memory planning: buffers reused across steps and iterations, never shared by two live values."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.graph.passes.memory import MemoryPlan, check_plan

from .nets import NETS, build, train_steps


def _plans(net):
    return {phase: report.plan for phase, report in net._cached_op.optimizer.reports.items()}


@pytest.mark.parametrize("name", sorted(NETS))
def test_every_plan_of_every_test_network_passes_the_checker(name):
    # plan_memory runs check_plan on every plan it builds (so every hybridized network of the
    # whole test suite is checked); here the check is run again, on the plans themselves
    net, _ = train_steps(name, optimize=True, steps=2)
    plans = _plans(net)
    assert set(plans) == {"forward", "backward"}
    for plan in plans.values():
        assert check_plan(plan)
        for slot, start, end, buf, _ in plan.intervals:
            assert start <= end


def test_the_checker_refuses_two_live_values_in_one_buffer():
    plan = MemoryPlan(3)
    plan.intervals = [(10, 0, 2, 7, False), (11, 1, 2, 7, False)]
    with pytest.raises(MXNetError, match="share one buffer"):
        check_plan(plan)
    plan.intervals = [(10, 0, 1, 7, False), (11, 1, 2, 7, True)]
    with pytest.raises(MXNetError):
        check_plan(plan)             # meeting at step 1 without that step being in place
    plan.inplace_steps = {1: 7}
    assert check_plan(plan)
    plan.intervals = [(10, 0, 0, 7, False), (11, 1, 2, 7, False)]
    plan.inplace_steps = {}
    assert check_plan(plan)


def test_buffers_are_reused_within_a_run_and_across_iterations():
    net, x = build("chain", optimize=True)
    with mx.autograd.record():
        net(x)
    net(x)
    plan = net._cached_op.optimizer.reports["forward"].plan
    planned = [v for v in plan.out_views if v is not None]
    assert planned, "the elementwise chain has planned outputs"
    before = [id(b) for b in plan.buffers]
    for _ in range(3):
        net(x)
    assert [id(b) for b in plan.buffers] == before        # static: no new buffers
    assert plan.buffer_bytes <= plan.planned_bytes


def test_a_recorded_call_keeps_only_what_its_backward_reads():
    net, x = build("lenet", optimize=True)
    x.attach_grad()
    for _ in range(2):
        with mx.autograd.record():
            y = net(x)
    kept = [v for v in y._entry[0].op.values if v is not None]
    program = net._cached_op._program
    assert len(kept) < program.num_slots
    y.backward()
    assert x.grad.abs().sum().asscalar() > 0


def test_in_place_steps_overwrite_a_dying_input():
    class Chain(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            return F.relu(F.exp(x * 2.0) + 1.0) * 3.0
    net = Chain()
    net.hybridize()
    x = mx.nd.array(np.linspace(-1, 1, 12).reshape(3, 4))
    expected = np.maximum(np.exp(x.asnumpy() * np.float32(2)) + np.float32(1), 0) * np.float32(3)
    for _ in range(3):
        np.testing.assert_array_equal(net(x).asnumpy(), expected)
    report = net._cached_op.optimizer.reports["forward"]
    assert report.summary()["steps after"] < report.summary()["steps before"]


def test_shape_only_inputs_are_kept_as_stubs_and_columns_are_recomputed():
    net, x = build("lenet", optimize=True)
    x.attach_grad()
    with mx.autograd.record():
        net(x)
    with mx.autograd.record():
        y = net(x)
    kept = [v for v in y._entry[0].op.values if v is not None]
    stubs = [v for v in kept if v.ndim and 0 in v.strides]
    assert stubs, "Activation's and Convolution's shape-only inputs are stubs"
    assert all(v.base is not None and v.base.size == 1 for v in stubs)
    program = net._cached_op._program
    column_slots = {program.slots[(id(n), 1)] for n in program.nodes
                    if n.op is not None and n.op.name == "Convolution"}
    assert all(y._entry[0].op.values[s] is None for s in column_slots)
    y.backward()
    ref, xr = build("lenet", optimize=False)
    xr.attach_grad()
    with mx.autograd.record():
        yr = ref(xr)
    yr.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), xr.grad.asnumpy())


def test_recomputation_can_be_turned_off():
    from .nets import NETS
    make, shape = NETS["lenet"]
    net = make()
    net.initialize()
    net.hybridize(recompute=False)
    x = mx.nd.ones(shape)
    x.attach_grad()
    with mx.autograd.record():
        net(x)
    assert not net._cached_op._program.recompute
