"""A seeded fuzz test of every operator's argument domains (issue 6).

From each harness Case (every operator has at least one) it builds random calls: attribute values drawn from each
declared domain (its bounds and just outside them, every choice of an Enum and one that is not),
tuples of random lengths, inputs of random dtypes, and now and then inputs of another shape. Each
call must either give the NumPy reference's result (the Case's, where it accepts the same call)
or raise an MXNetError naming the operator. Never another exception type, and never a result of
another shape than the reference's. A value outside its declared domain must always raise.

The seed is fixed (MXNB_FUZZ_SEED changes it) so a failure reproduces; the message shows the call.
"""
import collections
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from mxnb.ops import registry

from .test_registry_coverage import all_cases

SEED = int(os.environ.get("MXNB_FUZZ_SEED", "0"))
CALLS_PER_CASE = 40
DTYPES = (np.float32, np.float64, np.float16)
TOLERANCE = {np.float16: (2e-2, 2e-2), np.float32: (1e-4, 1e-5), np.float64: (1e-6, 1e-8)}
# Attributes that pick devices or data types, or count inputs: not argument domains.
SKIP = {"ctx", "dtype", "out_dtype", "num_args"}
# Operators whose outputs are random: their calls are checked for errors and shapes only.
RANDOM = {name for name, op in registry.all_operators().items() if op.needs_rng}


def _inside(rng, bounds):
    """A value in [low, high] near its edges (small: the calls stay cheap)."""
    kind, low, high, low_open, high_open = bounds
    if kind == "float":
        lo = low if low is not None else (high - 2.0 if high is not None else -2.0)
        hi = high if high is not None else lo + 3.0
        value = float(rng.choice([lo, hi, lo + (hi - lo) * rng.uniform()]))
        if (low_open and value == low) or (high_open and value == high):
            value = lo + (hi - lo) * 0.5
        return value
    lo = low if low is not None else (high - 3 if high is not None else -1)
    hi = high if high is not None else lo + 3
    return int(rng.randint(lo, hi + 1))


def _outside(rng, bounds):
    """A value just outside [low, high], or None when the domain is unbounded."""
    kind, low, high, low_open, high_open = bounds
    step = float(rng.choice([0.5, 1.0, 3.0])) if kind == "float" else int(rng.choice([1, 2]))
    sides = []
    if low is not None:
        sides.append(low if low_open else low - step)
    if high is not None:
        sides.append(high if high_open else high + step)
    return sides[rng.randint(len(sides))] if sides else None


def _draw(rng, param):
    """(value, outside): a value for `param` and whether it lies outside the declared domain."""
    if param.choices is not None:
        if rng.uniform() < 0.15:
            return "bogus_choice", True
        return param.choices[rng.randint(len(param.choices))], False
    bounds = param.bounds
    if bounds is None:
        return None, False
    outside = rng.uniform() < 0.4
    if bounds[0] == "shape":
        n = int(rng.randint(1, 4))
        elements = [_inside(rng, ("int",) + bounds[1:]) for _ in range(n)]
        if outside:
            bad = _outside(rng, ("int",) + bounds[1:])
            if bad is None:
                return tuple(elements), False
            elements[rng.randint(n)] = bad
        return tuple(elements), outside
    if outside:
        value = _outside(rng, bounds)
        if value is not None:
            return value, True
    return _inside(rng, bounds), False


def _inputs(rng, case, dtype, reshape):
    arrays = []
    for a in case.inputs:
        if reshape and a.ndim and rng.uniform() < 0.5:
            shape = tuple(int(d) for d in rng.randint(1, 4, size=max(1, a.ndim + rng.randint(-1, 2))))
            a = (rng.uniform(-1, 1, shape) if np.issubdtype(a.dtype, np.floating)
                 else rng.randint(0, 3, shape).astype(a.dtype))
        arrays.append(a.astype(dtype) if np.issubdtype(a.dtype, np.floating) else a)
    return arrays


def _names(op):
    return (op.name,) + op.aliases


