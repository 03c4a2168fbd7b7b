"""The array module for each context: NumPy on cpu, CuPy on gpu (the only importer of CuPy).

CuPy is imported on first use of a gpu context, so `import mxnb` needs NumPy alone.
"""
import os

import numpy as np

from .base import ContextError, MXNetError

_cupy = None
_cupy_error = None


def cupy():
    """The CuPy module, imported on first use; a clear error where it is missing."""
    global _cupy, _cupy_error
    if _cupy is None and _cupy_error is None:
        try:
            import cupy as cp  # noqa: the one place CuPy is imported
            _cupy = cp
        except Exception as exc:  # ImportError, or a CUDA library that fails to load
            _cupy_error = exc
    if _cupy is None:
        raise ContextError("a gpu context needs CuPy with a working CUDA device "
                           "(pip install 'mxnb[cuda12]' or 'mxnb[cuda13]'); importing cupy failed: %s"
                           % (_cupy_error,))
    return _cupy


def num_gpus():
    try:
        return int(cupy().cuda.runtime.getDeviceCount())
    except Exception:
        return 0


def xp_of(ctx):
    """NumPy for cpu contexts, CuPy for gpu ones."""
    if ctx.device_type == "gpu":
        return cupy()
    return np


def array_module(data):
    """The array module an array belongs to."""
    if isinstance(data, np.ndarray) or _cupy is None:
        return np
    return _cupy.get_array_module(data)


class _NullDevice:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL = _NullDevice()


def device_scope(ctx):
    """Makes `ctx`'s device current for CuPy allocations (a no-op on cpu)."""
    if ctx.device_type == "gpu":
        return cupy().cuda.Device(ctx.device_id)
    return _NULL


def to_context(data, ctx):
    """`data` (a NumPy or CuPy array) copied to `ctx`, or itself if it is already there."""
    if ctx.device_type == "gpu":
        cp = cupy()
        if isinstance(data, cp.ndarray) and data.device.id == ctx.device_id:
            return data
        with cp.cuda.Device(ctx.device_id):
            return cp.asarray(data)
    if isinstance(data, np.ndarray):
        return data
    return to_host(data)


def to_host(data):
    """A NumPy array with `data`'s values."""
    if isinstance(data, np.ndarray):
        return data
    if _cupy is not None and isinstance(data, _cupy.ndarray):
        return _cupy.asnumpy(data)
    return np.asarray(data)


def synchronize(ctx=None):
    if _cupy is not None:
        if ctx is None or ctx.device_type == "gpu":
            _cupy.cuda.get_current_stream().synchronize()


def empty_cache(ctx):
    if ctx.device_type == "gpu" and _cupy is not None:
        _cupy.get_default_memory_pool().free_all_blocks()


def memory_info(ctx):
    """(free, total) bytes of the device behind `ctx` (MXNet's `mx.context.gpu_memory_info`)."""
    if ctx.device_type != "gpu":
        raise MXNetError("memory_info is for gpu contexts, found %s" % ctx)
    cp = cupy()
    with cp.cuda.Device(ctx.device_id):
        return cp.cuda.runtime.memGetInfo()


# Set by the engine while a threaded one runs: rng_guard(ctx) waits for the random draws pushed
# before (ctx None: on every generator), so host-side draws and seeding keep push order.
rng_guard = None


def seed(seed_value, ctx=None):
    """Seeds the random generators: all of them (ctx None), or only ctx's (NumPy's for cpu,
    CuPy's of that device for gpu(i)), as mx.random.seed(seed, ctx) does."""
    global _np_rng
    if rng_guard is not None:
        rng_guard(ctx)
    if ctx is None or ctx.device_type != "gpu":
        _np_rng = np.random.default_rng(seed_value)
    if _cupy is not None and (ctx is None or ctx.device_type == "gpu"):
        devices = range(_cupy.cuda.runtime.getDeviceCount()) if ctx is None else [ctx.device_id]
        for device in devices:
            with _cupy.cuda.Device(device):
                _cupy.random.seed(seed_value)


_np_rng = np.random.default_rng()


def rng(ctx):
    """The random generator for `ctx` (a `numpy.random.Generator`, or CuPy's random module),
    once the draws pushed to the engine before have been made."""
    if rng_guard is not None:
        rng_guard(ctx)
    if ctx.device_type == "gpu":
        return cupy().random
    return _np_rng


def rng_in_order(ctx):
    """`rng(ctx)` for engine work that holds the generator's engine variable (no waiting)."""
    if ctx.device_type == "gpu":
        return cupy().random
    return _np_rng


# --- host memory ------------------------------------------------------------------------------
# glibc gives every large allocation fresh pages from mmap and returns them on free, so each
# operator's temporaries page-fault on first touch: a third of a LeNet training step on a VM.
# Keeping freed memory for reuse, as MXNet's pooled storage manager does, removes that cost.
# MXNB_CPU_MEMORY_POOL=0 leaves the allocator as it was.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_POOL_BYTES = 1 << 30
host_memory_pool = False


def pool_host_memory():
    """Asks glibc to serve allocations below 1 GiB from its heap and to keep freed memory (up to
    1 GiB) for reuse. Returns whether the allocator took the settings (False off glibc)."""
    global host_memory_pool
    if os.environ.get("MXNB_CPU_MEMORY_POOL", "1") == "0":
        return False
    try:
        import ctypes
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    host_memory_pool = bool(mallopt(_M_MMAP_THRESHOLD, _POOL_BYTES)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, _POOL_BYTES))
    return host_memory_pool


pool_host_memory()


# --- sparse matrices: scipy.sparse on the CPU, cupyx.scipy.sparse on GPUs -----------------------
_scipy_sparse = None


def sparse_module(xp):
    """The sparse-matrix module for the array module `xp`: `scipy.sparse` for NumPy,
    `cupyx.scipy.sparse` for CuPy. SciPy is an optional extra (pip install 'mxnb[sparse]'),
    imported on the first sparse operation, so `import mxnb` needs NumPy only."""
    global _scipy_sparse
    if xp is np:
        if _scipy_sparse is None:
            try:
                import scipy.sparse as sp
            except ImportError as exc:
                raise MXNetError("sparse NDArrays need SciPy (pip install 'mxnb[sparse]'); "
                                 "importing scipy.sparse failed: %s" % (exc,)) from None
            _scipy_sparse = sp
        return _scipy_sparse
    import cupyx.scipy.sparse as cusp  # noqa: with CuPy, its sparse module
    return cusp
