"""Winograd's convolutions, F(2x2, 3x3) and F(4x4, 3x3) (ops/nn/_winograd_f23.py and
_winograd_f43.py, run by _conv_winograd.py), against a direct NumPy one, and where Convolution
uses them."""
import numpy as np
import pytest

from mxnb import compiled
from mxnb.ops.nn import _conv_winograd as winograd, _winograd_f23, _winograd_f43
from .compiled_forms import needs_numba

pytestmark = needs_numba


def direct(data, weight, bias, pad):
    """Cross-correlation by its definition: a sum over the 3x3 window for every output."""
    padded = np.pad(data, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1])))
    out_h, out_w = padded.shape[2] - 2, padded.shape[3] - 2
    out = np.zeros((data.shape[0], weight.shape[0], out_h, out_w))
    for i in range(3):
        for j in range(3):
            window = padded[:, :, i:i + out_h, j:j + out_w].astype(np.float64)
            out += np.einsum("nchw,kc->nkhw", window, weight[:, :, i, j].astype(np.float64))
    if bias is not None:
        out += bias[None, :, None, None]
    return out


def direct_data_gradient(ograd, weight, pad, data_shape):
    """Each output's gradient spread back over the window it read."""
    n, c, h, w = data_shape
    grad = np.zeros((n, c, h + 2 * pad[0], w + 2 * pad[1]))
    for i in range(3):
        for j in range(3):
            grad[:, :, i:i + ograd.shape[2], j:j + ograd.shape[3]] += np.einsum(
                "nkhw,kc->nchw", ograd.astype(np.float64), weight[:, :, i, j].astype(np.float64))
    return grad[:, :, pad[0]:pad[0] + h, pad[1]:pad[1] + w]


def relative_error(got, want):
    return np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)


# Odd and even sizes (the last tile row or column half outside the output), every padding the
# transform takes, one output row, more or fewer filters than channels.
GEOMETRIES = [
    ((2, 16, 7, 5), 16, (1, 1)),
    ((1, 17, 6, 9), 19, (0, 2)),
    ((3, 16, 4, 4), 20, (2, 0)),
    ((2, 18, 3, 3), 16, (0, 0)),
    ((1, 16, 1, 8), 16, (1, 1)),
    ((2, 32, 12, 13), 24, (1, 1)),
]


def direct_weight_gradient(ograd, data, pad):
    """Each filter tap's gradient: ograd times the data under it, over the batch."""
    padded = np.pad(data, ((0, 0), (0, 0), (pad[0], pad[0]), (pad[1], pad[1]))).astype(np.float64)
    out_h, out_w = ograd.shape[2:]
    grad = np.zeros((ograd.shape[1], data.shape[1], 3, 3))
    for i in range(3):
        for j in range(3):
            grad[:, :, i, j] = np.einsum("nkhw,nchw->kc", ograd.astype(np.float64),
                                         padded[:, :, i:i + out_h, j:j + out_w])
    return grad


# Float32 bounds: F(4x4, 3x3)'s transforms multiply by up to 8 and divide by 24 before summing,
# and lose about 4 more bits than F(2x2, 3x3)'s.
FORMS = [(_winograd_f23, np.float32, 2e-6), (_winograd_f23, np.float64, 1e-13),
         (_winograd_f43, np.float32, 1e-5), (_winograd_f43, np.float64, 1e-13)]


def form_id(form):
    return "%s-%s" % (form[0].__name__.rsplit("_", 1)[-1], np.dtype(form[1]).name)


@pytest.mark.parametrize("shape,filters,pad", GEOMETRIES)
@pytest.mark.parametrize("form", FORMS, ids=form_id)
def test_forward_and_data_gradient_match_the_definition(shape, filters, pad, form):
    module, dtype, tolerance = form
    rng = np.random.default_rng(sum(shape) + filters)
    data = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((filters, shape[1], 3, 3)).astype(dtype)
    bias = rng.standard_normal(filters).astype(dtype)
    want = direct(data, weight, bias, pad)
    got = winograd.forward(data, weight, bias, pad, want.shape[2:], form=module)
    assert got.dtype == dtype and got.shape == want.shape
    assert relative_error(got, want) < tolerance
    ograd = rng.standard_normal(want.shape).astype(dtype)
    grad = winograd.data_gradient(ograd, weight, pad, shape, form=module)
    assert grad.dtype == dtype and grad.shape == shape
    assert relative_error(grad, direct_data_gradient(ograd, weight, pad, shape)) < tolerance


