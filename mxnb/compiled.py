"""Compiled CPU kernels: the only importer of numba, which is an optional extra
(`pip install 'mxnb[fast]'`).

Some CPU kernels are memory-bound chains of NumPy passes (an optimizer update, max pooling's
backward, an activation's gradient): each pass streams whole arrays through memory, where one
compiled loop reads and writes each element once. Such a kernel is written twice: its NumPy
form, which is the reference and runs wherever numba is missing, disabled or the arrays are not
NumPy's; and a loop compiled with numba. The caller asks `enabled()` and picks one; the tests
run both on the same inputs and compare them.

The loops are compiled without `fastmath` and without fused multiply-adds, so each float operation
rounds as NumPy's does: a compiled update is bit-equal to its NumPy form. They are compiled
`nogil`, so `ops.nn._conv_parallel` may split one over threads, and with `cache=True` (once per
machine, into `__pycache__`). numba is imported on the first kernel call, never by `import mxnb`.

`MXNB_NUMBA=0` (read once, on the first kernel call) turns the compiled kernels off;
`use_compiled(False)` does so in a block.
"""
import contextlib
import os
import threading
import types

import numpy

__all__ = ["enabled", "kernel", "use_compiled", "available", "takes", "FLOATS"]

# The dtypes the kernels are compiled for (one signature each): other dtypes (float16, integers)
# keep the NumPy forms.
FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))

_numba = None           # the module once imported, False when it cannot be
_override = None        # use_compiled's choice while its block runs (process-wide)
_lock = threading.Lock()


def available():
    """Whether numba imports here (imported on the first call)."""
    global _numba
    if _numba is None:
        with _lock:
            if _numba is None:
                try:
                    import numba  # noqa: the one place numba is imported
                    _numba = numba
                except Exception:  # missing, or built for another NumPy
                    _numba = False
    return _numba is not False


_default = None         # MXNB_NUMBA and numba's presence, read once (every kernel call asks)


def enabled():
    """Whether CPU kernels should take their compiled form: numba is there, `MXNB_NUMBA` was not
    "0" when first asked (read once, like MXNet's environment variables) and no
    `use_compiled(False)` block is active."""
    global _default
    if _override is not None:
        return _override and available()
    if _default is None:
        _default = os.environ.get("MXNB_NUMBA", "1") != "0" and available()
    return _default


def takes(xp, dtype, dtypes=FLOATS):
    """Whether a compiled kernel runs for arrays of array module `xp` and `dtype` now: NumPy
    arrays of one of `dtypes`, with the compiled kernels enabled."""
    return xp is numpy and dtype in dtypes and enabled()


@contextlib.contextmanager
def use_compiled(flag):
    """Within the block, compiled kernels are used when `flag` is true and numba is available,
    and never when it is false. The choice holds for the whole process (engine worker threads
    included), so comparisons made under a threaded engine compare the two forms.

    Examples
    --------
    >>> from mxnb import compiled
    >>> with compiled.use_compiled(False):
    ...     compiled.enabled()
    False
    """
    global _override
    previous = _override
    _override = bool(flag)
    try:
        yield
    finally:
        _override = previous


class _Kernel:
    """A Python loop compiled with numba on its first call (when `enabled()`)."""
    def __init__(self, function):
        self.function = function
        self.compiled = None
        self.__doc__ = function.__doc__
        self.__name__ = function.__name__

    def __call__(self, *args):
        return self.dispatcher()(*args)

    def dispatcher(self):
        """numba's compiled function (made on the first call)."""
        compiled = self.compiled
        if compiled is None:
            if not available():
                raise RuntimeError("%s needs numba (pip install 'mxnb[fast]'); callers check "
                                   "mxnb.compiled.enabled() first" % self.__name__)
            compiled = self.compiled = _compile(self.function)
        return compiled


def _with_kernels_compiled(function):
    """`function`, or a copy of it whose globals name the compiled form of the kernels it calls:
    a kernel may call another (a small helper, which LLVM inlines), and numba resolves the
    names a function uses from its globals when it compiles it."""
    used = {name: value for name, value in function.__globals__.items()
            if name in function.__code__.co_names and isinstance(value, _Kernel)}
    if not used:
        return function
    scope = dict(function.__globals__)
    scope.update((name, kernel.dispatcher()) for name, kernel in used.items())
    copy = types.FunctionType(function.__code__, scope, function.__name__,
                              function.__defaults__, function.__closure__)
    copy.__qualname__, copy.__module__ = function.__qualname__, function.__module__
    return copy


def _compile(function):
    function = _with_kernels_compiled(function)
    options = dict(nogil=True, fastmath=False, error_model="numpy")
    try:
        return _numba.njit(function, cache=True, **options)
    except RuntimeError:    # no place to cache it (a function typed at a prompt): compile anyway
        return _numba.njit(function, **options)


def kernel(function):
    """Declares `function` (plain Python loops over NumPy arrays and scalars) a compiled kernel:
    numba compiles it on its first call. Call it only when `enabled()` is true.

    Parameters
    ----------
    function : callable
        Loops numba's nopython mode compiles; it writes its results into arrays it is given,
        or returns a scalar. It may call other kernels of its module by name.

    Returns
    -------
    callable
        The kernel, compiled lazily.

    Examples
    --------
    >>> import numpy as np
    >>> from mxnb import compiled
    >>> @compiled.kernel
    ... def double_into(x, out):
    ...     for i in range(x.size):
    ...         out[i] = 2 * x[i]
    >>> out = np.empty(3)
    >>> if compiled.enabled():
    ...     double_into(np.arange(3.0), out)
    ... else:
    ...     out[:] = 2 * np.arange(3.0)
    >>> out.tolist()
    [0.0, 2.0, 4.0]
    """
    return _Kernel(function)
