"""Winograd's F(4x4, 3x3): a 3x3 stride-1 convolution with 4 times fewer multiplications;
its transforms, as compiled loops (mxnb.compiled, numba) that _conv_winograd.py runs.

Each 4x4 tile of the output is computed from the 6x6 window of the data under it as
Y = A^T [(G g G^T) * (B^T d B)] A: 36 elementwise products of transformed filters and
transformed windows replace 144 multiply-adds per channel. Summed over channels they are 36
matrix products (filters x channels) . (channels x tiles); the transforms read the data once,
and write 36/16 of it (im2col's columns are 9 times the data). The weight gradient goes
backwards through the same matrices: A for the output gradient's tiles, G^T to fold the
summed products back to 3x3 filters.

The transform matrices are those of Lavin and Gray (2015), points 0, 1, -1, 2, -2. In float32
the results agree with a direct convolution to about 1e-5 of the largest output on 256
channels (F(2x2, 3x3): 6e-7); in float64, to 1e-14.
"""
import numpy

from ... import compiled

__all__ = ["TILE", "POSITIONS", "transform_data", "transform_output", "transform_filters",
           "transform_ograd", "fold_filter_gradients"]

TILE = 4          # output tile side
POSITIONS = 36    # (TILE + 2) ** 2: the products per tile


