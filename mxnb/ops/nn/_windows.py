"""Sliding windows over the spatial dims of (N, C, *spatial) arrays, shared by convolution and
pooling: padding, output sizes, a zero-copy strided view of every window, and the scatter-add
positions that send per-window values back to the inputs they came from (col2im)."""
import itertools

from ...base import ShapeError


def spatial_tuple(value, ndim, fill, op, what):
    """An attribute (kernel, stride, dilate, pad) as one int per spatial dim; () means `fill`."""
    if not value:
        return (fill,) * ndim
    if len(value) != ndim:
        raise ShapeError("%s: %s %s has %d dims, the data has %d spatial dims"
                         % (op, what, tuple(value), len(value), ndim))
    return tuple(value)


def out_size(size, kernel, stride, dilate, pad, ceil=False):
    span = dilate * (kernel - 1) + 1
    room = size + 2 * pad - span
    return (-(-room // stride) if ceil else room // stride) + 1


def pad_spatial(xp, x, before, after, value=0):
    """x padded on its spatial dims (a no-op returning x itself when nothing is padded)."""
    if not any(before) and not any(after):
        return x
    widths = [(0, 0), (0, 0)] + list(zip(before, after))
    return xp.pad(x, widths, mode="constant", constant_values=value)


def window_view(xp, x, kernel, out, stride, dilate, kernel_last=False):
    """A strided view of x's windows, (N, C, *kernel, *out) or (N, C, *out, *kernel); no copy."""
    n, c = x.shape[:2]
    strides = x.strides
    k_strides = tuple(strides[2 + i] * dilate[i] for i in range(len(kernel)))
    o_strides = tuple(strides[2 + i] * stride[i] for i in range(len(kernel)))
    if kernel_last:
        shape, steps = (n, c) + tuple(out) + tuple(kernel), strides[:2] + o_strides + k_strides
    else:
        shape, steps = (n, c) + tuple(kernel) + tuple(out), strides[:2] + k_strides + o_strides
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=steps)


def kernel_positions(kernel):
    return itertools.product(*[range(k) for k in kernel])


def position_slices(position, out, stride, dilate):
    """The input slices that kernel offset `position` reads for every output position."""
    return (slice(None), slice(None)) + tuple(
        slice(p * d, p * d + s * (o - 1) + 1, s)
        for p, o, s, d in zip(position, out, stride, dilate))


def crop(x, before, size):
    """The inverse of pad_spatial: spatial dims [before, before + size)."""
    if not any(before) and x.shape[2:] == tuple(size):
        return x
    return x[(slice(None), slice(None)) + tuple(slice(b, b + s) for b, s in zip(before, size))]
