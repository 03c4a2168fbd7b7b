"""NDArray behaviours MXNet 1.9.1's own test_ndarray.py relies on: assignment of size-1 arrays
into single elements, creation functions' out= and stype=, `array` of 0-d sources, moveaxis's
checks, `nd.CachedOp` and DLPack exchange."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

nd = mx.nd


# --- setitem --------------------------------------------------------------------------------------
@pytest.mark.parametrize("as_ndarray", [False, True])
@pytest.mark.parametrize("shape, key, value_shape", [
    ((1,), 0, (1,)),
    ((3,), 2, (1, 1)),
    ((3, 4), (0, 1), (1,)),
    ((3, 4), 0, (1, 1, 4)),
    ((3, 4), slice(0, 1), (4,)),
    ((3, 4), (slice(0, 2), 1), (1, 2)),
])
def test_setitem_drops_leading_size_one_axes_of_the_value(shape, key, value_shape, as_ndarray):
    value = np.arange(1, 1 + int(np.prod(value_shape)), dtype=np.float32).reshape(value_shape)
    expected = np.zeros(shape, np.float32)
    selection = expected[key]
    expected[key] = value.reshape(np.shape(selection)) if np.ndim(selection) else value.item()
    b = nd.zeros(shape)
    b[key] = nd.array(value) if as_ndarray else value
    np.testing.assert_array_equal(b.asnumpy(), expected)


def test_setitem_of_a_float_array_into_one_element():
    b = nd.zeros(1)
    b[0] = np.array([47.8])
    np.testing.assert_allclose(b.asnumpy(), [47.8], rtol=1e-6)


@pytest.mark.parametrize("key, value_shape", [(0, (4, 1)), ((0, slice(None)), (2,)),
                                              ((slice(0, 2), 1), (2, 1))])
def test_setitem_of_an_unbroadcastable_value_raises_value_error(key, value_shape):
    b = nd.zeros((3, 4))
    with pytest.raises(ValueError, match="cannot assign"):
        b[key] = np.ones(value_shape)
        b.asnumpy()


# --- creation functions ---------------------------------------------------------------------------
@pytest.mark.parametrize("make, expected", [
    (lambda o: nd.zeros((2, 3), out=o), np.zeros((2, 3))),
    (lambda o: nd.ones((2, 3), out=o), np.ones((2, 3))),
    (lambda o: nd.zeros((2, 3), stype="default", out=o), np.zeros((2, 3))),
    (lambda o: nd.eye(2, 3, out=o), np.eye(2, 3)),
    (lambda o: nd.full((2, 3), 5, out=o), np.full((2, 3), 5.0)),
])
def test_creation_functions_fill_and_return_out(make, expected):
    o = nd.array(np.full((2, 3), 7.0))
    result = make(o)
    assert result is o
    np.testing.assert_array_equal(o.asnumpy(), expected)


def test_creation_out_of_another_shape_or_dtype_raises():
    with pytest.raises(MXNetError, match="shape"):
        nd.ones((3, 3), out=nd.zeros((2, 3)))
    with pytest.raises(MXNetError, match="dtype"):
        nd.ones((2, 3), dtype="int32", out=nd.zeros((2, 3)))
    with pytest.raises(MXNetError, match="foo"):
        nd.zeros((2, 3), foo=1)


def test_full_fills_out_whatever_its_shape():
    o = nd.zeros((2, 2), dtype="int32")
    assert nd.full((5,), 3, out=o) is o
    np.testing.assert_array_equal(o.asnumpy(), np.full((2, 2), 3, np.int32))


@pytest.mark.parametrize("stype, cls", [("csr", "CSRNDArray"), ("row_sparse", "RowSparseNDArray"),
                                        ("default", "NDArray"), (None, "NDArray")])
def test_empty_and_zeros_take_a_storage_type(stype, cls):
    for make in (nd.empty, nd.zeros):
        a = make((2, 3), stype=stype, dtype="float64")
        assert type(a).__name__ == cls
        assert a.shape == (2, 3) and a.dtype == np.float64
        assert a.stype == (stype or "default")
    np.testing.assert_array_equal(nd.zeros((2, 3), stype=stype).asnumpy(), np.zeros((2, 3)))


# --- array ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", [np.ones([]), np.float32(3), np.int64(3), 3.0, 3])
def test_array_of_a_zero_dim_source_has_shape_of_zero_dims(source):
    a = nd.array(source)
    assert a.shape == ()
    assert a.dtype == np.float32
    assert a.asnumpy() == np.float32(np.asarray(source))


def test_array_wraps_integers_outside_the_dtypes_range():
    np.testing.assert_array_equal(nd.array([-3, 300], dtype="uint8").asnumpy(),
                                  np.array([-3, 300]).astype(np.uint8))


@pytest.mark.parametrize("source", ["abc", [[1, 2], [3]]])
def test_array_of_something_not_array_like_raises_type_error(source):
    with pytest.raises(TypeError, match="array like"):
        nd.array(source)


# --- moveaxis -------------------------------------------------------------------------------------
@pytest.mark.parametrize("source, destination", [(0, 2), (-1, 0), ((0, 1), (2, 0)), ([0, 1], [1, 2])])
def test_moveaxis_matches_numpy(source, destination):
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got = nd.moveaxis(nd.array(x), source, destination)
    np.testing.assert_array_equal(got.asnumpy(), np.moveaxis(x, source, destination))


@pytest.mark.parametrize("source, destination", [(3, 0), (0, 3), (-4, 0), ((0, 1), (1,)),
                                                 ((0, 0), (1, 2))])
def test_moveaxis_with_invalid_axes_raises_value_error(source, destination):
    with pytest.raises(ValueError):
        nd.moveaxis(nd.ones((2, 3, 4)), source, destination)


# --- CachedOp -------------------------------------------------------------------------------------
def _conv_reference(data, weight, bias):
    n, _, h, w = data.shape
    k = weight.shape[2]
    out = np.zeros((n, weight.shape[0], h - k + 1, w - k + 1))
    for i in range(h - k + 1):
        for j in range(w - k + 1):
            patch = data[:, :, i:i + k, j:j + k]
            out[:, :, i, j] = np.tensordot(patch, weight, axes=([1, 2, 3], [1, 2, 3]))
    return out + bias.reshape(1, -1, 1, 1)


def test_cached_op_runs_the_symbol_on_ndarrays_and_writes_out():
    sym = mx.sym.Convolution(kernel=(3, 3), num_filter=4) + 2
    op = nd.CachedOp(sym)
    rng = np.random.RandomState(0)
    data, weight, bias = rng.rand(2, 3, 6, 6), rng.rand(4, 3, 3, 3), rng.rand(4)
    expected = _conv_reference(data, weight, bias) + 2
    out = op(nd.array(data), nd.array(weight), nd.array(bias))
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5)
    target = nd.zeros(expected.shape)
    assert op(nd.array(data), nd.array(weight), nd.array(bias), out=target) is target
    np.testing.assert_allclose(target.asnumpy(), expected, rtol=1e-5)


def test_cached_op_is_differentiable_and_takes_new_shapes():
    x = mx.sym.var("x")
    op = nd.CachedOp(mx.sym.Group([x * x, x + 1]), flags=[("static_alloc", True)])
    for shape in [(3,), (2, 2)]:
        value = np.arange(1, 1 + int(np.prod(shape)), dtype=np.float32).reshape(shape)
        a = nd.array(value)
        a.attach_grad()
        with mx.autograd.record():
            square, plus = op(a)
            loss = (square * 2 + plus).sum()
        loss.backward()
        np.testing.assert_allclose(a.grad.asnumpy(), 4 * value + 1)


def test_cached_op_rejects_unknown_keywords_and_non_arrays():
    op = nd.CachedOp(mx.sym.relu(mx.sym.var("x")))
    with pytest.raises(TypeError, match="foo"):
        op(nd.ones(2), foo=1)
    with pytest.raises(TypeError, match="NDArray"):
        op(np.ones(2))


# --- DLPack ---------------------------------------------------------------------------------------
def test_dlpack_round_trip_shares_memory():
    a = nd.array(np.arange(6).reshape(2, 3))
    capsule = a.to_dlpack_for_read()
    b = nd.from_dlpack(capsule)
    np.testing.assert_array_equal(b.asnumpy(), np.arange(6).reshape(2, 3))
    b[0, 0] = 100
    assert a[0, 0].asscalar() == 100
    c = nd.from_dlpack(nd.to_dlpack_for_write(a))
    c[:] = 7
    np.testing.assert_array_equal(a.asnumpy(), np.full((2, 3), 7.0))


def test_dlpack_capsule_is_consumed_once():
    capsule = nd.to_dlpack_for_read(nd.ones(2))
    nd.from_dlpack(capsule)
    with pytest.raises(AssertionError, match="only once"):
        nd.from_dlpack(capsule)


def test_dlpack_exchange_with_numpy():
    host = np.arange(5.0)
    shared = nd.from_dlpack(host.__dlpack__())
    shared[1:3] = -1
    shared.wait_to_read()       # NumPy reads the memory itself: the pushed write first
    np.testing.assert_array_equal(host, [0, -1, -1, 3, 4])

    class Exporter:     # NumPy consumes capsules through an object with __dlpack__
        def __init__(self, capsule):
            self.capsule = capsule

        def __dlpack__(self, **kwargs):
            return self.capsule

        def __dlpack_device__(self):
            return (1, 0)

    view = nd.array([[1, 2, 3], [4, 5, 6]])[:, 1:]
    np.testing.assert_array_equal(np.from_dlpack(Exporter(view.to_dlpack_for_read())),
                                  [[2, 3], [5, 6]])


def test_from_numpy_shares_memory_and_keeps_dtype():
    source = np.arange(4, dtype=np.int64)
    x = nd.from_numpy(source)
    assert x.dtype == np.int64
    assert not source.flags.writeable        # the NDArray owns the memory now, as in MXNet
    x[0] = 9
    x.wait_to_read()
    np.testing.assert_array_equal(source, [9, 1, 2, 3])
    copy_source = np.arange(3.0)
    copied = nd.from_numpy(copy_source, zero_copy=False)
    copy_source[0] = 5
    np.testing.assert_array_equal(copied.asnumpy(), [0, 1, 2])
    assert nd.from_numpy(np.array(2.5)).shape == ()


def test_from_numpy_of_a_non_contiguous_array_needs_a_copy():
    strided = np.arange(6.0).reshape(2, 3)[:, ::2]
    with pytest.raises(ValueError, match="contiguous"):
        nd.from_numpy(strided)
    np.testing.assert_array_equal(nd.from_numpy(strided, zero_copy=False).asnumpy(), strided)
