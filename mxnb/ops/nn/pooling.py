"""Pooling (max, avg, sum, lp; valid, full or same convention; global) over strided window
views, and its backward kernel (max routes each gradient to the first maximum of its window, as
MXNet; lp pooling with p_value 1, 2 or 3 gives (sum x^p)^(1/p), sign kept for odd p).

On the CPU with numba (mxnb.compiled), float32 max, average and sum pooling of 1-D and 2-D
windows take the compiled loops of _pool_compiled.py where they win by measurement; they give
the same bits as the NumPy forms here, which remain the reference."""
from ...base import MXNetError, ShapeError, parse_bool, parse_optional
from ..params import Shape, Bool, Enum, OptInt
from ..registry import operator, Param
from ._layout import channels_first
from . import _pool_pairs, _pool_global, _pool_compiled
from ._windows import spatial_tuple, out_size, pad_spatial, window_view, crop, kernel_positions, \
    position_slices, check_window_attrs, check_fits

_PARAMS = {
    "kernel": Shape((), low=1), "pool_type": Enum(("avg", "max", "sum", "lp"), "max"),
    "global_pool": Bool(False), "cudnn_off": Bool(False),
    "pooling_convention": Enum(("full", "valid", "same"), "valid"), "stride": Shape((), low=1),
    "pad": Shape((), low=0), "p_value": OptInt(low=1, high=3), "count_include_pad": Param(parse_optional(parse_bool), None),
    "layout": Enum((None, "NCW", "NCHW", "NCDHW", "NWC", "NHWC", "NDHWC"), None),
}


def _check_attrs(attrs):
    """stride and pad at least as long as the kernel (MXNet ignores further entries: a 1-D
    'same' pooling is commonly given pad=(0, 0, 0)); every pad smaller than its kernel dim (a
    window of padding only would pool nothing); lp needs its p; 'same' computes its own
    padding."""
    if attrs["pool_type"] == "lp" and attrs["p_value"] is None:
        return "pool_type 'lp' needs p_value (1, 2 or 3)"
    if attrs["global_pool"]:
        return None
    if attrs["pooling_convention"] == "same" and any(attrs["pad"]):
        return "pooling_convention 'same' computes its own padding; pad must be 0, found %s" % (
            tuple(attrs["pad"]),)
    problem = check_window_attrs(attrs, ("stride", "pad"), extra_ignored=True)
    if problem:
        return problem
    kernel, pad = attrs["kernel"], attrs["pad"]
    if pad and any(p >= k for p, k in zip(pad, kernel)):
        return "argument 'pad' %s must be smaller than kernel %s in every dim" % (tuple(pad), tuple(kernel))
    return None


