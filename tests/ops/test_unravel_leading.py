"""unravel_index as MXNet: the leading axis's size is never read (-1: "whatever fits"), so its
index is whatever is left after the trailing axes; ravel_multi_index with a -1 likewise."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case

R = np.random.RandomState(5)


def _unravel_ref(indices, shape):
    """NumPy's unravel_index, with a leading axis large enough for every index."""
    trailing = int(np.prod(shape[1:], dtype=np.int64))
    lead = int(indices.max()) // trailing + 1
    return np.array(np.unravel_index(indices.astype(np.int64), (lead,) + tuple(shape[1:]))
                    ).astype(indices.dtype)


def _ravel_ref(data, shape):
    lead = int(data[0].max()) + 1
    return np.ravel_multi_index(data.astype(np.int64), (lead,) + tuple(shape[1:])).astype(data.dtype)


INDICES = R.randint(0, 200, (7,)).astype(np.float64)

CASES = [
    Case("_unravel_index", [INDICES], lambda x, shape: _unravel_ref(x, shape),
         attrs={"shape": (-1, 3, 4)}, grad=False, name="unravel_leading_unknown"),
    Case("_ravel_multi_index", [_unravel_ref(INDICES, (-1, 3, 4))],
         lambda x, shape: _ravel_ref(x, shape), attrs={"shape": (-1, 3, 4)}, grad=False,
         name="ravel_leading_unknown"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case):
    run_case(case, mx.cpu())


@pytest.mark.parametrize("shape", [(-1, 5), (4, 5), (2, 5), (-1, 2, 3), (1, 7)])
@pytest.mark.parametrize("dtype", ["float32", "int32", "int64"])
def test_unravel_leading_axis_is_not_read(shape, dtype):
    indices = np.array([17, 35, 9, 0, 2, 44], dtype=dtype)
    out = nd.unravel_index(nd.array(indices, dtype=dtype), shape=shape)
    assert out.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(out.asnumpy(), _unravel_ref(indices, shape))


def test_unravel_truncates_fractional_indices():
    indices = np.array([17.7, 19.2, 3.999])
    out = nd.unravel_index(nd.array(indices), shape=(-1, 5)).asnumpy()
    np.testing.assert_array_equal(out, _unravel_ref(np.trunc(indices), (-1, 5)))


def test_unravel_negative_sizes_divide_as_c():
    """C's integer division truncates toward zero: 17 / -1 is -17, remainder 0."""
    out = nd.unravel_index(nd.array([17, 6], dtype="int32"), shape=(2, -1)).asnumpy()
    np.testing.assert_array_equal(out, [[-17, -6], [0, 0]])


def test_unravel_zero_trailing_axis_is_an_error():
    with pytest.raises(mx.base.ShapeError, match="unravel_index"):
        nd.unravel_index(nd.array([3, 4]), shape=(4, 0)).asnumpy()


def test_unravel_symbolic_shape():
    s = mx.sym.unravel_index(mx.sym.var("a"), shape=(-1, 5))
    assert s.infer_shape(a=(3,))[1] == [(2, 3)]
    out = s.eval(a=nd.array([17, 35, 9]))[0].asnumpy()
    np.testing.assert_array_equal(out, _unravel_ref(np.array([17., 35, 9]), (-1, 5)))
