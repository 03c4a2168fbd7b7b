"""Padding layers (MXNet 1.x `gluon.nn.ReflectionPad2D`)."""
import numbers

from ...base import MXNetError
from ..block import HybridBlock

__all__ = ["ReflectionPad2D"]


class ReflectionPad2D(HybridBlock):
    r"""Pads the spatial axes of (N, C, H, W) data with their reflection (edge excluded).

    Parameters
    ----------
    padding : int or tuple of 8 ints
        An int pads every side of H and W by that much; 8 ints are Pad's pad_width
        (before, after) for N, C, H, W (N and C must be 0).

    Example
    -------
    >>> mx.gluon.nn.ReflectionPad2D(2)(mx.nd.ones((1, 3, 4, 4))).shape
    (1, 3, 8, 8)
    """

    def __init__(self, padding=0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, numbers.Integral):
            padding = (0, 0, 0, 0, padding, padding, padding, padding)
        padding = tuple(padding)
        if len(padding) != 8:
            raise MXNetError("ReflectionPad2D: padding must be an int or 8 ints (pad_width of "
                             "N, C, H, W), found %s" % (padding,))
        self._padding = padding

    def hybrid_forward(self, F, x):
        return F.pad(x, mode="reflect", pad_width=self._padding)

    def __repr__(self):
        return "%s(padding=%s)" % (type(self).__name__, self._padding)
