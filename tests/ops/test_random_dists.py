"""The samplers beyond uniform/normal: moments and chi-square goodness of fit with fixed seeds,
shapes, dtypes, seeding per context, multinomial's log-likelihood gradient, and the nd.random /
sym.random front ends."""
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

N = 20000


def _moments(values):
    v = values.astype(np.float64)
    return v.mean(), v.var()


def _close(value, expected, spread, name):
    # five standard errors of the estimate: fails by chance about once in two million
    assert abs(value - expected) <= 5 * spread, "%s: %g, expected %g +- %g" % (name, value, expected, 5 * spread)


def _check_moments(mean, var, kurtosis_bound=10.0):
    """Sample mean and variance within a few standard errors (var's error from a kurtosis bound)."""
    def check(case, ctx):
        mx.random.seed(11)
        a = _call(case, ctx)
        mx.random.seed(11)
        b = _call(case, ctx)
        assert a.context == ctx and a.dtype == np.float32
        values = a.asnumpy()
        np.testing.assert_array_equal(values, b.asnumpy())          # same seed, same draws
        assert not np.array_equal(_call(case, ctx).asnumpy(), values)
        rows = values.reshape(len(mean), -1) if case.inputs else values.reshape(1, -1)
        for row, m, v in zip(rows, mean, var):
            n = row.size
            got_m, got_v = _moments(row)
            _close(got_m, m, math.sqrt(v / n), case.name + " mean")
            _close(got_v, v, v * math.sqrt(kurtosis_bound / n), case.name + " variance")
    return check


def _call(case, ctx):
    if case.op.endswith("_like"):
        return getattr(nd, case.op)(nd.zeros(case.inputs[0].shape, ctx=ctx), **case.attrs)
    if case.inputs:
        return getattr(nd, case.op)(*[nd.array(a, ctx=ctx) for a in case.inputs], **case.attrs)
    return getattr(nd, case.op)(ctx=ctx, **case.attrs)


def _scalar(op, attrs, mean, var, name=None):
    return Case(op, [], attrs=dict(attrs, shape=(N,)), check=_check_moments([mean], [var]), name=name)


