"""`gluon.contrib.nn` (MXNet 1.x): contributed layers."""
from ...nn.concurrent_layers import Concurrent, HybridConcurrent, Identity  # noqa: F401
