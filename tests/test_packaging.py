"""Packaging: `import mxnb` needs NumPy alone, and the installed metadata carries the extras."""
import importlib.metadata
import json
import os
import re
import stat
import subprocess
import sys
import textwrap

import pytest

import mxnb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("ipywidgets", "graphviz", "IPython", "cupy", "matplotlib", "jupyter_client", "scipy")


def run_python(code):
    """Run code in a fresh interpreter from the repo root (so `mxnb` resolves to this checkout)."""
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "subprocess failed:\n%s\n%s" % (proc.stdout, proc.stderr)
    return proc.stdout


def test_import_does_not_load_notebook_or_gpu_modules():
    out = run_python("""
        import json, sys
        import mxnb as mx
        from mxnb import nd, autograd
        x = nd.array([[1.0, 2.0], [3.0, 4.0]])
        x.attach_grad()
        with autograd.record():
            y = (x * 2) * x
        y.backward()
        print(json.dumps({"loaded": sorted(m for m in sys.modules),
                          "grad": x.grad.asnumpy().tolist()}))
    """)
    result = json.loads(out.strip().splitlines()[-1])
    loaded = set(result["loaded"])
    offenders = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert offenders == [], "import mxnb (and a first op) loaded %s" % offenders
    assert result["grad"] == [[4.0, 8.0], [12.0, 16.0]]


def test_import_works_with_numpy_as_the_only_third_party_package():
    # Refuse every top-level module that is neither the standard library, numpy nor mxnb, as on a
    # machine where NumPy is all that is installed.
    out = run_python("""
        import importlib.abc, json, sys
        allowed = set(sys.stdlib_module_names) | {"numpy", "mxnb"}
        refused = []
        class OnlyNumpy(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                top = name.split(".")[0]
                if top not in allowed and not top.startswith("_"):
                    refused.append(name)
                    raise ImportError("blocked in this test: " + name)
                return None
        sys.meta_path.insert(0, OnlyNumpy())
        import mxnb as mx
        a = mx.nd.ones((2, 3)) + 1
        print(json.dumps([float(a.asnumpy().sum()), mx.__version__, refused]))
    """)
    total, version, refused = json.loads(out.strip().splitlines()[-1])
    assert total == 12.0
    assert version == mxnb.__version__
    # Guarded probes of the standard library (e.g. Jython's `org`) may be refused; the notebook and
    # GPU packages must not even be tried at import time.
    tried = sorted(n for n in refused if n.split(".")[0] in HEAVY)
    assert tried == [], "import mxnb tried to import %s" % tried


def _distribution():
    try:
        return importlib.metadata.distribution("mxnb")
    except importlib.metadata.PackageNotFoundError:
        pytest.fail("mxnb is not installed in %s: run `make test` (pip install -e \".[notebook,test]\")"
                    % sys.prefix)


def test_installed_metadata_has_version_python_and_extras():
    dist = _distribution()
    meta = dist.metadata
    assert meta["Name"] == "mxnb"
    assert dist.version == mxnb.__version__
    assert meta["Requires-Python"].replace(" ", "") == ">=3.10"
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"notebook", "cuda12", "cuda13", "test"} <= extras, extras

    requires = dist.requires or []
    core = [r for r in requires if "extra ==" not in r]
    assert [re.sub(r"\s+", "", r) for r in core] == ["numpy>=1.23"], core

    def extra(name):
        pat = re.compile(r"""extra\s*==\s*["']%s["']""" % name)
        return {re.split(r"[<>=!~;\[ ]", r, 1)[0].lower() for r in requires if pat.search(r)}

    assert extra("notebook") == {"jupyterlab", "ipywidgets", "graphviz", "ipykernel", "anywidget"}
    assert extra("cuda12") == {"cupy-cuda12x"}
    assert extra("cuda13") == {"cupy-cuda13x"}
    assert extra("test") >= {"pytest", "nbclient", "nbformat", "ipykernel", "graphviz", "ipywidgets",
                             "playwright", "anywidget"}


def test_installed_package_is_this_checkout():
    _distribution()
    out = run_python("import mxnb, os; print(os.path.realpath(mxnb.__file__))")
    assert out.strip() == os.path.realpath(os.path.join(ROOT, "mxnb", "__init__.py"))
    # And from outside the repo too, which only an (editable) install makes possible.
    proc = subprocess.run([sys.executable, "-c", "import mxnb, os; print(os.path.realpath(mxnb.__file__))"],
                          cwd=os.path.dirname(ROOT) or "/", capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == os.path.realpath(mxnb.__file__)


def test_pytest_markers_registered(pytestconfig):
    names = {line.split(":")[0].strip() for line in pytestconfig.getini("markers")}
    assert {"gpu", "slow"} <= names


def test_make_targets_do_what_readme_says():
    def dry(target):
        proc = subprocess.run(["make", "-n", "-B", target], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    test = dry("test")
    assert "-m venv .venv" in test
    assert 'install -q -e ".[notebook,test,fast]"' in test
    assert "-m ipykernel install --sys-prefix" in test
    assert ".venv/bin/python -m pytest -q" in test
    lab = dry("lab")
    assert re.search(r"\.venv/bin/jupyter lab .*notebooks/", lab), lab


def test_ci_script_runs_make_test():
    path = os.path.join(ROOT, ".ci", "run")
    assert os.stat(path).st_mode & stat.S_IXUSR, ".ci/run is not executable"
    with open(path) as f:
        body = f.read()
    commands = [l.strip() for l in body.splitlines() if l.strip() and not l.strip().startswith("#")]
    assert "make test" in commands, commands


def test_readme_example_runs():
    with open(os.path.join(ROOT, "README.md")) as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), re.S)
    example = max(blocks, key=len)
    out = run_python(example)
    assert "[[ 4.  8.]\n [12. 16.]]" in out, out
    assert "[[5.5 5.5 5.5]\n [5.5 5.5 5.5]]" in out, out
