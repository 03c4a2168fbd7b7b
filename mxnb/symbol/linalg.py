"""`mx.sym.linalg`: the registry's `_linalg_*` operators under their short names (gemm2,
potrf, ...); nodes are named after the short name (potrf0), as MXNet names them."""
from ..ops import registry as _registry
from .register import make_sym_function

for _name, _op in _registry.all_operators().items():
    if _name.startswith("_linalg_"):
        globals()[_name[len("_linalg_"):]] = make_sym_function(_op, _name[len("_linalg_"):])
