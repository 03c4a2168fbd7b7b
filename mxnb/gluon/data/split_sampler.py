"""SplitSampler: one worker's part of a dataset, for data-parallel training on many hosts."""
import numpy as np

from ...base import MXNetError
from .sampler import Sampler

__all__ = ["SplitSampler"]


class SplitSampler(Sampler):
    """Samples the `part_index`-th of `num_parts` equal contiguous parts of range(length), in a
    new random order each epoch (the sampler of MXNet's and GluonNLP's distributed examples).

    With a 'dist_*' kvstore, give each worker `num_parts=kv.num_workers, part_index=kv.rank`
    so that together the workers read every sample once per epoch. The `length % num_parts`
    samples left over are not read, so every worker runs the same number of steps.

    Parameters
    ----------
    length : int
        Number of samples in the dataset.
    num_parts : int, default 1
        Number of parts (workers).
    part_index : int, default 0
        The part this sampler yields, in [0, num_parts).
    shuffle : bool, default True
        Shuffle the part's indices every epoch (else yield them in order).
    seed : int, optional
        Seed of the shuffling (the same seed gives the same orders).

    Examples
    --------
    >>> sampler = SplitSampler(10, num_parts=2, part_index=1, shuffle=False)
    >>> list(sampler)
    [5, 6, 7, 8, 9]
    """

    def __init__(self, length, num_parts=1, part_index=0, shuffle=True, seed=None):
        if num_parts < 1:
            raise MXNetError("SplitSampler: num_parts must be at least 1, found %d" % num_parts)
        if not 0 <= part_index < num_parts:
            raise MXNetError("SplitSampler: part_index must lie in [0, %d), found %d"
                             % (num_parts, part_index))
        self._len = length // num_parts
        self._start = self._len * part_index
        self._shuffle = shuffle
        self._rng = np.random.RandomState(seed)

    def __iter__(self):
        indices = np.arange(self._start, self._start + self._len)
        if self._shuffle:
            self._rng.shuffle(indices)
        return iter(indices.tolist())

    def __len__(self):
        return self._len
