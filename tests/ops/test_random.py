"""Random samplers: statistics, shapes, dtypes and seed reproducibility."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case


def _draw(case, ctx, inputs=()):
    arrays = [nd.array(a, ctx=ctx) for a in inputs]
    return getattr(nd, case.op)(*arrays, ctx=ctx, **case.attrs) if not inputs else \
        getattr(nd, case.op)(*arrays, **case.attrs)


def _check_stats(mean, var, dtype=np.float32, tol=0.05):
    def check(case, ctx):
        mx.random.seed(7)
        a = _draw(case, ctx, case.inputs)
        mx.random.seed(7)
        b = _draw(case, ctx, case.inputs)
        assert a.context == ctx and a.dtype == dtype
        values = a.asnumpy().astype(np.float64)
        assert (values == b.asnumpy()).all(), "same seed, same samples"
        c = _draw(case, ctx, case.inputs)
        assert not (c.asnumpy() == values).all(), "a new draw differs"
        if case.inputs:
            values = values.reshape(values.shape[0], -1)
            for row, m, v in zip(values, mean, var):
                assert abs(row.mean() - m) < tol * max(1, abs(m)) and abs(row.var() - v) < tol * 4 * max(v, 1)
        else:
            assert tuple(a.shape) == tuple(case.attrs["shape"])
            assert abs(values.mean() - mean) < tol and abs(values.var() - var) < tol * max(var, 1)
    return check


def _check_randint(case, ctx):
    mx.random.seed(3)
    a = _draw(case, ctx)
    assert a.dtype == np.int32 and a.shape == (100, 100)
    v = a.asnumpy()
    assert v.min() == -2 and v.max() == 4 and abs(v.mean() - 1) < 0.1
    mx.random.seed(3)
    assert (_draw(case, ctx).asnumpy() == v).all()


CASES = [
    Case("_random_uniform", [], attrs={"low": -1.0, "high": 3.0, "shape": (200, 100)},
         check=_check_stats(1.0, 16 / 12)),
    Case("_random_uniform", [], attrs={"low": 0.0, "high": 1.0, "shape": (100, 100), "dtype": "float64"},
         check=_check_stats(0.5, 1 / 12, np.float64), name="_random_uniform_float64"),
    Case("_random_normal", [], attrs={"loc": 2.0, "scale": 0.5, "shape": (200, 100)},
         check=_check_stats(2.0, 0.25)),
    Case("_random_randint", [], attrs={"low": -2, "high": 5, "shape": (100, 100)},
         check=_check_randint),
    Case("_sample_uniform", [np.array([0.0, 10.0]), np.array([1.0, 14.0])], attrs={"shape": (5000,)},
         check=_check_stats([0.5, 12.0], [1 / 12, 16 / 12])),
    Case("_sample_normal", [np.array([0.0, -3.0]), np.array([1.0, 2.0])], attrs={"shape": (5000,)},
         check=_check_stats([0.0, -3.0], [1.0, 4.0])),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_nd_random_namespace(ctx):
    mx.random.seed(0)
    x = mx.nd.random.uniform(0, 1, shape=(3, 4), ctx=ctx)
    assert x.shape == (3, 4) and x.dtype == np.float32 and x.context == ctx
    assert mx.nd.random.normal(shape=5, ctx=ctx).shape == (5,)
    assert mx.nd.random.randint(0, 3, shape=(2,), ctx=ctx).dtype == np.int32
    assert mx.nd.uniform(shape=(2,), ctx=ctx).shape == (2,)   # the alias
