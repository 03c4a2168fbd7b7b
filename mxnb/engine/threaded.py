"""The threaded engines: worker threads run pushed work once its dependencies are met.

Per variable, work is granted in push order: consecutive reads together, each write alone once
the reads before it finished (MXNet's ThreadedVar). One lock guards every variable's state; the
work itself runs outside it. A wait pushes a marker that writes the variable, so it returns when
everything pushed before it on that variable has finished (work pushed later does not delay it).
"""
import collections
import os
import queue
import threading

from .. import backend
from .base import Engine, Var, as_error, run_in_device, _WORKER

__all__ = ["ThreadedEngine", "ThreadedEnginePerDevice"]


class _Opr:
    """One piece of pushed work: `wait` counts the variables it still waits for."""
    __slots__ = ("fn", "reads", "writes", "checks", "errs", "ctx", "name", "on_error", "wait",
                 "inline", "parts")

    def __init__(self, fn, reads, writes, ctx, name, on_error, inline=False, parts=None,
                 checks=(), errs=()):
        self.fn = fn
        self.reads = reads          # scheduling: read and written variables, each once
        self.writes = writes
        self.checks = checks        # an error stored on one of these skips the work, passing it on
        self.errs = errs            # where the work's error is stored (a success clears them)
        self.ctx = ctx
        self.name = name
        self.on_error = on_error
        self.wait = 0
        self.inline = inline    # run by whoever grants it (wait markers), never queued
        self.parts = parts      # a bulk: the operators it runs, in order


def _unique(reads, writes):
    """Each variable once; one both read and written counts as written."""
    if len(writes) > 1:
        writes = list({id(v): v for v in writes}.values())
    if reads:
        written = {id(v) for v in writes}
        seen = set()
        kept = []
        for v in reads:
            key = id(v)
            if key not in written and key not in seen:
                seen.add(key)
                kept.append(v)
        reads = kept
    return reads, writes


