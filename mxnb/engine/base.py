"""What every engine shares: engine variables, the per-context random-generator variables, and
the interface (`push`, `wait_var`, `wait_all`, bulk size)."""
import threading

from .. import backend
from ..base import MXNetError

__all__ = ["Engine", "Var", "var_of", "rng_var", "run_in_device", "as_error", "in_worker"]

# Set on engine worker threads: work running there already holds what it declared, and must
# never wait on its own engine (the wait would queue behind the work itself).
_WORKER = threading.local()


def in_worker():
    """Whether the calling thread is an engine worker running pushed work."""
    return getattr(_WORKER, "active", False)


class Var:
    """One engine variable: the dependency handle of a storage buffer (or a random generator).

    The threaded engines keep, under their lock: `pending`, the pushed work touching it that has
    not finished; `readers`, running reads; `writing`, whether a write runs; `queue`, work
    waiting for it in push order. `exc` is the error the last write to it met (raised at waits).

    Parameters
    ----------
    name : str, optional
        Shown in its repr.

    Example
    -------
    >>> v = mx.engine.Var("counter")
    >>> seen = []
    >>> mx.engine.push(lambda: seen.append(1), writes=[v])
    >>> mx.engine.get().wait_var(v); seen
    [1]
    """
    __slots__ = ("pending", "readers", "writing", "queue", "exc", "name", "__weakref__")

    def __init__(self, name=None):
        self.pending = 0
        self.readers = 0
        self.writing = False
        self.queue = None       # a deque once work has to wait
        self.exc = None
        self.name = name

    def __repr__(self):
        return "<Var %s pending=%d>" % (self.name or hex(id(self)), self.pending)


def var_of(obj):
    """The engine variable of `obj`: a Var itself, or an NDArray's (made when first needed)."""
    if isinstance(obj, Var):
        return obj
    try:
        var = obj._var
    except AttributeError:
        if not hasattr(type(obj), "_raw"):      # an NDArray made without one is fine
            raise TypeError("engine work reads and writes Vars or NDArrays, found %s"
                            % type(obj).__name__) from None
        var = None
    if var is None:
        with _VAR_LOCK:         # two threads making one array's variable must agree on it
            var = getattr(obj, "_var", None)
            if var is None:
                var = obj._var = Var()
    return var


_VAR_LOCK = threading.Lock()


class _RngVars:
    """One variable per random generator: all host contexts share NumPy's, each gpu has CuPy's."""

    def __init__(self):
        self._vars = {}
        self._lock = threading.Lock()

    def __call__(self, ctx):
        key = ctx.device_id if ctx.device_type == "gpu" else -1
        var = self._vars.get(key)
        if var is None:
            with self._lock:
                var = self._vars.setdefault(key, Var("rng(%s)" % ("cpu" if key < 0 else ctx)))
        return var

    def all(self):
        return self._vars.values()


rng_var = _RngVars()


def run_in_device(ctx, fn):
    """Calls fn() with `ctx`'s device current (CuPy allocates on it); plain call on cpu."""
    if ctx is not None and ctx.device_type == "gpu":
        with backend.device_scope(ctx):
            return fn()
    return fn()


def as_error(exc, name):
    """An MXNetError for an exception raised by pushed work named `name`."""
    if isinstance(exc, MXNetError):
        return exc
    return MXNetError("engine: %s failed: %s: %s" % (name or "pushed work", type(exc).__name__, exc))


class Engine:
    #: True when `push` runs work before returning; the dispatcher then calls work directly.
    synchronous = False
    #: How many consecutive operators run as one piece of work (set_bulk_size).
    bulk_size = 0

    def push(self, fn, reads=(), writes=(), ctx=None, name=None, on_error=None, errors_to=None):
        """Runs fn() after the work it depends on. `reads`/`writes` are Vars; `on_error(exc)`
        turns an exception of `fn` into the error stored on `errors_to` (default: `writes`;
        default conversion: as_error). An error stored on a variable in `reads` skips `fn` and
        is passed on."""
        raise NotImplementedError

    def wait_var(self, var, raise_error=True):
        """Returns once the work pushed so far that touches `var` has finished; raises the
        error stored on `var` (if `raise_error`)."""
        raise NotImplementedError

    def wait_for(self, array):
        """Waits for the pending work on `array`'s buffer (and its device), raising its error."""
        var = array._var
        if var is not None:
            self.wait_var(var)
        backend.synchronize(array._ctx)

    def wait_all(self):
        raise NotImplementedError

    def set_bulk_size(self, size):
        old, self.bulk_size = self.bulk_size, size
        return old

    def stop(self):
        """Called when another engine is installed: ends worker threads (after the work)."""
