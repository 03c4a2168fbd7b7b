"""`gluon.contrib.nn`: contributed layers (MXNet 1.x)."""
from ...nn.concurrent_layers import Concurrent, HybridConcurrent, Identity
