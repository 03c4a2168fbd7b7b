"""Statistical checks of random generators for `mx.test_utils` (chi-square goodness of fit,
mean and variance bounds), with a chi-square p-value that needs no SciPy."""
import math

import numpy as np

__all__ = ["gen_buckets_probs_with_ppf", "chi_square_check", "verify_generator", "mean_check",
           "var_check", "chi_square_p_value"]


def gen_buckets_probs_with_ppf(ppf, nbuckets):
    """`nbuckets` equal-probability buckets [(low, high), ...] of a distribution given by its
    percent-point function, and their probabilities.

    Example
    -------
    >>> buckets, probs = gen_buckets_probs_with_ppf(lambda x: x, 4)   # uniform on [0, 1]
    """
    probs = [1.0 / nbuckets for _ in range(nbuckets)]
    buckets = [(ppf(i / float(nbuckets)), ppf((i + 1) / float(nbuckets))) for i in range(nbuckets)]
    return buckets, probs


def _upper_gamma_regularized(a, x):
    """Q(a, x) = Gamma(a, x) / Gamma(a): series below a + 1, continued fraction above."""
    if x <= 0:
        return 1.0
    log_prefactor = a * math.log(x) - x - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        for _ in range(10000):
            n += 1
            term *= x / n
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(log_prefactor))
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(log_prefactor) * h


def chi_square_p_value(obs_freq, expected_freq):
    """The p-value of Pearson's chi-square test (degrees of freedom: buckets - 1)."""
    obs = np.asarray(obs_freq, dtype=np.float64)
    exp = np.asarray(expected_freq, dtype=np.float64)
    statistic = float(((obs - exp) ** 2 / exp).sum())
    dof = len(obs) - 1
    return _upper_gamma_regularized(dof / 2.0, statistic / 2.0)


def chi_square_check(generator, buckets, probs, nsamples=1000000):
    """Chi-square test of `generator(nsamples)` against bucket probabilities.

    Parameters
    ----------
    generator : callable
        `generator(n)` returns n samples (NumPy array or list).
    buckets : list
        [(low, high), ...] for a continuous distribution, or the values of a discrete one.
    probs : list of float
    nsamples : int, default 1000000

    Returns
    -------
    (p, obs_freq, expected_freq)
    """
    if not isinstance(buckets, list):
        raise AssertionError("buckets must be a list")
    if len(probs) != len(buckets):
        raise AssertionError("%d probabilities for %d buckets" % (len(probs), len(buckets)))
    samples = np.asarray(generator(nsamples))
    expected_freq = (nsamples * np.array(probs, dtype=np.float32)).astype(np.int32)
    obs_freq = np.zeros(len(buckets), dtype=np.int64)
    if isinstance(buckets[0], (list, tuple)):
        edges = np.zeros(len(buckets) * 2, dtype=np.float32)
        for i, (low, high) in enumerate(buckets):
            if low > high or (i + 1 < len(buckets) and high > buckets[i + 1][0]):
                raise AssertionError("buckets must be increasing, non-overlapping intervals")
            edges[2 * i], edges[2 * i + 1] = low, high
        ids = np.searchsorted(edges, samples, side="right")
        for i in range(len(buckets)):
            obs_freq[i] = (ids == 2 * i + 1).sum()
    else:
        for i, value in enumerate(buckets):
            obs_freq[i] = (samples == value).sum()
    return chi_square_p_value(obs_freq, expected_freq), obs_freq, expected_freq


def verify_generator(generator, buckets, probs, nsamples=1000000, nrepeat=5, success_rate=0.2,
                     alpha=0.05):
    """Runs `chi_square_check` `nrepeat` times; AssertionError unless at least
    `success_rate * nrepeat` p-values exceed `alpha`. Returns the p-values."""
    results, observed, expected = [], [], []
    for _ in range(nrepeat):
        p, obs, exp = chi_square_check(generator, buckets, probs, nsamples)
        results.append(p)
        observed.append(obs)
        expected.append(exp)
    if (np.array(results) > alpha).sum() < nrepeat * success_rate:
        raise AssertionError("Generator test fails, Chi-square p=%s, obs_freq=%s, expected_freq=%s."
                             "\nbuckets=%s, probs=%s" % (results, observed, expected, buckets, probs))
    return results


def mean_check(generator, mu, sigma, nsamples=1000000):
    """Whether the sample mean lies within 3 standard errors of `mu`."""
    samples = np.array(generator(nsamples))
    bound = 3 * sigma / np.sqrt(nsamples)
    mean = samples.mean()
    return bool(mu - bound < mean < mu + bound)


def var_check(generator, sigma, nsamples=1000000):
    """Whether the sample variance lies within 3 standard errors of `sigma**2`."""
    samples = np.array(generator(nsamples))
    var = samples.var(ddof=1)
    bound = 3 * np.sqrt(2 * sigma ** 4 / (nsamples - 1))
    return bool(sigma ** 2 - bound < var < sigma ** 2 + bound)
