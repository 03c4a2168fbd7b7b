"""MXNet 1.x's NumPy shape semantics switch (`mx.np_shape`, `mx.use_np_shape`, `set_np_shape`)
and what it changes: off (the default), `()` and a dimension 0 mean "unknown", so the creation
functions reject them; on, they are a scalar's shape and a zero-size dimension."""
import threading

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError


def _read(x):
    return x.asnumpy()  # under the threaded engine, an operator's error surfaces here


# --- the switch --------------------------------------------------------------------------------
def test_np_shape_is_off_by_default_and_set_np_shape_returns_the_previous_setting():
    assert mx.is_np_shape() is False
    assert mx.set_np_shape(True) is False
    try:
        assert mx.is_np_shape() is True
        assert mx.set_np_shape(True) is True
    finally:
        assert mx.set_np_shape(False) is True
    assert mx.is_np_shape() is False


def test_np_shape_scope_restores_the_previous_setting_even_on_error():
    with mx.np_shape():
        assert mx.is_np_shape()
        with mx.np_shape(False):
            assert not mx.is_np_shape()
        assert mx.is_np_shape()
    assert not mx.is_np_shape()
    with pytest.raises(KeyError):
        with mx.np_shape(True):
            raise KeyError("inside")
    assert not mx.is_np_shape()


def test_np_shape_is_per_thread():
    seen = []
    with mx.np_shape(True):
        worker = threading.Thread(target=lambda: seen.append(mx.is_np_shape()))
        worker.start()
        worker.join()
        assert mx.is_np_shape()
    assert seen == [False]


def test_use_np_shape_decorates_functions_and_classes():
    @mx.use_np_shape
    def scalar_one():
        """One, as a 0-d array."""
        return mx.nd.ones(shape=())
    assert scalar_one.__name__ == "scalar_one" and scalar_one.__doc__ == "One, as a 0-d array."
    for active in (True, False):
        with mx.np_shape(active):
            np.testing.assert_array_equal(scalar_one().asnumpy(), np.ones(()))
            assert mx.is_np_shape() is active

    @mx.use_np_shape
    class Maker:
        def make(self, shape):
            return mx.nd.zeros(shape)

        @property
        def setting(self):
            return mx.is_np_shape()
    assert Maker().make((0, 2)).shape == (0, 2)
    assert Maker().setting is True
    assert not mx.is_np_shape()


def test_set_np_turns_only_the_shape_semantics_on_and_np_arrays_stay_unsupported():
    mx.util.set_np(shape=True, array=False)
    try:
        assert mx.is_np_shape()
    finally:
        mx.util.reset_np()
    assert not mx.is_np_shape()
    with pytest.raises(MXNetError, match="mx.np interface is not supported"):
        with mx.np_array(True):
            pass
    with pytest.raises(MXNetError, match="mx.np interface is not supported"):
        mx.util.set_np()
    assert not mx.is_np_shape()


# --- creation functions -------------------------------------------------------------------------
@pytest.mark.parametrize("make", [lambda s: mx.nd.zeros(s), lambda s: mx.nd.ones(s),
                                  lambda s: mx.nd.zeros(shape=s)])
@pytest.mark.parametrize("shape", [(), (0, 1, 3, 0), (2, 0), 0])
def test_zeros_and_ones_reject_unknown_shapes_without_np_shape(make, shape):
    with pytest.raises(MXNetError, match="NumPy shape semantics"):
        _read(make(shape))


def test_full_rejects_a_scalar_shape_only_and_empty_rejects_nothing():
    with pytest.raises(MXNetError, match="full: shape \\(\\)"):
        _read(mx.nd.full((), 2))
    np.testing.assert_array_equal(mx.nd.full((0, 1), 2).asnumpy(), np.full((0, 1), 2.0))
    assert mx.nd.empty(()).shape == () and mx.nd.empty((0, 3)).shape == (0, 3)


def test_zeros_rejects_a_zero_size_sparse_shape_without_np_shape():
    with pytest.raises(MXNetError, match="dimension 0"):
        mx.nd.zeros((0, 3), stype="csr")
    with mx.np_shape():
        assert mx.nd.zeros((0, 3), stype="csr").shape == (0, 3)


@pytest.mark.parametrize("shape", [(), (0, 1, 0, 4), (3, 0)])
def test_creation_under_np_shape_follows_numpy(shape):
    with mx.np_shape():
        for made, expected in ((mx.nd.zeros(shape), np.zeros(shape)),
                               (mx.nd.ones(shape), np.ones(shape)),
                               (mx.nd.full(shape, 7), np.full(shape, 7.0))):
            assert made.shape == expected.shape
            np.testing.assert_array_equal(made.asnumpy(), expected)


