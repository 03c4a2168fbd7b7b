"""PixelShuffle1D/2D/3D (MXNet 1.x `gluon.contrib.nn`): sub-pixel upsampling that moves blocks
of channels into the spatial axes (Shi et al., 2016), with reshapes and one transpose."""
import numbers

from ....base import MXNetError
from ...block import HybridBlock

__all__ = ["PixelShuffle1D", "PixelShuffle2D", "PixelShuffle3D"]


def _factors(factor, n, name):
    if isinstance(factor, numbers.Integral):
        return (int(factor),) * n
    factor = tuple(int(f) for f in factor)
    if len(factor) != n:
        raise MXNetError("%s: factor must be an int or %d ints, found %s" % (name, n, factor))
    return factor


class _PixelShuffle(HybridBlock):
    _ndim = 0

    def __init__(self, factor):
        super().__init__()
        self._factors = _factors(factor, self._ndim, type(self).__name__)

    def hybrid_forward(self, F, x):
        n, f = self._ndim, self._factors
        total = 1
        for k in f:
            total *= k
        x = F.reshape(x, (0, -4, -1, total) + (0,) * n)          # (N, C, prod(f), *spatial)
        for i in range(n - 1):                                    # -> (N, C, *f, *spatial)
            rest = total
            for k in f[:i + 1]:
                rest //= k
            x = F.reshape(x, (0,) * (2 + i) + (-4, f[i], rest) + (0,) * n)
        # interleave: (N, C, s1, f1, s2, f2, ...)
        order = (0, 1) + tuple(v for i in range(n) for v in (2 + n + i, 2 + i))
        x = F.transpose(x, order)
        return F.reshape(x, (0, 0) + (-3,) * n)

    def __repr__(self):
        factor = self._factors[0] if self._ndim == 1 else self._factors
        return "%s(%s)" % (type(self).__name__, factor)


class PixelShuffle1D(_PixelShuffle):
    r"""Pixel-shuffle upsampling of 1-D data: (N, f*C, W) -> (N, C, W*f).

    Parameters
    ----------
    factor : int
        The upsampling factor.

    Example
    -------
    >>> mx.gluon.contrib.nn.PixelShuffle1D(2)(mx.nd.zeros((1, 8, 3))).shape
    (1, 4, 6)
    """
    _ndim = 1


class PixelShuffle2D(_PixelShuffle):
    r"""Pixel-shuffle upsampling of 2-D data: (N, f1*f2*C, H, W) -> (N, C, H*f1, W*f2).

    Parameters
    ----------
    factor : int or (int, int)

    Example
    -------
    >>> mx.gluon.contrib.nn.PixelShuffle2D((2, 3))(mx.nd.zeros((1, 12, 3, 5))).shape
    (1, 2, 6, 15)
    """
    _ndim = 2


class PixelShuffle3D(_PixelShuffle):
    r"""Pixel-shuffle upsampling of 3-D data: (N, f1*f2*f3*C, D, H, W) -> (N, C, D*f1, H*f2, W*f3).

    Parameters
    ----------
    factor : int or (int, int, int)

    Example
    -------
    >>> mx.gluon.contrib.nn.PixelShuffle3D(2)(mx.nd.zeros((1, 16, 2, 3, 4))).shape
    (1, 2, 4, 6, 8)
    """
    _ndim = 3
