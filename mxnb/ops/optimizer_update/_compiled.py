"""Compiled forms of the in-place optimizer updates (mxnb.compiled): one loop that reads each
weight, gradient and state element once and writes the weight and states once, where the NumPy
forms in sgd.py / adaptive.py stream every array through memory half a dozen times.

Each loop does the NumPy form's float operations in the same order on the same operands, in the
arrays' precision (the coefficients arrive as scalars of the weight's dtype, computed on the
host exactly as the NumPy form computes them), so the results are bit-equal to it. A loop
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

__all__ = ["usable", "FAST", "sgd", "sgd_mom"]

_FLOATS = (numpy.dtype(numpy.float32), numpy.dtype(numpy.float64))

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


def _real(dtype):
    """The NumPy forms' `coefficient`: numbers (and the preloaded rates' NumPy scalars) as
    scalars of the arrays' dtype."""
    return dtype.type


def _flat(a):
    return a.reshape(-1)


# --- the loops ---------------------------------------------------------------------------------
# No literal takes part in arithmetic (a Python 1 would be float64 to numba and widen a float32
# expression; comparing with 0 is exact and harmless): every coefficient comes in as a scalar
# of the arrays' dtype. sign(x) * c is written c, -c or (x - x) * c: np.sign's 1, -1, +0 (for
# ±0) or NaN, times c.

@compiled.kernel
def _sgd_loop(weight, grad, rescale, bound, clipping, lr, decay):
    for i in range(weight.size):
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        weight[i] = weight[i] * decay - g * lr


@compiled.kernel
def _sgd_mom_loop(weight, grad, mom, rescale, bound, clipping, lr, lr_wd, decaying,
                  momentum):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        g = g * lr
        if decaying:
            g = g + w * lr_wd
        m = mom[i] * momentum - g
        mom[i] = m
        weight[i] = w + m


@compiled.kernel
def _nag_loop(weight, grad, mom, rescale, bound, clipping, lr, wd, momentum):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        g = (g + w * wd) * lr
        m = mom[i] * momentum - g
        mom[i] = m
        weight[i] = (w + m * momentum) - g


@compiled.kernel
def _mp_nag_loop(weight32, grad, mom, rescale, bound, clipping, lr, wd, momentum):
    # MXNet's mp_nag_mom_update: the stored momentum is recomputed from the new weight
    for i in range(weight32.size):
        w = weight32[i]
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        step = (w * wd + g) * lr
        new = (w + (mom[i] * momentum - step) * momentum) - step
        m = mom[i] * momentum - (g + new * wd) * lr
        mom[i] = m
        weight32[i] = new


@compiled.kernel
def _signsgd_loop(weight, grad, rescale, bound, clipping, lr, decay):
    for i in range(weight.size):
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        if g > 0:
            step = lr
        elif g < 0:
            step = -lr
        else:
            step = (g - g) * lr
        weight[i] = weight[i] * decay - step


@compiled.kernel
def _signum_loop(weight, grad, mom, rescale, bound, clipping, lr, wd, keep, momentum,
                 decay):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        g = (g + w * wd) * keep
        m = mom[i] * momentum - g
        mom[i] = m
        if m > 0:
            step = lr
        elif m < 0:
            step = -lr
        else:
            step = (m - m) * lr
        weight[i] = w * decay + step


@compiled.kernel
def _adam_loop(weight, grad, mean, var, rescale, bound, clipping, wd, decaying, beta1,
               keep1, beta2, keep2, epsilon, lr):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if decaying:
            g = g + w * wd
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        m = mean[i] * beta1 + g * keep1
        v = var[i] * beta2 + (g * g) * keep2
        mean[i] = m
        var[i] = v
        weight[i] = w - (m / (numpy.sqrt(v) + epsilon)) * lr


@compiled.kernel
def _rmsprop_loop(weight, grad, n, rescale, wd, bound, clipping, gamma1, keep1, epsilon,
                  lr, weight_bound, weight_clipping):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * wd
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        s = n[i] * gamma1 + (g * g) * keep1
        n[i] = s
        new = w - (g / numpy.sqrt(s + epsilon)) * lr
        if weight_clipping:
            if new > weight_bound:
                new = weight_bound
            elif new < -weight_bound:
                new = -weight_bound
        weight[i] = new