class ThreadedEngine(Engine):
    """Runs pushed work on a shared pool of worker threads (MXNET_ENGINE_TYPE=ThreadedEngine).

    Parameters
    ----------
    num_workers : int, optional
        Threads in the pool (default: MXNET_CPU_WORKER_NTHREADS, else 2).

    Example
    -------
    >>> old = mx.engine.set_engine(mx.engine.ThreadedEngine())
    >>> c = (mx.nd.ones((2,)) + 1) * 2       # returns before it is computed
    >>> c.asnumpy().tolist()                 # waits
    [4.0, 4.0]
    >>> _ = mx.engine.set_engine(old)
    """
    synchronous = False

    def __init__(self, num_workers=None):
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._pending = 0
        self._errors = []           # errors since the last wait_all (MXNet's global exceptions)
        self._segment = []          # operators waiting to be bundled (bulk size > 1)
        self._queues = {}
        self._threads = []
        self._num_workers = num_workers

    # --- workers --------------------------------------------------------------------------
    def _workers_for(self, ctx):
        return self._num_workers or int(os.environ.get("MXNET_CPU_WORKER_NTHREADS", 2))

    def _queue_key(self, ctx):
        return None                 # one pool for every device

    def _queue(self, ctx):
        key = self._queue_key(ctx)
        q = self._queues.get(key)
        if q is None:
            q = self._queues[key] = queue.SimpleQueue()
            for i in range(max(1, self._workers_for(ctx))):
                t = threading.Thread(target=self._work, args=(q,), daemon=True,
                                     name="mxnb-engine-%s-%d" % (key, i))
                t.start()
                self._threads.append((q, t))
        return q

    def _work(self, q):
        _WORKER.active = True
        while True:
            opr = q.get()
            if opr is None:
                return
            self._execute(opr)
            self._finish(opr)
            opr = None          # the work's closure (and the arrays it holds) is not kept

    def stop(self):
        self.wait_all_quietly()
        for q, _ in self._threads:
            q.put(None)
        self._threads = []
        self._queues = {}

    # --- running --------------------------------------------------------------------------
    def _execute(self, opr):
        if opr.parts is not None:
            for part in opr.parts:
                self._execute(part)
            return
        exc = None
        for v in opr.checks:
            if v.exc is not None:       # an input failed: so does this work, without running
                exc = v.exc
                break
        else:
            try:
                run_in_device(opr.ctx, opr.fn)
            except Exception as err:
                try:
                    exc = opr.on_error(err) if opr.on_error is not None else as_error(err, opr.name)
                except Exception as conv:       # the conversion must not kill the worker
                    exc = as_error(conv, opr.name)
                with self._lock:
                    self._errors.append(exc)
        for v in opr.errs:
            v.exc = exc

    def _finish(self, opr):
        """Releases `opr`'s variables; work that becomes ready is queued (markers run here)."""
        with self._lock:
            done = [opr]
            while done:
                o = done.pop()
                ready = []
                for v in o.reads:
                    v.pending -= 1
                    v.readers -= 1
                    if v.readers == 0 and v.queue:
                        self._grant(v, ready)
                for v in o.writes:
                    v.pending -= 1
                    v.writing = False
                    if v.queue:
                        self._grant(v, ready)
                self._pending -= 1
                for r in ready:
                    if r.inline:
                        r.fn()
                        done.append(r)
                    else:
                        self._queue(r.ctx).put(r)
            if self._pending == 0:
                self._idle.notify_all()

    @staticmethod
    def _grant(v, ready):
        q = v.queue
        while q and not v.writing:
            o, is_write = q[0]
            if is_write:
                if v.readers:
                    return
                v.writing = True
            else:
                v.readers += 1
            q.popleft()
            o.wait -= 1
            if o.wait == 0:
                ready.append(o)

    def _acquire(self, o):
        """Registers `o` on its variables (under the lock); True when it may run now."""
        wait = 0
        for v in o.reads:
            v.pending += 1
            if not v.writing and not v.queue:
                v.readers += 1
            else:
                if v.queue is None:
                    v.queue = collections.deque()
                v.queue.append((o, False))
                wait += 1
        for v in o.writes:
            v.pending += 1
            if not v.writing and not v.readers and not v.queue:
                v.writing = True
            else:
                if v.queue is None:
                    v.queue = collections.deque()
                v.queue.append((o, True))
                wait += 1
        o.wait = wait
        self._pending += 1
        return wait == 0

    def _submit(self, o):
        """Under the lock: registers `o`, and queues (or, for a marker, runs) it when ready."""
        if self._acquire(o):
            if o.inline:
                o.fn()
                self._lock.release()
                try:
                    self._finish(o)
                finally:
                    self._lock.acquire()
            else:
                self._queue(o.ctx).put(o)

    def push(self, fn, reads=(), writes=(), ctx=None, name=None, on_error=None, errors_to=None):
        checks, errs = reads, (writes if errors_to is None else errors_to)
        reads, writes = _unique(reads, writes)
        o = _Opr(fn, reads, writes, ctx, name, on_error, checks=checks, errs=errs)
        with self._lock:
            if self.bulk_size > 1:
                segment = self._segment
                if segment and segment[0].ctx != ctx:
                    self._flush()
                segment.append(o)
                if len(segment) >= self.bulk_size:
                    self._flush()
                return
            self._submit(o)

    def _flush(self):
        """Under the lock: pushes the operators gathered for a bulk as one piece of work."""
        parts = self._segment[:]
        del self._segment[:]        # cleared in place: NDArray's waiting accessor watches it
        if not parts:
            return
        if len(parts) == 1:
            self._submit(parts[0])
            return
        reads, writes = [], []
        for p in parts:
            reads.extend(p.reads)
            writes.extend(p.writes)
        reads, writes = _unique(reads, writes)
        self._submit(_Opr(None, reads, writes, parts[0].ctx, "bulk", None, parts=parts))

    def set_bulk_size(self, size):
        with self._lock:
            self._flush()
            old, self.bulk_size = self.bulk_size, size
        return old

    # --- waiting ----------------------------------------------------------------------------
    def wait_var(self, var, raise_error=True):
        if var.pending or self._segment:
            done = threading.Event()
            with self._lock:
                self._flush()
                if var.pending:
                    self._submit(_Opr(done.set, [], [var], None, "wait", None, inline=True))
                else:
                    done.set()
            done.wait()
        if raise_error and var.exc is not None:
            raise var.exc

    def wait_all_quietly(self):
        with self._lock:
            self._flush()
            while self._pending:
                self._idle.wait()
        backend.synchronize()

    def wait_all(self):
        self.wait_all_quietly()
        with self._lock:
            errors, self._errors = self._errors, []
        if errors:
            raise errors[0]


class ThreadedEnginePerDevice(ThreadedEngine):
    """Runs pushed work on worker threads of its device (MXNET_ENGINE_TYPE=ThreadedEnginePerDevice).

    Each cpu context gets MXNET_CPU_WORKER_NTHREADS threads (default 1), each gpu
    MXNET_GPU_WORKER_NTHREADS (default 2), as MXNet's engine of the same name.

    Parameters
    ----------
    num_workers : int, optional
        Threads per device, overriding the environment.

    Example
    -------
    >>> old = mx.engine.set_engine(mx.engine.ThreadedEnginePerDevice())
    >>> a = mx.nd.ones((2,), ctx=mx.cpu(0)); b = mx.nd.ones((2,), ctx=mx.cpu(1))
    >>> (a * 2).asnumpy().tolist(), (b * 3).asnumpy().tolist()   # two workers
    ([2.0, 2.0], [3.0, 3.0])
    >>> _ = mx.engine.set_engine(old)
    """

    def _workers_for(self, ctx):
        if self._num_workers:
            return self._num_workers
        if ctx is not None and ctx.device_type == "gpu":
            return int(os.environ.get("MXNET_GPU_WORKER_NTHREADS", 2))
        return int(os.environ.get("MXNET_CPU_WORKER_NTHREADS", 1))

    def _queue_key(self, ctx):
        if ctx is None:
            return "cpu0"
        return "%s%d" % ("gpu" if ctx.device_type == "gpu" else "cpu", ctx.device_id)

