"""ImageRecordIter: batches of images from a RecordIO file, decoded and augmented as MXNet's
C++ iterator does (`mx.io.ImageRecordIter` with its default augmenter)."""
import concurrent.futures
import random

import numpy as np

from ..base import MXNetError, dtype_np
from ..ndarray.ndarray import array
from .. import recordio
from .data_desc import DataDesc
from ._native import NativeIter
from ._round_batch import RoundBatcher

__all__ = ["ImageRecordIter", "ImageRecordUInt8Iter", "ImageRecordInt8Iter", "ImageRecordIter_v1",
           "ImageRecordUInt8Iter_v1"]

# MXNet's arguments that only tune its C++ pipeline: accepted and ignored.
_TUNING = {"preprocess_threads", "verbose", "prefetch_buffer", "ctx", "device_id",
           "shuffle_chunk_size", "shuffle_chunk_seed", "aug_seq"}
# MXNet's augmentation arguments not implemented here, with their no-op defaults: any other
# value is an error rather than a silently different result.
_UNSUPPORTED = {"path_imglist": "", "mean_img": "", "max_rotate_angle": 0, "rotate": -1,
                "max_aspect_ratio": 0, "min_aspect_ratio": None, "max_shear_ratio": 0,
                "max_crop_size": -1, "min_crop_size": -1, "max_random_scale": 1,
                "min_random_scale": 1, "max_random_area": 1, "min_random_area": 1,
                "max_img_size": 1e10, "min_img_size": 0, "brightness": 0, "contrast": 0,
                "saturation": 0, "pca_noise": 0, "random_h": 0, "random_s": 0, "random_l": 0,
                "fill_value": 255, "pad": 0, "max_random_contrast": 0,
                "max_random_illumination": 0, "random_resized_crop": False}


def _check_kwargs(name, kwargs, tuning, unsupported):
    """MXNet's C++ iterators ignore arguments they do not know; so does this one, with a
    warning, so that typos show. Augmentations not implemented here raise."""
    import warnings
    for key, value in kwargs.items():
        if key in unsupported:
            if value not in (unsupported[key], str(unsupported[key])):
                raise MXNetError("%s: %s=%r is not supported by mxnb (only the default %r)"
                                 % (name, key, value, unsupported[key]))
        elif key not in tuning:
            warnings.warn("%s: ignoring unknown argument %s=%r (as MXNet does)"
                          % (name, key, value), stacklevel=3)


