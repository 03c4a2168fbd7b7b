"""`mx.image` functions: reading, decoding, resizing and cropping (H, W, C) images held in
NDArrays, with MXNet 1.x's names, arguments and defaults."""
import random

import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from .. import ndarray as nd
from . import codec
from .resize import resize as _resize, interp_method as _get_interp_method

__all__ = ["imread", "imdecode", "imresize", "scale_down", "copyMakeBorder", "resize_short",
           "fixed_crop", "random_crop", "center_crop", "color_normalize", "random_size_crop"]


def _to_nd(arr, like=None, dtype=None):
    ctx = like.context if isinstance(like, NDArray) else None
    return nd.array(arr, ctx=ctx, dtype=arr.dtype if dtype is None else dtype)


def _host(src):
    return src.asnumpy() if isinstance(src, NDArray) else np.asarray(src)


def _decoded(pixels, flag, to_rgb):
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    elif flag != 0 and not to_rgb and pixels.shape[2] >= 3:
        pixels = pixels[:, :, [2, 1, 0, 3][:pixels.shape[2]]]
    return pixels


def imread(filename, *args, **kwargs):
    """Reads an image file into an (H, W, C) uint8 NDArray.

    Parameters
    ----------
    filename : str
        Path to the image file.
    flag : {0, 1}, default 1
        1 for a 3-channel color image, 0 for greyscale (H, W, 1).
    to_rgb : bool, default True
        Channels in RGB order (else BGR, as OpenCV).

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.img.imread("flower.jpg").shape
    (480, 640, 3)
    """
    flag, to_rgb = _flags("imread", args, kwargs)
    try:
        with open(filename, "rb") as f:
            buf = f.read()
    except OSError as exc:
        raise MXNetError("imread: cannot read image file %s: %s" % (filename, exc)) from None
    pixels = codec.decode(buf, flag, source="file %s" % filename)
    return _to_nd(_decoded(pixels, flag, to_rgb))


def _flags(what, args, kwargs):
    names = ("flag", "to_rgb", "out")
    values = dict(zip(names, args))
    for key, value in kwargs.items():
        if key not in names:
            raise MXNetError("%s got an unexpected argument %r" % (what, key))
        values[key] = value
    return int(values.get("flag", 1)), bool(values.get("to_rgb", True))


def imdecode(buf, *args, **kwargs):
    """Decodes an encoded image (JPEG, PNG, ...) into an (H, W, C) uint8 NDArray.

    Parameters
    ----------
    buf : bytes, bytearray, numpy.ndarray or NDArray
        The encoded image.
    flag : {0, 1}, default 1
        1 for a 3-channel color image, 0 for greyscale (H, W, 1).
    to_rgb : bool, default True
        Channels in RGB order (else BGR, as OpenCV).

    Returns
    -------
    NDArray

    Example
    -------
    >>> with open("flower.jpg", "rb") as f:
    ...     img = mx.image.imdecode(f.read())
    >>> img.dtype
    <class 'numpy.uint8'>
    """
    if isinstance(buf, NDArray):
        buf = buf.asnumpy().astype(np.uint8).tobytes()
    elif isinstance(buf, np.ndarray):
        buf = buf.tobytes()
    elif not isinstance(buf, (bytes, bytearray, memoryview)):
        raise MXNetError("imdecode: buf must be bytes, bytearray, numpy.ndarray or NDArray, "
                         "found %s" % type(buf).__name__)
    flag, to_rgb = _flags("imdecode", args, kwargs)
    return _to_nd(_decoded(codec.decode(buf, flag), flag, to_rgb))


def imresize(src, w, h, *args, **kwargs):
    """Resizes an (H, W, C) image to width `w` and height `h` (as OpenCV's resize).

    Parameters
    ----------
    src : NDArray
        The image.
    w, h : int
        The new width and height.
    interp : int, default 1
        0 nearest, 1 bilinear, 2 bicubic, 3 area, 4 Lanczos, 9 auto, 10 random.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.image.imresize(mx.nd.zeros((4, 6, 3), dtype='uint8'), 3, 2).shape
    (2, 3, 3)
    """
    interp = args[0] if args else kwargs.pop("interp", 1)
    kwargs.pop("out", None)
    if kwargs:
        raise MXNetError("imresize got unexpected arguments %s" % sorted(kwargs))
    return _to_nd(_resize(_host(src), int(w), int(h), interp), like=src)


def scale_down(src_size, size):
    """Shrinks a crop size (w, h) to fit in the image size (w, h), keeping its aspect ratio.

    Example
    -------
    >>> mx.image.scale_down((640, 480), (720, 120))
    (640, 106)
    """
    w, h = size
    sw, sh = src_size
    if sh < h:
        w, h = float(w * sh) / h, sh
    if sw < w:
        w, h = sw, float(h * sw) / w
    return int(w), int(h)


_BORDER_MODES = {0: "constant", 1: "symmetric", 2: "reflect", 3: "edge", 4: "wrap"}


