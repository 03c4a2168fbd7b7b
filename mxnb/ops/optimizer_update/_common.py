"""Shared pieces of the optimizer update operators: parameters, shape/type rules, clipping,
and the scratch buffers that let the updates run without weight-sized temporaries."""
import threading

from . import _compiled
from ...base import AttributeParseError, MXNetError, parse_float
from ...ops.registry import Param
from ..params import Float, REQUIRED

__all__ = ["FloatTuple", "RESCALE", "CLIP", "WD", "LR", "rescaled", "weight_shape",
           "weight_type", "write", "coefficient", "clip", "scratch", "rescaled_into",
           "release_scratch", "in_place", "chunked", "CHUNK", "IN_PLACE"]

# op name -> kernel(xp, inputs, attrs, outs) that writes each new weight into outs[i] (which may
# be the weight itself) with at most a few cached scratch buffers: what the optimizers call
# with out=weight (mxnb/optimizer/inplace.py). Not Operator.compute_out: a memory plan checks
# such kernels by running them again, and an update run twice would move its states twice.
IN_PLACE = {}


def _parse_float_tuple(value):
    if isinstance(value, str):
        text = value.strip()
        if text[:1] in "([" and text[-1:] in ")]":
            text = text[1:-1]
        value = [p for p in (s.strip() for s in text.split(",")) if p]
    elif not isinstance(value, (tuple, list)):
        try:
            return (parse_float(value),)
        except AttributeParseError:
            raise AttributeParseError("expected a tuple of numbers, found %r" % (value,)) from None
    return tuple(parse_float(v) for v in value)


def FloatTuple(default=REQUIRED, doc=""):
    """A tuple of floats (MXNet's `tuple of <float>`: per-weight learning rates, ...)."""
    return Param(_parse_float_tuple, default, doc)


LR = Float(doc="Learning rate")
WD = Float(0.0, doc="Weight decay augments the objective function with a regularization term "
                    "that penalizes large weights.")
RESCALE = Float(1.0, doc="Rescale gradient to grad = rescale_grad*grad.")
CLIP = Float(-1.0, doc="Clip gradient to the range of [-clip_gradient, clip_gradient]; "
                       "clip_gradient < 0 turns clipping off.")


def coefficient(dtype):
    """A function giving a coefficient in the arrays' precision, as MXNet's kernels compute
    them (1.f - lr * wd in float32): numbers become `dtype` scalars, 0-d device arrays (the
    preloaded learning rates) are cast on the device."""
    real = _COEFFICIENTS.get(dtype)
    if real is None:
        make = dtype.type

        def real(value):
            if type(value) is float or not hasattr(value, "ndim"):
                return make(value)
            return value.astype(dtype)
        _COEFFICIENTS[dtype] = real
    return real


_COEFFICIENTS = {}      # dtype -> its `coefficient` function (made once: every update asks)


def rescaled(xp, grad, rescale_grad, clip_gradient, dtype=None):
    """clip(rescale_grad * grad, clip_gradient) as a new array (MXNet clips when clip >= 0)."""
    if dtype is not None and grad.dtype != dtype:
        grad = grad.astype(dtype)
    g = grad * grad.dtype.type(rescale_grad)
    if clip_gradient >= 0:
        xp.clip(g, -clip_gradient, clip_gradient, out=g)
    return g


_SCRATCH = threading.local()


def scratch(xp, like, slot=0):
    """A scratch array shaped and typed as `like`, on its device: a view of a flat buffer kept
    per thread, device, dtype and slot, grown to the largest size asked for, so an update
    allocates nothing once every weight has been seen. Valid until the next call for the same
    slot; never returned to callers as a result."""
    try:
        cache = _SCRATCH.buffers
    except AttributeError:
        cache = _SCRATCH.buffers = {}
    device = getattr(like, "device", None)         # NumPy 2: "cpu"; CuPy: a Device (by id)
    key = (xp, getattr(device, "id", device), like.dtype, slot)
    buf = cache.get(key)
    size = like.size
    if buf is None or buf.size < size:
        buf = cache[key] = xp.empty(size, like.dtype)
    return buf[:size].reshape(like.shape)


