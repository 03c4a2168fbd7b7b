"""Sparse NDArrays as MXNet 1.9.1's: storage types of scalar comparisons, pickling, sparse out=
from dense operators, the creation functions' shape checks, detach, take of csr rows and the
auxiliary-array attributes. References are NumPy computations on the dense values."""
import pickle

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError

VALUES = np.array([[0, 1, 2], [0, 0, 0], [3, 0, -1], [0, 0.5, 0]], dtype=np.float32)
STYPES = ["csr", "row_sparse"]


@pytest.fixture(autouse=True)
def quiet_fallback(monkeypatch):
    monkeypatch.setenv("MXNET_STORAGE_FALLBACK_LOG_VERBOSE", "0")


def _as(values, stype):
    arr = nd.array(values)
    return arr if stype == "default" else arr.tostype(stype)


def _stored_positions(x):
    """The (row, column) positions a sparse array stores, from its own parts."""
    if x.stype == "csr":
        indptr = x.indptr.asnumpy()
        rows = np.repeat(np.arange(x.shape[0]), np.diff(indptr))
        return list(zip(rows.tolist(), x.indices.asnumpy().tolist()))
    return [(r, c) for r in x.indices.asnumpy().tolist() for c in range(x.shape[1])]


# --- 1. scalar comparisons (and + 0 / - 0) keep the storage type when op(0, scalar) is 0 -------
_SCALAR_OPS = {
    "_equal_scalar": np.equal, "_not_equal_scalar": np.not_equal,
    "_greater_scalar": np.greater, "_greater_equal_scalar": np.greater_equal,
    "_lesser_scalar": np.less, "_lesser_equal_scalar": np.less_equal,
    "_plus_scalar": np.add, "_minus_scalar": np.subtract,
}


@pytest.mark.parametrize("stype", STYPES)
@pytest.mark.parametrize("name", sorted(_SCALAR_OPS))
@pytest.mark.parametrize("scalar", [0.0, 1.0, -1.0, 0.5])
def test_scalar_operator_keeps_sparse_storage_exactly_when_it_maps_zero_to_zero(stype, name,
                                                                                scalar):
    ref = _SCALAR_OPS[name]
    x = _as(VALUES, stype)
    out = getattr(nd, name)(x, scalar=scalar)
    keeps_zero = ref(np.float32(0), np.float32(scalar)) == 0
    assert out.stype == (stype if keeps_zero else "default")
    np.testing.assert_array_equal(out.asnumpy(), ref(VALUES, np.float32(scalar)).astype(np.float32))
    assert out.dtype == np.float32
    if keeps_zero:      # the same stored positions, with the operator applied to their values
        assert _stored_positions(out) == _stored_positions(x)


@pytest.mark.parametrize("stype", STYPES)
@pytest.mark.parametrize("expr, ref", [
    (lambda y: 1 == y, lambda v: v == 1), (lambda y: y > 0, lambda v: v > 0),
    (lambda y: 0 != y, lambda v: v != 0), (lambda y: y >= 1, lambda v: v >= 1),
    (lambda y: 0 < y, lambda v: v > 0), (lambda y: 0 == y, lambda v: v == 0),
    (lambda y: 1 > y, lambda v: v < 1), (lambda y: y <= -1, lambda v: v <= -1),
])
def test_python_comparison_operators_on_sparse_arrays(stype, expr, ref):
    out = expr(_as(VALUES, stype))
    want = ref(VALUES).astype(np.float32)
    zero_maps_to = ref(np.zeros(1, np.float32))[0]
    assert out.stype == ("default" if zero_maps_to else stype)
    np.testing.assert_array_equal(out.asnumpy(), want)


# --- 3. pickling ----------------------------------------------------------------------------------
@pytest.mark.parametrize("stype", STYPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int32])
@pytest.mark.parametrize("empty", [False, True])
def test_sparse_arrays_pickle_round_trip(stype, dtype, empty):
    values = np.zeros_like(VALUES) if empty else VALUES
    a = nd.array(values, dtype=dtype).tostype(stype)
    b = pickle.loads(pickle.dumps(a))
    assert type(b) is type(a) and b.stype == stype and b.shape == values.shape
    assert b.dtype == np.dtype(dtype).type and b.context == a.context
    np.testing.assert_array_equal(b.asnumpy(), values.astype(dtype))
    np.testing.assert_array_equal(b.indices.asnumpy(), a.indices.asnumpy())
    if stype == "csr":
        np.testing.assert_array_equal(b.indptr.asnumpy(), a.indptr.asnumpy())
    b.check_format()
    np.testing.assert_array_equal((b + b).asnumpy(), 2 * values.astype(dtype))


