"""BatchNorm then relu as one step (passes/bn_relu.py): both passes, results bit for bit."""
import numpy as np

import mxnb as mx
from mxnb.gluon import nn
from mxnb.graph.passes.bn_relu import BatchNormReluStep

from .nets import build, train_steps


def _fused(net, phase):
    return [s for s in net._cached_op.optimizer.reports[phase].steps
            if isinstance(s, BatchNormReluStep)]


def _running_statistics(net):
    return [p.data().asnumpy() for name, p in sorted(net.collect_params().items())
            if "running" in name]


def test_forward_and_backward_pairs_become_one_step_with_the_same_results():
    net, optimized = train_steps("batchnorm", optimize=True)
    plain_net, plain = train_steps("batchnorm", optimize=False)
    assert [s.op.name for s in _fused(net, "forward")] == ["_contrib_BatchNormWithReLU"]
    assert [s.op.name for s in _fused(net, "backward")] == ["_backward_BatchNormWithReLU"]
    for a, b in zip(plain, optimized):
        for p, q in zip(a, b):
            np.testing.assert_array_equal(q, p)
    # the moving statistics were updated once per step, as by BatchNorm (the plan's check of
    # the fused step ran on copies of them)
    for p, q in zip(_running_statistics(plain_net), _running_statistics(net)):
        np.testing.assert_array_equal(q, p)


def test_a_fused_step_names_the_steps_it_stands_for():
    net, _ = train_steps("batchnorm", optimize=True, steps=1)
    forward, backward = _fused(net, "forward")[0], _fused(net, "backward")[0]
    assert [m.op.name for m in forward.members] == ["BatchNorm", "Activation"]
    assert [m.op.name for m in backward.members] == ["_backward_Activation",
                                                      "_backward_BatchNorm"]
    for step in (forward, backward):
        assert step.node.attrs["_members"] == [m.node for m in step.members]


def test_node_hooks_see_batch_norm_and_relu_apart():
    net, x = build("batchnorm", optimize=True)
    x.attach_grad()
    with mx.autograd.record():
        net(x).backward()               # the plan (with the fused steps) is built
    assert _fused(net, "forward")
    seen = []
    cached = net._cached_op
    hook = cached.add_node_hook(lambda phase, node, ins, outs: seen.append((phase, node.op.name)))
    with mx.autograd.record():
        y = net(x)
    y.backward()
    cached.remove_node_hook(hook)
    names = {name for _, name in seen}
    assert {"BatchNorm", "Activation", "_backward_Activation", "_backward_BatchNorm"} <= names
    assert not names & {"_contrib_BatchNormWithReLU", "_backward_BatchNormWithReLU"}


class _TwoReaders(mx.gluon.HybridBlock):
    """BatchNorm's result read by relu and by a sum: kept as it is."""
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.bn = nn.BatchNorm()

    def hybrid_forward(self, F, x):
        y = self.bn(x)
        return F.Activation(y, act_type="relu") + y


def test_a_result_read_elsewhere_is_not_fused_away():
    results = []
    for optimize in (False, True):
        mx.random.seed(0)
        net = _TwoReaders()
        net.initialize()
        net.hybridize(optimize=optimize)
        x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 3, 4, 4)))
        x.attach_grad()
        with mx.autograd.record():
            y = net(x)
        y.backward()
        results.append((y.asnumpy(), x.grad.asnumpy()))
        if optimize:
            assert not _fused(net, "forward")
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
