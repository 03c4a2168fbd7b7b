"""Compiled pooling kernels (mxnb.compiled, numba): max, average and sum pooling of 1-D and 2-D
windows and their backward, and global max pooling's backward, each one loop over the data,
where the NumPy forms of pooling.py and _pool_pairs.py make a pass (and often a temporary) per
kernel position.

Each kernel reproduces its NumPy form's arithmetic operation for operation, so the results are
bit-equal, NaNs, infinities and signed zeros included:

- maxima are taken as NumPy's `maximum(a, b)`: `a` when `a > b` or `a` is NaN, else `b`, in the
  same order (the rows of a window first, then its columns);
- sums add the same terms in the same order (each column of a window down its rows, then the
  column sums left to right), padding counting as an added 0;
- a window's gradient goes to the element its NumPy form picks (the first element equal to the
  pooled value, or the first maximum of an argmax for large windows), every other element of
  the window receiving `ograd * 0` (so a NaN or infinite ograd spreads as NumPy's mask product
  spreads it); an element under several windows adds their parts in kernel-position order,
  starting from 0, as the NumPy form's position-by-position passes do.

Only C-contiguous float32 arrays come here (one compiled signature per kernel); 1-D data is
2-D data one row high. The callers (pooling.py) choose between these and the NumPy forms.
"""
import numpy

from ... import compiled
from . import _conv_parallel

__all__ = ["MAX", "SUM", "AVG", "applies", "pairs_forward", "pairs_backward", "pool_forward",
           "pool_backward", "global_max_backward"]

MAX, SUM, AVG = 0, 1, 2
_FLOAT32 = (numpy.dtype(numpy.float32),)
_KINDS = {"max": MAX, "sum": SUM, "avg": AVG}


def applies(xp, dtype):
    """Whether the compiled kernels run for arrays of this module and dtype now: float32 only,
    one compiled signature per kernel (each costs ~1.5 s to compile on a machine's first use;
    float64 pooling, rare, keeps the NumPy form)."""
    return compiled.takes(xp, dtype, _FLOAT32)


# Which cases take these kernels: those where they beat the NumPy form by measurement
# (benchmarks/pool_layers.py --ab). Global max pooling's forward (one NumPy reduction) and 3-D
# windows keep the NumPy form. They lose where the NumPy form's whole-array passes are already
# few and cheap: 2x2 max pooling of channel-last data (the copy to channel-first costs more than
# the loop saves), 1-D max pooling's backward (three positions, against a search per window),
# and the backward of sum and average pooling whose windows do not overlap (plain strided
# copies) or overlap with stride 1 (contiguous adds).

def takes_pairs_forward(data):
    return data.flags.c_contiguous


def takes_global_backward(kind):
    """Global max pooling's backward: one argmax per channel against the NumPy form's pass per
    position (49 for a 7x7 map)."""
    return kind == "max"


def takes_backward(kind, geometry):
    kernel, stride = geometry[0], geometry[1]
    if kind == "max":
        return len(kernel) == 2
    overlapping = any(s < k for s, k in zip(stride, kernel))
    return overlapping and any(s > 1 for s in stride)


@compiled.kernel
def _pairs_forward(x, out):
    """out[n, c, i, j] = the maximum of x[n, c, 2i:2i+2, 2j:2j+2], as _pool_pairs.max_pool takes
    it: max(max(a, b), max(c, d)). (Selects written with | so they compile without branches.)"""
    n, c, ho, wo = out.shape
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                for j in range(wo):
                    p, q = x[b, ch, 2 * i, 2 * j], x[b, ch, 2 * i, 2 * j + 1]
                    r, s = x[b, ch, 2 * i + 1, 2 * j], x[b, ch, 2 * i + 1, 2 * j + 1]
                    upper = p if (p > q) | (p != p) else q
                    lower = r if (r > s) | (r != r) else s
                    out[b, ch, i, j] = upper if (upper > lower) | (upper != upper) else lower


