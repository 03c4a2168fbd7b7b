"""Contributed samplers (MXNet 1.x `gluon.contrib.data.sampler`)."""
from ....base import FailedCheckError
from ...data.sampler import Sampler

__all__ = ["IntervalSampler"]


class IntervalSampler(Sampler):
    """Indices of [0, length) taken every `interval`: 0, interval, 2 * interval, ...; with
    `rollover`, then again from 1, from 2, ... until every index was given once.

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

    Examples
    --------
    >>> list(mx.gluon.contrib.data.IntervalSampler(7, interval=3))
    [0, 3, 6, 1, 4, 2, 5]
    >>> list(mx.gluon.contrib.data.IntervalSampler(7, interval=3, rollover=False))
    [0, 3, 6]
    """

    def __init__(self, length, interval, rollover=True):
        if not 1 <= interval <= length:
            raise FailedCheckError("IntervalSampler: interval must be between 1 and length %s, "
                                   "found %s" % (length, interval))
        self._length = length
        self._interval = interval
        self._rollover = rollover

    def __iter__(self):
        starts = range(self._interval) if self._rollover else range(1)
        for start in starts:
            yield from range(start, self._length, self._interval)

    def __len__(self):
        # the number of indices given (MXNet says `length` even without rollover)
        if self._rollover:
            return self._length
        return len(range(0, self._length, self._interval))
