"""Compiled im2col and col2im loops for Convolution (mxnb.compiled), one image at a time.

NumPy builds the columns in two passes over the whole batch (a channels-last, padded copy of
the data, then a strided copy of its windows) and sums them back with one strided add per
kernel position over the whole batch; each pass streams arrays far larger than the caches.
These loops do the same per image: the image's channels-last copy stays in L1/L2 while its
windows are copied out or added up, and nothing padded is ever built (positions outside the
data are zeros in im2col and skipped in col2im).

Every array is seen with three spatial dims (1-D and 2-D data as (1, 1, W) and (1, H, W)) and
the geometry is one int64 array, `geometry_array`: one compiled signature per dtype. The loops
take a range of images [lo, hi), so `_conv_parallel.parallel_batches` may split a batch over
threads (they are nogil). Only float32 and float64 take them (`takes`); other dtypes, CuPy
arrays and `compiled.enabled()` false use the NumPy forms in _conv_columns.

col2im, of "channels" columns (written straight into NCHW) or of one group's "rows" columns
(summed channels last per image, then written NCHW), adds each kernel position's values in
kernel order into zeros, as the NumPy per-position form does: given the same columns, they are
bit-equal (tests/ops/test_nn_conv_compiled.py).
"""
import numpy

from ... import compiled

__all__ = ["takes", "geometry_array", "as_3d", "im2col_rows", "im2col_channels", "col2im_channels",
           "col2im_rows"]

takes = compiled.takes      # float32 and float64 NumPy arrays, kernels enabled


def geometry_array(geometry):
    """(kernel, stride, dilate, pad, out), each lifted to three spatial dims (leading 1s, pad 0),
    as one (5, 3) int64 array."""
    rows = []
    for k, part in enumerate(geometry):
        fill = 0 if k == 3 else 1
        rows.append((fill,) * (3 - len(part)) + tuple(part))
    return numpy.array(rows, dtype=numpy.int64)


def as_3d(x):
    """(N, C, *spatial) with 1 to 3 spatial dims as (N, C, D, H, W): a view."""
    extra = 5 - x.ndim
    return x.reshape(x.shape[:2] + (1,) * extra + x.shape[2:])


# Inside the loops, arrays are indexed by loop counters (on views cut at the run's start) or by
# unsigned integers: numba then knows the indices are not negative and drops its wraparound
# test, which otherwise keeps LLVM from vectorizing the copies (3x slower on LeNet's columns).

@compiled.kernel
def _unpacked(geo):
    """geometry_array's rows as scalars: kernel, stride, dilate, pad and out, each (d, h, w)."""
    return (geo[0, 0], geo[0, 1], geo[0, 2], geo[1, 0], geo[1, 1], geo[1, 2],
            geo[2, 0], geo[2, 1], geo[2, 2], geo[3, 0], geo[3, 1], geo[3, 2],
            geo[4, 0], geo[4, 1], geo[4, 2])


