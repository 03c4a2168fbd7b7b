"""`mx.sym.linalg`: the registry's `_linalg_*` operators under their short names (gemm2, gemm)."""
from . import _functions

for _name, _fn in list(_functions.items()):
    if _name.startswith("_linalg_"):
        globals()[_name[len("_linalg_"):]] = _fn
