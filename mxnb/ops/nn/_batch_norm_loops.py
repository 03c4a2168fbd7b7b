"""Compiled per-channel loops (mxnb.compiled) for BatchNorm's training forward and its backward,
over the data viewed as (N, C, M) (batch_norm._per_channel).

The NumPy forms stream the data five to seven times (einsum sums, a centred copy, scaled and
shifted planes); these loops take one channel at a time, reading its rows from memory once and
again from cache, and write the result once. Sums accumulate in float64, in one lane per
position of a row (see _forward_fused), so they differ from einsum's float32 sums by reordering
and rounding only: the mean and variance within a few float32 ulps, and results within float32
rounding of the NumPy form (tests/ops/test_batch_norm_compiled.py checks 1e-5 of each output's
largest value). The elementwise part runs the NumPy form's operations in its order, in the
data's dtype; the inference form (x * scale + shift) is bit-equal.
"""
import numpy

from ... import compiled
from ._conv_parallel import parallel_elementwise

__all__ = ["usable", "forward", "backward", "affine"]

_FLOATS = compiled.FLOATS


def usable(*arrays):
    """Whether the loops may take these (N, C, M) arrays: NumPy, C-contiguous, one float dtype,
    rows of at least 8 elements (the lanes below; NC and NHWC layouts, M = 1, keep the NumPy
    form), with compiled kernels enabled."""
    first = arrays[0]
    if first.ndim != 3 or first.shape[2] < 8 or first.dtype not in _FLOATS:
        return False
    return all(type(a) is numpy.ndarray and a.dtype == first.dtype and a.flags.c_contiguous
               for a in arrays) and compiled.enabled()


@compiled.kernel
def _forward_fused(x, gamma, beta, eps, one, fix_gamma, relu, mean, var, invstd, out, lanes,
                   first, last):
    # per channel, while its rows are still in cache (N rows of M: 128 kB for ResNet's largest
    # BatchNorm, so the second and third reads come from cache, not memory): the moments, then
    # invstd = 1 / sqrt(var + eps) and ((x - mean) * scale + beta) in x's dtype; mean, var and
    # invstd (x's dtype) are stored and read back, so the result uses their rounded values as
    # the NumPy form does
    batch, size = x.shape[0], x.shape[2]
    count = batch * size
    for c in range(first, last):
        # the mean, then the centred squares (two reads, as exact as the NumPy form's two
        # passes), each in M float64 lanes: lanes[m] adds x[n, c, m] over n; the lanes are
        # independent, so the loop vectorizes without reordering any lane's additions
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
        invstd[c] = one / numpy.sqrt(var[c] + eps)
        mu_d = mean[c]
        scale = invstd[c] if fix_gamma else invstd[c] * gamma[c]
        shift = beta[c]
        zero = one - one
        for n in range(batch):
            row, dst = x[n, c], out[n, c]
            for m in range(size):
                t = row[m] - mu_d
                t = t * scale
                v = t + shift
                # with relu, its maximum(v, 0) on the way out: NaN kept, -0.0 -> 0
                dst[m] = v if not relu or v > zero or v != v else zero


