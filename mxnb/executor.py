"""`mx.executor`: the Executor class (it lives with the graph passes in mxnb/graph/)."""
from .graph.executor import Executor  # noqa: F401
