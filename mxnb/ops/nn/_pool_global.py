"""Global average and sum pooling (ResNet's last pooling) as one reduction over each (sample,
channel) row, and its backward as one broadcast copy.

The general kernels of pooling.py view the data as windows and reduce over the window axes, and
spread the gradient back one kernel position at a time: for a 4x4 global pool that is 16 strided
writes. Here the spatial dims are one contiguous axis: einsum sums it in one SIMD pass (NumPy's
sum over a short last axis runs a loop per row, 5x slower), and the gradient is one copy of
ograd / count broadcast along it. float16 keeps the general path: einsum would accumulate in
float16.
"""

__all__ = ["applies", "pool", "pool_backward"]


def applies(kind, global_pool, dtype):
    return global_pool and kind in ("avg", "sum") and dtype.kind == "f" and dtype.itemsize >= 4


def _rows(x):
    n, c = x.shape[:2]
    return x.reshape(n, c, -1)


def pool(xp, x, kind):
    """(N, C, 1, ...) sums or means over all spatial positions of each channel."""
    rows = _rows(x)
    total = xp.einsum("ncm->nc", rows)
    if kind == "avg":
        total /= rows.shape[2]
    return total.reshape(x.shape[:2] + (1,) * (x.ndim - 2))


def pool_backward(xp, og, x, kind):
    """ograd (divided by the count for avg) copied to every spatial position."""
    grad = xp.empty(x.shape, dtype=og.dtype)
    rows = _rows(grad)
    spread = og.reshape(rows.shape[:2] + (1,))
    if kind == "avg":
        spread = spread / rows.shape[2]
    rows[...] = spread
    return grad
