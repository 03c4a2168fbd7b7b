"""Layer arguments checked at construction against the operator's declared parameter domains,
so that `Dense(0)` fails where it is written, naming the layer, instead of at the first forward
(where the error would blame deferred initialisation)."""
from ...base import MXNetError
from ...ops import registry

__all__ = ["check_layer_args"]


def check_layer_args(layer, op_name, attrs):
    """Parses `attrs` as operator `op_name` would; an MXNetError naming `layer` if one is outside
    its domain."""
    try:
        registry.get(op_name).parse_attrs(attrs)
    except MXNetError as exc:
        raise MXNetError("%s: invalid arguments: %s" % (layer, exc)) from None
