"""Devices: `cpu()`, `gpu(i)`, `with ctx:` and the current default context."""
import threading

from ._thread_scopes import deprecated_class_property
from .base import MXNetError

__all__ = ["Context", "cpu", "gpu", "cpu_pinned", "current_context", "num_gpus"]


_DEFAULT_CTX_DEPRECATED = ("Context.default_ctx has been deprecated. Please use "
                           "Context.current_context() instead. Please use "
                           "test_utils.set_default_context to set a default context")


class _ContextType(type):
    """Gives `Context.default_ctx`, read or assigned on the class, MXNet's deprecated meaning:
    the current context, and setting the calling thread's context outside any `with ctx:`."""
    # Lambdas: the module functions are defined below.
    default_ctx = deprecated_class_property(_DEFAULT_CTX_DEPRECATED, lambda: current_context(),
                                            lambda ctx: set_base_context(ctx))


class Context(metaclass=_ContextType):
    """A device on which arrays live and operators run (MXNet's `mx.Context`).

    Parameters
    ----------
    device_type : {'cpu', 'gpu', 'cpu_pinned', 'cpu_shared'} or Context
        The kind of device (or a Context to copy).
    device_id : int, default 0
        Which device of that kind.

    Examples
    --------
    >>> with mx.Context('cpu', 1):
    ...     mx.current_context()
    cpu(1)
    """
    __slots__ = ("device_type", "device_id")
    devtype2str = {1: "cpu", 2: "gpu", 3: "cpu_pinned", 5: "cpu_shared"}
    devstr2type = {v: k for k, v in devtype2str.items()}
    _local = threading.local()

    def __init__(self, device_type, device_id=0):
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in self.devstr2type:
            raise MXNetError("unknown device type %r; expected one of %s"
                             % (device_type, sorted(self.devstr2type)))
        self.device_type = device_type
        self.device_id = int(device_id)

    @property
    def default_ctx(self):
        """The current context (read on an instance; on the class, MXNet's deprecated form)."""
        return current_context()

    @property
    def device_typeid(self):
        return self.devstr2type[self.device_type]

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "%s(%d)" % (self.device_type, self.device_id)

    __str__ = __repr__

    def __enter__(self):
        stack = _stack()
        stack.append(self)
        return self

    def __exit__(self, *exc):
        _stack().pop()

    def empty_cache(self):
        from . import backend
        backend.empty_cache(self)


def _stack():
    stack = getattr(Context._local, "stack", None)
    if stack is None:
        stack = Context._local.stack = []
    return stack


_CPU = Context("cpu", 0)


def cpu(device_id=0):
    return _CPU if device_id == 0 else Context("cpu", device_id)


def cpu_pinned(device_id=0):
    return Context("cpu_pinned", device_id)


def gpu(device_id=0):
    return Context("gpu", device_id)


def context_of_module(xp):
    """The context an array module computes on now: cpu for NumPy, CuPy's current device for
    CuPy (for code handed only `xp`: a Custom operator without inputs, a subgraph's steps)."""
    if xp.__name__ == "numpy":
        return cpu()
    return gpu(int(xp.cuda.Device().id))


def current_context():
    """The context arrays are made on: the innermost `with ctx:`, else the thread's default
    (cpu(0) unless `Context.default_ctx` was assigned)."""
    stack = getattr(Context._local, "stack", None)
    return stack[-1] if stack else getattr(Context._local, "base", _CPU)


def set_base_context(ctx):
    """Makes `ctx` the calling thread's context outside any `with ctx:` block (what assigning
    MXNet's deprecated `Context.default_ctx` does)."""
    if not isinstance(ctx, Context):
        raise MXNetError("default_ctx: expected a Context, found %s" % type(ctx).__name__)
    Context._local.base = ctx


def num_gpus():
    from . import backend
    return backend.num_gpus()
