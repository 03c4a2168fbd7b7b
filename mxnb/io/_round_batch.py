"""The batching of MXNet's C++ iterators (CSVIter, ImageRecordIter): `round_batch`.

With round_batch, a short last batch is completed from the start of the data and the next epoch
begins after the samples so borrowed; `pad` says how many were borrowed. Without it, the rest of
the last batch keeps what the previous batch had there (its `pad` says how many such rows).
"""

__all__ = ["RoundBatcher"]


class RoundBatcher:
    """Index lists of successive batches over `num` samples."""

    def __init__(self, num, batch_size, round_batch=True):
        self.num = num
        self.batch_size = batch_size
        self.round_batch = round_batch
        self._start = 0
        self.reset()

    def reset(self):
        self._cursor = self._start
        self._done = False

    def next(self):
        """(indices, pad) of the next batch, or None at the end of the epoch. Without
        round_batch, `indices` holds only the real samples of a short batch."""
        if self._done or self._cursor >= self.num:
            self._done = True
            return None
        end = self._cursor + self.batch_size
        indices = list(range(self._cursor, min(end, self.num)))
        pad = self.batch_size - len(indices)
        self._cursor = end
        if pad:
            self._done = True
            if self.round_batch:
                borrowed = [i % self.num for i in range(pad)]
                indices += borrowed
                self._start = pad % self.num
                return indices, pad
            return indices, pad
        if self._cursor >= self.num:
            self._start = 0
        return indices, 0
