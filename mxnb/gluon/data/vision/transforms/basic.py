"""Image transforms as Blocks (MXNet's `gluon.data.vision.transforms`), built from registered
operators so they run on any context and, where noted, hybridize."""
import numpy as np

from .....base import MXNetError, ShapeError, dtype_np
from .....ndarray import NDArray
from ....block import Block, HybridBlock

__all__ = ["Compose", "Cast", "ToTensor", "Normalize"]


class Compose(Block):
    """Applies transforms in order.

    Parameters
    ----------
    transforms : list of callables
        Blocks or functions, each taking the previous one's output.

    Example
    -------
    >>> transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize(0.13, 0.31)])
    >>> transform(mx.nd.zeros((28, 28, 1), dtype='uint8')).shape
    (1, 28, 28)
    """

    def __init__(self, transforms):
        super().__init__(prefix="")
        self._transforms = []
        for i, transform in enumerate(transforms):
            if not callable(transform):
                raise MXNetError("Compose expects callables, found %s at position %d"
                                 % (type(transform).__name__, i))
            if isinstance(transform, Block):
                self.register_child(transform, str(i))
            self._transforms.append(transform)

    def forward(self, x, *args):
        for transform in self._transforms:
            x = transform(x)
        return x

    def __len__(self):
        return len(self._transforms)

    def __getitem__(self, index):
        return self._transforms[index]


class Cast(HybridBlock):
    """Casts the input to `dtype`.

    Parameters
    ----------
    dtype : str, default 'float32'

    Example
    -------
    >>> transforms.Cast('float16')(mx.nd.zeros((2, 2), dtype='uint8')).dtype
    <class 'numpy.float16'>
    """

    def __init__(self, dtype="float32"):
        super().__init__(prefix="")
        self._dtype = dtype_np(dtype)

    def hybrid_forward(self, F, x):
        return F.cast(x, dtype=self._dtype)


class ToTensor(HybridBlock):
    """Converts (H, W, C) or (N, H, W, C) images with values in [0, 255] to float32
    (C, H, W) or (N, C, H, W) tensors with values in [0, 1].

    Example
    -------
    >>> transforms.ToTensor()(mx.nd.zeros((4, 6, 3), dtype='uint8')).shape
    (3, 4, 6)
    """

    def __init__(self):
        super().__init__(prefix="")

    def hybrid_forward(self, F, x):
        if isinstance(x, NDArray) and x.ndim not in (3, 4):
            raise MXNetError("ToTensor expects an (H, W, C) or (N, H, W, C) image, found shape %s"
                             % (x.shape,))
        return F.image.to_tensor(x)


class Normalize(HybridBlock):
    """(x - mean) / std per channel of a (C, H, W) or (N, C, H, W) tensor.

    mean and std are numbers or one value per channel; per-channel values need eager (NDArray)
    inputs, scalar ones hybridize too.

    Parameters
    ----------
    mean : float or tuple of float, default 0.0
    std : float or tuple of float, default 1.0

    Example
    -------
    >>> out = transforms.Normalize((0.5, 0.5, 0.5), (0.2, 0.2, 0.2))(mx.nd.ones((3, 4, 4)))
    >>> float(out[0, 0, 0].asscalar())
    2.5
    """

    def __init__(self, mean=0.0, std=1.0):
        super().__init__(prefix="")
        self._mean = _as_values(mean, "mean")
        self._std = _as_values(std, "std")
        if np.any(self._std == 0):
            raise MXNetError("Normalize: std must be non-zero, found %s" % (self._std.tolist(),))

    def hybrid_forward(self, F, x):
        if isinstance(x, NDArray):
            self._check_fits(x)
        if self._mean.size == 1 and self._std.size == 1:
            return (x - float(self._mean[0])) / float(self._std[0])
        if not isinstance(x, NDArray):
            raise MXNetError("Normalize with per-channel mean/std runs on NDArrays; found a %s "
                             "(use scalar mean and std to hybridize)" % type(x).__name__)
        channels = x.shape[-3]
        shape = (channels, 1, 1)
        mean = F.array(np.broadcast_to(self._mean, (channels,)).reshape(shape), ctx=x.context,
                       dtype=x.dtype)
        std = F.array(np.broadcast_to(self._std, (channels,)).reshape(shape), ctx=x.context,
                      dtype=x.dtype)
        return F.broadcast_div(F.broadcast_sub(x, mean), std)

    def _check_fits(self, x):
        """MXNet's rules: a (C, H, W) or (N, C, H, W) input; mean and std of 1 or C values."""
        if x.ndim not in (3, 4):
            raise ShapeError("Normalize expects a (C, H, W) or (N, C, H, W) tensor, found shape %s"
                             % (x.shape,))
        channels = x.shape[-3]
        for what, values in (("mean", self._mean), ("std", self._std)):
            if values.size not in (1, channels):
                raise ShapeError(
                    "Normalize: %s must have 1 value or one per channel (%d channels in the input "
                    "of shape %s), found %d values %s"
                    % (what, channels, x.shape, values.size, values.tolist()))


def _as_values(value, what):
    values = np.asarray(value, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise MXNetError("Normalize: %s needs at least one value, found %r" % (what, value))
    return values
