"""Encoding and decoding of image files (JPEG, PNG, ...) with Pillow, imported on first use so
that `import mxnb` needs NumPy only. Pixels come out as OpenCV gives them to MXNet: uint8,
(H, W, C), EXIF orientation applied."""
import io

import numpy as np

from ..base import MXNetError

__all__ = ["decode", "encode", "pillow"]

_PIL = None


def pillow():
    """The PIL.Image module, or an MXNetError saying how to install it."""
    global _PIL
    if _PIL is None:
        try:
            from PIL import Image
        except ImportError:
            raise MXNetError("reading and writing images needs Pillow: pip install 'mxnb[image]' "
                             "(or pip install pillow)") from None
        _PIL = Image
    return _PIL


def _describe(buf):
    head = bytes(buf[:8])
    return "%d bytes starting with %r" % (len(buf), head)


def decode(buf, flag=1, bgr=False, source="buffer"):
    """(H, W, 3) RGB (BGR if `bgr`) uint8 for flag 1, (H, W) for flag 0, the image as stored
    (grey, RGB or RGBA) for flag -1; an MXNetError naming `source` when `buf` is not an image."""
    Image = pillow()
    from PIL import ImageOps, UnidentifiedImageError
    data = bytes(buf)
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
        img = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise MXNetError("cannot decode image from %s: expected an encoded image (JPEG, PNG, "
                         "BMP, ...), found %s (%s)" % (source, _describe(data), exc)) from None
    if flag == 0:
        img = img.convert("L")
    elif flag > 0:
        img = img.convert("RGB")
    elif img.mode not in ("L", "RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.mode or "transparency" in img.info else "RGB")
    out = np.asarray(img, dtype=np.uint8)
    if bgr and out.ndim == 3:
        out = np.ascontiguousarray(out[:, :, [2, 1, 0, 3][:out.shape[2]]])
    return out


def encode(img, img_fmt=".jpg", quality=95, bgr=False):
    """The bytes of `img` ((H, W), (H, W, 1) or (H, W, 3) uint8) encoded as JPEG or PNG."""
    Image = pillow()
    img = np.asarray(img)
    if img.dtype != np.uint8:
        raise MXNetError("encoding an image needs uint8 pixels, found %s" % img.dtype)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 3 and bgr:
        img = img[:, :, [2, 1, 0, 3][:img.shape[2]]]
    fmt = img_fmt.lower().lstrip(".")
    out = io.BytesIO()
    pil = Image.fromarray(np.ascontiguousarray(img))
    if fmt in ("jpg", "jpeg"):
        pil.save(out, format="JPEG", quality=int(quality))
    elif fmt == "png":
        pil.save(out, format="PNG", compress_level=min(int(quality), 9))
    else:
        raise MXNetError("cannot encode images as %r: expected '.jpg' or '.png'" % img_fmt)
    return out.getvalue()