@pytest.mark.parametrize("shape,filters,pad", GEOMETRIES)
@pytest.mark.parametrize("form", FORMS, ids=form_id)
def test_weight_gradient_matches_the_definition(shape, filters, pad, form):
    module, dtype, tolerance = form
    rng = np.random.default_rng(sum(shape) * filters)
    data = rng.standard_normal(shape).astype(dtype)
    out_shape = (shape[2] + 2 * pad[0] - 2, shape[3] + 2 * pad[1] - 2)
    ograd = rng.standard_normal((shape[0], filters) + out_shape).astype(dtype)
    grad, _ = winograd.weight_gradient(ograd, data, pad, form=module)
    assert grad.dtype == dtype and grad.shape == (filters, shape[1], 3, 3)
    assert relative_error(grad, direct_weight_gradient(ograd, data, pad)) < tolerance
    grad_w, grad_b = winograd.weight_gradient(ograd, data, pad, bias=True)
    chosen = _winograd_f43 if min(out_shape) >= 8 else _winograd_f23
    assert np.array_equal(grad_w, winograd.weight_gradient(ograd, data, pad, form=chosen)[0])
    assert np.allclose(grad_b, ograd.sum(axis=(0, 2, 3)))


@pytest.mark.parametrize("form", [_winograd_f23, _winograd_f43], ids=["f23", "f43"])
def test_no_bias_and_strided_inputs(form):
    rng = np.random.default_rng(7)
    data = rng.standard_normal((4, 16, 10, 10)).astype(np.float32)[::2]     # every other image
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    got = winograd.forward(data, weight, None, (1, 1), (10, 10), form=form)
    assert relative_error(got, direct(data, weight, None, (1, 1))) < 1e-5
    ograd = rng.standard_normal((4, 16, 10, 10)).astype(np.float32)[1::2]
    assert relative_error(winograd.weight_gradient(ograd, data, (1, 1), form=form)[0],
                          direct_weight_gradient(ograd, data, (1, 1))) < 1e-5


@pytest.mark.parametrize("form", [_winograd_f23, _winograd_f43], ids=["f23", "f43"])
def test_split_over_threads_equals_one_piece(form, monkeypatch):
    """Large enough to be split over threads by whole chunks of images (the last one short
    here): the same numbers as in one piece. The split runs each thread's products on one
    BLAS thread, so the piece compared with runs on one BLAS thread too: OpenBLAS may pick
    another kernel for two threads (on znver3 its results then differ in the last bits)."""
    from mxnb import blas_threads
    from mxnb.ops.nn import _conv_parallel
    set_threads = blas_threads.blas_thread_setter()
    if set_threads is None:
        pytest.skip("NumPy's BLAS thread count cannot be set here, so the split does not run")
    rng = np.random.default_rng(3)
    n = 2 * winograd._CHUNK + 3
    data = rng.standard_normal((n, 16, 24, 24)).astype(np.float32)
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    ograd = rng.standard_normal((n, 16, 24, 24)).astype(np.float32)
    splits = []
    real = _conv_parallel.parallel_batches
    counting = lambda xp, work, n, *rest: splits.append(n) or real(xp, work, n, *rest)  # noqa
    monkeypatch.setattr(winograd, "parallel_batches", counting)       # the transforms' chunks
    monkeypatch.setattr(_conv_parallel, "parallel_batches", counting)
    split = winograd.forward(data, weight, None, (1, 1), (24, 24), form=form)
    split_grad = winograd.weight_gradient(ograd, data, (1, 1), form=form)[0]
    assert splits, "the products were split over the threads"
    monkeypatch.setattr(_conv_parallel, "cpu_threads", lambda: 1)
    previous = set_threads(1)
    try:
        whole = winograd.forward(data, weight, None, (1, 1), (24, 24), form=form)
        whole_grad = winograd.weight_gradient(ograd, data, (1, 1), form=form)[0]
    finally:
        set_threads(previous)
    assert np.array_equal(split, whole)
    assert np.array_equal(split_grad, whole_grad)


@pytest.mark.parametrize("chunk", [1, 3, 8, 16])
@pytest.mark.parametrize("form", FORMS[::2], ids=form_id)
def test_chunks_of_any_size_give_the_definitions_results(form, chunk, monkeypatch):
    """The transforms take `chunk` images side by side (the last chunk shorter where the batch
    does not divide; 8 and 16 have loops of their own): every pass still equals the direct
    convolution, on a width that is not a whole number of tiles."""
    from mxnb.ops.nn import _conv_parallel
    module, dtype, tolerance = form
    monkeypatch.setattr(winograd, "_CHUNK", chunk)
    monkeypatch.setattr(_conv_parallel, "cpu_threads", lambda: 1)     # one thread: whole chunks
    rng = np.random.default_rng(4)
    shape, pad = (19, 16, 9, 10), (1, 1)
    assert winograd._chunk(shape[0]) == chunk
    data = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((18, 16, 3, 3)).astype(dtype)
    bias = rng.standard_normal(18).astype(dtype)
    want = direct(data, weight, bias, pad)
    assert relative_error(winograd.forward(data, weight, bias, pad, want.shape[2:], form=module),
                          want) < tolerance
    ograd = rng.standard_normal(want.shape).astype(dtype)
    assert relative_error(winograd.data_gradient(ograd, weight, pad, shape, form=module),
                          direct_data_gradient(ograd, weight, pad, shape)) < tolerance
    assert relative_error(winograd.weight_gradient(ograd, data, pad, form=module)[0],
                          direct_weight_gradient(ograd, data, pad)) < tolerance


