"""`mx.contrib.io`: `DataLoaderIter`, a Gluon `DataLoader` seen as a `DataIter`, so that a
Module (or FeedForward) trains on batches from Gluon's datasets."""
import numpy as np

from .. import ndarray as nd
from ..base import InvalidArgumentError, MXNetError
from ..io import DataDesc, DataIter

__all__ = ["DataLoaderIter"]


class NoCurrentBatchError(MXNetError, TypeError):
    """A batch was read from a DataLoaderIter with no current batch (a TypeError too, as
    MXNet's fails)."""


class DataLoaderIter(DataIter):
    """A `DataIter` over the (data, label) batches of a `mx.gluon.data.DataLoader`, so that a
    Gluon data pipeline feeds a symbolic Module.

    The first batch gives the shapes of `provide_data` and `provide_label` and the
    `batch_size`; a smaller last batch (the DataLoader's `last_batch='keep'`) is padded with
    zeros up to `batch_size`, and its `pad` says how many samples were added.

    Parameters
    ----------
    loader : mxnet.gluon.data.DataLoader
        The loader; each of its batches is a pair (data, label).
    data_name : str, default 'data'
        The name of the data input.
    label_name : str, default 'softmax_label'
        The name of the label input.
    dtype : str, default 'float32'
        The dtype data and labels are cast to (e.g. 'float32' or 'float16').

    Examples
    --------
    >>> from mxnb.contrib.io import DataLoaderIter
    >>> ds = mx.gluon.data.ArrayDataset(mx.nd.arange(8).reshape((4, 2)), mx.nd.arange(4))
    >>> it = DataLoaderIter(mx.gluon.data.DataLoader(ds, batch_size=2))
    >>> [batch.data[0].shape for batch in it]
    [(2, 2), (2, 2)]
    >>> it.provide_data
    [DataDesc[data,(2, 2),float32,NCHW]]
    """

    def __init__(self, loader, data_name="data", label_name="softmax_label", dtype="float32"):
        super().__init__()
        self._loader = loader
        self.dtype = dtype
        data, label = self._first_batch()
        self.batch_size = data.shape[0]
        self.provide_data = [DataDesc(data_name, data.shape, dtype)]
        self.provide_label = [DataDesc(label_name, label.shape, dtype)]
        self._current_batch = None
        self.reset()

    def _first_batch(self):
        """The loader's first (data, label) pair, checked."""
        try:
            batch = next(iter(self._loader))
        except StopIteration:
            raise InvalidArgumentError(
                "DataLoaderIter: the DataLoader gave no batch; it needs at least one to learn "
                "the shapes of data and label") from None
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            found = ("%d arrays" % len(batch) if isinstance(batch, (list, tuple))
                     else type(batch).__name__)
            # a ValueError too: MXNet's fails unpacking the batch into (data, label)
            raise InvalidArgumentError("DataLoaderIter: each batch of the DataLoader must be a "
                                       "pair (data, label), found %s" % found)
        return batch

    def reset(self):
        """Starts over from the loader's first batch.

        Returns
        -------
        None
        """
        self._iter = iter(self._loader)

    def iter_next(self):
        """Moves to the loader's next batch.

        Returns
        -------
        bool
            Whether there was one.
        """
        self._current_batch = next(self._iter, None)
        return self._current_batch is not None

    def getdata(self):
        """The data of the current batch, cast to `dtype` and padded to `batch_size`.

        Returns
        -------
        list of NDArray
            One array of shape `(batch_size,) + data shape`.
        """
        return [self._padded(self._current("getdata")[0])]

    def getlabel(self):
        """The label of the current batch, cast to `dtype` and padded to `batch_size`.

        Returns
        -------
        list of NDArray
            One array of shape `(batch_size,) + label shape`.
        """
        return [self._padded(self._current("getlabel")[1])]

    def getpad(self):
        """How many padding samples end the current batch.

        Returns
        -------
        int
            `batch_size` less the number of samples the loader gave (0 but for a smaller last
            batch).
        """
        return self.batch_size - self._current("getpad")[0].shape[0]

    def getindex(self):
        """The samples' indices: not known from a DataLoader.

        Returns
        -------
        None
        """
        return None

    def _current(self, method):
        if self._current_batch is None:
            raise NoCurrentBatchError("DataLoaderIter.%s: there is no current batch; call "
                                      "next() (or iter_next()) first, and reset() after the "
                                      "last batch" % method)
        return self._current_batch

    def _padded(self, array):
        """`array` cast to dtype; a short batch is zero-padded to batch_size rows (MXNet leaves
        the padding uninitialised)."""
        array = array.astype(self.dtype)
        missing = self.batch_size - array.shape[0]
        if missing <= 0:
            return array
        padding = nd.zeros((missing,) + tuple(array.shape[1:]), ctx=array.context,
                           dtype=np.dtype(self.dtype))
        return nd.concat(array, padding, dim=0)
