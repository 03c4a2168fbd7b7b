"""Winograd's F(4x4, 3x3): a 3x3 stride-1 convolution with 4 times fewer multiplications;
its data, output and output-gradient transforms, as compiled loops (mxnb.compiled, numba)
that _conv_winograd.py runs, and its filter matrix G (the filters' transform G g G^T is linear
in the 9 taps: _conv_winograd applies it, and its transpose, as BLAS products with kron(G, G)).

Each 4x4 tile of the output is computed from the 6x6 window of the data under it as
Y = A^T [(G g G^T) * (B^T d B)] A: 36 elementwise products of transformed filters and
transformed windows replace 144 multiply-adds per channel. Summed over channels they are 36
matrix products (filters x channels) . (channels x tiles); the transforms read the data once,
and write 36/16 of it (im2col's columns are 9 times the data). The weight gradient goes
backwards through the same matrices: A for the output gradient's tiles, G^T to fold the
summed products back to 3x3 filters.

The transforms go a chunk of images at a time (`chunk`, chosen by the caller: images
[chunk * i, chunk * (i + 1)), the last chunk maybe shorter), the chunk's images side by side:
a row of tiles of all of them is one run of tiles_w * lanes numbers, the tile at column tx of
image n0 + l at tx * lanes + l. Each pass is then a long loop over contiguous runs, which LLVM
vectorizes, where the tiles of one image (8 across a 32-wide image) made loops too short to
vectorize; the columns inside a tile are taken apart by phase (x % 4) as the data is copied in.
Copying a chunk's images in goes a position at a time across the images: loops of 8 and 16
images (the chunks the caller picks) are written with constant counts, which LLVM unrolls
(the 64-channel data transform took 3.1 ms with one loop of `lanes`, 2.4 ms so). ResNet-18/
32x32's 64-channel transforms, one thread: data 5.5 -> 2.3 ms, output 6.2 -> 1.8, output
gradient 3.9 -> 2.2 (more in _conv_winograd, at _CHUNK). The transformed tiles are numbered
n0 * tiles_h * tiles_w + (ty * tiles_w + tx) * lanes + l: the products do not care, and the
transforms of one pass, given the same chunk, and the caller's split over threads (by whole
chunks) agree on it. F(2x2, 3x3)'s transforms (_winograd_f23) go the same way.

The transform matrices are those of Lavin and Gray (2015), points 0, 1, -1, 2, -2. In float32
the results agree with a direct convolution to about 1e-5 of the largest output on 256
channels (F(2x2, 3x3): 6e-7); in float64, to 1e-14.
"""
import numpy

from ... import compiled

__all__ = ["TILE", "POSITIONS", "G", "transform_data", "transform_output", "transform_ograd"]

