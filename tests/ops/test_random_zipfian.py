"""_sample_unique_zipfian: distinct classes per row from the log-uniform distribution MXNet's
kernel draws (with the number of draws each row took), checked against a NumPy reference of the
distribution."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from .harness import Case, run_case


def _rounded_log_uniform(range_max):
    """P(class) of one draw round(exp(u * log(range_max))) - 1, u uniform in [0, 1): class c
    covers exp-values in [c + 0.5, c + 1.5), clipped to [1, range_max)."""
    edges = np.clip(np.arange(range_max + 1) + 0.5, 1, range_max)
    return np.diff(np.log(edges)) / np.log(range_max)


def test_unique_zipfian_first_draws_follow_the_log_uniform_distribution():
    range_max, rows = 8, 40000
    mx.random.seed(11)
    samples, trials = nd._sample_unique_zipfian(range_max=range_max, shape=(rows, 1))
    assert samples.dtype == np.int64 and trials.dtype == np.int64
    assert samples.shape == (rows, 1) and trials.shape == (rows,)
    np.testing.assert_array_equal(trials.asnumpy(), np.ones(rows))   # one draw, always new
    freq = np.bincount(samples.asnumpy().ravel(), minlength=range_max) / rows
    np.testing.assert_allclose(freq, _rounded_log_uniform(range_max), atol=0.01)


def test_unique_zipfian_rows_hold_distinct_classes():
    range_max, rows, count = 20, 50, 12
    samples, trials = nd._sample_unique_zipfian(range_max=range_max, shape=(rows, count))
    samples, trials = samples.asnumpy(), trials.asnumpy()
    assert samples.min() >= 0 and samples.max() < range_max
    for row in samples:
        assert len(set(row.tolist())) == count
    assert (trials >= count).all()
    full, _ = nd._sample_unique_zipfian(range_max=6, shape=(3, 6))
    np.testing.assert_array_equal(np.sort(full.asnumpy(), axis=1), np.tile(np.arange(6), (3, 1)))


def test_unique_zipfian_checks_its_shape():
    with pytest.raises(mx.base.MXNetError, match="2-D"):
        nd._sample_unique_zipfian(range_max=10, shape=(5,))[0].asnumpy()
    with pytest.raises(mx.base.MXNetError, match="exceed"):
        nd._sample_unique_zipfian(range_max=3, shape=(2, 5))[0].asnumpy()
    fc = mx.sym._sample_unique_zipfian(range_max=10, shape=(4, 3))
    assert fc.infer_shape()[1] == [(4, 3), (4,)]


def _check_case(case, ctx):
    """The operator's shapes and dtypes, distinct classes in range, and seed reproducibility."""
    mx.random.seed(4)
    samples, trials = nd._sample_unique_zipfian(**case.attrs)
    rows, count = case.attrs["shape"]
    assert samples.shape == (rows, count) and trials.shape == (rows,)
    values = samples.asnumpy()
    assert all(len(set(row.tolist())) == count for row in values)
    assert ((values >= 0) & (values < case.attrs["range_max"])).all()
    mx.random.seed(4)
    again, _ = nd._sample_unique_zipfian(**case.attrs)
    np.testing.assert_array_equal(again.asnumpy(), values)


CASES = [Case("_sample_unique_zipfian", [], attrs={"range_max": 50, "shape": (6, 10)},
              check=_check_case)]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case):
    run_case(case, mx.cpu())        # MXNet's operator is CPU-only