class ImageRecordIter(NativeIter):
    """Iterates over images packed in a RecordIO (.rec) file, with MXNet's default augmentation:
    resize the shorter edge, crop (center or random), mirror, then per channel
    ``(pixel - mean) * scale / std``. Images come out as (batch, 3, H, W) in RGB order.

    Parameters
    ----------
    path_imgrec : str
        The .rec file.
    data_shape : tuple
        (channels, height, width) of the output images.
    batch_size : int
    path_imgidx : str, optional
        The .idx file (needed by nothing, used to find records faster).
    label_width : int, default 1
    shuffle : bool, default False
        Shuffle the records each epoch (seeded by `seed`).
    seed : int, default 0
    num_parts, part_index : int
        Read only part `part_index` of `num_parts`.
    round_batch : bool, default True
        Complete the last batch from the start (`pad` says how many).
    resize : int, default -1
        Resize the shorter edge to this first (-1: no).
    rand_crop : bool
        Random crops (else center crops).
    rand_mirror : bool
        Random left-right flips; `mirror` flips always.
    mean_r, mean_g, mean_b : float
    std_r, std_g, std_b : float
    scale : float, default 1
    inter_method : int, default 1
        Interpolation for resizing (see mx.image.imresize).
    dtype : str, optional
        The output dtype (float32 when None).
    data_name, label_name : str
    seed_aug : int, optional
        Seed of the random augmentations.
    preprocess_threads : int, default 4
        Threads that decode and augment the images of a batch.

    Example
    -------
    >>> it = mx.io.ImageRecordIter(path_imgrec='data.rec', data_shape=(3, 224, 224),
    ...                            batch_size=32, resize=256, rand_crop=True, rand_mirror=True)
    >>> it.next().data[0].shape
    (32, 3, 224, 224)
    """

    def __init__(self, path_imgrec, data_shape, batch_size, path_imgidx=None, label_width=1,
                 shuffle=False, seed=0, num_parts=1, part_index=0, round_batch=True, resize=-1,
                 rand_crop=False, rand_mirror=False, mirror=False, mean_r=0.0, mean_g=0.0,
                 mean_b=0.0, mean_a=0.0, std_r=1.0, std_g=1.0, std_b=1.0, std_a=1.0, scale=1.0,
                 inter_method=1, dtype=None, data_name="data", label_name="softmax_label",
                 seed_aug=None, **kwargs):
        super().__init__(batch_size)
        _check_kwargs("ImageRecordIter", kwargs, _TUNING, _UNSUPPORTED)
        data_shape = tuple(int(d) for d in data_shape)
        if len(data_shape) != 3 or data_shape[0] not in (1, 3):
            raise MXNetError("ImageRecordIter: data_shape must be (1 or 3, height, width), found "
                             "%r" % (data_shape,))
        if not 0 <= part_index < num_parts:
            raise MXNetError("ImageRecordIter: part_index %d out of range for num_parts %d"
                             % (part_index, num_parts))
        self.batch_size = int(batch_size)
        self._shape = data_shape
        self._label_width = int(label_width)
        if path_imgidx:
            self._rec = recordio.MXIndexedRecordIO(path_imgidx, path_imgrec, "r")
            positions = [self._rec.idx[k] for k in self._rec.keys]
        else:
            self._rec = recordio.MXRecordIO(path_imgrec, "r")
            positions = self._rec._scan()
        n = len(positions)
        self._positions = positions[n * part_index // num_parts:n * (part_index + 1) // num_parts]
        if not self._positions:
            raise MXNetError("ImageRecordIter: %s holds no records (part %d of %d)"
                             % (path_imgrec, part_index, num_parts))
        self._shuffle = shuffle
        self._order_rng = np.random.RandomState(seed)
        self._aug_rng = random.Random(seed_aug)
        self._order = np.arange(len(self._positions))
        self._resize = int(resize)
        self._rand_crop = rand_crop
        self._rand_mirror = rand_mirror
        self._mirror = mirror
        channels = data_shape[0]
        self._mean = np.array([mean_r, mean_g, mean_b, mean_a][:channels], dtype=np.float32)
        self._std = np.array([std_r, std_g, std_b, std_a][:channels], dtype=np.float32)
        self._scale = float(scale)
        self._interp = inter_method
        self._dtype = dtype_np(dtype) if dtype not in (None, "None") else np.dtype(np.float32)
        self._path = path_imgrec
        self._batcher = RoundBatcher(len(self._positions), self.batch_size, round_batch)
        label_shape = ((self.batch_size,) if self._label_width == 1
                       else (self.batch_size, self._label_width))
        self._out_data = np.zeros((self.batch_size,) + data_shape, dtype=np.float32)
        self._out_label = np.zeros(label_shape, dtype=np.float32)
        self.provide_data = [DataDesc(data_name, self._out_data.shape, self._dtype)]
        self.provide_label = [DataDesc(label_name, label_shape, np.float32)]
        self._current = None
        threads = int(kwargs.get("preprocess_threads", 4))
        self._pool = (concurrent.futures.ThreadPoolExecutor(min(threads, self.batch_size),
                                                            thread_name_prefix="ImageRecordIter")
                      if threads > 1 else None)
        self.reset()

    def __del__(self):
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.shutdown(wait=False)

    def reset(self):
        if self._shuffle:
            self._order_rng.shuffle(self._order)
        self._batcher.reset()

    def _sample(self, i, draws):
        pos = self._positions[self._order[i]]
        raw, _ = self._rec._read_at(pos)
        header, payload = recordio.unpack(raw)
        from ..image import codec
        try:
            img = codec.decode(payload, 1 if self._shape[0] == 3 else 0,
                               source="record at byte %d of %s" % (pos, self._path))
        except MXNetError as exc:
            raise MXNetError("ImageRecordIter: %s" % exc) from None
        if img.ndim == 2:
            img = img[:, :, None]
        label = np.asarray(header.label, dtype=np.float32).reshape(-1)
        if label.size < self._label_width:
            raise MXNetError("ImageRecordIter: record at byte %d of %s has %d label(s), "
                             "label_width is %d" % (pos, self._path, label.size,
                                                    self._label_width))
        return self._augment(img, draws), label[:self._label_width]

    def _augment(self, img, draws):
        from ..ops.image_resize import resize
        _, ch, cw = self._shape
        if self._resize > 0:
            h, w = img.shape[:2]
            if h > w:
                new_w, new_h = self._resize, self._resize * h // w
            else:
                new_w, new_h = self._resize * w // h, self._resize
            img = resize(img, new_w, new_h, self._interp)
        h, w = img.shape[:2]
        if h < ch or w < cw:
            raise MXNetError("ImageRecordIter: image of %dx%d in %s is smaller than data_shape "
                             "%dx%d; use `resize`" % (h, w, self._path, ch, cw))
        u_y, u_x, u_mirror = draws
        if self._rand_crop:
            y, x = int(u_y * (h - ch + 1)), int(u_x * (w - cw + 1))
        else:
            y, x = (h - ch) // 2, (w - cw) // 2
        img = img[y:y + ch, x:x + cw]
        if self._mirror or (self._rand_mirror and u_mirror < 0.5):
            img = img[:, ::-1]
        out = (img.astype(np.float32) - self._mean) * self._scale / self._std
        return out.transpose(2, 0, 1)

    def iter_next(self):
        step = self._batcher.next()
        if step is None:
            return False
        indices, pad = step
        # the random draws are made here, in order, so that threads do not change them
        draws = [(self._aug_rng.random(), self._aug_rng.random(), self._aug_rng.random())
                 for _ in indices]

        def fill(row):
            self._out_data[row], label = self._sample(indices[row], draws[row])
            self._out_label[row] = label[0] if self._label_width == 1 else label
        if self._pool is None:
            for row in range(len(indices)):
                fill(row)
        else:  # decoding and resizing release the GIL for much of their time
            list(self._pool.map(fill, range(len(indices))))
        self._current = (np.asarray(self._order[indices], dtype=np.uint64), pad)
        return True

    def getdata(self):
        return array(self._out_data, dtype=self._dtype)

    def getlabel(self):
        return array(self._out_label, dtype=np.float32)

    def getindex(self):
        return self._current[0]

    def getpad(self):
        return self._current[1]


def ImageRecordUInt8Iter(*args, **kwargs):
    """ImageRecordIter giving uint8 pixels (MXNet's `mx.io.ImageRecordUInt8Iter`).

    Example
    -------
    >>> it = mx.io.ImageRecordUInt8Iter(path_imgrec='data.rec', data_shape=(3, 8, 8),
    ...                                 batch_size=2, resize=9)
    """
    kwargs.setdefault("dtype", "uint8")
    return ImageRecordIter(*args, **kwargs)


def ImageRecordInt8Iter(*args, **kwargs):
    """ImageRecordIter giving int8 pixels (MXNet's `mx.io.ImageRecordInt8Iter`)."""
    kwargs.setdefault("dtype", "int8")
    return ImageRecordIter(*args, **kwargs)


ImageRecordIter_v1 = ImageRecordIter
ImageRecordUInt8Iter_v1 = ImageRecordUInt8Iter
