"""Colour transforms: random brightness, contrast, saturation, hue and PCA lighting noise on
(H, W, C) RGB images; integer images stay integer (rounded and saturated)."""
import numpy as np

from .....base import MXNetError
from ....block import Block
from . import _host

__all__ = ["RandomBrightness", "RandomContrast", "RandomSaturation", "RandomHue",
           "RandomColorJitter", "RandomLighting", "adjust_brightness", "adjust_contrast",
           "adjust_saturation", "adjust_hue", "adjust_lighting"]

_GRAY = np.array([0.299, 0.587, 0.114])
_EIGVAL = np.array([55.46, 4.794, 1.148])
_EIGVEC = np.array([[-0.5675, 0.7192, 0.4009], [-0.5808, -0.0045, -0.8140],
                    [-0.5836, -0.6948, 0.4203]])


def _rgb(img, name):
    if img.ndim != 3 or img.shape[2] != 3:
        raise MXNetError("%s expects an (H, W, 3) RGB image, found shape %s" % (name, img.shape))


def adjust_brightness(img, alpha):
    """img * alpha."""
    return _host.saturate(img.astype(np.float32) * alpha, img.dtype)


def adjust_contrast(img, alpha):
    """Blends with the image's mean grey level: img * alpha + mean_gray * (1 - alpha)."""
    _rgb(img, "contrast")
    gray = float((img.astype(np.float32) @ _GRAY).mean())
    return _host.saturate(img.astype(np.float32) * alpha + gray * (1 - alpha), img.dtype)


def adjust_saturation(img, alpha):
    """Blends each pixel with its grey level: img * alpha + gray * (1 - alpha)."""
    _rgb(img, "saturation")
    gray = (img.astype(np.float32) @ _GRAY)[:, :, None]
    return _host.saturate(img.astype(np.float32) * alpha + gray * (1 - alpha), img.dtype)


def adjust_hue(img, alpha):
    """Rotates each pixel's hue by (alpha - 1) * 360 degrees, keeping its largest and smallest
    channel values (so lightness and saturation)."""
    _rgb(img, "hue")
    rgb = img.astype(np.float64)
    hi, lo = rgb.max(axis=2), rgb.min(axis=2)
    span = hi - lo
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = np.where(span == 0, 1, span)
    hue = np.where(hi == r, (g - b) / safe % 6, np.where(hi == g, (b - r) / safe + 2,
                                                         (r - g) / safe + 4))
    hue = (hue + (alpha - 1) * 6) % 6
    # back to RGB: each channel is lo + span * clamp(|...|) (the HSV hexcone)
    out = np.empty_like(rgb)
    for c, offset in enumerate((5, 3, 1)):
        k = (offset + hue) % 6
        out[..., c] = hi - span * np.clip(np.minimum(k, 4 - k), 0, 1)
    out = np.where(span[..., None] == 0, rgb, out)
    return _host.saturate(out, img.dtype)


def adjust_lighting(img, alpha):
    """Adds AlexNet's PCA lighting noise eigvec @ (alpha * eigval) to every pixel."""
    _rgb(img, "lighting")
    shift = _EIGVEC @ (np.asarray(alpha) * _EIGVAL)
    return _host.saturate(img.astype(np.float32) + shift, img.dtype)


class _RandomFactor(Block):
    _adjust = None
    _name = None

    def __init__(self, amount):
        super().__init__(prefix="")
        if amount < 0:
            raise MXNetError("%s: the amount must be non-negative, found %r"
                             % (type(self).__name__, amount))
        self._args = (max(0.0, 1 - amount), 1 + amount)

    def forward(self, x):
        alpha = np.random.uniform(*self._args)
        return _host.apply(x, lambda img: type(self)._adjust(img, alpha), type(self).__name__)


class RandomBrightness(_RandomFactor):
    """Multiplies the image by a factor drawn from [max(0, 1 - brightness), 1 + brightness].

    Example
    -------
    >>> out = transforms.RandomBrightness(0.3)(mx.nd.ones((4, 4, 3)))
    """

    _adjust = staticmethod(adjust_brightness)


class RandomContrast(_RandomFactor):
    """Scales the contrast by a factor drawn from [max(0, 1 - contrast), 1 + contrast].

    Example
    -------
    >>> out = transforms.RandomContrast(0.3)(mx.nd.ones((4, 4, 3)))
    """

    _adjust = staticmethod(adjust_contrast)


class RandomSaturation(_RandomFactor):
    """Scales the saturation by a factor drawn from [max(0, 1 - saturation), 1 + saturation].

    Example
    -------
    >>> out = transforms.RandomSaturation(0.3)(mx.nd.ones((4, 4, 3)))
    """

    _adjust = staticmethod(adjust_saturation)


class RandomHue(_RandomFactor):
    """Rotates the hue by (alpha - 1) * 360 degrees, alpha drawn from
    [max(0, 1 - hue), 1 + hue].

    Example
    -------
    >>> out = transforms.RandomHue(0.1)(mx.nd.ones((4, 4, 3)))
    """

    _adjust = staticmethod(adjust_hue)


class RandomColorJitter(Block):
    """Random brightness, contrast, saturation and hue changes, applied in a random order.

    Parameters
    ----------
    brightness, contrast, saturation, hue : float, default 0
        How much each may change (0: not at all).

    Example
    -------
    >>> jitter = transforms.RandomColorJitter(brightness=0.2, contrast=0.2)
    >>> out = jitter(mx.nd.ones((4, 4, 3)))
    """

    def __init__(self, brightness=0, contrast=0, saturation=0, hue=0):
        super().__init__(prefix="")
        self._args = (brightness, contrast, saturation, hue)
        self._steps = [(adjust, (max(0.0, 1 - amount), 1 + amount))
                       for adjust, amount in zip((adjust_brightness, adjust_contrast,
                                                  adjust_saturation, adjust_hue), self._args)
                       if amount > 0]

    def forward(self, x):
        order = np.random.permutation(len(self._steps))
        alphas = [np.random.uniform(*self._steps[i][1]) for i in order]

        def fn(img):
            for i, alpha in zip(order, alphas):
                img = self._steps[i][0](img, alpha)
            return img
        return _host.apply(x, fn, "RandomColorJitter")


class RandomLighting(Block):
    """Adds AlexNet-style PCA lighting noise, its weights drawn from N(0, alpha).

    Parameters
    ----------
    alpha : float
        The standard deviation of the noise weights.

    Example
    -------
    >>> out = transforms.RandomLighting(0.1)(mx.nd.ones((4, 4, 3)))
    """

    def __init__(self, alpha):
        super().__init__(prefix="")
        self._alpha = alpha

    def forward(self, x):
        weights = np.random.normal(0, self._alpha, size=3)
        return _host.apply(x, lambda img: adjust_lighting(img, weights), "RandomLighting")