@compiled.kernel
def _pairs_backward(og, x, pooled, zero, grad):
    """grad of 2x2 / stride-2 max pooling as _pool_pairs.max_pool_backward decides it: the top
    row when its maximum equals the pooled value, else the bottom row; in that row the right
    element when strictly larger than the left. The other three elements get og * 0.

    Random data makes these choices unpredictable, and numba compiles `a if c else b` to a
    branch here (znver3: 4.3 ns an element, slower than the NumPy form): the winner's row and
    column are integers computed from the comparisons, every element gets og * 0, and then the
    winner gets og (0.86 ns an element). The top row holds the pooled value exactly when one of
    its two elements equals it: the NaN cases agree, since a NaN pooled value equals nothing."""
    n, c, ho, wo = pooled.shape
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                r0 = 2 * i
                for j in range(wo):
                    c0 = 2 * j
                    g = og[b, ch, i, j]
                    nothing = g * zero
                    p, q = x[b, ch, r0, c0], x[b, ch, r0, c0 + 1]
                    r, s = x[b, ch, r0 + 1, c0], x[b, ch, r0 + 1, c0 + 1]
                    value = pooled[b, ch, i, j]
                    top = numpy.int64(p == value) | numpy.int64(q == value)
                    right = top * numpy.int64(q > p) + (1 - top) * numpy.int64(s > r)
                    grad[b, ch, r0, c0] = nothing
                    grad[b, ch, r0, c0 + 1] = nothing
                    grad[b, ch, r0 + 1, c0] = nothing
                    grad[b, ch, r0 + 1, c0 + 1] = nothing
                    grad[b, ch, r0 + 1 - top, c0 + right] = g


