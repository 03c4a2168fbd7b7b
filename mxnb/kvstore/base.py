"""The KVStore interface (MXNet 1.x `mx.kv.KVStoreBase`), its registry and `create`.

A kvstore holds one value per key and reduces what workers push into it: the sum of the values
pushed for a key, optionally fed through an optimizer (`set_optimizer`), is what every worker
pulls. `create(name)` picks the implementation by name, as MXNet does.
"""
from ..base import MXNetError

__all__ = ["KVStoreBase", "create"]


class KVStoreBase:
    """An abstract key-value store for data-parallel training.

    Subclasses implement `broadcast`, `pushpull`, `set_optimizer`, `is_capable`, the optimizer
    state files, and the `type`, `rank` and `num_workers` properties. Register a subclass with
    `KVStoreBase.register` to make `mx.kv.create(name)` build it.

    Examples
    --------
    >>> @mx.kv.KVStoreBase.register
    ... class MyStore(mx.kv.KVStoreBase):
    ...     pass
    >>> 'mystore' in mx.kv.KVStoreBase.kv_registry
    True
    """

    OPTIMIZER = "optimizer"
    kv_registry = {}

    def broadcast(self, key, value, out, priority=0):
        """Broadcasts `value` of rank 0 to every rank, into `out`."""
        raise NotImplementedError()

    def pushpull(self, key, value, out=None, priority=0):
        """Pushes `value` (summed) and pulls the result into `out` (or back into `value`)."""
        raise NotImplementedError()

    def set_optimizer(self, optimizer):
        """Runs `optimizer` on every push, on the stored values."""
        raise NotImplementedError()

    def is_capable(self, capability):
        """Whether this store supports `capability` (`KVStoreBase.OPTIMIZER`)."""
        raise NotImplementedError()

    def save_optimizer_states(self, fname, dump_optimizer=False):
        """Writes the optimizer states of the store to `fname`."""
        raise NotImplementedError()

    def load_optimizer_states(self, fname):
        """Reads optimizer states written by `save_optimizer_states`."""
        raise NotImplementedError()

    @property
    def type(self):
        """The type of this store, as given to `create`."""
        raise NotImplementedError()

    @property
    def rank(self):
        """This worker's rank, in [0, num_workers)."""
        raise NotImplementedError()

    @property
    def num_workers(self):
        """How many workers share this store."""
        raise NotImplementedError()

    @staticmethod
    def register(klass):
        """Registers `klass` under its lower-cased class name; usable as a decorator.

        Parameters
        ----------
        klass : type
            A subclass of KVStoreBase.

        Returns
        -------
        type
            `klass` itself.
        """
        if not (isinstance(klass, type) and issubclass(klass, KVStoreBase)):
            raise MXNetError("KVStoreBase.register expects a subclass of KVStoreBase, found %r"
                             % (klass,))
        name = klass.__name__.lower()
        if name in KVStoreBase.kv_registry:
            raise MXNetError("a kvstore named %r is already registered (%s)"
                             % (name, KVStoreBase.kv_registry[name]))
        KVStoreBase.kv_registry[name] = klass
        return klass


_LOCAL_TYPES = ("local", "device", "nccl", "local_allreduce_cpu", "local_allreduce_device",
                "local_update_cpu")
_DIST_TYPES = ("dist_sync", "dist_device_sync", "dist_async", "dist_sync_device", "dist")


def create(name="local"):
    """Creates a KVStore.

    Parameters
    ----------
    name : {'local', 'device', 'nccl', 'dist_sync', 'dist_device_sync', 'dist_async'}
        'local' and 'device' reduce the values of one process's devices ('nccl' is 'device'
        reduced with NCCL where CuPy provides it); the 'dist_*' types reduce across processes
        with MPI (mpi4py; start the workers with `mpirun` or `python -m mxnb.tools.launch`).
        Names registered with `KVStoreBase.register` are looked up first.

    Returns
    -------
    KVStoreBase
        The new store.

    Examples
    --------
    >>> kv = mx.kv.create('local')
    >>> kv.init(3, mx.nd.ones((2, 3)))
    >>> out = mx.nd.zeros((2, 3))
    >>> kv.pull(3, out=out)
    """
    if not isinstance(name, str):
        raise MXNetError("kvstore.create: name must be a string, found %s" % type(name).__name__)
    key = name.lower()
    if key in KVStoreBase.kv_registry:
        return KVStoreBase.kv_registry[key]()
    if key in _LOCAL_TYPES:
        from .kvstore import KVStore
        return KVStore(key)
    if key in _DIST_TYPES:
        from .dist import DistKVStore
        return DistKVStore("dist_sync" if key == "dist" else key)
    raise MXNetError("unknown kvstore type %r; expected one of %s or a registered name %s"
                     % (name, list(_LOCAL_TYPES + _DIST_TYPES), sorted(KVStoreBase.kv_registry)))
