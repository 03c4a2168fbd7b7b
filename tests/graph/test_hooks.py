"""The debugger's and the monitor's hooks see every node of an optimised program."""
import mxnb as mx
from mxnb.graph.node import topo_sort

from .nets import build


def _operator_nodes(sym):
    return {n.name for n in topo_sort(sym._outputs) if n.op is not None}


def test_cached_op_hooks_see_every_forward_and_backward_node():
    net, x = build("chain", optimize=True)
    x.attach_grad()
    with mx.autograd.record():
        net(x)                      # plan built (fusion, CSE, folding)
    cached = net._cached_op
    seen = []
    hook = cached.add_node_hook(lambda phase, node, ins, outs: seen.append((phase, node.name)))
    with mx.autograd.record():
        y = net(x)
    y.backward()
    cached.remove_node_hook(hook)
    forward = {name for phase, name in seen if phase == "forward"}
    assert forward == _operator_nodes(cached.symbol)     # duplicates and constants included
    assert any(phase == "backward" for phase, _ in seen)


def test_executor_monitor_sees_every_node():
    data = mx.sym.var("data")
    y = mx.sym.tanh(data * 2.0) + mx.sym.tanh(data * 2.0)
    ex = y.simple_bind(mx.cpu(), data=(2, 3))
    ex.forward()
    names = []
    ex.set_monitor_callback(lambda name, arr: names.append(name))
    ex.forward()
    assert {n.rsplit("_output", 1)[0] for n in names} == _operator_nodes(y)
