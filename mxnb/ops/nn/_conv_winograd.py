"""Where a convolution goes through Winograd's algorithm, and which of its two forms.

2-D, 3x3, stride-1, undilated, ungrouped layers with 16 or more channels in and out on images
of 4x4 or more (ResNet's), on NumPy arrays when the compiled kernels are enabled. Such a layer
keeps no im2col columns for its weight gradient (_conv_columns.keeps_columns asks `shaped_for`,
from the shapes alone, so that shape inference agrees): its forward, data gradient and weight
gradient all come from the data through the transforms.

F(4x4, 3x3) (_winograd_f43.py) multiplies 4 times less than a direct convolution,
F(2x2, 3x3) (_winograd_f23.py) 2.25 times less with cheaper transforms per output. Measured on
ResNet-18/32x32's layers (batch 32, float32, two threads; ms per layer, median of 9; the
products split over the threads, _conv_parallel.parallel_matmul):

    layer         forward           data gradient     weight gradient
                  F(2x2) / F(4x4)   F(2x2) / F(4x4)   F(2x2) / F(4x4)
    64ch 32x32    11.23 / 6.59      10.68 / 6.44      11.61 / 7.78
    128ch 16x16   7.58 / 5.27       7.48 / 5.23       8.00 / 6.02
    256ch 8x8     6.30 / 5.32       6.59 / 5.71       6.99 / 5.44
    512ch 4x4     7.60 / 9.57       9.04 / 12.62      7.52 / 8.63

So F(4x4) from 8x8 outputs, F(2x2) below. (Before the transforms went by chunks of images,
F(2x2) was the quicker forward and data gradient on 8x8 outputs too.) im2col, for comparison,
took 20.9 ms for the 64-channel weight gradient, and 12.3 and 14.3-15.0 ms for the 512-channel
forward and data gradient.

The forms (_winograd_f23.py, _winograd_f43.py) are their compiled transforms and filter
matrix; the passes here run the transforms split over the cores by chunks of images, the
filters' transforms as BLAS products, and the products between them split by transform
position (_conv_parallel.parallel_matmul).
"""
import numpy

from ... import compiled
from . import _winograd_f23, _winograd_f43
from . import _conv_parallel
from ._conv_parallel import parallel_batches, parallel_matmul

__all__ = ["shaped_for", "takes", "applies", "forward", "data_gradient", "weight_gradient"]

# Channels (in and out) from which the products are large enough for the transforms to pay,
# and the smallest image side.
_MIN_CHANNELS = 16
_MIN_SIDE = 4
# Output sides from which F(4x4, 3x3) is the quicker form (see above).
_F43_FROM_SIDE = 8
# Images side by side in the transforms' loops (see _winograd_f43). ResNet-18/32x32's layers,
# batch 32, one thread, ms for the data / output / output-gradient transforms:
#                        one image at a time   chunks of 8          chunks of 16
#   F(4x4) 64ch 32x32    5.5 / 6.2 / 3.9       2.35 / 1.74 / 2.29   2.33 / 1.77 / 2.23
#   F(4x4) 256ch 8x8     2.2 / 3.8 / 1.6       0.83 / 0.80 / 0.80   0.65 / 0.63 / 0.60
#   F(2x2) 256ch 8x8     2.6 / 1.0 / 1.8       1.36 / 0.70 / 1.15   1.30 / 0.78 / 1.16
#   F(2x2) 512ch 4x4     1.4 / 0.5 / 1.1       1.14 / 0.62 / 0.89   0.49 / 0.43 / 0.54
# (chunks of 4 were slower than 8 everywhere; of 32, like 16, but batch 32 is then one chunk
# and one thread). On two threads 8 and 16 were alike on every layer, forward and backward.
_CHUNK = 16


def shaped_for(data_shape, filters, geometry, groups):
    """Whether a Convolution of this geometry (kernel, stride, dilate, pad, out) on data of
    `data_shape` with `filters` filters has the shape that Winograd takes."""
    kernel, stride, dilate, pad, _ = geometry
    return (groups == 1 and len(data_shape) == 4 and tuple(kernel) == (3, 3)
            and tuple(stride) == (1, 1) and tuple(dilate) == (1, 1)
            and pad[0] <= 2 and pad[1] <= 2 and min(data_shape[2:]) >= _MIN_SIDE
            and data_shape[1] >= _MIN_CHANNELS and filters >= _MIN_CHANNELS)


def takes(xp, *arrays):
    """Whether the compiled transforms take these arrays (those a pass reads): one dtype that
    they run for, on NumPy, with the compiled kernels enabled."""
    dtype = arrays[0].dtype
    return all(a.dtype == dtype for a in arrays[1:]) and compiled.takes(xp, dtype)


def applies(xp, data_shape, filters, geometry, groups, *arrays):
    """Whether a pass of this Convolution runs through Winograd: its shape (shaped_for), and
    arrays it `takes`."""
    return shaped_for(data_shape, filters, geometry, groups) and takes(xp, *arrays)


def _form(out_shape):
    return _winograd_f43 if min(out_shape) >= _F43_FROM_SIDE else _winograd_f23


