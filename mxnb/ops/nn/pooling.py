"""Pooling (max, avg, sum; valid or full convention; global) over strided window views, and
its backward kernel (max routes each gradient to the first maximum of its window, as MXNet)."""
from ...base import ShapeError, parse_bool, parse_optional
from ..params import Shape, Bool, Enum, OptInt
from ..registry import operator, Param
from ._windows import spatial_tuple, out_size, pad_spatial, window_view, crop, kernel_positions, \
    position_slices, check_window_attrs, check_fits

_PARAMS = {
    "kernel": Shape((), low=1), "pool_type": Enum(("avg", "max", "sum"), "max"),
    "global_pool": Bool(False), "cudnn_off": Bool(False),
    "pooling_convention": Enum(("full", "valid"), "valid"), "stride": Shape((), low=1),
    "pad": Shape((), low=0), "p_value": OptInt(low=1), "count_include_pad": Param(parse_optional(parse_bool), None),
    "layout": Enum((None, "NCW", "NCHW", "NCDHW"), None),
}


def _check_attrs(attrs):
    """stride and pad as long as the kernel; every pad smaller than its kernel dim (a window
    of padding only would pool nothing)."""
    if attrs["global_pool"]:
        return None
    problem = check_window_attrs(attrs, ("stride", "pad"))
    if problem:
        return problem
    kernel, pad = attrs["kernel"], attrs["pad"]
    if pad and any(p >= k for p, k in zip(pad, kernel)):
        return "argument 'pad' %s must be smaller than kernel %s in every dim" % (tuple(pad), tuple(kernel))
    return None


def _geometry(attrs, spatial):
    """(kernel, stride, pad, out) for data with these spatial sizes."""
    nd = len(spatial)
    if attrs["global_pool"]:
        return tuple(spatial), (1,) * nd, (0,) * nd, (1,) * nd
    kernel = tuple(attrs["kernel"])
    if len(kernel) != nd:
        raise ShapeError("Pooling: kernel %s needs %d-D data, found %d spatial dims (%s)"
                         % (kernel, len(kernel) + 2, nd, "set global_pool=True to pool everything"
                            if not kernel else "data (N, C, *spatial)"))
    stride = spatial_tuple(attrs["stride"], nd, 1, "Pooling", "stride")
    pad = spatial_tuple(attrs["pad"], nd, 0, "Pooling", "pad")
    full = attrs["pooling_convention"] == "full"
    out = tuple(out_size(s, k, st, 1, p, ceil=full) for s, k, st, p in zip(spatial, kernel, stride, pad))
    check_fits("Pooling", spatial, kernel, (1,) * nd, pad, out)
    return kernel, stride, pad, out


def _padded_windows(xp, data, attrs, value):
    """(windows (N, C, *out, *kernel), geometry, padding after) of data padded with `value`."""
    kernel, stride, pad, out = _geometry(attrs, data.shape[2:])
    # The full convention's last windows may reach past the padded input: pad further.
    after = tuple(max(p, (o - 1) * s + k - sz - p)
                  for sz, k, s, p, o in zip(data.shape[2:], kernel, stride, pad, out))
    padded = pad_spatial(xp, data, pad, after, value)
    ones = (1,) * len(kernel)
    return window_view(xp, padded, kernel, out, stride, ones, kernel_last=True), \
        (kernel, stride, pad, out), padded


# Up to this many kernel positions, one elementwise maximum/add per position over strided slices
# beats NumPy's reduction over a strided window view by several times (LeNet's 2x2 pooling).
_MAX_POSITIONS = 16


def _by_positions(attrs, geometry):
    kernel = geometry[0]
    count = 1
    for k in kernel:
        count *= k
    return not attrs["global_pool"] and count <= _MAX_POSITIONS


def _combine_positions(xp, padded, geometry, combine):
    """combine(...) of every window's elements, one kernel position at a time."""
    kernel, stride, _, out = geometry
    ones = (1,) * len(kernel)
    total = None
    for position in kernel_positions(kernel):
        part = padded[position_slices(position, out, stride, ones)]
        total = part.copy() if total is None else combine(total, part, out=total)
    return total


def _lowest(xp, dtype):
    return -xp.inf if dtype.kind == "f" else xp.iinfo(dtype).min


def _window_counts(xp, attrs, spatial, geometry, dtype):
    """How many elements each average-pooling window divides by, broadcastable to the output."""
    kernel, stride, pad, out = geometry
    include_pad = attrs["count_include_pad"] is not False
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


@operator("Pooling", params=_PARAMS, hint="pooling")
class Pooling:
    """Max, average or sum over windows of the spatial dims of (N, C, *spatial) data."""
    check_attrs = _check_attrs

    def compute(xp, inputs, attrs):
        data = inputs[0]
        if not 3 <= data.ndim <= 5:
            Pooling.infer_shape(attrs, [data.shape])        # says what is wrong
        kind = attrs["pool_type"]
        lowest = _lowest(xp, data.dtype) if kind == "max" else 0
        windows, geometry, padded = _padded_windows(xp, data, attrs, lowest)
        if _by_positions(attrs, geometry):
            total = _combine_positions(xp, padded, geometry, xp.maximum if kind == "max" else xp.add)
        else:
            axes = tuple(range(-len(geometry[0]), 0))
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
        kind = attrs["pool_type"]
        lowest = _lowest(xp, data.dtype) if kind == "max" else 0
        windows, geometry, padded = _padded_windows(xp, data, attrs, lowest)
        kernel, stride, pad, out = geometry
        ones = (1,) * len(kernel)
        grad = xp.zeros(padded.shape, dtype=og.dtype)
        if kind == "avg":
            og = og / _window_counts(xp, attrs, data.shape[2:], geometry, og.dtype)
        if kind != "max":
            for position in kernel_positions(kernel):
                grad[position_slices(position, out, stride, ones)] += og
        elif _by_positions(attrs, geometry):
            # The first maximum of each window (in kernel order) takes the gradient.
            best = pooled
            open_ = xp.ones(best.shape, dtype=bool)
            for position in kernel_positions(kernel):
                where = position_slices(position, out, stride, ones)
                hit = (padded[where] == best) & open_
                grad[where] += og * hit
                open_ &= ~hit
        else:
            flat = windows.reshape(windows.shape[:2 + len(out)] + (-1,))
            winner = flat.argmax(axis=-1)
            for index, position in enumerate(kernel_positions(kernel)):
                grad[position_slices(position, out, stride, ones)] += og * (winner == index)
        return xp.ascontiguousarray(crop(grad, pad, data.shape[2:]))

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def gradient(F, attrs, inputs, outputs, out_grads, needs):
        # avg and sum pooling's backward is linear in ograd and its adjoint is the pooling itself.
        # Neither it nor max pooling's depends on the data but through where the maxima are, a
        # piecewise-constant choice: their data (and output) gradients are zero.
        if attrs["pool_type"] in ("avg", "sum"):
            return [F.Pooling(out_grads[0], **attrs), None, None]
        if needs[0]:
            from ...graph.gradient import no_gradient_error
            raise no_gradient_error("_backward_Pooling", "(pool_type=%r)" % attrs["pool_type"])
        return [None, None, None]
