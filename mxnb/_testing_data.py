"""Data helpers of `mx.test_utils`: `download`, the MNIST readers (local IDX files first, as
MXNet finds files it downloaded before), and `DummyIter`."""
import gzip
import logging
import os
import struct
import zipfile

import numpy as np

from .base import MXNetError, data_dir
from .io import DataIter

__all__ = ["download", "get_mnist", "get_mnist_ubyte", "get_mnist_pkl", "get_mnist_iterator",
           "get_cifar10", "get_zip_data", "get_bz2_data", "download_model", "get_im2rec_path",
           "read_idx", "DummyIter"]

_MNIST_URL = "http://data.mxnet.io/data/mnist/"
_MNIST_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte")


def download(url, fname=None, dirname=None, overwrite=False, retries=5):
    """Downloads `url` to `fname` (default: the URL's last part, in `dirname`) unless the file
    is already there.

    Returns
    -------
    str
        The file's path.

    Example
    -------
    >>> path = mx.test_utils.download('http://data.mxnet.io/data/mnist/t10k-labels-idx1-ubyte.gz')  # doctest: +SKIP
    """
    if fname is None:
        fname = url.split("/")[-1]
    if dirname is None:
        dirname = os.path.dirname(fname)
    else:
        fname = os.path.join(dirname, fname)
    if dirname:
        os.makedirs(dirname, exist_ok=True)
    if not overwrite and os.path.exists(fname):
        logging.info("%s exists, skipping download", fname)
        return fname
    # the one download path (mxnb/gluon/utils.py): through requests.get as MXNet's, atomic
    from .gluon.utils import download as gluon_download
    path = gluon_download(url, path=fname, overwrite=True, retries=max(0, retries - 1))
    logging.info("downloaded %s into %s successfully", url, path)
    return path


def read_idx(path):
    """A NumPy array from an IDX file (MNIST's format), gzipped or not."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic = struct.unpack(">I", f.read(4))[0]
        ndim = magic & 0xFF
        dtype = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4",
                 0x0E: ">f8"}.get((magic >> 8) & 0xFF)
        if dtype is None or magic >> 16:
            raise MXNetError("%s is not an IDX file (magic number %#x)" % (path, magic))
        shape = struct.unpack(">" + "I" * ndim, f.read(4 * ndim))
        return np.frombuffer(f.read(), dtype=dtype).reshape(shape)


def _find_mnist(name):
    """A local copy of an MNIST file: ./name(.gz), ./data/name(.gz), $MXNET_HOME/datasets/mnist."""
    for folder in (".", "data", os.path.join(data_dir(), "datasets", "mnist")):
        for candidate in (name + ".gz", name):
            path = os.path.join(folder, candidate)
            if os.path.exists(path):
                return path
    return None


def _mnist_file(name):
    return _find_mnist(name) or download(_MNIST_URL + name + ".gz")


def get_mnist():
    """MNIST as {'train_data', 'train_label', 'test_data', 'test_label'}: images float32
    (N, 1, 28, 28) in [0, 1], labels int8; read from local IDX files when present, else
    downloaded.

    Example
    -------
    >>> mnist = mx.test_utils.get_mnist()   # doctest: +SKIP
    >>> mnist['train_data'].shape
    (60000, 1, 28, 28)
    """
    def read(label_name, image_name):
        label = read_idx(_mnist_file(label_name)).astype(np.int8)
        image = read_idx(_mnist_file(image_name))
        image = image.reshape(image.shape[0], 1, 28, 28).astype(np.float32) / 255
        return label, image
    train_lbl, train_img = read("train-labels-idx1-ubyte", "train-images-idx3-ubyte")
    test_lbl, test_img = read("t10k-labels-idx1-ubyte", "t10k-images-idx3-ubyte")
    return {"train_data": train_img, "train_label": train_lbl,
            "test_data": test_img, "test_label": test_lbl}


def get_mnist_ubyte():
    """Makes sure data/ holds the four uncompressed MNIST IDX files (from local copies or a
    download)."""
    os.makedirs("data", exist_ok=True)
    for name in _MNIST_FILES:
        target = os.path.join("data", name)
        if os.path.exists(target):
            continue
        source = _find_mnist(name)
        if source is None:
            zip_path = download("http://data.mxnet.io/mxnet/data/mnist.zip", dirname="data")
            with zipfile.ZipFile(zip_path) as zf:
                zf.extractall("data")
            return
        opener = gzip.open if source.endswith(".gz") else open
        with opener(source, "rb") as f:
            from .fileio import write_atomically
            write_atomically(target, f.read())


def get_mnist_pkl():
    """MNIST's pickled form is not read by mxnb (no pickle): use get_mnist()."""
    raise MXNetError("get_mnist_pkl: mxnb loads no pickle files; use mx.test_utils.get_mnist()")


