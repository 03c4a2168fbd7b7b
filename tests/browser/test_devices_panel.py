"""The "mxnb devices" side panel in a real JupyterLab: it follows the notebook's kernel and its
figures move while a cell trains."""
import re

import pytest

from .conftest import open_notebook, run_all, screenshot

pytestmark = pytest.mark.slow

TRAINING = (
    "import time\n"
    "import mxnb as mx\n"
    "from mxnb import autograd, gluon, nd\n"
    "from mxnb.gluon import nn\n"
    "net = nn.HybridSequential()\n"
    "net.add(nn.Dense(256, activation='relu'), nn.Dense(10))\n"
    "net.initialize()\n"
    "trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})\n"
    "loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()\n"
    "kept = []\n"
    "end = time.time() + 8\n"
    "while time.time() < end:\n"
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
    lab.write_notebook("train.ipynb", [TRAINING])
    open_notebook(page, lab, "train.ipynb")
    page.evaluate("window.jupyterapp.commands.execute('mxnb:open-devices')")
    page.wait_for_selector(".mxnb-devices [data-context='cpu(0)']", timeout=60000)
    run_all(page)
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
    assert not page.console_errors, page.console_errors
