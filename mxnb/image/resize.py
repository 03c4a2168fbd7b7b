"""mx.image's resizing: the OpenCV-compatible kernel lives with the operators that use it
(mxnb/ops/image_resize.py: `_image_resize` and the image iterators share one implementation)."""
from ..ops.image_resize import resize, interp_method, INTERP_NAMES  # noqa: F401

__all__ = ["resize", "interp_method", "INTERP_NAMES"]
