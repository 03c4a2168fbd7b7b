"""The "mxnb devices" side panel in a real JupyterLab: it follows the notebook's kernel and its
figures move while a cell trains."""
import os
import re

import pytest

from .conftest import open_notebook, screenshot, start_run_all

pytestmark = pytest.mark.slow

TRAINING = (
    "import time\n"
    "import mxnb as mx\n"
    "from mxnb import autograd, gluon, nd\n"
    "from mxnb.gluon import nn\n"
    "net = nn.HybridSequential()\n"
    "net.add(nn.Dense(256, activation='relu'), nn.Dense(10))\n"
    "net.initialize()\n"
    "from mxnb.notebook import watch_layers\n"
    "watch = watch_layers(net)                  # the panel names the layers holding memory\n"
    "trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})\n"
    "loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()\n"
    "kept = []\n"
    "import os\n"
    "end = time.time() + 90                     # or until the test has seen what it needs\n"
    "while time.time() < end and not os.path.exists('stop-training'):\n"
    "    x = nd.random.uniform(shape=(64, 784))\n"
    "    y = nd.array(list(range(10)) * 6 + [0, 1, 2, 3])\n"
    "    with autograd.record():\n"
    "        loss = loss_fn(net(x), y)\n"
    "    loss.backward()\n"
    "    trainer.step(64)\n"
    "    kept.append(nd.zeros((256, 1024)))   # 1 MiB more every step: memory that grows\n"
    "    time.sleep(0.05)\n"
    "len(kept)"
)


def _live_bytes(page):
    return page.text_content(".mxnb-devices [data-context='cpu(0)'] td.live")


def test_panel_follows_the_kernel_while_a_cell_trains(lab, page):
    try:
        _watch_the_panel(lab, page)
    finally:
        open(os.path.join(lab.root_dir, "stop-training"), "w").close()


def _watch_the_panel(lab, page):
    lab.write_notebook("train.ipynb", [TRAINING])
    open_notebook(page, lab, "train.ipynb")
    page.evaluate("window.jupyterapp.commands.execute('mxnb:open-devices')")
    page.wait_for_selector(".mxnb-devices [data-context='cpu(0)']", timeout=60000)
    start_run_all(page)
    page.wait_for_function("Number(document.querySelector('.mxnb-devices').dataset.received) >= 4",
                           timeout=60000)
    first = _live_bytes(page)
    page.wait_for_timeout(2500)
    second = _live_bytes(page)
    assert first != second, (first, second)
    assert re.search(r"MiB", second)
    text = page.text_content(".mxnb-devices")
    assert "process: RSS" in text and "operators" in text
    assert page.locator(".mxnb-devices .mxnb-devices-slowest li").count() >= 1
    assert page.locator(".mxnb-devices .uplot canvas").count() >= 1
    screenshot(page, "devices-panel-training")
    # live memory attributed to layers and operators, now and at the peak, and its timeline
    page.wait_for_function("document.querySelector('.mxnb-devices-owners table.now-layers') !== null"
                           " && document.querySelector('.mxnb-devices-owners table.now-layers')"
                           ".textContent.includes('dense')", timeout=30000)
    owners = page.text_content(".mxnb-devices-owners")
    assert "_zeros" in page.text_content(".mxnb-devices-owners table.now-operators")
    assert "dense" in page.text_content(".mxnb-devices-owners table.peak-layers"), owners
    assert page.locator(".mxnb-devices-layer-chart .uplot canvas").count() >= 1
    page.locator(".mxnb-devices-layer-chart").scroll_into_view_if_needed()
    screenshot(page, "devices-panel-memory-timeline")
    assert not page.console_errors, page.console_errors
