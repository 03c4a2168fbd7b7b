"""Vision datasets: MNIST and Fashion-MNIST from their gzip IDX files (as MXNet 1.x).

Images come back as uint8 NDArrays of shape (28, 28, 1), labels as int32, like MXNet's.
"""
import gzip
import os
import struct
import zlib

import numpy as np

from ....base import MXNetError
from .... import ndarray as nd
from ....ndarray.ndarray import _wrap
from ..dataset import Dataset
from .._download import data_dir, download, repo_file_url

__all__ = ["MNIST", "FashionMNIST", "read_idx"]

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"), 0x0C: np.dtype(">i4"),
               0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}


def read_idx(filename):
    """The array in a (gzip-compressed) IDX file; MXNetError naming the file if it is corrupt."""
    try:
        opener = gzip.open if filename.endswith(".gz") else open
        with opener(filename, "rb") as fin:
            raw = fin.read()
    except (OSError, EOFError, zlib.error) as exc:
        raise MXNetError("cannot read IDX file %s: %s" % (filename, exc)) from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise MXNetError("%s is not an IDX file (bad magic number %r)" % (filename, raw[:4]))
    dtype, ndim = np.dtype(_IDX_DTYPES[raw[2]]), raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise MXNetError("IDX file %s is truncated: its header needs %d bytes, found %d"
                         % (filename, header, len(raw)))
    shape = struct.unpack(">%dI" % ndim, raw[4:header])
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - header != expected:
        raise MXNetError("IDX file %s is truncated or corrupt: shape %s needs %d bytes of data, "
                         "found %d" % (filename, shape, expected, len(raw) - header))
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


class _DownloadedDataset(Dataset):
    """A dataset whose files live under `root`, fetched on first use."""

    def __init__(self, root, transform):
        self._transform = transform
        self._data = None
        self._label = None
        root = os.path.expanduser(root)
        self._root = root
        os.makedirs(root, exist_ok=True)
        self._get_data()

    def __getitem__(self, idx):
        if self._transform is not None:
            return self._transform(self._data[idx], self._label[idx])
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)

    def _get_data(self):
        raise NotImplementedError

    def _get_batch(self, indices):
        """[images, labels] of `indices` by one fancy index each (the DataLoader's fast path)."""
        if self._transform is not None:
            return None
        rows = np.asarray(indices)
        images = self._data
        return [_wrap(images._data[rows], images.context), nd.array(self._label[rows],
                                                                    dtype=np.int32)]


class MNIST(_DownloadedDataset):
    """MNIST handwritten digits: (28, 28, 1) uint8 images and int32 labels."""

    def __init__(self, root=os.path.join(data_dir(), "datasets", "mnist"), train=True,
                 transform=None):
        self._train = train
        self._train_data = ("train-images-idx3-ubyte.gz",
                            "6c95f4b05d2bf285e1bfb0e7960c31bd3b3f8a7d")
        self._train_label = ("train-labels-idx1-ubyte.gz",
                             "2a80914081dc54586dbdf242f9805a6b8d2a15fc")
        self._test_data = ("t10k-images-idx3-ubyte.gz",
                           "c3a25af1f52dad7f726cce8cacb138654b760d48")
        self._test_label = ("t10k-labels-idx1-ubyte.gz",
                            "763e7fa3757d93b0cdec073cef058b2004252c17")
        self._namespace = "mnist"
        super().__init__(root, transform)

    def _get_data(self):
        data, label = ((self._train_data, self._train_label) if self._train
                       else (self._test_data, self._test_label))
        namespace = "gluon/dataset/" + self._namespace
        data_file = download(repo_file_url(namespace, data[0]), path=self._root, sha1_hash=data[1])
        label_file = download(repo_file_url(namespace, label[0]), path=self._root,
                              sha1_hash=label[1])
        labels = read_idx(label_file)
        images = read_idx(data_file)
        if labels.ndim != 1 or images.ndim != 3 or images.shape[0] != labels.shape[0]:
            raise MXNetError("%s and %s do not hold matching images (n, rows, cols) and labels "
                             "(n,): found %s and %s" % (data_file, label_file, images.shape,
                                                        labels.shape))
        self._label = labels.astype(np.int32)
        self._data = nd.array(images.reshape(images.shape + (1,)), dtype=np.uint8)


class FashionMNIST(MNIST):
    """Fashion-MNIST (Zalando's article images), a drop-in replacement of MNIST."""

    def __init__(self, root=os.path.join(data_dir(), "datasets", "fashion-mnist"), train=True,
                 transform=None):
        self._train = train
        self._train_data = ("train-images-idx3-ubyte.gz",
                            "0cf37b0d40ed5169c6b3aba31069a9770ac9043d")
        self._train_label = ("train-labels-idx1-ubyte.gz",
                             "236021d52f1e40852b06a4c3008d8de8aef1e40b")
        self._test_data = ("t10k-images-idx3-ubyte.gz",
                           "626ed6a7c06dd17c0eec72fa3be1740f146a2863")
        self._test_label = ("t10k-labels-idx1-ubyte.gz",
                            "17f9ab60e7257a1620f4ad76bbbaf857c3920701")
        self._namespace = "fashion-mnist"
        _DownloadedDataset.__init__(self, root, transform)


# MXNet's vision.datasets module holds every vision dataset; they live in their own files here.
from .cifar import CIFAR10, CIFAR100  # noqa: E402,F401
from .image_datasets import ImageRecordDataset, ImageFolderDataset, ImageListDataset  # noqa: E402,F401
