"""`mx.nd.sparse`: sparse NDArrays (CSRNDArray, RowSparseNDArray), their creation functions, and
every registered operator (sparse inputs reach an operator's sparse kernel through the registry's
storage-type inference). Operators named `_sparse_X` are also `nd.sparse.X` (retain,
adagrad_update), and `_square_sum` is `square_sum`, as in MXNet.

SciPy is needed for sparse arithmetic (pip install 'mxnb[sparse]'); it is imported on first use.
"""
from ...ops import registry as _registry
from ..register import make_nd_function as _make
from .arrays import (BaseSparseNDArray, CSRNDArray, RowSparseNDArray, wrap_payload, assign,  # noqa: F401
                     accumulate_grad)
from .creation import csr_matrix, row_sparse_array, zeros, empty, array  # noqa: F401
# Arrays of one shape go to the storage-aware elemwise operators, as MXNet's sparse.add etc.
from ..arithmetic import add, subtract, multiply, divide  # noqa: F401

__all__ = ["BaseSparseNDArray", "CSRNDArray", "RowSparseNDArray", "csr_matrix",
           "row_sparse_array", "zeros", "empty", "array", "add", "subtract", "multiply", "divide"]


def _install_operator_functions(namespace):
    for name, op in _registry.all_names().items():
        if name in namespace:
            continue
        namespace[name] = _make(op, name)
        if name.startswith("_sparse_"):
            namespace.setdefault(name[len("_sparse_"):], _make(op, name[len("_sparse_"):]))
    namespace["square_sum"] = _make(_registry.get("_square_sum"), "square_sum")


_install_operator_functions(globals())
