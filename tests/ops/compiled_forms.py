"""For the tests of mxnb.compiled's kernels: the skip mark where numba is missing, and a
function's result under both forms (compiled loops, then the NumPy form they stand for)."""
import pytest

from mxnb import compiled

needs_numba = pytest.mark.skipif(not compiled.available(), reason="numba is not installed")


def both_forms(fn):
    """(fn() with the compiled kernels, fn() with the NumPy forms)."""
    with compiled.use_compiled(True):
        fast = fn()
    with compiled.use_compiled(False):
        plain = fn()
    return fast, plain