# An in-place update on NumPy runs over pieces of this many elements: its half-dozen passes then
# stay in the CPU's cache instead of streaming every weight-sized array through memory each
# time, and the scratch buffers are at most one piece long. (Elementwise: the same numbers.)
CHUNK = 1 << 16


def chunked(xp, run, arrays, out):
    """`run(arrays, out)` over CHUNK-element pieces of `arrays` and `out` when they are NumPy
    arrays of one size, all C-contiguous; in one call otherwise (CuPy, small or odd arrays)."""
    size = out.size
    if xp.__name__ != "numpy" or size <= CHUNK or not out.flags.c_contiguous:
        return run(arrays, out)
    for a in arrays:
        if a.size != size or not a.flags.c_contiguous:
            return run(arrays, out)
    flat = [a.reshape(-1) for a in arrays]
    whole = out.reshape(-1)
    for start in range(0, size, CHUNK):
        end = start + CHUNK
        run([a[start:end] for a in flat], whole[start:end])
    return out


def in_place(name, run, mixed=False):
    """Registers `run(xp, inputs, attrs, out)` (a single-output update writing its new weight
    into `out`, which may be the weight itself) as `name`'s IN_PLACE kernel; returns the
    operator's `compute`, which is `run` with out=None (a fresh result).

    Inputs of several dtypes (float32 states of a float16 weight) compute in the precision
    NumPy's promotion gives, and the result is cast into the weight at the end; writing into a
    float16 `out` step by step would round differently, so such calls compute a fresh result
    and copy it, unless `mixed` says the operator is written for them (the mp_ ones).

    Where `name` has a compiled form (`_compiled.FAST`) and `_compiled.usable` says it applies
    (NumPy arrays of one float dtype, compiled kernels enabled), that runs instead of `run`:
    the same numbers in one pass over the arrays."""
    fast = _compiled.FAST.get(name)

    def kernel(xp, inputs, attrs, outs):
        out = outs[0]
        if fast is not None and _compiled.usable(xp, inputs, out):
            return [fast(inputs, attrs, out)]
        if not mixed:
            for a in inputs:
                if a.dtype != out.dtype:
                    out[...] = run(xp, inputs, attrs, None)
                    return [out]
        return [chunked(xp, lambda arrays, piece: run(xp, arrays, attrs, piece), inputs, out)]

    def compute(xp, inputs, attrs):
        if fast is not None and _compiled.usable(xp, inputs):
            return fast(inputs, attrs, xp.empty(inputs[0].shape, inputs[0].dtype))
        return run(xp, inputs, attrs, None)
    IN_PLACE[name] = kernel
    return staticmethod(compute)


def release_scratch():
    """Frees this thread's scratch buffers (they are made again when next needed)."""
    _SCRATCH.buffers = {}


def rescaled_into(xp, grad, rescale_grad, clip_gradient, out):
    """clip(rescale_grad * grad, clip_gradient) written into `out` (in out's precision, the
    gradient cast first as `rescaled` does)."""
    xp.multiply(grad, out.dtype.type(rescale_grad), out=out, dtype=out.dtype)
    if clip_gradient >= 0:
        xp.clip(out, -clip_gradient, clip_gradient, out=out)
    return out


def clip(xp, arr, bound):
    if bound >= 0:
        xp.clip(arr, -bound, bound, out=arr)
    return arr


def write(state, value):
    """Stores `value` in the state array in place (MXNet's mutable inputs)."""
    state[...] = value


def weight_shape(attrs, in_shapes):
    """Every input and the output share the weight's shape (the first known one)."""
    known = next((s for s in in_shapes if s is not None), None)
    for s in in_shapes:
        if s is not None and known is not None and tuple(s) != tuple(known):
            raise MXNetError("optimizer update: expected inputs of one shape, found %s"
                             % ([tuple(x) if x is not None else None for x in in_shapes],))
    return [known] * len(in_shapes), [known]


def weight_type(attrs, in_types):
    """The output has the weight's (first input's) dtype; states keep theirs."""
    return list(in_types), [in_types[0]]