@compiled.kernel
def _pool_forward(x, geometry, kind, counts, lowest, zero, out):
    """Max, sum or average pooling of (N, C, H, W) x into (N, C, OH, OW) out; geometry holds
    (kernel h, kernel w, stride h, stride w, pad h, pad w). Padding counts as `lowest` (max)
    or 0 (sums); averages divide by counts[i, j].

    Row by row, as the NumPy form reduces: each output row first combines its window's input
    rows column by column (contiguous loops) into `line`, whose padding columns hold the
    padding value, then combines each window's columns of `line`. For max a padding row can be
    left out (max(-inf, a) is a and max(a, -inf) is a, bit for bit); for sums it adds 0, which
    turns a -0.0 into 0.0 as NumPy's padded sum does. The loops are written out per kind and
    for windows 2 and 3 wide, so that the inner loops hold no branches."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, ho, wo = out.shape
    h, w = x.shape[2], x.shape[3]
    is_max = kind == MAX
    length = (wo - 1) * sw + kw                 # columns the windows read, padding included
    real = min(w, length - pw)                  # of which in x
    line = numpy.empty(length, x.dtype)
    line[:] = lowest if is_max else zero
    # Views indexed from 0: numba turns a negative index around, so an index it cannot prove
    # non-negative (pw + k) costs a check per element and keeps the loop from vectorising.
    dst = line[pw:pw + real]
    for b in range(n):
        for ch in range(c):
            plane = x[b, ch]
            result = out[b, ch]
            for i in range(ho):
                # The window rows, column by column, into line[pw:pw + real].
                first = True
                for u in range(kh):
                    row = i * sh - ph + u
                    inside = 0 <= row < h
                    src = plane[row if inside else 0, :real]
                    if is_max:
                        if not inside:
                            continue
                        if first:
                            for k in range(real):
                                dst[k] = src[k]
                        else:
                            for k in range(real):
                                a, v = dst[k], src[k]
                                dst[k] = a if (a > v) | (a != a) else v
                    elif first:
                        if inside:
                            for k in range(real):
                                dst[k] = src[k]
                        else:
                            for k in range(real):
                                dst[k] = zero
                    elif inside:
                        for k in range(real):
                            dst[k] = dst[k] + src[k]
                    else:
                        for k in range(real):
                            dst[k] = dst[k] + zero
                    first = False
                if first:                       # (max) a window row of padding only
                    for k in range(real):
                        dst[k] = lowest
                # Each window's columns of line.
                if is_max and kw == 2:
                    for j in range(wo):
                        a, v = line[j * sw], line[j * sw + 1]
                        result[i, j] = a if (a > v) | (a != a) else v
                elif is_max and kw == 3:
                    for j in range(wo):
                        a, v, t = line[j * sw], line[j * sw + 1], line[j * sw + 2]
                        a = a if (a > v) | (a != a) else v
                        result[i, j] = a if (a > t) | (a != a) else t
                elif is_max:
                    for j in range(wo):
                        a = line[j * sw]
                        for k in range(1, kw):
                            v = line[j * sw + k]
                            a = a if (a > v) | (a != a) else v
                        result[i, j] = a
                else:
                    if kw == 2:
                        for j in range(wo):
                            result[i, j] = line[j * sw] + line[j * sw + 1]
                    elif kw == 3:
                        for j in range(wo):
                            result[i, j] = (line[j * sw] + line[j * sw + 1]) + line[j * sw + 2]
                    else:
                        for j in range(wo):
                            a = line[j * sw]
                            for k in range(1, kw):
                                a = a + line[j * sw + k]
                            result[i, j] = a
                    if kind == AVG:
                        for j in range(wo):
                            result[i, j] = result[i, j] / counts[i, j]


@compiled.kernel
def _max_backward(og, x, pooled, geometry, by_argmax, disjoint, lowest, zero, grad):
    """Max pooling's data gradient into zeroed grad. Each window's winner is the first kernel
    position (row-major, padding included, as `lowest`) whose value equals the pooled one, or
    (by_argmax) the first maximum as NumPy's argmax finds it, a NaN being the maximum.

    The first equal element is found through the columns: for each output row, each column's
    maximum over the window rows and the first row holding it (contiguous loops); a window's
    winner is then the column whose first such row comes first, the leftmost of equal rows.
    That is the first equal element whenever the pooled value is the window's maximum, as it
    is when `pooled` is this pooling's output; for any other `pooled`, and for argmax, a loop
    over the window decides.

    Disjoint windows write og at the winner and og * 0 at their other elements, a row of
    windows at a time through `line` (padded columns; gaps between windows stay 0). Overlapping
    windows add those parts; the NumPy form adds them position by position, so an element gets
    its windows' parts from the last window to the first: the loops run backwards to add in
    that order. og * 0 is a signed zero for a finite og, and adding it changes nothing (the sum
    starts at 0.0, never -0.0): then only the winner is added to."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, ho, wo = pooled.shape
    h, w = x.shape[2], x.shape[3]
    length = (wo - 1) * sw + kw
    real = min(w, length - pw)
    line = numpy.zeros(length, grad.dtype)
    win_rows = numpy.empty(wo, numpy.int64)
    win_cols = numpy.empty(wo, numpy.int64)
    # Column maxima and the first row holding each, padding columns as `lowest` from row 0;
    # col_* are their zero-based views of the columns in x (see _pool_forward).
    line_max = numpy.full(length, lowest, x.dtype)
    line_first = numpy.zeros(length, numpy.int64)
    col_max, col_first = line_max[pw:pw + real], line_first[pw:pw + real]
    for b in range(n):
        for ch in range(c):
            plane = x[b, ch]
            target = grad[b, ch]
            heads = og[b, ch]
            values = pooled[b, ch]
            for i in range(ho - 1, -1, -1):
                top = i * sh - ph
                if not by_argmax:
                    for u in range(kh):
                        row = top + u
                        inside = 0 <= row < h
                        src = plane[row if inside else 0, :real]
                        if u == 0:
                            for k in range(real):
                                col_max[k] = src[k] if inside else lowest
                                col_first[k] = 0
                            continue
                        for k in range(real):
                            m, a = col_max[k], src[k] if inside else lowest
                            col_first[k] = u if a > m else col_first[k]
                            col_max[k] = m if (m > a) | (m != m) else a
                for j in range(wo - 1, -1, -1):
                    value = values[i, j]
                    left = j * sw - pw
                    best_row, best_col, exact = kh, 0, False
                    if not by_argmax:
                        start = j * sw
                        peak = line_max[start]
                        # (Selects, not branches: which column wins is random. Windows 3
                        # wide, the stems', written out: a loop of 3 costs more than its body.)
                        if kw == 3:
                            m0, m1, m2 = line_max[start], line_max[start + 1], line_max[start + 2]
                            peak = m1 if (m1 > m0) | (m1 != m1) else m0
                            peak = m2 if (m2 > peak) | (m2 != m2) else peak
                            u0 = line_first[start] if m0 == value else kh
                            u1 = line_first[start + 1] if m1 == value else kh
                            u2 = line_first[start + 2] if m2 == value else kh
                            best_row, best_col = u0, 0
                            best_col = 1 if u1 < best_row else best_col
                            best_row = min(u1, best_row)
                            best_col = 2 if u2 < best_row else best_col
                            best_row = min(u2, best_row)
                        else:
                            for v in range(kw):
                                m = line_max[start + v]
                                peak = m if (m > peak) | (m != m) else peak
                                u = line_first[start + v] if m == value else kh
                                best_col = v if u < best_row else best_col
                                best_row = min(u, best_row)
                        exact = (peak == value) | ((peak != peak) & (value != value))
                    if not exact:
                        best_row, best_col, best = kh, 0, lowest
                        for u in range(kh):
                            row = top + u
                            for v in range(kw):
                                col = left + v
                                inside = (0 <= row < h) & (0 <= col < w)
                                a = plane[row if inside else 0, col if inside else 0]
                                a = a if inside else lowest
                                if by_argmax:
                                    if (u + v == 0) | (a > best) | ((a != a) & (best == best)):
                                        best_row, best_col, best = u, v, a
                                elif (best_row == kh) & (a == value):
                                    best_row, best_col = u, v
                    if disjoint:
                        win_rows[j], win_cols[j] = best_row, best_col
                        continue
                    g = heads[i, j]
                    nothing = g * zero
                    if nothing == zero:                 # finite: only the winner changes
                        row, col = top + best_row, left + best_col
                        if (best_row < kh) & (0 <= row < h) & (0 <= col < w):
                            target[row, col] = target[row, col] + g
                        continue
                    for u in range(kh):
                        row = top + u
                        if row < 0 or row >= h:
                            continue
                        for v in range(kw):
                            col = left + v
                            if 0 <= col < w:
                                part = g if (u == best_row) & (v == best_col) else nothing
                                target[row, col] = target[row, col] + part
                if not disjoint:
                    continue
                for u in range(kh):
                    row = top + u
                    if row < 0 or row >= h:
                        continue
                    for j in range(wo):
                        g = heads[i, j]
                        nothing = g * zero
                        start = j * sw
                        for v in range(kw):
                            hit = (u == win_rows[j]) & (v == win_cols[j])
                            line[start + v] = g if hit else nothing
                    destination = target[row]
                    for k in range(real):
                        destination[k] = line[pw + k]


