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
        assert all(m.op.elementwise for m in members)
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
