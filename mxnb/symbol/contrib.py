"""`mx.sym.contrib`: the registry's `_contrib_*` operators under their short names; nodes are
named after the short name (box_nms0), as MXNet names them."""
from ..ops import registry as _registry
from .register import make_sym_function

for _name, _op in _registry.all_names().items():
    if _name.startswith("_contrib_"):
        globals()[_name[len("_contrib_"):]] = make_sym_function(_op, _name[len("_contrib_"):])
