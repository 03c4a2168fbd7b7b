"""The compiled pooling kernels (mxnb/ops/nn/_pool_compiled.py) against the NumPy forms they
replace, on the same inputs: forward and backward, max, avg and sum, 1-D and 2-D windows with
padding, overlaps, the full and same conventions and count_include_pad. Inputs are drawn from a
few values (so windows tie) with NaNs, infinities and signed zeros mixed in, and the results
must be bit-equal: the kernels perform the NumPy forms' float operations in the same order."""
import numpy as np
import pytest

from mxnb import compiled
from mxnb.ops import registry
from mxnb.ops.nn import _pool_compiled
from .compiled_forms import needs_numba

pytestmark = needs_numba

# (kernel, stride, pad, extra attributes), 2-D unless the kernel says otherwise.
GEOMETRIES = [
    ((2, 2), (2, 2), (0, 0), {}),                                     # LeNet's (pairs kernels)
    ((3, 3), (2, 2), (1, 1), {}),                                     # ResNet stem
    ((3, 3), (1, 1), (1, 1), {}),
    ((2, 3), (1, 2), (1, 0), {"pooling_convention": "full"}),
    ((3, 3), (3, 3), (0, 0), {"pooling_convention": "full"}),
    ((3, 2), (2, 2), (0, 0), {"pooling_convention": "same"}),
    ((3, 3), (2, 1), (1, 2), {"count_include_pad": False}),
    ((5, 4), (1, 2), (2, 1), {}),                                     # > 16 positions: argmax
    ((3,), (2,), (1,), {}),
    ((4,), (1,), (0,), {"pooling_convention": "full"}),
]


def _special_values(rng, shape, dtype):
    """Few distinct values (ties) plus NaN, +-inf and -0.0 in a few places."""
    x = rng.randint(-2, 3, shape).astype(dtype)
    flat = x.reshape(-1)
    picks = rng.choice(flat.size, 4 * 4, replace=False).reshape(4, 4)
    flat[picks[0]] = np.nan
    flat[picks[1]] = np.inf
    flat[picks[2]] = -np.inf
    flat[picks[3]] = -0.0
    return x


@pytest.fixture(autouse=True)
def kernel_calls(monkeypatch):
    """Counts calls of the compiled kernels' entry points (to see that they were taken)."""
    calls = []
    for name in ("pairs_forward", "pairs_backward", "pool_forward", "pool_backward",
                 "global_max_backward"):
        def spy(*args, _real=getattr(_pool_compiled, name), **kwargs):
            calls.append(_real)
            return _real(*args, **kwargs)
        monkeypatch.setattr(_pool_compiled, name, spy)
    return calls


def _both_forms(op_name, inputs, attrs, calls, compiles=True):
    """The operator's result with compiled kernels off, then on (when they take the case, as
    `compiles` says, one is called)."""
    op = registry.get(op_name)
    parsed = op.parse_attrs(attrs)
    results = []
    for flag in (False, True):
        del calls[:]
        with compiled.use_compiled(flag):
            results.append(op.compute(np, [a.copy() for a in inputs], parsed))
        assert len(calls) == (flag and compiles), "compiled kernels called %d times" % len(calls)
    return results


def _assert_bit_equal(numpy_form, compiled_form):
    assert numpy_form.shape == compiled_form.shape and numpy_form.dtype == compiled_form.dtype
    same = numpy_form.view(np.uint8) == compiled_form.view(np.uint8)
    both_nan = np.isnan(numpy_form) & np.isnan(compiled_form)      # NaN payloads may differ
    differ = ~(same.reshape(numpy_form.shape + (-1,)).all(-1) | both_nan)
    assert not differ.any(), "differ at %s: %s vs %s" % (
        np.argwhere(differ)[:3].tolist(), numpy_form[differ][:3], compiled_form[differ][:3])


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=lambda g: "k%s_s%s_p%s%s" % (
    "x".join(map(str, g[0])), "x".join(map(str, g[1])), "x".join(map(str, g[2])),
    "".join("_%s" % v for v in g[3].values())))
@pytest.mark.parametrize("kind", ["max", "avg", "sum"])
def test_compiled_pooling_is_bit_equal_to_numpy(geometry, kind, kernel_calls):
    kernel, stride, pad, extra = geometry
    attrs = dict(kernel=kernel, stride=stride, pad=pad, pool_type=kind, **extra)
    dtype = "float32"
    rng = np.random.RandomState(len(kernel) * 7 + sum(kernel))
    shape = (2, 3) + ((9, 11) if len(kernel) == 2 else (13,))
    backward_compiles = _pool_compiled.takes_backward(kind, (kernel, stride))
    for data in (_special_values(rng, shape, dtype), rng.randint(0, 3, shape).astype(dtype)):
        y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls)
        _assert_bit_equal(y_numpy, y_compiled)
        for head in (rng.uniform(-2, 2, y_numpy.shape).astype(dtype),
                     _special_values(rng, y_numpy.shape, dtype)):
            g_numpy, g_compiled = _both_forms("_backward_Pooling", [head, data, y_numpy], attrs,
                                              kernel_calls, compiles=backward_compiles)
            _assert_bit_equal(g_numpy, g_compiled)