def _geometry(attrs, spatial):
    """(kernel, stride, pad, out) for data with these spatial sizes (pad: before each dim)."""
    nd = len(spatial)
    if attrs["global_pool"]:
        return tuple(spatial), (1,) * nd, (0,) * nd, (1,) * nd
    kernel = tuple(attrs["kernel"])
    if len(kernel) != nd:
        raise ShapeError("Pooling: kernel %s needs %d-D data, found %d spatial dims (%s)"
                         % (kernel, len(kernel) + 2, nd, "set global_pool=True to pool everything"
                            if not kernel else "data (N, C, *spatial)"))
    stride = spatial_tuple(attrs["stride"], nd, 1, "Pooling", "stride", extra_ignored=True)
    pad = spatial_tuple(attrs["pad"], nd, 0, "Pooling", "pad", extra_ignored=True)
    if attrs["pooling_convention"] == "same":
        # As TensorFlow's SAME: ceil(size / stride) windows, padding split with the odd one after.
        out = tuple(-(-s // st) for s, st in zip(spatial, stride))
        pad = tuple(max((o - 1) * st + k - s, 0) // 2
                    for s, k, st, o in zip(spatial, kernel, stride, out))
        return kernel, stride, pad, out
    full = attrs["pooling_convention"] == "full"
    out = tuple(out_size(s, k, st, 1, p, ceil=full) for s, k, st, p in zip(spatial, kernel, stride, pad))
    check_fits("Pooling", spatial, kernel, (1,) * nd, pad, out)
    return kernel, stride, pad, out


# (geometry, padding after, output shape of the 2x2 max kernels or None) by (attributes, data
# shape): a layer called again with the same shape skips working them out (most of a small
# pooling's time).
_PLANS = {}


def _plan(attrs, shape):
    try:
        key = (attrs["kernel"], attrs["stride"], attrs["pad"], attrs["global_pool"],
               attrs["pooling_convention"], attrs["pool_type"], shape)
        return _PLANS[key]
    except KeyError:
        pass
    except TypeError:       # an unhashable attribute value: no caching
        key = None
    if not 3 <= len(shape) <= 5:
        Pooling.infer_shape(attrs, [shape])        # says what is wrong
    kernel, stride, pad, out = _geometry(attrs, shape[2:])
    # The full convention's last windows may reach past the padded input: pad further.
    after = tuple(max(p, (o - 1) * s + k - sz - p)
                  for sz, k, s, p, o in zip(shape[2:], kernel, stride, pad, out))
    geometry = (kernel, stride, pad, out)
    pairs = _pool_pairs.applies(attrs["pool_type"], geometry, after, len(shape))
    plan = geometry, after, tuple(shape[:2]) + out if pairs else None
    if key is not None:
        if len(_PLANS) > 1024:
            _PLANS.clear()
        _PLANS[key] = plan
    return plan


def _windows(xp, padded, geometry):
    """(N, C, *out, *kernel): every window of the padded data, no copy."""
    kernel, stride, _, out = geometry
    return window_view(xp, padded, kernel, out, stride, (1,) * len(kernel), kernel_last=True)


# Up to this many kernel positions, max pooling's backward finds each window's first maximum one
# position at a time (a few elementwise passes each); larger windows take an argmax instead.
_MAX_POSITIONS = 16


def _by_positions(attrs, geometry):
    kernel = geometry[0]
    count = 1
    for k in kernel:
        count *= k
    return not attrs["global_pool"] and count <= _MAX_POSITIONS


def _combine_positions(xp, padded, geometry, combine):
    """combine(...) of every window's elements, one spatial axis at a time: a box's maximum or
    sum is the maximum or sum along each axis in turn. The first axes are reduced while the
    last is still whole, so those passes run over contiguous rows, and each later pass works on
    a smaller array. (2x2 max pooling without padding has kernels of its own: _pool_pairs.py.)"""
    kernel, stride, _, out = geometry
    nd = len(kernel)
    total = padded
    for axis in range(nd):
        k, s, o = kernel[axis], stride[axis], out[axis]
        lead = (slice(None),) * (2 + axis)

        def part(j):
            return total[lead + (slice(j, j + s * (o - 1) + 1, s),)]
        if k == 1:
            total = part(0)             # a view: copied at the end if nothing else copies
            continue
        reduced = combine(part(0), part(1))
        for j in range(2, k):
            combine(reduced, part(j), out=reduced)
        total = reduced
    return total if total.base is None else total.copy()


def _compiles(xp, attrs, data):
    """Whether the compiled kernels (_pool_compiled.py) take this max, avg or sum pooling of 1-D
    or 2-D windows; global max pooling and 3-D windows keep the NumPy form."""
    return (not attrs["global_pool"] and attrs["pool_type"] != "lp" and data.ndim <= 4
            and _pool_compiled.applies(xp, data.dtype))


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _window_counts(xp, attrs, spatial, geometry, dtype):
    """How many elements each average-pooling window divides by, broadcastable to the output."""
    kernel, stride, pad, out = geometry
    include_pad = attrs["count_include_pad"] is not False and attrs["pooling_convention"] != "same"
    counts = None
    for axis, (size, k, s, p, o) in enumerate(zip(spatial, kernel, stride, pad, out)):
        start = xp.arange(o) * s - p
        lo, hi = (-p, size + p) if include_pad else (0, size)
        count = xp.minimum(start + k, hi) - xp.maximum(start, lo)
        shape = [1] * len(spatial)
        shape[axis] = o
        count = count.reshape(shape)
        counts = count if counts is None else counts * count
    return counts.astype(dtype)


def _root(xp, total, p):
    if p == 1:
        return total
    if p == 2:
        return xp.sqrt(total)
    return xp.cbrt(total)


def _lp_pool(xp, data, attrs):
    """(sum over the window of x^p)^(1/p); MXNet raises x to p without an absolute value."""
    p = attrs["p_value"]
    powered = data ** p if p != 1 else data
    summed = Pooling.compute(xp, [powered], dict(attrs, pool_type="sum"))
    return _root(xp, summed, p).astype(data.dtype, copy=False)


@operator("Pooling", params=_PARAMS, hint="pooling")
class Pooling:
    """Max, average, sum or lp over windows of the spatial dims of (N, C, *spatial) data."""
    check_attrs = _check_attrs

    def compute(xp, inputs, attrs):
        data = inputs[0]
        if not data.size:           # nothing to pool (an empty padded dim would still make windows)
            return xp.zeros(Pooling.infer_shape(attrs, [data.shape])[1][0], data.dtype)
        geometry, after, pairs = _plan(attrs, data.shape)
        if pairs is not None:
            if _pool_compiled.applies(xp, data.dtype) and _pool_compiled.takes_pairs_forward(data):
                return _pool_compiled.pairs_forward(data, pairs)
            return _pool_pairs.max_pool(xp, data, pairs)
        kind = attrs["pool_type"]
        if kind == "lp":
            return _lp_pool(xp, data, attrs)
        if _pool_global.applies(kind, attrs["global_pool"], data.dtype):
            return _pool_global.pool(xp, data, kind)
        if _compiles(xp, attrs, data):
            counts = _window_counts(xp, attrs, data.shape[2:], geometry, data.dtype) \
                if kind == "avg" else None
            return _pool_compiled.pool_forward(data, kind, geometry, counts)
        lowest = _lowest(xp, data.dtype) if kind == "max" else 0
        padded = pad_spatial(xp, data, geometry[2], after, lowest)
        if not attrs["global_pool"]:
            total = _combine_positions(xp, padded, geometry, xp.maximum if kind == "max" else xp.add)
        else:
            axes = tuple(range(-len(geometry[0]), 0))
            windows = _windows(xp, padded, geometry)
            if kind == "max":
                return windows.max(axis=axes)
            total = windows.sum(axis=axes, dtype=data.dtype)
        if kind != "avg":
            return total
        return total / _window_counts(xp, attrs, data.shape[2:], geometry, data.dtype)

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None]
        if not 3 <= len(data) <= 5:
            raise ShapeError("Pooling: needs data (N, C, *spatial) with 1 to 3 spatial dims, found %s"
                             % (tuple(data),))
        _, _, _, out = _geometry(attrs, list(data[2:]))
        return in_shapes, [tuple(data[:2]) + tuple(o if s else 0 for o, s in zip(out, data[2:]))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_Pooling(out_grads[0], inputs[0], outputs[0], **attrs)]


@operator("_backward_Pooling", params=_PARAMS, inputs=("ograd", "data", "output"))
class BackwardPooling:
    """Pooling's data gradient from (ograd, data, output), as MXNet's: each window's gradient
    goes to the first maximum (max), is spread evenly (avg) or copied to every element (sum)."""
    check_attrs = _check_attrs
    def compute(xp, inputs, attrs):
        og, data, pooled = inputs
        if not data.size:
            return xp.zeros(data.shape, og.dtype)
        kind = attrs["pool_type"]
        if kind == "lp":
            # d/dx (sum x^p)^(1/p) = (x / out)^(p-1): the sum's gradient scaled per element.
            p = attrs["p_value"]
            if p == 1:
                return BackwardPooling.compute(xp, [og, data, pooled], dict(attrs, pool_type="sum"))
            with_ratio = og / xp.where(pooled == 0, 1, pooled) ** (p - 1)
            with_ratio = xp.where(pooled == 0, 0, with_ratio)
            spread = BackwardPooling.compute(xp, [with_ratio, data, pooled], dict(attrs, pool_type="sum"))
            return (spread * data ** (p - 1)).astype(data.dtype, copy=False)
        geometry, after, pairs = _plan(attrs, data.shape)
        if pairs is not None:
            if _pool_compiled.applies(xp, og.dtype) and data.dtype == og.dtype:
                return _pool_compiled.pairs_backward(og, data, pooled)
            return _pool_pairs.max_pool_backward(xp, og, data, pooled)
        if _pool_global.applies(kind, attrs["global_pool"], og.dtype):
            return _pool_global.pool_backward(xp, og, data, kind)
        if attrs["global_pool"] and _pool_compiled.applies(xp, data.dtype) \
                and og.dtype == data.dtype and _pool_compiled.takes_global_backward(kind):
            return _pool_compiled.global_max_backward(og, data)
        if _compiles(xp, attrs, data) and og.dtype == data.dtype \
                and _pool_compiled.takes_backward(kind, geometry):
            counts = _window_counts(xp, attrs, data.shape[2:], geometry, og.dtype) \
                if kind == "avg" else None
            return _pool_compiled.pool_backward(og, data, pooled, kind, geometry, counts,
                                                by_argmax=not _by_positions(attrs, geometry))
        lowest = _lowest(xp, data.dtype) if kind == "max" else 0
        padded = pad_spatial(xp, data, geometry[2], after, lowest)
        kernel, stride, pad, out = geometry
        ones = (1,) * len(kernel)
        # Windows that do not overlap (stride >= kernel) are written, not added to; when they
        # also tile the padded input, no element is left to zero first.
        disjoint = all(st >= k for st, k in zip(stride, kernel))
        tiled = disjoint and all(st == k and o * k == size for st, k, o, size
                                 in zip(stride, kernel, out, padded.shape[2:]))
        grad = (xp.empty if tiled else xp.zeros)(padded.shape, dtype=og.dtype)
        if kind == "avg":
            og = og / _window_counts(xp, attrs, data.shape[2:], geometry, og.dtype)
        positions = list(kernel_positions(kernel))
        if kind != "max":
            for position in positions:
                where = position_slices(position, out, stride, ones)
                if disjoint:
                    grad[where] = og
                else:
                    grad[where] += og
        elif _by_positions(attrs, geometry):
            # The first maximum of each window (in kernel order) takes the gradient: `left` is
            # ograd where no earlier position of the window has taken it yet, else 0.
            left = og
            last = len(positions) - 1
            for index, position in enumerate(positions):
                where = position_slices(position, out, stride, ones)
                hit = padded[where] == pooled
                if disjoint:
                    xp.multiply(left, hit, out=grad[where])
                else:
                    grad[where] += left * hit
                if index < last:   # (multiplying by masks: xp.where and masked copies are slower)
                    missed = ~hit
                    left = left * missed if index == 0 else xp.multiply(left, missed, out=left)
        else:
            windows = _windows(xp, padded, geometry)
            flat = windows.reshape(windows.shape[:2 + len(out)] + (-1,))
            winner = flat.argmax(axis=-1)
            for index, position in enumerate(positions):
                where = position_slices(position, out, stride, ones)
                if disjoint:
                    xp.multiply(og, winner == index, out=grad[where])
                else:
                    grad[where] += og * (winner == index)
        return xp.ascontiguousarray(crop(grad, pad, data.shape[2:]))

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def gradient(F, attrs, inputs, outputs, out_grads, needs):
        # avg, sum and lp with p = 1 spread ograd linearly and independently of data: the
        # transpose of that spreading is the pooling itself. Max pooling's backward depends on
        # the data only through where the maxima are, a piecewise-constant choice: its data and
        # output gradients are zero. lp with p > 1 depends on the data smoothly: not supported.
        kind = attrs["pool_type"]
        linear = kind in ("avg", "sum") or (kind == "lp" and attrs["p_value"] == 1)
        if linear:
            return [F.Pooling(out_grads[0], **attrs), None, None]
        if needs[0] or (kind == "lp" and (needs[1] or needs[2])):
            from ...graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_Pooling", "(pool_type=%r)" % kind)
        return [None, None, None]


# Channel-last layouts (NWC, NHWC, NDHWC) by moving the channel axis.
channels_first(Pooling, (0,), (0,))
channels_first(BackwardPooling, (0, 1, 2), (0,))
