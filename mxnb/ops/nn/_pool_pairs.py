"""2x2 / stride-2 max pooling of 2-D data (LeNet's, VGG's) without padding, forward and
backward.

The general kernels of pooling.py go kernel position by kernel position: each position reads a
quarter of the data through a view that skips every other row, whose short rows make NumPy's
loops slow. Here the columns come first: the even and odd columns of the whole array are two
views with one long stride, so the column stage runs over long loops and the row stage over
half the data.

The backward keeps MXNet's rule exactly: each window's gradient goes to its first maximum in
row-major order. The top row takes it when its larger element equals the pooled value, else the
bottom row; within the chosen row, the right element takes it only when strictly larger than
the left one.

(The batch is not split over threads as the convolution's copies are: on a loaded machine the
hand-off made these memory-bound passes slower, not faster.)

These are the NumPy forms: with numba, float32 data takes _pool_compiled.py's one-loop kernels,
which make the same choices bit for bit.
"""

__all__ = ["applies", "max_pool", "max_pool_backward"]


def applies(kind, geometry, after, ndim):
    """Whether these pooling attributes are the case handled here: max over 2x2 windows with
    stride 2 on 2-D data, nothing padded (a remainder row or column is simply not read)."""
    kernel, stride, pad, _ = geometry
    return (kind == "max" and ndim == 4 and kernel == (2, 2) and stride == (2, 2)
            and pad == (0, 0) and not any(after))


def _windowed(x, out_shape):
    """x cut to the rows and columns the windows cover (a view)."""
    rows, cols = 2 * out_shape[2], 2 * out_shape[3]
    if x.shape[2:] == (rows, cols):
        return x
    return x[:, :, :rows, :cols]


def max_pool(xp, x, out_shape):
    """The (N, C, H // 2, W // 2) maxima of x's 2x2 windows."""
    part = _windowed(x, out_shape)
    columns = xp.maximum(part[..., 0::2], part[..., 1::2])
    return xp.maximum(columns[:, :, 0::2], columns[:, :, 1::2])


def max_pool_backward(xp, og, x, pooled):
    """x's gradient: each window's ograd at its first maximum, zero elsewhere."""
    n, c, ho, wo = pooled.shape
    part = _windowed(x, pooled.shape)
    grad = (xp.empty if part is x else xp.zeros)(x.shape, dtype=og.dtype)
    left, right = part[..., 0::2], part[..., 1::2]
    # The top row holds the maximum: its larger element equals the pooled value.
    top = xp.maximum(left[:, :, 0::2], right[:, :, 0::2]) == pooled
    by_row = xp.empty((n, c, ho, 2, wo), dtype=og.dtype)
    xp.multiply(og, top, out=by_row[:, :, :, 0])
    xp.logical_not(top, out=top)
    xp.multiply(og, top, out=by_row[:, :, :, 1])
    by_row = by_row.reshape(n, c, 2 * ho, wo)
    # Within a row the right element takes the gradient only when strictly larger.
    to_right = xp.greater(right, left)
    target = _windowed(grad, pooled.shape)
    xp.multiply(by_row, to_right, out=target[..., 1::2])
    xp.logical_not(to_right, out=to_right)
    xp.multiply(by_row, to_right, out=target[..., 0::2])
    return grad
