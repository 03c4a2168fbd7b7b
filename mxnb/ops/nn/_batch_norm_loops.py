"""Compiled per-channel loops (mxnb.compiled) for BatchNorm's training forward and its backward,
over the data viewed as (N, C, M) (batch_norm._per_channel).

The NumPy forms stream the data five to seven times (einsum sums, a centred copy, scaled and
shifted planes); these loops read it twice (sums, then the result) and write the result once.
Sums accumulate in float64, in one lane per position of a row (see _channel_moments), so they differ from einsum's float32 sums by reordering and rounding only: the mean
and variance within a few float32 ulps, and results within float32 rounding of the NumPy form
(tests/ops/test_batch_norm_compiled.py checks 1e-5 relative). The elementwise part runs the NumPy
form's operations in its order, in the data's dtype.
"""
import numpy

from ... import compiled

__all__ = ["usable", "moments", "normalize", "gradient_sums", "data_gradient"]

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))


def usable(*arrays):
    """Whether the loops may take these (N, C, M) arrays: NumPy, C-contiguous, one float dtype,
    rows of at least 8 elements (the lanes below; NC and NHWC layouts, M = 1, keep the NumPy
    form), with compiled kernels enabled."""
    first = arrays[0]
    return (first.ndim == 3 and first.shape[2] >= 8 and all(type(a) is numpy.ndarray and a.dtype == first.dtype and a.flags.c_contiguous
                for a in arrays) and first.dtype in _FLOATS and compiled.enabled())


@compiled.kernel
def _channel_moments(x, mean, var, lanes):
    # mean and biased variance per channel of x (N, C, M) into float64 vectors: the mean first,
    # then the centred squares (two reads, as the NumPy form's two passes). Each channel's sums
    # run in M float64 lanes, lanes[m] adding x[n, c, m] over n: lanes are independent, so
    # the loop vectorizes without reordering any lane's additions; the lanes are added last.
    batch, channels, size = x.shape
    count = batch * size
    for c in range(channels):
        for m in range(size):
            lanes[m] = 0.0
        for n in range(batch):
            row = x[n, c]
            for m in range(size):
                lanes[m] += row[m]
        total = 0.0
        for m in range(size):
            total += lanes[m]
        mu = total / count
        for m in range(size):
            lanes[m] = 0.0
        for n in range(batch):
            row = x[n, c]
            for m in range(size):
                d = row[m] - mu
                lanes[m] += d * d
        total = 0.0
        for m in range(size):
            total += lanes[m]
        mean[c] = mu
        var[c] = total / count


@compiled.kernel
def _scale_shift(x, mean, scale, shift, out):
    # out = (x - mean) * scale + shift per channel, in x's dtype (the NumPy form's order)
    batch, channels, size = x.shape
    for n in range(batch):
        for c in range(channels):
            mu, a, b = mean[c], scale[c], shift[c]
            row, dst = x[n, c], out[n, c]
            for m in range(size):
                t = row[m] - mu
                t = t * a
                dst[m] = t + b


@compiled.kernel
def _sums(og, x, mean, sum_og, sum_og_centred, lanes, centred_lanes):
    # per channel: sum(og) and sum(og * (x - mean)), the centred value rounded in x's dtype as
    # the NumPy form's; in M float64 lanes per channel (see _channel_moments)
    batch, channels, size = x.shape
    for c in range(channels):
        mu = mean[c]
        for m in range(size):
            lanes[m] = 0.0
            centred_lanes[m] = 0.0
        for n in range(batch):
            g, row = og[n, c], x[n, c]
            for m in range(size):
                lanes[m] += g[m]
                centred_lanes[m] += g[m] * numpy.float64(row[m] - mu)
        total = centred_total = 0.0
        for m in range(size):
            total += lanes[m]
            centred_total += centred_lanes[m]
        sum_og[c] = total
        sum_og_centred[c] = centred_total


@compiled.kernel
def _og_times(og, a, out):
    batch, channels, size = og.shape
    for n in range(batch):
        for c in range(channels):
            k = a[c]
            g, dst = og[n, c], out[n, c]
            for m in range(size):
                dst[m] = g[m] * k


@compiled.kernel
def _og_times_plus_centred(og, x, mean, a, b, shift, out):
    # og * a + (x - mean) * b + shift per channel, in the NumPy form's order
    batch, channels, size = og.shape
    for n in range(batch):
        for c in range(channels):
            mu, ka, kb, kc = mean[c], a[c], b[c], shift[c]
            g, row, dst = og[n, c], x[n, c], out[n, c]
            for m in range(size):
                t = g[m] * ka
                d = row[m] - mu
                d = d * kb
                t = t + d
                dst[m] = t + kc


def moments(x3):
    """(mean, variance) per channel of x3 (N, C, M) in x3's dtype."""
    channels = x3.shape[1]
    mean = numpy.empty(channels)
    var = numpy.empty(channels)
    _channel_moments(x3, mean, var, numpy.empty(x3.shape[2]))
    return mean.astype(x3.dtype), var.astype(x3.dtype)


def _vector(v, dtype):
    return numpy.ascontiguousarray(v, dtype=dtype).reshape(-1)


def normalize(x3, mean, scale, shift):
    """(x3 - mean) * scale + shift per channel, a new (N, C, M) array."""
    out = numpy.empty_like(x3)
    _scale_shift(x3, _vector(mean, x3.dtype), _vector(scale, x3.dtype),
                 _vector(shift, x3.dtype), out)
    return out


def gradient_sums(og3, x3, mean):
    """(sum(og), sum(og * (x - mean))) per channel in x3's dtype."""
    channels = x3.shape[1]
    sum_og = numpy.empty(channels)
    sum_og_centred = numpy.empty(channels)
    lanes = numpy.empty((2, x3.shape[2]))
    _sums(og3, x3, _vector(mean, x3.dtype), sum_og, sum_og_centred, lanes[0], lanes[1])
    return sum_og.astype(x3.dtype), sum_og_centred.astype(x3.dtype)


def data_gradient(og3, x3, mean, a, b=None, shift=None):
    """og * a (b None), or og * a + (x - mean) * b + shift, per channel: a new array."""
    out = numpy.empty_like(og3)
    dtype = og3.dtype
    if b is None:
        _og_times(og3, _vector(a, dtype), out)
    else:
        _og_times_plus_centred(og3, x3, _vector(mean, dtype), _vector(a, dtype),
                               _vector(b, dtype), _vector(shift, dtype), out)
    return out
