"""im2col / col2im for Convolution in two layouts, and the matrix products that use them.

Convolution is a matrix product of the filters with the columns of the data's windows. Where
those columns are laid out decides how fast the one copy that builds them is, and whether the
products read and write NCHW directly:

- "rows" (channels of a group innermost): columns (N * prod(out), groups, prod(kernel) * C/g),
  copied from the data moved to channels-last. Each copied run is prod(kernel[-1:]) * C/g
  elements long; with 8 or more channels this copy is 2-3x quicker than the channel-first one,
  and the products read and write channels-last rows that need only small transposes.
- "channels" (spatial innermost): columns (N, groups, C/g * prod(kernel), prod(out)), one block
  per image copied from the channel-first data with runs of one output row. Better with few
  channels (a first layer on 1 or 3 channels), where channels-last runs would be a handful of
  elements. The filters times each image's block is that image's output, already NCHW (one
  batched product, no transpose), and the weight gradient is the batched product with the
  ograd as it is (no transpose of the ograd to (F, N * prod(out))). Against one wide product
  and those transposes: LeNet's first layer forward 2.1x and weight gradient 3x quicker,
  ResNet's 3-channel stem 1.7x and 1.3x (bias below included, one thread).

With a bias, the columns carry one more entry per row/column, always 1, and the filters one
more, the bias: the product adds the bias (an add over the whole output saved, a quarter of
LeNet's first layer forward) and the weight gradient's product yields the bias gradient as its
last column (ograd's sum saved).

`uses_rows` makes the choice from the shapes alone, so shape inference and the kernels agree;
so does `keeps_columns`, which lets the largest layers keep no columns at all (their forward and
weight gradient go a few images at a time). The NumPy forms' copies of large layers, and the
compiled col2im, are split over threads (_conv_parallel); the compiled im2col alone is not (see
_compiled_im2col). Large one-group layers instead split whole pieces of work by images, each
thread making its pieces' columns and multiplying them on one BLAS thread while they are in
cache: the forward (_products_by_images), the narrow "rows" weight gradient
(_rows_weight_gradient_by_pieces) and data gradient (_compiled_rows_data_gradient), and the
few-channel weight gradient (_channels_weight_gradient). A product on OpenBLAS's own threads
leaves its workers spinning on the cores these splits then need (mxnb.blas_threads): LeNet's
convolutions now run no such product, and its training step went from ~11.3 to ~10.3 ms.

With numba (mxnb.compiled), im2col and the data gradient's col2im are compiled loops, one image
at a time (_conv_kernels); the data gradient is then one product per piece of images followed
by that col2im. Their NumPy forms, here, are the reference and run without numba or on CuPy:
the data gradient of a size-keeping stride-1 layer is itself a forward convolution (of ograd
with the flipped weight); other data gradients add one product per kernel position into a
channels-last buffer.
"""
import numpy

from . import _conv_parallel, _conv_kernels, _conv_winograd
from ._conv_parallel import parallel_batches
from ._shapes import prod
from ._windows import kernel_positions, strided, pad_spatial, window_view

__all__ = ["uses_rows", "columns_shape", "ColumnsPlan", "im2col", "conv_forward",
           "weight_gradient", "data_gradient", "keeps_columns", "weight_gradient_from_data"]

# Channels per group from which the "rows" layout's copy is the quicker one (measured on
# LeNet's 1- and 20-channel layers and ResNet's 3-, 64- and 256-channel ones).
_ROWS_FROM_CHANNELS = 8

# Products whose columns are not kept go a few images at a time from this many column
# elements, in pieces of about _PIECE_ELEMENTS: each piece is copied and multiplied while it is
# in cache, into one buffer reused by every piece. That is the data gradient as a full
# convolution (ResNet-18/32x32, batch 32, float32: the 64-channel layers' 18.9M column
# elements, 29.1 -> 22.1 ms; the 128-channel layers' 9.4M neither gain nor lose), and the
# forward of layers that keep no columns for the weight gradient (keeps_columns), which then
# recomputes them the same way: on the 64-channel layers, forward plus weight gradient
# 68.7 -> 64.5 ms on one thread (pieces of 2^19 to 2^21 elements within 2% of each other, 2^22
# 70.8 ms), 45.3 -> 43.7 ms on two (2^19 and 2^20 within 1%, 2^21 46.1, 2^22 45.9 ms).
_PIECES_FROM_ELEMENTS = 1 << 24
_PIECE_ELEMENTS = 1 << 20


def uses_rows(channels_per_group):
    return channels_per_group >= _ROWS_FROM_CHANNELS


