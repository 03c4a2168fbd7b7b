"""The debugger's stepped backward sums the gradients of a weight used twice as backward() does:
the step that adds them (owned by the weight) shows, bit for bit, the gradient backward() leaves,
for a symbol, a hybridized block, an eager block, and a hybridized layer called twice."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd, sym
from mxnb.gluon import nn
from mxnb.notebook.debugger import Debugger
from mxnb.ops import registry


class WeightTwice(nn.HybridBlock):
    """x -> FC(tanh(FC(x, W)), W): one weight feeding two operators."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.weight = self.params.get("weight", shape=(units, units))
        self.units = units

    def hybrid_forward(self, F, x, weight):
        hidden = F.tanh(F.FullyConnected(x, weight, no_bias=True, num_hidden=self.units))
        return F.FullyConnected(hidden, weight, no_bias=True, num_hidden=self.units)


class CallsTwice(gluon.Block):
    """An eager block calling one (hybridized) Dense twice: the sum is autograd's, between calls."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.dense = nn.Dense(4, in_units=4, activation="tanh")

    def forward(self, x):
        return self.dense(self.dense(x))


LOSS = gluon.loss.SoftmaxCrossEntropyLoss()


def _inputs(seed=0):
    rng = np.random.RandomState(seed)
    return nd.array(rng.uniform(-1, 1, (3, 4)).astype(np.float32)), nd.array([0, 3, 1])


def _ordinary_grads(net, x, label):
    with autograd.record():
        loss = LOSS(net(x), label)
    loss.backward()
    return loss.asnumpy(), {n: p.grad().asnumpy().copy() for n, p in net.collect_params().items()}


def _sum_steps(trace, owner):
    return [e for e in trace.events if e.phase == "backward" and e.owner == owner
            and e.op == "elemwise_add"]


def _assert_each_step_recomputes(trace):
    """Every recorded node's outputs are what its operator gives on its recorded inputs."""
    for event in trace.events:
        op = registry.find(event.op)
        if op is None or op.needs_rng:
            continue
        attrs = op.parse_attrs(event.attrs)
        extras = {"is_train": True, "rng": None} if op.needs_train else {}
        result = op.compute(np, [v for _, _, v in event.inputs], attrs, **extras)
        result = [result] if op.single_output else result
        for (_, recorded), computed in zip(event.outputs, result):
            assert np.array_equal(recorded, computed), event.name


def _block_case(hybridize):
    mx.random.seed(7)
    net = WeightTwice(prefix="twice_")
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    return net


@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_block_weight_used_twice_sums_like_backward(hybridize):
    net = _block_case(hybridize)
    x, label = _inputs()
    loss, grads = _ordinary_grads(net, x, label)
    dbg = Debugger(net, x, label=label, loss=LOSS)
    assert dbg.trace.kind == ("hybridized" if hybridize else "imperative")
    assert np.array_equal(dbg.trace.outputs[0], loss)
    steps = _sum_steps(dbg.trace, "twice_weight")
    assert len(steps) == 1, [(e.name, e.op, e.owner) for e in dbg.trace.events if e.phase == "backward"]
    (_, total), = steps[0].outputs
    assert np.array_equal(total, grads["twice_weight"])
    assert np.array_equal(dbg.trace.grads["twice_weight"], grads["twice_weight"])
    # the two addends are the two FullyConnected gradients of the weight, neither the whole
    parts = [v for _, _, v in steps[0].inputs]
    assert len(parts) == 2 and not any(np.array_equal(p, total) for p in parts)
    _assert_each_step_recomputes(dbg.trace)
    # stepping lands on the sum, and reports it as the weight's gradient
    dbg.goto(steps[0].index)
    assert dbg.current["owner"] == "twice_weight"
    assert "gradient of forward node twice_weight" in dbg.where()


def test_block_weight_used_twice_reads_a_changed_weight_after_reset():
    net = _block_case(True)
    x, label = _inputs()
    dbg = Debugger(net, x, label=label, loss=LOSS)
    first = _sum_steps(dbg.trace, "twice_weight")[0].outputs[0][1]
    net.weight.set_data(net.weight.data() * 0.5)
    dbg.reset()
    _, grads = _ordinary_grads(net, x, label)
    again = _sum_steps(dbg.trace, "twice_weight")[0].outputs[0][1]
    assert np.array_equal(again, grads["twice_weight"])
    assert not np.array_equal(again, first)


def test_hybridized_layer_called_twice_sums_between_the_calls():
    mx.random.seed(8)
    net = CallsTwice(prefix="calls_")
    net.initialize(mx.init.Xavier())
    net.dense.hybridize()
    x, label = _inputs(1)
    loss, grads = _ordinary_grads(net, x, label)
    dbg = Debugger(net, x, label=label, loss=LOSS)
    assert dbg.trace.kind == "hybridized"
    for name in ("calls_dense0_weight", "calls_dense0_bias"):
        steps = _sum_steps(dbg.trace, name)
        assert len(steps) == 1, name
        assert np.array_equal(steps[0].outputs[0][1], grads[name]), name
        assert np.array_equal(dbg.trace.grads[name], grads[name]), name
        assert steps[0].layer == "calls_dense0"
    _assert_each_step_recomputes(dbg.trace)


def test_symbol_weight_used_twice_sums_like_the_executor():
    x, w = sym.var("x"), sym.var("w")
    hidden = sym.tanh(sym.FullyConnected(x, w, no_bias=True, num_hidden=4, name="fc1"), name="t")
    out = sym.sum(sym.FullyConnected(hidden, w, no_bias=True, num_hidden=4, name="fc2"), name="s")
    rng = np.random.RandomState(2)
    args = {"x": nd.array(rng.randn(3, 4)), "w": nd.array(rng.randn(4, 4))}
    exe = out.simple_bind(mx.cpu(), x=(3, 4), w=(4, 4))
    exe.copy_params_from(args)
    exe.forward(is_train=True)
    exe.backward()
    dbg = Debugger(out, args)
    steps = _sum_steps(dbg.trace, "w")
    assert len(steps) == 1
    assert np.array_equal(steps[0].outputs[0][1], exe.grad_dict["w"].asnumpy())
    assert np.array_equal(dbg.trace.grads["w"], exe.grad_dict["w"].asnumpy())
    # every other backward node belongs to the forward node it differentiates
    owners = {e.owner for e in dbg.trace.events if e.phase == "backward"}
    assert owners == {"fc1", "t", "fc2", "s", "w"}
    _assert_each_step_recomputes(dbg.trace)
