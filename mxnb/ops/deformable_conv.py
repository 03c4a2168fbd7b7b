"""Deformable convolutions of MXNet's contrib (DCN v1 and the modulated DCN v2), 2-D NCHW:
each kernel tap samples the input bilinearly at its regular position plus a learned offset
(times a learned mask for the modulated version), then the samples are convolved.

    offset: (N, 2 * K * deformable_groups, OH, OW), per group and tap (dy, dx)
    mask:   (N, K * deformable_groups, OH, OW)                  (modulated only)

Samples outside the map read zeros, as MXNet's deformable_im2col does.
"""
import numpy as np

from ..base import ShapeError
from .params import Bool, Enum, Int, Shape, inserted
from .registry import operator

_DCN = {"kernel": Shape(doc="Convolution kernel size: (h, w)", low=1),
        "stride": Shape((), doc="Convolution stride: (h, w). Defaults to 1 for each dimension.",
                        low=1),
        "dilate": Shape((), doc="Convolution dilate: (h, w). Defaults to 1 for each "
                                "dimension.", low=1),
        "pad": Shape((), doc="Zero pad for convolution: (h, w). Defaults to no padding.", low=0),
        "num_filter": Int(doc="Convolution filter(channel) number", low=1),
        "num_group": Int(1, doc="Number of group partitions.", low=1),
        "num_deformable_group": Int(1, doc="Number of deformable group partitions.", low=1),
        "workspace": Int(1024, doc="Maximum temporary workspace allowed (MB); unused.", low=0),
        "no_bias": Bool(False, doc="Whether to disable bias parameter."),
        "layout": Enum((None, "NCDHW", "NCHW", "NCW"), None, doc="Set layout for input, output "
                                                                 "and weight; NCHW only.")}
_MDCN = inserted(_DCN, "im2col_step", Int(64, doc="Maximum number of images per im2col "
                                                  "computation; unused.", low=0), before="layout")


def _params(attrs):
    kh, kw = attrs["kernel"]
    sh, sw = tuple(attrs["stride"]) or (1, 1)
    dh, dw = tuple(attrs["dilate"]) or (1, 1)
    ph, pw = tuple(attrs["pad"]) or (0, 0)
    return kh, kw, sh, sw, dh, dw, ph, pw