def columns_shape(data_shape, kernel, out, groups, bias=False):
    """The shape of im2col's columns; `bias` adds the row of ones that carries the bias."""
    n, c = data_shape[:2]
    cg = c // groups
    window = prod(kernel) * cg + (1 if bias else 0)
    if uses_rows(cg):
        return (n * prod(out), groups, window)
    return (n, groups, window, prod(out))


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


def _copy_into(xp, target, source, n):
    """target[...] = source, split over threads by batch (the first axis) on the CPU."""
    def copy(lo, hi):
        target[lo:hi] = source[lo:hi]
    parallel_batches(xp, copy, n, source.size)


def _split(xp, part, shape):
    """`part` (a slice of the columns) seen as `shape`, which only splits its axes: a view, so
    that writing into it fills the columns."""
    view = part.reshape(shape)
    if view.base is None:       # a copy would lose the writes
        raise AssertionError("im2col: a view of the columns was expected")
    return view


class ColumnsPlan:
    """What im2col and the products need for one (data shape, filters, geometry, groups, bias),
    worked out once per shape (a small convolution spends more time deciding than copying)."""
    __slots__ = ("geometry", "groups", "bias", "rows", "shape", "split", "output", "copies",
                 "views", "loops_geometry", "winograd", "keeps", "piece_images")

    def __init__(self, data_shape, filters, geometry, groups, bias):
        kernel, _, _, _, out = geometry
        n, c = data_shape[:2]
        cg = c // groups
        self.geometry, self.groups, self.bias = geometry, groups, bool(bias)
        self.rows = uses_rows(cg)
        self.shape = columns_shape(data_shape, kernel, out, groups, bias)
        if self.rows:           # (N, *out, g, *kernel, C/g): _rows_view's order
            self.split = (n,) + tuple(out) + (groups,) + tuple(kernel) + (cg,)
        else:                   # (N, g, C/g, *kernel, *out): window_view's order
            self.split = (n, groups, cg) + tuple(kernel) + tuple(out)
        self.output = (n, filters) + tuple(out)
        self.copies = prod(self.split)
        self.views = {}         # unpadded data's strides -> its window view's (channels layout)
        self.loops_geometry = _conv_kernels.geometry_array(geometry)    # for the compiled loops
        self.winograd = _conv_winograd.shaped_for(data_shape, filters, geometry, groups)
        self.keeps = keeps_columns(data_shape, filters, geometry, groups)
        # a one-group forward split over the threads by images (_products_by_images), where
        # the loops take it: images per piece, 0 for one product over the batch
        self.piece_images = (_images_per_piece(n, prod(out), self.copies, self.rows)
                             if groups == 1 else 0)

    def windows(self, xp, data):
        """window_view of unpadded channel-first data, split by group: (N, g, C/g, *kernel,
        *out); the strides worked out once per data strides."""
        steps = self.views.get(data.strides)
        if steps is None:
            kernel, stride, dilate, _, out = self.geometry
            steps = window_view(xp, data, kernel, out, stride, dilate).reshape(self.split).strides
            if len(self.views) < 8:
                self.views[data.strides] = steps
        return strided(xp, data, self.split, steps)


def _windows_of(xp, data, plan):
    """Every window of `data`, in the order of `plan.split` (no copy)."""
    kernel, stride, dilate, pad, out = plan.geometry
    if plan.rows:
        return _rows_view(xp, _channels_last_padded(xp, data, pad), kernel, out, stride,
                          dilate, plan.groups)                    # (N, *out, g, *kernel, C/g)
    if any(pad):
        padded = pad_spatial(xp, data, pad, pad)
        source = window_view(xp, padded, kernel, out, stride, dilate)     # (N, C, *kernel, *out)
        return source.reshape(plan.split)                             # (N, g, C/g, ...)
    return plan.windows(xp, data)


def _window_part(xp, cols, plan, images):
    """The part of `cols` (the columns of `images` images) the windows fill, seen as
    plan.split for that many images; the bias's row of ones (last along the window axis) is
    set here."""
    part = cols
    if plan.bias:
        ones = (Ellipsis, -1) if plan.rows else (slice(None), slice(None), -1)
        part = cols[..., :-1] if plan.rows else cols[:, :, :-1]
        cols[ones] = 1
    return _split(xp, part, (images,) + plan.split[1:])


# Column elements from which im2col takes the compiled loops: below, their few microseconds of
# setup cost more than the copy saves.
_COMPILED_FROM_COPIES = 1 << 14


