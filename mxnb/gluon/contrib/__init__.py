"""`mx.gluon.contrib`: experimental Gluon layers."""
from . import nn  # noqa: F401
