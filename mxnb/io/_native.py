"""The shape of MXNet's C++ iterators (MXDataIter): `getdata()` and `getlabel()` return one
NDArray, not a list, while `next()` gives a DataBatch of one-element lists."""
from .data_batch import DataBatch
from .data_iter import DataIter

__all__ = ["NativeIter"]


class NativeIter(DataIter):
    """Base of CSVIter, MNISTIter and ImageRecordIter."""

    def next(self):
        if self.iter_next():
            return DataBatch(data=[self.getdata()], label=[self.getlabel()], pad=self.getpad(),
                             index=self.getindex())
        raise StopIteration
