"""Winograd's F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25 times fewer multiplications;
its data, output and output-gradient transforms, as compiled loops (mxnb.compiled, numba)
that _conv_winograd.py runs, and its filter matrix G (the filters' transform G g G^T is linear
in the 9 taps: _conv_winograd applies it, and its transpose, as BLAS products with kron(G, G)).

Each 2x2 tile of the output is computed from the 4x4 window of the data under it as
Y = A^T [(G g G^T) * (B^T d B)] A: 16 elementwise products of transformed filters and
transformed windows replace 36 multiply-adds per channel. Summed over channels they are 16
matrix products (filters x channels) . (channels x tiles), and the transforms read the data
once instead of copying it nine times into columns. The weight gradient goes backwards through
the same matrices: A for the output gradient's tiles, G^T to fold the summed products back to
3x3 filters. Results agree with im2col's to float rounding (the transforms add and subtract
before multiplying; the tests bound the difference).

The transforms take a chunk of images side by side, as _winograd_f43's do (see there).

Going a few images at a time so that the 16 transformed rows stay in cache measured slower
(the 64-channel forward 18.1 -> 20.7-23.1 ms with pieces of 2^17 to 2^19 elements): the
products get narrow and each piece is too small to split over threads.
"""
import numpy

from ... import compiled

__all__ = ["TILE", "POSITIONS", "G", "transform_data", "transform_output", "transform_ograd"]

TILE = 2          # output tile side
POSITIONS = 16    # (TILE + 2) ** 2: the products per tile
# G: a 3-tap filter to its 4 transformed values (G g G^T for a 3x3 one; _conv_winograd applies it)
G = numpy.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


@compiled.kernel
def _copy_in(source, n0, c, lanes, pad_h, pad_w, plane):
    """plane[y + pad_h, x' % 2, (x' // 2) * lanes + l] = source[n0 + l, c, y, x], x' = x + pad_w:
    channel c of `lanes` images side by side, each row's columns taken apart by phase. The
    loops of 8 and 16 images (the chunks _conv_winograd picks) have constant counts, which LLVM
    unrolls (see _winograd_f43). Called once per channel and chunk (called per position,
    the call cost more than the copy)."""
    height, width = source.shape[2], source.shape[3]
    for y in range(height):
        row = plane[y + pad_h]
        for x in range(width):
            at = x + pad_w
            target = row[at & 1, (at >> 1) * lanes:]
            if lanes == 8:
                for l in range(8):
                    target[l] = source[n0 + l, c, y, x]
            elif lanes == 16:
                for l in range(16):
                    target[l] = source[n0 + l, c, y, x]
            else:
                for l in range(lanes):
                    target[l] = source[n0 + l, c, y, x]


@compiled.kernel
def transform_data(data, pad_h, pad_w, tiles_h, tiles_w, chunk, first, last, out):
    """out[16, C, tile] = B^T d B for every 4x4 window d of images first..last-1 (zero padded),
    tiles in chunks of `chunk` images (see _winograd_f43); first and last are chunk bounds."""
    channels = data.shape[1]
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        run = (tiles_w + 1) * lanes         # one phase of a padded row
        width_run = tiles_w * lanes         # one row of tiles, in the output
        # plane[y, x % 2, (x // 2) * lanes + l]: the padded data of channel c in each image
        plane = numpy.zeros((2 * tiles_h + 2, 2, run), data.dtype)
        mixed = numpy.empty((4, 2, run), data.dtype)    # B^T down the columns, a row of tiles
        for c in range(channels):
            _copy_in(data, n0, c, lanes, pad_h, pad_w, plane)
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                for s in range(2):
                    r0, r1 = plane[2 * ty, s], plane[2 * ty + 1, s]
                    r2, r3 = plane[2 * ty + 2, s], plane[2 * ty + 3, s]
                    m0, m1, m2, m3 = mixed[0, s], mixed[1, s], mixed[2, s], mixed[3, s]
                    for j in range(run):
                        m0[j] = r0[j] - r2[j]
                        m1[j] = r1[j] + r2[j]
                        m2[j] = r2[j] - r1[j]
                        m3[j] = r1[j] - r3[j]
                for k in range(4):
                    # a tile's 4 columns: phases 0-1 of its own column of 2, then of the next
                    q0, q1 = mixed[k, 0], mixed[k, 1]
                    q2, q3 = mixed[k, 0, lanes:], mixed[k, 1, lanes:]
                    o0, o1 = out[4 * k, c, start:], out[4 * k + 1, c, start:]
                    o2, o3 = out[4 * k + 2, c, start:], out[4 * k + 3, c, start:]
                    for j in range(width_run):
                        a, b, d, e = q0[j], q1[j], q2[j], q3[j]
                        o0[j] = a - d
                        o1[j] = b + d
                        o2[j] = d - b
                        o3[j] = b - e


