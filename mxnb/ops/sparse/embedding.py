"""Embedding's sparse weight gradient: with sparse_grad=True, `_backward_Embedding` gives a
row_sparse gradient holding only the rows the batch's indices name (summed per row)."""
from ..nn.embedding import _rows
from ..registry import storage
from .storage import RowSparse, unique_inverse


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
        grad = xp.zeros((rows.shape[0], dim), dtype=og.dtype)
        xp.add.at(grad, inverse, og.reshape(-1, dim))
        return RowSparse(grad, rows, (attrs["input_dim"], dim))
