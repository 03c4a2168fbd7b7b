"""_contrib_hawkesll: the log likelihood of a marked, self-exciting (Hawkes) point process with
exponential decay, and its backward operator.

For sample i and mark k, with background intensity mu[i, k], branching ratio alpha[k] and
decay beta[k], the conditional intensity is

    lambda_k(t) = mu_k + alpha_k * beta_k * s_k(t),
    s_k(t) = sum_{t_j < t, y_j = k} exp(-beta_k (t - t_j))

(plus the memory `state` carried in from before t = 0). The log likelihood of the points
observed on (0, max_time] is sum_j log lambda_{y_j}(t_j) minus the compensator, the integral of
every lambda_k over (0, max_time]. Each mark only excites itself, so the scan keeps per mark the
time of its last point and its memory s_k just after that point; between two points the
memory decays by exp(-beta d), and the compensator over that gap is mu d + alpha s (1 - e).

The scan runs over the time axis (T steps), every sample of the batch at once.
"""
import numpy as np

from ..backend import to_host
from ..base import DTypeError, ShapeError, MXNetError
from .registry import operator

_INPUTS = ("lda", "alpha", "beta", "state", "lags", "marks", "valid_length", "max_time")
_NDIMS = (2, 1, 1, 2, 2, 2, 1, 1)


class _Scan:
    """The forward scan, and (when asked) the derivatives the backward operator needs.

    Derivatives are kept per (sample, mark): of the log likelihood with respect to mu, alpha,
    beta and the input state, and of the running memory with respect to beta (`ds_dbeta`) and
    to the input state (`ds_ds0`): the memory is a product of decays, so both follow it
    through each point."""

    def __init__(self, xp, inputs, derivatives):
        # eager calls skip shape and type inference: check here what MXNet checks there
        _infer_shape([a.shape for a in inputs])
        _infer_type([a.dtype for a in inputs])
        mu, alpha, beta, state, lags, marks, valid_length, max_time = inputs
        n, t_len = lags.shape
        _check_marks(xp, marks, mu.shape[1])
        steps = xp.ceil(valid_length)       # MXNet's scan runs while j < valid_length
        if t_len and bool((steps > t_len).any()):
            raise ShapeError("_contrib_hawkesll: valid_length must be at most the sequence "
                             "length T=%d of lags and marks, found %s"
                             % (t_len, to_host(valid_length).tolist()))
        dtype = mu.dtype
        rows = xp.arange(n)
        self.memory = state.astype(dtype, copy=True)
        last = xp.zeros_like(mu)
        time = xp.zeros(n, dtype=dtype)
        loglike = xp.zeros(n, dtype=dtype)
        if derivatives:
            self.d_mu, self.d_alpha, self.d_beta, self.d_state = (xp.zeros_like(mu)
                                                                  for _ in range(4))
            self.ds_dbeta = xp.zeros_like(mu)
            self.ds_ds0 = xp.ones_like(mu)
        for j in range(t_len):
            active = j < steps
            if not bool(active.any()):
                break
            k = marks[:, j].astype(xp.int64)
            time = time + xp.where(active, lags[:, j], 0).astype(dtype)
            gap = time - last[rows, k]
            a, b, s = alpha[k], beta[k], self.memory[rows, k]
            decay = xp.exp(-b * gap)
            intensity = mu[rows, k] + a * b * s * decay
            compensator = mu[rows, k] * gap + a * s * (1 - decay)
            # inactive steps (past valid_length) read harmless values and are masked out
            safe = xp.where(active, intensity, 1)
            loglike = loglike + xp.where(active, xp.log(safe) - compensator, 0)
            if derivatives:
                self._point_derivatives(xp, rows, k, active, a, b, s, gap, decay, safe)
            self.memory[rows, k] = xp.where(active, 1 + s * decay, s)
            last[rows, k] = xp.where(active, time, last[rows, k])
        # the rest of the observation window, after every mark's last point
        gap = max_time[:, None] - last
        decay = xp.exp(-beta * gap)
        loglike = loglike - (mu * gap + alpha * self.memory * (1 - decay)).sum(axis=1)
        if derivatives:
            s, sb = self.memory, self.ds_dbeta
            self.d_mu -= gap
            self.d_alpha -= s * (1 - decay)
            self.d_beta -= alpha * (sb * (1 - decay) + s * gap * decay)
            self.d_state -= alpha * (1 - decay) * self.ds_ds0
            # the output state s * decay, differentiated
            self.out_dbeta = decay * (sb - gap * s)
            self.out_dstate = decay * self.ds_ds0
        self.loglike = loglike
        self.out_state = self.memory * decay

    def _point_derivatives(self, xp, rows, k, active, a, b, s, gap, decay, intensity):
        """Adds one point's log intensity and compensator derivatives, then carries the memory's
        derivatives through the point (s -> 1 + s * decay)."""
        sb, g = self.ds_dbeta[rows, k], self.ds_ds0[rows, k]
        terms = ((self.d_mu, 1 / intensity - gap),
                 (self.d_alpha, b * s * decay / intensity - s * (1 - decay)),
                 (self.d_beta, a * decay * (s * (1 - b * gap) + b * sb) / intensity
                  - a * (sb * (1 - decay) + s * gap * decay)),
                 (self.d_state, a * b * decay * g / intensity - a * (1 - decay) * g))
        for total, term in terms:
            total[rows, k] += xp.where(active, term, 0)
        self.ds_dbeta[rows, k] = xp.where(active, decay * (sb - gap * s), sb)
        self.ds_ds0[rows, k] = xp.where(active, decay * g, g)


