"""CSRNDArray and RowSparseNDArray: creation, conversion, parts, copies, row slicing and
check_format, against scipy.sparse and MXNet 1.9.1's behaviour."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError

sp = pytest.importorskip("scipy.sparse")

DENSE = np.array([[0, 1, 0], [2, 0, 3], [0, 0, 0], [0, 4, 0]], dtype=np.float32)


def test_csr_matrix_from_parts_matches_scipy():
    data, indices, indptr = [1, 2, 3, 4], [1, 0, 2, 1], [0, 1, 3, 3, 4]
    a = nd.sparse.csr_matrix((data, indices, indptr), shape=(4, 3))
    assert isinstance(a, nd.sparse.CSRNDArray) and a.stype == "csr"
    assert a.shape == (4, 3) and a.dtype == np.float32 and a.context == mx.cpu()
    np.testing.assert_array_equal(a.asnumpy(), sp.csr_matrix((data, indices, indptr), (4, 3)).toarray())
    assert a.indices.dtype == np.int64 and a.indptr.dtype == np.int64
    assert isinstance(a.data, nd.NDArray) and a.data.stype == "default"


def test_csr_matrix_infers_its_shape_and_keeps_numpy_dtypes():
    a = nd.sparse.csr_matrix((np.array([1.0, 2.0]), [0, 4], [0, 1, 2]))
    assert a.shape == (2, 5) and a.dtype == np.float64
    assert nd.sparse.csr_matrix(([1, 2], [0, 1], [0, 1, 2]), dtype="float16").dtype == np.float16


def test_csr_matrix_from_dense_scipy_and_shape():
    from_dense = nd.sparse.csr_matrix(DENSE)
    np.testing.assert_array_equal(from_dense.asnumpy(), DENSE)
    coo = sp.random(5, 7, density=0.3, format="coo", random_state=1, dtype=np.float32)
    from_scipy = nd.sparse.csr_matrix(coo)
    np.testing.assert_array_equal(from_scipy.asnumpy(), coo.toarray())
    empty = nd.sparse.csr_matrix((3, 4))
    assert empty.stype == "csr" and empty.data.shape == (0,)
    np.testing.assert_array_equal(empty.indptr.asnumpy(), [0, 0, 0, 0])


def test_row_sparse_array_from_parts_dense_and_shape():
    a = nd.sparse.row_sparse_array(([[1, 2], [3, 4]], [1, 4]), shape=(6, 2))
    assert isinstance(a, nd.sparse.RowSparseNDArray) and a.stype == "row_sparse"
    want = np.zeros((6, 2), np.float32)
    want[[1, 4]] = [[1, 2], [3, 4]]
    np.testing.assert_array_equal(a.asnumpy(), want)
    assert nd.sparse.row_sparse_array(([[1, 2]], [1])).shape == (2, 2)
    b = nd.sparse.row_sparse_array(want)
    np.testing.assert_array_equal(b.indices.asnumpy(), [1, 4])
    assert nd.sparse.row_sparse_array((2, 3)).data.shape == (0, 3)


def test_zeros_empty_and_array():
    z = nd.sparse.zeros("csr", (2, 3))
    assert z.stype == "csr" and z.data.shape == (0,) and z.asnumpy().sum() == 0
    r = nd.sparse.empty("row_sparse", (2, 3), dtype="float64")
    assert r.stype == "row_sparse" and r.indices.shape == (0,) and r.dtype == np.float64
    assert nd.sparse.zeros("default", (2, 2)).stype == "default"
    copied = nd.sparse.array(sp.eye(3, format="csr", dtype=np.float32))
    np.testing.assert_array_equal(copied.asnumpy(), np.eye(3))
    with pytest.raises(ValueError, match="mx.nd.array"):
        nd.sparse.array(np.ones((2, 2)))
    with pytest.raises(MXNetError, match="2-D"):
        nd.sparse.zeros("csr", (2, 2, 2))


def test_tostype_round_trips_and_unsupported_casts():
    d = nd.array(DENSE)
    c, r = d.tostype("csr"), d.tostype("row_sparse")
    assert (c.stype, r.stype, d.stype) == ("csr", "row_sparse", "default")
    np.testing.assert_array_equal(c.tostype("default").asnumpy(), DENSE)
    np.testing.assert_array_equal(nd.cast_storage(r, stype="default").asnumpy(), DENSE)
    np.testing.assert_array_equal(r.indices.asnumpy(), [0, 1, 3])
    with pytest.raises(MXNetError, match="cast_storage from row_sparse to csr is not supported"):
        r.tostype("csr")
    with pytest.raises(MXNetError, match="cast_storage from csr to row_sparse is not supported"):
        c.tostype("row_sparse")
    with pytest.raises(MXNetError, match="2-D"):
        nd.ones((2, 2, 2)).tostype("csr")


def test_asscipy_and_astype():
    c = nd.array(DENSE).tostype("csr")
    m = c.asscipy()
    assert sp.issparse(m) and m.format == "csr"
    np.testing.assert_array_equal(m.toarray(), DENSE)
    as64 = c.astype("float64")
    assert as64.stype == "csr" and as64.dtype == np.float64
    np.testing.assert_array_equal(as64.asnumpy(), DENSE)


def test_size_is_undefined_and_repr_shows_the_type():
    c = nd.array(DENSE).tostype("csr")
    with pytest.raises(NotImplementedError):
        c.size
    assert repr(c).strip() == "<CSRNDArray 4x3 @cpu(0)>"
    assert repr(nd.array(DENSE).tostype("row_sparse")).strip() == "<RowSparseNDArray 4x3 @cpu(0)>"


@pytest.mark.parametrize("stype", ["csr", "row_sparse"])
def test_copyto_and_as_in_context_across_contexts(stype):
    a = nd.array(DENSE).tostype(stype)
    b = a.copyto(mx.cpu(1))
    assert b.context == mx.cpu(1) and b.stype == stype
    np.testing.assert_array_equal(b.asnumpy(), DENSE)
    assert a.as_in_context(mx.cpu(0)) is a
    c = a.as_in_context(mx.cpu(2))
    assert c.context == mx.cpu(2) and c.data._data is not a.data._data
    dense_target = nd.zeros((4, 3))
    a.copyto(dense_target)
    np.testing.assert_array_equal(dense_target.asnumpy(), DENSE)
    sparse_target = nd.sparse.zeros(stype, (4, 3))
    a.copyto(sparse_target)
    assert sparse_target.stype == stype
    np.testing.assert_array_equal(sparse_target.asnumpy(), DENSE)


def test_dense_copyto_a_sparse_target_casts():
    target = nd.sparse.zeros("row_sparse", (4, 3))
    target[:] = nd.array(DENSE)
    assert target.stype == "row_sparse"
    np.testing.assert_array_equal(target.indices.asnumpy(), [0, 1, 3])


@pytest.mark.parametrize("key", [1, -1, slice(1, 3), slice(None, 2), slice(2, None), slice(3, 1)])
def test_csr_row_slicing_matches_scipy(key):
    c = nd.array(DENSE).tostype("csr")
    got = c[key]
    want = sp.csr_matrix(DENSE)[key if isinstance(key, slice) else slice(key % 4, key % 4 + 1)]
    assert got.stype == "csr"
    np.testing.assert_array_equal(got.asnumpy(), want.toarray())
    np.testing.assert_array_equal(got.indptr.asnumpy(), want.indptr)


def test_csr_indexing_errors():
    c = nd.array(DENSE).tostype("csr")
    with pytest.raises(ValueError, match="Multi-dimension indexing is not supported"):
        c[0, 1]
    with pytest.raises(IndexError):
        c[4]
    with pytest.raises(ValueError, match="RowSparseNDArray only supports"):
        nd.array(DENSE).tostype("row_sparse")[1:2]


@pytest.mark.parametrize("parts, shape, expected", [
    (([1., 2.], [0, 1], [0, 2, 1]), (2, 3), "indptr.*non-decreasing"),
    (([1., 2.], [0, 5], [0, 1, 2]), (2, 3), r"column indices in \[0, 3\)"),
    (([1., 2.], [1, 0], [0, 2, 2]), (2, 3), "ascending order within each row"),
    (([1., 2.], [0, 1], [0, 1, 3]), (2, 3), "ending with the number of indices"),
])
def test_csr_check_format_names_what_was_expected(parts, shape, expected):
    a = nd.sparse.csr_matrix(parts, shape=shape)
    with pytest.raises(MXNetError, match=expected):
        a.check_format()
    a.check_format(full_check=False)     # the lengths alone are consistent


def test_csr_length_mismatch_is_refused_at_creation():
    with pytest.raises(MXNetError, match="as many indices as data values"):
        nd.sparse.csr_matrix(([1., 2., 3.], [0, 1], [0, 1, 2]), shape=(2, 3))
    with pytest.raises(MXNetError, match="number of rows"):
        nd.sparse.csr_matrix(([1.], [0], [0, 1]), shape=(3, 3))


@pytest.mark.parametrize("parts, expected", [
    (([[1., 2.]], [5]), "row indices below 3"),
    (([[1., 2.], [3., 4.]], [1, 0]), "ascending order"),
])
def test_row_sparse_check_format(parts, expected):
    a = nd.sparse.row_sparse_array(parts, shape=(3, 2))
    with pytest.raises(MXNetError, match=expected):
        a.check_format()


def test_row_sparse_length_mismatch_is_refused():
    with pytest.raises(MXNetError, match="as many row indices as data rows"):
        nd.sparse.row_sparse_array(([[1., 2.], [3., 4.]], [0]), shape=(3, 2))


def test_in_place_arithmetic_keeps_the_storage_type():
    r = nd.array(DENSE).tostype("row_sparse")
    r *= 2
    assert r.stype == "row_sparse"
    np.testing.assert_array_equal(r.asnumpy(), DENSE * 2)
    r += nd.array(DENSE).tostype("row_sparse")
    np.testing.assert_array_equal(r.asnumpy(), DENSE * 3)


def test_nd_array_and_nd_zeros_make_sparse_arrays_as_mxnet():
    copied = nd.array(sp.csr_matrix(DENSE))
    assert copied.stype == "csr"
    np.testing.assert_array_equal(copied.asnumpy(), DENSE)
    again = nd.array(copied, dtype="float64")
    assert again.stype == "csr" and again.dtype == np.float64
    assert nd.zeros((3, 2), stype="row_sparse").stype == "row_sparse"
    assert nd.zeros((3, 2), stype="csr").stype == "csr"


def test_dense_copyto_into_a_row_sparse_array_keeps_its_storage():
    target = nd.sparse.zeros("row_sparse", (4, 3), ctx=mx.cpu(1))
    nd.array(DENSE).copyto(target)
    assert target.stype == "row_sparse" and target.context == mx.cpu(1)
    np.testing.assert_array_equal(target.indices.asnumpy(), [0, 1, 3])
    np.testing.assert_array_equal(target.asnumpy(), DENSE)


def _sgd_step_on_row_zero(weight):
    """One lazy SGD step (lr 1, gradient 1 on row 0) written into `weight` itself."""
    grad = nd.sparse.row_sparse_array((np.ones((1, 3), dtype=np.float32), [0]), shape=(4, 3))
    mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=1.0))(0, grad, weight)


def test_row_sparse_array_copies_the_callers_values():
    values = np.arange(12, dtype=np.float32).reshape(4, 3)
    weight = nd.sparse.row_sparse_array((values, [0, 1, 2, 3]), shape=(4, 3))
    _sgd_step_on_row_zero(weight)
    np.testing.assert_array_equal(values, np.arange(12).reshape(4, 3))     # as MXNet: a copy
    np.testing.assert_array_equal(weight.asnumpy()[0], [-1, 0, 1])


def test_assigning_a_row_sparse_array_copies_its_values():
    source = nd.array(DENSE + 1).tostype("row_sparse")
    weight = nd.sparse.zeros("row_sparse", (4, 3))
    weight[:] = source
    _sgd_step_on_row_zero(weight)
    np.testing.assert_array_equal(source.asnumpy(), DENSE + 1)            # not shared
    np.testing.assert_array_equal(weight.asnumpy()[0], DENSE[0])
