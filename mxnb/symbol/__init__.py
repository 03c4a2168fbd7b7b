"""`mx.sym`: Symbol, variables, and one function per registered operator."""
from ..ops import registry as _registry
from .symbol import Symbol, var, Variable, Group
from .register import make_sym_function
from .json_io import load, load_json

_functions = {}


def _install_operator_functions(namespace):
    for name, op in _registry.all_names().items():
        fn = make_sym_function(op, name)
        _functions[name] = fn
        namespace[name] = fn


_install_operator_functions(globals())


def zeros(shape, dtype=None, **kwargs):
    return _functions["_zeros"](shape=shape, dtype=dtype or "float32", **kwargs)


def ones(shape, dtype=None, **kwargs):
    return _functions["_ones"](shape=shape, dtype=dtype or "float32", **kwargs)


def full(shape, val, dtype=None, **kwargs):
    return _functions["_full"](shape=shape, value=val, dtype=dtype or "float32", **kwargs)


def arange(start, stop=None, step=1.0, repeat=1, infer_range=False, name=None, dtype=None):
    return _functions["_arange"](start=start, stop=stop, step=step, repeat=repeat, name=name,
                                 infer_range=infer_range, dtype=dtype or "float32")


def _install_fluent_methods():
    from ..ndarray.operators import FLUENT
    for fname in FLUENT:
        fn = _functions.get(fname)
        if fn is not None and not hasattr(Symbol, fname):
            setattr(Symbol, fname, (lambda f: lambda self, *a, **k: f(self, *a, **k))(fn))

    def astype(self, dtype):
        """A cast of this symbol to `dtype` (MXNet's fluent `cast`)."""
        return _functions["Cast"](self, dtype=dtype)
    Symbol.astype = astype

    def split_v2_method(self, *args, **kwargs):
        """`mx.sym.split_v2` with this symbol as the data."""
        from .functions import split_v2 as split
        return split(self, *args, **kwargs)
    split_v2_method.__name__ = "split_v2"
    Symbol.split_v2 = split_v2_method

    def reshape(self, *shape, **kwargs):
        if len(shape) == 1 and isinstance(shape[0], (list, tuple)):
            shape = tuple(shape[0])
        if shape:
            kwargs["shape"] = shape
        return _functions["Reshape"](self, **kwargs)
    Symbol.reshape = reshape


_install_fluent_methods()

from . import linalg  # noqa: E402,F401  (reads _functions, so it comes last)
from . import random  # noqa: E402,F401  (reads _functions too)
from .functions import maximum, minimum, power, pow, hypot, eye, linspace, split_v2, histogram  # noqa: E402,F401,A004
from . import sparse  # noqa: E402,F401
from . import contrib  # noqa: E402,F401  (sym.contrib: control flow, _contrib_* operators)
from . import _internal  # noqa: E402,F401  (sym._internal: the `_`-prefixed operators)
from . import image  # noqa: E402,F401  (sym.image: the _image_* operators)
