"""`mx.util`: environment variables, MXNet 1.x's NumPy shape semantics switch (`np_shape`), and
the NumPy-array interface switches (`np_array`, `use_np`), which mxnb does not have: they report it
off, and turning it on raises a clear error."""
import functools
import os
import threading

from .base import MXNetError

__all__ = ["is_np_array", "is_np_shape", "set_np", "reset_np", "set_np_shape", "use_np",
           "use_np_array", "use_np_shape", "np_array", "np_shape", "getenv", "setenv",
           "get_gpu_count", "get_gpu_memory", "get_cuda_compute_capability"]

_NO_NP = ("the mx.np interface is not supported by mxnb; it implements MXNet 1.x's mx.nd / "
          "mx.sym API (use mx.nd arrays)")


_np_shape_state = threading.local()


def is_np_shape():
    """Whether NumPy shape semantics are on in the calling thread (MXNet 1.x's `is_np_shape`).

    Off (the default), a shape `()` or a dimension 0 means "unknown" where shapes are inferred
    (symbols, deferred initialisation) and the creation functions reject such shapes; on,
    `()` is a scalar's shape, 0 a zero-size dimension and -1 means unknown.

    Returns
    -------
    bool
        The calling thread's setting.

    Examples
    --------
    >>> mx.is_np_shape()
    False
    """
    return bool(getattr(_np_shape_state, "active", False))


def set_np_shape(active):
    """Turns NumPy shape semantics on or off in the calling thread.

    Parameters
    ----------
    active : bool
        Whether to turn them on.

    Returns
    -------
    bool
        The previous setting.

    Examples
    --------
    >>> prev = mx.set_np_shape(True)
    >>> mx.is_np_shape()
    True
    >>> _ = mx.set_np_shape(prev)
    """
    prev = is_np_shape()
    _np_shape_state.active = bool(active)
    return prev


def set_np(shape=True, array=True, dtype=False):
    """Sets NumPy shape semantics to `shape`; NumPy arrays or dtypes (the mx.np interface) raise.

    `set_np(shape=True, array=False)` turns NumPy shape semantics on; `set_np(False, False)`
    turns them off.
    """
    if array or dtype:
        raise MXNetError(_NO_NP)
    set_np_shape(shape)


def reset_np():
    """Turns NumPy shape semantics off (the NumPy interface itself is always off in mxnb)."""
    set_np_shape(False)


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


use_np_array = use_np


def use_np_shape(func):
    """A decorator running `func` (or every method of a class) with NumPy shape semantics on.

    Parameters
    ----------
    func : callable or class
        The function, or a class whose methods and properties are all wrapped.

    Returns
    -------
    callable or class
        `func` wrapped (same name and docstring), or the class with its methods wrapped.

    Examples
    --------
    >>> @mx.use_np_shape
    ... def scalar_one():
    ...     return mx.nd.ones(shape=())
    >>> scalar_one().shape
    ()
    """
    if isinstance(func, type):
        for name, member in list(vars(func).items()):
            if isinstance(member, property):
                setattr(func, name, property(*(use_np_shape(f) if f is not None else None
                                               for f in (member.fget, member.fset, member.fdel)),
                                             member.__doc__))
            elif callable(member) and not isinstance(member, type):
                setattr(func, name, use_np_shape(member))
        return func
    if not callable(func):
        raise TypeError("use_np_shape can only decorate classes and callable objects, "
                        "found %s" % type(func))

    @functools.wraps(func)
    def _with_np_shape(*args, **kwargs):
        with np_shape(active=True):
            return func(*args, **kwargs)
    return _with_np_shape


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
    """A `with` scope setting NumPy shape semantics in the calling thread (MXNet 1.9.1's
    `_NumpyShapeScope`); use `np_shape(active)`. Leaving it restores the previous setting."""

    def __init__(self, is_np_shape):  # pylint: disable=redefined-outer-name
        self._enter_is_np_shape = is_np_shape
        self._prev_is_np_shape = None

    def __enter__(self):
        if self._enter_is_np_shape is not None:
            self._prev_is_np_shape = set_np_shape(self._enter_is_np_shape)
        return self

    def __exit__(self, *exc):
        if self._enter_is_np_shape is not None:
            set_np_shape(self._prev_is_np_shape)
        return False


def np_shape(active=True):
    """A scope for NumPy shape semantics, used in a `with` statement.

    Parameters
    ----------
    active : bool or None
        Whether the scope turns NumPy shape semantics on (None leaves them as they are).

    Returns
    -------
    _NumpyShapeScope
        The scope, to use in a `with` statement.

    Examples
    --------
    >>> with mx.np_shape(True):
    ...     mx.nd.ones(shape=(0, 3)).shape
    (0, 3)
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
