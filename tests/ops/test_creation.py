"""Filled arrays, ranges, copies and casts."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case

R = np.random.RandomState(3)


def _check_filled(name, expected):
    def check(case, ctx):
        out = getattr(nd, name)(shape=(2, 3), dtype="int32", ctx=ctx, **case.attrs)
        assert out.dtype == np.int32 and out.context == ctx
        np.testing.assert_array_equal(out.asnumpy(), expected)
    return check


def _check_arange(case, ctx):
    out = nd._arange(start=2, stop=11, step=3, repeat=2, ctx=ctx)
    np.testing.assert_array_equal(out.asnumpy(), [2, 2, 5, 5, 8, 8])
    assert nd.arange(5, dtype="int32").asnumpy().tolist() == [0, 1, 2, 3, 4]
    sym_out = mx.sym._arange(start=0, stop=4)
    assert sym_out.infer_shape()[1] == [(4,)]


CASES = [
    Case("_zeros", [], check=_check_filled("_zeros", np.zeros((2, 3)))),
    Case("_ones", [], check=_check_filled("_ones", np.ones((2, 3)))),
    Case("_full", [], attrs={"value": 7}, check=_check_filled("_full", np.full((2, 3), 7))),
    Case("_arange", [], check=_check_arange),
    Case("zeros_like", [R.uniform(-1, 1, (2, 3))], np.zeros_like, grad=False),
    Case("ones_like", [R.uniform(-1, 1, (2, 3))], np.ones_like, grad=False),
    Case("_copy", [R.uniform(-1, 1, (2, 3))], np.copy),
    Case("Cast", [R.uniform(-1, 1, (2, 3))], lambda x, dtype: x.astype(dtype), attrs={"dtype": "float64"}),
    Case("_backward_Cast", [R.uniform(-1, 1, (2, 3)), R.uniform(-1, 1, (2, 3))],
         lambda g, x: g.astype(x.dtype), grad_inputs=[0]),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_cast_gradient_returns_to_the_source_dtype(ctx):
    from mxnb import autograd
    x = nd.array([1.5, 2.5], ctx=ctx, dtype="float32")
    x.attach_grad()
    with autograd.record():
        y = nd.Cast(x, dtype="float64") * 2
    y.backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.asnumpy(), [2, 2])
