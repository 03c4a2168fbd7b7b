"""Image operators (MXNet's `_image_*`, seen as `nd.image.*` and `sym.image.*`).

Images are (H, W, C) arrays, or (N, H, W, C) batches where MXNet 1.9.1 takes them (to_tensor,
normalize, resize, crop); `to_tensor` turns them into (C, H, W) / (N, C, H, W) float32 tensors in
[0, 1], which `normalize` takes. The colour operators work on (H, W, C) images with 1 or 3
channels, in float32 arithmetic; integer results are saturated to the dtype's range and truncated
toward zero, as MXNet's `saturate_cast` does (uint8 images stay uint8).

Where MXNet 1.9.1 is wrong we are correct rather than equal: the flips fill the middle column
(row) of an odd width (height), which MXNet leaves unwritten, and their gradients are flipped
(MXNet passes the head gradient through unflipped); to_tensor's gradient is the transposed one
(MXNet's fails on a shape mismatch); random_saturation blends with the full grey level
0.299 R + 0.587 G + 0.114 B (MXNet's keeps only the blue term); one-channel images pass through
random_hue and the lighting operators unchanged (MXNet leaves their output unwritten); crop
refuses a negative x or y (MXNet reads outside the image). Operators that draw a random factor,
and resize, are not differentiable.
"""
import numpy as np

from ..base import ShapeError
from .params import Bool, Float, FloatTuple, Int, Shape
from .registry import REQUIRED, operator
from .image_resize import resize

_GRAY = (0.299, 0.587, 0.114)
# AlexNet's PCA lighting: eigenvectors (columns) scaled by their eigenvalues.
_EIGVAL = (55.46, 4.794, 1.148)
_EIGVEC = ((-0.5675, 0.7192, 0.4009), (-0.5808, -0.0045, -0.8140), (-0.5836, -0.6948, 0.4203))


# --- shape rules --------------------------------------------------------------------------------

def _check_hwc(name, shape):
    """One (H, W, C) image with 1 or 3 channels, as MXNet's image operators take."""
    if len(shape) != 3:
        raise ShapeError("image.%s expects an (H, W, C) image, found shape %s"
                         % (name, tuple(shape)))
    if shape[2] not in (1, 3):
        raise ShapeError("image.%s expects an image of 1 or 3 channels (the last axis), "
                         "found shape %s" % (name, tuple(shape)))


def _hwc_shape(name):
    """Shape inference of the operators that take one (H, W, C) image with 1 or 3 channels."""
    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        _check_hwc(name, shape)
        return in_shapes, [tuple(shape)]
    return infer_shape


def _check_batch(name, shape):
    if len(shape) not in (3, 4):
        raise ShapeError("image.%s expects an (H, W, C) image or (N, H, W, C) batch, found "
                         "shape %s" % (name, tuple(shape)))


def _saturate(xp, values, dtype):
    """Float results back to `dtype`: integer ones clipped to its range and truncated toward
    zero (MXNet's saturate_cast), float ones cast."""
    dtype = np.dtype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        values = xp.clip(values, info.min, info.max)
    return values.astype(dtype)


def _draw(rng, low, high):
    """One float drawn uniformly from [low, high) with the operator's generator."""
    return float(rng.uniform(low, high, (1,))[0])


# --- to_tensor and normalize ------------------------------------------------------------------

