"""`mx.nd.linalg`: the registry's `_linalg_*` operators under their short names (gemm2, gemm)."""
from ..ops import registry as _registry
from .register import make_nd_function

for _name, _op in _registry.all_operators().items():
    if _name.startswith("_linalg_"):
        globals()[_name[len("_linalg_"):]] = make_nd_function(_op, _name[len("_linalg_"):])
