"""mxnb.compiled: numba kernels are optional, switchable, and round as NumPy does."""
import numpy as np
import pytest

from mxnb import compiled
from .ops.compiled_forms import needs_numba


@compiled.kernel
def _scaled_sum_into(a, b, scale, out):
    for i in range(a.size):
        out[i] = a[i] * scale + b[i]


def _reference(a, b, scale):
    return a * np.float32(scale) + b




@needs_numba
def test_a_kernel_rounds_as_numpy_does():
    rng = np.random.default_rng(0)
    a, b = (rng.standard_normal(10007).astype(np.float32) for _ in range(2))
    out = np.empty_like(a)
    _scaled_sum_into(a, b, np.float32(0.3), out)
    # No fused multiply-add: the same two roundings as NumPy's two passes.
    assert np.array_equal(out, _reference(a, b, 0.3))


def test_use_compiled_switches_off_and_on(monkeypatch):
    monkeypatch.delenv("MXNB_NUMBA", raising=False)
    with compiled.use_compiled(False):
        assert not compiled.enabled()
        with compiled.use_compiled(True):
            assert compiled.enabled() == compiled.available()
        assert not compiled.enabled()
    assert compiled.enabled() == compiled.available()


def test_the_environment_variable_turns_kernels_off():
    import os
    import subprocess
    import sys
    code = "from mxnb import compiled; print(compiled.enabled())"
    env = dict(os.environ, MXNB_NUMBA="0")
    found = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                           check=True)
    assert found.stdout.strip() == "False"


def test_without_numba_nothing_is_enabled_and_a_kernel_says_why(monkeypatch):
    monkeypatch.setattr(compiled, "_numba", False)
    monkeypatch.setattr(compiled, "_default", None)
    assert not compiled.available() and not compiled.enabled()
    fresh = compiled.kernel(lambda x: x)
    with pytest.raises(RuntimeError, match="needs numba"):
        fresh(1)


def test_importing_mxnb_does_not_import_numba():
    import subprocess
    import sys
    code = "import sys, mxnb; print('numba' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "False"


@compiled.kernel
def _halved(x):
    return x * 0.5


@compiled.kernel
def _halved_into(a, out):
    for i in range(a.size):
        out[i] = _halved(a[i])


@needs_numba
def test_a_kernel_may_call_another_kernel():
    a = np.arange(5.0)
    out = np.empty_like(a)
    _halved_into(a, out)
    assert out.tolist() == (a * 0.5).tolist()
    assert _halved(3.0) == 1.5          # and each is still callable from Python


def test_takes_numpy_arrays_of_the_compiled_dtypes_only():
    assert compiled.takes(np, np.dtype(np.float32)) == compiled.enabled()
    assert not compiled.takes(np, np.dtype(np.float16))
    assert not compiled.takes(object(), np.dtype(np.float32))       # another array module
    assert not compiled.takes(np, np.dtype(np.float64), dtypes=(np.dtype(np.float32),))
    with compiled.use_compiled(False):
        assert not compiled.takes(np, np.dtype(np.float32))
