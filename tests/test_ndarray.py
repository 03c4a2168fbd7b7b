"""NDArray: creation, arithmetic, in-place operators, indexing, conversion and contexts."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd


def test_ones_arithmetic_and_numpy_round_trip():
    a = nd.ones((2, 3))
    b = a * 2 + 1
    assert b.shape == (2, 3) and b.dtype == np.float32
    np.testing.assert_array_equal(b.asnumpy(), np.full((2, 3), 3.0))
    src = np.arange(6, dtype=np.float64).reshape(2, 3)
    c = nd.array(src)
    assert c.dtype == np.float32          # MXNet 1.x makes float32 unless dtype is given
    np.testing.assert_array_equal(c.asnumpy(), src)
    assert nd.array(src, dtype=src.dtype).dtype == np.float64
    assert nd.array([[1, 2], [3, 4]]).dtype == np.float32   # lists become float32


@pytest.mark.parametrize("op", ["__add__", "__sub__", "__mul__", "__truediv__", "__pow__", "__mod__"])
def test_binary_operators_match_numpy(op):
    x = np.random.RandomState(0).uniform(0.5, 2, (3, 4)).astype(np.float32)
    y = np.random.RandomState(1).uniform(0.5, 2, (3, 4)).astype(np.float32)
    expected = getattr(x, op)(y)
    if op == "__mod__":
        expected = x - np.floor(x / y) * y
    np.testing.assert_allclose(getattr(nd.array(x), op)(nd.array(y)).asnumpy(), expected, rtol=1e-5)
    np.testing.assert_allclose(getattr(nd.array(x), op)(1.5).asnumpy(), getattr(x, op)(np.float32(1.5))
                               if op != "__mod__" else x - np.floor(x / 1.5) * 1.5, rtol=1e-5)


def test_reflected_and_broadcasting_operators():
    x = nd.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose((1 - x).asnumpy(), [0, -1, -3])
    np.testing.assert_allclose((8 / x).asnumpy(), [8, 4, 2])
    np.testing.assert_allclose((2 ** x).asnumpy(), [2, 4, 16])
    m = nd.ones((2, 3)) + nd.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(m.asnumpy(), [[2, 3, 4], [2, 3, 4]])
    assert (x > 1.5).asnumpy().tolist() == [0, 1, 1]
    assert (x == nd.array([1.0, 0.0, 4.0])).asnumpy().tolist() == [1, 0, 1]
    np.testing.assert_allclose((-x).asnumpy(), [-1, -2, -4])


def test_inplace_operators_write_into_the_same_buffer():
    x = nd.ones((2, 2))
    view = x[0:1]
    x += 1
    x *= 3
    np.testing.assert_allclose(x.asnumpy(), np.full((2, 2), 6.0))
    np.testing.assert_allclose(view.asnumpy(), np.full((1, 2), 6.0))
    with pytest.raises(mx.MXNetError, match="shape"):
        y = nd.ones((1, 2))
        y += nd.ones((2, 2))


def test_indexing_get_and_set():
    x = nd.array(np.arange(12).reshape(3, 4))
    assert x[1].shape == (4,)
    assert nd.array([5, 6, 7])[1].shape == (1,)       # MXNet 1.x has no 0-d arrays
    np.testing.assert_array_equal(x[1:3, 2].asnumpy(), [6, 10])
    x[0] = 0
    x[1:3, 1:2] = nd.array([[-1], [-2]])
    x[:, 3] = np.array([7, 8, 9])
    expected = np.arange(12, dtype=np.float32).reshape(3, 4)
    expected[0] = 0
    expected[1:3, 1:2] = [[-1], [-2]]
    expected[:, 3] = [7, 8, 9]
    np.testing.assert_array_equal(x.asnumpy(), expected)
    y = nd.zeros((2, 3))
    y[:] = np.arange(6).reshape(2, 3)
    np.testing.assert_array_equal(y.asnumpy(), np.arange(6).reshape(2, 3))
    with pytest.raises(mx.MXNetError, match="shape"):
        y[:] = np.ones((4, 4))


def test_conversions_and_properties():
    x = nd.array([[1.5, 2.5], [3.5, 4.5]])
    assert x.size == 4 and x.ndim == 2 and x.context == mx.cpu() and x.stype == "default"
    assert x.astype("int32").dtype == np.int32
    assert x.astype("int32").asnumpy().tolist() == [[1, 2], [3, 4]]
    np.testing.assert_array_equal(x.T.asnumpy(), x.asnumpy().T)
    assert nd.array([3.0]).asscalar() == 3.0
    with pytest.raises(ValueError):
        x.asscalar()
    y = nd.zeros((2, 2))
    x.copyto(y)
    np.testing.assert_array_equal(y.asnumpy(), x.asnumpy())
    z = x.copy()
    z[:] = 0
    assert x.asnumpy()[0, 0] == 1.5
    assert x.as_in_context(mx.cpu()) is x
    assert "<NDArray 2x2 @cpu(0)>" in repr(x)
    assert len(x) == 2 and [r.shape for r in x] == [(2,), (2,)]


def test_context_scope_and_creation_functions():
    with mx.cpu(0):
        assert mx.current_context() == mx.cpu(0)
        assert nd.zeros((2,)).context == mx.cpu(0)
    np.testing.assert_array_equal(nd.arange(0, 6, 2).asnumpy(), [0, 2, 4])
    np.testing.assert_array_equal(nd.full((2,), 7).asnumpy(), [7, 7])
    np.testing.assert_array_equal(nd.eye(2).asnumpy(), np.eye(2))
    assert nd.zeros((2, 3), dtype="int32").dtype == np.int32
    assert nd.empty((3,)).shape == (3,)


def test_arrays_on_different_cpu_contexts_combine_as_in_mxnet():
    # MXNet checks only the device type: cpu(0) + cpu(1) runs, on the first input's context.
    a = nd.ones((2,), ctx=mx.cpu(0))
    b = nd.ones((2,), ctx=mx.cpu(1)) * 2
    c = a + b
    assert c.context == mx.cpu(0)
    np.testing.assert_array_equal(c.asnumpy(), [3, 3])
    assert (b + a).context == mx.cpu(1)


@pytest.mark.gpu
@pytest.mark.skipif(mx.num_gpus() == 0, reason="no GPU with CuPy on this machine")
def test_arrays_on_cpu_and_gpu_raise():
    a = nd.ones((2,), ctx=mx.cpu(0))
    b = nd.ones((2,), ctx=mx.gpu(0))
    with pytest.raises(mx.MXNetError, match=r"elemwise_add.*different contexts.*cpu\(0\).*gpu\(0\)"):
        a + b


def test_unknown_operator_argument_names_operator():
    with pytest.raises(mx.MXNetError, match=r"_plus_scalar.*unknown argument 'scalr'"):
        nd._plus_scalar(nd.ones((2,)), scalr=1)
    with pytest.raises(mx.MXNetError, match="Cast needs argument"):
        nd.Cast(nd.ones((2,)))


def test_waitall_and_wait_to_read():
    x = nd.ones((3,)) * 2
    x.wait_to_read()
    nd.waitall()
    assert x.asnumpy().sum() == 6


def test_random_seed_reproducible():
    mx.random.seed(42)
    a = nd.random.uniform(shape=(5,)).asnumpy()
    mx.random.seed(42)
    b = nd.random.uniform(shape=(5,)).asnumpy()
    np.testing.assert_array_equal(a, b)
    assert ((a >= 0) & (a < 1)).all()


def test_positional_attributes_follow_the_input():
    """As MXNet's generated functions: nd.swapaxes(x, 0, 1) means dim1=0, dim2=1."""
    x = nd.zeros((2, 3))
    assert nd.swapaxes(x, 0, 1).shape == (3, 2)
    assert nd.expand_dims(x, 1).shape == (2, 1, 3)
    out = nd.zeros((3, 2))
    nd.swapaxes(x + 1, 0, 1, out=out)
    assert out.asnumpy().sum() == 6