def _compiled_im2col(xp, data, plan, cols, lo, hi):
    """cols (the columns of images [lo, hi), in plan's layout) filled by the compiled loops;
    the caller has checked _conv_kernels.takes.

    On one thread. Split over two by image, LeNet's im2col calls were quicker by themselves
    (conv2's 670 -> 547 us in the step) but the training step slower: 12.0 -> 11.4 ms without
    the split (median of 6 interleaved runs; hybridized 10.9 -> 10.65), its conv2 data
    gradient alone 2094 -> 1810 us. ResNet-18/32x32's step was the same either way
    (691-705 ms)."""
    data5 = _conv_kernels.as_3d(xp.ascontiguousarray(data))
    fill = _conv_kernels.im2col_rows if plan.rows else _conv_kernels.im2col_channels
    fill(data5, plan.loops_geometry, plan.groups, plan.bias, cols, lo, hi, lo)


def im2col(xp, data, geometry, groups, bias=False, plan=None):
    """Columns of `data` in the layout `uses_rows` picks (see columns_shape); with `bias`, the
    last entry of every window is 1. `plan`: a ColumnsPlan for these arguments, if at hand."""
    if plan is None:
        plan = ColumnsPlan(data.shape, 0, geometry, groups, bias)
    cols = xp.empty(plan.shape, dtype=data.dtype)
    if plan.copies >= _COMPILED_FROM_COPIES and _conv_kernels.takes(xp, data.dtype):
        _compiled_im2col(xp, data, plan, cols, 0, data.shape[0])
        return cols
    target = _window_part(xp, cols, plan, data.shape[0])
    source = _windows_of(xp, data, plan)
    if plan.copies < _conv_parallel._MIN_ELEMENTS:     # not worth a thread: copy here
        target[...] = source
    else:
        _copy_into(xp, target, source, data.shape[0])
    return cols


def _rows_product_in_pieces(xp, data, w, plan):
    """The "rows" product of one group, a few images at a time (see _PIECES_FROM_ELEMENTS):
    the output (N, F, *out); the columns are not kept."""
    n = data.shape[0]
    positions = plan.shape[0] // n
    result = xp.empty((n, w.shape[0], positions), dtype=xp.result_type(data, w))
    for lo, hi, per_image in _column_pieces(xp, data, plan):
        # each image's filters times its columns' transpose: (F, P), already NCHW
        for i in range(hi - lo):
            xp.dot(w, per_image[i].T, out=result[lo + i])
    return result.reshape(plan.output)


# Output positions per image, and column elements, from which a one-group "rows" forward and a
# one-group data gradient go image by image over the threads (_products_by_images,
# _compiled_data_gradient). ResNet-18/32x32, batch 32, two threads, forward ms (forward plus
# backward): the 64 -> 128 stride-2 3x3 layer (256 positions) 9.5 -> 7.3 (25.6 -> 23.8), its
# 1x1 shortcut 4.5 -> 2.0 (9.5 -> 7.5); 64 positions gained nothing (128 -> 256 stride-2:
# 6.7 -> 6.5, 19.6 -> 19.6) or lost (LeNet's second layer, batch 64: 1.95 -> 1.85 but
# 5.3 -> 5.7 with the backward); 16 positions lost (5.8 -> 5.9).
_PER_IMAGE_FROM_POSITIONS = 128
_PER_IMAGE_FROM_COPIES = 1 << 19

# Below _PER_IMAGE_FROM_POSITIONS, a one-group "rows" forward of as many column elements goes
# over the threads a few images at a time instead, about this many output positions per piece:
# one product per piece, (positions, window) . (window, F), wide enough for BLAS on one thread,
# while its columns are in cache. Forward ms, whole / pieces of 128, 256, 512, 1024, 2048
# positions: LeNet's second layer (batch 64, 64 positions) 1.88 / 1.68, 1.49, 1.44, 1.45, 1.42;
# ResNet's 128 -> 256 stride-2 layer (batch 32, 64 positions) 6.4-7.0 / 6.5-6.8, 6.0-6.3,
# 5.7-5.9, 5.7-5.9, 5.6-5.9. Only where every thread gets a full piece: the 256 -> 512
# stride-2 layer (512 positions in the batch) lost at every size (5.8 -> 6.9-7.7).
_PIECE_POSITIONS = 1024


def _per_image(n, positions, columns):
    """Whether a one-group pass over n images of `positions` outputs each, whose columns have
    `columns` elements, goes image by image over the threads (the caller has checked that the
    compiled loops take its arrays)."""
    return n > 1 and positions >= _PER_IMAGE_FROM_POSITIONS and columns >= _PER_IMAGE_FROM_COPIES


