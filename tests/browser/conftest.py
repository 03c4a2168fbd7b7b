"""A real JupyterLab server and a real Chromium (Debian's, driven by Playwright) for the browser
tests. The server sees this checkout's mxnb and its prebuilt extension (mxnb/labextension)
through PYTHONPATH and JUPYTER_PATH, whatever is installed. Screenshots go to
test-artifacts/screenshots/ (kept by CI)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCREENSHOTS = os.path.join(ROOT, "test-artifacts", "screenshots")
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--disable-dev-shm-usage"]


def _chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("Debian's chromium is not installed: .ci/run installs it (apt-get install chromium)")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    def __init__(self, url, token, root_dir):
        self.url, self.token, self.root_dir = url, token, root_dir

    def notebook_url(self, name):
        return "%s/lab/tree/%s?token=%s&reset" % (self.url, name, self.token)

    def write_notebook(self, name, cells):
        import nbformat
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        path = os.path.join(self.root_dir, name)
        nbformat.write(nb, path)
        return path


def path_without_dot():
    """PATH with Graphviz's `dot` hidden (a folder of links to everything else), so the browser
    tests show that nothing needs a system Graphviz."""
    parts = []
    shadow = tempfile.mkdtemp(prefix="mxnb-path-without-dot-")
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if folder and os.path.exists(os.path.join(folder, "dot")):
            for name in os.listdir(folder):
                if name != "dot" and not os.path.exists(os.path.join(shadow, name)):
                    os.symlink(os.path.join(folder, name), os.path.join(shadow, name))
            folder = shadow
        if folder not in parts:
            parts.append(folder)
    return os.pathsep.join(parts)


@pytest.fixture(scope="session")
def lab():
    root_dir = tempfile.mkdtemp(prefix="mxnb-lab-")
    data_dir = tempfile.mkdtemp(prefix="mxnb-jupyter-path-")
    os.makedirs(os.path.join(data_dir, "labextensions"))
    os.symlink(os.path.join(ROOT, "mxnb", "labextension"),
               os.path.join(data_dir, "labextensions", "mxnb"))
    # JupyterLab's question about news would cover the bottom right of every screenshot.
    settings_dir = tempfile.mkdtemp(prefix="mxnb-lab-settings-")
    os.makedirs(os.path.join(settings_dir, "@jupyterlab", "apputils-extension"))
    with open(os.path.join(settings_dir, "@jupyterlab", "apputils-extension",
                           "notification.jupyterlab-settings"), "w") as f:
        json.dump({"fetchNews": "false"}, f)
    port, token = _free_port(), "mxnb-browser-tests"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               JUPYTER_PATH=data_dir + os.pathsep + os.environ.get("JUPYTER_PATH", ""),
               PATH=path_without_dot(), JUPYTERLAB_SETTINGS_DIR=settings_dir)
    log = open(os.path.join(root_dir, "server.log"), "w")
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--port=%d" % port,
           "--ServerApp.ip=127.0.0.1", "--IdentityProvider.token=%s" % token,
           "--ServerApp.root_dir=%s" % root_dir, "--LabApp.expose_app_in_browser=True",
           "--ServerApp.disable_check_xsrf=True", "--LabApp.news_url=None",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    server = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root_dir)
    url = "http://127.0.0.1:%d" % port
    deadline = time.time() + 90
    while True:
        try:
            with urllib.request.urlopen("%s/api/status?token=%s" % (url, token), timeout=2) as r:
                json.load(r)
            break
        except OSError:
            if server.poll() is not None or time.time() > deadline:
                log.flush()
                pytest.fail("JupyterLab did not start:\n" + open(log.name).read()[-3000:])
            time.sleep(0.5)
    yield Lab(url, token, root_dir)
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


def screenshot_path(name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    return os.path.join(SCREENSHOTS, name + ".png")


def screenshot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    path = os.path.join(SCREENSHOTS, name + ".png")
    page.screenshot(path=path)
    return path


def open_notebook(page, lab, name):
    page.goto(lab.notebook_url(name))
    page.wait_for_function("window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext", timeout=60000)
    page.wait_for_function("window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                           ".connectionStatus === 'connected'", timeout=60000)


def run_all(page):
    """Runs every cell; returns when the run is over (the command's promise)."""
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def start_run_all(page):
    """Starts running every cell and returns at once (the page can be watched meanwhile)."""
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")


def wait_idle(page, timeout=120000):
    page.wait_for_function(
        "(() => { const w = window.jupyterapp.shell.currentWidget;"
        " const kernel = w.sessionContext.session && w.sessionContext.session.kernel;"
        # cells scrolled out of view may not be rendered: read the models, and the kernel's state
        " return kernel && kernel.status === 'idle' && w.content.widgets.every(c =>"
        " c.model.type !== 'code' || (c.model.executionCount !== null &&"
        " !(c.node.querySelector('.jp-InputArea-prompt') || {textContent: ''})"
        ".textContent.includes('*'))); })()", timeout=timeout)