def _tiles(form, out_shape):
    return tuple((size + form.TILE - 1) // form.TILE for size in out_shape)


# kron(G, G) per (form, dtype), and the same with its columns reversed: a 3x3 filter's 9 taps
# (row-major) to its POSITIONS transformed values G g G^T (row-major).
_TAP_MATRICES = {}


def _tap_matrix(form, dtype, reverse=False):
    key = (form.__name__, numpy.dtype(dtype), reverse)
    matrix = _TAP_MATRICES.get(key)
    if matrix is None:
        taps = numpy.kron(form.G, form.G)
        matrix = _TAP_MATRICES[key] = numpy.ascontiguousarray(
            taps[:, ::-1] if reverse else taps, dtype=dtype)
    return matrix


def _transform_filters(form, weight, flip=False):
    """(POSITIONS, K, C) transformed filters G g G^T; where `flip`, those of the flipped and
    transposed weight (the data gradient's), (POSITIONS, C, K) as a transposed view, which the
    products take as it is. The transform is linear: one BLAS product of kron(G, G) with the
    filters' taps (a flipped filter's taps are its taps reversed). Memory-bound, and 1.7-1.9x
    quicker than the compiled loop per filter it replaced (ResNet-18/32x32's 512-channel F(2x2)
    filters 2.88 -> 1.52 ms, flipped 3.14 -> 1.56; 256-channel F(4x4) 1.21 -> 0.70)."""
    k, c = weight.shape[:2]
    taps = numpy.ascontiguousarray(weight).reshape(k * c, 9)
    product = numpy.matmul(_tap_matrix(form, weight.dtype, flip), taps.T).reshape(-1, k, c)
    return product.transpose(0, 2, 1) if flip else product


def _fold_filter_gradients(form, sums):
    """(K, C, 3, 3) filter gradients G^T s G from the summed products s (POSITIONS, K, C): the
    transform's transpose, one BLAS product."""
    positions, k, c = sums.shape
    taps = numpy.matmul(sums.reshape(positions, k * c).T, _tap_matrix(form, sums.dtype))
    return taps.reshape(k, c, 3, 3)


def _chunk(n):
    """Images per chunk of the transforms (side by side in their loops) for a batch of n:
    _CHUNK, or fewer where a thread would otherwise get no chunk."""
    return max(1, min(_CHUNK, -(-n // _conv_parallel.cpu_threads())))


def _by_chunks(work, n, elements):
    """work(chunk, first, last) over the images range(n) in chunks of _chunk(n) images, split
    over threads by whole chunks: the transforms number the tiles of a chunk together."""
    chunk = _chunk(n)
    parallel_batches(numpy, lambda lo, hi: work(chunk, lo * chunk, min(n, hi * chunk)),
                     (n + chunk - 1) // chunk, elements)


def _windows(form, data, pad, out_shape):
    """The transformed windows (POSITIONS, C, tiles) of `data` under an `out_shape` output."""
    n, channels = data.shape[0], data.shape[1]
    tiles_h, tiles_w = _tiles(form, out_shape)
    windows = numpy.empty((form.POSITIONS, channels, n * tiles_h * tiles_w), data.dtype)
    _by_chunks(lambda chunk, lo, hi: form.transform_data(
        data, pad[0], pad[1], tiles_h, tiles_w, chunk, lo, hi, windows), n, windows.size)
    return windows


def _convolve(form, data, weight, bias, pad, out_shape, flip=False):
    n = data.shape[0]
    filters = weight.shape[1] if flip else weight.shape[0]
    products = parallel_matmul(numpy, _transform_filters(form, weight, flip),
                               _windows(form, data, pad, out_shape))
    out = numpy.empty((n, filters) + tuple(out_shape), data.dtype)
    shift = bias if bias is not None else numpy.zeros(filters, data.dtype)
    tiles_h, tiles_w = _tiles(form, out_shape)
    _by_chunks(lambda chunk, lo, hi: form.transform_output(
        products, shift, tiles_h, tiles_w, chunk, lo, hi, out), n, out.size)
    return out


def forward(data, weight, bias, pad, out_shape, form=None):
    """Convolution of NCHW `data` with (K, C, 3, 3) `weight` (+ `bias`), stride 1, padding
    `pad`: the (N, K, *out_shape) result, by `form` (a module: _winograd_f23 or _winograd_f43)
    or, without one, by the form chosen for the output's size."""
    data = numpy.ascontiguousarray(data)
    if bias is not None:
        bias = numpy.ascontiguousarray(bias, dtype=data.dtype)
    return _convolve(form or _form(out_shape), data, weight, bias, pad, out_shape)


def data_gradient(ograd, weight, pad, data_shape, form=None):
    """The data gradient of `forward`, of the data's shape: ograd convolved with the flipped,
    transposed filters (padding 2 - pad)."""
    ograd = numpy.ascontiguousarray(ograd, dtype=weight.dtype)
    out_shape = tuple(data_shape[2:])
    return _convolve(form or _form(out_shape), ograd, weight, None, (2 - pad[0], 2 - pad[1]),
                     out_shape, flip=True)


def weight_gradient(ograd, data, pad, bias=False, form=None):
    """(weight gradient (K, C, 3, 3), bias gradient (K,) or None) of `forward` from its output
    gradient (N, K, *out): the output gradient's tiles through A (dM = A dY A^T), the data's
    windows through B^T as in the forward, their products summed over the tiles, and G^T dU G
    folding each sum back to a 3x3 filter."""
    data = numpy.ascontiguousarray(data)
    ograd = numpy.ascontiguousarray(ograd, dtype=data.dtype)
    n, filters, out_shape = ograd.shape[0], ograd.shape[1], ograd.shape[2:]
    form = form or _form(out_shape)
    tiles_h, tiles_w = _tiles(form, out_shape)
    windows = _windows(form, data, pad, out_shape)
    tile_grads = numpy.empty((form.POSITIONS, filters, windows.shape[2]), data.dtype)
    _by_chunks(lambda chunk, lo, hi: form.transform_ograd(
        ograd, tiles_h, tiles_w, chunk, lo, hi, tile_grads), n, tile_grads.size)
    sums = parallel_matmul(numpy, tile_grads, windows.transpose(0, 2, 1))
    return _fold_filter_gradients(form, sums), (ograd.sum(axis=(0, 2, 3)) if bias else None)
