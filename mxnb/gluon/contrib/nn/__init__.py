"""`gluon.contrib.nn` (MXNet 1.x): contributed layers."""
from .pixel_shuffle import *  # noqa: F401,F403
from .sync_batch_norm import *  # noqa: F401,F403
from ...nn.concurrent_layers import Concurrent, HybridConcurrent, Identity  # noqa: F401
from .sparse_embedding import SparseEmbedding  # noqa: F401
