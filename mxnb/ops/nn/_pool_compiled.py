"""Compiled pooling kernels (mxnb.compiled, numba): 2-D max, average and sum pooling and their
backward, each one loop that reads the data once, where the NumPy forms of pooling.py and
_pool_pairs.py make a pass (and often a temporary) per kernel position.

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

Only C-contiguous float32/float64 arrays come here (one compiled signature per dtype); 1-D data
is 2-D data one row high. The callers (pooling.py) choose between these and the NumPy forms.
"""
import numpy

from ... import compiled

__all__ = ["MAX", "SUM", "AVG", "applies", "pairs_forward", "pairs_backward", "pool_forward",
           "pool_backward"]

MAX, SUM, AVG = 0, 1, 2
_KINDS = {"max": MAX, "sum": SUM, "avg": AVG}


def applies(xp, dtype):
    """Whether the compiled kernels run for arrays of this module and dtype now."""
    return xp is numpy and dtype in (numpy.float32, numpy.float64) and compiled.enabled()


@compiled.kernel
def _pairs_forward(x, out):
    """out[n, c, i, j] = the maximum of x[n, c, 2i:2i+2, 2j:2j+2], columns before rows as
    _pool_pairs.max_pool: max(max(a, b), max(c, d))."""
    n, c, ho, wo = out.shape
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                top = x[b, ch, 2 * i]
                bottom = x[b, ch, 2 * i + 1]
                row = out[b, ch, i]
                for j in range(wo):
                    p, q = top[2 * j], top[2 * j + 1]
                    upper = p if (p > q or p != p) else q
                    r, s = bottom[2 * j], bottom[2 * j + 1]
                    lower = r if (r > s or r != r) else s
                    row[j] = upper if (upper > lower or upper != upper) else lower


@compiled.kernel
def _pairs_backward(og, x, pooled, zero, grad):
    """grad of 2x2 / stride-2 max pooling as _pool_pairs.max_pool_backward decides it: the top
    row when its maximum equals the pooled value, else the bottom row; in that row the right
    element when strictly larger than the left. The other three elements get og * 0."""
    n, c, ho, wo = pooled.shape
    for b in range(n):
        for ch in range(c):
            for i in range(ho):
                top = x[b, ch, 2 * i]
                bottom = x[b, ch, 2 * i + 1]
                g_top = grad[b, ch, 2 * i]
                g_bottom = grad[b, ch, 2 * i + 1]
                heads = og[b, ch, i]
                values = pooled[b, ch, i]
                for j in range(wo):
                    g = heads[j]
                    nothing = g * zero
                    p, q = top[2 * j], top[2 * j + 1]
                    upper = p if (p > q or p != p) else q
                    if upper == values[j]:
                        row, other, left, right = g_top, g_bottom, p, q
                    else:
                        row, other, left, right = g_bottom, g_top, bottom[2 * j], bottom[2 * j + 1]
                    other[2 * j] = nothing
                    other[2 * j + 1] = nothing
                    if right > left:
                        row[2 * j] = nothing
                        row[2 * j + 1] = g
                    else:
                        row[2 * j] = g
                        row[2 * j + 1] = nothing


@compiled.kernel
def _pool_forward(x, geometry, kind, counts, lowest, zero, out):
    """Max, sum or average pooling of (N, C, H, W) x into (N, C, OH, OW) out; geometry holds
    (kernel h, kernel w, stride h, stride w, pad h, pad w). Positions outside x count as
    `lowest` (max) or 0 (sums); averages divide by counts[i, j]."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, ho, wo = out.shape
    h, w = x.shape[2], x.shape[3]
    for b in range(n):
        for ch in range(c):
            plane = x[b, ch]
            for i in range(ho):
                top = i * sh - ph
                for j in range(wo):
                    left = j * sw - pw
                    total = zero
                    for v in range(kw):
                        col = left + v
                        inside = 0 <= col < w
                        # This column of the window down its rows (NumPy's first pass).
                        if kind == MAX:
                            acc = lowest
                            for u in range(kh):
                                row = top + u
                                a = plane[row, col] if inside and 0 <= row < h else lowest
                                if u == 0:
                                    acc = a
                                else:
                                    acc = acc if (acc > a or acc != acc) else a
                            if v == 0:
                                total = acc
                            else:
                                total = total if (total > acc or total != total) else acc
                        else:
                            acc = zero
                            for u in range(kh):
                                row = top + u
                                a = plane[row, col] if inside and 0 <= row < h else zero
                                acc = a if u == 0 else acc + a
                            total = acc if v == 0 else total + acc
                    if kind == AVG:
                        total = total / counts[i, j]
                    out[b, ch, i, j] = total


@compiled.kernel
def _max_winners(x, pooled, geometry, by_argmax, lowest, winners):
    """For each window, the kernel position (row-major, padding included) that takes its
    gradient, or -1: the first element equal to the pooled value, or (by_argmax) the first
    maximum as NumPy's argmax finds it (a NaN is the maximum)."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, ho, wo = pooled.shape
    h, w = x.shape[2], x.shape[3]
    for b in range(n):
        for ch in range(c):
            plane = x[b, ch]
            for i in range(ho):
                top = i * sh - ph
                for j in range(wo):
                    left = j * sw - pw
                    target = pooled[b, ch, i, j]
                    winner = -1
                    best = lowest
                    for u in range(kh):
                        row = top + u
                        for v in range(kw):
                            col = left + v
                            a = plane[row, col] if 0 <= row < h and 0 <= col < w else lowest
                            index = u * kw + v
                            if by_argmax:
                                if index == 0 or a > best or (a != a and best == best):
                                    best, winner = a, index
                            elif a == target:
                                winner = index
                                break
                        if winner >= 0 and not by_argmax:
                            break
                    winners[b, ch, i, j] = winner


