"""Compiled forms of the in-place optimizer updates (mxnb.compiled): one loop that reads each
weight, gradient and state element once and writes the weight and states once, where the NumPy
forms in sgd.py / adaptive.py / lamb.py stream every array through memory half a dozen times
(MLP 784-128-64-10, SGD momentum: Trainer.step ~100 us instead of ~170; Adam ~150 instead of
~400).

Each loop does the NumPy form's float operations in the same order on the same operands, in the
arrays' precision (the hyper-parameters cast to the weight's dtype, and the coefficients made
from them, as the NumPy forms' `coefficient` does), so the results are bit-equal to it. A loop
updates the weight and its states in place, as the optimizers call them (out=weight): a loop
that reads one array and writes another which may be the same memory is not vectorized by LLVM
(its overlap check fails), and runs ~3x slower. For a fresh result the weight is first copied
into it.

`usable(xp, arrays)` says when they apply: compiled kernels enabled, NumPy arrays, all of one
float dtype (float32 or float64), C-contiguous and of one shape. The update operators ask it and
fall back to their NumPy form otherwise (CuPy, float16, float32 states of a float16 weight).
"""
import numpy

from ... import compiled

__all__ = ["usable", "same_layout", "FAST", "sgd", "sgd_mom", "lamb_phase1"]

_FLOATS = compiled.FLOATS

# op name -> fast(inputs, attrs, out): the compiled step of a single-weight update operator,
# writing the new weight into `out` (which may be inputs[0]); callers check `usable` first.
FAST = {}


def usable(xp, arrays, out=None):
    """Whether the compiled loops apply to the update of `arrays` (weight, grad, states...)
    into `out` (None: a fresh array)."""
    if xp is not numpy or not compiled.enabled():
        return False
    return same_layout(arrays, out)


def same_layout(arrays, out=None):
    """All of `arrays` (and `out`) are C-contiguous float32 or float64 arrays of one dtype and
    shape (NumPy arrays: the caller has checked)."""
    first = arrays[0]
    dtype, shape = first.dtype, first.shape
    if dtype not in _FLOATS:
        return False
    for a in arrays:
        if a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
            return False
    return out is None or (out.dtype == dtype and out.shape == shape and out.flags.c_contiguous)


# --- the loops ---------------------------------------------------------------------------------
@compiled.kernel
def _clipped(g, bound, clipping):
    """g within [-bound, bound] when clipping, as the NumPy forms' clip (NaN passes)."""
    if clipping:
        if g > bound:
            return bound
        if g < -bound:
            return -bound
    return g



@compiled.kernel
def _gradient_scaling(weight, rescale_grad, clip_gradient):
    """(rescale, bound, clipping): rescale_grad and clip_gradient in the weight's dtype, and
    whether clipping is on (a bound >= 0, as MXNet's)."""
    real = weight.dtype.type
    return real(rescale_grad), real(clip_gradient), clip_gradient >= 0


@compiled.kernel
def _rescaled(g, rescale, bound, clipping):
    """One element of the NumPy forms' rescaled gradient: g * rescale, clipped."""
    return _clipped(g * rescale, bound, clipping)

# Hyper-parameters come in as Python floats (numba's quickest arguments) and are cast to the
# arrays' dtype first (`real`), as the NumPy forms' `coefficient` does; derived coefficients
# (1 - beta1, lr * wd) are then computed in that dtype, as there. No literal takes part in
# arithmetic (a 1 would be float64 to numba and widen a float32 expression; comparing with 0 is
# exact and harmless). sign(x) * c is written c, -c or (x - x) * c: np.sign's 1, -1, +0 (for
# ±0) or NaN, times c. Clipping is on when the bound is >= 0, as MXNet's.

@compiled.kernel
def _sgd_loop(weight, grad, rescale_grad, clip_gradient, lr, wd):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate = real(lr)
    decay = real(1.0) - rate * real(wd)
    for i in range(weight.size):
        g = _rescaled(grad[i], rescale, bound, clipping)
        weight[i] = weight[i] * decay - g * rate


@compiled.kernel
def _sgd_mom_loop(weight, grad, mom, rescale_grad, clip_gradient, lr, wd, momentum):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate, decaying, keep = real(lr), wd != 0, real(momentum)
    rate_wd = rate * real(wd)
    for i in range(weight.size):
        w = weight[i]
        g = _rescaled(grad[i], rescale, bound, clipping)
        g = g * rate
        if decaying:
            g = g + w * rate_wd
        m = mom[i] * keep - g
        mom[i] = m
        weight[i] = w + m


