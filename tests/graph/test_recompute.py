"""Which Convolutions recompute their columns: the simulated step peak against the budget."""
import numpy as np

import mxnb as mx
from mxnb.graph import program
from mxnb.graph.passes import recompute
from mxnb.graph.passes.recompute import step_peak
from mxnb.gluon import nn


class _Step:
    def __init__(self, ins, outs):
        self.ins, self.outs = ins, outs
        self.op = None
        self.attrs = {}


def test_step_peak_counts_what_is_live_at_once():
    # forward: 1 -> a(2) -> b(3); backward reads the head (4) and a, makes c (5), then the grad (6)
    forward = [_Step([0], [2]), _Step([2], [3])]
    backward = [_Step([4, 2], [5]), _Step([5], [6])]
    nbytes = {2: 100, 3: 10, 4: 10, 5: 1000, 6: 500}
    held = {3, 6}
    # consumed: a and the head die at the first backward step; the peak is at the second:
    # b (held), c and the gradient
    assert step_peak(forward, backward, nbytes, [4], held, consume=True) == 10 + 1000 + 500
    # the tape holds a to the end of the pass
    assert step_peak(forward, backward, nbytes, [4], held, consume=False) == 100 + 10 + 1000 + 500
    # nothing read later and nothing held: a value dies where it is made
    assert step_peak([_Step([0], [2]), _Step([0], [3])], [], {2: 5, 3: 7}, [], set(), True) == 7


def _convnet():
    net = nn.HybridSequential()
    net.add(nn.Conv2D(8, kernel_size=5, activation="tanh"), nn.MaxPool2D(2, 2),
            nn.Conv2D(16, kernel_size=5, activation="tanh"), nn.MaxPool2D(2, 2),
            nn.Flatten(), nn.Dense(10))
    return net


def _train(budget, monkeypatch, hybrid=True):
    if budget is not None:
        monkeypatch.setattr(program, "columns_to_keep",
                            lambda *a: recompute.columns_to_keep(*a, budget=budget))
    mx.random.seed(0)
    net = _convnet()
    net.initialize(mx.init.Xavier())
    if hybrid:
        net.hybridize()
    x = mx.nd.array(np.random.RandomState(0).rand(16, 1, 28, 28))
    x.attach_grad()
    for _ in range(2):
        with mx.autograd.record():
            loss = (net(x) ** 2).sum()
        loss.backward()
    return net, [x.grad.asnumpy()] + [p.grad().asnumpy() for p in net.collect_params().values()]


def _swapped(net):
    """Per columns-reading weight gradient, in the order they run: whether it recomputes."""
    backward = next(iter(net._cached_op._backwards.values()))
    return [type(s).__name__ == "_Swapped" for s in backward.all_steps
            if "Convolution_weight" in s.op.name]


def test_the_budget_decides_which_columns_are_recomputed(monkeypatch):
    _, reference = _train(None, monkeypatch, hybrid=False)
    results = {}
    for budget in (0.0, None, 10.0):
        net, grads = _train(budget, monkeypatch)
        results[budget] = _swapped(net)
        for a, b in zip(grads, reference):        # the same gradients whatever is kept
            np.testing.assert_array_equal(a, b)
        monkeypatch.undo()
    assert results[0.0] == [True, True]           # nothing fits: every column recomputed
    assert results[10.0] == [False, False]        # everything fits: nothing recomputed
    # the default budget: the last convolution (its gradient runs first) keeps its columns,
    # the first recomputes its own (keeping both would put the step above the budget)
    assert results[None] == [False, True]


def _columns_alive_at_first_conv_backward(retain_graph):
    """Whether the last convolution's kept columns are still alive when the first
    convolution's gradient runs (the last step of the hybridized call's backward)."""
    import weakref
    from mxnb import instrument
    mx.random.seed(0)
    net = _convnet()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.array(np.random.RandomState(0).rand(16, 1, 28, 28))
    with mx.autograd.record():
        (net(x) ** 2).sum().backward()      # the first step records; the next runs planned
    with mx.autograd.record():
        loss = (net(x) ** 2).sum()
    call = next(n for n in _tape(loss) if n.op.name == "_CachedOp").op
    program = net._cached_op.program
    last_conv = [n for n in program.nodes if n.op is not None and n.op.name == "Convolution"][-1]
    columns = weakref.ref(call.values[program.slots[(id(last_conv), 1)]])
    seen = []

    def hook(phase, node, inputs, outputs):
        if phase == "backward" and node.op.name == "_backward_Convolution_weight":
            seen.append(columns() is not None)
    instrument.add_node_hook(hook)
    try:
        loss.backward(retain_graph=retain_graph)
    finally:
        instrument.remove_node_hook(hook)
    return seen


def _tape(array):
    from mxnb.graph.node import topo_sort
    return [n for n in topo_sort([array._entry]) if n.op is not None]


def test_a_backward_that_frees_the_graph_drops_saved_values_after_their_last_reader():
    assert _columns_alive_at_first_conv_backward(retain_graph=False) == [False]
    assert _columns_alive_at_first_conv_backward(retain_graph=True) == [True]
