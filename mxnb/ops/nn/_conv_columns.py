"""im2col / col2im for Convolution in two layouts, and the matrix products that use them.

Convolution is a matrix product of the filters with the columns of the data's windows. Where
those columns are laid out decides how fast the one copy that builds them is:

- "rows" (channels of a group innermost): columns (N * prod(out), groups, prod(kernel) * C/g),
  copied from the data moved to channels-last. Each copied run is prod(kernel[-1:]) * C/g
  elements long; with 20 or more channels this copy is 2-3x quicker than the channel-first one,
  and the products read and write channels-last rows that need only small transposes.
- "channels" (spatial innermost): columns (groups, C/g * prod(kernel), N * prod(out)), copied
  from the channel-first data with runs of one output row. Better with few channels (a first
  layer on 1 or 3 channels), where channels-last runs would be a handful of elements.

`uses_rows` makes the choice from the shapes alone, so shape inference and the kernels agree.
The data gradient of a size-keeping stride-1 layer is itself a forward convolution (of ograd
with the flipped weight); other data gradients add one product per kernel position into a
channels-last buffer (col2im). The copies of large layers are split over threads (_conv_parallel).
"""
from ._conv_parallel import parallel_batches
from ._shapes import prod
from ._windows import kernel_positions, strided, pad_spatial, window_view

__all__ = ["uses_rows", "columns_shape", "im2col", "conv_forward", "weight_gradient",
           "data_gradient"]

# Channels per group from which the "rows" layout's copy is the quicker one (measured on
# LeNet's 1- and 20-channel layers and ResNet's 3-, 64- and 256-channel ones).
_ROWS_FROM_CHANNELS = 8


def uses_rows(channels_per_group):
    return channels_per_group >= _ROWS_FROM_CHANNELS


def columns_shape(data_shape, kernel, out, groups):
    n, c = data_shape[:2]
    cg = c // groups
    if uses_rows(cg):
        return (n * prod(out), groups, prod(kernel) * cg)
    return (groups, cg * prod(kernel), n * prod(out))


def _channels_last_padded(xp, data, pad):
    """data (N, C, *spatial) as a new channels-last array (N, *padded, C), zero padded."""
    nd = data.ndim - 2
    order = (0,) + tuple(range(2, 2 + nd)) + (1,)
    if not any(pad):
        return xp.ascontiguousarray(data.transpose(order))
    shape = (data.shape[0],) + tuple(s + 2 * p for s, p in zip(data.shape[2:], pad)) + (data.shape[1],)
    out = xp.zeros(shape, dtype=data.dtype)
    inside = (slice(None),) + tuple(slice(p, p + s) for p, s in zip(pad, data.shape[2:]))
    out[inside] = data.transpose(order)
    return out