def get_mnist_iterator(batch_size, input_shape, num_parts=1, part_index=0):
    """(train, val) MNISTIter over data/ (see get_mnist_ubyte)."""
    from . import io
    if not hasattr(io, "MNISTIter"):
        raise MXNetError("get_mnist_iterator needs mx.io.MNISTIter, which this mxnb lacks")
    get_mnist_ubyte()
    flat = len(input_shape) != 3
    train = io.MNISTIter(image="data/train-images-idx3-ubyte", label="data/train-labels-idx1-ubyte",
                         input_shape=input_shape, batch_size=batch_size, shuffle=True, flat=flat,
                         num_parts=num_parts, part_index=part_index)
    val = io.MNISTIter(image="data/t10k-images-idx3-ubyte", label="data/t10k-labels-idx1-ubyte",
                       input_shape=input_shape, batch_size=batch_size, flat=flat,
                       num_parts=num_parts, part_index=part_index)
    return train, val


def get_zip_data(data_dir, url, data_origin_name):
    """Downloads a zip into `data_dir` and extracts it."""
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_origin_name):
        download(url, dirname=data_dir, overwrite=False)
        with zipfile.ZipFile(data_origin_name) as zf:
            zf.extractall(data_dir)


def get_bz2_data(data_dir, data_name, url, data_origin_name):
    """Downloads a .bz2 into `data_dir` and decompresses it to `data_name`."""
    import bz2
    data_name = os.path.join(data_dir, data_name)
    data_origin_name = os.path.join(data_dir, data_origin_name)
    if not os.path.exists(data_name):
        download(url, fname=data_origin_name, dirname=data_dir, overwrite=False)
        with bz2.BZ2File(data_origin_name, "rb") as src, open(data_name, "wb") as dst:
            dst.write(src.read())
        os.remove(data_origin_name)


def get_cifar10():
    """Downloads and unpacks CIFAR-10's RecordIO files into data/cifar/."""
    if not os.path.isdir("data/cifar/"):
        os.makedirs("data/cifar/", exist_ok=True)
    if not all(os.path.exists("data/cifar/%s" % f) for f in ("train.rec", "test.rec", "train.lst",
                                                              "test.lst")):
        path = download("http://data.mxnet.io/mxnet/data/cifar10.zip", dirname="data")
        with zipfile.ZipFile(path) as zf:
            zf.extractall("data")


def download_model(model_name, dst_dir="./", meta_info=None):
    """MXNet's model-zoo downloader: its store is unreachable from mxnb's tests; use
    mx.gluon.model_zoo instead."""
    raise MXNetError("download_model(%r): mxnb has no access to MXNet's model store; use "
                     "mx.gluon.model_zoo" % model_name)


def get_im2rec_path(home_env="MXNET_HOME"):
    """Path of tools/im2rec.py under $MXNET_HOME; IOError if it is not there."""
    base = os.environ.get(home_env)
    if base:
        path = os.path.join(base, "tools", "im2rec.py")
        if os.path.isfile(path):
            return path
    raise IOError("Could not find path to tools/im2rec.py")


class DummyIter(DataIter):
    """An iterator that returns the first batch of `real_iter` forever (for speed tests).

    Example
    -------
    >>> it = DummyIter(mx.io.NDArrayIter(np.ones((4, 2)), batch_size=2))
    >>> next(it) is next(it)
    True
    """

    def __init__(self, real_iter):
        super().__init__(real_iter.batch_size)
        self.real_iter = real_iter
        self.provide_data = real_iter.provide_data
        self.provide_label = real_iter.provide_label
        self.batch_size = real_iter.batch_size
        self.the_batch = next(real_iter)

    def __iter__(self):
        return self

    def __next__(self):
        return self.the_batch

    def next(self):
        return self.the_batch

    def reset(self):
        """Nothing to reset: the batch repeats."""
