"""`mx.image` augmenters: callables on (H, W, C) NDArrays, and CreateAugmenter, which builds
the standard list from ImageIter's keyword arguments (MXNet 1.x's names and defaults).

Random draws use Python's `random` (and NumPy's for lighting noise), as MXNet's do.
"""
import json
import random

import numpy as np

from ..base import FailedCheckError, MXNetError
from ..ndarray import NDArray
from .. import ndarray as nd
from .image import (resize_short, imresize, random_crop, random_size_crop, center_crop,
                    color_normalize)
from .resize import interp_method as _get_interp_method

__all__ = ["Augmenter", "SequentialAug", "ResizeAug", "ForceResizeAug", "RandomCropAug",
           "RandomSizedCropAug", "CenterCropAug", "RandomOrderAug", "BrightnessJitterAug",
           "ContrastJitterAug", "SaturationJitterAug", "HueJitterAug", "ColorJitterAug",
           "LightingAug", "ColorNormalizeAug", "RandomGrayAug", "HorizontalFlipAug", "CastAug",
           "CreateAugmenter"]

_GRAY = (0.299, 0.587, 0.114)
_IMAGENET_MEAN = (123.68, 116.28, 103.53)
_IMAGENET_STD = (58.395, 57.12, 57.375)


def _json_ready(kwargs):
    """`kwargs` (changed in place and returned) with NDArray and NumPy values as lists, so
    that an augmenter's `dumps()` can write its parameters as JSON."""
    for key, value in kwargs.items():
        if isinstance(value, NDArray):
            value = value.asnumpy()
        if isinstance(value, np.ndarray):
            kwargs[key] = value.tolist()
    return kwargs


class Augmenter:
    """The base class: `__call__(src)` returns the augmented image; `dumps()` describes it.

    Parameters
    ----------
    **kwargs
        The augmenter's parameters (recorded for `dumps`).
    """

    def __init__(self, **kwargs):
        self._kwargs = _json_ready(kwargs)

    def dumps(self):
        """The augmenter as a JSON string: [name, parameters]."""
        return json.dumps([self.__class__.__name__.lower(), self._kwargs])

    def __call__(self, src):
        raise NotImplementedError("Must override implementation.")


class SequentialAug(Augmenter):
    """Applies a list of augmenters in order."""

    def __init__(self, ts):
        super().__init__()
        self.ts = ts

    def dumps(self):
        return [self.__class__.__name__.lower(), [x.dumps() for x in self.ts]]

    def __call__(self, src):
        for aug in self.ts:
            src = aug(src)
        return src


class ResizeAug(Augmenter):
    """Resizes the shorter edge to `size` (see `resize_short`)."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src):
        return resize_short(src, self.size, self.interp)


class ForceResizeAug(Augmenter):
    """Resizes to `size` (w, h), ignoring the aspect ratio."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src):
        sizes = (src.shape[0], src.shape[1], self.size[1], self.size[0])
        return imresize(src, *self.size, interp=_get_interp_method(self.interp, sizes))


