"""Samplers: the order in which a DataLoader reads a dataset (as MXNet 1.x's gluon.data)."""
import numpy as np

from ...base import FailedCheckError, MXNetError

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "FilterSampler", "BatchSampler",
           "IntervalSampler"]

_LAST_BATCH = ("keep", "discard", "rollover")


class Sampler:
    """The base class: an iterable of sample indices with a length."""

    def __iter__(self):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """start, start + 1, ..., start + length - 1."""

    def __init__(self, length, start=0):
        self._length = length
        self._start = start

    def __iter__(self):
        return iter(range(self._start, self._start + self._length))

    def __len__(self):
        return self._length


class RandomSampler(Sampler):
    """A random permutation of range(length) each epoch (NumPy's global generator, as MXNet)."""

    def __init__(self, length):
        self._length = length

    def __iter__(self):
        indices = np.arange(self._length)
        np.random.shuffle(indices)
        return iter(indices.tolist())

    def __len__(self):
        return self._length


class FilterSampler(Sampler):
    """The indices of the samples for which `fn(sample)` is true."""

    def __init__(self, fn, dataset):
        self._fn = fn
        self._dataset = dataset
        self._indices = [i for i, sample in enumerate(dataset) if fn(sample)]

    def __iter__(self):
        return iter(self._indices)

    def __len__(self):
        return len(self._indices)


class IntervalSampler(Sampler):
    """Indices of [0, length) taken every `interval`: 0, interval, 2 * interval, ...; with
    `rollover`, then again from 1, from 2, ... until every index was given once (MXNet's
    `gluon.contrib.data.IntervalSampler`, which is this class).

    Parameters
    ----------
    length : int
        Length of the sequence sampled.
    interval : int
        Step between two indices; at least 1 and at most `length`.
    rollover : bool, default True
        Whether to start again from the first skipped index after reaching the end (every index
        is then given); otherwise only the first pass, ``0, interval, ...``, is given.

    Returns
    -------
    iterator of int
        Iterating gives the indices.

    Raises
    ------
    FailedCheckError
        (an AssertionError too, as MXNet asserts) when `interval` is out of [1, length].

    Examples
    --------
    >>> list(IntervalSampler(13, interval=3))
    [0, 3, 6, 9, 12, 1, 4, 7, 10, 2, 5, 8, 11]
    >>> list(IntervalSampler(13, interval=3, rollover=False))
    [0, 3, 6, 9, 12]
    """

    def __init__(self, length, interval, rollover=True):
        if not 1 <= interval <= length:
            raise FailedCheckError("IntervalSampler: interval must be between 1 and length %s, "
                                   "found %s" % (length, interval))
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self):
        for start in range(self._interval if self._rollover else 1):
            yield from range(start, self._length, self._interval)

    def __len__(self):
        # MXNet says `length` even without rollover; this is the number of indices yielded.
        return self._length if self._rollover else -(-self._length // self._interval)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of `batch_size`.

    last_batch: 'keep' yields the short last batch, 'discard' drops it, 'rollover' carries it
    into the next epoch.
    """

    def __init__(self, sampler, batch_size, last_batch="keep"):
        if last_batch not in _LAST_BATCH:
            raise MXNetError("last_batch must be one of 'keep', 'discard', or 'rollover', but "
                             "got %r" % (last_batch,))
        if int(batch_size) < 1:
            raise MXNetError("batch_size must be a positive integer, found %r" % (batch_size,))
        self._sampler = sampler
        self._batch_size = int(batch_size)
        self._last_batch = last_batch
        self._prev = []

    def __iter__(self):
        batch, self._prev = self._prev, []
        for i in self._sampler:
            batch.append(i)
            if len(batch) == self._batch_size:
                yield batch
                batch = []
        if batch:
            if self._last_batch == "keep":
                yield batch
            elif self._last_batch == "rollover":
                self._prev = batch

    def __len__(self):
        if self._last_batch == "keep":
            return (len(self._sampler) + self._batch_size - 1) // self._batch_size
        if self._last_batch == "discard":
            return len(self._sampler) // self._batch_size
        return (len(self._prev) + len(self._sampler)) // self._batch_size
