"""The step-through debugger: stops at planted NaNs forward and backward, reproduces an ordinary
forward/backward bit for bit, navigates (step, step_over, continue_, back, reset), and its widget
models show the current node."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd, sym
from mxnb.gluon import nn
from mxnb.notebook.debugger import Debugger


class LogOfShifted(nn.HybridBlock):
    """log(x - shift): with a shift above some inputs, a log of a negative number (NaN)."""

    def __init__(self, shift, **kwargs):
        super().__init__(**kwargs)
        self.shift = shift

    def hybrid_forward(self, F, x):
        return F.log(x - self.shift)


class SqrtBlock(nn.HybridBlock):
    """sqrt(relu(x)): finite forward, but sqrt's gradient at 0 is 1/(2*0) = Inf in backward."""

    def hybrid_forward(self, F, x):
        return F.sqrt(F.relu(x))


def small_net(*extra):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(8, activation="relu"))
        for block in extra:
            net.add(block)
        net.add(nn.Dense(3))
    net.initialize(mx.init.Xavier())
    return net


def lenet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(4, kernel_size=3, activation="relu"), nn.MaxPool2D(),
                nn.Flatten(), nn.Dense(10))
    net.initialize(mx.init.Xavier())
    return net


def data(shape, seed=0):
    rng = np.random.RandomState(seed)
    return nd.array(rng.uniform(-1, 1, shape).astype(np.float32))


LOSS = gluon.loss.SoftmaxCrossEntropyLoss()
LABEL = nd.array([0, 1, 2, 1])


def ordinary_step(net, x, label):
    with autograd.record():
        loss = LOSS(net(x), label)
    loss.backward()
    return loss.asnumpy(), {k: p.grad().asnumpy().copy() for k, p in net.collect_params().items()}


@pytest.mark.parametrize("hybridize", [False, True])
def test_nan_in_forward_stops_at_the_log_node(hybridize):
    mx.random.seed(1)
    net = small_net(LogOfShifted(0.5))
    if hybridize:
        net.hybridize()
    dbg = Debugger(net, data((4, 5)), label=LABEL, loss=LOSS, break_on="nan")
    current = dbg.continue_()
    assert current["phase"] == "forward"
    assert current["op"] == "log"
    assert "logofshifted" in current["name"]
    assert "logofshifted" in current["layer"]
    assert current["outputs"][0]["nan"] > 0
    # Its input (x - shift) has negative entries but no NaN: the log made them.
    assert current["inputs"][0]["min"] < 0 and current["inputs"][0]["nan"] == 0
    text = dbg.where()
    assert current["name"] in text and "operator log" in text and "NaN" in text
    assert "min" in text and "input" in text


@pytest.mark.parametrize("hybridize", [False, True])
def test_inf_only_in_backward_stops_in_the_backward_phase(hybridize):
    net = small_net(SqrtBlock())
    if hybridize:
        net.hybridize()
    dbg = Debugger(net, data((4, 5)), label=LABEL, loss=LOSS, break_on="nan")
    forward_finite = all(not e.has_nonfinite_output() for e in dbg.trace.events
                         if e.phase == "forward")
    assert forward_finite
    current = dbg.continue_()
    assert current["phase"] == "backward"
    assert current["outputs"][0]["inf"] + current["outputs"][0]["nan"] > 0
    assert "sqrtblock" in current["layer"]
    # The first non-finite gradient is the one sqrt's gradient produces.
    assert dbg.event.owner is not None and "sqrt" in dbg.event.owner


def _symbol_args(seed=0):
    rng = np.random.RandomState(seed)
    return {"data": nd.array(rng.randn(3, 5)), "fc1_weight": nd.array(rng.randn(4, 5)),
            "fc1_bias": nd.zeros((4,))}


def test_symbol_nan_in_forward():
    fc = sym.FullyConnected(sym.var("data"), num_hidden=4, name="fc1")
    out = sym.make_loss(sym.sum(sym.log(fc, name="bad_log")), name="loss")
    dbg = Debugger(out, _symbol_args(), break_on="nan")
    assert dbg.continue_()["name"] == "bad_log"
    assert "bad_log" in dbg.stop_reason and "NaN" in dbg.stop_reason
    # Later stops are the nodes the NaN flows into; log's gradient (1/x) stays finite.
    while dbg.stop_reason.startswith("NaN"):
        assert dbg.continue_()["phase"] == "forward" or dbg.finished
    assert dbg.finished