@compiled.kernel
def transform_output(products, bias, tiles_h, tiles_w, chunk, first, last, out):
    """out[n, K, 2ty:2ty+2, 2tx:2tx+2] = A^T m A (+ bias) for images first..last-1 (chunk
    bounds), where m are the 16 summed products of one tile (in chunks); rows and columns
    past the output are not written. (Without a bias, `bias` is zeros: adding 0 changes no sum
    but a -0.)"""
    filters, height, width = out.shape[1], out.shape[2], out.shape[3]
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        width_run = tiles_w * lanes
        # tile[r, s, tx * lanes + l]: output row 2ty + r, column 2tx + s of each tile
        tile = numpy.empty((2, 2, width_run), products.dtype)
        for f in range(filters):
            shift = bias[f]
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                p0, p1 = products[0, f, start:], products[1, f, start:]
                p2, p3 = products[2, f, start:], products[3, f, start:]
                p4, p5 = products[4, f, start:], products[5, f, start:]
                p6, p7 = products[6, f, start:], products[7, f, start:]
                p8, p9 = products[8, f, start:], products[9, f, start:]
                p10, p11 = products[10, f, start:], products[11, f, start:]
                p12, p13 = products[12, f, start:], products[13, f, start:]
                p14, p15 = products[14, f, start:], products[15, f, start:]
                t00, t01, t10, t11 = tile[0, 0], tile[0, 1], tile[1, 0], tile[1, 1]
                for j in range(width_run):
                    m4, m5, m6, m7 = p4[j], p5[j], p6[j], p7[j]
                    m8, m9, m10, m11 = p8[j], p9[j], p10[j], p11[j]
                    a0, a1 = p0[j] + m4 + m8, p1[j] + m5 + m9
                    a2, a3 = p2[j] + m6 + m10, p3[j] + m7 + m11
                    b0, b1 = m4 - m8 - p12[j], m5 - m9 - p13[j]
                    b2, b3 = m6 - m10 - p14[j], m7 - m11 - p15[j]
                    t00[j] = (a0 + a1 + a2) + shift
                    t01[j] = (a1 - a2 - a3) + shift
                    t10[j] = (b0 + b1 + b2) + shift
                    t11[j] = (b1 - b2 - b3) + shift
                y = 2 * ty
                for tx in range(tiles_w):
                    x = 2 * tx
                    at = tx * lanes
                    for l in range(lanes):
                        target = out[n0 + l, f]
                        target[y, x] = t00[at + l]
                        if x + 1 < width:
                            target[y, x + 1] = t01[at + l]
                        if y + 1 < height:
                            target[y + 1, x] = t10[at + l]
                            if x + 1 < width:
                                target[y + 1, x + 1] = t11[at + l]


@compiled.kernel
def transform_ograd(ograd, tiles_h, tiles_w, chunk, first, last, out):
    """out[16, K, tile] = A dY A^T for every 2x2 tile dY of ograd's images first..last-1 (chunk
    bounds; zero past the edges; in chunks): the gradient of the 16 products from that of
    the tile's outputs."""
    filters = ograd.shape[1]
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        width_run = tiles_w * lanes
        # plane[y, x % 2, (x // 2) * lanes + l] (zero past the edges); mixed: A down its columns
        plane = numpy.zeros((2 * tiles_h, 2, width_run), ograd.dtype)
        mixed = numpy.empty((4, 2, width_run), ograd.dtype)
        for f in range(filters):
            _copy_in(ograd, n0, f, lanes, 0, 0, plane)
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                for s in range(2):
                    r0, r1 = plane[2 * ty, s], plane[2 * ty + 1, s]
                    m0, m1, m2, m3 = mixed[0, s], mixed[1, s], mixed[2, s], mixed[3, s]
                    for j in range(width_run):
                        m0[j] = r0[j]
                        m1[j] = r0[j] + r1[j]
                        m2[j] = r0[j] - r1[j]
                        m3[j] = -r1[j]
                for k in range(4):
                    q0, q1 = mixed[k, 0], mixed[k, 1]
                    o0, o1 = out[4 * k, f, start:], out[4 * k + 1, f, start:]
                    o2, o3 = out[4 * k + 2, f, start:], out[4 * k + 3, f, start:]
                    for j in range(width_run):
                        y0, y1 = q0[j], q1[j]
                        o0[j] = y0
                        o1[j] = y0 + y1
                        o2[j] = y0 - y1
                        o3[j] = -y1