@operator("_image_to_tensor", hint="to_tensor")
class ToTensor:
    """An (H, W, C) image or (N, H, W, C) batch with values in [0, 255] as a float32 (C, H, W)
    or (N, C, H, W) tensor with values in [0, 1]."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        _check_batch("to_tensor", x.shape)
        chw = xp.moveaxis(x, -1, -3).astype(np.float32)
        return xp.ascontiguousarray(chw / np.float32(255.0))

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        _check_batch("to_tensor", shape)
        return in_shapes, [tuple(shape[:-3]) + (shape[-1],) + tuple(shape[-3:-1])]

    def infer_type(attrs, in_types):
        return in_types, [np.float32]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # (C, H, W) -> (H, W, C), the inverse of the forward move, in the data's dtype
        hwc = F.swapaxes(F.swapaxes(out_grads[0], dim1=-1, dim2=-2), dim1=-1, dim2=-3)
        return [F._backward_Cast(hwc / 255.0, inputs[0])]


def _normalize_check(shape, attrs):
    if len(shape) not in (3, 4):
        raise ShapeError("image.normalize expects a (C, H, W) or (N, C, H, W) tensor, found "
                         "shape %s" % (tuple(shape),))
    channels = shape[-3]
    if channels not in (1, 3):
        raise ShapeError("image.normalize expects 1 or 3 channels (axis %d), found shape %s"
                         % (len(shape) - 3, tuple(shape)))
    for key in ("mean", "std"):
        if len(attrs[key]) not in (1, channels):
            raise ShapeError("image.normalize: %s must have 1 or %d values for an input of shape "
                             "%s, found %s" % (key, channels, tuple(shape), attrs[key]))


def _per_channel(xp, values, channels, dtype):
    """One value per channel, shaped (C, 1, 1) to broadcast over (..., C, H, W)."""
    full = np.broadcast_to(np.asarray(values, dtype=np.float64), (channels,))
    return xp.asarray(full.reshape(channels, 1, 1).astype(dtype))


@operator("_image_normalize",
          params={"mean": FloatTuple((0.0, 0.0, 0.0, 0.0), "Sequence of means for each channel."),
                  "std": FloatTuple((1.0, 1.0, 1.0, 1.0),
                                    "Sequence of standard deviations for each channel.")},
          hint="normalize")
class Normalize:
    """(data - mean) / std per channel of a (C, H, W) or (N, C, H, W) tensor; one mean or std
    value applies to every channel."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        _normalize_check(x.shape, attrs)
        channels = x.shape[-3]
        # integer tensors are computed in float32 and truncated back, floats in their own dtype
        work = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
        mean = _per_channel(xp, attrs["mean"], channels, work)
        std = _per_channel(xp, attrs["std"], channels, work)
        return ((x.astype(work, copy=False) - mean) / std).astype(x.dtype, copy=False)

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        _normalize_check(shape, attrs)
        return in_shapes, [tuple(shape)]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # d/dx (x - mean) / std = 1 / std: the head gradient normalized with a zero mean
        return [F._image_normalize(out_grads[0], mean=(0.0,), std=attrs["std"])]


# --- geometry -----------------------------------------------------------------------------------

def _flip_gradient(name):
    def gradient(F, attrs, inputs, outputs, out_grads):
        return [getattr(F, name)(out_grads[0])]
    return gradient


def _flip(axis, name, direction):
    """The class of the flip operator `_image_<name>`: the (H, W, C) image mirrored along
    `axis` (`direction` in words), its gradient the head gradient flipped the same way."""
    def compute(xp, inputs, attrs):
        _check_hwc(name, inputs[0].shape)
        return xp.ascontiguousarray(xp.flip(inputs[0], axis=axis))
    return type(name, (), {"compute": staticmethod(compute),
                           "infer_shape": staticmethod(_hwc_shape(name)),
                           "gradient": staticmethod(_flip_gradient("_image_" + name)),
                           "__doc__": "The (H, W, C) image mirrored %s." % direction})


FlipLeftRight = operator("_image_flip_left_right", hint="flip_left_right")(
    _flip(1, "flip_left_right", "left to right"))
FlipTopBottom = operator("_image_flip_top_bottom", hint="flip_top_bottom")(
    _flip(0, "flip_top_bottom", "top to bottom"))


def _random_flip(axis, name):
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        x = inputs[0]
        _check_hwc(name, x.shape)
        if _draw(rng, 0.0, 1.0) < 0.5:
            return x.copy()
        return xp.ascontiguousarray(xp.flip(x, axis=axis))
    return type(name, (), {"compute": staticmethod(compute),
                           "infer_shape": staticmethod(_hwc_shape(name)),
                           "__doc__": "The (H, W, C) image flipped (axis %d) with probability "
                                      "0.5." % axis})


