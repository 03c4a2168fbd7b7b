"""NDArrayIter: batches of in-memory arrays (MXNet's `mx.io.NDArrayIter`)."""
from collections import OrderedDict

import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from ..ndarray.ndarray import array
from .data_batch import DataBatch
from .data_desc import DataDesc
from .data_iter import DataIter

__all__ = ["NDArrayIter"]

_HANDLES = ("pad", "discard", "roll_over")


class SparseBatchingError(MXNetError, NotImplementedError):
    """CSR inputs with a last_batch_handle other than 'discard' (a NotImplementedError too,
    as MXNet raises)."""


def _init_data(data, allow_empty, default_name):
    """[(name, NDArray)] sorted by name, as MXNet orders a dict's inputs."""
    if data is None:
        if not allow_empty:
            raise MXNetError("NDArrayIter: data must be given")
        data = []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, (list, tuple)):
        if not data and not allow_empty:
            raise MXNetError("NDArrayIter: data must not be empty")
        if len(data) == 1:
            data = OrderedDict([(default_name, data[0])])
        else:
            data = OrderedDict(("_%d_%s" % (i, default_name), d) for i, d in enumerate(data))
    if not isinstance(data, dict):
        raise MXNetError("NDArrayIter: input must be an NDArray, a numpy.ndarray, a list of them "
                         "or a dict with them as values, found %s" % type(data).__name__)
    out = []
    for name, value in data.items():
        if not isinstance(value, NDArray):
            try:
                value = array(value)
            except Exception:
                raise MXNetError("NDArrayIter: invalid type %s for %s; expected NDArray or "
                                 "numpy.ndarray" % (type(value).__name__, name)) from None
        out.append((name, value))
    return sorted(out, key=lambda item: item[0])


