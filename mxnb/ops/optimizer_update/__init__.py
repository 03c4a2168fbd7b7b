"""Optimizer update operators (MXNet's optimizer_op, multi_sgd, lamb, adamw, ...).

They update state arrays in place (MXNet's mutable inputs: momentum, moments, master copies) and
return the new weight, which callers write back with `out=weight`:

    nd.sgd_mom_update(w, g, mom, lr=0.1, momentum=0.9, out=w)

None of them is differentiable.
"""
from . import sgd, adaptive, lamb, utils  # noqa: F401
