"""`mx.sym.sparse`: every operator's symbol function, plus the `_sparse_X` operators as `X`
(retain, adagrad_update) and `_square_sum` as `square_sum`, as MXNet's sparse namespace."""
from ..ops import registry as _registry
from .register import make_sym_function as _make


def _install(namespace):
    for name, op in _registry.all_names().items():
        namespace[name] = _make(op, name)
        if name.startswith("_sparse_"):
            namespace.setdefault(name[len("_sparse_"):], _make(op, name[len("_sparse_"):]))
    namespace["square_sum"] = _make(_registry.get("_square_sum"), "square_sum")


_install(globals())
