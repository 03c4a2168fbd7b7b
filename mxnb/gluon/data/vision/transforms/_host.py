"""Running a NumPy image function on an NDArray and back (the transforms that are not
operators: resizing, cropping with resampling, colour jitter)."""
import numpy as np

from .....base import MXNetError
from .....ndarray import NDArray
from ..... import ndarray as nd


def apply(x, fn, name, ndims=(3, 4)):
    """fn(image) on an (H, W, C) image, or on each image of an (N, H, W, C) batch."""
    if not isinstance(x, NDArray):
        raise MXNetError("%s transforms NDArrays, found %s" % (name, type(x).__name__))
    if x.ndim not in ndims:
        raise MXNetError("%s expects an image of %s dimensions, found shape %s"
                         % (name, " or ".join(str(n) for n in ndims), x.shape))
    host = x.asnumpy()
    if host.ndim == 4 and 4 in ndims and 3 in ndims:
        out = np.stack([fn(img) for img in host])
    else:
        out = fn(host)
    return nd.array(out, ctx=x.context, dtype=out.dtype)


def saturate(values, dtype):
    """Float results back to `dtype`, rounded and clipped for integer images (as OpenCV)."""
    dtype = np.dtype(dtype)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        return np.clip(np.rint(values), info.min, info.max).astype(dtype)
    return values.astype(dtype)
