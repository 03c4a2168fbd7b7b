"""The DataLoader's workers: processes (as MXNet's multiprocessing pool) or threads.

Both pools take tasks `(key, indices)` and give back the loaded batch for a key, in any order;
the DataLoader asks for keys in order. A worker that hangs past `timeout`, or a worker process
that dies, gives an MXNetError naming the batch and the worker, and the pool is shut down so
that the program can still exit: process workers are killed; thread workers are daemon threads,
which never hold up the interpreter's exit.

Process workers are forked where the platform can (the dataset and batchify_fn are inherited,
as MXNet does, so lambdas work); each has its own pipe pair, so a worker's death shows up at once
as end-of-file on its pipe, and no lock is shared that a killed worker could leave held.
"""
import gc
import itertools
import multiprocessing
import multiprocessing.connection
import os
import queue
import random
import signal
import sys
import threading
import time
import traceback
import warnings
import weakref

import numpy as np

from ...base import MXNetError
from . import _shared_batch

__all__ = ["ProcessWorkers", "ThreadWorkers", "DataLoaderTimeoutError", "DataLoaderWorkerError"]


class DataLoaderTimeoutError(MXNetError, multiprocessing.TimeoutError):
    """A worker took longer than the DataLoader's `timeout` (also a multiprocessing.TimeoutError,
    which is what MXNet raises)."""


class DataLoaderWorkerError(MXNetError):
    """A worker process died while loading a batch."""


class _RemoteTraceback(Exception):
    def __init__(self, text):
        super().__init__(text)

    def __str__(self):
        return self.args[0]


_pool_ids = itertools.count()
_SIGNAL_HINTS = {signal.SIGKILL: " (out of memory? the kernel's OOM killer sends it)",
                 signal.SIGBUS: " (a full /dev/shm?)", signal.SIGSEGV: " (a crash in native code)"}
