"""DataLoader: batches of a dataset, loaded in-process, by worker processes or by threads
(MXNet 1.x's `gluon.data.DataLoader`)."""
import itertools

import numpy as np

from ...base import MXNetError
from ...context import cpu_pinned
from ...ndarray import NDArray
from ...ndarray.ndarray import _wrap
from ... import backend
from . import sampler as _sampler
from ._workers import ProcessWorkers, ThreadWorkers, DataLoaderTimeoutError, DataLoaderWorkerError

__all__ = ["DataLoader", "default_batchify_fn", "default_mp_batchify_fn",
           "DataLoaderTimeoutError", "DataLoaderWorkerError"]


class _ArgumentError(MXNetError, ValueError):
    """A DataLoader argument is invalid (MXNet raises ValueError)."""


def default_batchify_fn(data):
    """Collates samples into a batch.

    NDArrays stack into one NDArray; NumPy arrays and numbers become one NDArray of their own
    dtype (uint8 images stay uint8); tuples are batched field by field into a list.

    Parameters
    ----------
    data : list
        The samples of one batch.

    Returns
    -------
    NDArray or list of NDArray

    Example
    -------
    >>> default_batchify_fn([(np.zeros(2), 0), (np.ones(2), 1)])[1]
    [0 1]
    <NDArray 2 @cpu(0)>
    """
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


# Worker processes hand batches over through shared memory whatever the batchify function
# makes, so the multiprocessing variant is the same function.
default_mp_batchify_fn = default_batchify_fn


class _Loader:
    """Loads the batch of a list of indices (what a worker runs)."""

    def __init__(self, dataset, batchify_fn):
        self._dataset = dataset
        self._batchify_fn = batchify_fn
        # Datasets that gather a whole batch at once (ArrayDataset, MNIST) skip the per-sample
        # path when batching is the default: same result, one fancy index per field.
        self._fast_batch = (getattr(dataset, "_get_batch", None)
                            if batchify_fn is default_batchify_fn else None)

    def __call__(self, indices):
        if self._fast_batch is not None:
            batch = self._fast_batch(indices)
            if batch is not None:
                return batch
        return self._batchify_fn([self._dataset[i] for i in indices])


def _as_in_context(data, ctx):
    if isinstance(data, NDArray):
        return data.as_in_context(ctx)
    if isinstance(data, (list, tuple)):
        return type(data)(_as_in_context(x, ctx) for x in data)
    return data


class _MultiWorkerIter:
    """One epoch over worker-loaded batches, yielded in the sampler's order."""

    _ids = itertools.count()

    def __init__(self, workers, batch_sampler, prefetch, timeout, pin_ctx):
        self._workers = workers
        self._batches = iter(batch_sampler)
        self._length = len(batch_sampler)
        self._timeout = timeout
        self._pin_ctx = pin_ctx
        self._id = next(self._ids)
        self._sent = 0
        self._received = 0
        self._done = False
        for _ in range(prefetch):
            self._push_next()

    def _push_next(self):
        indices = next(self._batches, None)
        if indices is None:
            return
        self._workers.submit((self._id, self._sent), indices)
        self._sent += 1

    def __len__(self):
        return self._length

    def __iter__(self):
        return self

    def __next__(self):
        self._push_next()
        if self._received == self._sent:
            self._done = True
            raise StopIteration
        key = (self._id, self._received)
        self._received += 1
        batch = self._workers.result(key, self._timeout)
        if self._pin_ctx is not None:
            batch = _as_in_context(batch, self._pin_ctx)
        return batch

    next = __next__

    def __del__(self):
        if not getattr(self, "_done", True) and self._received < self._sent:
            try:
                self._workers.abandon(self._id)
            except Exception:  # interpreter shutdown: nothing left to free
                pass