def test_symbol_inf_in_backward():
    fc = sym.FullyConnected(sym.var("data"), num_hidden=4, name="fc1")
    out = sym.make_loss(sym.sum(sym.sqrt(sym.relu(fc, name="relu1"), name="root")), name="loss")
    dbg = Debugger(out, _symbol_args(), break_on="nan")
    stop = dbg.continue_()
    assert stop["phase"] == "backward" and stop["owner"] == "root"
    assert stop["gradients"][0]["inf"] > 0


@pytest.mark.parametrize("hybridize", [False, True])
def test_stepping_reproduces_an_ordinary_forward_backward_bit_for_bit(hybridize):
    mx.random.seed(3)
    net = lenet()
    x = data((4, 1, 10, 10), seed=4)
    if hybridize:
        net.hybridize()
    loss, grads = ordinary_step(net, x, LABEL)
    dbg = Debugger(net, x, label=LABEL, loss=LOSS)
    assert np.array_equal(dbg.trace.outputs[0], loss)
    assert set(dbg.trace.grads) == set(grads)
    for name, grad in grads.items():
        assert np.array_equal(dbg.trace.grads[name], grad), name
    # Each recorded node's output is what its operator gives on its recorded inputs.
    from mxnb.ops import registry
    for event in dbg.trace.events:
        op = registry.find(event.op)
        if op is None or op.needs_rng:
            continue
        attrs = op.parse_attrs(event.attrs)
        result = op.compute(np, [v for _, _, v in event.inputs], attrs, **(
            {"is_train": True, "rng": None} if op.needs_train else {}))
        result = [result] if op.single_output else result
        for (_, recorded), computed in zip(event.outputs, result):
            assert np.array_equal(recorded, computed), event.name


def test_symbol_trace_equals_an_executor_run_bit_for_bit():
    x = sym.var("data")
    net = sym.FullyConnected(x, num_hidden=6, name="fc1")
    net = sym.Activation(net, act_type="tanh", name="tanh1")
    net = sym.FullyConnected(net, num_hidden=3, name="fc2")
    net = sym.SoftmaxOutput(net, name="softmax")
    rng = np.random.RandomState(5)
    shapes = {"data": (4, 5), "fc1_weight": (6, 5), "fc1_bias": (6,), "fc2_weight": (3, 6),
              "fc2_bias": (3,)}
    args = {n: nd.array(rng.randn(*s)) for n, s in shapes.items()}
    args["softmax_label"] = nd.array([0, 1, 2, 1])
    exe = net.simple_bind(mx.cpu(), data=(4, 5))
    exe.copy_params_from(args)
    seen = {}
    exe.set_monitor_callback(lambda name, arr: seen.setdefault(name, arr.asnumpy()))
    exe.forward(is_train=True)
    exe.backward()
    dbg = Debugger(net, args)
    forward = {e.name: e for e in dbg.trace.events if e.phase == "forward"}
    for name in ("fc1", "tanh1", "fc2", "softmax"):
        assert np.array_equal(forward[name].outputs[0][1], seen[name + "_output"])
    for name in shapes:
        assert np.array_equal(dbg.trace.grads[name], exe.grad_dict[name].asnumpy()), name


def test_step_count_back_reset_and_step_over():
    net = lenet()
    dbg = Debugger(net, data((4, 1, 10, 10)), label=LABEL, loss=LOSS)
    trace = dbg.trace
    assert trace.forward_count > 0 and trace.backward_count > 0
    steps = 0
    phases = []
    while not dbg.finished:
        phases.append(dbg.step()["phase"])
        steps += 1
    assert steps == trace.forward_count + trace.backward_count
    assert phases == ["forward"] * trace.forward_count + ["backward"] * trace.backward_count
    # back() revisits what was recorded there.
    last = dbg.current
    before = dbg.back()
    assert before["index"] == last["index"] - 1
    assert np.array_equal(before["outputs"][0]["value"], trace.events[before["index"]].outputs[0][1])
    assert dbg.step()["index"] == last["index"]
    assert dbg.back(1000)["index"] == -1
    # step_over runs a whole child block: Conv2D with its relu.
    first = dbg.step_over()
    assert first["layer"].endswith("conv0_relu") and first["op"] == "Activation"
    assert dbg.step_over()["layer"].endswith("pool0")
    dbg.reset()
    assert dbg.position == -1 and len(dbg.trace) == len(trace)


