"""Rotating (C, H, W) float32 images as MXNet's imrotate does (a BilinearSampler grid)."""
import numpy as np

from ..base import MXNetError
from ..ndarray import NDArray
from .. import ndarray as nd

__all__ = ["imrotate", "random_rotate"]


def _rotate(chw, degrees, zoom_in, zoom_out):
    """Rotates a float32 (C, H, W) image about its center, sampling bilinearly with zeros
    outside (MXNet's imrotate, which uses BilinearSampler)."""
    _, h, w = chw.shape
    rad = np.pi * degrees / 180.0
    hs, ws = (h - 1) / 2.0, (w - 1) / 2.0
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    yy -= hs
    xx -= ws
    c, s = np.cos(rad), np.sin(rad)
    x_rot = (xx * c - yy * s) / ws
    y_rot = (xx * s + yy * c) / hs
    if zoom_in or zoom_out:
        rho = np.sqrt(h * h + w * w)
        ang = np.arctan(h / w)
        x1, y1 = abs(rho * np.cos(ang + abs(rad))), abs(rho * np.sin(ang + abs(rad)))
        x2, y2 = abs(rho * np.cos(ang - abs(rad))), abs(rho * np.sin(ang - abs(rad)))
        max_x, max_y = max(x1, x2), max(y1, y2)
        scale = max(max_x / w, max_y / h) if zoom_out else min(w / max_x, h / max_y)
        x_rot, y_rot = x_rot * scale, y_rot * scale
    px = (x_rot + 1) * (w - 1) / 2.0
    py = (y_rot + 1) * (h - 1) / 2.0
    x0, y0 = np.floor(px).astype(np.int64), np.floor(py).astype(np.int64)
    fx, fy = px - x0, py - y0
    out = np.zeros_like(chw, dtype=np.float64)
    for dy, wy in ((0, 1 - fy), (1, fy)):
        for dx, wx in ((0, 1 - fx), (1, fx)):
            yi, xi = y0 + dy, x0 + dx
            inside = (yi >= 0) & (yi < h) & (xi >= 0) & (xi < w)
            vals = chw[:, np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
            out += vals * (wy * wx * inside)
    return out.astype(np.float32)


def imrotate(src, rotation_degrees, zoom_in=False, zoom_out=False):
    """Rotates a float32 (C, H, W) image, or an (N, C, H, W) batch, counter-clockwise by
    `rotation_degrees` (one angle, or one per image), with zeros outside the source.

    Parameters
    ----------
    src : NDArray
    rotation_degrees : float or NDArray
    zoom_in : bool
        Zoom so that no zero corners show.
    zoom_out : bool
        Shrink so that the whole source shows.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.image.imrotate(mx.nd.ones((3, 8, 8)), 45).shape
    (3, 8, 8)
    """
    if zoom_in and zoom_out:
        raise MXNetError("imrotate: zoom_in and zoom_out cannot both be True")
    if not isinstance(src, NDArray) or src.dtype != np.float32:
        raise MXNetError("imrotate only supports float32 images, found %s"
                         % getattr(src, "dtype", type(src).__name__))
    if src.ndim not in (3, 4):
        raise MXNetError("imrotate expects a (C, H, W) image or (N, C, H, W) batch, found shape "
                         "%s" % (src.shape,))
    host = src.asnumpy()
    if src.ndim == 3:
        if not isinstance(rotation_degrees, (int, float, np.number)):
            raise MXNetError("imrotate: one image takes one angle, found %r" % (rotation_degrees,))
        out = _rotate(host, float(rotation_degrees), zoom_in, zoom_out)
    else:
        angles = (rotation_degrees.asnumpy() if isinstance(rotation_degrees, NDArray)
                  else np.broadcast_to(np.asarray(rotation_degrees, dtype=np.float64),
                                       (len(host),)))
        if len(angles) != len(host):
            raise MXNetError("imrotate: %d images but %d angles" % (len(host), len(angles)))
        out = np.stack([_rotate(img, float(a), zoom_in, zoom_out) for img, a in zip(host, angles)])
    return nd.array(out, ctx=src.context, dtype=np.float32)


def random_rotate(src, angle_limits, zoom_in=False, zoom_out=False):
    """Rotates by an angle drawn uniformly from `angle_limits` (one per image of a batch).

    Returns
    -------
    NDArray
    """
    if src.ndim == 3:
        return imrotate(src, np.random.uniform(*angle_limits), zoom_in, zoom_out)
    return imrotate(src, nd.array(np.random.uniform(*angle_limits, size=src.shape[0])), zoom_in,
                    zoom_out)