TILE = 4          # output tile side
POSITIONS = 36    # (TILE + 2) ** 2: the products per tile
# G: a 3-tap filter to its 6 transformed values (G g G^T for a 3x3 one; _conv_winograd applies it)
G = numpy.array([[1 / 4, 0.0, 0.0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
                 [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0.0, 0.0, 1.0]])


@compiled.kernel
def _copy_in(source, n0, c, lanes, pad_h, pad_w, plane):
    """plane[y + pad_h, x' % 4, (x' // 4) * lanes + l] = source[n0 + l, c, y, x], x' = x + pad_w:
    channel c of `lanes` images side by side, each row's columns taken apart by phase. The
    loops of 8 and 16 images (the chunks _conv_winograd picks) have constant counts, which LLVM
    unrolls (see the module docstring). Called once per channel and chunk (called per position,
    the call cost more than the copy)."""
    height, width = source.shape[2], source.shape[3]
    for y in range(height):
        row = plane[y + pad_h]
        for x in range(width):
            at = x + pad_w
            target = row[at & 3, (at >> 2) * lanes:]
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
    """out[36, C, tile] = B^T d B for every 6x6 window d of images first..last-1 (zero padded),
    tiles in chunks of `chunk` images (see the module's docstring); first and last are chunk
    bounds."""
    channels = data.shape[1]
    two, four, five = data.dtype.type(2), data.dtype.type(4), data.dtype.type(5)
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        run = (tiles_w + 1) * lanes         # one phase of a padded row
        width_run = tiles_w * lanes         # one row of tiles, in the output
        # plane[y, x % 4, (x // 4) * lanes + l]: the padded data of channel c in each image
        # (padding stays zero); mixed: B^T applied down its columns for one row of tiles
        plane = numpy.zeros((4 * tiles_h + 2, 4, run), data.dtype)
        mixed = numpy.empty((6, 4, run), data.dtype)
        for c in range(channels):
            _copy_in(data, n0, c, lanes, pad_h, pad_w, plane)
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                for s in range(4):
                    r0, r1, r2 = plane[4 * ty, s], plane[4 * ty + 1, s], plane[4 * ty + 2, s]
                    r3, r4, r5 = plane[4 * ty + 3, s], plane[4 * ty + 4, s], plane[4 * ty + 5, s]
                    m0, m1, m2 = mixed[0, s], mixed[1, s], mixed[2, s]
                    m3, m4, m5 = mixed[3, s], mixed[4, s], mixed[5, s]
                    for j in range(run):
                        x0, x1, x2, x3, x4, x5 = r0[j], r1[j], r2[j], r3[j], r4[j], r5[j]
                        m0[j] = four * x0 - five * x2 + x4
                        m1[j] = (x3 + x4) - four * (x1 + x2)
                        m2[j] = (x4 - x3) + four * (x1 - x2)
                        m3[j] = (x4 - x2) + two * (x3 - x1)
                        m4[j] = (x4 - x2) - two * (x3 - x1)
                        m5[j] = four * x1 - five * x3 + x5
                for k in range(6):
                    # a tile's 6 columns: phases 0-3 of its own column of 4, 0-1 of the next
                    q0, q1, q2, q3 = mixed[k, 0], mixed[k, 1], mixed[k, 2], mixed[k, 3]
                    q4, q5 = mixed[k, 0, lanes:], mixed[k, 1, lanes:]
                    o0, o1 = out[6 * k, c, start:], out[6 * k + 1, c, start:]
                    o2, o3 = out[6 * k + 2, c, start:], out[6 * k + 3, c, start:]
                    o4, o5 = out[6 * k + 4, c, start:], out[6 * k + 5, c, start:]
                    for j in range(width_run):
                        x0, x1, x2, x3, x4, x5 = q0[j], q1[j], q2[j], q3[j], q4[j], q5[j]
                        o0[j] = four * x0 - five * x2 + x4
                        o1[j] = (x3 + x4) - four * (x1 + x2)
                        o2[j] = (x4 - x3) + four * (x1 - x2)
                        o3[j] = (x4 - x2) + two * (x3 - x1)
                        o4[j] = (x4 - x2) - two * (x3 - x1)
                        o5[j] = four * x1 - five * x3 + x5


@compiled.kernel
def transform_output(products, bias, tiles_h, tiles_w, chunk, first, last, out):
    """out[n, K, 4ty:4ty+4, 4tx:4tx+4] = A^T m A (+ bias) for images first..last-1 (chunk
    bounds), where m are the 36 summed products of one tile (in chunks); rows and columns
    past the output are not written. (Without a bias, `bias` is zeros: adding 0 changes no sum
    but a -0.)"""
    filters, height, width = out.shape[1], out.shape[2], out.shape[3]
    two, four, eight = products.dtype.type(2), products.dtype.type(4), products.dtype.type(8)
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        width_run = tiles_w * lanes
        # mixed[a, s, tx * lanes + l]: A^T along row a of each tile, output column 4tx + s;
        # tile[r, s, ...]: output row 4ty + r of each tile, before it goes to the images
        mixed = numpy.empty((6, 4, width_run), products.dtype)
        tile = numpy.empty((4, 4, width_run), products.dtype)
        for f in range(filters):
            shift = bias[f]
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                for a in range(6):
                    p0, p1 = products[6 * a, f, start:], products[6 * a + 1, f, start:]
                    p2, p3 = products[6 * a + 2, f, start:], products[6 * a + 3, f, start:]
                    p4, p5 = products[6 * a + 4, f, start:], products[6 * a + 5, f, start:]
                    w0, w1, w2, w3 = mixed[a, 0], mixed[a, 1], mixed[a, 2], mixed[a, 3]
                    for j in range(width_run):
                        m0, m1, m2, m3, m4, m5 = p0[j], p1[j], p2[j], p3[j], p4[j], p5[j]
                        w0[j] = m0 + m1 + m2 + m3 + m4
                        w1[j] = (m1 - m2) + two * (m3 - m4)
                        w2[j] = (m1 + m2) + four * (m3 + m4)
                        w3[j] = (m1 - m2) + eight * (m3 - m4) + m5
                for s in range(4):
                    h0, h1, h2 = mixed[0, s], mixed[1, s], mixed[2, s]
                    h3, h4, h5 = mixed[3, s], mixed[4, s], mixed[5, s]
                    t0, t1, t2, t3 = tile[0, s], tile[1, s], tile[2, s], tile[3, s]
                    for j in range(width_run):
                        t0[j] = (h0[j] + h1[j] + h2[j] + h3[j] + h4[j]) + shift
                        t1[j] = ((h1[j] - h2[j]) + two * (h3[j] - h4[j])) + shift
                        t2[j] = ((h1[j] + h2[j]) + four * (h3[j] + h4[j])) + shift
                        t3[j] = ((h1[j] - h2[j]) + eight * (h3[j] - h4[j]) + h5[j]) + shift
                for l in range(lanes):
                    for r in range(min(4, height - 4 * ty)):
                        target, row = out[n0 + l, f, 4 * ty + r], tile[r]
                        for x in range(width):
                            target[x] = row[x & 3, (x >> 2) * lanes + l]


@compiled.kernel
def transform_ograd(ograd, tiles_h, tiles_w, chunk, first, last, out):
    """out[36, K, tile] = A dY A^T for every 4x4 tile dY of ograd's images first..last-1 (chunk
    bounds; zero past the edges; in chunks): the gradient of the 36 products from that of
    the tile's outputs."""
    filters = ograd.shape[1]
    two, four = ograd.dtype.type(2), ograd.dtype.type(4)
    per_image = tiles_h * tiles_w
    for n0 in range(first, last, chunk):
        lanes = min(chunk, last - n0)
        width_run = tiles_w * lanes
        # plane[y, x % 4, (x // 4) * lanes + l] (zero past the edges); mixed: A down its columns
        plane = numpy.zeros((4 * tiles_h, 4, width_run), ograd.dtype)
        mixed = numpy.empty((6, 4, width_run), ograd.dtype)
        for f in range(filters):
            _copy_in(ograd, n0, f, lanes, 0, 0, plane)
            for ty in range(tiles_h):
                start = n0 * per_image + ty * width_run
                for s in range(4):
                    r0, r1 = plane[4 * ty, s], plane[4 * ty + 1, s]
                    r2, r3 = plane[4 * ty + 2, s], plane[4 * ty + 3, s]
                    m0, m1, m2 = mixed[0, s], mixed[1, s], mixed[2, s]
                    m3, m4, m5 = mixed[3, s], mixed[4, s], mixed[5, s]
                    for j in range(width_run):
                        y0, y1, y2, y3 = r0[j], r1[j], r2[j], r3[j]
                        m0[j] = y0
                        m1[j] = (y0 + y2) + (y1 + y3)
                        m2[j] = (y0 + y2) - (y1 + y3)
                        m3[j] = (y0 + four * y2) + two * (y1 + four * y3)
                        m4[j] = (y0 + four * y2) - two * (y1 + four * y3)
                        m5[j] = y3
                for k in range(6):
                    q0, q1, q2, q3 = mixed[k, 0], mixed[k, 1], mixed[k, 2], mixed[k, 3]
                    o0, o1 = out[6 * k, f, start:], out[6 * k + 1, f, start:]
                    o2, o3 = out[6 * k + 2, f, start:], out[6 * k + 3, f, start:]
                    o4, o5 = out[6 * k + 4, f, start:], out[6 * k + 5, f, start:]
                    for j in range(width_run):
                        y0, y1, y2, y3 = q0[j], q1[j], q2[j], q3[j]
                        o0[j] = y0
                        o1[j] = (y0 + y2) + (y1 + y3)
                        o2[j] = (y0 + y2) - (y1 + y3)
                        o3[j] = (y0 + four * y2) + two * (y1 + four * y3)
                        o4[j] = (y0 + four * y2) - two * (y1 + four * y3)
                        o5[j] = y3