def test_breakpoints_by_operator_layer_and_node_name():
    net = lenet()
    dbg = Debugger(net, data((4, 1, 10, 10)), label=LABEL, loss=LOSS)
    dbg.add_breakpoint("Pooling")
    assert dbg.continue_()["op"] == "Pooling"
    dbg.clear_breakpoints()
    dbg.reset()
    dbg.add_breakpoint("dense0")
    stop = dbg.continue_()
    assert stop["layer"].endswith("dense0") and stop["phase"] == "forward"
    assert "layer" in dbg.stop_reason
    # Entering dense0 again happens in the backward pass.
    again = dbg.continue_()
    assert again["layer"].endswith("dense0") and again["phase"] == "backward"
    dbg.clear_breakpoints()
    dbg.reset()
    target = dbg.trace.events[3].name
    dbg.add_breakpoint(target)
    assert dbg.continue_()["name"] == target
    # With no further breakpoint, continue_ runs to the end.
    assert dbg.continue_()["index"] == len(dbg.trace) - 1


def test_widget_state_follows_the_debugger():
    pytest.importorskip("anywidget")
    from mxnb.notebook.debugger_widget import DebuggerWidget
    net = small_net(LogOfShifted(0.5))
    dbg = Debugger(net, data((4, 5)), label=LABEL, loss=LOSS, break_on="nan")
    widget = DebuggerWidget(dbg)
    assert widget.node["name"] is None and "before the first node" in widget.node["where"]
    assert [e["index"] for e in widget.timeline] == list(range(len(dbg.trace)))
    forward = widget.graphs["forward"]
    ids = {n["id"] for n in forward["nodes"]}
    assert all(e["from"] in ids and e["to"] in ids for e in forward["edges"])
    widget._handle_custom_msg({"action": "continue"}, [])       # as the view's button sends it
    name = dbg.current["name"]
    assert widget.node["name"] == name and widget.position == dbg.position
    assert "NaN/Inf" in widget.node["stop_reason"]
    out = widget.node["outputs"][0]
    assert out["nan"] > 0 and sum(out["hist"]["counts"]) == out["shape"][0] * out["shape"][1] - out["nan"] - out["inf"]
    assert out["heat"]["rows"] * out["heat"]["cols"] == len(out["heat"]["values"])
    assert None in out["heat"]["values"]                        # the NaNs, drawn apart
    widget.act("step")
    assert widget.node["index"] == dbg.position == widget.timeline[dbg.position]["index"]
    widget.act("back")
    assert widget.node["name"] == name
    widget.act("goto", len(dbg.trace) - 1)
    assert dbg.finished and widget.node["phase"] == "backward" and widget.node["gradients"]
    widget.act("reset")
    assert dbg.position == -1 and widget.node["index"] == -1
    with pytest.raises(ValueError):
        widget.act("jump")


def test_widget_carries_a_picture_for_other_front_ends():
    pytest.importorskip("anywidget")
    dbg = Debugger(lenet(), data((4, 1, 10, 10)), label=LABEL, loss=LOSS)
    dbg.step()
    bundle = dbg.widget()._repr_mimebundle_()
    data_ = bundle[0] if isinstance(bundle, tuple) else bundle
    assert "application/vnd.jupyter.widget-view+json" in data_
    assert "data:image/svg+xml;base64," in data_["text/html"]
    assert dbg.current["name"] in data_["text/html"] and "VBox" not in data_["text/plain"]


def test_heatmap_for_image_like_tensors():
    from mxnb.notebook.debugger_view import node_html
    dbg = Debugger(lenet(), data((4, 1, 10, 10)), label=LABEL, loss=LOSS)
    dbg.step()
    assert "data:image/png;base64" in node_html(dbg)
