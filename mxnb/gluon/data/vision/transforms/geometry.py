"""Geometric transforms: resizing, cropping, flipping and rotating images."""

import numpy as np

from .....base import MXNetError
from .....ndarray import NDArray
from ..... import ndarray as nd
from ....block import Block
from . import _host

__all__ = ["Resize", "CenterCrop", "CropResize", "RandomResizedCrop", "RandomCrop",
           "RandomFlipLeftRight", "RandomFlipTopBottom", "Rotate", "RandomRotation"]


def _image():
    from ..... import image
    return image


def _wh(size, name):
    if isinstance(size, (int, np.integer)):
        return int(size), int(size)
    if len(size) != 2:
        raise MXNetError("%s: size must be an int or (width, height), found %r" % (name, size))
    return int(size[0]), int(size[1])


def _per_image(x, fn):
    """fn on an (H, W, C) image, or on each image of an (N, H, W, C) batch."""
    if getattr(x, "ndim", None) == 4:
        return nd.stack(*[fn(img) for img in x])
    return fn(x)


class Resize(Block):
    """Resizes an (H, W, C) image or (N, H, W, C) batch to `size`.

    Parameters
    ----------
    size : int or tuple of (W, H)
        The output size; an int means (size, size), or with `keep_ratio` the shorter edge.
    keep_ratio : bool, default False
        With an int size, resize the shorter edge to it and keep the aspect ratio.
    interpolation : int, default 1
        0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos (as OpenCV).

    Example
    -------
    >>> transforms.Resize((4, 3))(mx.nd.zeros((6, 8, 3), dtype='uint8')).shape
    (3, 4, 3)
    """

    def __init__(self, size, keep_ratio=False, interpolation=1):
        super().__init__(prefix="")
        self._size = size
        self._keep = keep_ratio
        self._interpolation = interpolation

    def forward(self, x):
        if not isinstance(x, NDArray):
            raise MXNetError("Resize transforms NDArrays, found %s" % type(x).__name__)
        if x.ndim not in (3, 4):
            raise MXNetError("Resize expects an image of 3 or 4 dimensions, found shape %s"
                             % (x.shape,))
        size = self._size if isinstance(self._size, (int, np.integer)) else _wh(self._size,
                                                                                  "Resize")
        return nd.image.resize(x, size=size, keep_ratio=self._keep, interp=self._interpolation)


class CenterCrop(Block):
    """Crops the center of an (H, W, C) image to `size` (scaled down to fit and resized back
    when the image is smaller, as mx.image.center_crop).

    Parameters
    ----------
    size : int or tuple of (W, H)
    interpolation : int, default 1

    Example
    -------
    >>> transforms.CenterCrop(4)(mx.nd.zeros((6, 8, 3))).shape
    (4, 4, 3)
    """

    def __init__(self, size, interpolation=1):
        super().__init__(prefix="")
        self._args = (_wh(size, "CenterCrop"), interpolation)

    def forward(self, x):
        return _per_image(x, lambda img: _image().center_crop(img, *self._args)[0])


class CropResize(Block):
    """Crops the box (x, y, width, height) of an (H, W, C) image or (N, H, W, C) batch, then
    optionally resizes it to `size`.

    Parameters
    ----------
    x, y : int
        The box's top-left corner.
    width, height : int
    size : int or tuple of (W, H), optional
    interpolation : int, optional
        Bilinear (1) when None.

    Example
    -------
    >>> transforms.CropResize(0, 0, 4, 2)(mx.nd.zeros((6, 8, 3))).shape
    (2, 4, 3)
    """

    def __init__(self, x, y, width, height, size=None, interpolation=None):
        super().__init__(prefix="")
        self._box = (int(x), int(y), int(width), int(height))
        self._size = size
        self._interpolation = 1 if interpolation is None else interpolation

    def forward(self, img):
        x, y, w, h = self._box
        rows, cols = img.shape[-3], img.shape[-2]
        if x < 0 or y < 0 or x + w > cols or y + h > rows or w <= 0 or h <= 0:
            raise MXNetError("CropResize: the box x=%d, y=%d, width=%d, height=%d does not fit "
                             "in an image of width %d and height %d" % (x, y, w, h, cols, rows))
        out = nd.image.crop(img, x=x, y=y, width=w, height=h)
        if self._size:
            out = Resize(self._size, interpolation=self._interpolation)(out)
        return out