class RandomCropAug(Augmenter):
    """Crops a random box of `size` (w, h)."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src):
        return random_crop(src, self.size, self.interp)[0]


class RandomSizedCropAug(Augmenter):
    """Crops a box of random area and aspect ratio, resized to `size` (see random_size_crop)."""

    def __init__(self, size, area, ratio, interp=2, **kwargs):
        super().__init__(size=size, area=area, ratio=ratio, interp=interp)
        self.size = size
        self.area = kwargs.pop("min_area", area)
        if kwargs:
            raise MXNetError("RandomSizedCropAug got unexpected arguments %s" % sorted(kwargs))
        self.ratio = ratio
        self.interp = interp

    def __call__(self, src):
        return random_size_crop(src, self.size, self.area, self.ratio, self.interp)[0]


class CenterCropAug(Augmenter):
    """Crops the central box of `size` (w, h)."""

    def __init__(self, size, interp=2):
        super().__init__(size=size, interp=interp)
        self.size = size
        self.interp = interp

    def __call__(self, src):
        return center_crop(src, self.size, self.interp)[0]


class RandomOrderAug(Augmenter):
    """Applies a list of augmenters in a random order."""

    def __init__(self, ts):
        super().__init__()
        self.ts = ts

    def dumps(self):
        return [self.__class__.__name__.lower(), [x.dumps() for x in self.ts]]

    def __call__(self, src):
        random.shuffle(self.ts)
        for aug in self.ts:
            src = aug(src)
        return src


class BrightnessJitterAug(Augmenter):
    """Multiplies by 1 + uniform(-brightness, brightness) (float images)."""

    def __init__(self, brightness):
        super().__init__(brightness=brightness)
        self.brightness = brightness

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.brightness, self.brightness)
        src *= alpha
        return src


class ContrastJitterAug(Augmenter):
    """Blends with the mean grey level: alpha * src + (1 - alpha) * mean(gray)."""

    def __init__(self, contrast):
        super().__init__(contrast=contrast)
        self.contrast = contrast
        self.coef = nd.array([[_GRAY]])

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.contrast, self.contrast)
        gray = src * self.coef
        gray = 3.0 * (1.0 - alpha) / gray.size * nd.sum(gray)
        src *= alpha
        src += gray
        return src


class SaturationJitterAug(Augmenter):
    """Blends with the grey image: alpha * src + (1 - alpha) * gray."""

    def __init__(self, saturation):
        super().__init__(saturation=saturation)
        self.saturation = saturation
        self.coef = nd.array([[_GRAY]])

    def __call__(self, src):
        alpha = 1.0 + random.uniform(-self.saturation, self.saturation)
        gray = nd.sum(src * self.coef, axis=2, keepdims=True)
        gray *= 1.0 - alpha
        src *= alpha
        src += gray
        return src


_TYIQ = np.array([[0.299, 0.587, 0.114], [0.596, -0.274, -0.321], [0.211, -0.523, 0.311]])
_ITYIQ = np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.107, 1.705]])


def hue_matrix(alpha):
    """The (3, 3) matrix that rotates hue by alpha * pi in YIQ space (right-multiplied)."""
    u, w = np.cos(alpha * np.pi), np.sin(alpha * np.pi)
    bt = np.array([[1.0, 0.0, 0.0], [0.0, u, -w], [0.0, w, u]])
    return np.dot(np.dot(_ITYIQ, bt), _TYIQ).T


class HueJitterAug(Augmenter):
    """Rotates the hue by uniform(-hue, hue) * pi in YIQ space."""

    def __init__(self, hue):
        super().__init__(hue=hue)
        self.hue = hue
        self.tyiq = _TYIQ
        self.ityiq = _ITYIQ

    def __call__(self, src):
        alpha = random.uniform(-self.hue, self.hue)
        return nd.dot(src, nd.array(hue_matrix(alpha), ctx=src.context))


class ColorJitterAug(RandomOrderAug):
    """Brightness, contrast and saturation jitter in a random order."""

    def __init__(self, brightness, contrast, saturation):
        ts = []
        if brightness > 0:
            ts.append(BrightnessJitterAug(brightness))
        if contrast > 0:
            ts.append(ContrastJitterAug(contrast))
        if saturation > 0:
            ts.append(SaturationJitterAug(saturation))
        super().__init__(ts)


class LightingAug(Augmenter):
    """AlexNet-style PCA lighting noise: adds eigvec @ (alpha * eigval), alpha ~ N(0, alphastd)."""

    def __init__(self, alphastd, eigval, eigvec):
        super().__init__(alphastd=alphastd, eigval=eigval, eigvec=eigvec)
        self.alphastd = alphastd
        self.eigval = eigval
        self.eigvec = eigvec

    def __call__(self, src):
        alpha = np.random.normal(0, self.alphastd, size=(3,))
        rgb = np.dot(self.eigvec * alpha, self.eigval)
        src += nd.array(rgb, ctx=src.context)
        return src


class ColorNormalizeAug(Augmenter):
    """(src - mean) / std per channel."""

    def __init__(self, mean, std):
        super().__init__(mean=mean, std=std)
        self.mean = mean if mean is None or isinstance(mean, NDArray) else nd.array(mean)
        self.std = std if std is None or isinstance(std, NDArray) else nd.array(std)

    def __call__(self, src):
        return color_normalize(src, self.mean, self.std)


class RandomGrayAug(Augmenter):
    """With probability p, replaces the image by its grey level (in all 3 channels)."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p
        self.mat = nd.array([[0.21, 0.21, 0.21], [0.72, 0.72, 0.72], [0.07, 0.07, 0.07]])

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.dot(src, self.mat.as_in_context(src.context))
        return src