# --- 5. out= a sparse array, from an operator without a sparse kernel ---------------------------
@pytest.mark.parametrize("stype", STYPES)
def test_dense_operator_writes_into_a_sparse_out_in_its_storage(stype):
    lhs = VALUES
    rhs = np.array([[0, -1, 0]], dtype=np.float32)
    out = nd.sparse.zeros(stype, VALUES.shape)
    ret = nd.broadcast_add(nd.array(lhs), nd.array(rhs), out=out)
    assert ret is out and out.stype == stype
    want = lhs + rhs
    np.testing.assert_array_equal(out.asnumpy(), want)
    if stype == "csr":
        assert _stored_positions(out) == list(zip(*np.nonzero(want)))
    else:
        np.testing.assert_array_equal(out.indices.asnumpy(), np.nonzero(want.any(axis=1))[0])
    out.check_format()


@pytest.mark.parametrize("stype", STYPES)
def test_random_sampler_fills_a_sparse_out(stype):
    shape = (6, 5)
    dense = nd.zeros(shape)
    mx.random.seed(7)
    nd.random.uniform(shape=shape, out=dense)
    out = nd.sparse.zeros(stype, shape)
    mx.random.seed(7)
    nd.random.uniform(shape=shape, out=out)
    assert out.stype == stype
    np.testing.assert_array_equal(out.asnumpy(), dense.asnumpy())


def test_sparse_out_of_another_shape_raises():
    out = nd.sparse.zeros("row_sparse", (2, 3))
    with pytest.raises(MXNetError, match="shape"):
        nd.broadcast_add(nd.ones((4, 3)), nd.ones((4, 3)), out=out)
        out.asnumpy()


# --- 6. creation functions -------------------------------------------------------------------
@pytest.mark.parametrize("shape_type", [int, np.int64])
def test_row_sparse_array_of_a_shape_tuple(shape_type):
    a = nd.sparse.row_sparse_array((shape_type(3), shape_type(4)))
    assert a.stype == "row_sparse" and a.shape == (3, 4)
    np.testing.assert_array_equal(a.asnumpy(), np.zeros((3, 4)))
    b = nd.sparse.row_sparse_array((shape_type(3), shape_type(4)), shape=(3, 4))
    assert b.shape == (3, 4)


@pytest.mark.parametrize("make", [
    lambda: nd.sparse.row_sparse_array((np.int64(3), np.int64(4)), shape=(4, 4)),
    lambda: nd.sparse.row_sparse_array((3, 4), shape=(4, 4)),
    lambda: nd.sparse.csr_matrix((2, 2), shape=(3, 2)),
    lambda: nd.sparse.csr_matrix(np.ones((2, 2)), shape=(3, 2)),
    lambda: nd.sparse.csr_matrix(nd.ones((2, 2)), shape=(3, 2)),
    lambda: nd.sparse.csr_matrix(nd.ones((2, 2)).tostype("csr"), shape=(3, 2)),
    lambda: nd.sparse.row_sparse_array(np.ones((2, 2)), shape=(3, 2)),
    lambda: nd.sparse.row_sparse_array(nd.ones((2, 2)).tostype("row_sparse"), shape=(3, 2)),
], ids=["rsp-np-ints", "rsp-ints", "csr-shape", "csr-numpy", "csr-ndarray", "csr-csr",
        "rsp-numpy", "rsp-rsp"])
def test_creation_with_a_mismatching_shape_raises_value_error(make):
    with pytest.raises(ValueError, match="Shape mismatch"):
        make()


@pytest.mark.parametrize("make", [
    lambda: nd.sparse.csr_matrix((np.array([], np.float32), np.array([], np.int64),
                                  np.array([0, 0, 0, 0, 0]))),
    lambda: nd.sparse.csr_matrix(([], [], [0, 0, 0])),
    lambda: nd.sparse.row_sparse_array((np.zeros((0, 3)), np.array([], np.int64))),
    lambda: nd.sparse.csr_matrix(([1.0], [0], [0, 1]), shape=(1, 2, 3)),
    lambda: nd.sparse.csr_matrix((1, 2, 3)),
], ids=["csr-empty-numpy", "csr-empty-lists", "rsp-empty", "csr-3d-shape", "csr-int-triple"])
def test_creation_without_an_inferable_shape_raises_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_creation_infers_the_shape_from_indices():
    a = nd.sparse.csr_matrix(([1.0, 2.0], [0, 3], [0, 1, 1, 2]))
    want = np.zeros((3, 4), np.float32)
    want[0, 0], want[2, 3] = 1, 2
    np.testing.assert_array_equal(a.asnumpy(), want)
    b = nd.sparse.row_sparse_array((np.ones((2, 3)), [1, 4]))
    assert b.shape == (5, 3)


