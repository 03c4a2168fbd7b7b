"""DataIter: the base class of MXNet's data iterators."""
from .data_batch import DataBatch

__all__ = ["DataIter"]


class DataIter:
    """The base class of data iterators: `next()` returns a DataBatch, `reset()` starts over.

    Subclasses implement `iter_next`, `getdata`, `getlabel`, `getpad` (and `getindex`), or
    override `next`.

    Parameters
    ----------
    batch_size : int, default 0

    Example
    -------
    >>> for batch in mx.io.NDArrayIter(np.zeros((4, 2)), batch_size=2):
    ...     print(batch.data[0].shape)
    (2, 2)
    (2, 2)
    """

    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        """Moves back to the first batch."""

    def next(self):
        """The next DataBatch; StopIteration at the end."""
        if self.iter_next():
            return DataBatch(data=self.getdata(), label=self.getlabel(), pad=self.getpad(),
                             index=self.getindex())
        raise StopIteration

    def __next__(self):
        return self.next()

    def iter_next(self):
        """Moves to the next batch; whether there is one."""

    def getdata(self):
        """The data of the current batch (list of NDArray)."""

    def getlabel(self):
        """The label of the current batch (list of NDArray)."""

    def getindex(self):
        """The indices of the current batch's samples, or None."""
        return None

    def getpad(self):
        """The number of padding samples in the current batch."""