class HorizontalFlipAug(Augmenter):
    """With probability p, flips the image left to right."""

    def __init__(self, p):
        super().__init__(p=p)
        self.p = p

    def __call__(self, src):
        if random.random() < self.p:
            src = nd.flip(src, axis=1)
        return src


class CastAug(Augmenter):
    """Casts to `typ` (float32 by default)."""

    def __init__(self, typ="float32"):
        super().__init__(type=typ)
        self.typ = typ

    def __call__(self, src):
        return src.astype(self.typ)


def CreateAugmenter(data_shape, resize=0, rand_crop=False, rand_resize=False, rand_mirror=False,
                    mean=None, std=None, brightness=0, contrast=0, saturation=0, hue=0,
                    pca_noise=0, rand_gray=0, inter_method=2):
    """The standard augmenter list for images of `data_shape` (C, H, W).

    Parameters
    ----------
    data_shape : tuple of int
        (channels, height, width) of the output.
    resize : int
        Resize the shorter edge to this first (0: no).
    rand_crop : bool
        Random crops (else center crops).
    rand_resize : bool
        Random-area, random-aspect crops (needs rand_crop).
    rand_mirror : bool
        Random left-right flips.
    mean, std : True, numpy.ndarray or NDArray
        Normalize; True uses ImageNet's values.
    brightness, contrast, saturation, hue, pca_noise : float
        Jitter strengths.
    rand_gray : float
        Probability of converting to grey.
    inter_method : int
        Interpolation (see imresize).

    Returns
    -------
    list of Augmenter

    Example
    -------
    >>> [type(a).__name__ for a in mx.image.CreateAugmenter((3, 8, 8), resize=10)]
    ['ResizeAug', 'CenterCropAug', 'CastAug']
    """
    auglist = []
    if resize > 0:
        auglist.append(ResizeAug(resize, inter_method))
    crop_size = (data_shape[2], data_shape[1])
    if rand_resize:
        if not rand_crop:
            raise MXNetError("CreateAugmenter: rand_resize needs rand_crop=True")
        auglist.append(RandomSizedCropAug(crop_size, 0.08, (3.0 / 4.0, 4.0 / 3.0), inter_method))
    elif rand_crop:
        auglist.append(RandomCropAug(crop_size, inter_method))
    else:
        auglist.append(CenterCropAug(crop_size, inter_method))
    if rand_mirror:
        auglist.append(HorizontalFlipAug(0.5))
    auglist.append(CastAug())
    if brightness or contrast or saturation:
        auglist.append(ColorJitterAug(brightness, contrast, saturation))
    if hue:
        auglist.append(HueJitterAug(hue))
    if pca_noise > 0:
        eigval = np.array([55.46, 4.794, 1.148])
        eigvec = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.814],
                           [-0.5836, -0.6948, 0.4203]])
        auglist.append(LightingAug(pca_noise, eigval, eigvec))
    if rand_gray > 0:
        auglist.append(RandomGrayAug(rand_gray))
    mean = _norm_values(mean, _IMAGENET_MEAN, "mean")
    std = _norm_values(std, _IMAGENET_STD, "std")
    if mean is not None or std is not None:
        auglist.append(ColorNormalizeAug(mean, std))
    return auglist


def _norm_values(value, imagenet, what, owner="CreateAugmenter", as_array=nd.array):
    """None, ImageNet's values made by `as_array` (for True) or the array given (of 1 or 3
    values)."""
    if value is True:
        return as_array(imagenet)
    if value is None:
        return None
    if not isinstance(value, (np.ndarray, NDArray)) or value.shape[0] not in (1, 3):
        raise FailedCheckError("%s: %s must be True or an array of 1 or 3 values, found %r"
                               % (owner, what, value))
    return value