class DataLoader:
    """Loads data from a dataset and returns mini-batches of data.

    Parameters
    ----------
    dataset : Dataset
        Source dataset. Note that numpy and mxnet arrays can be directly used as a Dataset.
    batch_size : int
        Size of mini-batch.
    shuffle : bool
        Whether to shuffle the samples.
    sampler : Sampler
        The sampler to use. Either specify sampler or shuffle, not both.
    last_batch : {'keep', 'discard', 'rollover'}
        How to handle the last batch if batch_size does not evenly divide ``len(dataset)``:
        keep a smaller last batch, discard it, or carry its samples into the next epoch.
    batch_sampler : Sampler
        A sampler that returns mini-batches. Do not specify batch_size, shuffle, sampler, and
        last_batch if batch_sampler is specified.
    batchify_fn : callable
        Callback function to allow users to specify how to merge samples into a batch.
        Defaults to `default_batchify_fn`.
    num_workers : int, default 0
        The number of worker processes (threads with ``thread_pool=True``) that load batches.
        With 0 the batches are loaded in the calling thread. Worker processes are forked and
        send batches back through shared memory.
    pin_memory : boolean, default False
        If ``True``, batches are returned in pinned CPU memory (``cpu_pinned``), faster to copy
        to a GPU.
    pin_device_id : int, default 0
        The device id of the pinned memory when `pin_memory` is ``True``.
    prefetch : int, default ``2 * num_workers``
        How many batches the workers load ahead.
    thread_pool : bool, default False
        If ``True``, the workers are threads instead of processes.
    timeout : int, default 120
        Seconds to wait for a worker to deliver one batch. A worker that takes longer, or a
        worker process that dies, raises an MXNetError and shuts the workers down.
    auto_reload : bool, default False
        Whether to start prefetching the next epoch when one ends (and at construction).

    Example
    -------
    >>> dataset = gluon.data.ArrayDataset(mx.nd.arange(10), mx.nd.arange(10) * 2)
    >>> for x, y in gluon.data.DataLoader(dataset, batch_size=4, num_workers=2):
    ...     print(x.shape)
    (4,)
    (4,)
    (2,)
    """

    def __init__(self, dataset, batch_size=None, shuffle=False, sampler=None, last_batch=None,
                 batch_sampler=None, batchify_fn=None, num_workers=0, pin_memory=False,
                 pin_device_id=0, prefetch=None, thread_pool=False, timeout=120,
                 auto_reload=False):
        self._dataset = dataset
        self._pin_memory = pin_memory
        self._pin_device_id = pin_device_id
        self._thread_pool = thread_pool
        if not timeout > 0:
            raise _ArgumentError("DataLoader: timeout must be positive, found %r" % (timeout,))
        self._timeout = timeout
        if batch_sampler is None:
            if batch_size is None:
                raise _ArgumentError("batch_size must be specified unless batch_sampler is "
                                     "specified")
            if sampler is None:
                sampler = (_sampler.RandomSampler(len(dataset)) if shuffle
                           else _sampler.SequentialSampler(len(dataset)))
            elif shuffle:
                raise _ArgumentError("shuffle must not be specified if sampler is specified")
            batch_sampler = _sampler.BatchSampler(sampler, batch_size,
                                                  last_batch if last_batch else "keep")
        elif batch_size is not None or shuffle or sampler is not None or last_batch is not None:
            raise _ArgumentError("batch_size, shuffle, sampler and last_batch must not be "
                                 "specified if batch_sampler is specified.")
        self._batch_sampler = batch_sampler
        self._num_workers = num_workers if num_workers >= 0 else 0
        self._prefetch = max(0, int(prefetch) if prefetch is not None else 2 * self._num_workers)
        if batchify_fn is None:
            batchify_fn = default_mp_batchify_fn if self._num_workers > 0 else default_batchify_fn
        self._batchify_fn = batchify_fn
        self._loader = _Loader(dataset, batchify_fn)
        self._workers = None
        self.auto_reload = auto_reload
        self._iter = None
        if auto_reload:
            self.refresh()

    def _worker_pool(self):
        """The workers, started on first use and again after a failure shut them down."""
        if self._workers is None or self._workers.broken:
            kind = ThreadWorkers if self._thread_pool else ProcessWorkers
            seed = int(np.random.randint(0, 1 << 31))
            self._workers = kind(self._num_workers, self._loader, seed)
        return self._workers

    def _pin_ctx(self):
        return cpu_pinned(self._pin_device_id) if self._pin_memory else None

    def _same_process_iter(self):
        pin_ctx = self._pin_ctx()
        for indices in self._batch_sampler:
            batch = self._loader(indices)
            yield batch if pin_ctx is None else _as_in_context(batch, pin_ctx)

    def _prefetch_iter(self):
        if self._num_workers == 0:
            return self._same_process_iter()
        return _MultiWorkerIter(self._worker_pool(), self._batch_sampler, self._prefetch,
                                self._timeout, self._pin_ctx())

    def __iter__(self):
        if self._iter is None:
            self.refresh()
        it, self._iter = self._iter, None
        for batch in it:
            yield batch
        if self._iter is None and self.auto_reload:
            self.refresh()

    def refresh(self):
        """Starts loading a new epoch now (the next `iter` continues it)."""
        self._iter = self._prefetch_iter()

    def clean(self):
        """Drops the prefetched epoch; loading starts at the next `iter`."""
        self._iter = None

    def __len__(self):
        return len(self._batch_sampler)

    def __del__(self):
        workers = getattr(self, "_workers", None)
        if workers is not None:
            workers.shutdown()