@pytest.mark.parametrize("shape", [(2, 3, 8, 6), (2, 3, 7, 9)], ids=["covered", "remainder"])
def test_pair_kernels_decide_every_tie_and_nan_as_numpy(shape, kernel_calls):
    """All 16 patterns of four values in {0, 1} and with a NaN in each place, under both forms."""
    values = np.array([[(p >> k) & 1 for k in range(4)] for p in range(16)], np.float32)
    with_nan = np.repeat(values, 4, axis=0)
    with_nan[np.arange(64), np.tile(np.arange(4), 16)] = np.nan
    windows = np.concatenate([values, with_nan, -values, np.zeros((1, 4), np.float32) * -1])
    count = shape[0] * shape[1] * (shape[2] // 2) * (shape[3] // 2)
    picks = windows[np.arange(count) % len(windows)].reshape(
        shape[0], shape[1], shape[2] // 2, shape[3] // 2, 2, 2)
    data = np.zeros(shape, np.float32)
    data[:, :, :shape[2] // 2 * 2, :shape[3] // 2 * 2] = \
        picks.transpose(0, 1, 2, 4, 3, 5).reshape(shape[0], shape[1], shape[2] // 2 * 2, -1)
    attrs = dict(kernel=(2, 2), stride=(2, 2), pool_type="max")
    y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls)
    _assert_bit_equal(y_numpy, y_compiled)
    head = np.random.RandomState(0).uniform(-1, 1, y_numpy.shape).astype(np.float32)
    g_numpy, g_compiled = _both_forms("_backward_Pooling", [head, data, y_numpy], attrs, kernel_calls)
    _assert_bit_equal(g_numpy, g_compiled)


SPLIT_CASES = [
    ((5, 3, 8, 6), dict(kernel=(2, 2), stride=(2, 2), pool_type="max")),      # pairs kernels
    ((5, 3, 7, 9), dict(kernel=(2, 2), stride=(2, 2), pool_type="max")),      # a remainder
    ((5, 3, 9, 9), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max")),   # stem
    ((5, 3, 9, 9), dict(kernel=(3, 3), stride=(3, 3), pool_type="max",
                        pooling_convention="full")),                            # disjoint
    ((5, 3, 9, 9), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg")),
]


@pytest.mark.parametrize("shape, attrs", SPLIT_CASES,
                         ids=["pairs", "pairs_remainder", "stem_max", "disjoint_max", "avg"])
def test_kernels_split_over_threads_give_the_same_bits(monkeypatch, shape, attrs, kernel_calls):
    """The kernels split by image over two threads (LeNet's first pooling and a ResNet stem's
    are): the NumPy form's bits, forward and backward, an odd batch split unevenly, remainder
    rows zero."""
    from mxnb.ops.nn import _conv_parallel
    monkeypatch.setattr(_pool_compiled, "_SPLIT_FORWARD_FROM", 0)
    monkeypatch.setattr(_pool_compiled, "_SPLIT_BACKWARD_FROM", 0)
    monkeypatch.setattr(_conv_parallel, "_threads", 2)
    monkeypatch.setattr(_conv_parallel, "_MIN_ELEMENTS", 0)
    splits = []
    real = _conv_parallel.parallel_batches
    monkeypatch.setattr(_conv_parallel, "parallel_batches",
                        lambda xp, work, n, *rest: splits.append(n) or real(xp, work, n, *rest))
    rng = np.random.RandomState(8)
    data = _special_values(rng, shape, "float32")
    y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls)
    _assert_bit_equal(y_numpy, y_compiled)
    head = _special_values(rng, y_numpy.shape, "float32")
    backward_compiles = _pool_compiled.takes_backward(attrs["pool_type"],
                                                      (attrs["kernel"], attrs["stride"]))
    g_numpy, g_compiled = _both_forms("_backward_Pooling", [head, data, y_numpy], attrs,
                                      kernel_calls, compiles=backward_compiles)
    _assert_bit_equal(g_numpy, g_compiled)
    assert splits == [5] * (1 + backward_compiles)


def test_channel_last_and_strided_inputs_take_the_compiled_kernels(kernel_calls):
    """Non-contiguous data (NHWC moved to channel-first, a sliced ograd) gives the same bits."""
    rng = np.random.RandomState(5)
    data = rng.randint(0, 3, (2, 7, 6, 4)).astype(np.float32)           # NHWC
    attrs = dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max", layout="NHWC")
    y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls)
    _assert_bit_equal(y_numpy, y_compiled)
    head = rng.uniform(-1, 1, y_numpy.shape[:3] + (8,)).astype(np.float32)[..., ::2]
    g_numpy, g_compiled = _both_forms("_backward_Pooling", [head, data, y_numpy], attrs, kernel_calls)
    _assert_bit_equal(g_numpy, g_compiled)


def test_float64_keeps_the_numpy_form(kernel_calls):
    """Only float32 is compiled (one signature per kernel); float64 pooling runs as NumPy."""
    data = np.random.RandomState(4).uniform(-1, 1, (2, 3, 6, 6))
    for attrs in (dict(kernel=(2, 2), stride=(2, 2), pool_type="max"),
                  dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="avg")):
        y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls, compiles=False)
        _assert_bit_equal(y_numpy, y_compiled)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_second_order_gradients_agree_under_both_forms(kind, kernel_calls):
    """The gradient of <dL/dx, v> through autograd(create_graph=True): avg pooling's backward is
    linear (its gradient is the pooling again), max pooling's has no data gradient; both run the
    compiled kernels and give the NumPy form's bits."""
    from mxnb import autograd, nd
    rng = np.random.RandomState(6)
    x0 = rng.uniform(-1, 1, (2, 3, 9, 9)).astype(np.float32)
    v0 = rng.uniform(-1, 1, x0.shape).astype(np.float32)
    head0 = rng.uniform(-1, 1, (2, 3, 5, 5)).astype(np.float32)
    results = []
    for flag in (False, True):
        del kernel_calls[:]
        with compiled.use_compiled(flag):
            x = nd.array(x0)
            x.attach_grad()
            with autograd.record():
                y = nd.Pooling(x, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type=kind)
                (first,) = autograd.grad(y, [x], head_grads=nd.array(head0), create_graph=True,
                                         retain_graph=True)
                inner = (first * nd.array(v0)).sum() + (y * y).sum()
            inner.backward()
            results.append((first.asnumpy(), x.grad.asnumpy()))
        assert bool(kernel_calls) == flag
    for numpy_form, compiled_form in zip(*results):
        _assert_bit_equal(numpy_form, compiled_form)


@pytest.mark.parametrize("shape", [(0, 3, 8, 8), (2, 3, 0, 8), (2, 3, 8, 0), (0, 3, 9)])
def test_empty_data_pools_to_the_inferred_shape(shape, kernel_calls):
    """Empty data (padded or not) gives the empty result infer_shape promises, under both forms."""
    nd_kernel = (3, 3)[:len(shape) - 2]
    for attrs in (dict(kernel=nd_kernel, stride=(2, 2)[:len(nd_kernel)], pool_type="avg"),
                  dict(kernel=nd_kernel, stride=(2, 2)[:len(nd_kernel)], pad=(1, 1)[:len(nd_kernel)])):
        expected = registry.get("Pooling").infer_shape(
            registry.get("Pooling").parse_attrs(attrs), [shape])[1][0]
        y_numpy, y_compiled = _both_forms("Pooling", [np.ones(shape, np.float32)], attrs,
                                          kernel_calls, compiles=False)
        assert y_numpy.shape == y_compiled.shape == expected
        g_numpy, g_compiled = _both_forms(
            "_backward_Pooling", [np.ones(expected, np.float32), np.ones(shape, np.float32),
                                  y_numpy], attrs, kernel_calls, compiles=False)
        assert g_numpy.shape == g_compiled.shape == shape


@pytest.mark.parametrize("shape", [(2, 3, 4, 5), (2, 3, 7), (1, 2, 2, 3, 2), (2, 3, 1, 1)],
                         ids=["2d", "1d", "3d", "1x1"])
def test_global_max_backward_is_bit_equal_to_numpy(shape, kernel_calls):
    """Global max pooling's gradient (the compiled argmax per channel) against the NumPy form,
    with ties, NaNs, infinities and signed zeros in the data and the ograd."""
    rng = np.random.RandomState(len(shape))
    attrs = dict(kernel=(1,) * (len(shape) - 2), global_pool=True, pool_type="max")
    for data in (_special_values(rng, (8,) + shape[1:], "float32"),
                 rng.randint(0, 2, shape).astype(np.float32)):
        y_numpy, y_compiled = _both_forms("Pooling", [data], attrs, kernel_calls, compiles=False)
        _assert_bit_equal(y_numpy, y_compiled)
        head = _special_values(rng, y_numpy.shape, "float32") if y_numpy.size >= 16 else \
            np.array([-0.0, 1.5, -2.0, np.inf, np.nan, 3.0] * 4, np.float32)[:y_numpy.size] \
            .reshape(y_numpy.shape)
        g_numpy, g_compiled = _both_forms("_backward_Pooling", [head, data, y_numpy], attrs,
                                          kernel_calls)
        _assert_bit_equal(g_numpy, g_compiled)