@compiled.kernel
def transform_data(data, pad_h, pad_w, tiles_h, tiles_w, first, last, out):
    """out[36, C, tile] = B^T d B for every 6x6 window d of images first..last-1 (zero padded)."""
    channels, height, width = data.shape[1], data.shape[2], data.shape[3]
    row_length = 4 * tiles_w + 2
    two, four, five = data.dtype.type(2), data.dtype.type(4), data.dtype.type(5)
    rows = numpy.zeros((6, row_length), data.dtype)     # padded input rows (edges stay zero)
    mixed = numpy.empty((6, row_length), data.dtype)    # B^T applied down the columns
    # Tiles go through a small buffer, a few image rows of them at a time, so each of the 36
    # output rows is written in whole cache lines.
    per_flush = max(1, 256 // tiles_w)
    buffer = numpy.empty((36, per_flush * tiles_w), data.dtype)
    for c in range(channels):
        filled = 0
        start = first * tiles_h * tiles_w
        for n in range(first, last):
            for ty in range(tiles_h):
                for k in range(6):
                    y = 4 * ty + k - pad_h
                    row = rows[k]
                    if 0 <= y < height:
                        for j in range(width):
                            row[pad_w + j] = data[n, c, y, j]
                    else:
                        for j in range(row_length):
                            row[j] = 0
                r0, r1, r2, r3, r4, r5 = rows[0], rows[1], rows[2], rows[3], rows[4], rows[5]
                for j in range(row_length):
                    x0, x1, x2, x3, x4, x5 = r0[j], r1[j], r2[j], r3[j], r4[j], r5[j]
                    mixed[0, j] = four * x0 - five * x2 + x4
                    mixed[1, j] = (x3 + x4) - four * (x1 + x2)
                    mixed[2, j] = (x4 - x3) + four * (x1 - x2)
                    mixed[3, j] = (x4 - x2) + two * (x3 - x1)
                    mixed[4, j] = (x4 - x2) - two * (x3 - x1)
                    mixed[5, j] = four * x1 - five * x3 + x5
                for k in range(6):
                    m = mixed[k]
                    base = 6 * k
                    for tx in range(tiles_w):
                        x = 4 * tx
                        x0, x1, x2 = m[x], m[x + 1], m[x + 2]
                        x3, x4, x5 = m[x + 3], m[x + 4], m[x + 5]
                        at = filled + tx
                        buffer[base, at] = four * x0 - five * x2 + x4
                        buffer[base + 1, at] = (x3 + x4) - four * (x1 + x2)
                        buffer[base + 2, at] = (x4 - x3) + four * (x1 - x2)
                        buffer[base + 3, at] = (x4 - x2) + two * (x3 - x1)
                        buffer[base + 4, at] = (x4 - x2) - two * (x3 - x1)
                        buffer[base + 5, at] = four * x1 - five * x3 + x5
                filled += tiles_w
                if filled == buffer.shape[1] or (n == last - 1 and ty == tiles_h - 1):
                    out[:, c, start:start + filled] = buffer[:, :filled]
                    start += filled
                    filled = 0


@compiled.kernel
def transform_output(products, bias, tiles_h, tiles_w, first, last, out):
    """out[n, K, 4ty:4ty+4, 4tx:4tx+4] = A^T m A (+ bias) for images first..last-1, where m are
    the 36 summed products of one tile; rows and columns past the output are not written.
    (Without a bias, `bias` is zeros: adding 0 changes no sum but a -0.)"""
    filters, height, width = out.shape[1], out.shape[2], out.shape[3]
    two, four, eight = products.dtype.type(2), products.dtype.type(4), products.dtype.type(8)
    # A^T along each of the 6 rows of every tile in a row of tiles: row a holds the 4 output
    # columns of each tile side by side, so the pass down the columns runs along x.
    mixed = numpy.empty((6, 4 * tiles_w), products.dtype)
    for f in range(filters):
        shift = bias[f]
        for n in range(first, last):
            for ty in range(tiles_h):
                tile = (n * tiles_h + ty) * tiles_w
                for a in range(6):
                    p0, p1 = products[6 * a, f], products[6 * a + 1, f]
                    p2, p3 = products[6 * a + 2, f], products[6 * a + 3, f]
                    p4, p5 = products[6 * a + 4, f], products[6 * a + 5, f]
                    row = mixed[a]
                    for tx in range(tiles_w):
                        t = tile + tx
                        m0, m1, m2, m3, m4, m5 = p0[t], p1[t], p2[t], p3[t], p4[t], p5[t]
                        x = 4 * tx
                        row[x] = m0 + m1 + m2 + m3 + m4
                        row[x + 1] = (m1 - m2) + two * (m3 - m4)
                        row[x + 2] = (m1 + m2) + four * (m3 + m4)
                        row[x + 3] = (m1 - m2) + eight * (m3 - m4) + m5
                y = 4 * ty
                h0, h1, h2, h3, h4, h5 = mixed[0], mixed[1], mixed[2], mixed[3], mixed[4], mixed[5]
                target = out[n, f, y]
                for x in range(width):
                    target[x] = (h0[x] + h1[x] + h2[x] + h3[x] + h4[x]) + shift
                if y + 1 < height:
                    target = out[n, f, y + 1]
                    for x in range(width):
                        target[x] = ((h1[x] - h2[x]) + two * (h3[x] - h4[x])) + shift
                if y + 2 < height:
                    target = out[n, f, y + 2]
                    for x in range(width):
                        target[x] = ((h1[x] + h2[x]) + four * (h3[x] + h4[x])) + shift
                if y + 3 < height:
                    target = out[n, f, y + 3]
                    for x in range(width):
                        target[x] = ((h1[x] - h2[x]) + eight * (h3[x] - h4[x]) + h5[x]) + shift


@compiled.kernel
def transform_ograd(ograd, tiles_h, tiles_w, first, last, out):
    """out[36, K, tile] = A dY A^T for every 4x4 tile dY of ograd's images first..last-1 (zero
    past the edges): the gradient of the 36 products from that of the tile's outputs."""
    filters, height, width = ograd.shape[1], ograd.shape[2], ograd.shape[3]
    row_length = 4 * tiles_w
    two, four, eight = ograd.dtype.type(2), ograd.dtype.type(4), ograd.dtype.type(8)
    rows = numpy.zeros((4, row_length), ograd.dtype)
    mixed = numpy.empty((6, row_length), ograd.dtype)   # A applied down the columns
    per_flush = max(1, 256 // tiles_w)
    buffer = numpy.empty((36, per_flush * tiles_w), ograd.dtype)
    for f in range(filters):
        filled = 0
        start = first * tiles_h * tiles_w
        for n in range(first, last):
            for ty in range(tiles_h):
                for k in range(4):
                    y = 4 * ty + k
                    row = rows[k]
                    if y < height:
                        for j in range(width):
                            row[j] = ograd[n, f, y, j]
                    else:
                        for j in range(row_length):
                            row[j] = 0
                r0, r1, r2, r3 = rows[0], rows[1], rows[2], rows[3]
                for j in range(row_length):
                    y0, y1, y2, y3 = r0[j], r1[j], r2[j], r3[j]
                    mixed[0, j] = y0
                    mixed[1, j] = (y0 + y2) + (y1 + y3)
                    mixed[2, j] = (y0 + y2) - (y1 + y3)
                    mixed[3, j] = (y0 + four * y2) + two * (y1 + four * y3)
                    mixed[4, j] = (y0 + four * y2) - two * (y1 + four * y3)
                    mixed[5, j] = y3
                for k in range(6):
                    m = mixed[k]
                    base = 6 * k
                    for tx in range(tiles_w):
                        x = 4 * tx
                        y0, y1, y2, y3 = m[x], m[x + 1], m[x + 2], m[x + 3]
                        at = filled + tx
                        buffer[base, at] = y0
                        buffer[base + 1, at] = (y0 + y2) + (y1 + y3)
                        buffer[base + 2, at] = (y0 + y2) - (y1 + y3)
                        buffer[base + 3, at] = (y0 + four * y2) + two * (y1 + four * y3)
                        buffer[base + 4, at] = (y0 + four * y2) - two * (y1 + four * y3)
                        buffer[base + 5, at] = y3
                filled += tiles_w
                if filled == buffer.shape[1] or (n == last - 1 and ty == tiles_h - 1):
                    out[:, f, start:start + filled] = buffer[:, :filled]
                    start += filled
                    filled = 0


_BLOCK = 64     # filters transformed through a small buffer, so each of the 36 rows is
                # written (or read) in whole cache lines


@compiled.kernel
def transform_filters(weight, first, last, out):
    """out[36, k, C] = G g G^T for each 3x3 filter g = weight[k, c], k in first..last-1 (any
    strides: the data gradient passes a flipped, transposed view)."""
    channels = out.shape[2]
    quarter = weight.dtype.type(0.25)
    sixth = weight.dtype.type(1.0 / 6.0)
    twelfth = weight.dtype.type(1.0 / 12.0)
    twenty_fourth = weight.dtype.type(1.0 / 24.0)
    rows = numpy.empty((6, 3), weight.dtype)           # G g: G down each column of g
    block = numpy.empty((36, _BLOCK), weight.dtype)
    for k in range(first, last):
        for start in range(0, channels, _BLOCK):
            stop = min(start + _BLOCK, channels)
            for c in range(start, stop):
                i = c - start
                for q in range(3):
                    g0, g1, g2 = weight[k, c, 0, q], weight[k, c, 1, q], weight[k, c, 2, q]
                    rows[0, q] = quarter * g0
                    rows[1, q] = -sixth * (g0 + g1 + g2)
                    rows[2, q] = -sixth * (g0 - g1 + g2)
                    rows[3, q] = twenty_fourth * g0 + twelfth * g1 + sixth * g2
                    rows[4, q] = twenty_fourth * g0 - twelfth * g1 + sixth * g2
                    rows[5, q] = g2
                for a in range(6):
                    g0, g1, g2 = rows[a, 0], rows[a, 1], rows[a, 2]
                    block[6 * a, i] = quarter * g0
                    block[6 * a + 1, i] = -sixth * (g0 + g1 + g2)
                    block[6 * a + 2, i] = -sixth * (g0 - g1 + g2)
                    block[6 * a + 3, i] = twenty_fourth * g0 + twelfth * g1 + sixth * g2
                    block[6 * a + 4, i] = twenty_fourth * g0 - twelfth * g1 + sixth * g2
                    block[6 * a + 5, i] = g2
            for row in range(36):
                for c in range(start, stop):
                    out[row, k, c] = block[row, c - start]


@compiled.kernel
def fold_filter_gradients(sums, first, last, out):
    """out[k, c] = G^T s G for the 36 summed products s = sums[:, k, c] of each filter, k in
    first..last-1: the gradient of the 3x3 filter from that of its transform."""
    channels = out.shape[1]
    quarter = sums.dtype.type(0.25)
    sixth = sums.dtype.type(1.0 / 6.0)
    twelfth = sums.dtype.type(1.0 / 12.0)
    twenty_fourth = sums.dtype.type(1.0 / 24.0)
    rows = numpy.empty((6, 3), sums.dtype)             # s G: G^T along each row of s
    block = numpy.empty((36, _BLOCK), sums.dtype)
    for k in range(first, last):
        for start in range(0, channels, _BLOCK):
            stop = min(start + _BLOCK, channels)
            for row in range(36):
                for c in range(start, stop):
                    block[row, c - start] = sums[row, k, c]
            for c in range(start, stop):
                i = c - start
                for a in range(6):
                    s0, s1, s2 = block[6 * a, i], block[6 * a + 1, i], block[6 * a + 2, i]
                    s3, s4, s5 = block[6 * a + 3, i], block[6 * a + 4, i], block[6 * a + 5, i]
                    rows[a, 0] = quarter * s0 - sixth * (s1 + s2) + twenty_fourth * (s3 + s4)
                    rows[a, 1] = sixth * (s2 - s1) + twelfth * (s3 - s4)
                    rows[a, 2] = sixth * (s3 + s4 - s1 - s2) + s5
                for q in range(3):
                    s0, s1, s2 = rows[0, q], rows[1, q], rows[2, q]
                    s3, s4, s5 = rows[3, q], rows[4, q], rows[5, q]
                    out[k, c, 0, q] = quarter * s0 - sixth * (s1 + s2) + twenty_fourth * (s3 + s4)
                    out[k, c, 1, q] = sixth * (s2 - s1) + twelfth * (s3 - s4)
                    out[k, c, 2, q] = sixth * (s3 + s4 - s1 - s2) + s5
