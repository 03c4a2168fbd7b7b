"""Compiled loops (mxnb.compiled) for Activation's and LeakyReLU's elementwise arithmetic.

Each NumPy form in activation.py is several passes over whole arrays (tanh's gradient: out * out,
1 - that, times ograd); the loops here read and write each element once. They run the same float
operations in the same order as the NumPy forms, with every constant in the arrays' dtype, so the
results are bit-equal. Transcendental functions (exp, tanh, expm1) stay NumPy's: its SIMD
versions are 7 to 50 times faster than the libm calls a compiled loop makes, so a loop that
needs one takes NumPy's result as an input (softrelu's gradient, elu's).

`elementwise(*arrays)` says whether the loops may take the arrays: NumPy arrays of one shape,
C-contiguous, all float32 or all float64, with compiled kernels enabled. Callers fall back to the
NumPy form otherwise (CuPy, other dtypes, strided views, broadcasting).
"""
import numpy

from ... import compiled
from ._conv_parallel import parallel_elementwise

__all__ = ["elementwise", "run", "activation_gradient", "activation_gradient_into", "bias_relu",
           "softsign",
           "sigmoid_finish", "leaky", "leaky_gradient", "elu", "elu_gradient", "gelu",
           "gelu_gradient", "prelu", "prelu_gradient"]

_FLOATS = compiled.FLOATS


def elementwise(*arrays):
    """Whether the compiled loops may take `arrays` (all of one shape and float dtype, NumPy,
    C-contiguous) now."""
    first = arrays[0]
    if type(first) is not numpy.ndarray or first.dtype not in _FLOATS:
        return False
    for a in arrays[1:]:
        if type(a) is not numpy.ndarray or a.shape != first.shape or a.dtype != first.dtype:
            return False
    return all(a.flags.c_contiguous for a in arrays) and compiled.enabled()


def run(loop, arrays, out, *scalars):
    """loop(*flat arrays, flat out, *scalars) over the whole of `out`. Arrays of a million
    elements or more are split over threads (_conv_parallel.parallel_elementwise: below that
    the hand-off costs what the second thread saves, 1.0x on 737k elements). Scalars are cast to
    the arrays' dtype, so the loop computes in that dtype as the NumPy form does."""
    flats = [a.reshape(-1) for a in arrays]
    target = out.reshape(-1)
    typed = [out.dtype.type(s) for s in scalars]
    size = target.size

    def work(lo, hi):
        a, b = size * lo // _PIECES, size * hi // _PIECES
        loop(*[f[a:b] for f in flats], target[a:b], *typed)
    parallel_elementwise(work, _PIECES, size)
    return out


_PIECES = 64        # run's split points: any thread count's share is a whole number of them


# NumPy's maximum(v, 0) and minimum(v, 0): a NaN is kept, and between 0.0 and -0.0 the second
# argument (0.0) is chosen, so signed zeros match bit for bit.
@compiled.kernel
def _max_zero(v, zero):
    return v if v > zero or v != v else zero


@compiled.kernel
def _min_zero(v, zero):
    return v if v < zero or v != v else zero


# --- Activation's gradient: ograd times the local derivative ------------------------------------
@compiled.kernel
def _relu_gradient(og, y, out, one, zero):
    for i in range(out.size):
        out[i] = (one if y[i] > zero else zero) * og[i]      # NumPy: (y > 0) as dtype, *= og


@compiled.kernel
def _tanh_gradient(og, y, out, one):
    for i in range(out.size):
        local = y[i] * y[i]
        local = one - local
        out[i] = local * og[i]


@compiled.kernel
def _sigmoid_gradient(og, y, out, one):
    for i in range(out.size):
        local = one - y[i]
        local = local * y[i]
        out[i] = local * og[i]


@compiled.kernel
def _softsign_gradient(og, x, out, one):
    for i in range(out.size):
        local = one + abs(x[i])
        local = local * local
        local = one / local
        out[i] = local * og[i]


@compiled.kernel
def _softrelu_gradient(og, e, one):
    # e = exp(-x) from NumPy, overwritten: sigmoid(x) = 1 / (e + 1), then times ograd. One array
    # read and written (not e and an out that is e): LLVM vectorizes a loop only when it can
    # tell its arrays apart, and 1 / y unvectorized is slower than NumPy's two passes.
    for i in range(e.size):
        local = e[i] + one
        local = one / local
        e[i] = local * og[i]