@compiled.kernel
def _nag_loop(weight, grad, mom, rescale_grad, clip_gradient, lr, wd, momentum):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate, decay, keep = real(lr), real(wd), real(momentum)
    for i in range(weight.size):
        w = weight[i]
        g = _rescaled(grad[i], rescale, bound, clipping)
        g = (g + w * decay) * rate
        m = mom[i] * keep - g
        mom[i] = m
        weight[i] = (w + m * keep) - g


@compiled.kernel
def _mp_nag_loop(weight32, grad, mom, rescale_grad, clip_gradient, lr, wd, momentum):
    # MXNet's mp_nag_mom_update: the stored momentum is recomputed from the new weight
    real = weight32.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight32, rescale_grad, clip_gradient)
    rate, decay, keep = real(lr), real(wd), real(momentum)
    for i in range(weight32.size):
        w = weight32[i]
        g = _rescaled(grad[i], rescale, bound, clipping)
        step = (w * decay + g) * rate
        new = (w + (mom[i] * keep - step) * keep) - step
        mom[i] = mom[i] * keep - (g + new * decay) * rate
        weight32[i] = new


@compiled.kernel
def _signsgd_loop(weight, grad, rescale_grad, clip_gradient, lr, wd):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate = real(lr)
    decay = real(1.0) - rate * real(wd)
    for i in range(weight.size):
        g = _rescaled(grad[i], rescale, bound, clipping)
        if g > 0:
            step = rate
        elif g < 0:
            step = -rate
        else:
            step = (g - g) * rate
        weight[i] = weight[i] * decay - step


@compiled.kernel
def _signum_loop(weight, grad, mom, rescale_grad, clip_gradient, lr, wd, momentum, wd_lh):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate, decay, keep = real(lr), real(wd), real(momentum)
    fresh = real(1.0) - keep
    shrink = real(1.0) - rate * real(wd_lh)
    for i in range(weight.size):
        w = weight[i]
        g = _rescaled(grad[i], rescale, bound, clipping)
        g = (g + w * decay) * fresh
        m = mom[i] * keep - g
        mom[i] = m
        if m > 0:
            step = rate
        elif m < 0:
            step = -rate
        else:
            step = (m - m) * rate
        weight[i] = w * shrink + step


@compiled.kernel
def _adam_loop(weight, grad, mean, var, rescale_grad, clip_gradient, wd, beta1, beta2, epsilon,
               lr):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    decay, decaying, eps, rate = real(wd), wd != 0, real(epsilon), real(lr)
    b1, b2 = real(beta1), real(beta2)
    keep1, keep2 = real(1.0) - b1, real(1.0) - b2
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if decaying:
            g = g + w * decay
        g = _clipped(g, bound, clipping)
        m = mean[i] * b1 + g * keep1
        v = var[i] * b2 + (g * g) * keep2
        mean[i] = m
        var[i] = v
        weight[i] = w - (m / (numpy.sqrt(v) + eps)) * rate


@compiled.kernel
def _rmsprop_loop(weight, grad, n, rescale_grad, wd, clip_gradient, gamma1, epsilon, lr,
                  clip_weights):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    weight_bound, weight_clipping = real(clip_weights), clip_weights >= 0
    decay, eps, rate, gamma = real(wd), real(epsilon), real(lr), real(gamma1)
    keep = real(1.0) - gamma
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * decay
        g = _clipped(g, bound, clipping)
        s = n[i] * gamma + (g * g) * keep
        n[i] = s
        new = w - (g / numpy.sqrt(s + eps)) * rate
        weight[i] = _clipped(new, weight_bound, weight_clipping)


@compiled.kernel
def _rmspropalex_loop(weight, grad, n, mean, delta, rescale_grad, wd, clip_gradient, gamma1,
                      gamma2, epsilon, lr, clip_weights):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    weight_bound, weight_clipping = real(clip_weights), clip_weights >= 0
    decay, eps, rate = real(wd), real(epsilon), real(lr)
    gamma, gamma_delta = real(gamma1), real(gamma2)
    keep = real(1.0) - gamma
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * decay
        g = _clipped(g, bound, clipping)
        s = n[i] * gamma + (g * g) * keep
        a = mean[i] * gamma + g * keep
        d = delta[i] * gamma_delta - (g / numpy.sqrt((s - a * a) + eps)) * rate
        n[i] = s
        mean[i] = a
        delta[i] = d
        new = w + d
        weight[i] = _clipped(new, weight_bound, weight_clipping)