def _one_call(rng, case, op, tally):
    """Builds and runs one call; returns a sentence describing a failure, or None. `tally`
    counts what each call checked."""
    attrs = dict(case.attrs)
    outside = []
    candidates = [k for k, p in op.params.items()
                  if k not in SKIP and (getattr(p, "choices", None) is not None
                                        or getattr(p, "bounds", None) is not None)]
    for key in [str(k) for k in rng.permutation(candidates)[:rng.randint(0, 3)]] if candidates else ():
        value, out = _draw(rng, op.params[key])
        if value is None:
            continue
        attrs[key] = value
        if out:
            outside.append(key)
    dtype = DTYPES[rng.randint(len(DTYPES))]
    # Backward kernels are called by the gradient pass with the shapes it inferred; their
    # attributes are fuzzed, not their input shapes.
    reshaped = not op.name.startswith("_backward_") and rng.uniform() < 0.2
    arrays = _inputs(rng, case, dtype, reshape=reshaped)
    call = "%s(%s, %s)" % (case.op, ", ".join("%s %s" % (a.shape, a.dtype) for a in arrays), attrs)
    try:
        with np.errstate(all="ignore"):
            got = getattr(nd, case.op)(*[nd.array(a, dtype=a.dtype) for a in arrays], **attrs)
            got = [g.asnumpy() for g in (got if isinstance(got, (list, tuple)) else [got])]
    except MXNetError as exc:
        tally["refused (outside a domain)" if outside else "refused (inside the domains)"] += 1
        if not any(name in str(exc) for name in _names(op)):
            return "%s: MXNetError without the operator's name: %s" % (call, exc)
        return None
    except Exception as exc:    # noqa: BLE001 (any other type is the failure being looked for)
        return "%s raised %s: %s" % (call, type(exc).__name__, exc)
    if outside:
        return "%s: %s outside the declared domain, accepted" % (call, outside)
    problem = _check_inferred_shapes(op, attrs, arrays, got, call)
    tally["computed, shapes checked against shape inference"] += 1
    if problem or case.reference is None or op.name in RANDOM:
        return problem
    if reshaped or any(attrs.get(k) != v for k, v in case.attrs.items()) or set(attrs) - set(case.attrs):
        return None             # the Case's reference is written for the Case's call
    tally["computed, values checked against the reference"] += 1
    return _check_reference(case, attrs, arrays, got, dtype, call)


def _check_inferred_shapes(op, attrs, arrays, got, call):
    """The result has the shapes the operator's shape inference (what symbols use) gives."""
    attrs = dict(attrs)
    if op.variadic:                 # nd.* counts the inputs itself
        attrs.setdefault(op.variadic, len(arrays))
    parsed = op.parse_attrs(attrs)
    try:
        _, out_shapes = op.infer_shape(parsed, [tuple(a.shape) for a in arrays])
    except MXNetError as exc:
        return "%s: computed a result although shape inference refuses the call: %s" % (call, exc)
    for i, (g, inferred) in enumerate(zip(got, out_shapes)):
        if inferred is not None and 0 not in inferred and tuple(inferred) != g.shape:
            return "%s: output %d has shape %s, shape inference says %s" % (call, i, g.shape,
                                                                           tuple(inferred))
    return None


def _check_reference(case, attrs, arrays, got, dtype, call):
    try:
        with np.errstate(all="ignore"):
            expected = case.reference(*arrays, **attrs)
        expected = [np.asarray(e) for e in (expected if isinstance(expected, (list, tuple)) else [expected])]
    except Exception:           # noqa: BLE001 (the reference does not cover this call)
        return None
    if len(expected) != len(got):
        return None             # the reference describes another output layout
    rtol, atol = TOLERANCE[dtype]
    rtol, atol = max(rtol, case.rtol), max(atol, case.atol)
    for g, e in zip(got, expected):
        if g.shape != e.shape:
            return "%s: result of shape %s, the reference's is %s" % (call, g.shape, e.shape)
        if e.dtype.kind in "fc" or g.dtype.kind in "fc":
            if not np.allclose(g.astype(np.float64), e.astype(np.float64), rtol=rtol, atol=atol,
                               equal_nan=True):
                worst = np.nanmax(np.abs(g.astype(np.float64) - e.astype(np.float64)))
                return "%s: differs from the reference by up to %g" % (call, worst)
        elif not np.array_equal(g, e):
            return "%s: differs from the reference" % call
    return None


def _cases():
    """Every harness Case with a reference (not the custom checks of random operators)."""
    return [case for case in all_cases() if case.check is None]


def run_fuzz(seed=SEED, calls_per_case=CALLS_PER_CASE):
    """(number of calls, failures, tally of what was checked) of one fuzz run."""
    rng = np.random.RandomState(seed)
    calls, failures, tally = 0, [], collections.Counter()
    for case in _cases():
        op = registry.get(case.op)
        for _ in range(calls_per_case):
            calls += 1
            problem = _one_call(rng, case, op, tally)
            if problem:
                failures.append(problem)
    return calls, failures, tally


def test_random_calls_match_the_reference_or_raise_a_clear_error(capsys):
    calls, failures, tally = run_fuzz()
    with capsys.disabled():
        print("\nfuzz: %d operator calls (seed %d): %s" % (calls, SEED, dict(tally)))
    assert calls >= 5000
    assert tally["refused (outside a domain)"] >= 300       # the domains are exercised
    assert tally["computed, values checked against the reference"] >= 500
    assert not failures, "%d of %d calls:\n%s" % (len(failures), calls, "\n".join(failures[:30]))


if __name__ == "__main__":
    n, bad, counts = run_fuzz()
    print("%d calls, %d failures: %s" % (n, len(bad), dict(counts)))
    print("\n".join(bad[:80]))
