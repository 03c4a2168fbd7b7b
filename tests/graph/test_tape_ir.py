"""The autograd tape in the graph IR: TapeNodes keep only what gradients read, tape variables
have names of their own so a tape binds as a Symbol, and pseudo-operators speak the operator
protocol."""
import gc
import weakref

import numpy as np

import mxnb as mx
from mxnb import autograd, instrument, nd
from mxnb.gluon import nn
from mxnb.graph import tape
from mxnb.graph.cached_op import CachedOpCall
from mxnb.graph.node import Node, TapeNode, clone_graph, topo_sort
from mxnb.ndarray.ndarray import ShapeOnly
from mxnb.ops import registry


def test_a_tape_converts_to_a_symbol_that_binds_and_agrees():
    x = nd.array([[1.0, -2.0], [3.0, 4.0]])
    w = nd.array([[0.5, 1.0], [2.0, -1.0]])
    c = nd.array([[1.0, 1.0], [1.0, 1.0]])
    x.attach_grad()
    w.attach_grad()
    with autograd.record():
        y = nd.sum(nd.relu(nd.dot(x, w) + c) * x, axis=1)
    sym = autograd.get_symbol(y)
    names = sym.list_arguments()
    assert len(set(names)) == len(names) == 3              # x, w and the constant c
    args = {x._entry[0].name: x, w._entry[0].name: w}
    const = [n for n in names if n not in args][0]
    args[const] = c
    grads = {n: nd.zeros((2, 2)) for n in names}
    reqs = {n: "null" if n == const else "write" for n in names}
    ex = sym.bind(mx.cpu(), args=args, args_grad=grads, grad_req=reqs)
    out = ex.forward(is_train=True)[0]
    ex.backward(nd.ones((2,)))
    y.backward()
    np.testing.assert_allclose(out.asnumpy(), y.asnumpy())
    np.testing.assert_allclose(grads[x._entry[0].name].asnumpy(), x.grad.asnumpy())
    np.testing.assert_allclose(grads[w._entry[0].name].asnumpy(), w.grad.asnumpy())


def test_tape_variables_have_names_of_their_own():
    arrays = [nd.ones((1,)) for _ in range(3)]
    for a in arrays:
        a.attach_grad()
    names = [a._entry[0].name for a in arrays]
    assert len(set(names)) == 3
    assert all(isinstance(a._entry[0], TapeNode) for a in arrays)


def test_relu_activation_does_not_keep_its_input_alive():
    # As MXNet: Activation(act_type='relu')'s gradient reads its output, so its input may be
    # freed; the `relu` operator's gradient reads its input (ElemwiseGradUseIn), which is kept.
    x = nd.array([[1.0, -2.0], [3.0, -4.0]])
    x.attach_grad()
    with autograd.record():
        h = x * 2.0
        y = nd.Activation(h, act_type="relu")
        g = x * 3.0
        z = nd.relu(g)
    act = y._entry[0]
    assert act.in_values == [None] and act.out_values[0] is y
    assert z._entry[0].in_values == [g] and isinstance(z._entry[0].out_values[0], ShapeOnly)
    scale = h._entry[0]               # x * 2's gradient reads neither input nor output
    assert isinstance(scale.out_values[0], ShapeOnly) and scale.in_values == [None]
    gone, kept = weakref.ref(h), weakref.ref(g)
    del h, g
    gc.collect()
    assert gone() is None and kept() is not None
    autograd.backward([y, z])
    np.testing.assert_allclose(x.grad.asnumpy(), [[5.0, 0.0], [5.0, 0.0]])


def test_an_input_read_by_a_gradient_is_kept_and_put_back():
    x = nd.array([1.0, 2.0])
    x.attach_grad()
    with autograd.record():
        h = x * 2.0                   # its node holds a stand-in for h ...
        y = nd.log(h)                 # ... until log, whose gradient reads h, puts it back
    assert h._entry[0].out_values[0] is h and y._entry[0].in_values == [h]
    kept = weakref.ref(h)
    del h
    gc.collect()
    assert kept() is not None
    y.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [1.0, 0.5])


def test_what_a_gradient_reads_is_learned_per_operator_and_attributes():
    act = registry.get("Activation")
    relu = act.parse_attrs({"act_type": "relu"})
    softrelu = act.parse_attrs({"act_type": "softrelu"})
    assert tape.backward_reads(act, relu, 1, 1) == ((False,), (True,))
    assert tape.backward_reads(act, softrelu, 1, 1) == ((True,), (False,))
    mul = registry.get("elemwise_mul")
    assert tape.backward_reads(mul, {}, 2, 1) == ((True, True), (False,))
    keys, table = act._tape_reads
    assert keys == ("act_type",)                            # cached by what the gradient read
    assert table[(1, 1, "relu")] == ((False,), (True,)) and (1, 1, "softrelu") in table
    argmax = registry.get("argmax")                         # no gradient: nothing to keep
    assert tape.backward_reads(argmax, argmax.parse_attrs({}), 1, 1) == ((False,), (False,))


def test_keep_values_keeps_every_recorded_value():
    x = nd.array([1.0, -1.0])
    x.attach_grad()
    with autograd.record(), tape.keep_values():
        h = x * 2.0
        y = nd.relu(h)
    assert y._entry[0].in_values == [h] and h._entry[0].out_values[0] is h