def test_broadcast_to_method_adds_leading_axes():
    np.testing.assert_array_equal(nd.array([1, 2]).broadcast_to((3, 2)).asnumpy(), [[1, 2]] * 3)
    with pytest.raises(mx.MXNetError, match="broadcast_to"):
        nd.broadcast_to(nd.array([1, 2]), shape=(3, 2))     # the operator wants equal ranks


def test_mxnet_module_tables_under_mxnets_names():
    # MXNet's own tests import these tables from mxnet.ndarray.ndarray
    from mxnb.ndarray.ndarray import (_STORAGE_TYPE_STR_TO_ID, _STORAGE_TYPE_ID_TO_STR,
                                      _GRAD_REQ_MAP, _DTYPE_NP_TO_MX, _DTYPE_MX_TO_NP)
    assert _STORAGE_TYPE_STR_TO_ID == {"undefined": -1, "default": 0, "row_sparse": 1, "csr": 2}
    assert _STORAGE_TYPE_ID_TO_STR[_STORAGE_TYPE_STR_TO_ID["csr"]] == "csr"
    assert _GRAD_REQ_MAP == {"null": 0, "write": 1, "add": 3}
    assert _DTYPE_NP_TO_MX[np.float16] == 2 and _DTYPE_MX_TO_NP[6] is np.int64
    assert nd.zeros((1,), dtype="float16").stype == _STORAGE_TYPE_ID_TO_STR[0]