class NDArrayIter(DataIter):
    """Iterates over NDArrays or NumPy arrays in mini-batches.

    Parameters
    ----------
    data : array, list of arrays or dict of name to array
        The inputs; NumPy arrays become float32 NDArrays (as MXNet's `nd.array`), SciPy CSR
        matrices CSRNDArrays. The first data array (by name) sets the number of samples;
        longer arrays (data or label) give their first that many, as MXNet's.
    label : array, list of arrays or dict of name to array, optional
        The labels.
    batch_size : int
    shuffle : bool
        Shuffle the samples at every reset.
    last_batch_handle : {'pad', 'discard', 'roll_over'}
        'pad' fills the last batch from the beginning (`pad` says how many); 'discard' drops
        it; 'roll_over' carries its samples into the first batch of the next epoch. CSR inputs
        take 'discard' only (others raise NotImplementedError, as MXNet).
    data_name, label_name : str
        The names of single (unnamed) data and label arrays.
    layout : str, default 'NCHW'
        Where the batch axis 'N' is.

    Example
    -------
    >>> it = mx.io.NDArrayIter(np.arange(5), np.arange(5), batch_size=3)
    >>> [(b.data[0].asnumpy().tolist(), b.pad) for b in it]
    [([0.0, 1.0, 2.0], 0), ([3.0, 4.0, 0.0], 1)]
    """

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label", layout="NCHW"):
        super().__init__(batch_size)
        if last_batch_handle not in _HANDLES:
            raise MXNetError("NDArrayIter: last_batch_handle must be 'pad', 'discard' or "
                             "'roll_over', found %r" % (last_batch_handle,))
        if int(batch_size) < 1:
            raise MXNetError("NDArrayIter: batch_size must be positive, found %r" % (batch_size,))
        self.layout = layout
        self._axis = max(DataDesc.get_batch_axis(layout), 0)
        self.data = _init_data(data, False, data_name)
        self.label = _init_data(label, True, label_name)
        _check_sparse_inputs(self.data + self.label, last_batch_handle)
        self.num_data = _num_samples(self.data, self.label, self._axis)
        self.idx = np.arange(self.num_data)
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.batch_size = int(batch_size)
        self.cursor = -self.batch_size
        self._cache = None
        self.reset()
        self.data_list = [x[1] for x in self.data] + [x[1] for x in self.label]
        self.num_source = len(self.data_list)

    def _descs(self, arrays):
        descs = []
        for name, value in arrays:
            shape = list(value.shape)
            shape[self._axis] = self.batch_size
            descs.append(DataDesc(name, tuple(shape), value.dtype, layout=self.layout))
        return descs

    @property
    def provide_data(self):
        return self._descs(self.data)

    @property
    def provide_label(self):
        return self._descs(self.label)

    def hard_reset(self):
        """Starts over, dropping samples carried over by 'roll_over'."""
        if self.shuffle:
            self._shuffle()
        self.cursor = -self.batch_size
        self._cache = None

    def reset(self):
        if self.shuffle:
            self._shuffle()
        if (self.last_batch_handle == "roll_over"
                and self.num_data - self.batch_size < self.cursor < self.num_data):
            # the carried samples fill the start of the first batch of this epoch
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def next(self):
        if not self.iter_next():
            raise StopIteration
        data, label = self.getdata(), self.getlabel()
        if data[0].shape[self._axis] != self.batch_size:
            self._cache = (data, label)  # an incomplete last batch: carried over or dropped
            raise StopIteration
        return DataBatch(data=data, label=label, pad=self.getpad(), index=None)

    def _slice(self, arrays, start, end):
        return [v.slice_axis(axis=self._axis, begin=start, end=end) for _, v in arrays]

    def _concat(self, first, second):
        from ..ndarray import concat
        return [concat(a, b, dim=self._axis) for a, b in zip(first, second)]

    def _batchify(self, arrays, which):
        if self.cursor >= self.num_data:
            raise MXNetError("NDArrayIter: the iterator is exhausted; call reset()")
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            if self._cache is None:
                raise MXNetError("NDArrayIter: no samples were carried over for 'roll_over'")
            carried = self._cache[which]
            if which == 1:
                self._cache = None
            return self._concat(carried, self._slice(arrays, 0, self.cursor + self.batch_size))
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            pad = self.batch_size - self.num_data + self.cursor
            parts = self._slice(arrays, self.cursor, self.num_data)
            while pad > 0:
                take = min(pad, self.num_data)
                parts = self._concat(parts, self._slice(arrays, 0, take))
                pad -= take
            return parts
        end = min(self.cursor + self.batch_size, self.num_data)
        return self._slice(arrays, self.cursor, end)

    def getdata(self):
        return self._batchify(self.data, 0)

    def getlabel(self):
        return self._batchify(self.label, 1)

    def getpad(self):
        if self.last_batch_handle == "pad" and self.cursor + self.batch_size > self.num_data:
            return self.cursor + self.batch_size - self.num_data
        if self.last_batch_handle == "roll_over" and -self.batch_size < self.cursor < 0:
            return -self.cursor
        return 0

    def _shuffle(self):
        np.random.shuffle(self.idx)
        perm = self.idx.copy()
        self.data = [(k, _take(v, perm, self._axis)) for k, v in self.data]
        self.label = [(k, _take(v, perm, self._axis)) for k, v in self.label]


def _take(arr, perm, axis):
    taken = array(np.take(arr.asnumpy(), perm, axis=axis), ctx=arr.context, dtype=arr.dtype)
    return taken.tostype(arr.stype) if arr.stype != "default" else taken


def _check_sparse_inputs(arrays, last_batch_handle):
    """MXNet batches CSR arrays only with last_batch_handle='discard'."""
    csr = [name for name, value in arrays if getattr(value, "stype", "default") == "csr"]
    if csr and last_batch_handle != "discard":
        raise SparseBatchingError("NDArrayIter: CSRNDArray inputs (%s) need "
                                  "last_batch_handle='discard', found %r"
                                  % (", ".join(csr), last_batch_handle))


def _num_samples(data, label, axis):
    """The number of samples: the first data array's (by name), as MXNet takes it. Longer
    arrays give their first that many samples; shorter ones cannot fill the batches."""
    first_name, first = data[0]
    num = first.shape[axis]
    short = [(name, value.shape[axis]) for name, value in data + label if value.shape[axis] < num]
    if short:
        raise MXNetError("NDArrayIter: the first data array %r has %d samples along axis %d; "
                         "every other data and label array needs at least as many, found %s"
                         % (first_name, num, axis, ", ".join("%r with %d" % s for s in short)))
    return num
