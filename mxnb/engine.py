"""Where operator work is pushed, and waited for.

Only the naive engine exists so far: work runs in the caller's thread, so the dispatcher
(`ndarray.invoke`) calls operators directly, and NDArray's waits (`wait_to_read`, `nd.waitall`)
go through `wait_for(array)` / `wait_all()`. A threaded engine (per-device workers ordering work
by the arrays it reads and writes) would implement `push(fn, reads, writes)` and have `invoke`
push each operator's compute when `get().synchronous` is False; NDArray's callers stay as they
are. Errors would then surface at the next wait on an array the failed work touched.
"""
from . import backend

__all__ = ["Engine", "NaiveEngine", "get", "set_engine", "waitall"]


class Engine:
    #: True when `push` runs work before returning; the dispatcher then calls work directly.
    synchronous = False

    def push(self, fn, reads=(), writes=()):
        raise NotImplementedError

    def wait_for(self, array):
        raise NotImplementedError

    def wait_all(self):
        raise NotImplementedError


class NaiveEngine(Engine):
    """Runs each piece of work in the caller's thread as it is pushed (MXNET_ENGINE_TYPE=NaiveEngine)."""
    synchronous = True

    def push(self, fn, reads=(), writes=()):
        fn()

    def wait_for(self, array):
        backend.synchronize(array.context)

    def wait_all(self):
        backend.synchronize()


_engine = NaiveEngine()


def get():
    return _engine


def set_engine(engine):
    """Installs `engine`; returns the previous one."""
    global _engine
    old, _engine = _engine, engine
    return old


def waitall():
    _engine.wait_all()