@pytest.mark.parametrize("make", [
    lambda: nd.sparse.zeros("invalid_stype", (2, 2)),
    lambda: nd.sparse.row_sparse_array(nd.ones((2, 2)).tostype("csr")),
    lambda: nd.sparse.csr_matrix(nd.ones((2, 2)).tostype("row_sparse")),
], ids=["zeros", "rsp-from-csr", "csr-from-rsp"])
def test_bad_storage_type_arguments_raise_value_error(make):
    with pytest.raises(ValueError) as info:
        make()
    assert isinstance(info.value, MXNetError)


# --- 7. detach and gradient storage types --------------------------------------------------------
@pytest.mark.parametrize("stype", ["default"] + STYPES)
def test_detach_keeps_the_storage_type_and_values(stype):
    x = _as(VALUES, stype)
    y = x.detach()
    assert y.stype == stype and type(y) is type(x)
    np.testing.assert_array_equal(y.asnumpy(), VALUES)


@pytest.mark.parametrize("array_stype", ["default"] + STYPES)
@pytest.mark.parametrize("grad_stype", [None, "default"] + STYPES)
def test_attach_grad_storage_type_then_detach(array_stype, grad_stype):
    x = nd.sparse.zeros(array_stype, (1, 1))
    x.attach_grad(stype=grad_stype)
    assert x.grad.stype == (grad_stype or array_stype)
    assert x.detach().stype == array_stype


def test_detach_cuts_the_graph_of_a_sparse_array():
    x = _as(VALUES, "csr")
    x.attach_grad()
    with autograd.record():
        y = (x.detach() * 2).sum() + (x * 3).sum()
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), np.full(VALUES.shape, 3, np.float32))


# --- 8. take of csr rows -------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["clip", "wrap"])
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
@pytest.mark.parametrize("idx", [[2, 0, 2, -1, 7], [3], [1.7, 0.2]])
def test_take_of_csr_rows_is_csr(mode, dtype, idx):
    values = VALUES.astype(dtype)
    x = nd.array(values, dtype=dtype).tostype("csr")
    out = nd.take(x, nd.array(idx), mode=mode)
    want = np.take(values, np.array(idx).astype(np.int64), axis=0, mode=mode)
    assert out.stype == "csr" and out.dtype == np.dtype(dtype).type
    np.testing.assert_array_equal(out.asnumpy(), want)
    assert out.indptr[0].asscalar() == 0
    out.check_format()


def test_take_of_an_empty_csr():
    out = nd.take(nd.sparse.zeros("csr", (3, 4)), nd.array([1, 0]))
    assert out.stype == "csr" and out.shape == (2, 4)
    np.testing.assert_array_equal(out.asnumpy(), np.zeros((2, 4)))


def test_take_of_csr_with_2d_indices_raises():
    with pytest.raises(MXNetError, match="1-D indices"):
        nd.take(_as(VALUES, "csr"), nd.array([[0, 1], [1, 0]])).asnumpy()


@pytest.mark.parametrize("attrs", [{"mode": "raise"}, {"axis": 1}])
def test_take_of_csr_falls_back_to_dense_where_mxnet_does(attrs):
    idx = [2, 0]
    out = nd.take(_as(VALUES, "csr"), nd.array(idx), **attrs)
    assert out.stype == "default"
    np.testing.assert_array_equal(out.asnumpy(), np.take(VALUES, idx, axis=attrs.get("axis", 0)))


def test_take_of_csr_gradient():
    x = _as(VALUES, "csr")
    x.attach_grad()
    idx = [1, 0, 1]
    with autograd.record():
        y = nd.take(x, nd.array(idx))
    y.backward()
    want = np.zeros_like(VALUES)
    np.add.at(want, idx, 1)
    assert x.grad.stype == "csr"
    np.testing.assert_array_equal(x.grad.asnumpy(), want)


# --- 9. auxiliary arrays ---------------------------------------------------------------------
def test_csr_aux_attributes():
    x = _as(VALUES, "csr")
    mask = VALUES != 0
    assert x._num_aux == 2
    assert x._aux_types == [np.int64, np.int64]
    assert [x._aux_type(i) for i in range(2)] == [np.int64, np.int64]
    indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))])
    np.testing.assert_array_equal(x._aux_data(0).asnumpy(), indptr)
    np.testing.assert_array_equal(x._aux_data(1).asnumpy(), np.nonzero(mask)[1])
    copy = x._aux_data(1)
    copy[:] = 0                      # a copy: the array's own indices are untouched
    np.testing.assert_array_equal(x.indices.asnumpy(), np.nonzero(mask)[1])


def test_row_sparse_aux_attributes():
    x = _as(VALUES, "row_sparse")
    assert x._num_aux == 1
    assert x._aux_types == [np.int64] and x._aux_type(0) == np.int64
    np.testing.assert_array_equal(x._aux_data(0).asnumpy(), np.nonzero(VALUES.any(axis=1))[0])
