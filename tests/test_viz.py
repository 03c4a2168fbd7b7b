"""mx.viz.print_summary / plot_network, compared with the output of real MXNet 1.9.1.

The reference files under tests/data/ were written by MXNet 1.9.1 from the same nets built below
(`mlp`, `convnet`), with the same arguments.
"""
import contextlib
import io
import pathlib
import sys

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

DATA = pathlib.Path(__file__).parent / "data"


def mlp():
    data = mx.sym.var("data")
    net = mx.sym.FullyConnected(data, num_hidden=128, name="fc1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.FullyConnected(net, num_hidden=64, name="fc2")
    net = mx.sym.Activation(net, act_type="relu", name="relu2")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc3")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def convnet():
    data = mx.sym.var("data")
    net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=8, name="conv1")
    net = mx.sym.BatchNorm(net, name="bn1")
    net = mx.sym.Activation(net, act_type="relu", name="relu1")
    net = mx.sym.Convolution(net, kernel=(3, 3), stride=(2, 2), num_filter=4, no_bias=True,
                             name="conv2")
    net = mx.sym.FullyConnected(net, num_hidden=10, name="fc1")
    return mx.sym.SoftmaxOutput(net, name="softmax")


def summary_text(symbol, **kwargs):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        mx.viz.print_summary(symbol, **kwargs)
    return out.getvalue()


def reference(name):
    return (DATA / ("mxnet191_" + name)).read_text()


@pytest.mark.parametrize("build, shape, ref", [
    (mlp, {"data": (32, 100)}, "print_summary_mlp.txt"),
    (convnet, {"data": (2, 3, 16, 16)}, "print_summary_convnet.txt"),
    (convnet, None, "print_summary_convnet_noshape.txt"),
])
def test_print_summary_matches_mxnet(build, shape, ref):
    assert summary_text(build(), shape=shape) == reference(ref)


def test_print_summary_counts_mlp_parameters():
    text = summary_text(mlp(), shape={"data": (32, 100)})
    total = (100 + 1) * 128 + (128 + 1) * 64 + (64 + 1) * 10
    assert "Total params: %d" % total in text


def test_print_summary_custom_layout():
    text = summary_text(mlp(), shape={"data": (1, 5)}, line_length=60, positions=[20, 35, 45, 60])
    lines = text.splitlines()
    assert all(len(line) == 60 for line in lines if not line.startswith("Total"))
    fc1 = next(line for line in lines if line.startswith("fc1("))
    assert fc1[20:35].strip() == "128" and fc1[35:45].strip() == str(6 * 128)


def test_print_summary_rejects_non_symbols_and_incomplete_shapes():
    with pytest.raises(TypeError):
        mx.viz.print_summary(mx.nd.ones((2,)))
    with pytest.raises((MXNetError, ValueError)):
        mx.viz.print_summary(mlp(), shape={"softmax_label": (3,)})


def test_plot_network_matches_mxnet_source():
    import graphviz
    dot = mx.viz.plot_network(mlp(), shape={"data": (32, 100)})
    assert isinstance(dot, graphviz.Digraph)
    assert dot.source.rstrip("\n") == reference("plot_mlp.gv").rstrip("\n")


def test_plot_network_types_title_and_node_attrs_match_mxnet():
    dot = mx.viz.plot_network(mlp(), title="mlp", dtype={"data": np.float32},
                              node_attrs={"shape": "oval", "fixedsize": "false"})
    assert dot.name == "mlp"
    assert dot.source.rstrip("\n") == reference("plot_mlp_dtype.gv").rstrip("\n")


def test_plot_network_with_weights_shown_matches_mxnet():
    dot = mx.viz.plot_network(convnet(), shape={"data": (2, 3, 16, 16)}, hide_weights=False)
    assert dot.source.rstrip("\n") == reference("plot_convnet_weights.gv").rstrip("\n")


def test_plot_network_hides_weights_by_default_and_renders():
    dot = mx.viz.plot_network(convnet(), save_format="svg")
    assert "conv1_weight" not in dot.source and "bn1_moving_var" not in dot.source
    assert dot.format == "svg"
    svg = dot.pipe().decode("utf-8")
    assert "<svg" in svg and "FullyConnected" in svg


def test_plot_network_without_graphviz_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(MXNetError, match="pip install graphviz"):
        mx.viz.plot_network(mlp())