def _arrays(op, params, mean, var):
    return Case(op, [np.array(p, dtype=np.float32) for p in params], attrs={"shape": (N // 2,)},
                check=_check_moments(mean, var))


def _like(op, attrs, mean, var):
    return Case(op, [np.zeros((100, N // 100))], attrs=attrs, check=_check_moments([mean], [var]))


def _nb(k, p):
    return k * (1 - p) / p, k * (1 - p) / p ** 2


def _gnb(mu, alpha):
    return mu, mu + alpha * mu * mu


CASES = [
    _scalar("_random_exponential", {"lam": 2.0}, 0.5, 0.25),
    _scalar("_random_gamma", {"alpha": 2.5, "beta": 0.5}, 1.25, 0.625),
    _scalar("_random_poisson", {"lam": 3.0}, 3.0, 3.0),
    _scalar("_random_negative_binomial", {"k": 3, "p": 0.4}, *_nb(3, 0.4)),
    _scalar("_random_generalized_negative_binomial", {"mu": 2.0, "alpha": 0.3}, *_gnb(2.0, 0.3)),
    _scalar("_random_generalized_negative_binomial", {"mu": 2.0, "alpha": 0.0}, 2.0, 2.0,
            name="_random_generalized_negative_binomial_alpha0"),
    _arrays("_sample_exponential", [[1.0, 4.0]], [1.0, 0.25], [1.0, 1 / 16]),
    _arrays("_sample_gamma", [[1.0, 3.0], [2.0, 0.5]], [2.0, 1.5], [4.0, 0.75]),
    _arrays("_sample_poisson", [[0.5, 6.0]], [0.5, 6.0], [0.5, 6.0]),
    _arrays("_sample_negative_binomial", [[2.0, 5.0], [0.5, 0.7]],
            [_nb(2, 0.5)[0], _nb(5, 0.7)[0]], [_nb(2, 0.5)[1], _nb(5, 0.7)[1]]),
    _arrays("_sample_generalized_negative_binomial", [[1.0, 4.0], [0.5, 0.1]],
            [1.0, 4.0], [_gnb(1.0, 0.5)[1], _gnb(4.0, 0.1)[1]]),
    _like("_random_uniform_like", {"low": 1.0, "high": 3.0}, 2.0, 4 / 12),
    _like("_random_normal_like", {"loc": -1.0, "scale": 2.0}, -1.0, 4.0),
    _like("_random_exponential_like", {"lam": 0.5}, 2.0, 4.0),
    _like("_random_gamma_like", {"alpha": 4.0, "beta": 1.0}, 4.0, 4.0),
    _like("_random_poisson_like", {"lam": 1.5}, 1.5, 1.5),
    _like("_random_negative_binomial_like", {"k": 2, "p": 0.6}, *_nb(2, 0.6)),
    _like("_random_generalized_negative_binomial_like", {"mu": 3.0, "alpha": 0.2}, *_gnb(3.0, 0.2)),
]


def _chi_square_ok(counts, probs):
    """Pearson's statistic below the 0.999 quantile (Wilson-Hilferty approximation)."""
    expected = counts.sum() * np.asarray(probs)
    keep = expected > 0
    assert counts[~keep].sum() == 0, "outcomes of probability 0 were drawn"
    stat = ((counts[keep] - expected[keep]) ** 2 / expected[keep]).sum()
    dof = keep.sum() - 1
    z = 3.09
    bound = dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ** 3
    assert stat < bound, "chi-square %g >= %g" % (stat, bound)


def _check_multinomial(case, ctx):
    probs = case.inputs[0]
    mx.random.seed(5)
    draws = nd.sample_multinomial(nd.array(probs, ctx=ctx), shape=(4000,))
    assert draws.dtype == np.int32 and draws.shape == probs.shape[:-1] + (4000,)
    mx.random.seed(5)
    np.testing.assert_array_equal(nd.sample_multinomial(nd.array(probs, ctx=ctx), shape=(4000,)).asnumpy(),
                                  draws.asnumpy())
    values = draws.asnumpy().reshape(-1, 4000)
    for row, p in zip(values, probs.reshape(-1, probs.shape[-1])):
        _chi_square_ok(np.bincount(row, minlength=p.size), p)


def _check_shuffle(case, ctx):
    data = nd.array(case.inputs[0], ctx=ctx)
    mx.random.seed(1)
    a = nd._shuffle(data)
    mx.random.seed(1)
    b = nd.random.shuffle(data)
    np.testing.assert_array_equal(a.asnumpy(), b.asnumpy())
    assert a.context == ctx and a.shape == data.shape
    rows = sorted(map(tuple, a.asnumpy().tolist()))
    assert rows == sorted(map(tuple, case.inputs[0].tolist())), "a permutation of the rows"
    # every row lands in first place about equally often
    firsts = np.array([int(nd._shuffle(data)[0, 0].asscalar()) // 2 for _ in range(600)])
    _chi_square_ok(np.bincount(firsts, minlength=6), np.full(6, 1 / 6))


def _multinomial_grad_ref(og, probs, sample, shape=()):
    grad = np.zeros_like(probs)
    flat_p = probs.reshape(-1, probs.shape[-1])
    flat_g = grad.reshape(-1, probs.shape[-1])
    for r, (draws, gs) in enumerate(zip(sample.reshape(len(flat_p), -1), og.reshape(len(flat_p), -1))):
        for d, g in zip(draws.astype(int), gs):
            flat_g[r, d] += g / flat_p[r, d]
    return grad


CASES += [
    Case("_sample_multinomial", [np.array([[0.1, 0.0, 0.6, 0.3], [0.25, 0.25, 0.25, 0.25]])],
         check=_check_multinomial),
    Case("_shuffle", [np.arange(12, dtype=np.float32).reshape(6, 2)], check=_check_shuffle),
    Case("_backward_sample_multinomial",
         [np.array([[0.5, -1.0, 2.0], [1.0, 1.5, 0.25]]), np.array([[0.2, 0.8], [0.5, 0.5]]),
          np.array([[1, 0, 1], [0, 0, 1]], dtype=np.float32)],
         _multinomial_grad_ref, attrs={"shape": (3,)}, grad=False),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_multinomial_log_probability_and_its_gradient(ctx):
    probs = nd.array([[0.2, 0.8], [0.5, 0.5]], ctx=ctx)
    probs.attach_grad()
    with autograd.record():
        draws, logp = nd.random.multinomial(probs, shape=3, get_prob=True)
    logp.backward(nd.ones_like(logp))
    d = draws.asnumpy()
    np.testing.assert_allclose(logp.asnumpy(), np.log(probs.asnumpy()[[[0], [1]], d]), rtol=1e-6)
    expected = np.zeros((2, 2))
    for r in range(2):
        for k in d[r]:
            expected[r, k] += 1 / probs.asnumpy()[r, k]
    np.testing.assert_allclose(probs.grad.asnumpy(), expected, rtol=1e-5)
    assert nd.random.multinomial(probs).shape == (2,)
    assert nd.random.multinomial(probs, dtype="float32").dtype == np.float32


def test_nd_random_front_end(ctx):
    mx.random.seed(0)
    assert nd.random.exponential(2, shape=(3, 4), ctx=ctx).shape == (3, 4)
    assert nd.random.poisson(shape=5, ctx=ctx).context == ctx
    assert nd.random.gamma(ctx=ctx).shape == (1,)                 # MXNet's default shape
    a = nd.array([1.0, 2.0, 3.0], ctx=ctx)
    assert nd.random.gamma(a, a, shape=(2, 2)).shape == (3, 2, 2)  # one distribution per element
    assert nd.random.uniform(a, a + 1).shape == (3,)
    assert nd.random.normal(a, a, shape=4).shape == (3, 4)
    assert nd.random.negative_binomial(a, nd.array([0.5] * 3, ctx=ctx)).shape == (3,)
    assert nd.random.randn(2, 3, ctx=ctx).shape == (2, 3)
    like = nd.random.normal_like(nd.zeros((2, 5), ctx=ctx, dtype="float64"), 0, 2)
    assert like.shape == (2, 5) and like.dtype == np.float64 and like.context == ctx
    assert nd.random.exponential_like(a, lam=3.0).shape == (3,)     # MXNet: rate lam, no scale
    with pytest.raises(mx.MXNetError, match="all numbers or all NDArrays"):
        nd.random.uniform(a, 2.0)
    out = nd.zeros((2, 3), ctx=ctx)
    nd.random.uniform(-1, 1, shape=(2, 3), out=out)
    assert (out.asnumpy() != 0).all()


def test_seed_reproduces_every_sampler(ctx):
    def draw():
        return [nd.random.uniform(shape=4, ctx=ctx), nd.random.poisson(2, shape=4, ctx=ctx),
                nd.random.multinomial(nd.array([0.3, 0.7], ctx=ctx), shape=5),
                nd.random.shuffle(nd.arange(5, ctx=ctx))]
    mx.random.seed(42, ctx=ctx)
    first = [x.asnumpy() for x in draw()]
    mx.random.seed(42, ctx=ctx)
    for a, b in zip(first, draw()):
        np.testing.assert_array_equal(a, b.asnumpy())


def test_sym_random_matches_the_samplers():
    s = mx.sym.random.gamma(mx.sym.var("a"), mx.sym.var("b"), shape=(2,))
    assert s.infer_shape(a=(3,), b=(3,))[1] == [(3, 2)]
    u = mx.sym.random.uniform(-1, 1, shape=(2, 3), name="u")
    assert u.tojson().count('"_random_uniform"') == 1
    mx.random.seed(3)
    out = u.bind(mx.cpu(), {}).forward()[0].asnumpy()
    assert out.shape == (2, 3) and (np.abs(out) <= 1).all()
    m = mx.sym.random.multinomial(mx.sym.var("p"), shape=4, get_prob=True)
    assert len(m.list_outputs()) == 2
    for name in ("normal", "exponential", "poisson", "negative_binomial",
                 "generalized_negative_binomial", "randint", "shuffle", "randn"):
        assert callable(getattr(mx.sym.random, name))


def test_one_distribution_drawn_once_gives_shape_1(ctx):
    """1-D probabilities and no shape: one draw of shape (1,), as MXNet's (not a scalar), in
    nd, in symbol shape inference, and for the log-probability and its gradient."""
    probs = nd.array([0.1, 0.2, 0.7], ctx=ctx)
    assert nd.sample_multinomial(probs).shape == (1,)
    assert nd.random.multinomial(probs).shape == (1,)
    assert nd.random.multinomial(probs, shape=2).shape == (2,)
    assert mx.sym.sample_multinomial(mx.sym.var("p")).infer_shape(p=(3,))[1] == [(1,)]
    probs.attach_grad()
    with autograd.record():
        draw, logp = nd.random.multinomial(probs, get_prob=True)
    assert draw.shape == logp.shape == (1,)
    logp.backward()
    expected = np.zeros(3, np.float32)
    expected[int(draw.asscalar())] = 1 / probs.asnumpy()[int(draw.asscalar())]
    np.testing.assert_allclose(probs.grad.asnumpy(), expected, rtol=1e-6)
