"""MXNet 1.x's `mx.contrib`: `mx.contrib.onnx` (import and export of ONNX models),
`mx.contrib.autograd` (MXNet's first autograd interface), `mx.contrib.io` (DataLoaderIter), and
the contrib operator namespaces `mx.contrib.ndarray` (`nd`) and `mx.contrib.symbol` (`sym`)."""
from . import onnx  # noqa: F401
from . import autograd  # noqa: F401
from . import text  # noqa: F401
from . import io  # noqa: F401

# MXNet's mx.contrib.ndarray / mx.contrib.symbol (and their nd / sym aliases) are the contrib
# operator namespaces, mx.nd.contrib and mx.sym.contrib; resolved on first use, as symbol loads
# lazily.
_OPERATOR_NAMESPACES = {"ndarray": "..ndarray.contrib", "nd": "..ndarray.contrib",
                        "symbol": "..symbol.contrib", "sym": "..symbol.contrib"}


def __getattr__(name):
    if name in _OPERATOR_NAMESPACES:
        import importlib
        module = importlib.import_module(_OPERATOR_NAMESPACES[name], __name__)
        globals()[name] = module
        return module
    raise AttributeError("module 'mxnb.contrib' has no attribute %r" % name)