operator("_image_random_flip_left_right", needs_rng=True, differentiable=False,
         hint="random_flip_left_right")(_random_flip(1, "random_flip_left_right"))
operator("_image_random_flip_top_bottom", needs_rng=True, differentiable=False,
         hint="random_flip_top_bottom")(_random_flip(0, "random_flip_top_bottom"))


def _crop_box(attrs, shape, name="crop"):
    """Checks the crop box against an (H, W, C) / (N, H, W, C) shape."""
    _check_batch(name, shape)
    x, y, width, height = attrs["x"], attrs["y"], attrs["width"], attrs["height"]
    rows, cols = shape[-3], shape[-2]
    if width <= 0 or height <= 0:
        raise ShapeError("image.%s: width and height must be positive, found width=%d, "
                         "height=%d" % (name, width, height))
    if x < 0 or y < 0 or x + width > cols or y + height > rows:
        raise ShapeError("image.%s: the box x=%d, y=%d, width=%d, height=%d does not fit in an "
                         "image of width %d and height %d (shape %s)"
                         % (name, x, y, width, height, cols, rows, tuple(shape)))


_CROP = {"x": Int(doc="Left boundary of the cropping area."),
         "y": Int(doc="Top boundary of the cropping area."),
         "width": Int(doc="Width of the cropping area."),
         "height": Int(doc="Height of the cropping area.")}


def _crop_window(attrs):
    return (Ellipsis, slice(attrs["y"], attrs["y"] + attrs["height"]),
            slice(attrs["x"], attrs["x"] + attrs["width"]), slice(None))


@operator("_image_crop", params=_CROP, hint="crop")
class Crop:
    """The box (x, y, width, height) of an (H, W, C) image or of every image of an (N, H, W, C)
    batch."""
    def compute(xp, inputs, attrs):
        _crop_box(attrs, inputs[0].shape)
        return xp.ascontiguousarray(inputs[0][_crop_window(attrs)])

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        _crop_box(attrs, shape)
        return in_shapes, [tuple(shape[:-3]) + (attrs["height"], attrs["width"], shape[-1])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_image_crop(out_grads[0], inputs[0], **attrs)]


@operator("_backward_image_crop", params=_CROP, inputs=("grad", "data"))
class BackwardCrop:
    """`grad` (the crop's head gradient) placed in its box of zeros shaped as `data`."""
    def compute(xp, inputs, attrs):
        grad, data = inputs
        out = xp.zeros(data.shape, dtype=grad.dtype)
        out[_crop_window(attrs)] = grad
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._image_crop(out_grads[0], **attrs), None]


def _resized_hw(attrs, rows, cols):
    """(height, width) of the resized image, as MXNet's GetHeightAndWidth."""
    size = attrs["size"]
    if len(size) not in (1, 2) or any(s is None or s <= 0 for s in size):
        raise ShapeError("image.resize: size must be (size,) or (width, height) of positive "
                         "ints, found %s" % (size,))
    if len(size) == 2:
        return size[1], size[0]
    if not attrs["keep_ratio"]:
        return size[0], size[0]
    if rows > cols:     # the short edge (width) becomes size
        return int(rows * size[0] / cols), size[0]
    return size[0], int(cols * size[0] / rows)


@operator("_image_resize",
          params={"size": Shape((), "Size of new image: (width, height) or (size,)."),
                  "keep_ratio": Bool(False, "With one size, resize the short edge to it and "
                                            "keep the aspect ratio."),
                  "interp": Int(1, "Interpolation: 0 nearest, 1 bilinear, 2 bicubic, 3 area, "
                                   "4 Lanczos.")},
          differentiable=False, hint="resize")
