"""Embedding with sparse storage.

- The lookup (Embedding, `_contrib_SparseEmbedding`) of a row_sparse weight reads the rows it
  needs from the weight's stored rows (MXNet's FComputeEx for a row_sparse weight): no dense
  copy of the whole weight per call, no fallback warning. As MXNet's, an index outside
  [0, input_dim - 1] is an error there (the dense lookup clips it).
- `_backward_Embedding` with sparse_grad=True gives a row_sparse gradient holding only the rows
  the batch's indices name (summed per row).
"""
from ... import backend
from ...base import MXNetError
from ..nn.embedding import _rows, _lookup_shape
from ..registry import storage
from .storage import RowSparse, INDEX_DTYPE, take_rows, unique_inverse


def _lookup_stypes(attrs, in_stypes):
    """Dense indices and a row_sparse weight give a dense lookup; anything else is not ours."""
    if in_stypes == ["default", "row_sparse"]:
        return ["default"]
    return None


def _checked_rows(name, data, input_dim):
    """The row numbers `data` names (truncated as the dense lookup's cast), with MXNet's bound
    check on the values themselves."""
    if data.size:
        low, high = float(data.min()), float(data.max())
        if not (low >= 0 and high <= input_dim - 1):
            raise MXNetError("%s with a row_sparse weight: input contains data out of bound: "
                             "expected indices in [0, %d], found values from %s to %s"
                             % (name, input_dim - 1, low, high))
    return data.astype(INDEX_DTYPE)


def _stored_rows(xp, weight, rows):
    """weight[rows] for a RowSparse weight: its stored row where it has one, zeros elsewhere."""
    flat = rows.reshape(-1)
    if weight.indices.shape[0] == weight.shape[0]:   # every row stored: the indices are 0..n-1
        picked = xp.take(weight.data, flat, axis=0)
    else:
        picked = take_rows(xp, weight, flat)
    return picked.reshape(tuple(rows.shape) + weight.shape[1:])


def _sparse_lookup(name):
    infer_shape = _lookup_shape(name)

    def compute(xp, inputs, attrs, out_stypes):
        data, weight = inputs
        if weight.shape != (attrs["input_dim"], attrs["output_dim"]):
            infer_shape(attrs, [data.shape, weight.shape])   # says what is wrong
        return _stored_rows(xp, weight, _checked_rows(name, data, attrs["input_dim"]))
    return compute


@storage("Embedding")
class EmbeddingStorage:
    """Embedding of a row_sparse weight: the rows looked up from its stored rows."""
    infer_storage = _lookup_stypes
    compute = _sparse_lookup("Embedding")


@storage("_contrib_SparseEmbedding")
class SparseEmbeddingStorage:
    """SparseEmbedding of a row_sparse weight: the rows looked up from its stored rows."""
    infer_storage = _lookup_stypes
    compute = _sparse_lookup("SparseEmbedding")


@storage("_backward_Embedding")
class BackwardEmbeddingStorage:
    sparse_from_dense = True     # dense ograd and indices give a row_sparse gradient

    def infer_storage(attrs, in_stypes):
        if any(s != "default" for s in in_stypes):
            return None
        return ["row_sparse" if attrs["sparse_grad"] else "default"]

    def compute(xp, inputs, attrs, out_stypes):
        og, data = inputs
        dim = attrs["output_dim"]
        rows, inverse = unique_inverse(xp, _rows(xp, data, attrs["input_dim"]),
                                       attrs["input_dim"])
        # Summing ograd's rows per distinct index is a product with a 0/1 selection matrix
        # (one scipy/cupyx kernel, where add.at would loop element by element).
        # (float16 is summed in float32: the sparse modules have no float16 kernels.)
        count = inverse.shape[0]
        work = og if og.dtype.kind == "f" and og.dtype.itemsize >= 4 else og.astype("float32")
        select = backend.sparse_module(xp).csr_matrix(
            (xp.ones((count,), dtype=work.dtype), (inverse, xp.arange(count))),
            shape=(rows.shape[0], count))
        grad = xp.asarray(select @ work.reshape(count, dim)).astype(og.dtype, copy=False)
        return RowSparse(grad, rows, (attrs["input_dim"], dim))
