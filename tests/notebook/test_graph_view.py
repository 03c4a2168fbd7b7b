"""show_graph draws a Symbol, a hybridized block and a tape with one code: same nodes, same shapes."""
import shutil

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.notebook import graph_view, show_graph


def _lenet_like():
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Conv2D(4, kernel_size=3, activation="relu"),
                gluon.nn.MaxPool2D(pool_size=2, strides=2),
                gluon.nn.Dense(10))
    net.initialize(mx.init.Xavier())
    return net


def _lenet_symbol():
    data = mx.sym.var("data")
    x = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, name="conv")
    x = mx.sym.Activation(x, act_type="relu", name="relu")
    x = mx.sym.Pooling(x, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool")
    return mx.sym.FullyConnected(x, num_hidden=10, name="fc")


def _structure(view):
    """Operators and shaped edges, named by operator: what must agree across the three kinds."""
    ops = {name: view.node_details(name)["op"] or "input" for name in view.nodes}
    return [ops[name] for name in view.nodes], sorted((ops[a], ops[b], shape) for a, b, shape in view.edges())


X = nd.ones((2, 1, 10, 10))
EXPECTED_EDGES = sorted([("input", "Convolution", "2x1x10x10"), ("Convolution", "Activation", "2x4x8x8"),
                         ("Activation", "Pooling", "2x4x8x8"), ("Pooling", "FullyConnected", "2x4x4x4")])


def test_symbol_block_and_tape_draw_the_same_graph():
    symbol_view = show_graph(_lenet_symbol(), shapes={"data": X.shape})
    net = _lenet_like()
    with autograd.record():
        net(X)
    x = X.copy()
    x.attach_grad()
    with autograd.record():
        y = net(x)
    tape_view = show_graph(y, params=net)
    net.hybridize()
    net(X)
    block_view = show_graph(net, shapes=X)
    expected_ops = ["input", "Convolution", "Activation", "Pooling", "FullyConnected"]
    for view in (symbol_view, block_view, tape_view):
        ops, edges = _structure(view)
        assert ops == expected_ops
        assert edges == EXPECTED_EDGES
    # The tape names the weights after the block's parameters when given them.
    tape_weights = {n.name for n in tape_view.model.nodes if n.role == "param"}
    assert tape_weights == set(net.collect_params().keys())


def test_tape_through_a_hybridized_block_is_drawn_inside_a_cluster():
    net = _lenet_like()
    net.hybridize()
    x = X.copy()
    x.attach_grad()
    with autograd.record():
        y = net(x)
    view = show_graph(y)
    ops, edges = _structure(view)
    assert ops[0] == "input" and edges == EXPECTED_EDGES
    assert "subgraph cluster_" in view.source
    assert view.node_details(view.nodes[-1])["group"] is not None


def test_edges_carry_output_shapes_in_the_dot_source():
    view = show_graph(_lenet_symbol(), shapes={"data": (2, 1, 10, 10)})
    assert 'label="2x4x8x8"' in view.source
    assert 'label="2x4x4x4"' in view.source
    assert "Convolution\n3x3/1, 4" in view.source or "Convolution\\n3x3/1, 4" in view.source \
        or "Convolution\n3x3/1x1, 4" in view.source


def test_weights_hidden_or_shown():
    symbol = _lenet_symbol()
    hidden = show_graph(symbol, hide_weights=True)
    shown = show_graph(symbol, hide_weights=False)
    assert "conv_weight" not in hidden.nodes and "fc_bias" not in hidden.nodes
    assert {"conv_weight", "conv_bias", "fc_weight", "fc_bias"} <= set(shown.nodes)
    assert "conv_weight" in shown.source and "conv_weight" not in hidden.source


def test_node_details_give_attrs_inputs_shapes_and_params():
    view = show_graph(_lenet_symbol(), shapes={"data": (2, 1, 10, 10)})
    details = view.node_details("conv")
    assert details["op"] == "Convolution"
    assert details["attrs"]["num_filter"] == "4"
    assert [(i["name"], i["argument"], i["shape"]) for i in details["inputs"]] == [
        ("data", "data", (2, 1, 10, 10)), ("conv_weight", "weight", (4, 1, 3, 3)),
        ("conv_bias", "bias", (4,))]
    assert details["output_shapes"] == [(2, 4, 8, 8)]
    assert details["num_params"] == 4 * 9 + 4
    assert details["users"] == ["relu"]
    with pytest.raises(KeyError):
        view.node_details("nope")


def test_tape_details_include_value_statistics():
    x = nd.array([[1.0, -1.0]])
    x.attach_grad()
    with autograd.record(), np.errstate(divide="ignore"):
        y = nd.log(nd.relu(x))   # log(0) = -inf: the kind of value the details should reveal
    view = show_graph(y)
    stats = view.node_details(view.nodes[-1])["output_stats"][0]
    assert stats["inf"] == 1


def test_details_widget_follows_the_picked_node():
    view = show_graph(_lenet_symbol(), shapes={"data": (2, 1, 10, 10)})
    box = view.widget()
    box.picker.value = "pool"
    assert "Pooling" in box.details.value and "2x4x4x4" in box.details.value


@pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")
def test_drawing_renders_svg():
    bundle = show_graph(_lenet_symbol())._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_missing_dot_still_gives_the_document_and_a_picture(monkeypatch):
    monkeypatch.setattr(graph_view.shutil, "which", lambda name: None)
    view = show_graph(_lenet_symbol(), shapes={"data": (2, 1, 10, 10)})
    bundle = view._repr_mimebundle_()
    doc = bundle["application/vnd.mxnb.graph+json"]
    ops = [n["op"] for n in doc["nodes"] if n["op"]]
    assert "FullyConnected" in ops and "Convolution" in ops
    svg = bundle["image/svg+xml"]           # mxnb's own layout: no Graphviz needed
    assert svg.startswith("<svg") and "FullyConnected" in svg and "2x4x4x4" in svg
    page = view.html()                       # the HTML view still explains how to get dot
    assert "apt-get install graphviz" in page and str(4 * 4 * 4 * 10 + 10) in page


def test_dot_failing_at_render_time_is_the_same_message(monkeypatch):
    import graphviz
    view = show_graph(_lenet_symbol())

    def no_dot(*args, **kwargs):
        raise graphviz.ExecutableNotFound(["dot"])

    monkeypatch.setattr(graph_view.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr(type(view.digraph), "pipe", no_dot)
    assert "apt-get install graphviz" in view.html()


def test_plain_block_and_unrun_block_explain_what_to_do():
    class Plain(gluon.Block):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="autograd.record"):
        show_graph(Plain())
    with pytest.raises(mx.MXNetError, match="hybridize"):
        show_graph(_lenet_like())


def test_a_block_not_yet_run_is_drawn_from_a_sample_shape():
    net = _lenet_like()
    view = show_graph(net, shapes=(2, 1, 10, 10))
    assert _structure(view)[1] == EXPECTED_EDGES
    assert net(X).shape == (2, 10)               # drawing left the block usable
