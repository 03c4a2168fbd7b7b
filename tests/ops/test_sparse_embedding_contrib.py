"""`_contrib_SparseEmbedding` (nd.contrib / sym.contrib.SparseEmbedding): Embedding's lookup
with a row_sparse weight gradient, against NumPy references."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym, autograd
from .harness import Case, run_case

R = np.random.RandomState(7)
INDICES = np.array([[1, 3], [1, 0]])


def _lookup_ref(data, weight, input_dim, output_dim, **_):
    return weight[np.clip(data.astype(int), 0, input_dim - 1)]


def _scatter_add(og, data, input_dim, output_dim):
    grad = np.zeros((input_dim, output_dim))
    np.add.at(grad, data.reshape(-1).astype(int), og.reshape(-1, output_dim))
    return grad


CASES = [
    Case("_contrib_SparseEmbedding", [INDICES, R.randn(4, 3)], _lookup_ref,
         attrs={"input_dim": 4, "output_dim": 3}, grad_inputs=[1]),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


@pytest.mark.parametrize("sparse_grad", [False, True])
def test_weight_gradient_is_row_sparse(sparse_grad):
    w_np = R.randn(5, 3).astype(np.float32)
    og = R.randn(2, 2, 3).astype(np.float32)
    weight = nd.array(w_np)
    weight.attach_grad(stype="row_sparse")
    with autograd.record():
        out = nd.contrib.SparseEmbedding(nd.array(INDICES), weight, input_dim=5, output_dim=3,
                                         sparse_grad=sparse_grad)
    out.backward(nd.array(og))
    np.testing.assert_allclose(out.asnumpy(), w_np[INDICES])
    assert weight.grad.stype == "row_sparse"
    assert weight.grad.indices.asnumpy().tolist() == [0, 1, 3]
    np.testing.assert_allclose(weight.grad.asnumpy(), _scatter_add(og, INDICES, 5, 3),
                               rtol=1e-6)


def test_symbol_binds_a_row_sparse_gradient():
    w_np = R.randn(4, 3).astype(np.float32)
    net = sym.contrib.SparseEmbedding(sym.Variable("d"), input_dim=4, output_dim=3, name="emb")
    assert net.list_arguments() == ["d", "emb_weight"]
    assert net.infer_shape(d=(2, 2))[1] == [(2, 2, 3)]
    grad = nd.zeros((4, 3)).tostype("row_sparse")
    exe = net.bind(mx.cpu(), args={"d": nd.array(INDICES), "emb_weight": nd.array(w_np)},
                   args_grad={"emb_weight": grad}, grad_req={"d": "null", "emb_weight": "write"})
    exe.forward(is_train=True)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), w_np[INDICES])
    exe.backward(nd.ones((2, 2, 3)))
    assert grad.stype == "row_sparse"
    np.testing.assert_allclose(grad.asnumpy(), _scatter_add(np.ones((2, 2, 3)), INDICES, 4, 3))


def test_weight_shape_is_checked():
    with pytest.raises(mx.MXNetError, match="SparseEmbedding"):
        nd.contrib.SparseEmbedding(nd.array(INDICES), nd.ones((4, 2)), input_dim=4,
                                   output_dim=3).asnumpy()


def _partly_stored_weight():
    """A (6, 3) row_sparse weight storing rows 1, 3 and 4: (NDArray, its dense NumPy values)."""
    values = R.randn(3, 3).astype(np.float32)
    dense = np.zeros((6, 3), dtype=np.float32)
    dense[[1, 3, 4]] = values
    weight = nd.sparse.row_sparse_array((values, [1, 3, 4]), shape=(6, 3))
    return weight, dense


@pytest.mark.parametrize("lookup", [nd.Embedding, nd.contrib.SparseEmbedding],
                         ids=["Embedding", "SparseEmbedding"])
def test_a_row_sparse_weight_is_looked_up_without_a_fallback_warning(lookup):
    weight, dense = _partly_stored_weight()
    data = np.array([[0, 3], [4, 5], [1.7, 3]])     # rows not stored read as zeros
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # MXNet prints no storage fallback here
        out = lookup(nd.array(data), weight, input_dim=6, output_dim=3).asnumpy()
    np.testing.assert_array_equal(out, dense[data.astype(int)])


@pytest.mark.parametrize("stored", [[], [0, 1, 2, 3, 4, 5]], ids=["no rows", "every row"])
def test_a_row_sparse_weight_with_no_or_all_rows_stored(stored):
    dense = np.zeros((6, 3), dtype=np.float32)
    dense[stored] = R.randn(len(stored), 3)
    weight = nd.sparse.row_sparse_array((dense[stored].reshape(-1, 3), stored), shape=(6, 3))
    out = nd.contrib.SparseEmbedding(nd.array(INDICES), weight, input_dim=6, output_dim=3)
    np.testing.assert_array_equal(out.asnumpy(), dense[INDICES])


@pytest.mark.parametrize("data", [[-1, 2], [0, 6], [0, 5.5]])
def test_a_row_sparse_weight_refuses_indices_out_of_bound(data):
    weight, _ = _partly_stored_weight()
    with pytest.raises(mx.MXNetError, match="out of bound"):
        nd.contrib.SparseEmbedding(nd.array(data), weight, input_dim=6, output_dim=3).asnumpy()
