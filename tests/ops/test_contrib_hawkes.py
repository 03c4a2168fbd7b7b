"""_contrib_hawkesll (nd.contrib.hawkesll / sym.contrib.hawkesll) and its backward operator,
against a loop reference written from the intensity's definition (absolute times, every past
point summed directly; no recursion), and its gradients against central differences."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError

from .harness import Case, NOT_AVAILABLE, run_case


def hawkes_reference(mu, alpha, beta, state, lags, marks, valid_length, max_time):
    """(log likelihood (N,), memory at max_time (N, K)) from the definitions:
    lambda_k(t) = mu_k + alpha_k beta_k (s0_k e^{-beta_k t} + sum_{t_i < t, y_i = k} e^{-beta_k (t - t_i)}),
    minus the integral of every lambda_k over (0, max_time]."""
    mu, alpha, beta, state, lags, max_time = (np.asarray(a, np.float64) for a in
                                              (mu, alpha, beta, state, lags, max_time))
    n, k_count = mu.shape
    loglike = np.zeros(n)
    out_state = np.zeros((n, k_count))
    for i in range(n):
        count = int(np.ceil(valid_length[i]))
        times = np.cumsum(lags[i, :count])
        ids = marks[i, :count]
        horizon = max_time[i]
        for j, (t, k) in enumerate(zip(times, ids)):
            past = times[:j][ids[:j] == k]
            memory = state[i, k] * np.exp(-beta[k] * t) + np.exp(-beta[k] * (t - past)).sum()
            loglike[i] += np.log(mu[i, k] + alpha[k] * beta[k] * memory)
        for k in range(k_count):
            own = times[ids == k]
            integral = (mu[i, k] * horizon
                        + alpha[k] * state[i, k] * (1 - np.exp(-beta[k] * horizon))
                        + alpha[k] * (1 - np.exp(-beta[k] * (horizon - own))).sum())
            loglike[i] -= integral
            out_state[i, k] = (state[i, k] * np.exp(-beta[k] * horizon)
                               + np.exp(-beta[k] * (horizon - own)).sum())
    return [loglike, out_state]


def _problem(seed, n=3, k=4, t=6):
    """Random inputs: positive parameters, ragged rows (some empty or full), max_time past the
    last point."""
    rng = np.random.RandomState(seed)
    lags = rng.uniform(0.1, 1.0, (n, t))
    valid = rng.randint(0, t + 1, n).astype(np.float64)
    valid[0] = t
    return [rng.uniform(0.5, 2.0, (n, k)), rng.uniform(0.1, 0.9, k), rng.uniform(0.5, 3.0, k),
            rng.uniform(0.0, 2.0, (n, k)), lags, rng.randint(0, k, (n, t)).astype(np.int32),
            valid, lags.sum(axis=1) + rng.uniform(0.1, 2.0, n)]


def _backward_reference(og_ll, og_state, *inputs):
    """Gradients of <out, ograd> for lda, alpha, beta and state by central differences of the
    loop reference (float64)."""
    def weighted(values):
        ll, state = hawkes_reference(*values)
        return float((ll * og_ll).sum() + (state * og_state).sum())
    grads = []
    for index in range(4):
        base = [np.array(a, dtype=np.float64) if i != 5 else a for i, a in enumerate(inputs)]
        grad = np.zeros_like(base[index])
        flat = base[index].reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + 1e-6
            plus = weighted(base)
            flat[j] = orig - 1e-6
            minus = weighted(base)
            flat[j] = orig
            grad.reshape(-1)[j] = (plus - minus) / 2e-6
        grads.append(grad)
    return grads


_OGRADS = [np.random.RandomState(7).uniform(-1, 1, 3), np.random.RandomState(8).uniform(-1, 1, (3, 4))]

CASES = [
    Case("_contrib_hawkesll", _problem(0), hawkes_reference, grad_inputs=[0, 1, 2, 3],
         rtol=1e-4, atol=1e-4, eps=1e-5),
    Case("_contrib_hawkesll", _problem(1, n=2, k=1, t=5), hawkes_reference,
         grad_inputs=[0, 1, 2, 3], rtol=1e-4, atol=1e-4, eps=1e-5, name="hawkesll_one_mark"),
    Case("_backward_contrib_hawkesll", _OGRADS + _problem(2), _backward_reference, grad=False,
         dtype=np.float64, rtol=1e-5, atol=1e-6),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_case(case):
    run_case(case, mx.cpu())


def _nd(inputs, dtype=np.float32):
    return [nd.array(a, dtype=np.int32 if i == 5 else dtype) for i, a in enumerate(inputs)]


def test_contrib_namespace_and_mxnet_doc_example():
    """The example of MXNet's documentation: four rows of one mark, 1..4 valid points."""
    n = 4
    inputs = [np.tile([1.5, 2.0, 3.0], (n, 1)), np.array([0.2, 0.3, 0.4]), np.array([1.0, 2.0, 3.0]),
              np.zeros((n, 3)), np.array([[6, 7, 8, 9], [1, 2, 3, 4], [3, 4, 5, 6], [8, 9, 10, 11]]),
              np.zeros((n, 4), np.int32), np.array([1, 2, 3, 4]), np.full(n, 100.0)]
    loglike, out_state = nd.contrib.hawkesll(*_nd(inputs))
    expected = hawkes_reference(*inputs)
    np.testing.assert_allclose(loglike.asnumpy(), expected[0], rtol=1e-5)
    np.testing.assert_allclose(out_state.asnumpy(), expected[1], rtol=1e-5, atol=1e-30)