@compiled.kernel
def _ftrl_loop(weight, grad, z, n, rescale_grad, clip_gradient, lr, lamda1, beta, wd):
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    rate, l1, b, decay = real(lr), real(lamda1), real(beta), real(wd)
    for i in range(weight.size):
        w = weight[i]
        g = _rescaled(grad[i], rescale, bound, clipping)
        old = n[i]
        s = old + g * g
        root = numpy.sqrt(s)
        zz = (z[i] + g) - ((root - numpy.sqrt(old)) * w) / rate
        n[i] = s
        z[i] = zz
        if zz > 0:
            signed = l1
        elif zz < 0:
            signed = -l1
        else:
            signed = (zz - zz) * l1
        new = (signed - zz) / ((b + root) / rate + decay)
        if not abs(zz) > l1:              # |z| <= lamda1 (or NaN): times 0, as NumPy's mask
            new = new * (zz - zz)
        weight[i] = new


@compiled.kernel
def _ftml_loop(weight, grad, d, v, z, rescale_grad, wd, clip_grad, beta1, beta2, correction2,
               epsilon, scale):
    # correction2 = 1 - beta2**t and scale = (1 - beta1**t) / lr come from the host, already
    # rounded to the dtype (numba would take beta**t in float64)
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_grad)
    decay, eps, b1, b2 = real(wd), real(epsilon), real(beta1), real(beta2)
    keep1, keep2 = real(1.0) - b1, real(1.0) - b2
    corr, sc = real(correction2), real(scale)
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * decay
        g = _clipped(g, bound, clipping)
        s = v[i] * b2 + (g * g) * keep2
        d_t = (numpy.sqrt(s / corr) + eps) * sc
        zz = (z[i] * b1 + g * keep1) - (d_t - d[i] * b1) * w
        v[i] = s
        z[i] = zz
        d[i] = d_t
        weight[i] = -zz / d_t


@compiled.kernel
def _lamb_phase1_loop(weight, grad, mean, var, out, rescale_grad, clip_gradient, beta1, beta2,
                      epsilon, wd, correcting, correction1, correction2):
    # `out` is another array than the inputs (the direction): it is written, never read.
    # correction1/2 = 1 - beta**t come from the host, already rounded to the dtype.
    real = weight.dtype.type
    rescale, bound, clipping = _gradient_scaling(weight, rescale_grad, clip_gradient)
    b1, b2, eps, decay = real(beta1), real(beta2), real(epsilon), real(wd)
    keep1, keep2 = real(1.0) - b1, real(1.0) - b2
    corr1, corr2 = real(correction1), real(correction2)
    for i in range(weight.size):
        g = _rescaled(grad[i], rescale, bound, clipping)
        m = mean[i] * b1 + g * keep1
        v = var[i] * b2 + (g * g) * keep2
        mean[i] = m
        var[i] = v
        if correcting:
            m = m / corr1
            v = v / corr2
        out[i] = m / (numpy.sqrt(v) + eps) + weight[i] * decay


# --- the host side: flat views and the operator's attributes, then one loop --------------------

def _into(weight, out):
    """The flat array a loop updates in place: the weight when it is `out` (the optimizers'
    call), else `out` holding a copy of the weight (a loop reading one array and writing
    another that may be the same memory cannot be vectorized, so there is one array)."""
    if out is not weight:
        numpy.copyto(out, weight)
    return out.ravel()          # a view: the arrays are C-contiguous (`usable`)


def sgd(weight, grad, lr, wd, rescale_grad, clip_gradient, out):
    """sgd_step's compiled form: the new weight into `out`."""
    _sgd_loop(_into(weight, out), grad.ravel(), rescale_grad, clip_gradient, float(lr),
              float(wd))
    return out


def sgd_mom(weight, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient, out):
    """sgd_mom_step's compiled form: `mom` updated in place, the new weight into `out`."""
    _sgd_mom_loop(_into(weight, out), grad.ravel(), mom.ravel(), rescale_grad,
                  clip_gradient, float(lr), float(wd), momentum)
    return out


def _sgd_op(inputs, attrs, out):
    w, g = inputs
    return sgd(w, g, attrs["lr"], attrs["wd"], attrs["rescale_grad"], attrs["clip_gradient"], out)


def _sgd_mom_op(inputs, attrs, out):
    w, g, m = inputs
    return sgd_mom(w, g, m, attrs["lr"], attrs["wd"], attrs["momentum"], attrs["rescale_grad"],
                   attrs["clip_gradient"], out)


def _nag_op(inputs, attrs, out):
    w, g, m = inputs
    _nag_loop(_into(w, out), g.ravel(), m.ravel(), attrs["rescale_grad"],
              attrs["clip_gradient"], attrs["lr"], attrs["wd"], attrs["momentum"])
    return out