def test_applies_only_where_it_is_correct_and_pays():
    data = np.zeros((2, 16, 8, 8), np.float32)
    weight = np.zeros((16, 16, 3, 3), np.float32)
    geometry = ((3, 3), (1, 1), (1, 1), (1, 1), (8, 8))

    def applies(data, weight, geometry=geometry, groups=1):
        return winograd.applies(np, data.shape, weight.shape[0], geometry, groups, data, weight)
    assert applies(data, weight)
    for at, change in ((0, (5, 5)), (1, (2, 2)), (2, (2, 2)), (3, (3, 1))):
        assert not applies(data, weight, geometry[:at] + (change,) + geometry[at + 1:])
    assert not applies(data, weight, groups=2)
    assert not applies(data[:, :8], weight[:, :8])      # few channels
    assert not applies(data, weight[:8])                # few filters
    assert applies(data[:, :, :4, :4], weight)
    assert not applies(data[:, :, :3, :8], weight)      # small images
    assert not applies(data.astype(np.float16), weight.astype(np.float16))
    assert not applies(data, weight.astype(np.float64))
    with compiled.use_compiled(False):
        assert not applies(data, weight)
        assert winograd.shaped_for(data.shape, 16, geometry, 1)     # the shape alone still is


def test_the_form_follows_the_output_size():
    """F(4x4, 3x3) from 8x8 outputs (its transforms cost more per output than they save on
    smaller ones), in every pass."""
    assert winograd._form((16, 20)) is _winograd_f43 and winograd._form((8, 9)) is _winograd_f43
    assert winograd._form((7, 32)) is _winograd_f23 and winograd._form((4, 4)) is _winograd_f23


def test_convolutions_data_gradient_takes_it_and_agrees_with_im2col():
    """Through the operator: the same gradient (to float rounding) with the compiled kernels
    as with NumPy's im2col path, for a layer it applies to."""
    import mxnb as mx
    rng = np.random.default_rng(11)
    x = mx.nd.array(rng.standard_normal((2, 16, 9, 9)).astype(np.float32))
    w = mx.nd.array(rng.standard_normal((24, 16, 3, 3)).astype(np.float32))
    og = mx.nd.array(rng.standard_normal((2, 24, 9, 9)).astype(np.float32))

    def grad():
        return mx.nd._backward_Convolution_data(og, x, w, kernel=(3, 3), pad=(1, 1),
                                                num_filter=24).asnumpy()
    with compiled.use_compiled(False):
        im2col = grad()
    assert relative_error(grad(), im2col) < 1e-5      # F(4x4)'s float32 bound (FORMS)
    assert relative_error(winograd.data_gradient(og.asnumpy(), w.asnumpy(), (1, 1), x.shape),
                          grad()) == 0


@pytest.mark.parametrize("side", [6, 10, 16])
def test_a_layer_it_takes_runs_every_pass_through_it(side, monkeypatch):
    """A layer of Winograd's shape keeps no columns (its hidden output is the data, by shape
    inference too); its forward, data gradient and weight gradient are Winograd's (on 6x6
    F(2x2, 3x3), on 10x10 and 16x16 F(4x4, 3x3)), and all agree with NumPy's im2col forms."""
    import mxnb as mx
    from mxnb.ops import registry
    calls = []
    for name in ("forward", "data_gradient", "weight_gradient"):
        monkeypatch.setattr(winograd, name, lambda *a, _f=getattr(winograd, name), _n=name, **k:
                            calls.append(_n) or _f(*a, **k))
    rng = np.random.default_rng(5)
    shapes = ((3, 16, side, side), (16, 16, 3, 3), (16,))
    arrays = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    op = registry.get("Convolution")
    attrs = op.parse_attrs({"kernel": (3, 3), "num_filter": 16, "pad": (1, 1)})
    assert op.infer_shape(attrs, list(shapes))[1][1] == shapes[0]

    def run():
        x, w, b = (mx.nd.array(a) for a in arrays)
        for v in (x, w, b):
            v.attach_grad()
        with mx.autograd.record():
            y = mx.nd.Convolution(x, w, b, kernel=(3, 3), pad=(1, 1), num_filter=16)
        y.backward(mx.nd.array(np.linspace(-1, 1, y.size, dtype=np.float32).reshape(y.shape)))
        return [y.asnumpy(), x.grad.asnumpy(), w.grad.asnumpy(), b.grad.asnumpy()]
    with compiled.use_compiled(False):
        reference = run()
    assert not calls
    got = run()
    assert sorted(calls) == ["data_gradient", "forward", "weight_gradient"]
    for g, r in zip(got, reference):
        assert relative_error(g, r) < 1e-5
