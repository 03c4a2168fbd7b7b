"""MNISTIter: batches of MNIST's IDX files (MXNet's `mx.io.MNISTIter`)."""
import numpy as np

from ..base import MXNetError, dtype_np
from ..ndarray.ndarray import array
from .data_desc import DataDesc
from ._native import NativeIter
from .image_record_iter import _check_kwargs

__all__ = ["MNISTIter"]


class MNISTIter(NativeIter):
    """Iterates over MNIST images and labels read from IDX files (gzip-compressed or not).

    Images are scaled to [0, 1) by dividing by 256, as MXNet does. An incomplete last batch
    is dropped.

    Parameters
    ----------
    image : str, default './train-images-idx3-ubyte'
    label : str, default './train-labels-idx1-ubyte'
    batch_size : int, default 128
    shuffle : bool, default True
        Shuffle the samples once, when loading (by `seed`; the order differs from MXNet's).
    flat : bool, default False
        (batch, 784) instead of (batch, 1, 28, 28).
    seed : int, default 0
    silent : bool, default False
    num_parts, part_index : int
        Read only part `part_index` of `num_parts` contiguous parts.
    prefetch_buffer : int
        Accepted for compatibility.
    ctx : str
        Accepted for compatibility.
    dtype : str, optional
        The output dtype (float32 when None).
    data_name, label_name : str

    Example
    -------
    >>> it = mx.io.MNISTIter(image='t10k-images-idx3-ubyte', label='t10k-labels-idx1-ubyte',
    ...                      batch_size=100, flat=True)
    >>> it.next().data[0].shape
    (100, 784)
    """

    def __init__(self, image="./train-images-idx3-ubyte", label="./train-labels-idx1-ubyte",
                 batch_size=128, shuffle=True, flat=False, seed=0, silent=False, num_parts=1,
                 part_index=0, prefetch_buffer=4, ctx="gpu", dtype=None, data_name="data",
                 label_name="softmax_label", **kwargs):
        super().__init__(batch_size)
        _check_kwargs("MNISTIter", kwargs, (), {})
        if not 0 <= part_index < num_parts:
            raise MXNetError("MNISTIter: part_index %d out of range for num_parts %d"
                             % (part_index, num_parts))
        from ..gluon.data.vision.datasets import read_idx
        images, labels = read_idx(image), read_idx(label)
        if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
            raise MXNetError("MNISTIter: %s and %s do not hold matching images (n, rows, cols) "
                             "and labels (n,): found %s and %s" % (image, label, images.shape,
                                                                   labels.shape))
        n = len(images)
        lo, hi = n * part_index // num_parts, n * (part_index + 1) // num_parts
        images, labels = images[lo:hi], labels[lo:hi]
        self._order = np.arange(len(images))
        if shuffle:
            np.random.RandomState(seed).shuffle(self._order)
        self._dtype = dtype_np(dtype) if dtype not in (None, "None") else np.dtype(np.float32)
        shape = (-1, images.shape[1] * images.shape[2]) if flat else \
            (-1, 1, images.shape[1], images.shape[2])
        self._images = (images.astype(np.float32) / 256.0).reshape(shape)
        self._labels = labels.astype(np.float32)
        self.batch_size = int(batch_size)
        if not silent:
            # MXNet logs this from C++: through the root logger it would configure logging
            # (basicConfig at WARNING) before the user's own logging.basicConfig(level=...)
            import logging
            logging.getLogger(__name__).info(
                "MNISTIter: load %d images, shuffle=%d, shape=%s", len(images), int(shuffle),
                (self.batch_size,) + self._images.shape[1:])
        self.provide_data = [DataDesc(data_name, (self.batch_size,) + self._images.shape[1:],
                                      self._dtype)]
        self.provide_label = [DataDesc(label_name, (self.batch_size,), self._dtype)]
        self._cursor = -self.batch_size

    def reset(self):
        self._cursor = -self.batch_size

    def iter_next(self):
        self._cursor += self.batch_size
        return self._cursor + self.batch_size <= len(self._order)

    def _rows(self):
        return self._order[self._cursor:self._cursor + self.batch_size]

    def getdata(self):
        return array(self._images[self._rows()], dtype=self._dtype)

    def getlabel(self):
        return array(self._labels[self._rows()], dtype=self._dtype)

    def getindex(self):
        return self._rows().astype(np.uint64)

    def getpad(self):
        return 0
