"""The operator registry (`registry`) and every operator family; importing this fills the registry."""
from . import registry
from . import elemwise, creation  # noqa: F401  (each module registers its operators)

_FAMILIES = ["unary", "reduce", "matmul", "shape", "indexing", "nn", "random"]


def _load_families():
    import importlib
    for family in _FAMILIES:
        try:
            importlib.import_module(__name__ + "." + family)
        except ModuleNotFoundError as exc:
            if exc.name != __name__ + "." + family:
                raise


_load_families()
