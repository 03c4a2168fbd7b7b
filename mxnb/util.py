"""`mx.util`: environment variables, and MXNet 2's NumPy-interface switches, which mxnb does not
have: they report it off, and turning it on raises a clear error."""
import functools
import os

from .base import MXNetError

__all__ = ["is_np_array", "is_np_shape", "set_np", "reset_np", "set_np_shape", "use_np",
           "use_np_array", "use_np_shape", "np_array", "np_shape", "getenv", "setenv",
           "get_gpu_count", "get_gpu_memory", "get_cuda_compute_capability"]

_NO_NP = ("the mx.np interface is not supported by mxnb; it implements MXNet 1.x's mx.nd / "
          "mx.sym API (use mx.nd arrays)")


def is_np_array():
    """False: mxnb's arrays are always legacy `mx.nd.NDArray`s.

    Returns
    -------
    bool
        Whether MXNet 2's NumPy array semantics are on (never, in mxnb).

    Example
    -------
    >>> mx.util.is_np_array()
    False
    """
    return False


def is_np_shape():
    """False: shapes follow MXNet 1.x's convention (0 means unknown in shape inference)."""
    return False


def set_np_shape(active):
    """Turning NumPy shape semantics on raises; `set_np_shape(False)` is accepted (it is off)."""
    if active:
        raise MXNetError(_NO_NP)
    return False


def set_np(shape=True, array=True, dtype=False):
    """Raises: the mx.np interface is not supported (`set_np(False, False)` is a no-op)."""
    if shape or array or dtype:
        raise MXNetError(_NO_NP)


def reset_np():
    """Turns the NumPy interface off, which it always is in mxnb."""


def _not_supported(*args, **kwargs):
    raise MXNetError(_NO_NP)


def use_np(func):
    """A decorator that would turn on the NumPy interface for `func` or a class: raises a clear
    error when the decorated function runs (or the class is instantiated)."""
    if isinstance(func, type):
        def __init__(self, *args, **kwargs):
            raise MXNetError(_NO_NP + " (class %s is decorated with use_np)" % func.__name__)
        func.__init__ = __init__
        return func

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        raise MXNetError(_NO_NP + " (%s is decorated with use_np)" % getattr(func, "__name__", func))
    return wrapper


use_np_array = use_np_shape = use_np


class _NpScope:
    def __init__(self, active):
        self.active = active

    def __enter__(self):
        if self.active:
            raise MXNetError(_NO_NP)
        return self

    def __exit__(self, *exc):
        return False


def np_array(active=True):
    """A scope turning NumPy array semantics on: raises when `active`."""
    return _NpScope(active)


def np_shape(active=True):
    """A scope turning NumPy shape semantics on: raises when `active`."""
    return _NpScope(active)


def getenv(name):
    """The value of environment variable `name` (None if it is not set).

    Example
    -------
    >>> mx.util.setenv('MXNET_TEST', '1'); mx.util.getenv('MXNET_TEST')
    '1'
    """
    return os.environ.get(name)


def setenv(name, value):
    """Sets (or with value None, unsets) environment variable `name`."""
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = str(value)


def get_gpu_count():
    """The number of GPUs CuPy sees (0 without CuPy)."""
    from .context import num_gpus
    return num_gpus()


def get_gpu_memory(gpu_dev_id):
    """(free, total) bytes of GPU `gpu_dev_id`."""
    from . import backend
    from .context import gpu
    return backend.memory_info(gpu(gpu_dev_id))


def get_cuda_compute_capability(ctx):
    """The compute capability of `ctx`'s GPU as an int (e.g. 80), as MXNet returns it."""
    if ctx.device_type != "gpu":
        raise ValueError("Expecting a gpu context to get cuda compute capability, while received "
                         "ctx %s" % ctx)
    from . import backend
    cp = backend.cupy()
    return int(cp.cuda.Device(ctx.device_id).compute_capability)