# The same three over ograd in place (a fused chain's buffer): one array read and written, so
# the loops vectorize (LLVM cannot tell og from an out that is og; see _softrelu_gradient).
@compiled.kernel
def _relu_gradient_inplace(y, og, one, zero):
    for i in range(og.size):
        og[i] = (one if y[i] > zero else zero) * og[i]


@compiled.kernel
def _tanh_gradient_inplace(y, og, one):
    for i in range(og.size):
        local = y[i] * y[i]
        local = one - local
        og[i] = local * og[i]


@compiled.kernel
def _sigmoid_gradient_inplace(y, og, one):
    for i in range(og.size):
        local = one - y[i]
        local = local * y[i]
        og[i] = local * og[i]


_GRADIENT = {"relu": (_relu_gradient, _relu_gradient_inplace, (1, 0)),
             "tanh": (_tanh_gradient, _tanh_gradient_inplace, (1,)),
             "sigmoid": (_sigmoid_gradient, _sigmoid_gradient_inplace, (1,))}


def activation_gradient_into(act, og, y, out):
    """relu's, tanh's or sigmoid's gradient (from the output y) written into `out`, which may be
    og itself: True when a compiled loop did it, False where the caller's NumPy form should."""
    loops = _GRADIENT.get(act)
    if loops is None or not elementwise(og, y, out) or out is y:
        return False
    if out is og:
        run(loops[1], (y,), og, *loops[2])
    elif numpy.may_share_memory(out, og) or numpy.may_share_memory(out, y):
        return False
    else:
        run(loops[0], (og, y), out, *loops[2])
    return True


def activation_gradient(act, og, y, x):
    """_backward_Activation's result by a compiled loop, or None where the NumPy form runs."""
    if act == "relu" or act == "tanh" or act == "sigmoid":
        if not elementwise(og, y):
            return None
        out = numpy.empty_like(og)
        if act == "relu":
            return run(_relu_gradient, (og, y), out, 1, 0)
        return run(_tanh_gradient if act == "tanh" else _sigmoid_gradient, (og, y), out, 1)
    if not elementwise(og, x):
        return None
    out = numpy.empty_like(og)
    if act == "softsign":
        return run(_softsign_gradient, (og, x), out, 1)
    with numpy.errstate(over="ignore"):        # exp(-x) overflows to inf: sigmoid 0, as MXNet
        numpy.negative(x, out=out)
        numpy.exp(out, out=out)
    return run(_softrelu_gradient, (og,), out, 1)


# --- Activation's forward -----------------------------------------------------------------------
@compiled.kernel
def _bias_relu(out, bias, zero):
    # out = max(out + bias, 0) row by row, in place (NumPy: out += bias; maximum(out, 0))
    rows, columns = out.shape
    for i in range(rows):
        row = out[i]
        for j in range(columns):
            v = row[j] + bias[j]
            row[j] = _max_zero(v, zero)      # maximum(v, 0): NaN kept, -0.0 -> 0


def bias_relu(out, bias):
    """max(out + bias, 0) in place over a (rows, columns) product in one pass: True, or False
    where the caller's NumPy form should run."""
    if (type(out) is not numpy.ndarray or out.ndim != 2 or out.dtype not in _FLOATS
            or type(bias) is not numpy.ndarray or bias.dtype != out.dtype
            or bias.shape != (out.shape[1],) or not out.flags.c_contiguous
            or not bias.flags.c_contiguous or not compiled.enabled()):
        return False
    _bias_relu(out, bias, out.dtype.type(0))
    return True


@compiled.kernel
def _softsign(x, out, one):
    for i in range(out.size):
        out[i] = x[i] / (one + abs(x[i]))


@compiled.kernel
def _reciprocal_of_one_plus(e, one):
    for i in range(e.size):         # in place, one array (see _softrelu_gradient)
        e[i] = one / (e[i] + one)


def softsign(x):
    """x / (1 + |x|) in one pass (the NumPy form's three), or None."""
    if not elementwise(x):
        return None
    return run(_softsign, (x,), numpy.empty_like(x), 1)


def sigmoid_finish(e):
    """1 / (1 + e) in place over e = exp(-x): the last two of the sigmoid's four passes in one,
    or None."""
    if not elementwise(e):
        return None
    return run(_reciprocal_of_one_plus, (), e, 1)


# --- LeakyReLU ('leaky') ------------------------------------------------------------------------
@compiled.kernel
def _leaky_small_slope(x, out, slope):
    for i in range(out.size):
        a = x[i]
        b = a * slope
        # NumPy's maximum: a NaN wins; of two equal values (0.0 and -0.0) the second
        out[i] = a if a > b or a != a else b


