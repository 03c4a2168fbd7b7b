"""The graph document the JupyterLab extension draws, and the picture that goes with it."""
import json

import numpy as np

import mxnb as mx
from mxnb import autograd, nd
from mxnb.gluon import nn
from mxnb.notebook import show_graph
from mxnb.notebook.graph_document import GRAPH_MIME, graph_document
from mxnb.notebook.graph_svg import document_svg


def _mlp():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    act = mx.sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def test_symbol_document_has_nodes_edges_params_and_shapes():
    doc = show_graph(_mlp(), shapes={"data": (4, 5)}).document()
    json.dumps(doc)                                   # plain JSON
    names = [n["name"] for n in doc["nodes"]]
    assert "fc1_weight" not in names                  # weights fold into their node
    fc1 = next(n for n in doc["nodes"] if n["name"] == "fc1")
    assert fc1["attrs"]["num_hidden"] == "8"
    assert {p["name"]: p["shape"] for p in fc1["params"]} == {"fc1_weight": [8, 5], "fc1_bias": [8]}
    assert fc1["outputs"][0]["shape"] == [4, 8] and fc1["group"] == "fc1"
    ids = {n["id"]: n["name"] for n in doc["nodes"]}
    edges = {(ids[e["from"]], ids[e["to"]]) for e in doc["edges"]}
    assert ("fc1", "relu1") in edges and ("relu1", "fc2") in edges and ("data", "fc1") in edges


def test_hybridized_block_document_groups_layers():
    net = nn.HybridSequential()
    net.add(nn.Dense(6, activation="relu"), nn.Dense(2))
    net.initialize()
    net.hybridize()
    x = nd.ones((3, 4))
    net(x)
    doc = show_graph(net, shapes=x).document()
    groups = {n["group"] for n in doc["nodes"] if n["op"]}
    assert len(groups - {None}) == 2                  # one group per Dense
    dense = [n for n in doc["nodes"] if n["op"] == "FullyConnected"]
    assert [n["outputs"][0]["shape"] for n in dense] == [[3, 6], [3, 2]]


def test_tape_document_and_highlight():
    x = nd.ones((2, 3))
    w = nd.ones((4, 3))
    x.attach_grad()
    with autograd.record():
        y = nd.relu(nd.FullyConnected(x, w, num_hidden=4, no_bias=True))
    view = show_graph(y)
    op_names = [n["name"] for n in view.document()["nodes"] if n["op"] == "relu"]
    doc = view.document(highlight=op_names[0])
    assert doc["highlight"] == next(n["id"] for n in doc["nodes"] if n["name"] == op_names[0])


def test_fallback_picture_draws_every_node_and_shape():
    doc = show_graph(_mlp(), shapes={"data": (4, 5)}).document()
    svg = document_svg(doc)
    assert svg.count('class="node"') == len(doc["nodes"])
    assert svg.count("<line") == len(doc["edges"])
    assert "4x8" in svg and "FullyConnected" in svg


def test_bundle_carries_document_picture_and_text():
    bundle = show_graph(_mlp(), shapes={"data": (4, 5)})._repr_mimebundle_()
    assert set(bundle) == {GRAPH_MIME, "image/svg+xml", "text/plain"}
    assert np.all([isinstance(n["id"], str) for n in bundle[GRAPH_MIME]["nodes"]])


def test_devices_stream_sends_snapshots_that_follow_allocations():
    import time
    from mxnb.notebook.devices_comm import DeviceStream
    sent = []
    stream = DeviceStream(sent.append, interval=0.05)
    try:
        first = stream.message()["snapshot"]["contexts"]["cpu(0)"]["live_bytes"]
        keep = nd.zeros((1024, 1024))                 # 4 MiB made while the stream counts
        second = stream.message()["snapshot"]["contexts"]["cpu(0)"]["live_bytes"]
        assert second - first >= 4 * 1024 * 1024
        stream.start()
        deadline = time.time() + 5
        while len(sent) < 2 and time.time() < deadline:
            time.sleep(0.02)
        assert len(sent) >= 2 and sent[-1]["type"] == "snapshot"
        json.dumps(sent[-1])
        del keep
    finally:
        stream.stop()


def test_a_hybridized_block_is_drawn_with_the_shapes_it_ran_with():
    import mxnb as mx
    from mxnb import nd
    from mxnb.gluon import nn
    from mxnb.notebook.graph_model import model_of
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3), nn.Flatten(), nn.Dense(3))
    net.initialize()
    net.hybridize()
    assert net.last_input_shapes is None
    net(nd.ones((2, 1, 8, 8)))
    assert net.last_input_shapes["data"] == (2, 1, 8, 8)
    doc = graph_document(model_of(net))          # no shapes passed
    shapes = {n["name"]: n["outputs"][0]["shape"] for n in doc["nodes"]}
    assert shapes["data"] == [2, 1, 8, 8]
    assert [s for n, s in shapes.items() if n != "data"] == [[2, 4, 6, 6], [2, 144], [2, 3]]
    net(nd.ones((5, 1, 8, 8)))                    # the latest call counts
    doc = graph_document(model_of(net))
    assert doc["nodes"][-1]["outputs"][0]["shape"] == [5, 3]


def test_tape_leaves_with_gradients_are_named_as_a_symbol_names_its_variables():
    from mxnb import autograd, nd
    from mxnb.notebook.graph_model import model_of
    w, b = nd.ones((3, 1)), nd.zeros((1,))
    for p in (w, b):
        p.attach_grad()
    features = nd.ones((5, 3))
    with autograd.record():
        prob = nd.sigmoid(nd.dot(features, w) + b)
    nodes = [(n.name, n.role) for n in model_of(prob).nodes if n.op is None]
    assert nodes == [("data", "input"), ("dot_rhs", "param"), ("broadcast_add_rhs", "param")]
    # an input with a gradient attached (to look at d loss / d x) stays the data
    features.attach_grad()
    with autograd.record():
        prob = nd.sigmoid(nd.dot(features, w) + b)
    assert [n.name for n in model_of(prob).nodes if n.op is None][0] == "data"
