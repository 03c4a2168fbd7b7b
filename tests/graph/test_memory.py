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


def test_shape_only_inputs_are_kept_as_stubs_and_columns_recomputed_where_they_cost_memory():
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
    convs = [n for n in program.nodes if n.op is not None and n.op.name == "Convolution"]
    saved = y._entry[0].op.values
    # the first convolution's columns are recomputed; the last one's are kept (its backward
    # runs first and frees them before the first recomputes: the step's peak does not grow)
    assert saved[program.slots[(id(convs[0]), 1)]] is None
    assert saved[program.slots[(id(convs[-1]), 1)]] is not None
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


def test_a_backward_frees_the_forward_values_a_kept_loss_would_hold():
    # A training loop that keeps its losses (a list for plotting) must not keep every step's
    # forward values alive through the hybridized call's tape node.
    net, x = build("mlp", optimize=True)
    x.attach_grad()
    with mx.autograd.record():
        loss = (net(x) ** 2).sum()
    node = next(n for n in _tape_nodes(loss) if n.op.name == "_CachedOp")
    assert node.op.values is not None
    loss.backward()
    assert node.op.values is None
    with pytest.raises(MXNetError, match="retain_graph"):
        loss.backward()
    with mx.autograd.record():
        loss = (net(x) ** 2).sum()
    loss.backward(retain_graph=True)
    first = x.grad.asnumpy().copy()
    loss.backward()                    # kept by retain_graph: the same gradient again
    np.testing.assert_array_equal(x.grad.asnumpy(), first)


def _tape_nodes(array):
    from mxnb.graph.node import topo_sort
    return [n for n in topo_sort([array._entry]) if n.op is not None]


@pytest.mark.parametrize("sparse_grad", [False, True])
def test_an_embedding_backward_runs_planned_unless_its_gradient_is_sparse(sparse_grad):
    # Only Embedding(sparse_grad=True) makes a sparse gradient from dense values; a dense one
    # leaves the backward on the planned path (buffers reused, dead values freed, observed).
    class Tagger(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.embed = mx.gluon.nn.Embedding(10, 4, sparse_grad=sparse_grad)
            self.dense = mx.gluon.nn.Dense(3, flatten=False)

        def hybrid_forward(self, F, x):
            return self.dense(F.tanh(self.embed(x)))
    grads = []
    for hybrid in (False, True):
        mx.random.seed(0)
        net = Tagger()
        net.initialize(mx.init.Xavier())
        if hybrid:
            net.hybridize()
        x = mx.nd.array([[1, 2, 3], [3, 4, 1]])
        for _ in range(2):
            with mx.autograd.record():
                loss = (net(x) ** 2).sum()
            loss.backward()
        grads.append([p.grad().tostype("default").asnumpy()
                      for p in net.collect_params().values()])
    backward = next(iter(net._cached_op._backwards.values()))
    assert backward.sparse is sparse_grad
    assert ("backward" in net._cached_op.optimizer.reports) is not sparse_grad
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def _peak_of_third(step):
    """tracemalloc's peak over the third call of `step`, above what was held before it (the
    first two plan, allocate states and warm caches)."""
    import tracemalloc
    step()
    step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        return tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()


def _step_peak_bytes(hybridize):
    """tracemalloc's peak over one training step of a net whose output (a decoder's logits)
    is large: its gradient must be freed once the block's backward has read it."""
    mx.random.seed(0)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(16, activation="tanh"), mx.gluon.nn.Dense(2048))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    x = mx.nd.array(np.random.RandomState(0).rand(32, 2048))

    def step():
        with mx.autograd.record():
            loss = (net(x) * 2.0).sum()
        loss.backward()
    return _peak_of_third(step)


def test_a_hybridized_step_holds_no_more_than_the_imperative_one():
    # the block's head gradient (32 x 2048 floats) is not held through the whole block backward
    # (under either engine: a threaded one pushes eager operators and hybridized calls alike)
    assert _step_peak_bytes(True) <= _step_peak_bytes(False)


def test_backward_writes_dense_weight_gradients_into_the_grad_arrays():
    net, x = build("mlp", optimize=True)
    net(x)                 # deferred initialization, right after seeding
    ref, _ = build("mlp", optimize=False)
    ref(x)
    params = list(net.collect_params().values())
    buffers = None
    for _ in range(3):
        for model in (net, ref):
            with mx.autograd.record():
                loss = (model(x) ** 2).sum()
            loss.backward()
        if buffers is None:
            buffers = [p.grad()._data for p in params]
    for p, q, buf in zip(params, ref.collect_params().values(), buffers):
        assert p.grad()._data is buf                 # the same .grad array, written in place
        np.testing.assert_array_equal(p.grad().asnumpy(), q.grad().asnumpy())
    plan = net._cached_op.optimizer._entries
    assert any(e.into for e in plan.values()), "FullyConnected's weight gradient writes into .grad"


def test_autograd_grad_leaves_the_grad_arrays_alone():
    net, x = build("mlp", optimize=True)
    net(x)
    x.attach_grad()
    for p in net.collect_params().values():
        p.grad()[:] = 7.0
    for _ in range(2):                       # the second call runs planned
        with mx.autograd.record():
            loss = (net(x) ** 2).sum()
        mx.autograd.grad(loss, [x])
    for p in net.collect_params().values():
        assert (p.grad().asnumpy() == 7.0).all()


def _lenet_step_peak(hybridize):
    from mxnb.gluon import nn
    mx.random.seed(0)
    net = nn.HybridSequential()
    net.add(nn.Conv2D(8, kernel_size=5, activation="tanh"), nn.MaxPool2D(2, 2),
            nn.Conv2D(16, kernel_size=5, activation="tanh"), nn.MaxPool2D(2, 2),
            nn.Flatten(), nn.Dense(64, activation="tanh"), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    x = mx.nd.array(np.random.RandomState(0).rand(16, 1, 28, 28))
    y = mx.nd.array(np.arange(16) % 10)

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
    return _peak_of_third(step)


def test_a_hybridized_lenet_step_holds_at_most_0_7_of_the_imperative_one():
    # what the backward keeps (stubs, recomputed columns) and what the plan frees early
    hybrid, imperative = _lenet_step_peak(True), _lenet_step_peak(False)
    assert hybrid <= 0.7 * imperative, (hybrid, imperative)


def _mlp_trainer_step_peak(hybridize):
    """tracemalloc's peak over one training step (forward, backward, Trainer.step with momentum
    SGD) of a 784-256-128-10 MLP on a batch of 64."""
    from mxnb.gluon import nn
    mx.random.seed(0)
    net = nn.HybridSequential()
    net.add(nn.Dense(256, activation="relu"), nn.Dense(128, activation="relu"), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                               {"learning_rate": 0.1, "momentum": 0.9})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    r = np.random.RandomState(0)
    x = mx.nd.array(r.rand(64, 784))
    y = mx.nd.array(r.randint(0, 10, 64))

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(x), y)
        loss.backward()
        trainer.step(64)
    return _peak_of_third(step)


def test_a_hybridized_mlp_training_step_holds_at_most_0_7_of_the_imperative_one():
    # the optimizer writes each weight in place (no weight-sized result per parameter), so the
    # step's peak is the planned backward's
    hybrid, imperative = _mlp_trainer_step_peak(True), _mlp_trainer_step_peak(False)
    assert hybrid <= 0.7 * imperative, (hybrid, imperative)
