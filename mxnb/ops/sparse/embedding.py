"""Embedding's sparse weight gradient: with sparse_grad=True, `_backward_Embedding` gives a
row_sparse gradient holding only the rows the batch's indices name (summed per row)."""
from ... import backend
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