@compiled.kernel
def _sum_backward(og, geometry, kind, counts, grad):
    """Sum or average pooling's data gradient into zeroed grad, for overlapping windows: each
    window's og (avg: divided by its count) added to each of its elements. The NumPy
    form adds position by position, so an element gets its windows' parts from the last window
    to the first: here the output rows go backwards and, within one, the kernel columns
    forwards (the window columns backwards); for one kernel column the windows' elements are
    distinct, one strided loop over the output columns."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, h, w = grad.shape
    ho, wo = og.shape[2], og.shape[3]
    parts = numpy.empty(wo, grad.dtype)
    for b in range(n):
        for ch in range(c):
            target = grad[b, ch]
            heads = og[b, ch]
            for i in range(ho - 1, -1, -1):
                if kind == AVG:
                    for j in range(wo):
                        parts[j] = heads[i, j] / counts[i, j]
                else:
                    for j in range(wo):
                        parts[j] = heads[i, j]
                for u in range(kh):
                    row = i * sh - ph + u
                    if row < 0 or row >= h:
                        continue
                    for v in range(kw):
                        # The windows j whose column v is in x: 0 <= j * sw - pw + v < w.
                        first = max(0, (pw - v + sw - 1) // sw)
                        last = min(wo, (w - 1 + pw - v) // sw + 1)
                        if last <= first:
                            continue
                        start = first * sw - pw + v
                        columns = target[row, start:start + (last - first - 1) * sw + 1:sw]
                        some = parts[first:last]
                        for t in range(last - first):
                            columns[t] = columns[t] + some[t]


@compiled.kernel
def _global_max_backward(og, x, zero, grad):
    """Global max pooling's data gradient, (N, C, M) x and grad, (N, C) og: og at each row's
    first maximum as NumPy's argmax finds it (a NaN is the maximum), og * 0 elsewhere, each
    added to 0 as the NumPy form adds its position-by-position parts."""
    n, c, m = x.shape
    for b in range(n):
        for ch in range(c):
            row = x[b, ch]
            best, winner = row[0], 0
            for k in range(1, m):
                a = row[k]
                better = (a > best) | ((a != a) & (best == best))
                winner = k if better else winner
                best = a if better else best
            g = og[b, ch]
            nothing = zero + g * zero
            destination = grad[b, ch]
            for k in range(m):
                destination[k] = nothing
            # (One element: the NumPy form writes og * 1 rather than adding, keeping a -0.0.)
            destination[winner] = g if m == 1 else zero + g


def _contiguous(x):
    return x if x.flags.c_contiguous else numpy.ascontiguousarray(x)


# Elements of x from which the kernels are split over the threads by image (one hand-off
# costs more than the loop saves below; measured on the 2x2 kernels, used for all). ms, one thread / two: the backward of LeNet's first
# pooling (64x20x24x24) 0.49 / 0.36, of its second (64x50x8x8) 0.22 / 0.21, of 32x64x32x32
# 1.38 / 0.83; the forward of those 0.21 / 0.20, 0.08 / 0.11, 0.58 / 0.39.
_SPLIT_BACKWARD_FROM = 1 << 19
_SPLIT_FORWARD_FROM = 1 << 20


def _by_images(work, x, from_elements):
    """work(lo, hi) over the images of x: split over the threads from `from_elements`."""
    if x.size < from_elements:
        work(0, x.shape[0])
    else:
        _conv_parallel.parallel_batches(numpy, work, x.shape[0], x.size,
                                        _conv_parallel.DYNAMIC_SLICES)


def pairs_forward(x, out_shape):
    """2x2 / stride-2 max pooling of (N, C, H, W) x (a remainder row or column is not read)."""
    out = numpy.empty(out_shape, x.dtype)
    x = _contiguous(x)
    _by_images(lambda lo, hi: _pairs_forward(x[lo:hi], out[lo:hi]), x, _SPLIT_FORWARD_FROM)
    return out


def pairs_backward(og, x, pooled):
    """x's gradient under 2x2 / stride-2 max pooling (zero in a remainder row or column)."""
    covered = x.shape[2:] == (2 * pooled.shape[2], 2 * pooled.shape[3])
    grad = (numpy.empty if covered else numpy.zeros)(x.shape, og.dtype)
    og, x, pooled, zero = _contiguous(og), _contiguous(x), _contiguous(pooled), og.dtype.type(0)

    def work(lo, hi):
        _pairs_backward(og[lo:hi], x[lo:hi], pooled[lo:hi], zero, grad[lo:hi])
    _by_images(work, x, _SPLIT_BACKWARD_FROM)
    return grad


