"""The debugger's widget in a real JupyterLab and Chromium: it fits a 1400x1000 page's notebook
column, its buttons, keys and timeline move the highlighted node and change the details, each
tensor has statistics, a histogram and a heatmap with a colour scale; a saved notebook opened
without a kernel shows a picture, not "Error displaying widget"."""
import os

import pytest

from .conftest import ROOT, open_notebook, run_all, screenshot, wait_idle

pytestmark = pytest.mark.slow

DEBUGGER_CELLS = [
    "import numpy as np\n"
    "import mxnb as mx\n"
    "from mxnb import nd, gluon\n"
    "from mxnb.gluon import nn\n"
    "from mxnb.notebook import Debugger\n"
    "net = nn.HybridSequential()\n"
    "with net.name_scope():\n"
    "    net.add(nn.Conv2D(4, kernel_size=3, activation='relu'), nn.MaxPool2D(), nn.Flatten(),\n"
    "            nn.Dense(10))\n"
    "net.initialize(mx.init.Xavier())\n"
    "x = nd.array(np.random.RandomState(0).uniform(-1, 1, (4, 1, 12, 12)).astype('float32'))\n"
    "dbg = Debugger(net, x, label=nd.array([0, 1, 2, 1]), loss=gluon.loss.SoftmaxCrossEntropyLoss())\n"
    "dbg",
]

FITS = """(() => {
  const root = document.querySelector('.mxnb-debugger');
  const area = root.closest('.jp-OutputArea-output');
  const cell = root.closest('.jp-Cell');
  const over = el => el.scrollWidth - el.clientWidth;
  const r = root.getBoundingClientRect(), c = cell.getBoundingClientRect();
  return {root: over(root), area: over(area),
          details: over(root.querySelector('.mxnb-debugger-details')),
          inside: r.right <= c.right + 1 && r.left >= c.left - 1, width: r.width};
})()"""


def _state(page):
    return page.evaluate("(() => { const r = document.querySelector('.mxnb-debugger');"
                         " return {current: r.dataset.current, highlight: r.dataset.highlight,"
                         " details: r.querySelector('.mxnb-debugger-details').innerText}; })()")


def _wait_highlight(page, node_id):
    page.wait_for_function("document.querySelector('.mxnb-debugger').dataset.highlight === %r"
                           % node_id, timeout=30000)
    return _state(page)


IN_VIEW = """(() => {
  const node = document.querySelector('.mxnb-debugger-graph g.node.mxnb-current');
  const canvas = document.querySelector('.mxnb-debugger-graph .mxnb-graph-canvas');
  const n = node.getBoundingClientRect(), c = canvas.getBoundingClientRect();
  const cx = n.left + n.width / 2, cy = n.top + n.height / 2;
  return cx > c.left && cx < c.right && cy > c.top && cy < c.bottom;
})()"""


def _current_is_in_view(page):
    """The highlighted node's centre is inside the graph pane (scrolled into view)."""
    return page.evaluate(IN_VIEW)


