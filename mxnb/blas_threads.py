"""How long NumPy's OpenBLAS keeps its worker threads spinning after a matrix product.

After each threaded product, OpenBLAS's workers busy-wait for new work for 2^28 CPU cycles
(about 0.1 s) before they sleep. A network step runs a product every few milliseconds, so on a
machine with few cores a worker spins all the time and holds a core that mxnb's own threads
need: im2col, col2im and the Winograd transforms are split over the cores by image
(ops/nn/_conv_parallel.py), and their second half then waits for the spinning worker.

mxnb shortens the wait to 2^20 cycles (about 0.4 ms; `OPENBLAS_THREAD_TIMEOUT=20`) when it is
imported, unless the environment sets OPENBLAS_THREAD_TIMEOUT. Measured on 2 cores, training
step (min of 4): ResNet-18/32x32 batch 32 830-840 -> 700-730 ms; the MLP and LeNet steps of
benchmarks/train_mnist.py unchanged (a shorter wait, 2^4 to 2^18 cycles, slowed the MLP's step
by 13-19%: its workers then sleep between its short products and must be woken).

OpenBLAS reads the variable once, when it loads, which is before mxnb is imported; its own entry
points take the new value: `openblas_read_env` reads the environment again, and
`blas_thread_shutdown_` stops the workers, which the next product starts with the new wait.
Other BLAS libraries (MKL, Accelerate) and OpenBLAS builds without these entry points are left
as they are.

`blas_thread_setter` gives OpenBLAS's `openblas_set_num_threads_local`, with which a stack of
products split over mxnb's own threads runs each part on one BLAS thread
(ops/nn/_conv_parallel.parallel_matmul). In NumPy's OpenBLAS 0.3.27 that count is not the
calling thread's alone: every product started meanwhile, in any thread, takes it, so it is set
only around such a split and put back after.
"""
import ctypes
import os

__all__ = ["SPIN_CYCLES_LOG2", "shorten_openblas_spin", "openblas_spin", "blas_thread_setter"]

SPIN_CYCLES_LOG2 = 20
_VARIABLE = "OPENBLAS_THREAD_TIMEOUT"
_UNKNOWN = object()
_setter = _UNKNOWN


def _openblas_libraries():
    """The OpenBLAS libraries loaded in this process with the entry points used here (ctypes),
    NumPy's first; [] where none is found."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:             # not Linux
        return []
    libraries = []
    for path in sorted(paths, key=lambda p: "numpy" not in p):
        if not path.endswith(".so") and ".so." not in path:
            continue
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if all(hasattr(lib, name) for name in
               ("openblas_read_env", "blas_thread_shutdown_", "openblas_thread_timeout")):
            lib.openblas_thread_timeout.restype = ctypes.c_int
            libraries.append(lib)
    return libraries


def openblas_spin():
    """NumPy's OpenBLAS spin time as log2 of CPU cycles (0: its built-in 2^28), or None where
    NumPy's BLAS is not an OpenBLAS with the entry points used here."""
    libraries = _openblas_libraries()
    return libraries[0].openblas_thread_timeout() if libraries else None


def shorten_openblas_spin(log2_cycles=SPIN_CYCLES_LOG2):
    """Sets the spin time of every OpenBLAS loaded (NumPy's, and SciPy's where it has its own) to
    2^log2_cycles cycles, unless OPENBLAS_THREAD_TIMEOUT is set (the user's choice stands).
    Returns whether it was changed. Call it while no other thread runs a BLAS product (mxnb
    does, when it is imported).

    Parameters
    ----------
    log2_cycles : int, default SPIN_CYCLES_LOG2
        log2 of the cycles a worker spins before it sleeps (OpenBLAS takes 4 to 30).

    Returns
    -------
    bool
        True when OpenBLAS's workers now spin for the new time.

    Examples
    --------
    >>> from mxnb import blas_threads
    >>> blas_threads.shorten_openblas_spin() in (True, False)
    True
    """
    if os.environ.get(_VARIABLE):
        return False
    libraries = _openblas_libraries()
    if not libraries:
        return False
    os.environ[_VARIABLE] = str(int(log2_cycles))
    try:
        for lib in libraries:
            lib.openblas_read_env()
    finally:
        del os.environ[_VARIABLE]       # the process's environment as it was
    for lib in libraries:
        lib.blas_thread_shutdown_()
    return True


def blas_thread_setter():
    """NumPy's OpenBLAS `openblas_set_num_threads_local` as a function of one int (the thread
    count products started from now on take) returning the count it replaces, or None where
    NumPy's BLAS is not an OpenBLAS that has it. Looked up once.

    Returns
    -------
    callable or None

    Examples
    --------
    >>> from mxnb import blas_threads
    >>> set_threads = blas_threads.blas_thread_setter()
    >>> set_threads is None or set_threads(set_threads(1)) == 1
    True
    """
    global _setter
    if _setter is _UNKNOWN:
        libraries = _openblas_libraries()
        function = getattr(libraries[0], "openblas_set_num_threads_local", None) \
            if libraries else None
        if function is not None:
            function.restype, function.argtypes = ctypes.c_int, [ctypes.c_int]
        _setter = function
    return _setter