class RandomResizedCrop(Block):
    """Crops a random box (area fraction in `scale`, aspect ratio in `ratio`) and resizes it to
    `size` (Inception-style augmentation).

    Parameters
    ----------
    size : int or tuple of (W, H)
    scale : tuple of float, default (0.08, 1.0)
    ratio : tuple of float, default (3/4, 4/3)
    interpolation : int, default 1

    Example
    -------
    >>> transforms.RandomResizedCrop(4)(mx.nd.zeros((16, 16, 3))).shape
    (4, 4, 3)
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=1):
        super().__init__(prefix="")
        self._args = (_wh(size, "RandomResizedCrop"), scale, ratio, interpolation)

    def forward(self, x):
        return _per_image(x, lambda img: _image().random_size_crop(img, *self._args)[0])


class RandomCrop(Block):
    """Pads the image (optionally) and crops a random box of `size` (MXNet 2's RandomCrop).

    Parameters
    ----------
    size : int or tuple of (W, H)
    pad : int or tuple, optional
        Padding on each side: an int, (pad_h, pad_w), or np.pad's per-axis widths.
    pad_value : int, default 0
    interpolation : int, default 1

    Example
    -------
    >>> transforms.RandomCrop(32, pad=4)(mx.nd.zeros((32, 32, 3))).shape
    (32, 32, 3)
    """

    def __init__(self, size, pad=None, pad_value=0, interpolation=1):
        super().__init__(prefix="")
        self._size = _wh(size, "RandomCrop")
        self._pad = pad
        self._pad_value = pad_value
        self._interpolation = interpolation

    def forward(self, x):
        if self._pad:
            pad = self._pad
            if isinstance(pad, (int, np.integer)):
                widths = ((pad, pad), (pad, pad), (0, 0))
            elif len(pad) == 2 and all(isinstance(p, (int, np.integer)) for p in pad):
                widths = ((pad[0], pad[0]), (pad[1], pad[1]), (0, 0))
            else:
                widths = tuple(tuple(p) for p in pad)
            x = _host.apply(x, lambda img: np.pad(img, widths, mode="constant",
                                                  constant_values=self._pad_value),
                            "RandomCrop", ndims=(3,))
        return _image().random_crop(x, self._size, self._interpolation)[0]


class _RandomFlip(Block):
    _axis = None

    def __init__(self):
        super().__init__(prefix="")

    def forward(self, x):
        if np.random.random() < 0.5:
            return x
        return nd.flip(x, axis=x.ndim + self._axis)


class RandomFlipLeftRight(_RandomFlip):
    """Flips an (H, W, C) image (or (N, H, W, C) batch) left to right with probability 0.5.

    Example
    -------
    >>> out = transforms.RandomFlipLeftRight()(mx.nd.zeros((4, 4, 3)))
    """

    _axis = -2


class RandomFlipTopBottom(_RandomFlip):
    """Flips an (H, W, C) image (or (N, H, W, C) batch) top to bottom with probability 0.5.

    Example
    -------
    >>> out = transforms.RandomFlipTopBottom()(mx.nd.zeros((4, 4, 3)))
    """

    _axis = -3


class Rotate(Block):
    """Rotates a float32 (C, H, W) image or (N, C, H, W) batch by `rotation_degrees`
    (counter-clockwise), with zeros outside; `zoom_in` crops to avoid black corners, `zoom_out`
    shrinks to keep the whole image.

    Parameters
    ----------
    rotation_degrees : float
    zoom_in : bool, default False
    zoom_out : bool, default False

    Example
    -------
    >>> transforms.Rotate(90)(mx.nd.ones((3, 4, 4))).shape
    (3, 4, 4)
    """

    def __init__(self, rotation_degrees, zoom_in=False, zoom_out=False):
        super().__init__(prefix="")
        if zoom_in and zoom_out:
            raise MXNetError("Rotate: zoom_in and zoom_out cannot both be True")
        self._args = (rotation_degrees, zoom_in, zoom_out)

    def forward(self, x):
        return _rotate_nd(x, *self._args)


def _rotate_nd(x, degrees, zoom_in, zoom_out):
    if not isinstance(x, NDArray) or x.dtype != np.float32:
        raise MXNetError("Rotate only supports float32 images; consider calling it after "
                         "ToTensor (found %s)" % getattr(x, "dtype", type(x).__name__))
    return _image().imrotate(x, degrees, zoom_in=zoom_in, zoom_out=zoom_out)


class RandomRotation(Block):
    """Rotates a float32 (C, H, W) image by a random angle in `angle_limits` (degrees), with
    probability `rotate_with_proba`.

    Parameters
    ----------
    angle_limits : tuple of float
        (lower, upper).
    zoom_in, zoom_out : bool
    rotate_with_proba : float, default 1.0

    Example
    -------
    >>> out = transforms.RandomRotation((-10, 10))(mx.nd.ones((3, 8, 8)))
    """

    def __init__(self, angle_limits, zoom_in=False, zoom_out=False, rotate_with_proba=1.0):
        super().__init__(prefix="")
        lower, upper = angle_limits
        if lower >= upper:
            raise MXNetError("RandomRotation: angle_limits must be an ordered (lower, upper), "
                             "found %r" % (angle_limits,))
        if not 0 <= rotate_with_proba <= 1:
            raise MXNetError("RandomRotation: rotate_with_proba must be in [0, 1], found %r"
                             % (rotate_with_proba,))
        self._limits = (lower, upper)
        self._zoom = (zoom_in, zoom_out)
        self._p = rotate_with_proba

    def forward(self, x):
        if np.random.random() > self._p:
            return x
        if not isinstance(x, NDArray) or x.dtype != np.float32:
            raise MXNetError("RandomRotation only supports float32 images; consider calling it "
                             "after ToTensor (found %s)" % getattr(x, "dtype", type(x).__name__))
        return _image().random_rotate(x, self._limits, *self._zoom)  # one angle per image
