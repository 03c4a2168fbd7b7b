"""`mx.io`: DataDesc, DataBatch and NDArrayIter, the data feeders of MXNet's symbolic API."""
from collections import OrderedDict, namedtuple

import numpy as np

from ..base import MXNetError
from ..ndarray.ndarray import NDArray, array

__all__ = ["DataDesc", "DataBatch", "DataIter", "NDArrayIter"]


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    """Name and shape (plus dtype and layout) of one input."""

    def __new__(cls, name, shape, dtype=np.float32, layout="NCHW"):
        desc = super().__new__(cls, name, tuple(shape))
        desc.dtype = dtype
        desc.layout = layout
        return desc

    def __repr__(self):
        return "DataDesc[%s,%s,%s,%s]" % (self.name, self.shape, np.dtype(self.dtype).name, self.layout)


class DataBatch:
    def __init__(self, data, label=None, pad=None, index=None, bucket_key=None,
                 provide_data=None, provide_label=None):
        self.data = data
        self.label = label
        self.pad = pad
        self.index = index
        self.bucket_key = bucket_key
        self.provide_data = provide_data
        self.provide_label = provide_label


class DataIter:
    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def reset(self):
        pass

    def __next__(self):
        if self.iter_next():
            return DataBatch(self.getdata(), self.getlabel(), self.getpad(), self.getindex())
        raise StopIteration

    next = __next__


def _as_named_arrays(data, default_name):
    if data is None:
        return []
    if isinstance(data, (np.ndarray, NDArray)):
        data = [data]
    if isinstance(data, (list, tuple)):
        names = [default_name] if len(data) == 1 else ["_%d_%s" % (i, default_name) for i in range(len(data))]
        data = OrderedDict(zip(names, data))
    return [(k, v.asnumpy() if isinstance(v, NDArray) else np.asarray(v)) for k, v in data.items()]


class NDArrayIter(DataIter):
    """Iterates over arrays in batches (MXNet's `mx.io.NDArrayIter`).

    last_batch_handle: 'pad' (fill from the start; `pad` says how many), 'discard', or
    'roll_over' (the remainder starts the next epoch).
    """

    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label"):
        super().__init__(batch_size)
        self.data = _as_named_arrays(data, data_name)
        self.label = _as_named_arrays(label, label_name)
        sizes = {v.shape[0] for _, v in self.data + self.label}
        if len(sizes) != 1:
            raise MXNetError("NDArrayIter: data and label must have the same number of samples, found %s"
                             % sorted(sizes))
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise MXNetError("last_batch_handle must be 'pad', 'discard' or 'roll_over', found %r"
                             % last_batch_handle)
        self.num_data = sizes.pop()
        if batch_size > self.num_data and last_batch_handle == "discard":
            raise MXNetError("batch_size %d is larger than the %d samples" % (batch_size, self.num_data))
        self.shuffle = shuffle
        self.last_batch_handle = last_batch_handle
        self.idx = np.arange(self.num_data)
        self._carry = np.array([], dtype=np.int64)
        self.reset()

    @property
    def provide_data(self):
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype) for k, v in self.data]

    @property
    def provide_label(self):
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype) for k, v in self.label]

    def reset(self):
        if self.shuffle:
            np.random.shuffle(self.idx)
        order = self.idx
        if self.last_batch_handle == "roll_over" and self._carry.size:
            order = np.concatenate([self._carry, order])
        self._order = order
        self.cursor = -self.batch_size
        self._carry = np.array([], dtype=np.int64)

    def iter_next(self):
        self.cursor += self.batch_size
        remaining = len(self._order) - self.cursor
        if remaining <= 0:
            return False
        if remaining < self.batch_size:
            if self.last_batch_handle == "discard":
                return False
            if self.last_batch_handle == "roll_over":
                self._carry = self._order[self.cursor:]
                return False
        return True

    def _batch_indices(self):
        idx = self._order[self.cursor:self.cursor + self.batch_size]
        if len(idx) < self.batch_size:    # 'pad': wrap around to the start
            idx = np.concatenate([idx, self._order[:self.batch_size - len(idx)]])
        return idx

    def getdata(self):
        idx = self._batch_indices()
        return [array(v[idx], dtype=v.dtype) for _, v in self.data]

    def getlabel(self):
        idx = self._batch_indices()
        return [array(v[idx], dtype=v.dtype) for _, v in self.label]

    def getpad(self):
        return max(0, self.cursor + self.batch_size - len(self._order))

    def getindex(self):
        return self._batch_indices()


from .libsvm import LibSVMIter  # noqa: E402,F401