def test_mxnb_s_own_zero_size_arrays_are_not_rejected():
    # row_sparse_pull of no rows builds a (0, 2) array of values inside mxnb's kvstore
    kv = mx.kv.create("local")
    kv.init("w", mx.nd.ones((4, 2)).tostype("row_sparse"))
    out = mx.nd.sparse.zeros("row_sparse", (4, 2))
    kv.row_sparse_pull("w", out=out, row_ids=mx.nd.array([], dtype="int64"))
    assert out.data.shape == (0, 2)
    np.testing.assert_array_equal(out.asnumpy(), np.zeros((4, 2)))


# --- operators ---------------------------------------------------------------------------------
def test_depth_to_space_and_space_to_depth_reject_a_zero_dimension():
    with pytest.raises(MXNetError, match="depth_to_space"):
        _read(mx.nd.depth_to_space(mx.nd.array(np.ones((1, 4, 0, 3))), 2))
    with pytest.raises(MXNetError, match="space_to_depth"):
        _read(mx.nd.space_to_depth(mx.nd.array(np.ones((1, 0, 4, 4))), 2))
    with mx.np_shape():
        with pytest.raises(MXNetError, match="depth_to_space"):
            _read(mx.nd.depth_to_space(mx.nd.ones((0, 4, 2, 3)), 2))
        with pytest.raises(MXNetError, match="space_to_depth"):
            _read(mx.nd.space_to_depth(mx.nd.ones((0, 1, 4, 4)), 2))


def test_depth_to_space_leaves_an_unknown_batch_unknown_in_legacy_inference():
    out = mx.sym.depth_to_space(mx.sym.var("x", shape=(0, 4, 2, 3)), 2)
    assert out.infer_shape_partial()[1] == [(0, 1, 4, 6)]


@pytest.mark.parametrize("k", [4, -3])
def test_diag_rejects_an_offset_beyond_the_matrix(k):
    for active in (False, True):
        with mx.np_shape(active):
            with pytest.raises(MXNetError, match="diag: diagonal k=%d does not exist" % k):
                _read(mx.nd.diag(mx.nd.ones((2, 3)), k=k))
    with pytest.raises(MXNetError, match="does not exist"):
        mx.sym.diag(mx.sym.var("x"), k=k).infer_shape(x=(2, 3))


@pytest.mark.parametrize("k", [3, -2, 1])
def test_diag_at_the_matrix_edge_is_numpy_s(k):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    np.testing.assert_array_equal(mx.nd.diag(mx.nd.array(a), k=k).asnumpy(), np.diag(a, k=k))


# --- shape inference ---------------------------------------------------------------------------
def test_infer_shape_reads_0_as_unknown_without_np_shape_and_as_zero_size_with_it():
    fc = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=3)
    assert fc.infer_shape(x=(0, 4)) == (None, None, None)
    assert fc.infer_shape_partial() == ([(), (), ()], [()], [])
    with mx.np_shape():
        assert fc.infer_shape(x=(0, 4)) == ([(0, 4), (3, 4), (3,)], [(0, 3)], [])
        assert fc.infer_shape_partial() == ([None, None, None], [None], [])


def test_infer_shape_partial_under_np_shape_marks_unknown_dims_minus_one():
    with mx.np_shape():
        x = mx.sym.var("data", shape=(-1, 20))
        out = mx.sym.slice(x, begin=(None, 3), end=(None, 10))
        assert out.infer_shape_partial()[1] == [(-1, 7)]
        fc = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=3)
        assert fc.infer_shape_partial(x=(-1, 4)) == ([(-1, 4), (3, 4), (3,)], [(-1, 3)], [])
        assert fc.infer_shape(x=(-1, 4)) == (None, None, None)


def test_zero_dim_and_zero_size_arrays_under_np_shape_bind_index_and_assign():
    # MXNet 1.9.1 with np_shape on: x[:] = v writes a 0-d array, index_array of a scalar is
    # empty, and simple_bind takes a zero-size batch
    with mx.np_shape():
        x = mx.nd.zeros(())
        x[:] = 3
        np.testing.assert_array_equal(x.asnumpy(), np.array(3.0, np.float32))
        assert mx.nd.contrib.index_array(x).shape == (0,)
        fc = mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=3)
        assert fc.simple_bind(mx.cpu(), x=(0, 4)).forward()[0].shape == (0, 3)
    with pytest.raises(mx.base.MXNetError, match="cannot infer"):
        fc.simple_bind(mx.cpu(), x=(0, 4))        # without it, 0 is an unknown dimension