def _out_size(attrs, h, w):
    kh, kw, sh, sw, dh, dw, ph, pw = _params(attrs)
    return ((h + 2 * ph - (dh * (kh - 1) + 1)) // sh + 1,
            (w + 2 * pw - (dw * (kw - 1) + 1)) // sw + 1)


def _sample_plan(xp, offset, attrs, h, w, clamp):
    """Corner indices (N, G, K, L, 4), corner weights (same), and for the offset gradient the
    d(weight)/dy and d(weight)/dx of each corner; G deformable groups, K taps, L positions.

    clamp=True is DCN v1's sampling in MXNet: a sample counts when it lies in [0, h) x [0, w),
    and one in the last row (column) reads that row only. clamp=False is DCN v2's: samples in
    (-1, h) x (-1, w), corners outside the map read zeros."""
    kh, kw, sh, sw, dh, dw, ph, pw = _params(attrs)
    n = offset.shape[0]
    oh, ow = offset.shape[2:]
    g = attrs["num_deformable_group"]
    k = kh * kw
    off = offset.reshape(n, g, k, 2, oh, ow)
    base_y = (xp.arange(oh) * sh - ph)[:, None] + (xp.arange(kh) * dh).repeat(kw)[:, None, None]
    base_x = (xp.arange(ow) * sw - pw)[None, :] + xp.tile(xp.arange(kw) * dw, kh)[:, None, None]
    y = base_y[None, None] + off[:, :, :, 0]                     # (N, G, K, OH, OW)
    x = base_x[None, None] + off[:, :, :, 1]
    if clamp:
        inside = (y >= 0) & (x >= 0) & (y < h) & (x < w)
        y = xp.where(xp.floor(y) >= h - 1, h - 1, y)
        x = xp.where(xp.floor(x) >= w - 1, w - 1, x)
    else:
        inside = (y > -1) & (x > -1) & (y < h) & (x < w)
    y0, x0 = xp.floor(y), xp.floor(x)
    ly, lx = y - y0, x - x0
    hy, hx = 1 - ly, 1 - lx
    y0, x0 = y0.astype(np.int64), x0.astype(np.int64)
    y1, x1 = xp.minimum(y0 + 1, h - 1), xp.minimum(x0 + 1, w - 1)
    if clamp:   # in the last row (column) the sample does not move with the offset
        fixed_y, fixed_x = y0 >= h - 1, x0 >= w - 1
    if not clamp:
        y1, x1 = y0 + 1, x0 + 1
    corners = [(y0, x0, hy * hx, -hx, -hy), (y0, x1, hy * lx, -lx, hy),
               (y1, x0, ly * hx, hx, -ly), (y1, x1, ly * lx, lx, ly)]
    if clamp:
        corners = [(cy, cx, wt, xp.where(fixed_y, 0, d_y), xp.where(fixed_x, 0, d_x))
                   for cy, cx, wt, d_y, d_x in corners]
    index, weight, dwy, dwx = [], [], [], []
    for cy, cx, wt, d_y, d_x in corners:
        ok = inside & (cy >= 0) & (cy <= h - 1) & (cx >= 0) & (cx <= w - 1)
        index.append(xp.where(ok, cy * w + cx, 0))
        weight.append(xp.where(ok, wt, 0))
        dwy.append(xp.where(ok, d_y, 0))
        dwx.append(xp.where(ok, d_x, 0))
    shape = (n, g, k, oh * ow, 4)
    stack = lambda parts: xp.stack(parts, axis=-1).reshape(shape)
    return stack(index), stack(weight), stack(dwy), stack(dwx)


def _gather(xp, data, index):
    """data (N, C, H*W) sampled at index (N, G, K, L, 4) for the channels of each deformable
    group: (N, C, K, L, 4)."""
    n, c, _ = data.shape
    g = index.shape[1]
    cg = c // g
    out = []
    for gi in range(g):
        part = data[:, gi * cg:(gi + 1) * cg]                      # (N, cg, HW)
        idx = index[:, gi].reshape(n, 1, -1)                       # (N, 1, K*L*4)
        vals = xp.take_along_axis(part, xp.broadcast_to(idx, (n, cg, idx.shape[-1])), axis=2)
        out.append(vals.reshape((n, cg) + index.shape[2:]))
    return xp.concatenate(out, axis=1)


def _group_rows(arr, g, c):
    """Per-channel view of a per-deformable-group array (N, G, ...) -> (N, C, ...)."""
    return arr.repeat(c // g, axis=1)


def _columns(xp, data, offset, mask, attrs):
    n, c, h, w = data.shape
    index, weight, _, _ = _sample_plan(xp, offset, attrs, h, w, clamp=mask is None)
    values = _gather(xp, data.reshape(n, c, h * w), index)        # (N, C, K, L, 4)
    g = attrs["num_deformable_group"]
    cols = (values * _group_rows(weight, g, c)).sum(axis=-1)      # (N, C, K, L)
    if mask is not None:
        m = mask.reshape(n, g, -1, cols.shape[-1])
        cols = cols * _group_rows(m, g, c)
    return cols


def _forward(xp, inputs, attrs, modulated):
    data, offset = inputs[0], inputs[1]
    mask = inputs[2] if modulated else None
    weight = inputs[3] if modulated else inputs[2]
    bias = None if attrs["no_bias"] else inputs[-1]
    n, c = data.shape[:2]
    oh, ow = offset.shape[2:]
    cols = _columns(xp, data, offset, mask, attrs)                # (N, C, K, L)
    groups = attrs["num_group"]
    o = weight.shape[0]
    wg = weight.reshape(groups, o // groups, -1)                  # (G, O/G, C/G*K)
    cg = cols.reshape(n, groups, -1, oh * ow)                     # (N, G, C/G*K, L)
    out = xp.einsum("goq,ngql->ngol", wg, cg).reshape(n, o, oh, ow)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    return out.astype(data.dtype)


def _backward(xp, inputs, attrs, modulated):
    og = inputs[0]
    data, offset = inputs[1], inputs[2]
    mask = inputs[3] if modulated else None
    weight = inputs[4] if modulated else inputs[3]
    n, c, h, w = data.shape
    oh, ow = offset.shape[2:]
    l = oh * ow
    groups, dg = attrs["num_group"], attrs["num_deformable_group"]
    o = weight.shape[0]
    k = attrs["kernel"][0] * attrs["kernel"][1]
    index, wts, dwy, dwx = _sample_plan(xp, offset, attrs, h, w, clamp=not modulated)
    values = _gather(xp, data.reshape(n, c, h * w), index)        # (N, C, K, L, 4)
    raw = (values * _group_rows(wts, dg, c)).sum(axis=-1)        # (N, C, K, L) before mask
    m = None if mask is None else _group_rows(mask.reshape(n, dg, k, l), dg, c)
    cols = raw if m is None else raw * m
    ogg = og.reshape(n, groups, o // groups, l)
    wg = weight.reshape(groups, o // groups, -1)
    colg = cols.reshape(n, groups, -1, l)
    grad_w = xp.einsum("ngol,ngql->goq", ogg, colg).reshape(weight.shape)
    dcols = xp.einsum("goq,ngol->ngql", wg, ogg).reshape(n, c, k, l)
    dsample = dcols if m is None else dcols * m                   # d loss / d sampled value
    # data: each corner gets its bilinear share
    grad_data = xp.zeros((n, c, h * w), dtype=og.dtype)
    contrib = dsample[..., None] * _group_rows(wts, dg, c)       # (N, C, K, L, 4)
    full_index = _group_rows(index, dg, c)
    rows = xp.broadcast_to(xp.arange(n * c).reshape(n, c, 1, 1, 1), full_index.shape)
    xp.add.at(grad_data.reshape(n * c, h * w), (rows.reshape(-1), full_index.reshape(-1)),
              contrib.reshape(-1))
    # offsets: d value / d y and d value / d x, summed over each group's channels
    dy = (values * _group_rows(dwy, dg, c)).sum(axis=-1) * dsample
    dx = (values * _group_rows(dwx, dg, c)).sum(axis=-1) * dsample
    dy = dy.reshape(n, dg, c // dg, k, l).sum(axis=2)
    dx = dx.reshape(n, dg, c // dg, k, l).sum(axis=2)
    grad_offset = xp.stack([dy, dx], axis=3).reshape(offset.shape)
    grads = [grad_data.reshape(data.shape), grad_offset]
    if modulated:
        gm = (dcols * raw).reshape(n, dg, c // dg, k, l).sum(axis=2)
        grads.append(gm.reshape(mask.shape))
    grads.append(grad_w)
    if not attrs["no_bias"]:
        grads.append(og.sum(axis=(0, 2, 3)))
    return [g.astype(og.dtype) for g in grads]


def _input_names(modulated):
    def names(attrs):
        base = ["data", "offset"] + (["mask"] if modulated else []) + ["weight"]
        return base if attrs["no_bias"] else base + ["bias"]
    return names


def _infer_shape(modulated):
    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None]
        if len(data) != 4:
            raise ShapeError("DeformableConvolution: only 2-D (N, C, H, W) data is supported, "
                             "found %s" % (tuple(data),))
        if len(attrs["kernel"]) != 2:
            raise ShapeError("DeformableConvolution: expected a 2-D kernel, found %s"
                             % (attrs["kernel"],))
        n, c, h, w = data
        groups, dg = attrs["num_group"], attrs["num_deformable_group"]
        if c % groups or c % dg or attrs["num_filter"] % groups:
            raise ShapeError("DeformableConvolution: %d channels and %d filters must divide "
                             "into num_group %d and num_deformable_group %d"
                             % (c, attrs["num_filter"], groups, dg))
        oh, ow = _out_size(attrs, h, w)
        k = attrs["kernel"][0] * attrs["kernel"][1]
        shapes = [tuple(data), (n, 2 * k * dg, oh, ow)]
        if modulated:
            shapes.append((n, k * dg, oh, ow))
        shapes.append((attrs["num_filter"], c // groups) + tuple(attrs["kernel"]))
        if not attrs["no_bias"]:
            shapes.append((attrs["num_filter"],))
        for given, want in zip(in_shapes, shapes):
            # a 0 in a given shape is unknown (a deferred Gluon weight), as in MXNet
            if given is not None and (len(given) != len(want) or
                                      any(g and g != w for g, w in zip(given, want))):
                raise ShapeError("DeformableConvolution: expected an input of shape %s, found %s"
                                 % (want, tuple(given)))
        return shapes, [(n, attrs["num_filter"], oh, ow)]
    return infer_shape


def _make(name, modulated, params):
    infer_shape = _infer_shape(modulated)

    class DeformableConv:
        def compute(xp, inputs, attrs):
            infer_shape(attrs, [x.shape for x in inputs])     # offsets, weight and bias shapes
            return _forward(xp, inputs, attrs, modulated)

        def gradient(F, attrs, inputs, outputs, out_grads):
            count = len(inputs)
            grads = getattr(F, "_backward" + name)(out_grads[0], *inputs, num_args=count + 1,
                                                   **attrs)
            return [grads[i] for i in range(count)]

    class BackwardDeformableConv:
        def compute(xp, inputs, attrs):
            return _backward(xp, inputs, attrs, modulated)

        def infer_shape(attrs, in_shapes):
            return in_shapes, list(in_shapes[1:])

        def infer_type(attrs, in_types):
            return in_types, list(in_types[1:])

    kind = "modulated deformable (DCN v2: offsets and masks)" if modulated else "deformable"
    DeformableConv.infer_shape = staticmethod(infer_shape)
    DeformableConv.__doc__ = ("Compute 2-D %s convolution on 4-D input: each kernel tap samples "
                              "the data bilinearly at its position plus its learned offset%s."
                              % (kind, ", scaled by its mask" if modulated else ""))
    BackwardDeformableConv.__doc__ = "The gradients of %s, for every input." % name.lstrip("_")
    operator(name, params=params, inputs=_input_names(modulated),
             hint=name.replace("_contrib_", "").lower())(DeformableConv)
    back = dict(params, num_args=Int(low=2))
    operator("_backward" + name, params=back, variadic="num_args",
             outputs=lambda attrs: ["grad%d" % i for i in range(attrs["num_args"] - 1)])(
                 BackwardDeformableConv)


_make("_contrib_DeformableConvolution", False, _DCN)
_make("_contrib_ModulatedDeformableConvolution", True, _MDCN)