class Resize:
    """An (H, W, C) image or (N, H, W, C) batch resized as OpenCV's cv::resize does (float16
    images too, which MXNet's OpenCV call refuses)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        _check_batch("resize", x.shape)
        host = x if xp is np else xp.asnumpy(x)
        h, w = _resized_hw(attrs, host.shape[-3], host.shape[-2])
        if host.ndim == 3:
            out = resize(host, w, h, attrs["interp"])
        else:
            out = np.stack([resize(img, w, h, attrs["interp"]) for img in host])
        out = out.reshape(host.shape[:-3] + (h, w, host.shape[-1]))
        return out if xp is np else xp.asarray(out)

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0]
        if shape is None:
            return in_shapes, [None]
        _check_batch("resize", shape)
        h, w = _resized_hw(attrs, shape[-3], shape[-2])
        return in_shapes, [tuple(shape[:-3]) + (h, w, shape[-1])]


# --- colour -------------------------------------------------------------------------------------

def adjust_brightness(xp, x, alpha):
    """x * alpha."""
    return _saturate(xp, x.astype(np.float32) * np.float32(alpha), x.dtype)


def _gray(xp, work):
    """Each pixel's grey level (H, W): 0.299 R + 0.587 G + 0.114 B, or the one channel."""
    if work.shape[-1] == 1:
        return work[..., 0]
    coef = xp.asarray(np.array(_GRAY, dtype=np.float32))
    return (work * coef).sum(axis=-1)


def adjust_contrast(xp, x, alpha):
    """Blends with the image's mean grey level: x * alpha + mean_gray * (1 - alpha)."""
    work = x.astype(np.float32)
    mean = _gray(xp, work).mean(dtype=np.float32)
    return _saturate(xp, work * np.float32(alpha) + (1 - np.float32(alpha)) * mean, x.dtype)


def adjust_saturation(xp, x, alpha):
    """Blends every pixel with its grey level: x * alpha + gray * (1 - alpha)."""
    if x.shape[-1] == 1:
        return x.copy()
    work = x.astype(np.float32)
    gray = _gray(xp, work)[..., None]
    return _saturate(xp, work * np.float32(alpha) + (1 - np.float32(alpha)) * gray, x.dtype)


def adjust_hue(xp, x, alpha):
    """Rotates every pixel's hue by alpha * 360 degrees, keeping its lightness and saturation
    (so its largest and smallest channel values): MXNet's HLS round trip."""
    if x.shape[-1] == 1:
        return x.copy()
    rgb = x.astype(np.float32)
    hi, lo = rgb.max(axis=-1), rgb.min(axis=-1)
    span = hi - lo
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    safe = xp.where(span == 0, np.float32(1), span)
    # hue in sectors of 60 degrees, [0, 6)
    hue = xp.where(hi == r, ((g - b) / safe) % 6,
                   xp.where(hi == g, (b - r) / safe + 2, (r - g) / safe + 4))
    hue = (hue + np.float32(alpha * 6.0)) % 6
    out = xp.empty_like(rgb)
    # each channel of the hexcone: hi less span times how far the hue is from its sector
    for c, offset in enumerate((5, 3, 1)):
        k = (offset + hue) % 6
        out[..., c] = hi - span * xp.clip(xp.minimum(k, 4 - k), 0, 1)
    out = xp.where((span == 0)[..., None], rgb, out)
    return _saturate(xp, out, x.dtype)


def adjust_lighting(xp, x, alpha):
    """Adds AlexNet's PCA noise eigvec @ (alpha * eigval) to every RGB pixel."""
    if x.shape[-1] == 1:
        return x.copy()
    shift = (np.array(_EIGVEC) @ (np.asarray(alpha[:3], dtype=np.float64) * np.array(_EIGVAL)))
    return _saturate(xp, x.astype(np.float32) + xp.asarray(shift.astype(np.float32)), x.dtype)


_FACTORS = {"min_factor": Float(doc="Minimum factor.", low=0.0),
            "max_factor": Float(doc="Maximum factor.", low=0.0)}