@compiled.kernel
def _rmspropalex_loop(weight, grad, n, mean, delta, rescale, wd, bound, clipping, gamma1,
                      keep1, gamma2, epsilon, lr, weight_bound, weight_clipping):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * wd
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        s = n[i] * gamma1 + (g * g) * keep1
        a = mean[i] * gamma1 + g * keep1
        d = delta[i] * gamma2 - (g / numpy.sqrt((s - a * a) + epsilon)) * lr
        n[i] = s
        mean[i] = a
        delta[i] = d
        new = w + d
        if weight_clipping:
            if new > weight_bound:
                new = weight_bound
            elif new < -weight_bound:
                new = -weight_bound
        weight[i] = new


@compiled.kernel
def _ftrl_loop(weight, grad, z, n, rescale, bound, clipping, lr, lamda1, beta, wd):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        old = n[i]
        s = old + g * g
        root = numpy.sqrt(s)
        zz = (z[i] + g) - ((root - numpy.sqrt(old)) * w) / lr
        n[i] = s
        z[i] = zz
        if zz > 0:
            signed = lamda1
        elif zz < 0:
            signed = -lamda1
        else:
            signed = (zz - zz) * lamda1
        new = (signed - zz) / ((beta + root) / lr + wd)
        if not abs(zz) > lamda1:          # |z| <= lamda1 (or NaN): times 0, as NumPy's mask
            new = new * (zz - zz)
        weight[i] = new


@compiled.kernel
def _ftml_loop(weight, grad, d, v, z, rescale, wd, bound, clipping, beta1, keep1, beta2,
               keep2, correction2, epsilon, scale):
    for i in range(weight.size):
        w = weight[i]
        g = grad[i] * rescale + w * wd
        if clipping:
            if g > bound:
                g = bound
            elif g < -bound:
                g = -bound
        s = v[i] * beta2 + (g * g) * keep2
        d_t = (numpy.sqrt(s / correction2) + epsilon) * scale
        zz = (z[i] * beta1 + g * keep1) - (d_t - d[i] * beta1) * w
        v[i] = s
        z[i] = zz
        d[i] = d_t
        weight[i] = -zz / d_t


# --- the host side: coefficients as the NumPy forms compute them, then one loop ----------------

def _into(weight, out):
    """The flat array a loop updates in place: the weight when it is `out` (the optimizers'
    call), else `out` holding a copy of the weight (a loop reading one array and writing
    another that may be the same memory cannot be vectorized, so there is one array)."""
    if out is not weight:
        numpy.copyto(out, weight)
    return out.reshape(-1)


def _clipping(real, clip_gradient):
    return real(clip_gradient), clip_gradient >= 0


def sgd(weight, grad, lr, wd, rescale_grad, clip_gradient, out):
    """sgd_step's compiled form: the new weight into `out`."""
    real = _real(weight.dtype)
    bound, clipping = _clipping(real, clip_gradient)
    _sgd_loop(_into(weight, out), _flat(grad), real(rescale_grad), bound, clipping,
              real(lr), real(1) - real(lr) * real(wd))
    return out


def sgd_mom(weight, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient, out):
    """sgd_mom_step's compiled form: `mom` updated in place, the new weight into `out`."""
    real = _real(weight.dtype)
    bound, clipping = _clipping(real, clip_gradient)
    _sgd_mom_loop(_into(weight, out), _flat(grad), _flat(mom), real(rescale_grad), bound,
                  clipping, real(lr), real(lr) * real(wd), bool(wd), real(momentum))
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
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    _nag_loop(_into(w, out), _flat(g), _flat(m), real(attrs["rescale_grad"]), bound,
              clipping, real(attrs["lr"]), real(attrs["wd"]), real(attrs["momentum"]))
    return out


