"""CSVIter: batches of rows of CSV files (MXNet's `mx.io.CSVIter`)."""
import os

import numpy as np

from ..base import MXNetError, dtype_np
from ..ndarray.ndarray import array
from .data_desc import DataDesc
from ._native import NativeIter
from .image_record_iter import _check_kwargs
from ._round_batch import RoundBatcher

__all__ = ["CSVIter"]


def _read_csv(path, shape, what):
    files = ([os.path.join(path, f) for f in sorted(os.listdir(path))] if os.path.isdir(path)
             else [path])
    rows = []
    width = int(np.prod(shape))
    for name in files:
        try:
            with open(name) as f:
                lines = f.read().splitlines()
        except OSError as exc:
            raise MXNetError("CSVIter: cannot read %s file %s: %s" % (what, name, exc)) from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                values = [float(v) for v in line.split(",")]
            except ValueError:
                raise MXNetError("CSVIter: %s file %s line %d is not comma-separated numbers: %r"
                                 % (what, name, number, line)) from None
            if len(values) != width:
                raise MXNetError("CSVIter: %s file %s line %d has %d values, but %s_shape %s "
                                 "needs %d" % (what, name, number, len(values), what,
                                               tuple(shape), width))
            rows.append(values)
    return np.asarray(rows, dtype=np.float64).reshape((len(rows),) + tuple(shape))


class CSVIter(NativeIter):
    """Iterates over rows of CSV files in batches.

    Parameters
    ----------
    data_csv : str
        A CSV file, or a directory of them.
    data_shape : tuple
        The shape of one example (a row holds prod(data_shape) values).
    label_csv : str, optional
        The labels' CSV file or directory; all labels are 0 without it.
    label_shape : tuple, default (1,)
        The shape of one label.
    batch_size : int
    round_batch : bool, default True
        Complete the last batch from the start (the next epoch then starts after those rows).
    prefetch_buffer : int
        Accepted for compatibility (loading is in memory).
    ctx : str
        Accepted for compatibility.
    dtype : str, optional
        The output dtype (float32 when None).
    data_name, label_name : str

    Example
    -------
    >>> it = mx.io.CSVIter(data_csv='data.csv', data_shape=(3,), batch_size=2)
    >>> it.next().data[0].shape
    (2, 3)
    """

    def __init__(self, data_csv, data_shape, batch_size, label_csv=None, label_shape=(1,),
                 round_batch=True, prefetch_buffer=4, ctx="gpu", dtype=None, data_name="data",
                 label_name="softmax_label", **kwargs):
        super().__init__(batch_size)
        _check_kwargs("CSVIter", kwargs, (), {})
        if int(batch_size) < 1:
            raise MXNetError("CSVIter: batch_size must be positive, found %r" % (batch_size,))
        self.batch_size = int(batch_size)
        self._dtype = dtype_np(dtype) if dtype not in (None, "None") else np.dtype(np.float32)
        data_shape, label_shape = tuple(data_shape), tuple(label_shape)
        self._data = _read_csv(data_csv, data_shape, "data").astype(self._dtype)
        if label_csv in (None, "NULL"):
            self._label = np.zeros((len(self._data),) + label_shape, dtype=self._dtype)
        else:
            self._label = _read_csv(label_csv, label_shape, "label").astype(self._dtype)
            if len(self._label) != len(self._data):
                raise MXNetError("CSVIter: %s has %d rows but %s has %d"
                                 % (data_csv, len(self._data), label_csv, len(self._label)))
        if label_shape == (1,):
            self._label = self._label.reshape(-1)
        if len(self._data) == 0:
            raise MXNetError("CSVIter: %s holds no rows" % data_csv)
        self._batcher = RoundBatcher(len(self._data), self.batch_size, round_batch)
        self._out_data = np.zeros((self.batch_size,) + data_shape, dtype=self._dtype)
        self._out_label = np.zeros((self.batch_size,) + self._label.shape[1:], dtype=self._dtype)
        self.provide_data = [DataDesc(data_name, self._out_data.shape, self._dtype)]
        self.provide_label = [DataDesc(label_name, self._out_label.shape, self._dtype)]
        self._current = None

    def reset(self):
        self._batcher.reset()

    def iter_next(self):
        step = self._batcher.next()
        if step is None:
            return False
        indices, pad = step
        n = len(indices)
        self._out_data[:n] = self._data[indices]
        self._out_label[:n] = self._label[indices]
        self._current = (np.asarray(indices, dtype=np.uint64), pad)
        return True

    def getdata(self):
        return array(self._out_data, dtype=self._dtype)

    def getlabel(self):
        return array(self._out_label, dtype=self._dtype)

    def getindex(self):
        return self._current[0]

    def getpad(self):
        return self._current[1]
