"""Winograd's F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25 times fewer multiplications;
its transforms, as compiled loops (mxnb.compiled, numba) that _conv_winograd.py runs.

Each 2x2 tile of the output is computed from the 4x4 window of the data under it as
Y = A^T [(G g G^T) * (B^T d B)] A: 16 elementwise products of transformed filters and
transformed windows replace 36 multiply-adds per channel. Summed over channels they are 16
matrix products (filters x channels) . (channels x tiles), and the transforms read the data
once instead of copying it nine times into columns. The weight gradient goes backwards through
the same matrices: A for the output gradient's tiles, G^T to fold the summed products back to
3x3 filters. Results agree with im2col's to float rounding (the transforms add and subtract
before multiplying; the tests bound the difference).

Going a few images at a time so that the 16 transformed rows stay in cache measured slower
(the 64-channel forward 18.1 -> 20.7-23.1 ms with pieces of 2^17 to 2^19 elements): the
products get narrow and each piece is too small to split over threads.
"""
import numpy

from ... import compiled

__all__ = ["TILE", "POSITIONS", "LANES", "transform_data", "transform_output", "transform_filters",
           "transform_ograd", "fold_filter_gradients"]

TILE = 2          # output tile side
POSITIONS = 16    # (TILE + 2) ** 2: the products per tile
LANES = 1         # images per chunk: one (tiles numbered image by image; see _winograd_f43)