def _mlp_peak(keep):
    net = nn.Sequential()
    net.add(nn.Dense(32, activation="relu"), nn.Dense(32, activation="relu"), nn.Dense(4))
    net.initialize()
    x = nd.random.uniform(shape=(256, 32))
    label = nd.array([i % 4 for i in range(256)])
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})

    def step():
        with autograd.record():
            with (tape.keep_values() if keep else _Nothing()):
                loss = loss_fn(net(x), label)
        loss.backward()
        trainer.step(256)
    step()
    gc.collect()
    instrument.start_array_tracking()
    try:
        instrument.reset_peaks()
        step()
        return instrument.array_stats()[mx.cpu()]["peak_bytes"]
    finally:
        instrument.stop_array_tracking()


class _Nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_an_mlp_step_peaks_lower_than_when_the_tape_keeps_everything():
    lean, full = _mlp_peak(False), _mlp_peak(True)
    # the first two FullyConnected outputs (256 x 32 float32 each) are no longer held
    assert full - lean >= 2 * 256 * 32 * 4


def test_tape_ops_speak_the_operator_protocol():
    class Square(autograd.Function):
        def forward(self, x):
            self.save_for_backward(x)
            return x * x

        def backward(self, dy):
            x, = self.saved_tensors
            return 2 * x * dy

    x = nd.array([3.0])
    x.attach_grad()
    net = nn.HybridSequential()
    net.add(nn.Dense(2, in_units=1))
    net.initialize()
    net.hybridize()
    with autograd.record():
        y = Square()(x)
        z = net(y)
    for node in (y._entry[0], z._entry[0]):
        op = node.op
        assert isinstance(op, tape.TapeOp) and isinstance(op.name, str) and op.hint
        assert op.num_outputs(node.attrs) == node.num_outputs == 1 and op.single_output
        assert op.num_visible_outputs(node.attrs) == 1 and op.num_aux(node.attrs) == 0
        assert op.output_names(node.attrs) == ["output"] and op.infer_shape is None
        assert not op.needs_extras and callable(op.gradient)
    call = z._entry[0].op
    assert isinstance(call, CachedOpCall) and z._entry[0].attrs == {}
    assert call.program is net._cached_op._program         # the program, not stashed values
    again = call.compute(np, [y._data] + [p.data()._data for p in net.collect_params().values()], {})
    np.testing.assert_allclose(again, z.asnumpy(), rtol=1e-6)
    z.backward()
    assert x.grad.asnumpy()[0] != 0


def test_clone_graph_copies_symbols_and_tapes_alike():
    data = mx.sym.var("data")
    sym = mx.sym.relu(data * 2.0, name="act")
    nodes = topo_sort(sym._outputs)
    copies = clone_graph(nodes)
    head = copies[id(nodes[-1])]
    assert type(head) is Node and head.inputs[0][0] is copies[id(nodes[-2])]
    head.name = "renamed"
    assert nodes[-1].name == "act"
    x = nd.array([1.0])
    x.attach_grad()
    with autograd.record():
        y = nd.relu(x * 2.0)
    order = topo_sort([y._entry])
    twins = clone_graph(order)
    twin = twins[id(order[-1])]
    assert isinstance(twin, TapeNode) and twin.out_values is order[-1].out_values
    assert twins[id(order[0])].array is x


# --- a hybridized block's call in autograd.get_symbol ---------------------------------------------
def _three_dense(**hybridize_flags):
    net = nn.HybridSequential()
    with net.name_scope():
        for units in (4, 3, 2):
            net.add(nn.Dense(units))
    net.initialize(mx.init.Xavier())
    net.hybridize(**hybridize_flags)
    return net


def _recorded_symbol(net, x):
    with autograd.record():
        y = net(x) * 2
    return y, autograd.get_symbol(y)


def _ops_in_json(sym):
    import json
    return [n["op"] for n in json.loads(sym.tojson())["nodes"] if n["op"] != "null"]


def test_a_small_hybridized_call_is_inlined_into_the_recorded_symbol():
    net = _three_dense(inline_limit=3)
    x = nd.array(np.random.RandomState(0).uniform(-1, 1, (2, 5)))
    y, sym = _recorded_symbol(net, x)
    assert _ops_in_json(sym) == ["FullyConnected"] * 3 + ["_mul_scalar"]
    assert len(sym.list_arguments()) == 7              # x and three weights and biases
    # the inlined graph binds and computes what the block computed (NumPy reference)
    args = {}
    for name in sym.list_arguments():
        node = [n for n in topo_sort(sym.output_entries) if n.name == name][0]
        args[name] = node.array
    ex = sym.bind(mx.cpu(), args=args)
    h = x.asnumpy()
    for layer in net:
        h = h @ layer.weight.data().asnumpy().T + layer.bias.data().asnumpy()
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), 2 * h, rtol=1e-5)
    np.testing.assert_allclose(y.asnumpy(), 2 * h, rtol=1e-5)


def test_a_call_above_inline_limit_or_with_static_alloc_is_one_cached_op_node():
    x = nd.ones((1, 5))
    for flags in ({"inline_limit": 2}, {"inline_limit": 0}, {"static_alloc": True,
                                                                 "inline_limit": 3}):
        _, sym = _recorded_symbol(_three_dense(**flags), x)
        assert _ops_in_json(sym) == ["_CachedOp", "_mul_scalar"], flags
        assert len(sym.list_arguments()) == 7


def test_inlining_keeps_the_tape_and_its_gradients():
    net = _three_dense(inline_limit=3)
    x = nd.ones((2, 5))
    y, _ = _recorded_symbol(net, x)
    y.backward()
    grads = [p.grad().asnumpy().copy() for p in net.collect_params().values()]
    net.hybridize(inline_limit=0)
    y, _ = _recorded_symbol(net, x)
    y.backward()
    for before, p in zip(grads, net.collect_params().values()):
        np.testing.assert_allclose(p.grad().asnumpy(), before, rtol=1e-6)
