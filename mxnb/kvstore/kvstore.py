"""KVStore: MXNet 1.x's key-value store for one process ('local', 'device', 'nccl').

Values pushed for a key from several devices are summed; with an optimizer set, the sum is fed
to it as the gradient of the stored weight, otherwise the sum replaces the stored value. `pull`
copies the stored value to every output. `dist.DistKVStore` reuses all of this and only adds the
reduction across processes.
"""
import numpy as np

from .. import ndarray as nd
from ..base import MXNetError
from ..context import cpu
from ..fileio import write_atomically
from ..ndarray.ndarray import NDArray, _wrap
from .base import KVStoreBase
from .compression import make_compression

__all__ = ["KVStore"]


def _as_list(value):
    return list(value) if isinstance(value, (list, tuple)) else [value]


class RowIdsError(MXNetError, AssertionError):
    """row_ids that do not fit the keys and outputs of `row_sparse_pull` (an AssertionError
    too, as MXNet raises)."""


def _is_row_ids_list(value):
    return isinstance(value, (list, tuple))


def _row_ids_per_key(row_ids, num_keys):
    """row_ids split by key: for one key (num_keys None), the whole of it; for a list of keys,
    its entry for each key (one NDArray stands for every key)."""
    if num_keys is None:
        return [row_ids]
    if not _is_row_ids_list(row_ids):
        return [row_ids] * num_keys
    if len(row_ids) != num_keys:
        raise RowIdsError("kvstore.row_sparse_pull: %d keys need row_ids with one entry per key "
                          "(an NDArray, or a list with one per output), found %d entries"
                          % (num_keys, len(row_ids)))
    return list(row_ids)


def _row_ids_per_output(key, row_ids, num_outputs):
    """A key's row_ids, one per output: a single NDArray (or a list of one) serves them all."""
    if not _is_row_ids_list(row_ids):
        return [row_ids] * num_outputs
    if len(row_ids) == 1:
        return list(row_ids) * num_outputs
    if len(row_ids) != num_outputs:
        raise RowIdsError("kvstore.row_sparse_pull(%r): %d outputs need one row_ids each (or one "
                          "for all), found %d" % (key, num_outputs, len(row_ids)))
    return list(row_ids)


