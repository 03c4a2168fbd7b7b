"""CIFAR-10 and CIFAR-100 from their binary files (MXNet's file names, checksums and layout)."""
import os
import tarfile

import numpy as np

from ....base import MXNetError
from .... import ndarray as nd
from .. import _download
from .._download import data_dir, repo_file_url
from .datasets import _DownloadedDataset

__all__ = ["CIFAR10", "CIFAR100"]


def _safe_extract(archive, root):
    """Extracts a tar.gz under `root`, refusing members that would land outside it."""
    root = os.path.abspath(root)
    try:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                target = os.path.abspath(os.path.join(root, member.name))
                if not (target == root or target.startswith(root + os.sep)) or member.issym() \
                        or member.islnk():
                    raise MXNetError("refusing to extract %s from %s: it would leave %s"
                                     % (member.name, archive, root))
            tar.extractall(root)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise MXNetError("cannot extract %s: %s" % (archive, exc)) from None


class CIFAR10(_DownloadedDataset):
    """CIFAR-10: (32, 32, 3) uint8 images of 10 classes, int32 labels.

    Reads data_batch_1..5.bin (train) or test_batch.bin (test) under `root`, each row a label
    byte and 3072 bytes of channel-major pixels; missing or corrupt files are replaced from
    cifar-10-binary.tar.gz (downloaded from MXNet's repository when missing).

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/cifar10
    train : bool, default True
    transform : callable, optional
        ``transform(data, label)`` for each sample.

    Example
    -------
    >>> image, label = gluon.data.vision.CIFAR10(train=False)[0]
    >>> image.shape
    (32, 32, 3)
    """

    _row_header = 1

    def __init__(self, root=os.path.join(data_dir(), "datasets", "cifar10"), train=True,
                 transform=None):
        self._train = train
        self._archive_file = ("cifar-10-binary.tar.gz", "fab780a1e191a7eda0f345501ccd62d20f7ed891")
        self._train_data = [("data_batch_1.bin", "aadd24acce27caa71bf4b10992e9e7b2d74c2540"),
                            ("data_batch_2.bin", "c0ba65cce70568cd57b4e03e9ac8d2a5367c1795"),
                            ("data_batch_3.bin", "1dd00a74ab1d17a6e7d73e185b69dbf31242f295"),
                            ("data_batch_4.bin", "aab85764eb3584312d3c7f65fd2fd016e36a258e"),
                            ("data_batch_5.bin", "26e2849e66a845b7f1e4614ae70f4889ae604628")]
        self._test_data = [("test_batch.bin", "67eb016db431130d61cd03c7ad570b013799c88c")]
        self._namespace = "cifar10"
        super().__init__(root, transform)

    def _read_batch(self, filename):
        row = 3072 + self._row_header
        with open(filename, "rb") as fin:
            raw = np.frombuffer(fin.read(), dtype=np.uint8)
        if raw.size == 0 or raw.size % row:
            raise MXNetError("%s is not a CIFAR binary file: its size %d is not a positive "
                             "multiple of the %d-byte rows" % (filename, raw.size, row))
        raw = raw.reshape(-1, row)
        images = raw[:, self._row_header:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return images, self._labels_of(raw)

    def _labels_of(self, raw):
        return raw[:, 0].astype(np.int32)

    def _get_data(self):
        files = self._train_data + self._test_data
        if any(not os.path.exists(os.path.join(self._root, name))
               or not _download.check_sha1(os.path.join(self._root, name), sha1)
               for name, sha1 in files):
            archive = _download.download(repo_file_url("gluon/dataset/" + self._namespace,
                                             self._archive_file[0]),
                               path=self._root, sha1_hash=self._archive_file[1])
            _safe_extract(archive, self._root)
        data_files = self._train_data if self._train else self._test_data
        parts = [self._read_batch(self._find(name)) for name, _ in data_files]
        images = np.concatenate([p[0] for p in parts])
        self._label = np.concatenate([p[1] for p in parts])
        self._data = nd.array(images, dtype=images.dtype)

    def _find(self, name):
        """The archive unpacks into a sub-folder; MXNet's checks look in `root` itself."""
        for folder in (self._root, os.path.join(self._root, "cifar-10-batches-bin"),
                       os.path.join(self._root, "cifar-100-binary")):
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return path
        raise MXNetError("%s is missing from %s" % (name, self._root))


class CIFAR100(CIFAR10):
    """CIFAR-100: (32, 32, 3) uint8 images, with 100 fine or 20 coarse int32 labels.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/cifar100
    fine_label : bool, default False
        The 100 fine classes instead of the 20 super-classes.
    train : bool, default True
    transform : callable, optional

    Example
    -------
    >>> ds = gluon.data.vision.CIFAR100(fine_label=True, train=False)
    """

    _row_header = 2

    def __init__(self, root=os.path.join(data_dir(), "datasets", "cifar100"), fine_label=False,
                 train=True, transform=None):
        self._train = train
        self._archive_file = ("cifar-100-binary.tar.gz",
                              "a0bb982c76b83111308126cc779a992fa506b90b")
        self._train_data = [("train.bin", "e207cd2e05b73b1393c74c7f5e7bea451d63e08e")]
        self._test_data = [("test.bin", "8fb6623e830365ff53cf14adec797474f5478006")]
        self._fine_label = fine_label
        self._namespace = "cifar100"
        _DownloadedDataset.__init__(self, root, transform)

    def _labels_of(self, raw):
        return raw[:, int(self._fine_label)].astype(np.int32)
