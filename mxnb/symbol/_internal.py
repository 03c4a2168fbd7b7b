"""`mx.sym._internal`: the registered operators whose names start with `_` (`_PlusScalar`,
`_square_sum`, `_identity_with_attr_like_rhs`), as MXNet's module of that name.

The functions are `mx.sym`'s own (generated once from the registry); the names are those of
`mx.nd._internal`.
"""
from ..ndarray._internal import install as _install
from . import _functions

_install(globals(), _functions)