def _rows_view(xp, padded, kernel, out, stride, dilate, groups):
    """(N, *out, groups, *kernel, C/g): every window of channels-last `padded`, no copy."""
    n, c = padded.shape[0], padded.shape[-1]
    s = padded.strides
    nd = len(kernel)
    spatial = s[1:1 + nd]
    shape = (n,) + tuple(out) + (groups,) + tuple(kernel) + (c // groups,)
    steps = ((s[0],) + tuple(st * k for st, k in zip(spatial, stride)) + ((c // groups) * s[-1],)
             + tuple(st * d for st, d in zip(spatial, dilate)) + (s[-1],))
    return strided(xp, padded, shape, steps)


def _copy_rows(xp, view, n):
    """The view as a contiguous array, split over threads by batch on the CPU."""
    out = xp.empty(view.shape, dtype=view.dtype)

    def copy(lo, hi):
        out[lo:hi] = view[lo:hi]
    parallel_batches(xp, copy, n, out.size)
    return out


def _channels_view(xp, data, kernel, out, stride, dilate, pad):
    """(C, *kernel, N, *out): every window of channel-first data, no copy (after padding)."""
    padded = pad_spatial(xp, data, pad, pad)
    view = window_view(xp, padded, kernel, out, stride, dilate)          # (N, C, *kernel, *out)
    nd = len(kernel)
    order = (1,) + tuple(range(2, 2 + nd)) + (0,) + tuple(range(2 + nd, 2 + 2 * nd))
    return view.transpose(order)


def im2col(xp, data, geometry, groups):
    """Columns of `data` in the layout `uses_rows` picks (see columns_shape)."""
    kernel, stride, dilate, pad, out = geometry
    n, c = data.shape[:2]
    if uses_rows(c // groups):
        padded = _channels_last_padded(xp, data, pad)
        cols = _copy_rows(xp, _rows_view(xp, padded, kernel, out, stride, dilate, groups), n)
        return cols.reshape(n * prod(out), groups, -1)
    view = _channels_view(xp, data, kernel, out, stride, dilate, pad)
    return xp.ascontiguousarray(view).reshape(groups, (c // groups) * prod(kernel), n * prod(out))


def _weight_rows(xp, weight, groups):
    """weight (F, C/g, *kernel) as (groups, F/g, prod(kernel) * C/g): the "rows" order."""
    f, cg = weight.shape[:2]
    nd = weight.ndim - 2
    moved = weight.transpose((0,) + tuple(range(2, 2 + nd)) + (1,))
    return xp.ascontiguousarray(moved).reshape(groups, f // groups, -1)


def _per_group(xp, product, groups, axis):
    """product(g) for each group, joined along `axis`. Products are 2-D `dot`s: NumPy's matmul
    takes slow non-BLAS paths for some transposed and broadcast operands (60x on LeNet)."""
    if groups == 1:
        return product(0)
    return xp.concatenate([product(g) for g in range(groups)], axis=axis)


def _add_bias(xp, result, bias):
    """result (N, F, *out) += bias per filter, in place. (Adding while transposing into the
    result measured slower than NumPy's plain transposed copy followed by this add.)"""
    if bias is not None:
        result += bias.reshape((1, -1) + (1,) * (result.ndim - 2)).astype(result.dtype, copy=False)
    return result


def _rows_of(xp, x):
    """(N, F, *spatial) -> contiguous (N * prod(spatial), F)."""
    order = (0,) + tuple(range(2, x.ndim)) + (1,)
    return xp.ascontiguousarray(x.transpose(order)).reshape(-1, x.shape[1])


def conv_forward(xp, data, weight, bias, geometry, groups, weight_rows=None):
    """(output (N, F, *out), columns) of the convolution. `weight_rows`, where given, is the
    weight already in the "rows" order (_weight_rows)."""
    out = geometry[4]
    n, c = data.shape[:2]
    filters = weight.shape[0]
    cols = im2col(xp, data, geometry, groups)
    if uses_rows(c // groups):
        w = _weight_rows(xp, weight, groups) if weight_rows is None else weight_rows
        rows = _per_group(xp, lambda g: xp.dot(cols[:, g], w[g].T), groups, axis=1)
        result = xp.ascontiguousarray(rows.reshape(n, -1, filters).transpose(0, 2, 1))
        return _add_bias(xp, result.reshape((n, filters) + tuple(out)), bias), cols
    w = xp.ascontiguousarray(weight).reshape(groups, filters // groups, -1)
    result = _per_group(xp, lambda g: xp.dot(w[g], cols[g]), groups, axis=0)   # (F, N*P)
    result = xp.ascontiguousarray(result.reshape(filters, n, -1).transpose(1, 0, 2))
    return _add_bias(xp, result.reshape((n, filters) + tuple(out)), bias), cols


def weight_gradient(xp, og, cols, channels, kernel, groups):
    """The weight gradient (F, C/g, *kernel): ograd . columns^T per group."""
    filters = og.shape[1]
    fg, cg = filters // groups, channels // groups
    nd = len(kernel)
    if uses_rows(cg):
        og2 = _rows_of(xp, og)                                                # (N*P, F)
        grad = _per_group(xp, lambda g: xp.dot(og2[:, g * fg:(g + 1) * fg].T, cols[:, g]),
                          groups, axis=0)                                     # (F, K*C/g)
        grad = grad.reshape((filters,) + tuple(kernel) + (cg,))
        return xp.ascontiguousarray(grad.transpose((0, nd + 1) + tuple(range(1, nd + 1))))
    og2 = xp.ascontiguousarray(xp.swapaxes(og, 0, 1)).reshape(filters, -1)   # (F, N*P)
    grad = _per_group(xp, lambda g: xp.dot(og2[g * fg:(g + 1) * fg], cols[g].T), groups, axis=0)
    return grad.reshape((filters, cg) + tuple(kernel))


class _Flipped:
    """weight (F, C/g, *kernel) as the weight (C, F/g, *kernel) of the transposed convolution
    (filters and channels swapped within each group, the kernel reversed in every dim), in the
    layout the forward convolution wants: one copy of the weight, not two."""

    def __init__(self, xp, weight, groups):
        f, cg = weight.shape[:2]
        nd = weight.ndim - 2
        fg = f // groups
        grouped = weight.reshape((groups, fg, cg) + weight.shape[2:])
        flipped = grouped[(slice(None),) * 3 + (slice(None, None, -1),) * nd]
        self.shape = (groups * cg, fg) + weight.shape[2:]
        self.rows = None
        if uses_rows(fg):       # (groups, C/g, *kernel, F/g): _weight_rows' order
            moved = flipped.transpose((0, 2) + tuple(range(3, 3 + nd)) + (1,))
            self.rows = xp.ascontiguousarray(moved).reshape(groups, cg, -1)
            self.weight = _ShapeOnly(self.shape)
        else:
            swapped = flipped.transpose((0, 2, 1) + tuple(range(3, 3 + nd)))
            self.weight = xp.ascontiguousarray(swapped).reshape(self.shape)


class _ShapeOnly:
    """Stands in for a weight that conv_forward reads only for its shape."""

    def __init__(self, shape):
        self.shape = shape


# Data channels per group from which the full convolution's product (whose output columns are
# the data's channels) is wide enough to beat per-position products (a 3-channel first layer's
# data gradient measured 2.3x slower that way).
_FULL_FROM_CHANNELS = 16


def _as_full_convolution(geometry, data_shape, groups):
    """The geometry of the data gradient as a stride-1 convolution of ograd with the flipped
    weight (padding dilate * (kernel - 1) - pad), or None where that is not quicker: strides
    (it would need a dilated ograd), few data channels, and ograds much smaller than the data
    (the padding would be multiplied through)."""
    kernel, stride, dilate, pad, out = geometry
    if any(s != 1 for s in stride) or data_shape[1] // groups < _FULL_FROM_CHANNELS:
        return None
    full_pad = tuple(d * (k - 1) - p for k, d, p in zip(kernel, dilate, pad))
    if any(p < 0 for p in full_pad) or prod(data_shape[2:]) > 1.25 * prod(out):
        return None
    return kernel, stride, dilate, full_pad, tuple(data_shape[2:])


def data_gradient(xp, og, weight, data_shape, geometry, groups):
    """The data gradient (N, C, *spatial). Where the convolution keeps the data's size (ResNet's
    3x3 layers with padding 1) this is the forward convolution of ograd with the flipped weight:
    one wide product over im2col columns (measured 1.1-1.2x quicker on ResNet's 64- and
    256-channel layers). Elsewhere, one product per kernel position (_col2im_gradient)."""
    full = _as_full_convolution(geometry, data_shape, groups)
    if full is not None:
        flipped = _Flipped(xp, weight, groups)
        return conv_forward(xp, og, flipped.weight, None, full, groups, flipped.rows)[0]
    return _col2im_gradient(xp, og, weight, data_shape, geometry, groups)


def _col2im_gradient(xp, og, weight, data_shape, geometry, groups):
    """The data gradient (N, C, *spatial): weight^T . ograd, summed back by col2im.

    One kernel position at a time: each position's (N * prod(out), C/g) product is small enough
    to stay in cache while it is added into a channels-last buffer, and both sides of that add
    have runs of out[-1] * C/g contiguous elements. One product for every position at once, then
    added position by position from a (N * prod(out), K * C/g) buffer, reads runs of only C/g
    and spills out of cache (measured 1.1-1.6x slower on LeNet and ResNet layers)."""
    kernel, stride, dilate, pad, out = geometry
    n, c = data_shape[:2]
    filters = weight.shape[0]
    fg, cg = filters // groups, c // groups
    nd = len(kernel)
    og2 = _rows_of(xp, og)                                                    # (N*P, F)
    # (*kernel, F, C/g): each position's filters as one contiguous matrix
    w = xp.ascontiguousarray(weight.transpose(tuple(range(2, 2 + nd)) + (0, 1)))
    padded = tuple(s + 2 * p for s, p in zip(data_shape[2:], pad))
    grad = xp.zeros((n,) + padded + (c,), dtype=og.dtype)                    # channels last
    for g in range(groups):
        og_g = og2[:, g * fg:(g + 1) * fg] if groups > 1 else og2
        target = grad[..., g * cg:(g + 1) * cg] if groups > 1 else grad
        for position in kernel_positions(kernel):
            part = xp.dot(og_g, w[position][g * fg:(g + 1) * fg])           # (N*P, C/g)
            window = (slice(None),) + tuple(
                slice(p * d, p * d + s * (o - 1) + 1, s)
                for p, o, s, d in zip(position, out, stride, dilate))
            part = part.reshape((n,) + tuple(out) + (cg,))
            region = target[window]

            def add(lo, hi, region=region, part=part):
                region[lo:hi] += part[lo:hi]
            parallel_batches(xp, add, n, part.size)
    inside = (slice(None),) + tuple(slice(p, p + s) for p, s in zip(pad, data_shape[2:]))
    return xp.ascontiguousarray(grad[inside].transpose((0, nd + 1) + tuple(range(1, nd + 1))))
