"""The gradient pass marks every node it creates with `forward_node`, the forward node whose
gradient it computes (a gradient sum: the node of the entry used twice), for executors, CachedOps
(recomputed Convolution steps included) and tapes recorded with create_graph=True; an ordinary
eager backward marks nothing."""
import numpy as np

import mxnb as mx
from mxnb import autograd, nd, sym
from mxnb.gluon import nn
from mxnb.graph.node import topo_sort


def _backward_nodes(runner, run):
    seen = []
    hook = runner.add_node_hook(lambda phase, node, ins, outs: phase == "backward" and seen.append(node))
    try:
        run()
    finally:
        runner.remove_node_hook(hook)
    return seen


def test_executor_backward_nodes_name_their_forward_nodes():
    x, w = sym.var("x"), sym.var("w")
    hidden = sym.Activation(sym.FullyConnected(x, w, no_bias=True, num_hidden=3, name="fc1"),
                            act_type="relu", name="act")
    out = sym.sum(sym.FullyConnected(hidden, w, no_bias=True, num_hidden=3, name="fc2"), name="s")
    exe = out.simple_bind(mx.cpu(), x=(2, 3), w=(3, 3))
    nodes = _backward_nodes(exe, lambda: (exe.forward(is_train=True), exe.backward()))
    forward = {id(n): n for n in exe.program.nodes}
    assert nodes and all(id(n.forward_node) in forward for n in nodes)
    owners = {}
    for node in nodes:
        owners.setdefault(node.forward_node.name, []).append(node.op.name)
    assert owners["w"] == ["elemwise_add"]          # the two weight gradients' sum
    assert set(owners) == {"s", "fc2", "act", "fc1", "w"}
    assert all(n.forward_node is None for n in exe.program.nodes)


def test_cached_op_backward_nodes_include_recomputed_convolution_steps():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(2, kernel_size=3, in_channels=1), nn.Dense(2, in_units=8))
    net.initialize()
    net.hybridize()
    x = nd.array(np.random.RandomState(0).rand(1, 1, 4, 4))

    def step():
        with autograd.record():
            y = net(x)
        y.backward()

    step()
    nodes = _backward_nodes(net.cached_op, step)
    forward = {id(n) for n in net.cached_op.program.nodes}
    assert nodes and all(id(n.forward_node) in forward for n in nodes)
    convolution = [n for n in nodes if n.op.name.startswith("_backward_Convolution")]
    assert convolution and all(n.forward_node.op.name == "Convolution" for n in convolution)


def test_create_graph_tape_nodes_name_their_forward_nodes():
    x = nd.array([0.5, -1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        y = x * x
        z = (y * x).sum()
    forward = {id(n) for n in topo_sort([z.tape_entry])}
    with autograd.record():
        gx, = autograd.grad(z, [x], create_graph=True)
    created = [n for n in topo_sort([gx.tape_entry]) if id(n) not in forward and n.op is not None]
    # the head gradient (ones like z) is given to the pass as a constant, not made by it
    head = [n for n in topo_sort([gx.tape_entry]) if n.op is None and id(n) not in forward]
    assert len(head) == 1 and head[0].forward_node is None
    assert created and all(n.forward_node is not None and id(n.forward_node) in forward
                           for n in created)
    # x feeds two multiplications: its gradient is a sum, owned by x's own node
    node, _ = gx.tape_entry
    assert node.op.name == "elemwise_add" and node.forward_node is x.tape_entry[0]


def test_ordinary_backward_marks_nothing():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        z = (x * x + x).sum()
    nodes = topo_sort([z.tape_entry])
    z.backward(retain_graph=True)
    assert all(n.forward_node is None for n in nodes)
    assert np.array_equal(x.grad.asnumpy(), np.array([3.0, 5.0], np.float32))
