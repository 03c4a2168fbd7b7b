"""mxnb.blas_threads: importing mxnb shortens NumPy's OpenBLAS spin wait, unless the user set
OPENBLAS_THREAD_TIMEOUT; each case in a fresh interpreter (OpenBLAS's setting is per process)."""
import json
import os
import subprocess
import sys

import pytest

from mxnb import blas_threads

_PROBE = ("import json, os, mxnb; from mxnb import blas_threads as b; "
          "print(json.dumps([b.openblas_spin(), os.environ.get('OPENBLAS_THREAD_TIMEOUT')]))")


def _probe(**env):
    environ = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=environ, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


needs_openblas = pytest.mark.skipif(blas_threads.openblas_spin() is None,
                                    reason="NumPy's BLAS here is not OpenBLAS")


@needs_openblas
def test_import_sets_the_spin_time_and_leaves_the_environment_as_it_was():
    spin, variable = _probe()
    assert spin == blas_threads.SPIN_CYCLES_LOG2      # (OpenBLAS's own: 0, meaning 2^28)
    assert variable is None


@needs_openblas
def test_a_spin_time_set_by_the_user_stands():
    spin, variable = _probe(OPENBLAS_THREAD_TIMEOUT="25")
    assert spin == 25 and variable == "25"


@needs_openblas
def test_products_are_right_after_the_workers_restart(monkeypatch):
    import numpy as np
    monkeypatch.delenv("OPENBLAS_THREAD_TIMEOUT", raising=False)
    a = np.random.RandomState(0).rand(300, 200)
    expected = a @ a.T
    try:
        assert blas_threads.shorten_openblas_spin(18)
        assert blas_threads.openblas_spin() == 18
        np.testing.assert_allclose(a @ a.T, expected, rtol=1e-12)
    finally:
        blas_threads.shorten_openblas_spin()
    assert blas_threads.openblas_spin() == blas_threads.SPIN_CYCLES_LOG2


@needs_openblas
def test_the_thread_setter_sets_the_count_products_take():
    """blas_thread_setter: what the split products of ops/nn/_conv_parallel.parallel_matmul set
    around each split. It returns the count it replaces, and products are right meanwhile."""
    import numpy as np
    set_threads = blas_threads.blas_thread_setter()
    if set_threads is None:
        pytest.skip("NumPy's OpenBLAS here has no openblas_set_num_threads_local")
    a = np.random.RandomState(1).rand(300, 200)
    expected = a @ a.T
    previous = set_threads(1)
    try:
        assert set_threads(1) == 1
        np.testing.assert_allclose(a @ a.T, expected, rtol=1e-12)
    finally:
        assert set_threads(previous) == 1
    assert blas_threads.blas_thread_setter() is set_threads       # looked up once