def _mp_nag_op(inputs, attrs, out):
    w, g, m, w32 = inputs
    real = _real(w32.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    _mp_nag_loop(_flat(w32), _flat(g), _flat(m), real(attrs["rescale_grad"]), bound,
                 clipping, real(attrs["lr"]), real(attrs["wd"]), real(attrs["momentum"]))
    if out is not w32:
        numpy.copyto(out, w32)
    return out


def _signsgd_op(inputs, attrs, out):
    w, g = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    lr = real(attrs["lr"])
    _signsgd_loop(_into(w, out), _flat(g), real(attrs["rescale_grad"]), bound, clipping,
                  lr, real(1) - lr * real(attrs["wd"]))
    return out


def _signum_op(inputs, attrs, out):
    w, g, m = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    momentum, lr = real(attrs["momentum"]), real(attrs["lr"])
    _signum_loop(_into(w, out), _flat(g), _flat(m), real(attrs["rescale_grad"]), bound,
                 clipping, lr, real(attrs["wd"]), real(1) - momentum, momentum,
                 real(1) - lr * real(attrs["wd_lh"]))
    return out


def _adam_op(inputs, attrs, out):
    w, g, mean, var = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    b1, b2 = real(attrs["beta1"]), real(attrs["beta2"])
    _adam_loop(_into(w, out), _flat(g), _flat(mean), _flat(var),
               real(attrs["rescale_grad"]), bound, clipping, real(attrs["wd"]), bool(attrs["wd"]),
               b1, real(1) - b1, b2, real(1) - b2, real(attrs["epsilon"]), real(attrs["lr"]))
    return out


def _rmsprop_op(inputs, attrs, out):
    w, g, n = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    weight_bound, weight_clipping = _clipping(real, attrs["clip_weights"])
    gamma1 = real(attrs["gamma1"])
    _rmsprop_loop(_into(w, out), _flat(g), _flat(n), real(attrs["rescale_grad"]),
                  real(attrs["wd"]), bound, clipping, gamma1, real(1) - gamma1,
                  real(attrs["epsilon"]), real(attrs["lr"]), weight_bound, weight_clipping)
    return out


def _rmspropalex_op(inputs, attrs, out):
    w, g, n, mean, delta = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    weight_bound, weight_clipping = _clipping(real, attrs["clip_weights"])
    gamma1 = real(attrs["gamma1"])
    _rmspropalex_loop(_into(w, out), _flat(g), _flat(n), _flat(mean), _flat(delta),
                      real(attrs["rescale_grad"]), real(attrs["wd"]), bound, clipping, gamma1,
                      real(1) - gamma1, real(attrs["gamma2"]), real(attrs["epsilon"]),
                      real(attrs["lr"]), weight_bound, weight_clipping)
    return out


def _ftrl_op(inputs, attrs, out):
    w, g, z, n = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_gradient"])
    _ftrl_loop(_into(w, out), _flat(g), _flat(z), _flat(n), real(attrs["rescale_grad"]),
               bound, clipping, real(attrs["lr"]), real(attrs["lamda1"]), real(attrs["beta"]),
               real(attrs["wd"]))
    return out


def _ftml_op(inputs, attrs, out):
    w, g, d, v, z = inputs
    real = _real(w.dtype)
    bound, clipping = _clipping(real, attrs["clip_grad"])
    beta1, beta2, t = real(attrs["beta1"]), real(attrs["beta2"]), attrs["t"]
    _ftml_loop(_into(w, out), _flat(g), _flat(d), _flat(v), _flat(z),
               real(attrs["rescale_grad"]), real(attrs["wd"]), bound, clipping, beta1,
               real(1) - beta1, beta2, real(1) - beta2, real(1) - beta2 ** t,
               real(attrs["epsilon"]), (real(1) - beta1 ** t) / real(attrs["lr"]))
    return out


FAST.update({
    "sgd_update": _sgd_op, "sgd_mom_update": _sgd_mom_op, "nag_mom_update": _nag_op,
    "mp_nag_mom_update": _mp_nag_op, "signsgd_update": _signsgd_op,
    "signum_update": _signum_op, "adam_update": _adam_op, "rmsprop_update": _rmsprop_op,
    "rmspropalex_update": _rmspropalex_op, "ftrl_update": _ftrl_op, "ftml_update": _ftml_op,
})
