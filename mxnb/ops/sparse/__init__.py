"""Sparse storage (csr, row_sparse): payloads, storage-type dispatch, and the sparse kernels of
operators (see registry.py: `infer_storage` / `compute_sparse` on the operator records)."""
from . import storage, dispatch  # noqa: F401
from . import cast, dot, elemwise, rows, reduce, add_n, embedding, updates, nnz  # noqa: F401
from . import scatter  # noqa: F401  (_scatter_*: operators of their own, after elemwise)
