"""Where operator work is pushed, and waited for (MXNet's dependency engine).

Work is pushed as `push(fn, reads, writes)`: `fn` is called once every earlier piece of work
that writes a variable in `reads`, or reads or writes one in `writes`, has finished. A variable
(`Var`) stands for one storage buffer: every NDArray has one (made when first needed), and views
share their buffer's. Each context's random generator has one too (`rng_var`), so random draws
happen in push order whatever the engine.

Engines (chosen at import by MXNET_ENGINE_TYPE, as in MXNet; `set_engine` switches later):

- `NaiveEngine` (the default): work runs in the caller's thread as it is pushed; errors raise at
  once. The eager dispatcher (`ndarray.invoke`) then calls operators directly.
- `ThreadedEngine`: a shared pool of worker threads runs work whose dependencies are met.
- `ThreadedEnginePerDevice`: worker thread(s) per device (MXNET_CPU_WORKER_NTHREADS, default 1,
  per cpu context; MXNET_GPU_WORKER_NTHREADS, default 2, per gpu).

Under a threaded engine an eager operator is one piece of work (ndarray/async_dispatch.py), and so
is a whole program: a hybridized block's CachedOp call, its backward, an Executor's forward or
backward, once its shapes are known (graph/async_programs.py).

With a threaded engine, `push` returns at once; an exception in pushed work is stored on the
variables the work writes (and passed on to work that reads them) and raised at the next wait on
them: `NDArray.asnumpy`, `wait_to_read`, `wait_to_write`, `nd.waitall`.
"""
import os

from .. import backend
from .base import Engine, Var, var_of, rng_var, run_in_device, in_worker
from .naive import NaiveEngine
from .threaded import ThreadedEngine, ThreadedEnginePerDevice

__all__ = ["Engine", "NaiveEngine", "ThreadedEngine", "ThreadedEnginePerDevice", "Var", "var_of",
           "rng_var", "get", "set_engine", "push", "waitall", "set_bulk_size", "bulk",
           "on_switch", "asynchronous", "run_in_device", "in_worker"]

_ENGINES = {"NaiveEngine": NaiveEngine, "ThreadedEngine": ThreadedEngine,
            "ThreadedEnginePerDevice": ThreadedEnginePerDevice}


def _from_environment():
    name = os.environ.get("MXNET_ENGINE_TYPE", "NaiveEngine").strip() or "NaiveEngine"
    if name not in _ENGINES:
        import warnings
        warnings.warn("MXNET_ENGINE_TYPE=%s is not an engine of mxnb (expected one of %s); "
                      "using NaiveEngine" % (name, ", ".join(sorted(_ENGINES))))
        name = "NaiveEngine"
    return _ENGINES[name]()


_engine = _from_environment()
_switch_hooks = []
#: True while a threaded engine is installed (the dispatcher's one test on its hot path).
asynchronous = not _engine.synchronous


def get():
    """The engine work is pushed to now."""
    return _engine


def on_switch(hook):
    """Calls `hook(engine)` now and after every `set_engine` (NDArray switches its `_data`
    accessor between a plain slot and a waiting property this way)."""
    _switch_hooks.append(hook)
    hook(_engine)


def _rng_guard(ctx):
    """Host-side use of a context's random generator waits for the draws pushed before it.
    Pushed work that draws (a program with Dropout) holds the generator's variable already:
    on a worker there is nothing to wait for, and waiting would deadlock."""
    if in_worker():
        return
    if ctx is None:
        for var in list(rng_var.all()):
            _engine.wait_var(var, raise_error=False)
    else:
        _engine.wait_var(rng_var(ctx), raise_error=False)


def set_engine(engine):
    """Installs `engine` (an Engine instance); returns the previous one.

    Work pushed to the previous engine is finished first.

    Parameters
    ----------
    engine : Engine
        `NaiveEngine()`, `ThreadedEngine()` or `ThreadedEnginePerDevice()`.

    Returns
    -------
    Engine
        The engine that was installed before.

    Example
    -------
    >>> old = mx.engine.set_engine(mx.engine.ThreadedEnginePerDevice())
    >>> _ = mx.engine.set_engine(old)
    """
    global _engine, asynchronous
    old = _engine
    if engine is old:
        return old
    try:
        old.wait_all()
    except Exception:       # errors of the old engine's work stay on its variables
        pass
    engine.bulk_size = old.bulk_size
    _engine = engine
    asynchronous = not engine.synchronous
    backend.rng_guard = None if engine.synchronous else _rng_guard
    for hook in _switch_hooks:
        hook(engine)
    old.stop()
    return old


backend.rng_guard = None if _engine.synchronous else _rng_guard


def _before_fork():
    """As MXNet: finish pushed work before a fork, so the child has no work its threads lost."""
    if not _engine.synchronous:
        _engine.wait_all_quietly()


def _after_fork_in_child():
    """Worker threads do not survive a fork: the child gets a fresh engine of the same kind."""
    global _engine
    if not _engine.synchronous:
        _engine = type(_engine)(_engine._num_workers)
        for hook in _switch_hooks:
            hook(_engine)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def push(fn, reads=(), writes=(), ctx=None, name=None):
    """Pushes `fn()` to the current engine, to run after the work it depends on.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    reads, writes : sequence of Var or NDArray
        What `fn` reads and what it writes (NDArrays stand for their buffer's variable).
    ctx : Context, optional
        The device whose worker runs `fn` (the first written array's, else cpu).
    name : str, optional
        Names the work in errors.

    Example
    -------
    >>> a = mx.nd.zeros((2,))
    >>> def fill():
    ...     a._raw[...] = 7
    >>> mx.engine.push(fill, writes=[a])
    >>> a.asnumpy().tolist()
    [7.0, 7.0]
    """
    if ctx is None:
        for obj in writes:
            ctx = getattr(obj, "_ctx", None)
            if ctx is not None:
                break
    _engine.push(fn, [var_of(x) for x in reads], [var_of(x) for x in writes], ctx, name)


def waitall():
    """Waits for all pushed work; raises the first error pushed work met since the last
    waitall (MXNet's `mx.nd.waitall`)."""
    _engine.wait_all()


def set_bulk_size(size):
    """Sets the most operators the engine bundles into one piece of work.

    Bulk execution bundles consecutive operators pushed to one device and runs them together,
    saving scheduling for many small operators (threaded engines; the naive engine runs each
    operator as it comes whatever the size).

    Parameters
    ----------
    size : int
        Maximum number of operators that can be bundled in a bulk (0 or 1: none).

    Returns
    -------
    int
        Previous bulk size.

    Example
    -------
    >>> prev = mx.engine.set_bulk_size(16)
    >>> _ = mx.engine.set_bulk_size(prev)
    """
    return _engine.set_bulk_size(int(size))


class _BulkScope:
    """The scope `bulk(size)` returns: sets the bulk size on entry, restores it on exit."""

    def __init__(self, size):
        self._size = size
        self._old_size = None

    def __enter__(self):
        self._old_size = set_bulk_size(self._size)
        return self

    def __exit__(self, ptype, value, trace):
        set_bulk_size(self._old_size)


def bulk(size):
    """A scope in which up to `size` consecutive operators run as one piece of work.

    Parameters
    ----------
    size : int
        Maximum number of operators bundled in a bulk.

    Returns
    -------
    _BulkScope
        A context manager restoring the previous bulk size on exit.

    Example
    -------
    >>> with mx.engine.bulk(10):
    ...     x = mx.nd.zeros((1,))
    ...     for i in range(100):
    ...         x += 1
    >>> x.asnumpy().tolist()
    [100.0]
    """
    return _BulkScope(size)