@compiled.kernel
def _columns_inside(u0, sw, ow, w_in):
    """(e_lo, e_hi): the output columns e whose data column u0 + e * sw lies inside the data."""
    e_lo = 0 if u0 >= 0 else min(ow, (-u0 + sw - 1) // sw)
    return e_lo, max(e_lo, min(ow, (w_in - u0 + sw - 1) // sw))


@compiled.kernel
def im2col_rows(x, geo, groups, bias, cols, lo, hi, first):
    """The "rows" columns of images [lo, hi) of x (N, C, D, H, W), C-contiguous: cols (rows,
    groups, window), C-contiguous, whose row (i - first) * P + p holds image i's output
    position p: each group's window in (kd, kh, kw, channel) order, then a 1 when `bias`."""
    c_all, d_in, h_in, w_in = x.shape[1], x.shape[2], x.shape[3], x.shape[4]
    kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow = _unpacked(geo)
    cg = c_all // groups
    size = d_in * h_in * w_in
    window = cols.shape[2]
    flat = cols.reshape(-1)
    zero = x.dtype.type(0)
    one = x.dtype.type(1)
    # with one group and no dilation, a window's kw positions are one run of kw * C elements
    merged = groups == 1 and dw == 1
    run = kw * c_all
    last = numpy.empty((size, c_all), dtype=x.dtype)       # one image, channels last
    lastf = last.reshape(-1)
    for i in range(lo, hi):
        image = x[i].reshape(c_all, size)
        for s in range(size):          # sequential writes; the strided reads stay in L1
            here = last[s]
            for c in range(c_all):
                here[c] = image[c, s]
        row = (i - first) * od * oh * ow
        for a in range(od):
            for b in range(oh):
                for e in range(ow):
                    u0 = e * sw - pw
                    for g in range(groups):
                        dst = (row * groups + g) * window
                        c0 = g * cg
                        for p in range(kd):
                            z = a * sd + p * dd - pd
                            for q in range(kh):
                                y = b * sh + q * dh - ph
                                inside = 0 <= z < d_in and 0 <= y < h_in
                                line = (z * h_in + y) * w_in
                                if merged and inside and u0 >= 0 and u0 + kw <= w_in:
                                    target = flat[dst:dst + run]
                                    source = lastf[(line + u0) * c_all:(line + u0) * c_all + run]
                                    for t in range(run):
                                        target[t] = source[t]
                                    dst += run
                                    continue
                                for r in range(kw):
                                    u = u0 + r * dw
                                    target = flat[dst:dst + cg]
                                    if inside and 0 <= u < w_in:
                                        source = last[line + u, c0:c0 + cg]
                                        for t in range(cg):
                                            target[t] = source[t]
                                    else:
                                        for t in range(cg):
                                            target[t] = zero
                                    dst += cg
                        if bias:
                            flat[dst] = one
                    row += 1


@compiled.kernel
def im2col_channels(x, geo, groups, bias, cols, lo, hi, first):
    """The "channels" columns of images [lo, hi) of x (N, C, D, H, W), C-contiguous: cols (n,
    groups, window, P), C-contiguous, with image i at i - first; window rows in (channel, kd,
    kh, kw) order, then a row of 1s when `bias`."""
    c_all, d_in, h_in, w_in = x.shape[1], x.shape[2], x.shape[3], x.shape[4]
    kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow = _unpacked(geo)
    cg = c_all // groups
    positions = od * oh * ow
    window = cols.shape[2]
    xf = x.reshape(-1)
    flat = cols.reshape(-1)
    zero = x.dtype.type(0)
    one = x.dtype.type(1)
    for i in range(lo, hi):
        for g in range(groups):
            dst = ((i - first) * groups + g) * window * positions
            for t in range(cg):
                volume = (i * c_all + g * cg + t) * (d_in * h_in * w_in)
                for p in range(kd):
                    for q in range(kh):
                        for r in range(kw):
                            u0 = r * dw - pw
                            e_lo, e_hi = _columns_inside(u0, sw, ow, w_in)
                            for a in range(od):
                                z = a * sd + p * dd - pd
                                for b in range(oh):
                                    y = b * sh + q * dh - ph
                                    if z < 0 or z >= d_in or y < 0 or y >= h_in:
                                        for e in range(ow):
                                            flat[numpy.uint64(dst + e)] = zero
                                    else:
                                        src = volume + (z * h_in + y) * w_in + u0
                                        for e in range(e_lo):
                                            flat[numpy.uint64(dst + e)] = zero
                                        for e in range(e_lo, e_hi):
                                            flat[numpy.uint64(dst + e)] = xf[numpy.uint64(src + e * sw)]
                                        for e in range(e_hi, ow):
                                            flat[numpy.uint64(dst + e)] = zero
                                    dst += ow
            if bias:
                for col in range(positions):
                    flat[numpy.uint64(dst + col)] = one


@compiled.kernel
def col2im_channels(cols, geo, out, lo, hi, first):
    """out[i] (C, D, H, W) for images i in [lo, hi): the sum of the "channels" columns `cols`
    (n, groups, window, P; window rows in (channel, kd, kh, kw) order, no bias row;
    C-contiguous) back into the positions they were copied from, image i at i - first. Each
    element gets its kernel positions' values in kernel order, added into zeros."""
    groups = cols.shape[1]
    c_all, d_in, h_in, w_in = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow = _unpacked(geo)
    cg = c_all // groups
    positions = od * oh * ow
    window = cols.shape[2]
    flat = cols.reshape(-1)
    zero = out.dtype.type(0)
    for i in range(lo, hi):
        image = out[i].reshape(-1)
        for s in range(image.shape[0]):
            image[s] = zero
        for g in range(groups):
            src = ((i - first) * groups + g) * window * positions
            for t in range(cg):
                volume = (g * cg + t) * (d_in * h_in * w_in)
                for p in range(kd):
                    for q in range(kh):
                        for r in range(kw):
                            u0 = r * dw - pw
                            e_lo, e_hi = _columns_inside(u0, sw, ow, w_in)
                            for a in range(od):
                                z = a * sd + p * dd - pd
                                for b in range(oh):
                                    y = b * sh + q * dh - ph
                                    if 0 <= z < d_in and 0 <= y < h_in:
                                        dst = volume + (z * h_in + y) * w_in + u0
                                        if sw == 1:
                                            for e in range(e_lo, e_hi):
                                                image[numpy.uint64(dst + e)] += \
                                                    flat[numpy.uint64(src + e)]
                                        else:
                                            for e in range(e_lo, e_hi):
                                                image[numpy.uint64(dst + e * sw)] += \
                                                    flat[numpy.uint64(src + e)]
                                    src += ow


@compiled.kernel
def col2im_rows(cols, geo, out, lo, hi, first):
    """out[i] (C, D, H, W) for images i in [lo, hi): the sum of the "rows" columns `cols`
    (rows, window) of one group, row (i - first) * P + p holding output position p's window in
    (kd, kh, kw, channel) order, no bias entry; C-contiguous) back into the positions they were
    copied from. Each image is summed channels last in a scratch that stays in L1/L2, where a
    window's kw positions are one run of kw * C elements (LeNet's conv2: runs of 100 where the
    "channels" columns have runs of 8), then written NCHW. Output positions are visited last
    first: every element then gets its kernel positions' values in kernel order, added into
    zeros, as col2im_channels and the NumPy per-position form add them."""
    c_all, d_in, h_in, w_in = out.shape[1], out.shape[2], out.shape[3], out.shape[4]
    kd, kh, kw, sd, sh, sw, dd, dh, dw, pd, ph, pw, od, oh, ow = _unpacked(geo)
    size = d_in * h_in * w_in
    window = cols.shape[1]
    flat = cols.reshape(-1)
    zero = out.dtype.type(0)
    run = kw * c_all
    merged = dw == 1
    acc = numpy.empty(size * c_all, dtype=out.dtype)            # one image, channels last
    for i in range(lo, hi):
        for s in range(acc.shape[0]):
            acc[s] = zero
        row = (i - first) * od * oh * ow
        for a in range(od - 1, -1, -1):
            for b in range(oh - 1, -1, -1):
                for e in range(ow - 1, -1, -1):
                    u0 = e * sw - pw
                    src = (row + (a * oh + b) * ow + e) * window
                    for p in range(kd):
                        z = a * sd + p * dd - pd
                        for q in range(kh):
                            y = b * sh + q * dh - ph
                            if not (0 <= z < d_in and 0 <= y < h_in):
                                src += run
                                continue
                            line = (z * h_in + y) * w_in
                            if merged and u0 >= 0 and u0 + kw <= w_in:
                                target = acc[(line + u0) * c_all:(line + u0) * c_all + run]
                                source = flat[src:src + run]
                                for t in range(run):
                                    target[t] += source[t]
                                src += run
                                continue
                            for r in range(kw):
                                u = u0 + r * dw
                                if 0 <= u < w_in:
                                    target = acc[(line + u) * c_all:(line + u + 1) * c_all]
                                    source = flat[src:src + c_all]
                                    for t in range(c_all):
                                        target[t] += source[t]
                                src += c_all
        image = out[i].reshape(c_all, size)
        for c in range(c_all):          # sequential writes; the strided reads stay in cache
            here = image[c]
            for s in range(size):
                here[s] = acc[s * c_all + c]
