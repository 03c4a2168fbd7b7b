"""LibSVMIter: batches of CSR data from a LibSVM-format text file (MXNet's `mx.io.LibSVMIter`).

Each line is `label index:value index:value ...` with zero-based column indices. The data is
read once into CSR parts on the host; each batch is a CSRNDArray of `batch_size` rows.
"""
import numpy as np

from ..base import MXNetError
from ..ndarray import sparse
from ..ndarray.ndarray import array
from . import DataBatch, DataDesc, DataIter

__all__ = ["LibSVMIter"]


def _parse(path, what):
    """(labels, data, indices, indptr) of a LibSVM file (labels: each line's first value)."""
    labels, data, indices, indptr = [], [], [], [0]
    try:
        handle = open(path, "r")
    except OSError as exc:
        raise MXNetError("LibSVMIter: cannot read %s %s: %s" % (what, path, exc.strerror or exc)) \
            from None
    with handle:
        for number, line in enumerate(handle, 1):
            tokens = line.split("#", 1)[0].split()
            if not tokens:
                continue
            try:
                labels.append(float(tokens[0]))
                for token in tokens[1:]:
                    index, value = token.split(":")
                    indices.append(int(index))
                    data.append(float(value))
            except ValueError:
                raise MXNetError("LibSVMIter: %s %s, line %d: expected 'label index:value ...', "
                                 "found %r" % (what, path, number, line.strip()[:80])) from None
            indptr.append(len(indices))
    return (np.array(labels, np.float32), np.array(data, np.float32),
            np.array(indices, np.int64), np.array(indptr, np.int64))


def _check_columns(indices, width, what, path):
    if indices.size and (indices.min() < 0 or indices.max() >= width):
        raise MXNetError("LibSVMIter: %s %s has column index %d, expected indices in [0, %d) for "
                         "its shape" % (what, path, indices.max() if indices.max() >= width
                                         else indices.min(), width))


class _Rows:
    """CSR rows on the host, from which batches are cut."""

    def __init__(self, data, indices, indptr, width):
        self.data, self.indices, self.indptr, self.width = data, indices, indptr, width

    def __len__(self):
        return len(self.indptr) - 1

    def part(self, begin, end):
        lo, hi = self.indptr[begin], self.indptr[end]
        return _Rows(self.data[lo:hi], self.indices[lo:hi], self.indptr[begin:end + 1] - lo,
                     self.width)

    def take(self, rows, ctx=None):
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        counts = ends - starts
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        picks = np.concatenate([np.arange(s, e) for s, e in zip(starts, ends)]) \
            if counts.sum() else np.zeros((0,), np.int64)
        return sparse.csr_matrix((self.data[picks], self.indices[picks], indptr),
                                 shape=(len(rows), self.width), ctx=ctx)


