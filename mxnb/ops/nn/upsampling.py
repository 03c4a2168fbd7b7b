"""UpSampling (nearest, or bilinear as a fixed-kernel grouped deconvolution as MXNet defines it)
and _contrib_BilinearResize2D (bilinear resizing as two interpolation-matrix products)."""
import math

from ...base import ShapeError
from ..params import Int, Enum, OptFloat, Bool
from ..registry import operator, get

# --- UpSampling -----------------------------------------------------------------------------------
_UP = {"scale": Int(low=1), "num_filter": Int(0, low=0),
       "sample_type": Enum(("nearest", "bilinear")),
       "multi_input_mode": Enum(("concat", "sum"), "concat"), "num_args": Int(1, low=1),
       "workspace": Int(512)}


def deconv_attrs(attrs):
    """The grouped Deconvolution that bilinear upsampling is (MXNet's definition)."""
    s = attrs["scale"]
    k = 2 * s - s % 2
    return {"kernel": (k, k), "stride": (s, s), "pad": (int(math.ceil((s - 1) / 2.0)),) * 2,
            "num_filter": attrs["num_filter"], "num_group": attrs["num_filter"], "no_bias": True}


def _deconv_full(attrs):
    return get("Deconvolution").parse_attrs(deconv_attrs(attrs))


def _nearest(xp, x, k):
    return x.repeat(k, axis=2).repeat(k, axis=3)


def _up_inputs(attrs):
    if attrs["sample_type"] == "bilinear":
        return ("data", "weight")
    return tuple("arg%d" % i for i in range(attrs["num_args"]))


