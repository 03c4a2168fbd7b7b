"""`mx.nd.image`: the registry's `_image_*` operators under their short names (to_tensor,
normalize, resize, crop, flips, colour jitter), as MXNet 1.9.1's `mx.nd.image`."""
from ..ops import registry as _registry
from .register import make_nd_function as _make

for _name, _op in _registry.all_operators().items():
    if _name.startswith("_image_"):
        globals()[_name[len("_image_"):]] = _make(_op, _name[len("_image_"):])
