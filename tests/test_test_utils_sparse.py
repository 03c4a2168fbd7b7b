"""mx.test_utils with sparse arrays (rand_sparse_ndarray, create_sparse_array*, the symbol and
optimizer checks with sparse gradients), and the names its star import gives, as MXNet 1.9.1's."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import test_utils as tu


def _csr_parts(arr):
    return arr.indptr.asnumpy(), arr.indices.asnumpy(), arr.data.asnumpy()


def _dense_from_csr(indptr, indices, data, shape):
    dense = np.zeros(shape)
    for row in range(shape[0]):
        for k in range(indptr[row], indptr[row + 1]):
            dense[row, indices[k]] = data[k]
    return dense


def test_star_import_gives_the_modules_mxnet_test_utils_imports():
    # dir(mxnet.test_utils) in MXNet 1.9.1 holds these modules under these names
    import importlib
    modules = {"bz2": "bz2", "errno": "errno", "gzip": "gzip", "json": "json",
               "logging": "logging", "numbers": "numbers", "os": "os", "platform": "platform",
               "struct": "struct", "sys": "sys", "time": "time", "traceback": "traceback",
               "zipfile": "zipfile", "np": "numpy", "rnd": "numpy.random",
               "npt": "numpy.testing", "mx": "mxnb"}
    namespace = {}
    exec("from mxnb.test_utils import *", namespace)
    for name, module in modules.items():
        assert namespace[name] is importlib.import_module(module), name
    for name in ("OrderedDict", "contextmanager", "Context", "current_context", "Symbol", "array",
                 "use_np", "getenv", "setenv", "Features", "get_cuda_compute_capability",
                 "create_sparse_array", "create_sparse_array_zd", "rand_sparse_ndarray",
                 "shuffle_csr_column_indices", "np_symbol", "ss"):
        assert name in namespace, name
    assert namespace["ss"].norm.cdf(0.0) == pytest.approx(0.5)
    assert not isinstance(mx.sym.var("x"), namespace["np_symbol"])


@pytest.mark.parametrize("shape,density", [((7, 9), 0.3), ((1, 5), 1.0), ((4, 6), 0.0)])
def test_uniform_csr_holds_density_times_size_distinct_values(shape, density):
    np.random.seed(4)
    arr, (indptr, indices, data) = tu.rand_sparse_ndarray(shape, "csr", density=density,
                                                          dtype=np.float64)
    assert arr.stype == "csr" and arr.shape == shape and arr.dtype == np.float64
    arr.check_format()
    nnz = int(shape[0] * shape[1] * density)
    assert data.shape == (nnz,) and indices.shape == (nnz,) and indptr.shape == (shape[0] + 1,)
    parts = _csr_parts(arr)
    for got, mine in zip((indptr, indices, data), parts):
        np.testing.assert_array_equal(got.asnumpy(), mine)
    assert ((parts[2] >= 0) & (parts[2] < 1)).all()
    np.testing.assert_array_equal(arr.asnumpy(), _dense_from_csr(*parts, shape))


def test_csr_data_init_shuffled_indices_and_context():
    np.random.seed(1)
    arr, _ = tu.rand_sparse_ndarray((6, 8), "csr", density=0.5, data_init=3,
                                    shuffle_csr_indices=True, ctx=mx.cpu(1))
    indptr, indices, data = _csr_parts(arr)
    assert arr.context == mx.cpu(1) and (data == 3).all() and data.size == 24
    rows = [indices[a:b] for a, b in zip(indptr[:-1], indptr[1:])]
    assert any((np.diff(r) < 0).any() for r in rows)        # some row left unsorted
    assert all(len(set(r)) == len(r) for r in rows)
    np.testing.assert_array_equal(arr.asnumpy(), _dense_from_csr(indptr, indices, data, (6, 8)))


def test_powerlaw_csr_doubles_the_values_per_row():
    # MXNet's documented example: (5, 16) at density 0.5 is 40 values; rows of 2, 4, 8, then
    # a full row of 16, and the 10 left
    arr, (indptr, _, data) = tu.rand_sparse_ndarray((5, 16), "csr", density=0.5,
                                                    distribution="powerlaw")
    counts = np.diff(indptr.asnumpy())
    assert counts.tolist() == [2, 4, 8, 16, 10]
    dense = arr.asnumpy()
    for row, count in enumerate(counts):
        assert (dense[row, :count] != 0).all() and (dense[row, count:] == 0).all()
    assert ((data.asnumpy() >= 1.001) & (data.asnumpy() < 3)).all()
    with pytest.raises(ValueError, match="2 \\* num_rows"):
        tu.rand_sparse_ndarray((5, 16), "csr", density=0.1, distribution="powerlaw")


@pytest.mark.parametrize("density", [0.0, 0.4, 1.0])
def test_row_sparse_returns_its_values_and_rows(density):
    np.random.seed(2)
    arr, (values, rows) = tu.rand_sparse_ndarray((10, 3, 2), "row_sparse", density=density)
    assert arr.stype == "row_sparse" and arr.shape == (10, 3, 2) and arr.dtype == np.float32
    dense = arr.asnumpy()
    if density == 0.0:
        assert rows.size == 0 and values.size == 0 and not dense.any()
        return
    if density == 1.0:
        assert rows.tolist() == list(range(10))
    np.testing.assert_array_equal(dense[rows], values)
    assert not np.delete(dense, rows, axis=0).any()
    assert ((values >= 0) & (values < 1)).all()


def test_row_sparse_rows_data_init_and_modifier():
    arr, (values, rows) = tu.rand_sparse_ndarray((5, 2), "row_sparse", rsp_indices=np.array([4, 0]),
                                                 data_init=0.5, modifier_func=lambda v: v * 4)
    assert rows.tolist() == [4, 0]
    expected = np.zeros((5, 2))
    expected[[0, 4]] = 2.0
    np.testing.assert_array_equal(arr.asnumpy(), expected)
    np.testing.assert_array_equal(values, np.full((2, 2), 2.0))


def test_bad_requests_raise_what_mxnet_raises():
    with pytest.raises(AssertionError, match="powerlaw"):
        tu.rand_sparse_ndarray((4, 4), "row_sparse", distribution="powerlaw")
    with pytest.raises(AssertionError, match="unknown storage type"):
        tu.rand_sparse_ndarray((4, 4), "coo")
    with pytest.raises(AssertionError, match="2-D"):
        tu.rand_sparse_ndarray((4, 4, 4), "csr")
    with pytest.raises(AssertionError, match="distribution not supported"):
        tu.rand_sparse_ndarray((4, 4), "csr", distribution="normal")
    with pytest.raises(ValueError, match="between 0 and 1"):
        tu.rand_sparse_ndarray((4, 4), "csr", density=1.5)
    with pytest.raises(AssertionError, match="3 rsp_indices for 2 rows"):
        tu.rand_sparse_ndarray((2, 4), "row_sparse", rsp_indices=np.arange(3))
    with pytest.raises(AssertionError, match="Unknown storage type|unknown storage type"):
        tu.create_sparse_array((2, 2), "default")


def test_rand_ndarray_makes_sparse_arrays():
    csr = tu.rand_ndarray((4, 6), "csr", density=0.5, dtype=np.float64, ctx=mx.cpu(2))
    assert (csr.stype, csr.dtype, csr.context) == ("csr", np.float64, mx.cpu(2))
    assert csr.data.shape == (12,)
    rsp = tu.rand_ndarray((4, 6), "row_sparse", density=1.0, modifier_func=lambda v: -1)
    np.testing.assert_array_equal(rsp.asnumpy(), -np.ones((4, 6)))


def test_create_sparse_array_sorts_rows_and_zd_stores_only_given_rows():
    rsp = tu.create_sparse_array((6, 2), "row_sparse", rsp_indices=[5, 1, 3], data_init=1)
    assert rsp.indices.asnumpy().tolist() == [1, 3, 5]
    rsp.check_format()
    empty = tu.create_sparse_array_zd((6, 2), "row_sparse", density=0.9)
    assert empty.indices.shape == (0,) and not empty.asnumpy().any()
    given = tu.create_sparse_array_zd((6, 2), "row_sparse", density=0.9, rsp_indices=[2])
    assert given.indices.asnumpy().tolist() == [2]
    csr = tu.create_sparse_array_zd((4, 5), "csr", density=0.5)
    assert csr.stype == "csr" and csr.data.shape == (10,)


def test_shuffle_csr_column_indices_keeps_the_matrix():
    import scipy.sparse as spsp
    dense = np.arange(1, 13, dtype=np.float32).reshape(3, 4) * (np.arange(4) != 2)
    np.random.seed(0)
    m = spsp.csr_matrix(dense)
    tu.shuffle_csr_column_indices(m)
    np.testing.assert_array_equal(m.toarray(), dense)
    arr = mx.nd.array(dense).tostype("csr")
    tu.shuffle_csr_column_indices(arr)
    np.testing.assert_array_equal(arr.asnumpy(), dense)


def test_symbol_checks_take_sparse_inputs_and_gradients():
    np.random.seed(5)
    x, w = mx.sym.var("x"), mx.sym.var("w")
    prod = mx.sym.dot(x, w)
    xc = tu.rand_ndarray((3, 4), "csr", density=0.5)
    wv = np.random.rand(4, 2)
    head = np.random.rand(3, 2)
    tu.check_symbolic_forward(prod, {"x": xc, "w": wv}, [xc.asnumpy() @ wv], rtol=1e-4, atol=1e-5)
    grads = tu.check_symbolic_backward(prod, {"x": xc, "w": wv}, [head],
                                       {"w": xc.asnumpy().T @ head}, rtol=1e-4, atol=1e-5,
                                       grad_req={"x": "null", "w": "write"},
                                       grad_stypes={"w": "row_sparse"})
    assert grads["w"].stype == "row_sparse"
    emb = mx.sym.Embedding(mx.sym.var("d"), mx.sym.var("e"), input_dim=5, output_dim=2,
                           sparse_grad=True)
    tu.check_numeric_gradient(emb, {"d": np.array([0.0, 3.0]), "e": np.random.rand(5, 2)},
                              grad_nodes=["e"], grad_stype_dict={"e": "row_sparse"})


@pytest.mark.parametrize("w_stype,g_stype", [("row_sparse", "row_sparse"), ("default", "row_sparse")])
def test_compare_optimizer_with_sparse_weights_and_gradients(w_stype, g_stype):
    np.random.seed(3)
    tu.compare_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9),
                         mx.optimizer.SGD(learning_rate=0.1, momentum=0.9), (5, 3), np.float32,
                         w_stype=w_stype, g_stype=g_stype)
    with pytest.raises(AssertionError):   # a different update is noticed
        tu.compare_optimizer(mx.optimizer.SGD(learning_rate=0.1),
                             mx.optimizer.SGD(learning_rate=0.3), (5, 3), np.float32,
                             w_stype=w_stype, g_stype="default")
