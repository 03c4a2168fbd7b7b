"""The graph renderer in a real JupyterLab and Chromium: a show_graph output is drawn in the
browser (no system Graphviz), pans and zooms, shows a node's details on click, collapses and
expands a layer group, and a saved notebook shows the graph without a kernel."""
import pytest

from .conftest import open_notebook, run_all, screenshot, wait_idle

pytestmark = pytest.mark.slow

GRAPH_CELLS = [
    "import mxnb as mx\n"
    "from mxnb import nd\n"
    "from mxnb.gluon import nn\n"
    "from mxnb.notebook import show_graph\n"
    "net = nn.HybridSequential()\n"
    "net.add(nn.Conv2D(6, 3), nn.BatchNorm(), nn.Activation('relu'), nn.MaxPool2D(2),\n"
    "        nn.Flatten(), nn.Dense(32, activation='relu'), nn.Dense(10))\n"
    "net.initialize()\n"
    "net.hybridize()\n"
    "x = nd.ones((2, 1, 12, 12))\n"
    "net(x)\n"
    "show_graph(net, shapes=x)",
]


def _viewbox(page):
    return page.get_attribute(".mxnb-graph", "data-viewbox")


def test_graph_is_drawn_and_explorable(lab, page):
    lab.write_notebook("graph.ipynb", GRAPH_CELLS)
    open_notebook(page, lab, "graph.ipynb")
    run_all(page)
    wait_idle(page)
    page.wait_for_selector(".mxnb-graph svg g.node", timeout=60000)
    nodes = page.locator(".mxnb-graph svg g.node")
    assert nodes.count() >= 7
    assert "2×6×10×10" in page.text_content(".mxnb-graph svg")
    screenshot(page, "graph-expanded")

    before = _viewbox(page)
    page.click(".mxnb-graph button[title='Zoom in']")
    zoomed = _viewbox(page)
    assert zoomed != before and float(zoomed.split()[2]) < float(before.split()[2])
    box = page.locator(".mxnb-graph-canvas").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 80, box["y"] + box["height"] / 2 + 40, steps=5)
    page.mouse.up()
    panned = _viewbox(page)
    assert panned.split()[2:] == zoomed.split()[2:] and panned.split()[:2] != zoomed.split()[:2]
    page.mouse.wheel(0, 300)
    assert float(_viewbox(page).split()[2]) > float(panned.split()[2])

    page.click(".mxnb-graph button[title='Show the whole graph']")
    page.locator(".mxnb-graph svg g.node", has_text="FullyConnected").first.click()
    details = page.inner_text(".mxnb-graph-details")
    assert "FullyConnected" in details and "num_hidden" in details

    clusters = page.locator(".mxnb-graph svg g.cluster")
    assert clusters.count() >= 2
    clusters.first.locator("text").first.click()
    page.wait_for_selector(".mxnb-graph svg g.node[id^='group:']")
    screenshot(page, "graph-collapsed")
    page.locator(".mxnb-graph svg g.node[id^='group:']").first.click()
    page.wait_for_function("document.querySelectorAll(\".mxnb-graph svg g.node[id^='group:']\")"
                           ".length === 0")
    assert not page.console_errors, page.console_errors


def test_saved_notebook_shows_the_graph_without_a_kernel(lab, page, monkeypatch):
    import os
    import nbformat
    from nbclient import NotebookClient
    from .conftest import ROOT
    monkeypatch.setenv("PYTHONPATH", ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    path = lab.write_notebook("saved.ipynb", GRAPH_CELLS)
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3",
                   resources={"metadata": {"path": lab.root_dir}}).execute()
    nbformat.write(nb, path)
    outputs = nb.cells[0].outputs
    assert any("application/vnd.mxnb.graph+json" in o.get("data", {}) for o in outputs)
    assert any("<svg" in o.get("data", {}).get("image/svg+xml", "") for o in outputs)

    page.goto(lab.notebook_url("saved.ipynb").replace("&reset", "&reset&kernel=none"))
    page.wait_for_selector(".mxnb-graph svg g.node", timeout=60000)
    assert page.locator(".mxnb-graph svg g.node").count() >= 7
    screenshot(page, "graph-saved-notebook")
