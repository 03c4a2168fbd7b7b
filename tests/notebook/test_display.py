"""Rich displays: array statistics and heatmaps, block layer tables, IPython formatter registration."""
import re
import struct
import sys
import zlib

import numpy as np

import mxnb as mx
from mxnb import gluon, nd
from mxnb.notebook import display, formatters, render


def _png_size(png):
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", png[16:24])


def _png_pixels(png):
    """Decodes our own (unfiltered RGB) PNG: the IDAT payload inflated into rows."""
    width, height = _png_size(png)
    start = png.index(b"IDAT") + 4
    length = struct.unpack(">I", png[start - 8:start - 4])[0]
    raw = zlib.decompress(png[start:start + length])
    rows = np.frombuffer(raw, np.uint8).reshape(height, 1 + 3 * width)
    assert (rows[:, 0] == 0).all()
    return rows[:, 1:].reshape(height, width, 3)


def test_heatmap_png_has_the_array_size_times_scale():
    png = render.heatmap_png(np.arange(12.0).reshape(3, 4), scale=5)
    assert _png_size(png) == (20, 15)


def test_heatmap_png_maps_low_to_dark_and_nan_to_magenta():
    values = np.array([[0.0, 1.0], [np.nan, 0.5]])
    pixels = _png_pixels(render.heatmap_png(values, cmap="gray", scale=1))
    assert tuple(pixels[0, 0]) == (0, 0, 0)
    assert tuple(pixels[0, 1]) == (255, 255, 255)
    assert tuple(pixels[1, 0]) == (255, 0, 255)


def test_png_data_uri_round_trips():
    import base64
    png = render.heatmap_png(np.eye(3))
    uri = render.png_data_uri(png)
    assert uri.startswith("data:image/png;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]) == png


def test_array_stats_ignore_nan_and_inf_and_count_them():
    values = np.array([1.0, np.nan, np.inf, -np.inf, 3.0], dtype=np.float32)
    stats = render.array_stats(nd.array(values))
    assert stats["nan"] == 1 and stats["inf"] == 2
    assert stats["min"] == 1.0 and stats["max"] == 3.0 and stats["mean"] == 2.0
    assert stats["std"] == 1.0
    assert stats["shape"] == (5,) and stats["dtype"] == "float32" and stats["ctx"] == "cpu(0)"


def test_array_stats_of_integers_and_all_nan():
    assert render.array_stats(np.array([2, 4]))["mean"] == 3.0
    all_nan = render.array_stats(np.full(3, np.nan))
    assert all_nan["nan"] == 3 and all_nan["min"] is None


def test_array_html_shows_stats_nan_count_and_heatmap():
    values = np.arange(20, dtype=np.float32).reshape(4, 5)
    values[1, 2] = np.nan
    values[3, 4] = np.inf
    page = display.array_html(nd.array(values))
    assert "NDArray 4x5 float32 @cpu(0)" in page
    assert "1 NaN, 1 Inf" in page
    cells = dict(re.findall(r"<td[^>]*>(\w+)</td><td[^>]*>([^<]*)</td>", page))
    assert cells["NaN"] == "1" and cells["Inf"] == "1"
    assert float(cells["min"]) == 0.0 and float(cells["max"]) == 18.0
    assert "data:image/png;base64," in page
    assert "<svg" in page                      # the histogram


def test_array_html_of_a_channel_stack_has_one_heatmap_per_channel():
    page = display.array_html(nd.ones((3, 8, 8)))
    assert page.count("data:image/png;base64,") == 3


def test_array_html_of_a_vector_has_no_heatmap():
    assert "data:image/png" not in display.array_html(nd.arange(10))


def _mlp():
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Dense(8, activation="relu"), gluon.nn.Dense(3))
    return net


def test_block_table_lists_layers_with_parameter_counts_and_state():
    net = _mlp()
    rows = display.block_layer_rows(net)
    assert [r[1] for r in rows] == ["HybridSequential", "Dense", "Activation", "Dense"]
    assert rows[0][4] == "no"
    net.initialize()
    rows = display.block_layer_rows(net, nd.ones((4, 5)))
    assert [r[2] for r in rows] == ["4x3", "4x8", "4x8", "4x3"]
    assert [r[3] for r in rows] == [5 * 8 + 8 + 8 * 3 + 3, 5 * 8 + 8, 0, 8 * 3 + 3]
    assert rows[1][4] == "yes"


def test_block_html_is_a_table_of_layers():
    net = _mlp()
    net.initialize()
    net(nd.ones((2, 5)))
    page = display.block_html(net)
    assert "75 parameters" in page and page.count("Dense") >= 2


def test_register_is_a_no_op_outside_ipython(monkeypatch):
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert formatters.register() is False


def test_register_installs_idempotent_html_formatters():
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    try:
        assert formatters.register(shell) and formatters.register(shell)
        html_formatter = shell.display_formatter.formatters["text/html"]
        array = nd.array([[1.0, np.nan], [2.0, 3.0]])
        assert "1 NaN, 0 Inf" in html_formatter(array)
        assert "mxnb-block" in html_formatter(gluon.nn.Dense(3))   # registered by dotted name
        assert "mxnb-symbol" in html_formatter(mx.sym.var("x") * 2)
    finally:
        formatters.unregister(shell)
    assert html_formatter(array) is None


def test_svg_helpers_produce_svg():
    chart = render.line_chart_svg({"loss": [3, 2, 1], "acc": [0.1, None, 0.9]}, title="t")
    assert chart.startswith("<svg") and chart.count("<polyline") == 2
    assert render.sparkline_svg([1, 2, 3]).count("<polyline") == 1
    assert render.histogram_svg(np.random.randn(100), bins=10).count("<rect") == 11
    table = render.html_table([["<b>", render.Raw("<i>ok</i>")]], ["a", "b"])
    assert "&lt;b&gt;" in table and "<i>ok</i>" in table
