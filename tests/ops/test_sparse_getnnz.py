"""_contrib_getnnz (`nd.contrib.getnnz`): the stored values of a csr matrix, counted in all, per
row and per column, against NumPy counts of the same parts."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from .harness import Case, run_case

# A 4x5 matrix in csr parts, with one explicitly stored zero (row 2, column 4): getnnz counts
# stored values, so that zero counts too.
DATA = np.array([1.0, 2.0, 3.0, 0.0, 4.0], dtype=np.float32)
INDICES = np.array([1, 3, 0, 4, 3], dtype=np.int64)
INDPTR = np.array([0, 2, 2, 4, 5], dtype=np.int64)
SHAPE = (4, 5)


def _csr(ctx, data=DATA, indices=INDICES, indptr=INDPTR, shape=SHAPE):
    return nd.sparse.csr_matrix((data, indices, indptr), shape=shape, ctx=ctx)


def _reference(axis):
    """Counts of stored entries from the parts alone: a 0/1 mask of the stored positions."""
    stored = np.zeros(SHAPE, dtype=np.int64)
    rows = np.repeat(np.arange(SHAPE[0]), np.diff(INDPTR))
    stored[rows, INDICES] = 1
    return np.array([stored.sum()]) if axis is None else stored.sum(axis=axis)


def _check_counts(case, ctx):
    x = _csr(ctx)
    for axis in (None, 0, 1):
        out = nd.contrib.getnnz(x, axis=axis)
        want = _reference(axis)
        assert out.stype == "default" and out.dtype == np.int64 and out.context == ctx
        assert out.shape == want.shape, (axis, out.shape, want.shape)
        np.testing.assert_array_equal(out.asnumpy(), want)
    # the default is axis=None, and the registered name is reachable as nd._contrib_getnnz
    np.testing.assert_array_equal(nd.contrib.getnnz(x).asnumpy(), [len(DATA)])
    np.testing.assert_array_equal(nd._contrib_getnnz(x, axis=1).asnumpy(), np.diff(INDPTR))


def _check_empty(case, ctx):
    x = nd.sparse.zeros("csr", (3, 2), ctx=ctx)
    np.testing.assert_array_equal(nd.contrib.getnnz(x).asnumpy(), [0])
    np.testing.assert_array_equal(nd.contrib.getnnz(x, axis=1).asnumpy(), np.zeros(3))
    np.testing.assert_array_equal(nd.contrib.getnnz(x, axis=0).asnumpy(), np.zeros(2))


CASES = [
    Case("_contrib_getnnz", [], check=_check_counts, grad=False, name="getnnz csr"),
    Case("_contrib_getnnz", [], check=_check_empty, grad=False, name="getnnz empty csr"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_getnnz(case):
    run_case(case, mx.cpu())


@pytest.mark.parametrize("axis", [-1, 2])
def test_getnnz_rejects_axes_other_than_none_0_1(axis):
    with pytest.raises(MXNetError, match="axis"):
        nd.contrib.getnnz(_csr(mx.cpu()), axis=axis).asnumpy()


@pytest.mark.parametrize("stype", ["default", "row_sparse"])
def test_getnnz_takes_only_csr(stype):
    x = nd.array(np.ones(SHAPE, np.float32))
    if stype != "default":
        x = x.tostype(stype)
    with pytest.raises(MXNetError, match="csr"):
        nd.contrib.getnnz(x).asnumpy()


def test_getnnz_symbol_infers_int64_counts():
    x = mx.sym.var("x", stype="csr")
    _, shapes, _ = mx.sym.contrib.getnnz(x, axis=1).infer_shape(x=SHAPE)
    assert shapes == [(SHAPE[0],)]
    _, shapes, _ = mx.sym.contrib.getnnz(x).infer_shape(x=SHAPE)
    assert shapes == [(1,)]
    _, types, _ = mx.sym.contrib.getnnz(x, axis=0).infer_type(x="float32")
    assert types == [np.int64]
    exe = mx.sym.contrib.getnnz(x, axis=1).bind(mx.cpu(), {"x": _csr(mx.cpu())})
    np.testing.assert_array_equal(exe.forward()[0].asnumpy(), _reference(1))
