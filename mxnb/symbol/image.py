"""`mx.sym.image`: the registry's `_image_*` operators under their short names (to_tensor,
normalize, resize, crop, ...); nodes are named after the short name (to_tensor0)."""
from ..ops import registry as _registry
from .register import make_sym_function as _make

for _name, _op in _registry.all_operators().items():
    if _name.startswith("_image_"):
        globals()[_name[len("_image_"):]] = _make(_op, _name[len("_image_"):])
