"""`mx.util`: environment variables, and MXNet 2's NumPy-interface switches, which mxnb does not
have: they report it off, and turning it on raises a clear error."""
import functools
import os
import threading

from .base import MXNetError

__all__ = ["is_np_array", "is_np_shape", "set_np", "reset_np", "set_np_shape", "use_np",
           "use_np_array", "use_np_shape", "np_array", "np_shape", "getenv", "setenv",
           "get_gpu_count", "get_gpu_memory", "get_cuda_compute_capability"]

_NO_NP = ("the mx.np interface is not supported by mxnb; it implements MXNet 1.x's mx.nd / "
          "mx.sym API (use mx.nd arrays)")


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


class _NumpyArrayScope:
    """The NumPy-array scope in force, per thread (MXNet 1.9.1's `_NumpyArrayScope`).

    Use `np_array(active)` rather than this class. `_current.value` is the calling thread's
    scope; `_is_np_array` says whether it turns NumPy array semantics on, which mxnb does not
    support: entering an active scope raises `MXNetError`.
    """
    _current = threading.local()

    def __init__(self, is_np_array):  # pylint: disable=redefined-outer-name
        self._old_scope = None
        self._is_np_array = is_np_array

    def __enter__(self):
        if self._is_np_array:
            raise MXNetError(_NO_NP + " (np_array(True) was entered)")
        self._old_scope = getattr(_NumpyArrayScope._current, "value", None)
        if self._old_scope is None:
            self._old_scope = _NumpyArrayScope(False)
        _NumpyArrayScope._current.value = self
        return self

    def __exit__(self, *exc):
        _NumpyArrayScope._current.value = self._old_scope
        return False


def np_array(active=True):
    """A scope for NumPy array semantics, used in a `with` statement (thread-local).

    mxnb implements MXNet 1.x's legacy arrays only, so entering an active scope raises;
    `np_array(False)` is accepted and keeps the semantics off in the calling thread.

    Parameters
    ----------
    active : bool
        Whether the scope turns NumPy array semantics on.

    Returns
    -------
    _NumpyArrayScope
        The scope, to use in a `with` statement.

    Examples
    --------
    >>> with mx.np_array(False):
    ...     mx.is_np_array()
    False
    """
    return _NumpyArrayScope(active)


def is_np_array():
    """Whether NumPy array semantics are on in the calling thread (never, in mxnb's own code).

    Returns
    -------
    bool
        The `_is_np_array` of the thread's current `_NumpyArrayScope`, False outside any.

    Examples
    --------
    >>> mx.util.is_np_array()
    False
    """
    scope = getattr(_NumpyArrayScope._current, "value", None)
    return bool(scope._is_np_array) if scope is not None else False


class _NumpyShapeScope:
    """A `with` scope setting NumPy shape semantics (MXNet 1.9.1's `_NumpyShapeScope`); use
    `np_shape(active)`. Turning them on raises, as `set_np_shape(True)` does in mxnb."""

    def __init__(self, is_np_shape):  # pylint: disable=redefined-outer-name
        self._enter_is_np_shape = is_np_shape
        self._prev_is_np_shape = None

    def __enter__(self):
        if self._enter_is_np_shape is not None:
            self._prev_is_np_shape = set_np_shape(self._enter_is_np_shape)
        return self

    def __exit__(self, *exc):
        return False


def np_shape(active=True):
    """A scope for NumPy shape semantics, used in a `with` statement.

    Parameters
    ----------
    active : bool
        Whether the scope turns NumPy shape semantics on (raises in mxnb).

    Returns
    -------
    _NumpyShapeScope
        The scope, to use in a `with` statement.

    Examples
    --------
    >>> with mx.np_shape(False):
    ...     mx.is_np_shape()
    False
    """
    return _NumpyShapeScope(active)


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
