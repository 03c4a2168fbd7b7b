"""`mx.sym.contrib`: the registry's `_contrib_*` operators under their short names."""
from . import _functions

for _name, _fn in list(_functions.items()):
    if _name.startswith("_contrib_"):
        globals()[_name[len("_contrib_"):]] = _fn