@operator("UpSampling", params=_UP, variadic="num_args", inputs=_up_inputs, hint="upsampling")
class UpSampling:
    """Upsamples (N, C, H, W) inputs by `scale`. nearest: every input is repeated to the first
    input's size times scale, then the results are concatenated along channels (or summed);
    bilinear: a Deconvolution of data with weight (C, 1, 2s - s%2, 2s - s%2), stride s, one group
    per channel (initialise the weight with init.Bilinear)."""
    # bilinear's weight starts as the bilinear kernel wherever an initializer reads `__init__`
    input_init = {"weight": '["bilinear", {}]'}

    def compute(xp, inputs, attrs):
        if attrs["sample_type"] == "bilinear":
            if len(inputs) != 2:
                raise ShapeError("UpSampling: sample_type 'bilinear' takes two inputs (data, "
                                 "weight), found %d" % len(inputs))
        UpSampling.infer_shape(attrs, [x.shape for x in inputs])
        if attrs["sample_type"] == "bilinear":
            return get("Deconvolution").compute(xp, inputs[:2], _deconv_full(attrs))
        out_h = inputs[0].shape[2] * attrs["scale"]
        parts = [_nearest(xp, x, out_h // x.shape[2]) for x in inputs]
        if len(parts) == 1:
            return parts[0]
        if attrs["multi_input_mode"] == "sum":
            total = parts[0].copy()
            for p in parts[1:]:
                total += p
            return total
        return xp.concatenate(parts, axis=1)

    def infer_shape(attrs, in_shapes):
        s = attrs["scale"]
        data = in_shapes[0]
        if attrs["sample_type"] == "bilinear":
            # one deconvolution group per channel: num_filter is the data's channel count
            if data is not None and (len(data) != 4 or data[1] != attrs["num_filter"]):
                raise ShapeError("UpSampling: bilinear takes (N, C, H, W) data with C = "
                                 "num_filter = %d, found %s" % (attrs["num_filter"], tuple(data)))
            channels = data[1] if data is not None else attrs["num_filter"]
            k = 2 * s - s % 2
            weight = (channels, 1, k, k)
            if len(in_shapes) > 1 and in_shapes[1] is not None and tuple(in_shapes[1]) != weight:
                raise ShapeError("UpSampling: bilinear needs a weight of shape %s, found %s"
                                 % (weight, tuple(in_shapes[1])))
            out = None if data is None else (data[0], data[1], data[2] * s, data[3] * s)
            return [data, weight], [out]
        if any(d is None for d in in_shapes):
            return in_shapes, [None]
        out_h, out_w = data[2] * s, data[3] * s
        for d in in_shapes:
            if len(d) != 4 or out_h % d[2] or out_w % d[3] or out_h // d[2] != out_w // d[3]:
                raise ShapeError("UpSampling: every input must be (N, C, H, W) with a size that "
                                 "divides the output %s evenly, found %s"
                                 % ((out_h, out_w), tuple(d)))
        if attrs["multi_input_mode"] == "sum":
            channels = data[1]
        else:
            channels = sum(d[1] for d in in_shapes)
        return in_shapes, [(data[0], channels, out_h, out_w)]

    def infer_type(attrs, in_types):
        known = next((t for t in in_types if t is not None), None)
        return [known] * len(in_types), [known]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        if attrs["sample_type"] == "bilinear":
            grads = F._backward_Deconvolution(og, inputs[0], inputs[1], **deconv_attrs(attrs))
            return [grads[0], grads[1]]
        if len(inputs) == 1:
            k = attrs["scale"]
            return [F.Pooling(og, kernel=(k, k), stride=(k, k), pool_type="sum")]
        grads = F._backward_UpSampling(og, *inputs, **attrs)
        return [grads[i] for i in range(len(inputs))]


@operator("_backward_UpSampling", params=_UP,
          inputs=lambda attrs: ["ograd"] + ["arg%d" % i for i in range(attrs["num_args"])],
          outputs=lambda attrs: ["grad%d" % i for i in range(attrs["num_args"])])
class BackwardUpSampling:
    """Nearest UpSampling's input gradients: each block of the output's gradient summed back."""
    def compute(xp, inputs, attrs):
        og, datas = inputs[0], inputs[1:]
        grads, start = [], 0
        for x in datas:
            k = og.shape[2] // x.shape[2]
            if attrs["multi_input_mode"] == "sum":
                part = og
            else:
                part = og[:, start:start + x.shape[1]]
                start += x.shape[1]
            n, c, h, w = x.shape
            grads.append(part.reshape(n, c, h, k, w, k).sum(axis=(3, 5)).astype(x.dtype, copy=False))
        return grads

    def infer_shape(attrs, in_shapes):
        return in_shapes, list(in_shapes[1:])

    def infer_type(attrs, in_types):
        return in_types, list(in_types[1:])

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Linear in ograd, and its transpose is nearest UpSampling of the incoming gradients.
        return [F.UpSampling(*out_grads, **attrs)] + [None] * (len(inputs) - 1)


# --- BilinearResize2D -------------------------------------------------------------------------
_MODES = ("size", "odd_scale", "like", "to_even_down", "to_even_up", "to_odd_down", "to_odd_up")
_RESIZE = {"height": Int(1, low=1), "width": Int(1, low=1), "scale_height": OptFloat(low=0.0),
           "scale_width": OptFloat(low=0.0), "mode": Enum(_MODES, "size"), "align_corners": Bool(True)}


def _resized(size, attrs, which):
    mode = attrs["mode"]
    scale = attrs["scale_" + which]
    if mode == "size":
        return int(size * scale) if scale is not None else attrs[which]
    if mode == "odd_scale":
        if scale is None:
            raise ShapeError("_contrib_BilinearResize2D: mode 'odd_scale' needs scale_height and "
                             "scale_width")
        return int(size * scale) if size % 2 == 0 else int((size - 1) * scale) + 1
    if mode == "to_even_down":
        return size - size % 2
    if mode == "to_even_up":
        return size + size % 2
    if mode == "to_odd_down":
        return size if size % 2 else size - 1
    return size if size % 2 else size + 1


def _out_size(attrs, data, like):
    if attrs["mode"] == "like":
        return tuple(like[2:4])
    return _resized(data[2], attrs, "height"), _resized(data[3], attrs, "width")


def _matrix(xp, size_in, size_out, align_corners, dtype):
    """(size_out, size_in) weights of the two source pixels each output pixel mixes."""
    dst = xp.arange(size_out, dtype="float64")
    if align_corners:
        scale = (size_in - 1) / (size_out - 1) if size_out > 1 else 0.0
        src = dst * scale
    else:
        src = xp.maximum((dst + 0.5) * (size_in / size_out) - 0.5, 0.0)
    lo = xp.minimum(xp.floor(src).astype("int64"), size_in - 1)
    hi = xp.minimum(lo + 1, size_in - 1)
    frac = src - lo
    cols = xp.arange(size_in)[None, :]
    weights = (1 - frac)[:, None] * (cols == lo[:, None]) + frac[:, None] * (cols == hi[:, None])
    return weights.astype(dtype)


def _matrices(xp, attrs, data_shape, out_hw, dtype):
    return (_matrix(xp, data_shape[2], out_hw[0], attrs["align_corners"], dtype),
            _matrix(xp, data_shape[3], out_hw[1], attrs["align_corners"], dtype))


def _resize_inputs(attrs):
    return ("data", "like") if attrs["mode"] == "like" else ("data",)


@operator("_contrib_BilinearResize2D", params=_RESIZE, inputs=_resize_inputs,
          aliases=("BilinearResize2D",), hint="bilinearresize2d")
class BilinearResize2D:
    """Resizes (N, C, H, W) data bilinearly to (height, width), to a scaled size, or to the size
    of `like` (mode='like'); align_corners as in MXNet 1.9.1 (default True)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        BilinearResize2D.infer_shape(attrs, [a.shape for a in inputs])
        like = inputs[1].shape if attrs["mode"] == "like" else None
        ah, aw = _matrices(xp, attrs, x.shape, _out_size(attrs, x.shape, like), x.dtype)
        return xp.matmul(xp.matmul(ah, x), aw.T)

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        like = in_shapes[1] if attrs["mode"] == "like" else None
        if data is None or (attrs["mode"] == "like" and like is None):
            return in_shapes, [None]
        if len(data) != 4:
            raise ShapeError("_contrib_BilinearResize2D: needs (N, C, H, W) data, found %s"
                             % (tuple(data),))
        return in_shapes, [tuple(data[:2]) + tuple(_out_size(attrs, data, like))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_BilinearResize2D(out_grads[0], inputs[0], **attrs)
        return [grads] + ([None] if attrs["mode"] == "like" else [])


@operator("_backward_BilinearResize2D", params=_RESIZE, inputs=("ograd", "data"))
class BackwardBilinearResize2D:
    """The transpose of the resize: Ah^T . ograd . Aw (data is read for its shape)."""
    def compute(xp, inputs, attrs):
        og, x = inputs
        ah, aw = _matrices(xp, attrs, x.shape, og.shape[2:], og.dtype)
        return xp.matmul(xp.matmul(ah.T, og), aw)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Linear in ograd: its transpose is the resize itself, to ograd's size.
        resized = F._contrib_BilinearResize2D(out_grads[0], inputs[0], **dict(attrs, mode="like",
                                                                                scale_height=None,
                                                                                scale_width=None))
        return [resized, None]