def _images_per_piece(n, positions, columns, rows=True):
    """Images per piece of a one-group forward split over the threads (_products_by_images),
    0 where it is one product over the whole batch. "rows" layout: 1 where it goes image by
    image (_per_image), a few where images are narrow (_PIECE_POSITIONS). "channels" layout
    (few channels): each thread's share of the batch, one product per thread."""
    if n < 2 or columns < _PER_IMAGE_FROM_COPIES:
        return 0
    if not rows:
        return -(-n // _conv_parallel.cpu_threads())
    if positions >= _PER_IMAGE_FROM_POSITIONS:
        return 1
    if not _full_pieces(n, positions):
        return 0
    return max(1, _PIECE_POSITIONS // positions)


def _full_pieces(n, positions):
    """Whether n images of `positions` outputs give every thread a full piece of
    _PIECE_POSITIONS (below, one product on BLAS's threads was the quicker)."""
    return n * positions >= _conv_parallel.cpu_threads() * _PIECE_POSITIONS


def _products_by_images(xp, data, w, plan, keep_columns):
    """The forward of one group, the batch split over the threads in pieces of
    plan.piece_images images, each piece's columns made and multiplied while in cache, the
    products on one BLAS thread per thread. "rows" layout, an image alone: its filters times
    its columns' transpose is its output, already NCHW; a piece of several: its columns times
    the filters' transpose, moved to NCHW while in cache. "channels" layout: the filters times
    each image's columns, NCHW as written. (output, columns or None); the columns are made
    whole where kept."""
    n = data.shape[0]
    positions = prod(plan.output[2:])
    filters = w.shape[0]
    images = plan.piece_images
    result = xp.empty((n, filters, positions), dtype=xp.result_type(data, w))
    cols = xp.empty(plan.shape, dtype=data.dtype) if keep_columns else None
    wt = xp.ascontiguousarray(w.T) if plan.rows and images > 1 else None
    # the columns of one image: "rows" (positions, 1, window), "channels" (1, window, positions)
    per_image = plan.shape[0] // n

    def work(lo, hi):
        buffer = None
        if not keep_columns:
            buffer = xp.empty((images * per_image,) + plan.shape[1:], data.dtype)
        for first in range(lo, hi, images):
            last = min(hi, first + images)
            count = last - first
            part = (cols[first * per_image:last * per_image] if keep_columns
                    else buffer[:count * per_image])
            _compiled_im2col(xp, data, plan, part, first, last)
            if not plan.rows:
                xp.matmul(w, part[:, 0], out=result[first:last])
            elif images == 1:
                xp.dot(w, part.reshape(positions, -1).T, out=result[first])
            else:
                product = xp.dot(part.reshape(count * positions, -1), wt)
                result[first:last] = product.reshape(count, positions, filters).transpose(0, 2, 1)
    _conv_parallel.parallel_products(work, n, plan.copies, _conv_parallel.DYNAMIC_SLICES)
    return result.reshape(plan.output), cols


def _column_pieces(xp, data, plan):
    """(lo, hi, the columns of images lo..hi-1 as (hi - lo, positions, window)) over the batch,
    a few images (about _PIECE_ELEMENTS column elements) at a time, every piece in one reused
    buffer: each is valid until the next is made."""
    n = data.shape[0]
    positions = plan.shape[0] // n
    images = max(1, _PIECE_ELEMENTS // (positions * plan.shape[2]))
    compiled = _conv_kernels.takes(xp, data.dtype)
    source = None if compiled else _windows_of(xp, data, plan)
    buffer = xp.empty((images * positions,) + plan.shape[1:], dtype=data.dtype)
    for lo in range(0, n, images):
        hi = min(n, lo + images)
        cols = buffer[:(hi - lo) * positions]
        if compiled:
            _compiled_im2col(xp, data, plan, cols, lo, hi)
        else:
            _copy_into(xp, _window_part(xp, cols, plan, hi - lo), source[lo:hi], hi - lo)
        yield lo, hi, cols.reshape(hi - lo, positions, -1)


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


def _with_bias(xp, w, bias, groups):
    """w (groups, F/g, window) with the bias appended to every filter (the columns' ones)."""
    b = bias.reshape(groups, -1, 1).astype(w.dtype, copy=False)
    return xp.concatenate([w, b], axis=2)


def _rows_of(xp, x):
    """(N, F, *spatial) -> contiguous (N * prod(spatial), F)."""
    order = (0,) + tuple(range(2, x.ndim)) + (1,)
    return xp.ascontiguousarray(x.transpose(order)).reshape(-1, x.shape[1])


def conv_forward(xp, data, weight, bias, geometry, groups, weight_rows=None, plan=None,
                 keep_columns=True):
    """(output (N, F, *out), columns) of the convolution. `weight_rows`, where given, is the
    weight already in the "rows" order (_weight_rows); `plan`, a ColumnsPlan for these shapes.
    Without `keep_columns` the columns returned are None, and large ones are never whole."""
    filters = weight.shape[0]
    if plan is None:
        plan = ColumnsPlan(data.shape, filters, geometry, groups, bias is not None)
    if plan.rows:
        n = data.shape[0]
        w = _weight_rows(xp, weight, groups) if weight_rows is None else weight_rows
        if bias is not None:
            w = _with_bias(xp, w, bias, groups)
        if (not keep_columns and groups == 1 and xp is numpy and n > 1
                and prod(plan.shape) >= _PIECES_FROM_ELEMENTS):
            return _rows_product_in_pieces(xp, data, w[0], plan), None
        if plan.piece_images and _conv_kernels.takes(xp, data.dtype):
            return _products_by_images(xp, data, w[0], plan, keep_columns)
        cols = im2col(xp, data, geometry, groups, bias is not None, plan)
        rows = _per_group(xp, lambda g: xp.dot(cols[:, g], w[g].T), groups, axis=1)
        result = xp.ascontiguousarray(rows.reshape(n, prod(plan.output[2:]), filters)
                                      .transpose(0, 2, 1))
        return result.reshape(plan.output), cols
    w = weight.reshape(groups, filters // groups, -1)
    if bias is not None:
        w = _with_bias(xp, w, bias, groups)
    if plan.piece_images and _conv_kernels.takes(xp, data.dtype):
        return _products_by_images(xp, data, w[0], plan, True)
    cols = im2col(xp, data, geometry, groups, bias is not None, plan)
    # (N, groups, F/g, P): each image's output, NCHW as it is written
    result = xp.matmul(w[0] if groups == 1 else w, cols)
    return result.reshape(plan.output), cols


def weight_gradient(xp, og, cols, channels, kernel, groups, bias=False):
    """(weight gradient (F, C/g, *kernel), bias gradient (F,) or None): ograd . columns^T per
    group; the bias gradient is the product's column of the ones that `bias` columns carry."""
    n, filters = og.shape[:2]
    fg, cg = filters // groups, channels // groups
    if not uses_rows(cg):
        grad = _channels_weight_gradient(xp, og, lambda lo, hi: cols[lo:hi], cols.shape,
                                         cols.dtype)
        return _channels_result(xp, grad, cg, kernel, bias)
    # one narrow group: pieces over the threads where the forward's would be (_images_per_piece)
    images = _images_per_piece(n, cols.shape[0] // n, cols.size) if groups == 1 else 0
    if images > 1 and xp is numpy:
        grad = _rows_weight_gradient_by_pieces(xp, og, cols, images)
    else:
        og2 = _rows_of(xp, og)                                                # (N*P, F)
        grad = _per_group(xp, lambda g: xp.dot(og2[:, g * fg:(g + 1) * fg].T, cols[:, g]),
                          groups, axis=0)                                     # (F, window)
    window = prod(kernel) * cg
    nd = len(kernel)
    grad_b = xp.ascontiguousarray(grad[:, window]) if bias else None
    grad = grad[:, :window].reshape((filters,) + tuple(kernel) + (cg,))
    return xp.ascontiguousarray(grad.transpose((0, nd + 1) + tuple(range(1, nd + 1)))), grad_b


def _channels_result(xp, grad, cg, kernel, bias):
    """weight_gradient's results from the "channels" product (F, window [+ 1 with `bias`])."""
    window = prod(kernel) * cg
    grad_b = xp.ascontiguousarray(grad[:, window]) if bias else None
    shape = (grad.shape[0], cg) + tuple(kernel)
    return xp.ascontiguousarray(grad[:, :window]).reshape(shape), grad_b


def _channels_weight_gradient(xp, og, columns_of, shape, dtype):
    """sum over images of ograd (F/g, P) . columns^T per group, (F, window), for "channels"
    columns of `shape` (N, g, window, P): `columns_of(lo, hi)` gives images lo..hi-1's. Large
    ones go over the threads, each its images' products on one BLAS thread, summed here in
    image order whatever the split (LeNet's first layer 0.52 -> 0.40 ms)."""
    n, groups, window = shape[:3]
    og3 = og.reshape(n, groups, og.shape[1] // groups, -1)                   # (N, g, F/g, P)
    elements = prod(shape)
    if xp is numpy and n > 1 and elements >= _PER_IMAGE_FROM_COPIES:
        per_image = xp.empty(og3.shape[:3] + (window,), dtype=xp.result_type(og, dtype))

        def work(lo, hi):
            xp.matmul(og3[lo:hi], columns_of(lo, hi).swapaxes(-1, -2), out=per_image[lo:hi])
        _conv_parallel.parallel_products(work, n, elements, _conv_parallel.DYNAMIC_SLICES)
    else:
        per_image = xp.matmul(og3, columns_of(0, n).swapaxes(-1, -2))       # (N, g, F/g, window)
    return per_image.sum(axis=0).reshape(og.shape[1], -1)


def _rows_weight_gradient_by_pieces(xp, og, cols, images):
    """ograd^T . columns of one "rows" group, (F, window), as a sum of pieces of `images`
    images computed over our threads (one BLAS thread each) and added in piece order: the
    same numbers whatever the thread count. Against one product on BLAS's threads after a
    transpose of the whole ograd: LeNet's training step 10.77 -> 10.37 ms (median, in-process
    A/B), ResNet's 128 -> 256 stride-2 layer's forward plus backward 20.4-20.8 -> 17.9-18.4."""
    n, filters = og.shape[:2]
    positions = cols.shape[0] // n
    og3 = og.reshape(n, filters, positions)
    pieces = -(-n // images)
    partial = xp.empty((pieces, filters, cols.shape[-1]), dtype=xp.result_type(og, cols))
    flat = cols.reshape(cols.shape[0], -1)

    def work(lo, hi):
        for k in range(lo, hi):
            first, last = k * images, min(n, (k + 1) * images)
            og_piece = og3[first:last].transpose(1, 0, 2).reshape(filters, -1)
            xp.dot(og_piece, flat[first * positions:last * positions], out=partial[k])
    _conv_parallel.parallel_products(work, pieces, cols.size, _conv_parallel.DYNAMIC_SLICES)
    return partial.sum(axis=0)


def keeps_columns(data_shape, filters, geometry, groups):
    """Whether Convolution keeps its columns for the weight gradient (from the shapes alone, so
    shape inference and the kernels agree). Layers that Winograd's algorithm takes keep none
    (_conv_winograd.py: all three passes come from the data; where the compiled transforms
    cannot run, the weight gradient makes the columns again). Nor do layers whose columns are
    made a few images at a time (_columns_in_pieces)."""
    return not (_conv_winograd.shaped_for(data_shape, filters, geometry, groups)
                or _columns_in_pieces(data_shape, geometry, groups))


def _columns_in_pieces(data_shape, geometry, groups):
    """Whether the columns are large "rows" columns of one group: the forward goes a few images
    at a time, and the weight gradient recomputes them piece by piece (weight_gradient_from_data).
    ResNet-18/32x32's 64-channel layers, one thread: forward plus weight gradient 68.7 -> 64.5 ms
    (two threads 45.3 -> 43.7 ms), and 75 MB of columns less per layer between the passes."""
    kernel, out = geometry[0], geometry[4]
    cg = data_shape[1] // groups
    return (groups == 1 and uses_rows(cg) and data_shape[0] >= 2
            and prod(out) * data_shape[0] * prod(kernel) * cg >= _PIECES_FROM_ELEMENTS)


def weight_gradient_from_data(xp, og, data, geometry, groups, bias=False, plan=None):
    """weight_gradient's results from the data rather than from kept columns. Where the columns
    are large (_columns_in_pieces), a few images at a time (about _PIECE_ELEMENTS): each
    piece's columns in one reused buffer, and each image's ograd (F, P) times its columns added
    to the gradient while they are in cache (no transpose of the ograd). Few-channel layers
    whose forward goes over the threads: each thread its images' columns and products, the
    same bits as from kept columns. Elsewhere the whole columns once, as the forward would
    have kept them."""
    n, filters = og.shape[:2]
    kernel, out = geometry[0], geometry[4]
    if plan is None:
        plan = ColumnsPlan(data.shape, filters, geometry, groups, bias)
    if not plan.rows and plan.piece_images and _conv_kernels.takes(xp, data.dtype):
        # few channels, a forward over the threads (_products_by_images): each thread makes
        # its images' columns and multiplies them while in cache, no whole columns (LeNet's
        # first layer, hybridized: its 3.8 MB, and ~0.1 ms of its step)
        def columns_of(lo, hi):
            part = xp.empty((hi - lo,) + plan.shape[1:], dtype=data.dtype)
            _compiled_im2col(xp, data, plan, part, lo, hi)
            return part
        grad = _channels_weight_gradient(xp, og, columns_of, plan.shape, data.dtype)
        return _channels_result(xp, grad, data.shape[1] // groups, kernel, bias)
    if not _columns_in_pieces(data.shape, geometry, groups):
        return weight_gradient(xp, og, im2col(xp, data, geometry, groups, bias, plan),
                               data.shape[1], kernel, groups, bias)
    window = plan.shape[2]
    og3 = og.reshape(n, filters, prod(out))
    total = xp.zeros((filters, window), dtype=og.dtype)
    part = xp.empty((filters, window), dtype=og.dtype)
    for lo, hi, per_image in _column_pieces(xp, data, plan):
        for i in range(hi - lo):
            xp.dot(og3[lo + i], per_image[i], out=part)
            total += part
    k = prod(kernel) * data.shape[1]
    grad_b = xp.ascontiguousarray(total[:, k]) if bias else None
    grad = total[:, :k].reshape((filters,) + tuple(kernel) + (data.shape[1],))
    nd = len(kernel)
    return xp.ascontiguousarray(grad.transpose((0, nd + 1) + tuple(range(1, nd + 1)))), grad_b


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
    """The data gradient (N, C, *spatial). With the compiled loops, a product and a col2im per
    piece of images (_compiled_data_gradient), except on small outputs of size-keeping layers.
    Without them, where the convolution keeps the data's size (ResNet's 3x3 layers with
    padding 1) this is the forward convolution of ograd with the flipped weight: one wide
    product over im2col columns (measured 1.1-1.2x quicker on ResNet's 64- and 256-channel
    layers). Elsewhere, one product per kernel position (_col2im_gradient)."""
    full = _as_full_convolution(geometry, data_shape, groups)
    if _conv_kernels.takes(xp, og.dtype) and (
            full is None or prod(geometry[4]) >= _COMPILED_FROM_POSITIONS):
        return _compiled_data_gradient(xp, og, weight, data_shape, geometry, groups)
    if full is not None:
        flipped = _Flipped(xp, weight, groups)
        return conv_forward(xp, og, flipped.weight, None, full, groups, flipped.rows,
                            keep_columns=False)[0]
    return _col2im_gradient(xp, og, weight, data_shape, geometry, groups)


# Output positions per image from which the compiled data gradient beats the full convolution
# (ResNet-18/32x32, one thread: 32x32 and 16x16 outputs 34.4 -> 26.0 and 28.2 -> 20.7 ms; on
# 8x8 and 4x4 outputs the per-image products are too narrow: 41.8 -> 45.0, 22.2 -> 38.8 ms).
# Where the data gradient is not a full convolution it wins everywhere (LeNet's conv2 4.6 ->
# 2.9 ms, ResNet's strided 64 -> 128 layer 28.8 -> 15.6 ms).
_COMPILED_FROM_POSITIONS = 256

# Column elements per piece of the data gradient's product + col2im: the piece's columns stay
# in L2 between the product that writes them and the col2im that reads them.
_COL2IM_PIECE = 1 << 18

# Output widths up to which a one-group data gradient takes the "rows" columns
# (_compiled_rows_data_gradient): the "channels" columns' col2im adds runs of one output row,
# too short to vectorize on narrow outputs. Two threads, batch 64/32: LeNet's conv2 (8 wide)
# 2.5 -> 1.45 ms, ResNet's strided 128 -> 256 (8 wide) and 256 -> 512 (4 wide) layers
# 7.6 -> 7.6 and 13.5 -> 5.6 ms; 16 wide (64 -> 128) 7.5 -> 11.8 ms.
_ROWS_GRADIENT_WIDTH = 8

# Column elements per piece of the "rows" data gradient: its product is wider the more images
# it takes (the three layers above, pieces of 2^18 / 2^20 / 2^22 elements: 1.77 / 1.43 / 1.58,
# 8.2 / 7.6 / 7.0 and 6.5 / 5.6 / 5.3 ms); 2^20 (4 MB in float32) keeps the step's peak low.
_ROWS_PIECE = 1 << 20


def _compiled_data_gradient(xp, og, weight, data_shape, geometry, groups):
    """The data gradient (N, C, *spatial) a few images at a time: the weight's transpose times
    each image's ograd (F/g, P) is that image's columns' gradient in the "channels" layout,
    which the compiled col2im adds back into the data's positions (NCHW, no transposes). One
    buffer serves every piece; the products use BLAS's threads, col2im is split over ours
    (products inside our threads would ask BLAS for threads too: two cores, four threads).

    Wide one-group layers (_per_image) go image by image instead, the batch split over our
    threads as the per-image forward's is (_products_by_images): each image's product,
    on one BLAS thread per thread, and its col2im while in cache. The 64 -> 128 stride-2
    layer's forward plus backward 24.3 -> 21.8 ms, its 1x1 shortcut's 7.8 -> 6.6 (two
    threads, batch 32)."""
    if groups == 1 and uses_rows(data_shape[1]) and geometry[4][-1] <= _ROWS_GRADIENT_WIDTH:
        return _compiled_rows_data_gradient(xp, og, weight, data_shape, geometry)
    kernel, out = geometry[0], geometry[4]
    n, c = data_shape[:2]
    f = weight.shape[0]
    fg = f // groups
    positions = prod(out)
    window = prod(kernel) * (c // groups)
    # (g, window, F/g): each group's filters' transpose
    wt = xp.ascontiguousarray(weight.reshape(groups, fg, window).transpose(0, 2, 1))
    og4 = og.reshape(n, groups, fg, positions)
    grad = xp.empty(data_shape, dtype=og.dtype)
    grad5 = _conv_kernels.as_3d(grad)
    geo = _conv_kernels.geometry_array(geometry)
    if groups == 1 and _per_image(n, positions, n * positions * window):
        def per_image(lo, hi):
            cols = xp.empty((1, 1, window, positions), dtype=og.dtype)
            for i in range(lo, hi):
                xp.dot(wt[0], og4[i, 0], out=cols[0, 0])
                _conv_kernels.col2im_channels(cols, geo, grad5, i, i + 1, i)
        _conv_parallel.parallel_products(per_image, n, n * window * positions,
                                         _conv_parallel.DYNAMIC_SLICES)
        return grad
    # at least an image per thread, so that every piece's col2im can be split
    images = max(1, min(n, max(_conv_parallel.cpu_threads(),
                               _COL2IM_PIECE // (positions * window * groups))))
    cols = xp.empty((images, groups, window, positions), dtype=og.dtype)
    for first in range(0, n, images):
        last = min(n, first + images)
        part = cols[:last - first]
        xp.matmul(wt, og4[first:last], out=part)

        def add(lo, hi, part=part, first=first):
            _conv_kernels.col2im_channels(part, geo, grad5, first + lo, first + hi, first)
        parallel_batches(xp, add, last - first, part.size)
    return grad


def _compiled_rows_data_gradient(xp, og, weight, data_shape, geometry):
    """_compiled_data_gradient for one group of many channels, in the "rows" layout: each
    piece's ograd moved channels last (images * P, F) times the filters (F, window) is the
    piece's columns' gradient as one wide product, and col2im_rows adds runs of kw * C
    elements where the "channels" columns have runs of one output row.

    The pieces go over our threads, each its product (on one BLAS thread) and its col2im while
    in cache. With the products on BLAS's threads and only col2im split over ours, LeNet's
    training step was ~1 ms slower (11.1-11.4 against 10.2-10.4 ms): BLAS's workers spin for a
    while after each product (mxnb.blas_threads) on the core our second thread then needs."""
    n = data_shape[0]
    f = weight.shape[0]
    positions = prod(geometry[4])
    w = _weight_rows(xp, weight, 1)[0]                          # (F, window)
    window = w.shape[1]
    og3 = og.reshape(n, f, positions)
    grad = xp.empty(data_shape, dtype=og.dtype)
    grad5 = _conv_kernels.as_3d(grad)
    geo = _conv_kernels.geometry_array(geometry)
    images = max(1, min(n, _ROWS_PIECE // (positions * window)))

    def work(lo, hi):
        moved = xp.empty((min(images, hi - lo), positions, f), dtype=og.dtype)
        cols = xp.empty((moved.shape[0] * positions, window), dtype=og.dtype)
        for first in range(lo, hi, images):
            last = min(hi, first + images)
            og_rows = moved[:last - first]
            og_rows[...] = og3[first:last].transpose(0, 2, 1)
            part = cols[:(last - first) * positions]
            xp.dot(og_rows.reshape(part.shape[0], f), w, out=part)
            _conv_kernels.col2im_rows(part, geo, grad5, first, last, first)
    if _full_pieces(n, positions):
        _conv_parallel.parallel_products(work, n, n * positions * window,
                                         _conv_parallel.DYNAMIC_SLICES)
    else:
        work(0, n)          # too few rows to split (the forward's rule): BLAS's threads
    return grad


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