def _check_factors(attrs):
    if attrs["min_factor"] > attrs["max_factor"]:
        return ("min_factor (%s) must not exceed max_factor (%s)"
                % (attrs["min_factor"], attrs["max_factor"]))
    return None


def _random_factor(name, adjust, what):
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        _check_hwc(name, inputs[0].shape)
        alpha = _draw(rng, attrs["min_factor"], attrs["max_factor"])
        return adjust(xp, inputs[0], alpha)
    impl = type(name, (), {"compute": staticmethod(compute),
                           "infer_shape": staticmethod(_hwc_shape(name)),
                           "check_attrs": staticmethod(_check_factors),
                           "__doc__": "The (H, W, C) image with its %s scaled by a factor drawn "
                                      "from [min_factor, max_factor]." % what})
    operator("_image_" + name, params=_FACTORS, needs_rng=True, differentiable=False,
             hint=name)(impl)


_random_factor("random_brightness", adjust_brightness, "brightness")
_random_factor("random_contrast", adjust_contrast, "contrast")
_random_factor("random_saturation", adjust_saturation, "saturation")
_random_factor("random_hue", adjust_hue, "hue (alpha * 360 degrees)")


@operator("_image_random_color_jitter",
          params={"brightness": Float(doc="How much to jitter brightness."),
                  "contrast": Float(doc="How much to jitter contrast."),
                  "saturation": Float(doc="How much to jitter saturation."),
                  "hue": Float(doc="How much to jitter hue.")},
          needs_rng=True, differentiable=False, hint="random_color_jitter")
class RandomColorJitter:
    """Brightness, contrast, saturation and hue jitter in a random order; each one with a
    positive amount a scales by 1 + U(-a, a) (hue: rotates by U(-a, a) * 360 degrees)."""
    infer_shape = staticmethod(_hwc_shape("random_color_jitter"))

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        steps = (("brightness", adjust_brightness, 1.0), ("contrast", adjust_contrast, 1.0),
                 ("saturation", adjust_saturation, 1.0), ("hue", adjust_hue, 0.0))
        x = inputs[0]
        _check_hwc("random_color_jitter", x.shape)
        out = x.copy()
        for i in _permutation(rng, len(steps)):
            key, adjust, centre = steps[i]
            amount = attrs[key]
            if amount > 0:
                out = adjust(xp, out, centre + _draw(rng, -amount, amount))
        return out


def _permutation(rng, n):
    return [int(i) for i in rng.permutation(n).tolist()]


@operator("_image_adjust_lighting",
          params={"alpha": FloatTuple(REQUIRED, "The lighting alphas for the R, G, B channels.")},
          hint="adjust_lighting")
class AdjustLighting:
    """The (H, W, C) image plus AlexNet's PCA lighting noise for the given alphas."""
    infer_shape = staticmethod(_hwc_shape("adjust_lighting"))

    def check_attrs(attrs):
        alpha = attrs["alpha"]
        if len(alpha) != 3:
            return "alpha must be 3 values (R, G, B), found %s" % (alpha,)
        return None

    def compute(xp, inputs, attrs):
        _check_hwc("adjust_lighting", inputs[0].shape)
        return adjust_lighting(xp, inputs[0], attrs["alpha"])

    def gradient(F, attrs, inputs, outputs, out_grads):
        # a constant shift (unsaturated for float images): the head gradient passes through
        return [F.identity(out_grads[0])]


@operator("_image_random_lighting",
          params={"alpha_std": Float(0.05, "Level of the lighting noise.")},
          needs_rng=True, differentiable=False, hint="random_lighting")
class RandomLighting:
    """The (H, W, C) image plus AlexNet's PCA lighting noise, its alphas drawn from
    N(0, alpha_std)."""
    infer_shape = staticmethod(_hwc_shape("random_lighting"))

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        _check_hwc("random_lighting", inputs[0].shape)
        alpha = [float(a) for a in rng.normal(0.0, attrs["alpha_std"], (3,)).tolist()]
        return adjust_lighting(xp, inputs[0], alpha)
