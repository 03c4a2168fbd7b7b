"""SparseEmbedding: an Embedding whose weight gradient is row_sparse (MXNet's
`gluon.contrib.nn.SparseEmbedding`)."""
from .... import ndarray
from ...block import Block

__all__ = ["SparseEmbedding"]


class SparseEmbedding(Block):
    """Turns non-negative integers (indexes/tokens) into dense vectors of fixed size, with a
    row_sparse weight gradient: a step of a Trainer updates only the rows a batch used (lazily,
    with SGD, Adam or AdaGrad).

    mxnb keeps the weight itself dense; its gradient holds only the looked-up rows. (MXNet 1.x
    also stores the weight as row_sparse and pulls the needed rows from a kvstore with
    `row_sparse_pull`.)

    Parameters
    ----------
    input_dim : int
        Size of the vocabulary, i.e. maximum integer index + 1.
    output_dim : int
        Dimension of the dense embedding.
    dtype : str or np.dtype, default 'float32'
        Data type of the output embeddings.
    weight_initializer : Initializer
        Initializer for the embeddings matrix.

    Inputs:
        - **data**: (N-1)-D tensor with shape: `(x1, x2, ..., xN-1)`.
    Output:
        - **out**: N-D tensor with shape: `(x1, x2, ..., xN-1, output_dim)`.

    Example
    -------
    >>> emb = mx.gluon.contrib.nn.SparseEmbedding(1000, 16)
    >>> emb.initialize()
    >>> with mx.autograd.record():
    ...     y = emb(mx.nd.array([3, 7]))
    >>> y.backward()
    >>> emb.weight.grad().stype
    'row_sparse'
    """

    def __init__(self, input_dim, output_dim, dtype="float32", weight_initializer=None, **kwargs):
        super().__init__(**kwargs)
        self._kwargs = {"input_dim": input_dim, "output_dim": output_dim, "dtype": dtype,
                        "sparse_grad": True}
        self.weight = self.params.get("weight", shape=(input_dim, output_dim),
                                      init=weight_initializer, dtype=dtype,
                                      grad_stype="row_sparse")

    def forward(self, x):
        return ndarray.Embedding(x, self.weight.data(x.context), name="fwd", **self._kwargs)

    def __repr__(self):
        return "%s(%s -> %s, %s)" % (type(self).__name__, self._kwargs["input_dim"],
                                     self._kwargs["output_dim"], self._kwargs["dtype"])
