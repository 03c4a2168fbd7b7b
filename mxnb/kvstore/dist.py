"""The 'dist_sync', 'dist_device_sync' and 'dist_async' kvstores: workers reduce with MPI.

There are no parameter servers: every worker keeps the stored values and runs the optimizer on
them itself. `init` broadcasts rank 0's value, so all workers start equal; a push sums the
workers' values with an MPI all-reduce and every worker applies the same update, so all stay
equal. 'dist_async' applies each worker's value as a separate update, in rank order: one of the
orders an asynchronous server could have taken, and the same on every worker.
"""
import numpy as np

from .. import backend
from ..ndarray.ndarray import NDArray, _wrap
from .kvstore import KVStore
from .mpi_comm import Communicator

__all__ = ["DistKVStore"]


class DistKVStore(KVStore):
    """A kvstore shared by the processes of an MPI job (`mx.kv.create('dist_sync')`).

    Examples
    --------
    Run with ``python -m mxnb.tools.launch -n 2 train.py``:

    >>> kv = mx.kv.create('dist_sync')
    >>> kv.init(0, mx.nd.zeros((2,)))
    >>> kv.push(0, mx.nd.ones((2,)) * (kv.rank + 1))
    >>> out = mx.nd.zeros((2,))
    >>> kv.pull(0, out=out)          # [3, 3] on both workers (1 + 2)
    """

    def __init__(self, kv_type="dist_sync"):
        super().__init__(kv_type)
        self._comm = Communicator(kv_type)

    @property
    def rank(self):
        return self._comm.rank

    @property
    def num_workers(self):
        return self._comm.size

    @property
    def timeout(self):
        """Seconds a collective waits for the other workers before naming the missing ones."""
        return self._comm.timeout

    @timeout.setter
    def timeout(self, seconds):
        self._comm.timeout = float(seconds)

    def _home(self, value):
        return value.context

    def _initial_value(self, key, value):
        stored = value.copyto(self._home(value))
        self._comm.rendezvous("init", ((key, tuple(value.shape), np.dtype(value.dtype).name),))
        host = np.ascontiguousarray(backend.to_host(stored._data))
        self._comm.broadcast(host, "init of key %r" % (key,))
        stored[:] = _wrap(backend.to_context(host, stored.context), stored.context)
        return stored

    def push(self, key, value, priority=0):
        """Pushes like `KVStore.push`; the values of all keys given together travel in one
        all-reduce (one message instead of one per key)."""
        pending = []
        for k, values in self._pairs(key, value, "push"):
            stored = self._stored(k, "push")
            self._check_values(k, stored, values, "push")
            local = KVStore._reduce(self, k, values, stored)      # this worker's devices
            if isinstance(local, NDArray):                        # sparse: reduced densely
                local = local.tostype("default")._data
            pending.append((k, stored, np.ascontiguousarray(backend.to_host(local))))
        self._comm.rendezvous("push", tuple((k, tuple(stored.shape), np.dtype(stored.dtype).name)
                                            for k, stored, _ in pending))
        for group in _by_dtype(pending):
            what = "push of key(s) %s" % [k for k, _, _ in group]
            flat = np.concatenate([host.ravel() for _, _, host in group])
            if self._type == "dist_async":
                reduced = self._comm.allgather(flat, what)          # (workers, n)
            else:
                reduced = self._comm.allreduce(flat, what)
            offset = 0
            for k, stored, host in group:
                part = reduced[..., offset:offset + host.size]
                offset += host.size
                if self._type == "dist_async":
                    for contribution in part:                    # one per worker, in rank order
                        self._apply(k, self._device(contribution, host, stored), stored)
                else:
                    self._apply(k, self._device(part, host, stored), stored)

    @staticmethod
    def _device(flat, host, stored):
        return backend.to_context(np.ascontiguousarray(flat).reshape(host.shape), stored.context)

    def barrier(self):
        """Waits until every worker reaches the barrier (or names the ones that do not)."""
        self._comm.barrier()

    _barrier = barrier


def _by_dtype(pending):
    """The pushed (key, stored, host) triples grouped by dtype, each group in push order."""
    groups = {}
    for item in pending:
        groups.setdefault(item[2].dtype, []).append(item)
    return list(groups.values())
