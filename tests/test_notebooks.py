"""Every notebooks/*.ipynb runs top to bottom in a real Jupyter kernel without a cell error.

The kernel is this environment's own: the kernelspec that `make test` / `make lab` install with
`python -m ipykernel install --sys-prefix`, looked up only under sys.prefix, so whatever kernels
the machine has globally do not matter. Each notebook runs in a temporary working directory.
"""
import glob
import json
import os
import re
import sys
import tempfile

import pytest

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError, CellTimeoutError  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))
KERNELS_DIR = os.path.join(sys.prefix, "share", "jupyter", "kernels")
KERNEL_NAME = "python3"
CELL_TIMEOUT = 120
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def venv_kernel_spec_manager():
    return KernelSpecManager(kernel_dirs=[KERNELS_DIR], ensure_native_kernel=False)


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks under %s" % os.path.join(ROOT, "notebooks")


def test_kernelspec_is_this_environments():
    path = os.path.join(KERNELS_DIR, KERNEL_NAME, "kernel.json")
    assert os.path.exists(path), ("no kernelspec at %s: run `make test` (it runs "
                                  "`python -m ipykernel install --sys-prefix`)" % path)
    with open(path) as f:
        argv = json.load(f)["argv"]
    # ipykernel writes sys.executable; the spec it ships says "python", which jupyter_client
    # replaces with the launching interpreter. Either way the kernel runs in this environment.
    if argv[0] != "python":
        assert os.path.dirname(os.path.abspath(argv[0])) == os.path.dirname(os.path.abspath(sys.executable)), \
            "kernelspec %s starts %s, not this environment's python %s" % (path, argv[0], sys.executable)
    specs = venv_kernel_spec_manager().find_kernel_specs()
    assert specs.get(KERNEL_NAME) == os.path.dirname(path), specs


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs(path):
    name = os.path.relpath(path, ROOT)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    assert code_cells, "%s has no code cells" % name

    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=venv_kernel_spec_manager())
    with tempfile.TemporaryDirectory() as tmp:
        client = NotebookClient(nb, km=km, kernel_name=KERNEL_NAME, timeout=CELL_TIMEOUT,
                                allow_errors=False, resources={"metadata": {"path": tmp}})
        with client.setup_kernel(cwd=tmp, env=dict(os.environ, PYTHONPATH=ROOT, MPLBACKEND="Agg")):
            for index in code_cells:
                cell = nb.cells[index]
                try:
                    client.execute_cell(cell, index)
                except (CellExecutionError, CellTimeoutError) as e:
                    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                    summary = "%s: %s" % (getattr(e, "ename", type(e).__name__), getattr(e, "evalue", ""))
                    pytest.fail("%s, cell %d (%r) failed with %s\n\n%s"
                                % (name, index, first_line, ANSI.sub("", summary), ANSI.sub("", str(e))),
                                pytrace=False)
        leftovers = os.listdir(tmp)
        assert leftovers == [], "%s left files in its working directory: %s" % (name, leftovers)

    errors = [(i, o) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == [], "%s: error outputs in cells %s" % (name, [i for i, _ in errors])
