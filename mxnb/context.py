"""Devices: `cpu()`, `gpu(i)`, `with ctx:` and the current default context."""
import threading

from .base import MXNetError

__all__ = ["Context", "cpu", "gpu", "cpu_pinned", "current_context", "num_gpus"]


class Context:
    """A device on which arrays live and operators run (MXNet's `mx.Context`)."""
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
    stack = getattr(Context._local, "stack", None)
    return stack[-1] if stack else _CPU


def num_gpus():
    from . import backend
    return backend.num_gpus()


Context.default_ctx = property(lambda self: current_context())
