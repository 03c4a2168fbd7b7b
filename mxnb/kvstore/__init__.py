"""Key-value stores for data-parallel training (MXNet 1.x `mx.kv` / `mx.kvstore`).

`create('local' | 'device' | 'nccl')` reduces the values of one process's devices;
`create('dist_sync' | 'dist_device_sync' | 'dist_async')` reduces across processes with MPI
(mpi4py, an optional extra: `pip install mxnb[distributed]`).
"""
from .base import KVStoreBase, create
from .kvstore import KVStore

__all__ = ["KVStoreBase", "KVStore", "create"]
