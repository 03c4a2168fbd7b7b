"""The operator registry (`registry`) and every operator family; importing this fills the registry."""
from . import registry
from . import elemwise, creation, unary, reduce, matmul, linalg, shape, indexing, nn, random  # noqa: F401
from . import control_flow  # noqa: F401