def test_state_carries_one_window_into_the_next():
    """Splitting the observation at time 5: the likelihood of (0, 5] plus that of (5, 12] started
    from the first window's output state equals the likelihood of (0, 12] in one call."""
    mu, alpha, beta = np.array([[0.7, 1.1]]), np.array([0.5, 0.3]), np.array([1.5, 0.8])
    times, ids = np.array([0.5, 1.2, 3.0, 4.4, 6.0, 7.5, 11.0]), np.array([0, 1, 0, 0, 1, 0, 1])
    whole = nd.contrib.hawkesll(*_nd([mu, alpha, beta, np.zeros((1, 2)), np.diff(times, prepend=0)[None],
                                      ids[None].astype(np.int32), [7], [12.0]], np.float64))
    first = nd.contrib.hawkesll(*_nd([mu, alpha, beta, np.zeros((1, 2)), np.diff(times[:4], prepend=0)[None],
                                      ids[None, :4].astype(np.int32), [4], [5.0]], np.float64))
    later = times[4:] - 5.0
    second = nd.contrib.hawkesll(*_nd([mu, alpha, beta, first[1].asnumpy(), np.diff(later, prepend=0)[None],
                                       ids[None, 4:].astype(np.int32), [3], [7.0]], np.float64))
    np.testing.assert_allclose(first[0].asnumpy() + second[0].asnumpy(), whole[0].asnumpy(), rtol=1e-12)
    np.testing.assert_allclose(second[1].asnumpy(), whole[1].asnumpy(), rtol=1e-12)


def test_gradient_through_tiled_lda_matches_finite_differences():
    """As MXNet's own use: lda = mu.tile((N, 1)); only the log likelihood is differentiated."""
    inputs = _problem(3, n=2, k=3, t=9)
    inputs[0] = np.tile(inputs[0][0], (2, 1))
    mu = nd.array(inputs[0][0], dtype=np.float64)
    mu.attach_grad()
    rest = _nd(inputs, np.float64)[1:]
    with autograd.record():
        loglike, _ = nd.contrib.hawkesll(mu.tile((2, 1)), *rest)
    loglike.backward()
    zeros = np.zeros((2, 3))
    expected = _backward_reference(np.ones(2), zeros, *inputs)[0].sum(axis=0)
    np.testing.assert_allclose(mu.grad.asnumpy(), expected, rtol=1e-6)


def test_symbolic_shapes_and_types():
    names = ["lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time"]
    s = mx.sym.contrib.hawkesll(*[mx.sym.var(n) for n in names])
    assert s.list_arguments() == names
    assert len(s.list_outputs()) == 2
    args, outs, _ = s.infer_shape(lda=(3, 4), lags=(3, 6))
    assert args == [(3, 4), (4,), (4,), (3, 4), (3, 6), (3, 6), (3,), (3,)]
    assert outs == [(3,), (3, 4)]
    arg_types, out_types, _ = s.infer_type(lda=np.float64)
    assert [np.dtype(t) for t in arg_types] == [np.float64] * 5 + [np.int32] + [np.float64] * 2
    assert [np.dtype(t) for t in out_types] == [np.float64, np.float64]


def test_second_order_is_refused_clearly():
    inputs = _nd(_problem(4), np.float64)
    alpha = inputs[1]
    alpha.attach_grad()
    with autograd.record():
        loglike, _ = nd.contrib.hawkesll(*inputs)
        (first,) = autograd.grad(loglike.sum(), [alpha], create_graph=True, retain_graph=True)
        total = first.sum()
    with pytest.raises(MXNetError, match=NOT_AVAILABLE):
        total.backward()


def test_bad_inputs_raise_clear_errors():
    good = _problem(5)
    float_marks = _nd(good)
    float_marks[5] = nd.array(good[5], dtype=np.float32)
    with pytest.raises(TypeError, match="marks must be int32"):
        nd.contrib.hawkesll(*float_marks)[0].asnumpy()
    wrong_alpha = _nd(good)
    wrong_alpha[1] = nd.ones((5,))
    with pytest.raises(ValueError, match="alpha must have shape"):
        nd.contrib.hawkesll(*wrong_alpha)[0].asnumpy()
    bad_marks = list(good)
    bad_marks[5] = bad_marks[5] + 4
    with pytest.raises(MXNetError, match="marks must lie in"):
        nd.contrib.hawkesll(*_nd(bad_marks))[0].asnumpy()
    too_long = list(good)
    too_long[6] = np.full(3, 7.0)
    with pytest.raises(MXNetError, match="valid_length must be at most"):
        nd.contrib.hawkesll(*_nd(too_long))[0].asnumpy()