def test_debugger_buttons_keys_and_timeline(lab, page):
    lab.write_notebook("debugger.ipynb", DEBUGGER_CELLS)
    open_notebook(page, lab, "debugger.ipynb")
    run_all(page)
    wait_idle(page)
    page.wait_for_selector(".mxnb-debugger .mxnb-debugger-graph svg g.node", timeout=60000)
    start = _state(page)
    assert start["current"] == "" and "Before the first node" in start["details"]

    page.click(".mxnb-debugger button[data-action='step']")
    first = _wait_highlight(page, "e0")
    assert first["current"].endswith("convolution0") and "Convolution" in first["details"]
    # the current node is drawn highlighted in the graph
    assert page.locator(".mxnb-debugger-graph g.node.mxnb-current").get_attribute("id") == "e0"
    assert _current_is_in_view(page)
    for section in ("inputs", "outputs"):
        cards = page.locator(".mxnb-debugger-section[data-section='%s'] .mxnb-tensor" % section)
        assert cards.count() >= 1
    conv_out = page.locator(".mxnb-debugger-section[data-section='outputs'] .mxnb-tensor").first
    assert conv_out.locator(".mxnb-tensor-hist canvas").count() >= 1     # uPlot histogram
    assert conv_out.locator("canvas.mxnb-tensor-heat-image").count() == 1
    assert conv_out.locator(".mxnb-colorbar-ramp").count() == 1
    fits = page.evaluate(FITS)
    assert fits["root"] <= 1 and fits["area"] <= 1 and fits["details"] <= 1, fits
    assert fits["inside"], fits
    page.locator(".mxnb-debugger").scroll_into_view_if_needed()
    screenshot(page, "debugger")

    page.focus(".mxnb-debugger")
    page.keyboard.press("s")
    second = _wait_highlight(page, "e1")
    assert second["current"] != first["current"] and second["details"] != first["details"]
    page.keyboard.press("ArrowRight")
    _wait_highlight(page, "e2")
    page.keyboard.press("b")
    assert _wait_highlight(page, "e1")["current"] == second["current"]
    # JupyterLab's own command-mode keys (b inserts a cell, c copies one) were not triggered
    assert page.evaluate("window.jupyterapp.shell.currentWidget.content.widgets.length") == 1

    page.keyboard.press("c")                       # no breakpoints: to the end of backward
    page.wait_for_function("document.querySelector('.mxnb-debugger .mxnb-debugger-stop') !== null"
                           " && document.querySelector('.mxnb-debugger').dataset.highlight !== 'e1'",
                           timeout=30000)
    end = _state(page)
    assert _current_is_in_view(page)
    assert "backward" in end["details"] and "end of the backward pass" in end["details"]
    assert page.locator(".mxnb-debugger-section[data-section='gradients'] .mxnb-tensor").count() >= 1
    screenshot(page, "debugger-backward")

    page.click(".mxnb-timeline-node[data-index='4']")
    jumped = _wait_highlight(page, "e4")
    assert "FullyConnected" in jumped["details"] and "forward" in jumped["details"]
    assert _current_is_in_view(page)
    fits = page.evaluate(FITS)
    assert fits["root"] <= 1 and fits["area"] <= 1 and fits["details"] <= 1, fits
    assert not page.console_errors, page.console_errors


def test_saved_debugger_without_kernel_shows_a_picture(lab, page, monkeypatch):
    import nbformat
    from nbclient import NotebookClient
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    path = lab.write_notebook("saved-debugger.ipynb", DEBUGGER_CELLS + [
        "from mxnb.notebook import Dashboard, TrainingMonitor\n"
        "dash = Dashboard(interval=0.2)\n"
        "dash",
        "monitor = TrainingMonitor(total_samples=8)\n"
        "monitor\n",
        "for step in range(4):\n"
        "    monitor.update(loss=1.0 / (step + 1), samples=2)\n"
        "dash.stop()"])
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": lab.root_dir}}).execute()
    nbformat.write(nb, path)
    data = nb.cells[0].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" in data
    assert "data:image/svg+xml;base64," in data["text/html"] and "VBox" not in data["text/plain"]
    for cell in nb.cells[1:3]:                 # the dashboard and the monitor
        shown = [o for o in cell.outputs if "data" in o][0]["data"]
        assert "application/vnd.jupyter.widget-view+json" in shown
        assert "<img" in shown["text/html"] and "VBox" not in shown["text/plain"]

    page.goto(lab.notebook_url("saved-debugger.ipynb").replace("&reset", "&reset&kernel=none"))
    page.wait_for_selector(".jp-Notebook .jp-OutputArea-output", timeout=60000)
    page.wait_for_selector(".mxnb-debugger, .mxnb-debugger-snapshot", timeout=60000)
    page.wait_for_timeout(1000)
    assert page.locator("text=Error displaying widget").count() == 0
    if page.locator(".mxnb-debugger-snapshot").count():
        picture = page.locator(".mxnb-debugger-snapshot img").first
        assert picture.evaluate("img => img.complete && img.naturalWidth > 100")
    assert page.locator("text=VBox(children").count() == 0
    screenshot(page, "debugger-saved-notebook")
    assert not page.console_errors, page.console_errors
