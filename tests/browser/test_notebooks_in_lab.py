"""Every tutorial in notebooks/ opened in the real JupyterLab, all cells run: no cell errors,
every widget output renders (no "Error displaying widget"), and no browser console errors.
Graphviz's `dot` is hidden from the server and its kernels (conftest), so this also shows that
the notebooks need no system Graphviz."""
import glob
import os
import shutil

import pytest

from .conftest import ROOT, open_notebook, run_all, screenshot, screenshot_path, wait_idle

pytestmark = pytest.mark.slow

NOTEBOOKS = sorted(os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))

CELL_ERRORS = """(() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  const errors = [];
  nb.widgets.forEach((cell, i) => {
    if (cell.model.type !== 'code') return;
    for (const out of cell.model.toJSON().outputs || []) {
      if (out.output_type === 'error') errors.push(`cell ${i}: ${out.ename}: ${out.evalue}`);
    }
  });
  return errors;
})()"""

WIDGET_STATE = """(() => {
  const views = [...document.querySelectorAll('.jp-OutputArea-output')]
    .filter(o => o.getAttribute('data-mime-type') === 'application/vnd.jupyter.widget-view+json');
  return {views: views.length,
          broken: views.filter(v => /Error displaying widget/.test(v.textContent)).length,
          empty: views.filter(v => v.getBoundingClientRect().height < 4).length};
})()"""


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_jupyterlab(lab, page, name):
    shutil.copy(os.path.join(ROOT, "notebooks", name), os.path.join(lab.root_dir, name))
    open_notebook(page, lab, name)
    run_all(page)
    wait_idle(page, timeout=240000)
    errors = page.evaluate(CELL_ERRORS)
    assert not errors, errors
    # widgets render asynchronously after their cell finished
    page.wait_for_timeout(1500)
    widgets = page.evaluate(WIDGET_STATE)
    assert widgets["broken"] == 0, widgets
    assert widgets["empty"] == 0, widgets
    assert page.locator("text=Error displaying widget").count() == 0
    if "plot_network(" in open(os.path.join(ROOT, "notebooks", name)).read():
        # mx.viz.plot_network's Digraph drawn by the extension without a system Graphviz
        assert page.locator(".mxnb-dot svg g.node").count() >= 3
    screenshot(page, "notebook-" + name.replace(".ipynb", ""))
    charts = page.locator(".mxnb-charts")
    for i in range(charts.count()):         # uPlot charts: each drawn, and photographed
        charts.nth(i).scroll_into_view_if_needed()
        assert charts.nth(i).locator(".uplot canvas").count() >= 1
        charts.nth(i).screenshot(path=screenshot_path("chart-%s-%d" % (name.replace(".ipynb", ""), i)))
    assert not page.console_errors, page.console_errors