class LibSVMIter(DataIter):
    """Iterates over a LibSVM-format file in batches of CSR data.

    Parameters
    ----------
    data_libsvm : str
        The data file: one `label index:value ...` line per sample, zero-based indices.
    data_shape : tuple of int
        The shape of one sample, `(num_features,)`.
    label_libsvm : str, optional
        A LibSVM file of labels (each line's leading value is ignored); without it the label of
        a sample is its data line's first value.
    label_shape : tuple of int, default (1,)
        The shape of one label (the width of `label_libsvm`'s rows).
    batch_size : int
    round_batch : bool, default True
        The last batch is completed with samples from the start (`pad` says how many), and the
        next epoch begins after them, as MXNet's iterator does.
    num_parts, part_index : int, default 1, 0
        Read only part `part_index` of `num_parts` equal parts of the file (one per worker).
    prefetch_buffer, ctx, dtype
        Accepted for MXNet compatibility: batches are cut from data read once, on the CPU, in
        float32.
    data_name, label_name : str
        Names in provide_data / provide_label.

    Example
    -------
    >>> it = mx.io.LibSVMIter(data_libsvm='train.libsvm', data_shape=(1000,), batch_size=32)
    >>> batch = next(it)
    >>> batch.data[0].stype
    'csr'
    """

    def __init__(self, data_libsvm, data_shape, label_libsvm=None, label_shape=(1,),
                 batch_size=1, round_batch=True, num_parts=1, part_index=0, prefetch_buffer=4,
                 ctx="cpu", dtype=None, data_name="data", label_name="softmax_label"):
        super().__init__(batch_size)
        if dtype not in (None, "float32") and np.dtype(dtype) != np.float32:
            raise MXNetError("LibSVMIter: only float32 data is supported, found dtype %r" % (dtype,))
        if not round_batch:
            raise MXNetError("LibSVMIter: sparse batch loader doesn't support round_batch == "
                             "false yet")
        if not 0 <= part_index < num_parts:
            raise MXNetError("LibSVMIter: expected 0 <= part_index < num_parts, found part_index "
                             "%d and num_parts %d" % (part_index, num_parts))
        data_shape, label_shape = tuple(data_shape), tuple(label_shape)
        if len(data_shape) != 1:
            raise MXNetError("LibSVMIter: expected a 1-D data_shape (num_features,), found %s"
                             % (data_shape,))
        labels, *parts = _parse(data_libsvm, "data_libsvm")
        _check_columns(parts[1], data_shape[0], "data_libsvm", data_libsvm)
        rows = _Rows(*parts, data_shape[0])
        label_rows = None
        if label_libsvm is not None:
            _, *label_parts = _parse(label_libsvm, "label_libsvm")
            _check_columns(label_parts[1], label_shape[0], "label_libsvm", label_libsvm)
            label_rows = _Rows(*label_parts, label_shape[0])
            if len(label_rows) < len(rows):
                raise MXNetError("LibSVMIter: Data LibSVM's row is smaller than the number of "
                                 "rows in label_libsvm: %d data rows, %d label rows"
                                 % (len(rows), len(label_rows)))
        count = len(rows)
        begin = -(-count * part_index // num_parts)
        end = -(-count * (part_index + 1) // num_parts)
        self._rows = rows.part(begin, end)
        self._labels = labels[begin:end]
        self._label_rows = None if label_rows is None else label_rows.part(begin, end)
        if len(self._rows) == 0:
            raise MXNetError("LibSVMIter: %s part %d of %d holds no samples"
                             % (data_libsvm, part_index, num_parts))
        self.data_shape, self.label_shape = data_shape, label_shape
        self.data_name, self.label_name = data_name, label_name
        self._start = 0          # where the next epoch begins (after a previous epoch's padding)
        self.reset()

    @property
    def provide_data(self):
        return [DataDesc(self.data_name, (self.batch_size,) + self.data_shape, np.float32)]

    @property
    def provide_label(self):
        shape = (self.batch_size,) if self.label_shape == (1,) and self._label_rows is None \
            else (self.batch_size,) + self.label_shape
        return [DataDesc(self.label_name, shape, np.float32)]

    def reset(self):
        self._cursor = self._start
        self._pad = 0

    def iter_next(self):
        count = len(self._rows)
        if self._cursor >= count:
            return False
        stop = self._cursor + self.batch_size
        self._pad = max(0, stop - count)
        self._index = np.arange(self._cursor, stop) % count
        self._cursor = stop
        self._start = self._pad % count if self._pad else 0
        return True

    def next(self):
        if not self.iter_next():
            raise StopIteration
        return DataBatch([self.getdata()], [self.getlabel()], self._pad, self._index,
                         provide_data=self.provide_data, provide_label=self.provide_label)

    __next__ = next

    def getdata(self):
        return self._rows.take(self._index)

    def getlabel(self):
        if self._label_rows is not None:
            return self._label_rows.take(self._index)
        return array(self._labels[self._index])

    def getpad(self):
        return self._pad

    def getindex(self):
        return self._index