_PRCTL_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid):
    """Linux: the kernel kills this worker when the process that forked it dies, even by kill -9.
    (The kernel ties this to the forking *thread*, so it is only asked for when the main thread
    forks.)"""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(_PRCTL_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            return
        if os.getppid() != parent_pid:  # the parent died before the request took effect
            os._exit(1)


def _seed_worker(seed):
    """Distinct, reproducible random streams per worker (NumPy, random, mx.random)."""
    np.random.seed(seed % (1 << 32))
    random.seed(seed)
    from ... import random as mx_random
    mx_random.seed(seed % (1 << 32))


def _worker_main(worker_id, conn, other_conns, load, seed, prefix, parent_pid):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    if parent_pid is not None:
        _die_with_parent(parent_pid)
    for other in other_conns:
        other.close()
    from ... import engine
    engine.set_engine(engine.NaiveEngine())  # no engine threads survive a fork
    _seed_worker(seed)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the main process has gone
            return
        if task is None:
            return
        key, indices = task
        try:
            message = (key, True, _shared_batch.pack(load(indices), prefix))
        except BaseException as exc:  # reported to the main process, raised there
            message = (key, False, (_picklable(exc), traceback.format_exc()))
        try:
            conn.send(message)
        except (BrokenPipeError, OSError):
            return


def _picklable(exc):
    """`exc` if it survives the trip through the pipe (the pipe's own serialiser, both ways:
    some exceptions serialise but cannot be rebuilt), else an MXNetError with its text."""
    from multiprocessing.reduction import ForkingPickler
    try:
        ForkingPickler.loads(ForkingPickler.dumps(exc))
        return exc
    except Exception:  # an exception that cannot travel: send its text
        return MXNetError("%s: %s" % (type(exc).__name__, exc))


def _reraise(key, indices, payload, where):
    exc, text = payload
    exc.__cause__ = _RemoteTraceback("\n\nTraceback in the DataLoader %s loading batch %d "
                                     "(samples %s):\n%s" % (where, key[1], _short(indices), text))
    raise exc


def _short(indices, limit=8):
    indices = list(indices)
    if len(indices) <= limit:
        return str(indices)
    return "[%s, ...] (%d samples)" % (", ".join(str(i) for i in indices[:limit]), len(indices))


def _timeout_error(timeout, key, indices, worker):
    return DataLoaderTimeoutError(
        "DataLoader: %s did not deliver batch %d (samples %s) within timeout=%s seconds; the "
        "dataset's __getitem__ or the batchify_fn is too slow or never returns. The workers were "
        "shut down. Increase `timeout` if loading is merely slow."
        % (worker, key[1], _short(indices), timeout))


class ProcessWorkers:
    """`num_workers` forked processes, each running `load(indices)` and sending batches back
    through shared memory."""

    def __init__(self, num_workers, load, seed):
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        context = multiprocessing.get_context(method)
        self._prefix = "%s%d-" % (_shared_batch.segment_prefix(os.getpid()), next(_pool_ids))
        self._conns, self._procs = [], []
        self._pending = {}      # key -> (worker index, indices)
        self._arrived = {}      # key -> (ok, payload)
        self._busy = [0] * num_workers
        self._abandoned = set()
        self.broken = None
        parent_pid = (os.getpid() if threading.current_thread() is threading.main_thread()
                      else None)
        # Objects the workers inherit stay out of their garbage collector's sweeps, which would
        # otherwise touch (and so copy) every inherited page.
        gc.freeze()
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns about forking a threaded process; MXNet forks the same way,
                # and a worker runs only the dataset and batchify_fn.
                warnings.filterwarnings("ignore", message=".*fork.*", category=DeprecationWarning)
                for i in range(num_workers):
                    parent, child = context.Pipe(duplex=True)
                    proc = context.Process(target=_worker_main, name="DataLoaderWorker-%d" % i,
                                           args=(i, child, list(self._conns), load, seed + i,
                                                 self._prefix, parent_pid), daemon=True)
                    proc.start()
                    child.close()
                    self._conns.append(parent)
                    self._procs.append(proc)
        except BaseException:
            self.shutdown()
            raise
        finally:
            gc.unfreeze()
        self._finalizer = weakref.finalize(self, ProcessWorkers._stop, self._conns,
                                           self._procs, self._prefix)

    @property
    def pids(self):
        return [p.pid for p in self._procs]

    def submit(self, key, indices):
        if self.broken:
            raise MXNetError("DataLoader: the workers were shut down after an earlier error (%s)"
                             % self.broken)
        worker = min(range(len(self._busy)), key=self._busy.__getitem__)
        try:
            self._conns[worker].send((key, list(indices)))
        except (BrokenPipeError, OSError):
            self._raise_dead(worker, "sending it batch %d (samples %s)" % (key[1], _short(indices)))
        self._busy[worker] += 1
        self._pending[key] = (worker, indices)

    def result(self, key, timeout):
        worker, indices = self._pending[key]
        deadline = time.monotonic() + timeout
        while key not in self._arrived:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc = self._procs[worker]
                self._fail("timeout")
                raise _timeout_error(timeout, key, indices,
                                     "worker process %d (pid %s)" % (worker, proc.pid))
            ready = multiprocessing.connection.wait(self._conns, timeout=min(remaining, 1.0))
            for conn in ready:
                self._receive(self._conns.index(conn), key, indices)
        del self._pending[key]
        ok, payload = self._arrived.pop(key)
        if not ok:
            _reraise(key, indices, payload, "worker process %d (pid %s)"
                     % (worker, self._procs[worker].pid))
        return _shared_batch.unpack(*payload)

    def _receive(self, worker, waiting_for, indices):
        try:
            key, ok, payload = self._conns[worker].recv()
        except (EOFError, OSError):
            self._raise_dead(worker, "waiting for batch %d (samples %s)"
                             % (waiting_for[1], _short(indices)))
        self._busy[worker] -= 1
        if key[0] in self._abandoned:
            self._pending.pop(key, None)
            if ok:
                _shared_batch.discard(payload[1])
        else:
            self._arrived[key] = (ok, payload)

    def _raise_dead(self, worker, doing):
        proc = self._procs[worker]
        proc.join(1.0)
        code = proc.exitcode
        how = ("was killed by signal %d%s" % (-code, _SIGNAL_HINTS.get(-code, ""))
               if code is not None and code < 0 else "exited with code %s" % code)
        lost = [k[1] for k, (w, _) in self._pending.items() if w == worker]
        self._fail("worker died")
        raise DataLoaderWorkerError(
            "DataLoader: worker process %d (pid %s) %s while loading batch(es) %s; found when "
            "%s. The workers were shut down." % (worker, proc.pid, how, lost, doing)) from None

    def abandon(self, iter_id):
        """Results of iterator `iter_id` that are still to come are freed as they arrive."""
        self._abandoned.add(iter_id)
        for key in [k for k in self._arrived if k[0] == iter_id]:
            ok, payload = self._arrived.pop(key)
            self._pending.pop(key, None)
            if ok:
                _shared_batch.discard(payload[1])

    def _fail(self, why):
        self.broken = why
        self.shutdown()

    def shutdown(self):
        finalizer = getattr(self, "_finalizer", None)
        if finalizer is not None:
            finalizer()
        else:
            ProcessWorkers._stop(self._conns, self._procs, self._prefix)

    @staticmethod
    def _stop(conns, procs, prefix):
        for conn in conns:
            try:
                conn.send(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + 0.5
        for proc in procs:
            proc.join(max(0.0, deadline - time.monotonic()))
        for proc in procs:
            if proc.is_alive():
                proc.kill()
                proc.join(5.0)
        for conn in conns:
            conn.close()
        _shared_batch.remove_leftovers(prefix)


class ThreadWorkers:
    """`num_workers` daemon threads running `load(indices)` (DataLoader(thread_pool=True))."""

    def __init__(self, num_workers, load, seed):
        self._load = load
        self._tasks = queue.Queue()
        self._done = {}
        self._cond = threading.Condition()
        self._pending = {}
        self._abandoned = set()
        self.broken = None
        self._threads = []
        for i in range(num_workers):
            thread = threading.Thread(target=self._run, name="DataLoaderThread-%d" % i,
                                      daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self):
        while True:
            task = self._tasks.get()
            if task is None:
                return
            key, indices = task
            try:
                result = (True, self._load(indices))
            except BaseException as exc:  # raised in the main thread
                result = (False, (exc, traceback.format_exc()))
            with self._cond:
                if key[0] not in self._abandoned:
                    self._done[key] = result
                    self._cond.notify_all()

    def submit(self, key, indices):
        if self.broken:
            raise MXNetError("DataLoader: the worker threads were shut down after an earlier "
                             "error (%s)" % self.broken)
        self._pending[key] = indices
        self._tasks.put((key, indices))

    def result(self, key, timeout):
        indices = self._pending.pop(key)
        with self._cond:
            if not self._cond.wait_for(lambda: key in self._done, timeout):
                self.broken = "timeout"
                self.shutdown()
                raise _timeout_error(timeout, key, indices, "a worker thread")
            ok, value = self._done.pop(key)
        if not ok:
            _reraise(key, indices, value, "worker thread")
        return value

    def abandon(self, iter_id):
        with self._cond:
            self._abandoned.add(iter_id)
            for key in [k for k in self._done if k[0] == iter_id]:
                del self._done[key]

    def shutdown(self):
        # Threads cannot be killed: idle ones stop; a hung one stays, as a daemon.
        while True:
            try:
                self._tasks.get_nowait()
            except queue.Empty:
                break
        for _ in self._threads:
            self._tasks.put(None)
