"""Symbols with sparse storage: sym.var(stype=), storage-type inference over graphs, and
simple_bind(stype_dict=) executors whose gradients have MXNet's storage types."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.graph.storage import infer_storage_types
from mxnb.base import MXNetError

pytest.importorskip("scipy.sparse")

X = np.array([[1, 0, 0], [0, 0, 2], [0, 0, 0], [3, 0, 0]], dtype=np.float32)


def test_var_stype_is_stored_as_mxnets_storage_type_id():
    assert sym.var("x", stype="csr").list_attr() == {"__storage_type__": "2"}
    assert sym.var("w", stype="row_sparse").list_attr() == {"__storage_type__": "1"}
    loaded = sym.load_json(sym.var("x", stype="csr").tojson())
    assert loaded.list_attr()["__storage_type__"] == "2"


def test_storage_type_inference_over_a_graph():
    x, w = sym.var("x", stype="csr"), sym.var("w")
    y = sym.sparse.dot(x, w, transpose_a=True)
    z = sym.elemwise_add(y, sym.var("b", stype="row_sparse"))
    table = infer_storage_types(z._outputs)
    stypes = {node.name: table[(id(node), 0)] for node in _nodes(z)}
    assert stypes["x"] == "csr" and stypes["b"] == "row_sparse"
    assert [table[(id(n), i)] for n, i in y._outputs] == ["row_sparse"]
    assert [table[(id(n), i)] for n, i in z._outputs] == ["row_sparse"]
    overridden = infer_storage_types(z._outputs, {"b": "default"})
    assert [overridden[(id(n), i)] for n, i in z._outputs] == ["default"]


def _nodes(s):
    from mxnb.graph.node import topo_sort
    return topo_sort(s._outputs)


def test_simple_bind_with_stype_dict_matches_mxnet():
    y = sym.sparse.dot(sym.var("x", stype="csr"), sym.var("w"))
    ex = y.simple_bind(mx.cpu(), x=(4, 3), w=(3, 2), stype_dict={"x": "csr", "w": "default"})
    assert [a.stype for a in ex.arg_arrays] == ["csr", "default"]
    assert [g.stype for g in ex.grad_arrays] == ["default", "row_sparse"]   # as MXNet 1.9.1
    ex.arg_dict["x"][:] = nd.array(X).tostype("csr")
    ex.arg_dict["w"][:] = nd.ones((3, 2))
    out = ex.forward(is_train=True)[0]
    np.testing.assert_allclose(out.asnumpy(), X @ np.ones((3, 2)))
    ex.backward(nd.ones((4, 2)))
    grad = ex.grad_dict["w"]
    assert grad.stype == "row_sparse"
    np.testing.assert_allclose(grad.asnumpy(), X.T @ np.ones((4, 2)))
    np.testing.assert_array_equal(grad.indices.asnumpy(), [0, 2])


def test_simple_bind_takes_the_variables_own_stype_without_stype_dict():
    # MXNet 1.9.1: var(stype=) alone makes simple_bind allocate that storage type
    y = sym.sparse.dot(sym.var("x", stype="csr"), sym.var("w", stype="row_sparse"))
    ex = y.simple_bind(mx.cpu(), x=(4, 3), w=(3, 2))
    assert [a.stype for a in ex.arg_arrays] == ["csr", "row_sparse"]
    assert ex.grad_dict["w"].stype == "row_sparse"
    ex.arg_dict["x"][:] = nd.array(X).tostype("csr")
    ex.arg_dict["w"][:] = nd.ones((3, 2)).tostype("row_sparse")
    np.testing.assert_allclose(ex.forward()[0].asnumpy(), X @ np.ones((3, 2)))


def test_simple_bind_grad_req_null_leaves_no_gradient():
    y = sym.sparse.dot(sym.var("x"), sym.var("w"))
    ex = y.simple_bind(mx.cpu(), x=(4, 3), w=(3, 2), stype_dict={"x": "csr"},
                       grad_req={"x": "null", "w": "write"})
    assert ex.grad_arrays[0] is None and ex.grad_arrays[1].stype == "row_sparse"


def test_simple_bind_refuses_unknown_names():
    y = sym.sparse.dot(sym.var("x"), sym.var("w"))
    with pytest.raises(MXNetError, match="not arguments"):
        y.simple_bind(mx.cpu(), x=(4, 3), w=(3, 2), stype_dict={"q": "csr"})


@pytest.mark.parametrize("make", [
    lambda d, w: sym.Embedding(d, w, input_dim=10, output_dim=4, sparse_grad=True),
    lambda d, w: sym.contrib.SparseEmbedding(d, w, input_dim=10, output_dim=4),
])
def test_simple_bind_gives_a_sparse_embedding_a_row_sparse_weight_gradient(make):
    # MXNet 1.9.1: without any variable declared sparse, the weight gradient is row_sparse
    ex = make(sym.var("data"), sym.var("w")).simple_bind(mx.cpu(), data=(3,), w=(10, 4))
    assert ex.grad_dict["w"].stype == "row_sparse"
    ex.arg_dict["data"][:] = nd.array([1, 4, 1])
    ex.arg_dict["w"][:] = nd.array(np.arange(40).reshape(10, 4))
    out = ex.forward(is_train=True)[0]
    np.testing.assert_allclose(out.asnumpy(), np.arange(40).reshape(10, 4)[[1, 4, 1]])
    ex.backward(nd.ones((3, 4)))
    expected = np.zeros((10, 4))
    expected[1], expected[4] = 2, 1
    np.testing.assert_allclose(ex.grad_dict["w"].asnumpy(), expected)