def _check_marks(xp, marks, num_marks):
    if marks.size and bool(((marks < 0) | (marks >= num_marks)).any()):
        raise MXNetError("_contrib_hawkesll: marks must lie in [0, %d) (K, the number of "
                         "processes of lda), found values from %d to %d"
                         % (num_marks, int(marks.min()), int(marks.max())))


def _check_shapes(in_shapes):
    for name, shape, ndim in zip(_INPUTS, in_shapes, _NDIMS):
        if shape is not None and len(shape) != ndim:
            raise ShapeError("_contrib_hawkesll: %s must be %d-dimensional, found shape %s"
                             % (name, ndim, tuple(shape)))


def _dims(in_shapes):
    """(N, K, T) from whichever inputs are known; None where unknown."""
    mu, alpha, beta, state, lags, marks, valid_length, max_time = in_shapes
    n = next((s[0] for s in (lags, marks, mu, state, valid_length, max_time) if s), None)
    k = next((s[-1] for s in (mu, state, alpha, beta) if s), None)
    t = next((s[1] for s in (lags, marks) if s), None)
    return n, k, t


def _expected_shapes(n, k, t):
    return [(n, k), (k,), (k,), (n, k), (n, t), (n, t), (n,), (n,)]


def _name(dtype):
    return np.dtype(dtype).name


def _infer_shape(in_shapes):
    _check_shapes(in_shapes)
    n, k, t = _dims(in_shapes)
    if n is None or k is None or t is None:
        return in_shapes, [None if n is None else (n,),
                           None if n is None or k is None else (n, k)]
    expected = _expected_shapes(n, k, t)
    for name, shape, want in zip(_INPUTS, in_shapes, expected):
        if shape is not None and tuple(shape) != want:
            raise ShapeError("_contrib_hawkesll: %s must have shape %s (N=%d samples, K=%d "
                             "processes, T=%d steps), found %s"
                             % (name, want, n, k, t, tuple(shape)))
    return expected, [(n,), (n, k)]


def _infer_type(in_types):
    known = next((t for i, t in enumerate(in_types) if i != 5 and t is not None), None)
    marks = in_types[5]
    if marks is not None and _name(marks) != "int32":
        raise DTypeError("_contrib_hawkesll: marks must be int32, found %s" % _name(marks))
    types = [known if i != 5 else np.int32 for i in range(len(in_types))]
    for name, given, want in zip(_INPUTS, in_types, types):
        if given is not None and want is not None and _name(given) != _name(want):
            raise DTypeError("_contrib_hawkesll: %s must be %s like lda, found %s"
                             % (name, _name(want), _name(given)))
    return types, [known, known]


@operator("_contrib_hawkesll", inputs=_INPUTS, outputs=("output", "out_state"), hint="hawkesll")
class HawkesLL:
    """Computes the log likelihood of a marked Hawkes process (one self-exciting process per
    mark, exponential decay) on ragged, left-aligned sequences of interarrival times.

    Inputs: lda (N, K) background intensities, alpha (K,) branching ratios, beta (K,) decays,
    state (N, K) the memory carried in from before time 0, lags (N, T) interarrival times, marks
    (N, T) int32 process ids, valid_length (N,) the number of valid points of each row, max_time
    (N,) the length of each observation window. Outputs: the log likelihood (N,) and the memory
    at max_time (N, K), to carry into the next window.

    Gradients flow to lda, alpha, beta and state from both outputs; lags, marks, valid_length and
    max_time are data and get none, as in MXNet. (MXNet 1.9.1's backward leaves the state's
    gradient unwritten and ignores the output state's gradient; mxnb computes both.)"""

    def compute(xp, inputs, attrs):
        scan = _Scan(xp, inputs, derivatives=False)
        return [scan.loglike, scan.out_state]

    def infer_shape(attrs, in_shapes):
        return _infer_shape(in_shapes)

    def infer_type(attrs, in_types):
        return _infer_type(in_types)

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_contrib_hawkesll(out_grads[0], out_grads[1], *inputs)
        return list(grads) + [None] * 4


@operator("_backward_contrib_hawkesll",
          inputs=("ograd_output", "ograd_out_state") + _INPUTS,
          outputs=("lda_grad", "alpha_grad", "beta_grad", "state_grad"), hint="hawkesll_backward")
class BackwardHawkesLL:
    """The gradients of _contrib_hawkesll's two outputs, weighted by their output gradients,
    with respect to lda, alpha, beta and state."""

    def compute(xp, inputs, attrs):
        og_ll, og_state = inputs[0], inputs[1]
        scan = _Scan(xp, inputs[2:], derivatives=True)
        weight = og_ll[:, None]
        return [weight * scan.d_mu,
                (weight * scan.d_alpha).sum(axis=0),
                (weight * scan.d_beta + og_state * scan.out_dbeta).sum(axis=0),
                weight * scan.d_state + og_state * scan.out_dstate]

    def infer_shape(attrs, in_shapes):
        shapes, _ = _infer_shape(in_shapes[2:])
        return list(in_shapes[:2]) + list(shapes), list(shapes[:4])

    def infer_type(attrs, in_types):
        types, outs = _infer_type(in_types[2:])
        return [outs[0], outs[0]] + list(types), [outs[0]] * 4

    def gradient(F, attrs, inputs, outputs, out_grads):
        from ..graph.gradient import no_gradient_error
        raise no_gradient_error("_backward_contrib_hawkesll")
