"""ImageIter: MXNet's Python image iterator over a .rec file or an image list, with augmenters."""
import os
import random

import numpy as np

from ..base import MXNetError
from .. import ndarray as nd
from .. import recordio
from ..io.data_batch import DataBatch
from ..io.data_iter import DataIter
from ..io.data_desc import DataDesc
from .augmenters import CreateAugmenter
from .image import imdecode

__all__ = ["ImageIter"]


class ImageIter(DataIter):
    """Image data iterator with a large number of augmentation choices.

    Reads a RecordIO file (`path_imgrec`, with `path_imgidx` for shuffling and partitions), or
    images listed in `path_imglist` / `imglist` under `path_root`.

    Parameters
    ----------
    batch_size : int
    data_shape : tuple
        (3, height, width) of the output images.
    label_width : int, default 1
    path_imgrec, path_imglist, path_root, path_imgidx : str
    shuffle : bool
    part_index, num_parts : int
        Read only part `part_index` of `num_parts`.
    aug_list : list of Augmenter
        Default: ``CreateAugmenter(data_shape, **kwargs)``.
    imglist : list
        [[label, ..., path], ...], instead of a list file.
    data_name, label_name : str
    dtype : str
        The label's dtype.
    last_batch_handle : {'pad', 'discard', 'roll_over'}
    **kwargs
        Passed to CreateAugmenter (resize, rand_crop, rand_mirror, mean, std, ...).

    Example
    -------
    >>> it = mx.image.ImageIter(4, (3, 8, 8), path_imgrec='data.rec', path_imgidx='data.idx')
    >>> it.next().data[0].shape
    (4, 3, 8, 8)
    """

    def __init__(self, batch_size, data_shape, label_width=1, path_imgrec=None,
                 path_imglist=None, path_root=None, path_imgidx=None, shuffle=False,
                 part_index=0, num_parts=1, aug_list=None, imglist=None, data_name="data",
                 label_name="softmax_label", dtype="float32", last_batch_handle="pad",
                 **kwargs):
        super().__init__()
        if not (path_imgrec or path_imglist or isinstance(imglist, list)):
            raise MXNetError("ImageIter needs path_imgrec, path_imglist or imglist")
        if dtype not in ("int32", "float32", "int64", "float64"):
            raise MXNetError("ImageIter: label dtype %r not supported; use int32, float32, int64 "
                             "or float64" % (dtype,))
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise MXNetError("ImageIter: last_batch_handle must be 'pad', 'discard' or "
                             "'roll_over', found %r" % (last_batch_handle,))
        self.imgrec = None
        self.imgidx = None
        if path_imgrec:
            if path_imgidx:
                self.imgrec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
                self.imgidx = list(self.imgrec.keys)
            else:
                self.imgrec = recordio.MXRecordIO(path_imgrec, "r")
        imgkeys = []
        self.imglist = None
        if path_imglist:
            self.imglist = {}
            with open(path_imglist) as fin:
                for number, line in enumerate(fin, 1):
                    fields = line.strip().split("\t")
                    if len(fields) < 3:
                        raise MXNetError("image list %s line %d: expected 'index<TAB>label(s)"
                                         "<TAB>path', found %r" % (path_imglist, number, line))
                    key = int(fields[0])
                    self.imglist[key] = (nd.array(fields[1:-1], dtype=dtype), fields[-1])
                    imgkeys.append(key)
        elif isinstance(imglist, list):
            self.imglist = {}
            for index, img in enumerate(imglist, 1):
                key = str(index)
                if len(img) > 2:
                    label = nd.array(img[:-1], dtype=dtype)
                elif isinstance(img[0], (int, float, np.number)):
                    label = nd.array([img[0]], dtype=dtype)
                else:
                    label = nd.array(img[0], dtype=dtype)
                self.imglist[key] = (label, img[-1])
                imgkeys.append(key)
        self.path_root = path_root
        self.check_data_shape(data_shape)
        self.provide_data = [DataDesc(data_name, (batch_size,) + tuple(data_shape))]
        self.provide_label = [DataDesc(label_name, (batch_size, label_width) if label_width > 1
                                       else (batch_size,))]
        self.batch_size = batch_size
        self.data_shape = tuple(data_shape)
        self.label_width = label_width
        self.shuffle = shuffle
        if self.imgrec is None:
            self.seq = imgkeys
        elif shuffle or num_parts > 1 or path_imgidx:
            if self.imgidx is None:
                raise MXNetError("ImageIter: shuffle and num_parts > 1 need path_imgidx")
            self.seq = self.imgidx
        else:
            self.seq = None
        if num_parts > 1:
            if not 0 <= part_index < num_parts:
                raise MXNetError("ImageIter: part_index %d out of range for num_parts %d"
                                 % (part_index, num_parts))
            per_part = len(self.seq) // num_parts
            self.seq = self.seq[part_index * per_part:(part_index + 1) * per_part]
        self.auglist = CreateAugmenter(data_shape, **kwargs) if aug_list is None else aug_list
        self.cur = 0
        self._allow_read = True
        self.last_batch_handle = last_batch_handle
        self.num_image = len(self.seq) if self.seq is not None else None
        self._cache_data = None
        self._cache_label = None
        self._cache_idx = None
        self.reset()

    def reset(self):
        """Starts a new epoch (samples carried by 'roll_over' stay)."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.last_batch_handle != "roll_over" or self._cache_data is None:
            if self.imgrec is not None:
                self.imgrec.reset()
            self.cur = 0
            self._allow_read = True

    def hard_reset(self):
        """Starts a new epoch, dropping carried samples."""
        if self.seq is not None and self.shuffle:
            random.shuffle(self.seq)
        if self.imgrec is not None:
            self.imgrec.reset()
        self.cur = 0
        self._allow_read = True
        self._cache_data = self._cache_label = self._cache_idx = None

    def next_sample(self):
        """(label, encoded image) of the next sample."""
        if not self._allow_read:
            raise StopIteration
        if self.seq is not None:
            if self.cur >= self.num_image:
                if self.last_batch_handle != "discard":
                    self.cur = 0
                raise StopIteration
            idx = self.seq[self.cur]
            self.cur += 1
            if self.imgrec is not None:
                header, img = recordio.unpack(self.imgrec.read_idx(idx))
                if self.imglist is None:
                    return header.label, img
                return self.imglist[idx][0], img
            label, fname = self.imglist[idx]
            return label, self.read_image(fname)
        s = self.imgrec.read()
        if s is None:
            if self.last_batch_handle != "discard":
                self.imgrec.reset()
            raise StopIteration
        header, img = recordio.unpack(s)
        return header.label, img

    def _batchify(self, batch_data, batch_label, start=0):
        i = start
        try:
            while i < self.batch_size:
                label, s = self.next_sample()
                data = self.augmentation_transform(self.imdecode(s))
                batch_data[i] = self.postprocess_data(data)
                label = label.asnumpy() if hasattr(label, "asnumpy") else np.asarray(label)
                batch_label[i] = label.reshape(batch_label.shape[1:])
                i += 1
        except StopIteration:
            if not i:
                raise
        return i

    def next(self):
        c, h, w = self.data_shape
        if self._cache_data is not None:
            batch_data, batch_label, i = self._cache_data, self._cache_label, self._cache_idx
        else:
            batch_data = nd.zeros((self.batch_size, c, h, w))
            batch_label = nd.empty(self.provide_label[0][1])
            i = self._batchify(batch_data, batch_label)
        pad = self.batch_size - i
        if pad != 0:
            if self.last_batch_handle == "discard":
                raise StopIteration
            if self.last_batch_handle == "roll_over" and self._cache_data is None:
                self._cache_data, self._cache_label, self._cache_idx = batch_data, batch_label, i
                raise StopIteration
            self._batchify(batch_data, batch_label, i)
            if self.last_batch_handle == "pad":
                self._allow_read = False
            else:
                self._cache_data = self._cache_label = self._cache_idx = None
        return DataBatch([batch_data], [batch_label], pad=pad)

    def check_data_shape(self, data_shape):
        """data_shape must be (3, height, width)."""
        if len(data_shape) != 3:
            raise MXNetError("ImageIter: data_shape should have length 3 (C, H, W), found %r"
                             % (data_shape,))
        if data_shape[0] != 3:
            raise MXNetError("ImageIter expects 3-channel images, found data_shape %r"
                             % (data_shape,))

    def check_valid_image(self, data):
        """Raises if `data` is not an image."""
        if len(data[0].shape) == 0:
            raise MXNetError("ImageIter: data shape is wrong")

    def imdecode(self, s):
        """Decodes an image, naming the record or file when it cannot be decoded."""
        try:
            return imdecode(s)
        except MXNetError as exc:
            raise MXNetError("ImageIter: broken image %s: %s" % (self._locate(), exc)) from None

    def _locate(self):
        if self.seq is not None:
            idx = self.seq[(self.cur - 1) % self.num_image]
        else:
            idx = self.cur
        if self.imglist is not None and idx in self.imglist:
            return "file %s" % self.imglist[idx][1]
        return "record %s" % idx

    def read_image(self, fname):
        """The bytes of image file `fname` under path_root."""
        path = os.path.join(self.path_root, fname) if self.path_root else fname
        try:
            with open(path, "rb") as fin:
                return fin.read()
        except OSError as exc:
            raise MXNetError("ImageIter: cannot read image file %s: %s" % (path, exc)) from None

    def augmentation_transform(self, data):
        """Applies the augmenters in order."""
        for aug in self.auglist:
            data = aug(data)
        return data

    def postprocess_data(self, datum):
        """(H, W, C) -> (C, H, W)."""
        return nd.transpose(datum, axes=(2, 0, 1))