@compiled.kernel
def _pool_backward(og, winners, geometry, kind, counts, disjoint, zero, grad):
    """The data gradient, gathered element by element: each element adds the parts of the
    windows that cover it in the order of its kernel positions (from 0), or takes its one
    window's part (disjoint windows). A window's part is og (avg: og / count) for sums; for max
    it is og at the window's winner and og * 0 elsewhere."""
    kh, kw, sh, sw, ph, pw = geometry[0], geometry[1], geometry[2], geometry[3], geometry[4], \
        geometry[5]
    n, c, h, w = grad.shape
    ho, wo = og.shape[2], og.shape[3]
    for b in range(n):
        for ch in range(c):
            heads = og[b, ch]
            for r in range(h):
                for s in range(w):
                    total = zero
                    for u in range(kh):
                        if (r + ph - u) % sh != 0:
                            continue
                        i = (r + ph - u) // sh
                        if i < 0 or i >= ho:
                            continue
                        for v in range(kw):
                            if (s + pw - v) % sw != 0:
                                continue
                            j = (s + pw - v) // sw
                            if j < 0 or j >= wo:
                                continue
                            g = heads[i, j]
                            if kind == AVG:
                                part = g / counts[i, j]
                            elif kind == SUM:
                                part = g
                            elif winners[b, ch, i, j] == u * kw + v:
                                part = g
                            else:
                                part = g * zero
                            total = part if disjoint else total + part
                    grad[b, ch, r, s] = total


def _contiguous(x):
    return x if x.flags.c_contiguous else numpy.ascontiguousarray(x)


def pairs_forward(x, out_shape):
    """2x2 / stride-2 max pooling of (N, C, H, W) x (a remainder row or column is not read)."""
    out = numpy.empty(out_shape, x.dtype)
    _pairs_forward(_contiguous(x), out)
    return out


def pairs_backward(og, x, pooled):
    """x's gradient under 2x2 / stride-2 max pooling (zero in a remainder row or column)."""
    covered = x.shape[2:] == (2 * pooled.shape[2], 2 * pooled.shape[3])
    grad = (numpy.empty if covered else numpy.zeros)(x.shape, og.dtype)
    _pairs_backward(_contiguous(og), _contiguous(x), _contiguous(pooled), og.dtype.type(0), grad)
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
    _pool_forward(data, numbers, _KINDS[kind], counts, dtype(-numpy.inf), dtype(0), result)
    return result.reshape(x.shape[:2] + tuple(geometry[3]))


def pool_backward(og, x, pooled, kind, geometry, counts=None, by_argmax=False):
    """x's gradient under kind pooling (see pool_forward); max sends each window's ograd to its
    winner, found as pooled-value equality or (by_argmax) as NumPy's argmax."""
    numbers, counts, out = _plan(geometry, counts, og.dtype)
    heads = _as_2d(_contiguous(og))
    grad = numpy.empty(_as_2d(x).shape, og.dtype)
    dtype = og.dtype.type
    if kind == "max":
        winners = numpy.empty(heads.shape, numpy.int32)
        _max_winners(_as_2d(_contiguous(x)), _as_2d(_contiguous(pooled)), numbers, bool(by_argmax),
                     x.dtype.type(-numpy.inf), winners)
    else:
        winners = numpy.empty((1, 1, 1, 1), numpy.int32)
    kernel, stride = geometry[0], geometry[1]
    disjoint = all(s >= k for s, k in zip(stride, kernel))
    _pool_backward(heads, winners, numbers, _KINDS[kind], counts, disjoint, dtype(0), grad)
    return grad.reshape(x.shape)
