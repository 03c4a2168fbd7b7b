"""Embedding: rows of a weight matrix picked by integer indices; the weight's gradient is a
scatter-add of the output gradient into those rows (`_backward_Embedding`). SparseEmbedding
(`_contrib_SparseEmbedding`, deprecated in MXNet) is the same lookup with a row_sparse weight
gradient whatever sparse_grad says."""
from ..params import Int, DType, Bool
from ..registry import operator
from ._shapes import merge

_PARAMS = {"input_dim": Int(low=1), "output_dim": Int(low=1), "dtype": DType("float32"),
           "sparse_grad": Bool(False)}


def _rows(xp, data, input_dim):
    # MXNet clips out-of-range indices to the first/last row.
    return xp.clip(data.astype(xp.int64), 0, input_dim - 1)


def _lookup_shape(name):
    def infer_shape(attrs, in_shapes):
        data, weight = in_shapes
        weight = merge(weight, (attrs["input_dim"], attrs["output_dim"]), name,
                       "weight (input_dim, output_dim)")
        out = None if data is None else tuple(data) + (attrs["output_dim"],)
        return [data, weight], [out]
    return infer_shape


def _lookup(name):
    """The forward kernel of Embedding and SparseEmbedding; `name` for shape errors."""
    infer_shape = _lookup_shape(name)

    def compute(xp, inputs, attrs):
        data, weight = inputs
        if weight.shape != (attrs["input_dim"], attrs["output_dim"]):
            infer_shape(attrs, [data.shape, weight.shape])   # says what is wrong
        return weight[_rows(xp, data, attrs["input_dim"])]
    return compute


def _lookup_type(attrs, in_types):
    weight = in_types[1] if in_types[1] is not None else attrs["dtype"]
    data = in_types[0] if in_types[0] is not None else weight
    return [data, weight], [weight]


def _weight_gradient(F, attrs, data, og, sparse_grad):
    return F._backward_Embedding(og, data, input_dim=attrs["input_dim"],
                                 output_dim=attrs["output_dim"], sparse_grad=sparse_grad)


@operator("Embedding", params=_PARAMS, inputs=("data", "weight"), hint="embedding")
class Embedding:
    """weight[data]: output shape data.shape + (output_dim,)."""
    compute = _lookup("Embedding")
    infer_shape = _lookup_shape("Embedding")
    infer_type = _lookup_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [None, _weight_gradient(F, attrs, inputs[0], out_grads[0], attrs["sparse_grad"])]


@operator("_contrib_SparseEmbedding", params=_PARAMS, inputs=("data", "weight"),
          hint="sparseembedding")
class SparseEmbedding:
    """weight[data], as Embedding; the weight's gradient is row_sparse (sparse_grad is
    accepted and ignored, as in MXNet 1.9.1)."""
    compute = _lookup("SparseEmbedding")
    infer_shape = _lookup_shape("SparseEmbedding")
    infer_type = _lookup_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [None, _weight_gradient(F, attrs, inputs[0], out_grads[0], True)]


@operator("_backward_Embedding", params=_PARAMS, inputs=("ograd", "data"))
class BackwardEmbedding:
    """Embedding's weight gradient: ograd rows summed into the rows their indices name."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        grad = xp.zeros((attrs["input_dim"], attrs["output_dim"]), dtype=og.dtype)
        xp.add.at(grad, _rows(xp, data, attrs["input_dim"]).reshape(-1),
                  og.reshape(-1, attrs["output_dim"]))
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(attrs["input_dim"], attrs["output_dim"])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Linear in ograd: its gradient gathers the same rows back.
        return [F.Embedding(inputs[1], out_grads[0], input_dim=attrs["input_dim"],
                            output_dim=attrs["output_dim"]), None]
