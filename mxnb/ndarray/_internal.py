"""`mx.nd._internal`: the registered operators whose names start with `_` (`_plus_scalar`,
`_square_sum`, `_backward_*`), as MXNet's module of that name.

The functions are `mx.nd`'s own (generated once from the registry); this module only picks the
names. `mx.sym._internal` picks the same names from `mx.sym` (`internal_names`).
"""
import sys

from ..ops import registry as _registry

# Names with these prefixes live in their own namespaces in MXNet (nd.contrib, nd.linalg, ...,
# and the NumPy interface for _np*), not in _internal.
_NAMESPACED = ("_contrib_", "_linalg_", "_sparse_", "_image_", "_np")


def is_internal_name(name):
    """Whether MXNet lists the operator `name` in its `_internal` modules.

    Parameters
    ----------
    name : str
        A registered operator name or alias.

    Returns
    -------
    bool
        True for names starting with `_` outside the prefixed namespaces; `_random_*_like`
        operators belong to `random`, the other `_random_*` ones to `_internal`.

    Examples
    --------
    >>> is_internal_name('_plus_scalar'), is_internal_name('_contrib_box_nms')
    (True, False)
    """
    if not name.startswith("_") or name.startswith(_NAMESPACED):
        return False
    return not (name.startswith("_random_") and name.endswith("_like"))


def internal_names():
    """The sorted operator names that belong in an `_internal` module."""
    return sorted(name for name in _registry.all_names() if is_internal_name(name))


def install(namespace, functions):
    """Puts `functions[name]` into `namespace` for every internal operator name."""
    names = internal_names()
    for name in names:
        namespace[name] = functions[name]
    namespace["__all__"] = names


install(globals(), vars(sys.modules[__package__]))