@compiled.kernel
def _leaky_large_slope(x, out, slope):
    for i in range(out.size):
        a = x[i]
        b = a * slope
        out[i] = a if a < b or a != a else b


@compiled.kernel
def _one_or_times(og, x, out, value, one, zero):
    # activation.py's _one_or (1 + 0 or 0 + value, exactly), then times ograd
    for i in range(out.size):
        positive = one if x[i] > zero else zero
        local = (one - positive) * value + positive
        out[i] = og[i] * local


def leaky(x, slope):
    """x or slope * x (the larger for slope <= 1, else the smaller) in one pass, or None."""
    if not elementwise(x):
        return None
    loop = _leaky_small_slope if slope <= 1 else _leaky_large_slope
    return run(loop, (x,), numpy.empty_like(x), slope)


def leaky_gradient(og, x, slope):
    """ograd times (1 where x > 0, else slope) in one pass, or None."""
    if not elementwise(og, x):
        return None
    return run(_one_or_times, (og, x), numpy.empty_like(og), slope, 1, 0)


# --- LeakyReLU ('elu', 'selu'): NumPy's expm1/exp, then one compiled pass -----------------------
@compiled.kernel
def _elu_finish(x, t, scale, lam, zero):
    # t = expm1(min(x, 0)) in, (t * scale + max(x, 0)) * lam out (lam 1 for elu: exact)
    for i in range(t.size):
        v = x[i]
        positive = _max_zero(v, zero)
        local = t[i] * scale
        local = local + positive
        t[i] = local * lam


@compiled.kernel
def _elu_gradient_finish(og, x, t, scale, lam, one, zero):
    # t = exp(min(x, 0)) in; og * (((1 - p) * t * scale + p) * lam) out, p = (x > 0)
    for i in range(t.size):
        curve = t[i] * scale
        positive = one if x[i] > zero else zero
        local = one - positive
        local = local * curve
        local = local + positive
        local = local * lam
        t[i] = og[i] * local


def _negative_part(x, function):
    """function(min(x, 0)) by NumPy, in a new array."""
    t = numpy.minimum(x, 0)
    function(t, out=t)
    return t


def elu(x, scale, lam=1.0):
    """(scale * expm1(min(x, 0)) + max(x, 0)) * lam: NumPy's expm1, then one pass; or None."""
    if not elementwise(x):
        return None
    return run(_elu_finish, (x,), _negative_part(x, numpy.expm1), scale, lam, 0)


def elu_gradient(og, x, scale, lam=1.0):
    """og * (1 where x > 0, else scale * exp(x)) * lam: NumPy's exp, then one pass; or None."""
    if not elementwise(og, x):
        return None
    return run(_elu_gradient_finish, (og, x), _negative_part(x, numpy.exp), scale, lam, 1, 0)


# --- LeakyReLU ('gelu'): activation.erf's polynomial in one pass, given NumPy's exp --------------
_ERF = (0.3275911, 0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


@compiled.kernel
def _erf(z, e, one, zero, c0, c1, c2, c3, c4, c5):
    """activation.erf(z) given e = exp(-z * z), each operation as NumPy evaluates it."""
    t = one / (one + c0 * abs(z))
    poly = t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * c5))))
    sign = one if z > zero else (-one if z < zero else (z if z != z else zero))
    return sign * (one - poly * e)


@compiled.kernel
def _gelu_finish(x, e, root_half, half, one, zero, c0, c1, c2, c3, c4, c5):
    # e in; 0.5 * x * (1 + erf(x / sqrt 2)) out
    for i in range(e.size):
        v = x[i]
        erf = _erf(v * root_half, e[i], one, zero, c0, c1, c2, c3, c4, c5)
        e[i] = (half * v) * (one + erf)


@compiled.kernel
def _gelu_gradient_finish(og, x, e, pdf_exp, root_half, half, root_two_pi, one, zero,
                          c0, c1, c2, c3, c4, c5):
    # e as above and pdf_exp = exp(-0.5 x^2) in; og * (cdf + x pdf) out, into pdf_exp
    for i in range(e.size):
        v = x[i]
        erf = _erf(v * root_half, e[i], one, zero, c0, c1, c2, c3, c4, c5)
        cdf = half * (one + erf)
        local = cdf + (v * pdf_exp[i]) * root_two_pi
        pdf_exp[i] = og[i] * local


