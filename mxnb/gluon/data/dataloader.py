"""DataLoader: batches of a dataset, in-process or prefetched by a thread pool (as MXNet 1.x).

MXNet forks worker processes; here workers are threads (NumPy releases the GIL in the heavy
parts), and results come back in order. `num_workers=0` loads in the calling thread.
"""
from concurrent.futures import ThreadPoolExecutor, TimeoutError as FutureTimeout
from collections import deque

import numpy as np

from ...base import MXNetError
from ...ndarray import NDArray
from ...ndarray.ndarray import _wrap
from ... import backend
from . import sampler as _sampler

__all__ = ["DataLoader", "default_batchify_fn", "default_mp_batchify_fn"]


def default_batchify_fn(data):
    """Stacks samples into a batch: NDArrays stack into one, NumPy/numbers become one NDArray of
    their own dtype (uint8 images stay uint8), tuples batch field by field into a list."""
    first = data[0]
    if isinstance(first, NDArray):
        ctx = first.context
        for x in data:
            if x.context != ctx:
                raise MXNetError("default_batchify_fn: samples on different contexts (%s and %s)"
                                 % (ctx, x.context))
        xp = backend.array_module(first._data)
        return _wrap(xp.stack([x._data for x in data]), ctx)
    if isinstance(first, tuple):
        return [default_batchify_fn(field) for field in zip(*data)]
    from ... import ndarray as nd
    host = np.asarray(data)
    return nd.array(host, dtype=host.dtype)


default_mp_batchify_fn = default_batchify_fn


class DataLoader:
    """Loads batches from `dataset` (MXNet's `gluon.data.DataLoader`).

    Parameters are MXNet's: batch_size, shuffle, sampler, last_batch ('keep', 'discard',
    'rollover'), batch_sampler, batchify_fn, num_workers, pin_memory, pin_device_id, prefetch,
    thread_pool, timeout (seconds to wait for one batch from a worker).
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, pin_memory=False,
                 pin_device_id=0, prefetch=None, thread_pool=False, timeout=120,
                 try_nopython=None):
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        self._timeout = timeout
        if batch_sampler is None:
            if batch_size is None:
                raise MXNetError("batch_size must be specified unless batch_sampler is specified")
            if sampler is None:
                sampler = (_sampler.RandomSampler(len(dataset)) if shuffle
                           else _sampler.SequentialSampler(len(dataset)))
            elif shuffle:
                raise MXNetError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size,
                                                  last_batch if last_batch else "keep")
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            raise MXNetError("batch_size, shuffle, sampler and last_batch must not be specified "
                             "if batch_sampler is specified.")
        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(0, int(prefetch) if prefetch is not None else 2 * self._num_workers)
        self._batchify_fn = default_batchify_fn if batchify_fn is None else batchify_fn
        # Datasets that can gather a whole batch at once (ArrayDataset, MNIST) skip the per-sample
        # path when batching is the default one: same result, one fancy index per field.
        self._fast_batch = (getattr(dataset, "_get_batch", None)
                            if self._batchify_fn is default_batchify_fn else None)
        self._pool = None

    def _load(self, indices):
        if self._fast_batch is not None:
            batch = self._fast_batch(indices)
            if batch is not None:
                return batch
        return self._batchify_fn([self._dataset[i] for i in indices])

    def __iter__(self):
        if self._num_workers == 0:
            return (self._load(batch) for batch in self._batch_sampler)
        return self._threaded_iter()

    def _threaded_iter(self):
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self._num_workers, thread_name_prefix="DataLoader")
        pending = deque()
        batches = iter(self._batch_sampler)
        depth = max(self._prefetch, 1)
        for batch in batches:
            pending.append(self._pool.submit(self._load, batch))
            if len(pending) >= depth:
                break
        while pending:
            future = pending.popleft()
            for batch in batches:
                pending.append(self._pool.submit(self._load, batch))
                break
            try:
                yield future.result(timeout=self._timeout)
            except FutureTimeout:
                raise MXNetError("DataLoader: a worker took more than timeout=%s seconds to load "
                                 "a batch" % self._timeout) from None

    def __len__(self):
        return len(self._batch_sampler)

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)
