"""The naive engine: work runs in the caller's thread as it is pushed (MXNET_ENGINE_TYPE=NaiveEngine)."""
from .. import backend
from .base import Engine, as_error, run_in_device


class NaiveEngine(Engine):
    """Runs each piece of work in the caller's thread as it is pushed; errors raise at once.

    Example
    -------
    >>> old = mx.engine.set_engine(mx.engine.NaiveEngine())
    >>> _ = mx.engine.set_engine(old)
    """
    synchronous = True

    def push(self, fn, reads=(), writes=(), ctx=None, name=None, on_error=None, errors_to=None):
        try:
            run_in_device(ctx, fn)
        except Exception as exc:
            raise (on_error(exc) if on_error is not None else as_error(exc, name)) from None

    def wait_var(self, var, raise_error=True):
        if raise_error and var.exc is not None:
            raise var.exc

    def wait_for(self, array):
        backend.synchronize(array._ctx)

    def wait_all(self):
        backend.synchronize()
