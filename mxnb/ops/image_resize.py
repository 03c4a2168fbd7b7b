"""Image resizing as OpenCV's `cv::resize` does it (which MXNet calls), in NumPy.

Each axis is resized on its own: every output pixel is a weighted sum of a few input pixels
along that axis ("taps"). Pixel centres are aligned as OpenCV aligns them, borders replicate,
and uint8 results are rounded and saturated; OpenCV's fixed-point arithmetic can differ from
these float sums by one grey level.
"""
import math

import numpy as np

from ..base import MXNetError

__all__ = ["resize", "interp_method", "INTERP_NAMES"]

INTERP_NAMES = {0: "nearest", 1: "bilinear", 2: "bicubic", 3: "area", 4: "lanczos"}


def interp_method(interp, sizes=()):
    """The interpolation (0-4) for MXNet's `interp` code: 9 chooses from the sizes
    (old_h, old_w, new_h, new_w): bicubic to enlarge, area to shrink, else bilinear; 10 picks
    one at random."""
    if interp == 9:
        if sizes:
            oh, ow, nh, nw = sizes
            if nh > oh and nw > ow:
                return 2
            if nh < oh and nw < ow:
                return 3
            return 1
        return 2
    if interp == 10:
        import random
        return random.randint(0, 4)
    if interp not in INTERP_NAMES:
        raise MXNetError("unknown interpolation method %r: expected 0-4, 9 (auto) or 10 (random)"
                         % (interp,))
    return interp


def _cubic(x, a=-0.75):
    x = np.abs(x)
    return np.where(x <= 1, ((a + 2) * x - (a + 3)) * x * x + 1,
                    np.where(x < 2, ((a * x - 5 * a) * x + 8 * a) * x - 4 * a, 0.0))


def _lanczos(x, a=4):
    x = np.asarray(x, dtype=np.float64)
    out = np.sinc(x) * np.sinc(x / a)
    return np.where(np.abs(x) < a, out, 0.0)


def _taps(n_in, n_out, interp):
    """(indices, weights), each (n_out, taps), for one axis."""
    scale = n_in / n_out
    dst = np.arange(n_out, dtype=np.float64)
    if interp == 0:
        idx = np.minimum(np.floor(dst * scale).astype(np.int64), n_in - 1)
        return idx[:, None], np.ones((n_out, 1))
    if interp == 3 and scale > 1:
        return _area_taps(n_in, n_out, scale)
    if interp == 3:  # enlarging with INTER_AREA: OpenCV's bilinear variant
        sx = np.floor(dst * scale)
        fx = (dst + 1) - (sx + 1) / scale
        fx = np.where(fx <= 0, 0.0, fx - np.floor(fx))
        idx = np.stack([sx, sx + 1], axis=1).astype(np.int64)
        return np.clip(idx, 0, n_in - 1), np.stack([1 - fx, fx], axis=1)
    src = (dst + 0.5) * scale - 0.5
    base = np.floor(src)
    frac = src - base
    if interp == 1:
        low = base < 0
        frac = np.where(low, 0.0, frac)
        base = np.where(low, 0.0, base)
        high = base >= n_in - 1
        frac = np.where(high, 0.0, frac)
        base = np.where(high, n_in - 1, base)
        idx = np.stack([base, base + 1], axis=1).astype(np.int64)
        return np.clip(idx, 0, n_in - 1), np.stack([1 - frac, frac], axis=1)
    if interp == 2:
        offsets = np.arange(-1, 3)
        weights = _cubic(frac[:, None] - offsets[None, :])
    else:
        offsets = np.arange(-3, 5)
        weights = _lanczos(frac[:, None] - offsets[None, :])
        weights /= weights.sum(axis=1, keepdims=True)
    idx = np.clip(base[:, None].astype(np.int64) + offsets[None, :], 0, n_in - 1)
    return idx, weights


def _area_taps(n_in, n_out, scale):
    width = int(math.ceil(scale)) + 1
    idx = np.zeros((n_out, width), dtype=np.int64)
    weights = np.zeros((n_out, width))
    for d in range(n_out):
        lo, hi = d * scale, (d + 1) * scale
        first = int(math.floor(lo))
        for k in range(width):
            s = first + k
            if s >= n_in or s >= hi:
                break
            cover = min(hi, s + 1) - max(lo, s)
            idx[d, k] = s
            weights[d, k] = max(cover, 0.0) / scale
    return idx, weights


def _resize_axis(img, n_out, axis, interp):
    n_in = img.shape[axis]
    if n_in == n_out and interp != 0:
        return img
    idx, weights = _taps(n_in, n_out, interp)
    shape = [1] * img.ndim
    shape[axis] = n_out
    out = None
    for k in range(idx.shape[1]):
        term = np.take(img, idx[:, k], axis=axis) * weights[:, k].reshape(shape)
        out = term if out is None else out + term
    return out


def resize(img, w, h, interp=1):
    """`img` ((H, W) or (H, W, C) NumPy) resized to width `w` and height `h`."""
    if w <= 0 or h <= 0:
        raise MXNetError("imresize: the target size must be positive, found w=%d, h=%d" % (w, h))
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise MXNetError("imresize: cannot resize an empty image of shape %s" % (img.shape,))
    interp = interp_method(interp, (img.shape[0], img.shape[1], h, w))
    dtype = img.dtype
    work = img.astype(np.float32 if dtype != np.float64 else np.float64)
    out = _resize_axis(_resize_axis(work, w, 1, interp), h, 0, interp)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return np.ascontiguousarray(out.astype(dtype))