def _mp_nag_op(inputs, attrs, out):
    w, g, m, w32 = inputs
    _mp_nag_loop(w32.ravel(), g.ravel(), m.ravel(), attrs["rescale_grad"],
                 attrs["clip_gradient"], attrs["lr"], attrs["wd"], attrs["momentum"])
    if out is not w32:
        numpy.copyto(out, w32)
    return out


def _signsgd_op(inputs, attrs, out):
    w, g = inputs
    _signsgd_loop(_into(w, out), g.ravel(), attrs["rescale_grad"], attrs["clip_gradient"],
                  attrs["lr"], attrs["wd"])
    return out


def _signum_op(inputs, attrs, out):
    w, g, m = inputs
    _signum_loop(_into(w, out), g.ravel(), m.ravel(), attrs["rescale_grad"],
                 attrs["clip_gradient"], attrs["lr"], attrs["wd"], attrs["momentum"],
                 attrs["wd_lh"])
    return out


def _adam_op(inputs, attrs, out):
    w, g, mean, var = inputs
    _adam_loop(_into(w, out), g.ravel(), mean.ravel(), var.ravel(),
               attrs["rescale_grad"], attrs["clip_gradient"], attrs["wd"], attrs["beta1"],
               attrs["beta2"], attrs["epsilon"], attrs["lr"])
    return out


def _rmsprop_op(inputs, attrs, out):
    w, g, n = inputs
    _rmsprop_loop(_into(w, out), g.ravel(), n.ravel(), attrs["rescale_grad"],
                  attrs["wd"], attrs["clip_gradient"], attrs["gamma1"], attrs["epsilon"],
                  attrs["lr"], attrs["clip_weights"])
    return out


def _rmspropalex_op(inputs, attrs, out):
    w, g, n, mean, delta = inputs
    _rmspropalex_loop(_into(w, out), g.ravel(), n.ravel(), mean.ravel(),
                      delta.ravel(), attrs["rescale_grad"], attrs["wd"],
                      attrs["clip_gradient"], attrs["gamma1"], attrs["gamma2"],
                      attrs["epsilon"], attrs["lr"], attrs["clip_weights"])
    return out


def _ftrl_op(inputs, attrs, out):
    w, g, z, n = inputs
    _ftrl_loop(_into(w, out), g.ravel(), z.ravel(), n.ravel(),
               attrs["rescale_grad"], attrs["clip_gradient"], attrs["lr"], attrs["lamda1"],
               attrs["beta"], attrs["wd"])
    return out


def _ftml_op(inputs, attrs, out):
    w, g, d, v, z = inputs
    real = w.dtype.type                  # the bias corrections as the NumPy form rounds them
    beta1, beta2, t = real(attrs["beta1"]), real(attrs["beta2"]), attrs["t"]
    correction2 = real(1) - beta2 ** t
    scale = (real(1) - beta1 ** t) / real(attrs["lr"])
    _ftml_loop(_into(w, out), g.ravel(), d.ravel(), v.ravel(), z.ravel(),
               attrs["rescale_grad"], attrs["wd"], attrs["clip_grad"], attrs["beta1"],
               attrs["beta2"], float(correction2), attrs["epsilon"], float(scale))
    return out


def lamb_phase1(weight, grad, mean, var, t, wd, attrs, out):
    """lamb.phase1's compiled form: the LAMB direction into `out` (a fresh array, or a buffer
    that is none of the inputs), `mean` and `var` updated in place."""
    real = weight.dtype.type           # the bias corrections as the NumPy form rounds them
    correction1 = real(1) - real(attrs["beta1"]) ** t
    correction2 = real(1) - real(attrs["beta2"]) ** t
    _lamb_phase1_loop(weight.ravel(), grad.ravel(), mean.ravel(), var.ravel(), out.ravel(),
                      attrs["rescale_grad"], attrs["clip_gradient"], attrs["beta1"],
                      attrs["beta2"], attrs["epsilon"], float(wd), attrs["bias_correction"],
                      float(correction1), float(correction2))
    return out


FAST.update({
    "sgd_update": _sgd_op, "sgd_mom_update": _sgd_mom_op, "nag_mom_update": _nag_op,
    "mp_nag_mom_update": _mp_nag_op, "signsgd_update": _signsgd_op,
    "signum_update": _signum_op, "adam_update": _adam_op, "rmsprop_update": _rmsprop_op,
    "rmspropalex_update": _rmspropalex_op, "ftrl_update": _ftrl_op, "ftml_update": _ftml_op,
})
