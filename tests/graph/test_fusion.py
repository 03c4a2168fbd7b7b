"""Elementwise fusion: chains become one step; results equal; links stay reachable."""
import numpy as np

import mxnb as mx
from mxnb.graph.passes.fusion import FusedStep

from .nets import train_steps


def _fused(net, phase):
    return [s for s in net._cached_op.optimizer.reports[phase].steps if isinstance(s, FusedStep)]


def test_forward_and_backward_chains_are_fused_and_give_equal_results():
    net, optimized = train_steps("chain", optimize=True)
    _, plain = train_steps("chain", optimize=False)
    forward, backward = _fused(net, "forward"), _fused(net, "backward")
    assert forward and backward
    for a, b in zip(plain, optimized):
        for p, q in zip(a, b):
            np.testing.assert_allclose(q, p, rtol=1e-6, atol=1e-6)


def test_a_fused_node_keeps_its_original_nodes():
    net, _ = train_steps("chain", optimize=True, steps=1)
    for step in _fused(net, "forward") + _fused(net, "backward"):
        members = step.node.attrs["_members"]
        assert [m.node for m in step.members] == members
        assert len(members) >= 2
        # elementwise links, after a head that may be any producer with an out= kernel
        assert all(m.op.elementwise for m in members[1:])
        assert step.node.op.elementwise == members[0].op.elementwise
        assert step.node.op.format_attrs(step.node.attrs)["members"].count("->") == len(members) - 1


def test_values_read_elsewhere_end_a_chain():
    class Branch(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x):
            a = F.exp(x)
            return F.tanh(a) + a          # `a` is read twice: not fused away
    net = Branch()
    net.hybridize()
    x = mx.nd.array([[0.1, -0.2], [0.3, 0.4]])
    expected = np.tanh(np.exp(x.asnumpy())) + np.exp(x.asnumpy())
    for _ in range(2):
        np.testing.assert_allclose(net(x).asnumpy(), expected, rtol=1e-6)


def test_a_producer_heads_a_chain_and_its_output_is_stubbed_for_shape_readers():
    # Dense(16, relu): FullyConnected writes into the activation's output buffer, relu runs
    # there; the backward's data gradient and the relu gradient fuse the same way
    net, optimized = train_steps("mlp", optimize=True)
    _, plain = train_steps("mlp", optimize=False)
    for a, b in zip(plain, optimized):
        for p, q in zip(a, b):
            np.testing.assert_array_equal(q, p)          # same calls, same order: bit-equal
    heads = {phase: [s.members[0].op.name for s in _fused(net, phase)]
             for phase in ("forward", "backward")}
    assert heads["forward"].count("FullyConnected") == 2
    assert heads["backward"].count("_backward_FullyConnected_data") == 2
    x = mx.nd.array(np.ones((4, 10)))
    x.attach_grad()
    with mx.autograd.record():
        y = net(x)
    saved = y._entry[0].op.values
    program = net._cached_op.program
    for step in _fused(net, "forward"):
        for slot in step.aliases:      # the fused-away FullyConnected output: a stub
            assert saved[slot].base is not None and saved[slot].base.size == 1
    y.backward()
    assert x.grad.abs().sum().asscalar() > 0
