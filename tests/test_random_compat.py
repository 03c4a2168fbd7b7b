"""mx.random and mx.nd.random as MXNet 1.9.1's test_random.py uses them: the `*_like` samplers'
own parameters and seeds of any int."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd

N = 200000


@pytest.mark.parametrize("name, params, mean, var", [
    ("uniform_like", {"low": 2.0, "high": 5.0}, 3.5, 9 / 12),
    ("normal_like", {"loc": 5.0, "scale": 2.0}, 5.0, 4.0),
    ("exponential_like", {"lam": 4.0}, 0.25, 1 / 16),
    ("gamma_like", {"alpha": 2.0, "beta": 3.0}, 6.0, 18.0),
    ("poisson_like", {"lam": 7.0}, 7.0, 7.0),
    ("negative_binomial_like", {"k": 3, "p": 0.4}, 3 * 0.6 / 0.4, 3 * 0.6 / 0.16),
    ("generalized_negative_binomial_like", {"mu": 2.0, "alpha": 0.3}, 2.0, 2.0 + 0.3 * 4),
])
def test_like_samplers_use_their_parameters(name, params, mean, var):
    data = nd.zeros((N,), dtype="float64")
    sampler = getattr(nd.random, name)
    for call in (lambda: sampler(data=data, **params), lambda: sampler(data, *params.values())):
        values = call()
        assert values.shape == (N,) and values.dtype == np.float64
        values = values.asnumpy()
        assert abs(values.mean() - mean) < 0.03 * max(1.0, mean)
        assert abs(values.var() - var) < 0.05 * max(1.0, var)


def test_like_samplers_default_to_mxnets_parameters():
    values = nd.random.exponential_like(nd.zeros((N,))).asnumpy()
    assert abs(values.mean() - 1.0) < 0.03


@pytest.mark.parametrize("seed, same_as", [(-5, 2 ** 32 - 5), (2 ** 32 + 5, 5), (-2 ** 31, 2 ** 31)])
def test_seed_takes_any_int_as_a_c_int(seed, same_as):
    mx.random.seed(seed)
    first = nd.random.uniform(shape=5).asnumpy()
    mx.random.seed(seed)
    np.testing.assert_array_equal(nd.random.uniform(shape=5).asnumpy(), first)
    mx.random.seed(same_as)
    np.testing.assert_array_equal(nd.random.uniform(shape=5).asnumpy(), first)


def test_negative_and_positive_seeds_give_different_streams():
    mx.random.seed(-5)
    a = nd.random.uniform(shape=5).asnumpy()
    mx.random.seed(5)
    assert not np.array_equal(a, nd.random.uniform(shape=5).asnumpy())


def test_seed_that_is_not_an_int_raises_value_error():
    with pytest.raises(ValueError, match="int"):
        mx.random.seed(3.7)


@pytest.mark.parametrize("name, params, mean", [
    ("uniform_like", {"low": 2.0, "high": 4.0}, 3.0),
    ("normal_like", {"loc": -1.0, "scale": 0.5}, -1.0),
    ("exponential_like", {"lam": 4.0}, 0.25),
    ("gamma_like", {"alpha": 2.0, "beta": 3.0}, 6.0),
    ("poisson_like", {"lam": 3.0}, 3.0),
])
def test_symbol_like_samplers_take_the_shape_of_their_input(name, params, mean):
    mx.random.seed(3)
    data = mx.sym.var("d")
    out = getattr(mx.sym.random, name)(data=data, **params).eval(d=mx.nd.zeros((40, 500)))[0]
    assert out.shape == (40, 500)
    np.testing.assert_allclose(out.asnumpy().mean(), mean, rtol=0.05)


@pytest.mark.parametrize("name", ["uniform_like", "normal_like", "exponential_like", "gamma_like",
                                  "poisson_like", "negative_binomial_like",
                                  "generalized_negative_binomial_like"])
def test_symbol_like_samplers_name_their_nodes_as_mxnet(name):
    """MXNet 1.9.1 names the node `uniform_like0` (the function's name), not after the operator
    `_random_uniform_like`; a missing input becomes a variable named after the node."""
    with mx.name.NameManager():
        node = getattr(mx.sym.random, name)(mx.sym.var("d"))
        assert node.name == name + "0"
        assert node.list_arguments() == ["d"]
        assert getattr(mx.sym.random, name)().list_arguments() == [name + "1_data"]


def test_symbol_rand_zipfian_draws_classes_and_expected_counts():
    mx.random.seed(0)
    sampled, count_true, count_sampled = mx.sym.contrib.rand_zipfian(mx.sym.var("t"), 2000, 5)
    outs = mx.sym.Group([sampled, count_true, count_sampled]).eval(t=mx.nd.array([0, 3]))
    classes = outs[0].asnumpy()
    assert outs[0].dtype == np.int64 and classes.min() >= 0 and classes.max() < 5
    expected = np.log((np.arange(5) + 2.0) / (np.arange(5) + 1.0)) / np.log(6.0)
    np.testing.assert_allclose(np.bincount(classes, minlength=5) / 2000, expected, atol=0.04)
    np.testing.assert_allclose(outs[1].asnumpy(), expected[[0, 3]] * 2000, rtol=1e-12)
    np.testing.assert_allclose(outs[2].asnumpy(), expected[classes] * 2000, rtol=1e-12)