def _erf_exp(x, root_half):
    """exp(-z * z) for z = x * root_half, as activation.erf's NumPy form computes it."""
    z = x * root_half
    e = numpy.negative(z)
    e *= z
    return numpy.exp(e, out=e)


def gelu(x, root_half):
    """0.5 * x * (1 + erf(x * root_half)): NumPy's exp, then one pass; or None."""
    if not elementwise(x):
        return None
    return run(_gelu_finish, (x,), _erf_exp(x, root_half), root_half, 0.5, 1, 0, *_ERF)


def gelu_gradient(og, x, root_half, root_two_pi):
    """og * (cdf(x) + x * exp(-x^2 / 2) * root_two_pi): NumPy's two exps, one pass; or None."""
    if not elementwise(og, x):
        return None
    e = _erf_exp(x, root_half)
    pdf_exp = numpy.multiply(-0.5, x)
    pdf_exp *= x
    numpy.exp(pdf_exp, out=pdf_exp)
    return run(_gelu_gradient_finish, (og, x, e), pdf_exp, root_half, 0.5, root_two_pi, 1, 0,
               *_ERF)


# --- LeakyReLU ('prelu'): one slope per channel of axis 1, over the data viewed as (N, C, M) ------
@compiled.kernel
def _prelu(x, gamma, out, zero):
    # min(x, 0) * gamma[c] + max(x, 0), as activation._positive_or
    batch, channels, size = x.shape
    for n in range(batch):
        for c in range(channels):
            g = gamma[c]
            row, dst = x[n, c], out[n, c]
            for m in range(size):
                v = row[m]
                negative = _min_zero(v, zero)
                positive = _max_zero(v, zero)
                dst[m] = negative * g + positive


@compiled.kernel
def _prelu_gradient(og, x, gamma, out, gamma_sums, lanes, one, zero):
    # out = og * ((1 - p) * gamma[c] + p), p = (x > 0); gamma_sums[c] = sum(min(x, 0) * og), the
    # products rounded in the data's dtype as NumPy's, summed in M float64 lanes per channel
    batch, channels, size = x.shape
    for c in range(channels):
        g = gamma[c]
        for m in range(size):
            lanes[m] = 0.0
        for n in range(batch):
            grad, row, dst = og[n, c], x[n, c], out[n, c]
            for m in range(size):
                v = row[m]
                positive = one if v > zero else zero
                local = (one - positive) * g + positive
                dst[m] = grad[m] * local
                negative = _min_zero(v, zero)
                lanes[m] += negative * grad[m]
        total = 0.0
        for m in range(size):
            total += lanes[m]
        gamma_sums[c] = total


def _channels(x, gamma):
    """x as (N, C, M) around axis 1 and gamma as C slopes in x's dtype; None where the loops do
    not apply (a NumPy form's broadcasting: 1-D data)."""
    if x.ndim < 2:
        return None
    x3 = x.reshape(x.shape[0], x.shape[1], -1)
    slopes = numpy.ascontiguousarray(numpy.broadcast_to(gamma.reshape(-1), (x.shape[1],)),
                                     dtype=x.dtype)
    return x3, slopes


def prelu(x, gamma):
    """min(x, 0) * gamma + max(x, 0), gamma per channel of axis 1 (or one); or None."""
    channels = _channels(x, gamma) if elementwise(x) and gamma.dtype == x.dtype else None
    if channels is None:
        return None
    x3, slopes = channels
    out = numpy.empty_like(x)
    _prelu(x3, slopes, out.reshape(x3.shape), x.dtype.type(0))
    return out


def prelu_gradient(og, x, gamma):
    """(data gradient, gamma gradient) of prelu, or None: the gamma gradient's sums run in
    float64 (NumPy's pairwise float32 sums reordered: equal within rounding), for rows of 8 or
    more elements (convolutions' layouts; dense data keeps the NumPy form)."""
    if (not elementwise(og, x) or gamma.dtype != x.dtype or x.ndim < 3
            or x.size < 8 * x.shape[0] * x.shape[1]):
        return None
    x3, slopes = _channels(x, gamma)
    out = numpy.empty_like(og)
    sums = numpy.empty(x3.shape[1])
    _prelu_gradient(og.reshape(x3.shape), x3, slopes, out.reshape(x3.shape), sums,
                    numpy.empty(x3.shape[2]), x.dtype.type(1), x.dtype.type(0))
    grad_gamma = sums.sum() if gamma.size == 1 else sums
    return out, numpy.asarray(grad_gamma, dtype=gamma.dtype).reshape(gamma.shape)