@compiled.kernel
def _backward_fused(og, x, gamma, mean, invstd, count, one, fix_gamma, training, relu_out,
                    masked, out, grad_gamma, grad_beta, lanes, centred_lanes, first, last):
    # per channel, while its rows are still in cache: sum(og) and sum(og * (x - mean)) (the
    # centred value rounded in x's dtype as the NumPy form's) in float64 lanes, then the NumPy
    # form's coefficients in x's dtype (stored and read back to round them) and the gradient
    # og * scale + (x - mean) * b + shift in its order. Where `masked` (BatchNormWithReLU),
    # og is first taken through relu's gradient from relu's output, (relu_out > 0) * og, as
    # relu's own loop computes it, each time it is read.
    batch, size = x.shape[0], x.shape[2]
    zero = one - one
    for c in range(first, last):
        mu = mean[c]
        for m in range(size):
            lanes[m] = 0.0
            centred_lanes[m] = 0.0
        for n in range(batch):
            g, row, y = og[n, c], x[n, c], relu_out[n, c]
            for m in range(size):
                # times exactly 1 where not masked: og itself, NaN and -0.0 included
                gm = (one if not masked or y[m] > zero else zero) * g[m]
                lanes[m] += gm
                centred_lanes[m] += gm * numpy.float64(row[m] - mu)
        total = centred_total = 0.0
        for m in range(size):
            total += lanes[m]
            centred_total += centred_lanes[m]
        grad_beta[c] = total
        grad_gamma[c] = centred_total
        inv = invstd[c]
        grad_gamma[c] = grad_gamma[c] * inv                  # sum(og * xhat)
        scale = inv if fix_gamma else inv * gamma[c]
        if training:
            b = -scale
            b = b * inv
            b = b * grad_gamma[c]
            b = b / count
            shift = -scale
            shift = shift * grad_beta[c]
            shift = shift / count
            for n in range(batch):
                g, row, dst, y = og[n, c], x[n, c], out[n, c], relu_out[n, c]
                for m in range(size):
                    gm = (one if not masked or y[m] > zero else zero) * g[m]
                    t = gm * scale
                    d = row[m] - mu
                    d = d * b
                    t = t + d
                    dst[m] = t + shift
        else:
            for n in range(batch):
                g, dst, y = og[n, c], out[n, c], relu_out[n, c]
                for m in range(size):
                    gm = (one if not masked or y[m] > zero else zero) * g[m]
                    dst[m] = gm * scale


def _vector(v, dtype):
    return numpy.ascontiguousarray(v, dtype=dtype).reshape(-1)


@compiled.kernel
def _affine(x, scale, shift, out):
    # x * scale + shift per channel (the inference form's two passes in one)
    batch, channels, size = x.shape
    for n in range(batch):
        for c in range(channels):
            a, b = scale[c], shift[c]
            row, dst = x[n, c], out[n, c]
            for m in range(size):
                t = row[m] * a
                dst[m] = t + b


def affine(x3, scale, shift):
    """x3 * scale + shift per channel: a new (N, C, M) array."""
    out = numpy.empty_like(x3)
    _affine(x3, _vector(scale, x3.dtype), _vector(shift, x3.dtype), out)
    return out


def forward(x3, gamma, beta, eps, fix_gamma, relu=False):
    """Training-mode normalisation of x3 (N, C, M): (out, mean, var, invstd), the vectors in
    x3's dtype; with `relu`, out goes through relu as it is written (BatchNormWithReLU). Large
    data is split over threads by channel (parallel_elementwise)."""
    dtype = x3.dtype
    channels = x3.shape[1]
    mean, var, invstd = (numpy.empty(channels, dtype) for _ in range(3))
    out = numpy.empty_like(x3)
    gamma, beta = _vector(gamma, dtype), _vector(beta, dtype)

    def work(first, last):
        _forward_fused(x3, gamma, beta, dtype.type(eps), dtype.type(1), bool(fix_gamma),
                       bool(relu), mean, var, invstd, out, numpy.empty(x3.shape[2]), first, last)
    parallel_elementwise(work, channels, x3.size)
    return out, mean, var, invstd


def backward(og3, x3, gamma, mean, invstd, fix_gamma, training, relu_out=None):
    """(data gradient (N, C, M), gamma gradient, beta gradient), the vectors in x3's dtype; the
    gamma gradient is sum(og * xhat) whatever fix_gamma (the caller zeroes it). With
    `relu_out` (BatchNormWithReLU's output, as og3), og3 goes through relu's gradient first."""
    dtype = x3.dtype
    channels = x3.shape[1]
    out = numpy.empty_like(og3)
    grad_gamma, grad_beta = numpy.empty(channels, dtype), numpy.empty(channels, dtype)
    gamma, mean, invstd = _vector(gamma, dtype), _vector(mean, dtype), _vector(invstd, dtype)

    def work(first, last):
        lanes = numpy.empty((2, x3.shape[2]))
        _backward_fused(og3, x3, gamma, mean, invstd, dtype.type(x3.shape[0] * x3.shape[2]),
                        dtype.type(1), bool(fix_gamma), bool(training),
                        og3 if relu_out is None else relu_out, relu_out is not None, out,
                        grad_gamma, grad_beta, lanes[0], lanes[1], first, last)
    parallel_elementwise(work, channels, x3.size)
    return out, grad_gamma, grad_beta
