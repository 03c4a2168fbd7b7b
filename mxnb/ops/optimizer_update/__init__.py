"""Optimizer update operators (MXNet's optimizer_op, multi_sgd, lamb, adamw, ...).

They update state arrays in place (MXNet's mutable inputs: momentum, moments, master copies) and
return the new weight, which callers write back with `out=weight`:

    nd.sgd_mom_update(w, g, mom, lr=0.1, momentum=0.9, out=w)

None of them is differentiable.
"""
from . import sgd, adaptive, lamb, utils  # noqa: F401
from ._common import weight_shape as _weight_shape
from .. import registry as _registry


def _same_shapes_first(compute):
    """NumPy would broadcast a gradient of another shape into the weight's update: refuse it as
    the operator's shape inference does (one comparison per input when the shapes agree)."""
    def checked(xp, inputs, attrs, **extras):
        first = inputs[0].shape
        for x in inputs[1:]:
            if x.shape != first:
                _weight_shape(attrs, [a.shape for a in inputs])
        return compute(xp, inputs, attrs, **extras)
    return checked


for _op in _registry.all_operators().values():
    if _op.infer_shape is _weight_shape:
        _op.compute = _same_shapes_first(_op.compute)
