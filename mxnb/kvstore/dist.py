"""The 'dist_sync', 'dist_device_sync' and 'dist_async' kvstores: workers reduce with MPI.

There are no parameter servers: every worker keeps the stored values and runs the optimizer on
them itself. `init` broadcasts rank 0's value, so all workers start equal; a push sums the
workers' values with an MPI all-reduce and every worker applies the same update, so all stay
equal. 'dist_async' applies each worker's value as a separate update, in rank order: one of the
orders an asynchronous server could have taken, and the same on every worker.
"""
import numpy as np

from .. import backend
from ..ndarray.ndarray import _wrap
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
        signature = (key, tuple(value.shape), np.dtype(value.dtype).name)
        self._comm.rendezvous("init", signature)
        host = np.ascontiguousarray(backend.to_host(stored._data))
        self._comm.broadcast(host, "init of key %r" % (key,))
        stored[:] = _wrap(backend.to_context(host, stored.context), stored.context)
        return stored

    def _reduce(self, key, values, stored):
        local = super()._reduce(key, values, stored)
        signature = (key, tuple(stored.shape), np.dtype(stored.dtype).name)
        self._comm.rendezvous("push", signature)
        host = np.ascontiguousarray(backend.to_host(local))
        if self._type == "dist_async":
            return self._comm.allgather(host, "push of key %r" % (key,))
        total = self._comm.allreduce(host, "push of key %r" % (key,))
        return backend.to_context(total, stored.context)

    def _apply(self, key, merged, stored):
        if self._type != "dist_async":
            return super()._apply(key, merged, stored)
        for contribution in merged:      # one per worker, in rank order
            super()._apply(key, backend.to_context(contribution, stored.context), stored)

    def barrier(self):
        """Waits until every worker reaches the barrier (or names the ones that do not)."""
        self._comm.barrier()

    _barrier = barrier