class KVStore(KVStoreBase):
    """A key-value store reducing the values of one process's devices.

    Use `mx.kv.create('local' | 'device' | 'nccl')` to make one. 'local' keeps the stored values
    and runs the optimizer on cpu(0); 'device' and 'nccl' keep them on the device of the value
    given to `init`.

    Examples
    --------
    >>> kv = mx.kv.create('device')
    >>> kv.init('w', mx.nd.zeros((2,)))
    >>> kv.push('w', [mx.nd.ones((2,), ctx=mx.cpu(0)), mx.nd.ones((2,), ctx=mx.cpu(1))])
    >>> out = mx.nd.zeros((2,))
    >>> kv.pull('w', out=out)      # out is [2, 2]: the sum of the two pushes
    """

    def __init__(self, kv_type="local"):
        self._type = kv_type
        self._store = {}
        self._key_type = None
        self._updater = None
        self._compression = None

    # --- properties ---------------------------------------------------------------------------
    @property
    def type(self):
        return self._type

    @property
    def rank(self):
        return 0

    @property
    def num_workers(self):
        return 1

    @staticmethod
    def is_capable(capability):
        """Whether the store supports `capability`; every store here can run an optimizer."""
        if capability.lower() == KVStoreBase.OPTIMIZER:
            return True
        raise MXNetError("unknown kvstore capability %r; expected %r"
                         % (capability, KVStoreBase.OPTIMIZER))

    # --- keys and values ----------------------------------------------------------------------
    def _pairs(self, key, value, what):
        """[(key, [values])] from one key or a list of keys, checking the key type."""
        if isinstance(key, (list, tuple)):
            values = list(value) if isinstance(value, (list, tuple)) else None
            if values is None or len(values) != len(key):
                raise MXNetError("kvstore.%s: %d keys need %d values (or lists of values), found %s"
                                 % (what, len(key), len(key), type(value).__name__ if values is None
                                    else "%d" % len(values)))
            return [(self._check_key(k), _as_list(v)) for k, v in zip(key, values)]
        return [(self._check_key(key), _as_list(value))]

    def _check_key(self, key):
        if isinstance(key, bool) or not isinstance(key, (int, str)):
            raise MXNetError("kvstore keys are int or str, found %r" % (key,))
        kind = str if isinstance(key, str) else int
        if self._key_type is None:
            self._key_type = kind
        elif self._key_type is not kind:
            raise MXNetError("kvstore: mixed key types are not allowed: key %r is %s, earlier keys "
                             "are %s" % (key, kind.__name__, self._key_type.__name__))
        return key

    def _stored(self, key, what):
        stored = self._store.get(key)
        if stored is None:
            raise MXNetError("kvstore.%s: key %r has not been initialized (call init first)"
                             % (what, key))
        return stored

    def _check_values(self, key, stored, values, what):
        for v in values:
            if not isinstance(v, NDArray):
                raise MXNetError("kvstore.%s(%r): expected NDArrays, found %s"
                                 % (what, key, type(v).__name__))
            if tuple(v.shape) != tuple(stored.shape):
                raise MXNetError("kvstore.%s(%r): shape mismatch: the store holds %s, found %s"
                                 % (what, key, tuple(stored.shape), tuple(v.shape)))

    def _home(self, value):
        return cpu(0) if self._type in ("local", "local_allreduce_cpu", "local_update_cpu") \
            else value.context

    # --- the API ------------------------------------------------------------------------------
    def init(self, key, value):
        """Initializes `key` (or each of a list of keys) with `value`.

        Parameters
        ----------
        key : int, str, or list of int or str
            The key(s); int and str keys cannot be mixed in one store.
        value : NDArray, or list of NDArray
            The initial value of each key.
        """
        for k, values in self._pairs(key, value, "init"):
            if k in self._store:
                raise MXNetError("kvstore.init: duplicate init of key %r" % (k,))
            first = values[0]
            if not isinstance(first, NDArray):
                raise MXNetError("kvstore.init(%r): expected an NDArray, found %s"
                                 % (k, type(first).__name__))
            self._store[k] = self._initial_value(k, first)

    def _initial_value(self, key, value):
        return value.copyto(self._home(value))

    def push(self, key, value, priority=0):
        """Pushes `value` for `key`: values given as a list (one per device) are summed.

        With an optimizer set (`set_optimizer`) the sum is applied as a gradient to the stored
        value; otherwise it replaces the stored value.

        Parameters
        ----------
        key : int, str, or list of int or str
        value : NDArray, list of NDArray, or list of lists of NDArray
        priority : int, optional
            Accepted for MXNet compatibility; pushes run in call order.
        """
        for k, values in self._pairs(key, value, "push"):
            stored = self._stored(k, "push")
            self._check_values(k, stored, values, "push")
            merged = self._reduce(k, values, stored)
            self._apply(k, merged, stored)

    def _reduce(self, key, values, stored):
        """The sum of `values` on the stored value's context (compressed first if asked); a raw
        array, or an NDArray when the values are sparse (their sum keeps the storage type)."""
        ctx = stored.context
        if any(v._sparse for v in values):
            total = values[0].as_in_context(ctx).copy()
            for v in values[1:]:
                total = total + v.as_in_context(ctx)
            return total
        if self._compression is not None:
            parts = [self._compression.compress(key, slot, v.as_in_context(ctx)._data)
                     for slot, v in enumerate(values)]
            total = parts[0].copy()
            for p in parts[1:]:
                total += p
            return total
        total = values[0].as_in_context(ctx)._data.copy()
        for v in values[1:]:
            total += v.as_in_context(ctx)._data
        return total

    def _apply(self, key, merged, stored):
        if not isinstance(merged, NDArray):
            merged = _wrap(merged, stored.context)
        if self._updater is not None:
            self._updater(key, merged, stored)
        elif merged._sparse or stored._sparse:
            self._store[key] = merged       # a sparse sum replaces the value, storage type too
        else:
            stored[:] = merged

    def pull(self, key, out=None, priority=0, ignore_sparse=True):
        """Copies the stored value of `key` into `out` (every array of a list).

        Parameters
        ----------
        key : int, str, or list of int or str
        out : NDArray, list of NDArray, or list of lists of NDArray
        priority : int, optional
        ignore_sparse : bool, optional
            Accepted for MXNet compatibility (stored values are dense).
        """
        if out is None:
            raise MXNetError("kvstore.pull(%r): out= is required" % (key,))
        for k, outs in self._pairs(key, out, "pull"):
            stored = self._stored(k, "pull")
            self._check_values(k, stored, outs, "pull")
            for o in outs:
                stored.copyto(o)

    def pushpull(self, key, value, out=None, priority=0):
        """Pushes `value` then pulls the result into `out` (into `value` when out is None)."""
        self.push(key, value, priority)
        self.pull(key, value if out is None else out, priority)

    def broadcast(self, key, value, out, priority=0):
        """Initializes `key` with `value` and pulls it into `out`."""
        self.init(key, value)
        self.pull(key, out, priority)

    def row_sparse_pull(self, key, out=None, priority=0, row_ids=None):
        """Pulls only the rows `row_ids` of `key`'s stored value into `out`: a RowSparseNDArray
        `out` then holds just those rows (as MXNet's); a dense `out` gets zeros elsewhere.

        Parameters
        ----------
        key : int, str, or list of them
        out : NDArray or list of NDArray
            The outputs: for a list of keys, one entry (an NDArray or a list) per key.
        priority : int
            Ignored (the pulls run in order).
        row_ids : NDArray or list
            The row indices wanted, as MXNet takes them: for one key, one NDArray for every
            output or one per output; for a list of keys, one entry per key, itself one
            NDArray for all of that key's outputs or a list with one per output.

        Examples
        --------
        >>> kv = mx.kv.create('local')
        >>> kv.init(['a', 'b'], [mx.nd.ones((3, 2)), mx.nd.ones((3, 2)) * 2])
        >>> outs = [[mx.nd.zeros((3, 2))] * 2, [mx.nd.zeros((3, 2))]]
        >>> kv.row_sparse_pull(['a', 'b'], out=outs,
        ...                    row_ids=[[mx.nd.array([0]), mx.nd.array([2])], mx.nd.array([1])])
        >>> outs[1][0].asnumpy()[:, 0].tolist()
        [0.0, 2.0, 0.0]
        """
        if out is None or row_ids is None:
            raise RowIdsError("kvstore.row_sparse_pull(%r) needs out= and row_ids=" % (key,))
        pairs = self._pairs(key, out, "row_sparse_pull")
        per_key = _row_ids_per_key(row_ids, len(pairs) if isinstance(key, (list, tuple)) else None)
        for (k, outs), key_row_ids in zip(pairs, per_key):
            stored = self._stored(k, "row_sparse_pull")
            self._check_values(k, stored, outs, "row_sparse_pull")
            for o, rows in zip(outs, _row_ids_per_output(k, key_row_ids, len(outs))):
                index = np.asarray(rows.asnumpy() if isinstance(rows, NDArray) else rows,
                                   dtype=np.int64).ravel()
                if index.size and (index.min() < 0 or index.max() >= stored.shape[0]):
                    raise MXNetError("kvstore.row_sparse_pull(%r): row_ids must lie in [0, %d), "
                                     "found %s" % (k, stored.shape[0], index.tolist()))
                self._pull_rows(stored, np.unique(index), o)

    @staticmethod
    def _pull_rows(stored, rows, out):
        """The rows `rows` (sorted, unique) of `stored` into `out`: a RowSparseNDArray holding
        just those rows (MXNet's row_sparse_pull), or a dense array zero elsewhere."""
        dense = stored.tostype("default") if stored._sparse else stored
        picked = nd.take(dense, nd.array(rows, ctx=stored.context, dtype="int64")) \
            if rows.size else nd.zeros((0,) + tuple(stored.shape[1:]), ctx=stored.context,
                                       dtype=stored.dtype)
        if out._sparse and out.stype == "row_sparse":
            value = nd.sparse.row_sparse_array((picked.as_in_context(out.context),
                                                nd.array(rows, ctx=out.context, dtype="int64")),
                                               shape=tuple(stored.shape), ctx=out.context,
                                               dtype=stored.dtype)
            out[:] = value
            return
        full = nd.zeros(stored.shape, ctx=out.context, dtype=stored.dtype)
        if rows.size:
            full[rows] = picked.as_in_context(out.context)
        full.copyto(out)

    # --- optimizer and compression ------------------------------------------------------------
    def set_optimizer(self, optimizer):
        """Applies `optimizer` on every push, on the stored values.

        Parameters
        ----------
        optimizer : Optimizer
        """
        from ..optimizer import get_updater
        self._set_updater(get_updater(optimizer))

    def _set_updater(self, updater):
        """Sets `updater(key, merged_gradient, stored_weight)`, run on every push."""
        self._updater = updater

    def set_gradient_compression(self, compression_params):
        """Compresses pushed gradients, e.g. {'type': '2bit', 'threshold': 0.5}.

        Only 'device' and the 'dist_*' stores compress, as in MXNet.
        """
        if self._type not in ("device", "nccl") and not self._type.startswith("dist"):
            raise MXNetError("Gradient compression is not supported for this type of kvstore "
                             "(%r); use 'device' or a 'dist_*' kvstore" % self._type)
        self._compression = make_compression(compression_params)

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Writes the optimizer's states (and the optimizer, if asked) to `fname`, atomically."""
        if self._updater is None or not hasattr(self._updater, "get_states"):
            raise MXNetError("kvstore.save_optimizer_states: no optimizer is set on this store "
                             "(call set_optimizer first)")
        write_atomically(fname, self._updater.get_states(dump_optimizer))

    def load_optimizer_states(self, fname):
        """Reads states written by `save_optimizer_states` into the store's optimizer."""
        if self._updater is None or not hasattr(self._updater, "set_states"):
            raise MXNetError("kvstore.load_optimizer_states: no optimizer is set on this store "
                             "(call set_optimizer first)")
        try:
            with open(fname, "rb") as f:
                payload = f.read()
        except OSError as exc:
            raise MXNetError("kvstore.load_optimizer_states: cannot read %r: %s" % (fname, exc)) \
                from None
        self._updater.set_states(payload)

    def barrier(self):
        """Waits for every worker (a no-op in one process)."""

    _barrier = barrier

    def _send_command_to_servers(self, head, body):
        """There are no servers: MPI workers reduce among themselves."""