def _as_2d(x):
    """(N, C, W) data as (N, C, 1, W); 2-D data as it is."""
    return x.reshape(x.shape[:2] + (1,) + x.shape[2:]) if x.ndim == 3 else x


def _plan(geometry, counts, dtype):
    """(kernel, stride, pad, out) as the kernels' six-int array, and avg's counts as (OH, OW)."""
    kernel, stride, pad, out = geometry
    if len(kernel) == 1:
        kernel, stride, pad, out = (1,) + kernel, (1,) + stride, (0,) + pad, (1,) + out
    numbers = numpy.array(kernel + stride + pad, numpy.int64)
    if counts is None:
        counts = numpy.ones((1, 1), dtype)
    else:
        counts = numpy.ascontiguousarray(numpy.broadcast_to(counts.astype(dtype, copy=False), out))
    return numbers, counts, out


def pool_forward(x, kind, geometry, counts=None):
    """kind ('max', 'sum', 'avg') pooling of 1-D or 2-D channel-first x; geometry is pooling.py's
    (kernel, stride, pad, out); avg divides by `counts` (broadcastable to out)."""
    numbers, counts, out = _plan(geometry, counts, x.dtype)
    data = _as_2d(_contiguous(x))
    result = numpy.empty(data.shape[:2] + out, x.dtype)
    dtype = x.dtype.type
    lowest, zero, kind = dtype(-numpy.inf), dtype(0), _KINDS[kind]

    def work(lo, hi):
        _pool_forward(data[lo:hi], numbers, kind, counts, lowest, zero, result[lo:hi])
    _by_images(work, data, _SPLIT_FORWARD_FROM)
    return result.reshape(x.shape[:2] + tuple(geometry[3]))


def pool_backward(og, x, pooled, kind, geometry, counts=None, by_argmax=False):
    """x's gradient under kind pooling (see pool_forward); max sends each window's ograd to its
    winner, found as pooled-value equality or (by_argmax) as NumPy's argmax."""
    numbers, counts, out = _plan(geometry, counts, og.dtype)
    heads = _as_2d(_contiguous(og))
    grad = numpy.zeros(_as_2d(x).shape, og.dtype)
    dtype = og.dtype.type
    kernel, stride = geometry[0], geometry[1]
    disjoint = all(s >= k for s, k in zip(stride, kernel))
    data, values = _as_2d(_contiguous(x)), _as_2d(_contiguous(pooled))
    lowest, zero = x.dtype.type(-numpy.inf), dtype(0)

    def work(lo, hi):       # each image's gradient is its own: split by image
        if kind == "max":
            _max_backward(heads[lo:hi], data[lo:hi], values[lo:hi], numbers, bool(by_argmax),
                          disjoint, lowest, zero, grad[lo:hi])
        else:
            _sum_backward(heads[lo:hi], numbers, _KINDS[kind], counts, grad[lo:hi])
    _by_images(work, grad, _SPLIT_BACKWARD_FROM)
    return grad.reshape(x.shape)


def global_max_backward(og, x):
    """x's gradient under global max pooling (one window per channel, any spatial dims)."""
    n, c = x.shape[:2]
    grad = numpy.empty(x.shape, og.dtype)
    _global_max_backward(og.reshape(n, c), _contiguous(x).reshape(n, c, -1), og.dtype.type(0),
                         grad.reshape(n, c, -1))
    return grad