def copyMakeBorder(src, top, bot, left, right, *args, **kwargs):
    """Pads an (H, W, C) image's borders as OpenCV's copyMakeBorder.

    Parameters
    ----------
    src : NDArray
    top, bot, left, right : int
        The margins.
    type : int, default 0
        0 constant, 1 reflect (fedcba|abcd), 2 reflect-101 (edcb|abcd), 3 replicate, 4 wrap.
    value : float, default 0
        The constant fill value.
    values : tuple of float
        One fill value per channel.

    Returns
    -------
    NDArray
    """
    names = ("type", "value", "values", "out")
    opts = dict(zip(names, args))
    opts.update(kwargs)
    mode = int(opts.get("type", 0))
    if mode not in _BORDER_MODES:
        raise MXNetError("copyMakeBorder: type must be 0-4, found %r" % (mode,))
    img = _host(src)
    pad = [(top, bot), (left, right)] + [(0, 0)] * (img.ndim - 2)
    if mode == 0:
        values = opts.get("values") or ()
        out = np.pad(img, pad, mode="constant", constant_values=opts.get("value", 0))
        if values:
            fill = np.broadcast_to(np.asarray(values, dtype=img.dtype), (img.shape[2],))
            mask = np.ones(out.shape[:2], dtype=bool)
            mask[top:top + img.shape[0], left:left + img.shape[1]] = False
            out[mask] = fill
    else:
        out = np.pad(img, pad, mode=_BORDER_MODES[mode])
    return _to_nd(out, like=src)


def resize_short(src, size, interp=2):
    """Resizes so that the shorter edge is `size`, keeping the aspect ratio.

    Parameters
    ----------
    src : NDArray
        (H, W, C) image.
    size : int
        The new length of the shorter edge.
    interp : int, default 2
        See `imresize`.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.image.resize_short(mx.nd.zeros((20, 40, 3)), 10).shape
    (10, 20, 3)
    """
    h, w, _ = src.shape
    if h > w:
        new_h, new_w = size * h // w, size
    else:
        new_h, new_w = size, size * w // h
    return imresize(src, new_w, new_h, interp=_get_interp_method(interp, (h, w, new_h, new_w)))


def fixed_crop(src, x0, y0, w, h, size=None, interp=2):
    """Crops the box (x0, y0, w, h) and optionally resizes it to `size` (w, h).

    Returns
    -------
    NDArray
    """
    out = src[y0:y0 + h, x0:x0 + w]
    if size is not None and (w, h) != tuple(size):
        sizes = (h, w, size[1], size[0])
        out = imresize(out, *size, interp=_get_interp_method(interp, sizes))
    return out


def random_crop(src, size, interp=2):
    """Crops a random box of `size` (w, h) (scaled down to fit, then resized to `size`).

    Returns
    -------
    NDArray
        The crop.
    tuple
        (x0, y0, w, h) of the box in `src`.
    """
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = random.randint(0, w - new_w)
    y0 = random.randint(0, h - new_h)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def center_crop(src, size, interp=2):
    """Crops the central box of `size` (w, h) (scaled down to fit, then resized to `size`).

    Returns
    -------
    NDArray
        The crop.
    tuple
        (x0, y0, w, h) of the box in `src`.

    Example
    -------
    >>> out, box = mx.image.center_crop(mx.nd.zeros((10, 20, 3)), (4, 4))
    >>> box
    (8, 3, 4, 4)
    """
    h, w, _ = src.shape
    new_w, new_h = scale_down((w, h), size)
    x0 = int((w - new_w) / 2)
    y0 = int((h - new_h) / 2)
    return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)


def color_normalize(src, mean, std=None):
    """(src - mean) / std, in place when `src` is an NDArray (as MXNet).

    Returns
    -------
    NDArray
    """
    if mean is not None:
        src -= mean
    if std is not None:
        src /= std
    return src


def random_size_crop(src, size, area, ratio, interp=2, **kwargs):
    """Crops a box of random area (fraction `area`, a number or a (min, max) range, of the
    image) and aspect ratio (in `ratio`), resized to `size`; falls back to a center crop after
    10 tries.

    Returns
    -------
    NDArray
        The crop.
    tuple
        (x0, y0, w, h) of the box in `src`.
    """
    h, w, _ = src.shape
    if "min_area" in kwargs:
        area = kwargs.pop("min_area")
    if kwargs:
        raise MXNetError("random_size_crop got unexpected arguments %s" % sorted(kwargs))
    if isinstance(area, (int, float)):
        area = (area, 1.0)
    for _ in range(10):
        target_area = random.uniform(area[0], area[1]) * h * w
        new_ratio = np.exp(random.uniform(np.log(ratio[0]), np.log(ratio[1])))
        new_w = int(round(np.sqrt(target_area * new_ratio)))
        new_h = int(round(np.sqrt(target_area / new_ratio)))
        if new_w <= w and new_h <= h:
            x0 = random.randint(0, w - new_w)
            y0 = random.randint(0, h - new_h)
            return fixed_crop(src, x0, y0, new_w, new_h, size, interp), (x0, y0, new_w, new_h)
    return center_crop(src, size, interp)
