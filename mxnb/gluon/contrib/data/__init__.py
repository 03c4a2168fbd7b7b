"""`gluon.contrib.data` (MXNet 1.x): contributed samplers and the WikiText datasets."""
from . import sampler  # noqa: F401
from . import text  # noqa: F401
from .sampler import IntervalSampler  # noqa: F401