@compiled.kernel
def transform_data(data, pad_h, pad_w, tiles_h, tiles_w, first, last, out):
    """out[16, C, tile] = B^T d B for every 4x4 window d of images first..last-1 (zero padded)."""
    channels, height, width = data.shape[1], data.shape[2], data.shape[3]
    row_length = 2 * tiles_w + 2
    rows = numpy.zeros((4, row_length), data.dtype)     # padded input rows (edges stay zero)
    mixed = numpy.empty((4, row_length), data.dtype)    # B^T applied down the columns
    # Tiles go through a small buffer, a few image rows of them at a time, so each of the 16
    # output rows is written in whole cache lines (16 rows written a handful of elements at a
    # time would each be a cache line written in parts, far apart in time).
    per_flush = max(1, 256 // tiles_w)
    buffer = numpy.empty((16, per_flush * tiles_w), data.dtype)
    for c in range(channels):
        filled = 0
        start = first * tiles_h * tiles_w
        for n in range(first, last):
            for ty in range(tiles_h):
                for k in range(4):
                    y = 2 * ty + k - pad_h
                    row = rows[k]
                    if 0 <= y < height:
                        for j in range(width):
                            row[pad_w + j] = data[n, c, y, j]
                    else:
                        for j in range(row_length):
                            row[j] = 0
                r0, r1, r2, r3 = rows[0], rows[1], rows[2], rows[3]
                for j in range(row_length):
                    mixed[0, j] = r0[j] - r2[j]
                    mixed[1, j] = r1[j] + r2[j]
                    mixed[2, j] = r2[j] - r1[j]
                    mixed[3, j] = r1[j] - r3[j]
                for k in range(4):
                    m = mixed[k]
                    v0, v1, v2, v3 = buffer[4 * k], buffer[4 * k + 1], buffer[4 * k + 2], buffer[4 * k + 3]
                    for tx in range(tiles_w):
                        a, b, d, e = m[2 * tx], m[2 * tx + 1], m[2 * tx + 2], m[2 * tx + 3]
                        v0[filled + tx] = a - d
                        v1[filled + tx] = b + d
                        v2[filled + tx] = d - b
                        v3[filled + tx] = b - e
                filled += tiles_w
                if filled == buffer.shape[1] or (n == last - 1 and ty == tiles_h - 1):
                    out[:, c, start:start + filled] = buffer[:, :filled]
                    start += filled
                    filled = 0


@compiled.kernel
def transform_output(products, bias, tiles_h, tiles_w, first, last, out):
    """out[n, K, 2ty:2ty+2, 2tx:2tx+2] = A^T m A (+ bias) for images first..last-1, where m are
    the 16 summed products of one tile; rows and columns past the output are not written. (Without
a bias, `bias` is zeros: adding 0 changes no sum but a -0.)"""
    filters, height, width = out.shape[1], out.shape[2], out.shape[3]
    for f in range(filters):            # filters outermost, as in _transform_data
        shift = bias[f]
        for n in range(first, last):
            for ty in range(tiles_h):
                tile = (n * tiles_h + ty) * tiles_w
                y = 2 * ty
                second_row = y + 1 < height
                for tx in range(tiles_w):
                    t = tile + tx
                    m0, m1, m2, m3 = (products[0, f, t], products[1, f, t], products[2, f, t],
                                      products[3, f, t])
                    m4, m5, m6, m7 = (products[4, f, t], products[5, f, t], products[6, f, t],
                                      products[7, f, t])
                    m8, m9, m10, m11 = (products[8, f, t], products[9, f, t], products[10, f, t],
                                        products[11, f, t])
                    m12, m13, m14, m15 = (products[12, f, t], products[13, f, t],
                                          products[14, f, t], products[15, f, t])
                    a0, a1, a2, a3 = m0 + m4 + m8, m1 + m5 + m9, m2 + m6 + m10, m3 + m7 + m11
                    b0, b1, b2, b3 = m4 - m8 - m12, m5 - m9 - m13, m6 - m10 - m14, m7 - m11 - m15
                    x = 2 * tx
                    out[n, f, y, x] = (a0 + a1 + a2) + shift
                    if x + 1 < width:
                        out[n, f, y, x + 1] = (a1 - a2 - a3) + shift
                    if second_row:
                        out[n, f, y + 1, x] = (b0 + b1 + b2) + shift
                        if x + 1 < width:
                            out[n, f, y + 1, x + 1] = (b1 - b2 - b3) + shift


_BLOCK = 64     # filters transformed into a small buffer before their 16 rows are written


@compiled.kernel
def transform_filters(weight, first, last, out):
    """out[16, k, C] = G g G^T for each 3x3 filter g = weight[k, c], k in first..last-1 (any
    strides: the data gradient passes a flipped, transposed view). A block of filters at a time
    goes through a small buffer, so each of the 16 rows is written in whole cache lines."""
    channels = out.shape[2]
    half = weight.dtype.type(0.5)
    block = numpy.empty((16, _BLOCK), weight.dtype)
    for k in range(first, last):
        for start in range(0, channels, _BLOCK):
            stop = min(start + _BLOCK, channels)
            for c in range(start, stop):
                i = c - start
                for a in range(4):
                    # row a of G g: g0, (g0+g1+g2)/2, (g0-g1+g2)/2 or g2, column by column
                    if a == 0:
                        r0, r1, r2 = weight[k, c, 0, 0], weight[k, c, 0, 1], weight[k, c, 0, 2]
                    elif a == 3:
                        r0, r1, r2 = weight[k, c, 2, 0], weight[k, c, 2, 1], weight[k, c, 2, 2]
                    else:
                        s = weight.dtype.type(1) if a == 1 else weight.dtype.type(-1)
                        r0 = (weight[k, c, 0, 0] + s * weight[k, c, 1, 0] + weight[k, c, 2, 0]) * half
                        r1 = (weight[k, c, 0, 1] + s * weight[k, c, 1, 1] + weight[k, c, 2, 1]) * half
                        r2 = (weight[k, c, 0, 2] + s * weight[k, c, 1, 2] + weight[k, c, 2, 2]) * half
                    block[4 * a, i] = r0                    # times G^T along the row
                    block[4 * a + 1, i] = (r0 + r1 + r2) * half
                    block[4 * a + 2, i] = (r0 - r1 + r2) * half
                    block[4 * a + 3, i] = r2
            for row in range(16):
                for c in range(start, stop):
                    out[row, k, c] = block[row, c - start]


@compiled.kernel
def transform_ograd(ograd, tiles_h, tiles_w, first, last, out):
    """out[16, K, tile] = A dY A^T for every 2x2 tile dY of ograd's images first..last-1 (zero
    past the edges): the gradient of the 16 products from that of the tile's outputs."""
    filters, height, width = ograd.shape[1], ograd.shape[2], ograd.shape[3]
    row_length = 2 * tiles_w
    rows = numpy.zeros((2, row_length), ograd.dtype)
    mixed = numpy.empty((4, row_length), ograd.dtype)   # A applied down the columns
    per_flush = max(1, 256 // tiles_w)
    buffer = numpy.empty((16, per_flush * tiles_w), ograd.dtype)
    for f in range(filters):
        filled = 0
        start = first * tiles_h * tiles_w
        for n in range(first, last):
            for ty in range(tiles_h):
                for k in range(2):
                    y = 2 * ty + k
                    row = rows[k]
                    if y < height:
                        for j in range(width):
                            row[j] = ograd[n, f, y, j]
                    else:
                        for j in range(row_length):
                            row[j] = 0
                r0, r1 = rows[0], rows[1]
                for j in range(row_length):
                    mixed[0, j] = r0[j]
                    mixed[1, j] = r0[j] + r1[j]
                    mixed[2, j] = r0[j] - r1[j]
                    mixed[3, j] = -r1[j]
                for k in range(4):
                    m = mixed[k]
                    base = 4 * k
                    for tx in range(tiles_w):
                        y0, y1 = m[2 * tx], m[2 * tx + 1]
                        at = filled + tx
                        buffer[base, at] = y0
                        buffer[base + 1, at] = y0 + y1
                        buffer[base + 2, at] = y0 - y1
                        buffer[base + 3, at] = -y1
                filled += tiles_w
                if filled == buffer.shape[1] or (n == last - 1 and ty == tiles_h - 1):
                    out[:, f, start:start + filled] = buffer[:, :filled]
                    start += filled
                    filled = 0


@compiled.kernel
def fold_filter_gradients(sums, first, last, out):
    """out[k, c] = G^T s G for the 16 summed products s = sums[:, k, c] of each filter, k in
    first..last-1: the gradient of the 3x3 filter from that of its transform."""
    channels = out.shape[1]
    half = sums.dtype.type(0.5)
    rows = numpy.empty((4, 3), sums.dtype)             # s G: G^T along each row of s
    block = numpy.empty((16, _BLOCK), sums.dtype)
    for k in range(first, last):
        for start in range(0, channels, _BLOCK):
            stop = min(start + _BLOCK, channels)
            for row in range(16):
                for c in range(start, stop):
                    block[row, c - start] = sums[row, k, c]
            for c in range(start, stop):
                i = c - start
                for a in range(4):
                    s0, s1 = block[4 * a, i], block[4 * a + 1, i]
                    s2, s3 = block[4 * a + 2, i], block[4 * a + 3, i]
                    rows[a, 0] = s0 + half * (s1 + s2)
                    rows[a, 1] = half * (s1 - s2)
                    rows[a, 2] = half * (s1 + s2) + s3
                for q in range(3):
                    s0, s1, s2, s3 = rows[0, q], rows[1, q], rows[2, q], rows[3, q]
                    out[k, c, 0, q] = s0 + half * (s1 + s2)
                    out[k, c, 1, q] = half * (s1 - s2)
                    out[k, c, 2, q] = half * (s1 + s2) + s3
