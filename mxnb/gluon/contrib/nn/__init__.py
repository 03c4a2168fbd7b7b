"""`mx.gluon.contrib.nn`: contributed layers."""
from .sparse_embedding import SparseEmbedding  # noqa: F401
