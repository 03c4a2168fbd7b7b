"""Image datasets over files: ImageRecordDataset (a .rec file), ImageFolderDataset (one folder
per class) and ImageListDataset (a list of labelled paths)."""
import os
import warnings

import numpy as np

from ....base import MXNetError
from .... import ndarray as nd
from .... import recordio
from ..dataset import Dataset
from ..record_file import RecordFileDataset

__all__ = ["ImageRecordDataset", "ImageFolderDataset", "ImageListDataset"]


def _image():
    from .... import image
    return image


class ImageRecordDataset(RecordFileDataset):
    """Images and labels packed in a RecordIO file (.rec with its .idx).

    Parameters
    ----------
    filename : str
        Path to the .rec file.
    flag : {0, 1}, default 1
        0 decodes to greyscale (H, W, 1), 1 to RGB (H, W, 3).
    transform : callable, optional
        ``transform(data, label)`` for each sample.

    Example
    -------
    >>> image, label = gluon.data.vision.ImageRecordDataset('data.rec')[0]
    """

    def __init__(self, filename, flag=1, transform=None):
        super().__init__(filename)
        self._flag = flag
        self._transform = transform

    def __getitem__(self, idx):
        record = super().__getitem__(idx)
        header, img = recordio.unpack(record)
        try:
            decoded = _image().imdecode(img, self._flag)
        except MXNetError as exc:
            raise MXNetError("ImageRecordDataset: record %d (key %s) of %s: %s"
                             % (idx, self._record.keys[idx], self.filename, exc)) from None
        if self._transform is not None:
            return self._transform(decoded, header.label)
        return decoded, header.label


class ImageFolderDataset(Dataset):
    """Images stored one folder per class: root/car/0001.jpg, root/bus/123.png, ...

    Parameters
    ----------
    root : str
        The folder holding one sub-folder per class (sorted names give labels 0, 1, ...).
    flag : {0, 1}, default 1
        0 loads greyscale (H, W, 1), 1 RGB (H, W, 3).
    transform : callable, optional
        ``transform(data, label)`` for each sample.

    Attributes
    ----------
    synsets : list of str
        The class names; `synsets[i]` is the name of label i.
    items : list of (str, int)
        Every image's path and label.

    Example
    -------
    >>> ds = gluon.data.vision.ImageFolderDataset('pets')
    >>> ds.synsets
    ['cat', 'dog']
    """

    def __init__(self, root, flag=1, transform=None):
        self._root = os.path.expanduser(root)
        self._flag = flag
        self._transform = transform
        self._exts = [".jpg", ".jpeg", ".png"]
        self._list_images(self._root)

    def _list_images(self, root):
        self.synsets = []
        self.items = []
        try:
            folders = sorted(os.listdir(root))
        except OSError as exc:
            raise MXNetError("ImageFolderDataset: cannot list %s: %s" % (root, exc)) from None
        for folder in folders:
            path = os.path.join(root, folder)
            if not os.path.isdir(path):
                warnings.warn("Ignoring %s, which is not a directory." % path, stacklevel=3)
                continue
            label = len(self.synsets)
            self.synsets.append(folder)
            for filename in sorted(os.listdir(path)):
                filename = os.path.join(path, filename)
                ext = os.path.splitext(filename)[1]
                if ext.lower() not in self._exts:
                    warnings.warn("Ignoring %s of type %s. Only support %s"
                                  % (filename, ext, ", ".join(self._exts)))
                    continue
                self.items.append((filename, label))

    def __getitem__(self, idx):
        img = _image().imread(self.items[idx][0], self._flag)
        label = self.items[idx][1]
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self.items)


class ImageListDataset(Dataset):
    """Images listed with their labels, in a .lst file (index<TAB>label(s)<TAB>path per line)
    or a list of [label(s)..., path] (MXNet 2's `gluon.data.vision.ImageListDataset`).

    Parameters
    ----------
    root : str, default '.'
        The folder the paths (and a list file name) are relative to.
    imglist : str or list
        The list file's name, or the list itself.
    flag : {0, 1}, default 1
        0 loads greyscale (H, W, 1), 1 RGB (H, W, 3).

    Example
    -------
    >>> ds = gluon.data.vision.ImageListDataset('.', [[0, 'a.png'], [1, 'b.png']])
    >>> image, label = ds[1]
    """

    def __init__(self, root=".", imglist=None, flag=1):
        self._root = os.path.expanduser(root)
        self._flag = flag
        self._transform = None
        self._imglist = {}
        self._imgkeys = []
        if isinstance(imglist, str):
            fname = os.path.join(self._root, imglist)
            try:
                with open(fname) as fin:
                    lines = fin.read().splitlines()
            except OSError as exc:
                raise MXNetError("ImageListDataset: cannot read %s: %s" % (fname, exc)) from None
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                fields = line.strip().split("\t")
                if len(fields) < 3:
                    raise MXNetError("ImageListDataset: %s line %d should be "
                                     "'index<TAB>label(s)<TAB>path', found %r"
                                     % (fname, number, line))
                key = int(fields[0])
                self._imglist[key] = (nd.array([float(v) for v in fields[1:-1]]),
                                      os.path.join(self._root, fields[-1]))
                self._imgkeys.append(key)
        elif isinstance(imglist, list):
            for index, img in enumerate(imglist, 1):
                if not isinstance(img[-1], str):
                    raise MXNetError("ImageListDataset: each entry ends with a path, found %r"
                                     % (img,))
                if len(img) > 2:
                    label = nd.array(img[:-1])
                elif isinstance(img[0], (int, float, np.number)):
                    label = nd.array([img[0]])
                else:
                    label = nd.array(img[0])
                self._imglist[str(index)] = (label, os.path.join(self._root, img[-1]))
                self._imgkeys.append(str(index))
        else:
            raise MXNetError("ImageListDataset: imglist must be a list file name or a list, "
                             "found %s" % type(imglist).__name__)

    def __getitem__(self, idx):
        label, path = self._imglist[self._imgkeys[idx]]
        img = _image().imread(path, self._flag)
        if self._transform is not None:
            return self._transform(img, label)
        return img, label

    def __len__(self):
        return len(self._imgkeys)
