"""`mx.nd`: NDArray, its creation functions, and one function per registered operator."""
import numpy as np

from .. import ops as _ops  # fills the registry
from ..engine import waitall
from ..context import current_context
from ..ops import registry as _registry
from .ndarray import NDArray, invoke, array
from . import operators as _operators, indexing as _indexing  # noqa: F401 (install methods)
from .register import make_nd_function



def _install_operator_functions(namespace):
    for name, op in _registry.all_names().items():
        namespace[name] = make_nd_function(op, name)


_install_operator_functions(globals())
_operators.install_fluent_methods()

from .arithmetic import *  # noqa: E402,F401,F403  (nd.add, nd.maximum, ...: arrays or numbers)
from .creation import (zeros, ones, full, empty, arange, eye, linspace, concatenate,  # noqa: E402
                       moveaxis)
from . import random, linalg  # noqa: E402
from .split_histogram import split_v2, histogram  # noqa: E402,F401
from . import sparse  # noqa: E402
from .sparse import CSRNDArray, RowSparseNDArray  # noqa: E402,F401
from .utils import save, load, load_frombuffer  # noqa: E402
from .cached_op import CachedOp  # noqa: E402,F401
from .dlpack import (to_dlpack_for_read, to_dlpack_for_write, from_dlpack,  # noqa: E402,F401
                     from_numpy)
from . import ndarray as _ndarray_module  # noqa: E402
# MXNet's ndarray/ndarray.py defines these too: `mx.nd.ndarray.empty` is `mx.nd.empty`
_ndarray_module.empty, _ndarray_module.from_numpy = empty, from_numpy


def onehot_encode(indices, out):
    out[:] = 0
    out[np.arange(indices.shape[0]), indices.asnumpy().astype(int)] = 1
    return out
from . import contrib  # noqa: E402,F401  (nd.contrib: control flow, _contrib_* operators)
from . import _internal  # noqa: E402,F401  (nd._internal: the underscore operators, as MXNet)
from . import image  # noqa: E402,F401  (nd.image: the _image_* operators)
