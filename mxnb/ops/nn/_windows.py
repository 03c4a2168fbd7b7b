"""Sliding windows over the spatial dims of (N, C, *spatial) arrays, shared by convolution and
pooling: padding, output sizes, a zero-copy strided view of every window, and the scatter-add
positions that send per-window values back to the inputs they came from (col2im)."""
import itertools

import numpy

from ...base import ShapeError


def spatial_tuple(value, ndim, fill, op, what, extra_ignored=False):
    """An attribute (kernel, stride, dilate, pad) as one int per spatial dim; () means `fill`.
    With `extra_ignored` (MXNet's Pooling), entries past the data's spatial dims are dropped."""
    if not value:
        return (fill,) * ndim
    if extra_ignored and len(value) > ndim:
        return tuple(value[:ndim])
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
    return strided(xp, x, shape, steps)


def strided(xp, x, shape, steps):
    """A read-only-use strided view of x. NumPy's as_strided costs ~7 us (it builds the view
    through a dummy __array_interface__ object); a view of a C-contiguous NumPy array is built
    directly on its buffer in ~1 us, which matters for small layers."""
    if xp is numpy and x.flags.c_contiguous:
        return numpy.ndarray(shape, x.dtype, buffer=x, strides=steps)
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


def check_window_attrs(attrs, tuples, kernel_required=False, extra_ignored=False):
    """check_attrs for windowed operators: a kernel of 1 to 3 dims, and each of `tuples`
    (stride, dilate, pad) empty or as long as the kernel (at least as long with
    `extra_ignored`: MXNet's Pooling reads the first entries and ignores the rest). Returns an
    error sentence, or None."""
    kernel = tuple(attrs["kernel"] or ())
    if not kernel:
        return "argument 'kernel' is required, found ()" if kernel_required else None
    if not 1 <= len(kernel) <= 3:
        return "kernel must have 1 to 3 dims (1-D, 2-D or 3-D windows), found %s" % (kernel,)
    for name in tuples:
        value = attrs[name]
        if not value or len(value) == len(kernel) or (extra_ignored and len(value) > len(kernel)):
            continue
        return ("argument %r %s must have %sone entry per kernel dim (%d, as kernel %s) or be "
                "empty" % (name, tuple(value), "at least " if extra_ignored else "", len(kernel),
                           kernel))
    return None


def check_fits(op, spatial, kernel, dilate, pad, out):
    """ShapeError naming `op` when a (dilated) kernel is larger than the padded input; unknown
    (0) sizes are left for later."""
    for size, k, d, p, o in zip(spatial, kernel, dilate, pad, out):
        if size and o < 1:
            raise ShapeError("%s: kernel %s (dilate %s) is larger than the padded input: spatial "
                             "size %s with pad %s" % (op, tuple(kernel), tuple(dilate),
                                                     tuple(spatial), tuple(pad)))
