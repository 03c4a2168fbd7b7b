"""Winograd's F(2x2, 3x3) convolution (ops/nn/_conv_winograd.py) against a direct NumPy one."""
import numpy as np
import pytest

from mxnb import compiled
from mxnb.ops.nn import _conv_winograd as winograd
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


@pytest.mark.parametrize("shape,filters,pad", GEOMETRIES)
@pytest.mark.parametrize("dtype,tolerance", [(np.float32, 2e-6), (np.float64, 1e-13)])
def test_forward_and_data_gradient_match_the_definition(shape, filters, pad, dtype, tolerance):
    rng = np.random.default_rng(sum(shape) + filters)
    data = rng.standard_normal(shape).astype(dtype)
    weight = rng.standard_normal((filters, shape[1], 3, 3)).astype(dtype)
    bias = rng.standard_normal(filters).astype(dtype)
    want = direct(data, weight, bias, pad)
    got = winograd.forward(data, weight, bias, pad, want.shape[2:])
    assert got.dtype == dtype and got.shape == want.shape
    assert relative_error(got, want) < tolerance
    ograd = rng.standard_normal(want.shape).astype(dtype)
    grad = winograd.data_gradient(ograd, weight, pad, shape)
    assert grad.dtype == dtype and grad.shape == shape
    assert relative_error(grad, direct_data_gradient(ograd, weight, pad, shape)) < tolerance


def test_no_bias_and_strided_inputs():
    rng = np.random.default_rng(7)
    data = rng.standard_normal((4, 16, 10, 10)).astype(np.float32)[::2]     # every other image
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    got = winograd.forward(data, weight, None, (1, 1), (10, 10))
    assert relative_error(got, direct(data, weight, None, (1, 1))) < 2e-6


def test_split_over_threads_equals_one_piece(monkeypatch):
    """Large enough to be split by image over threads: the same numbers as in one piece."""
    from mxnb.ops.nn import _conv_parallel
    rng = np.random.default_rng(3)
    data = rng.standard_normal((8, 16, 24, 24)).astype(np.float32)
    weight = rng.standard_normal((16, 16, 3, 3)).astype(np.float32)
    split = winograd.forward(data, weight, None, (1, 1), (24, 24))
    monkeypatch.setattr(_conv_parallel, "cpu_threads", lambda: 1)
    whole = winograd.forward(data, weight, None, (1, 1), (24, 24))
    assert np.array_equal(split, whole)


def test_applies_only_where_it_is_correct_and_pays():
    data = np.zeros((2, 16, 8, 8), np.float32)
    weight = np.zeros((16, 16, 3, 3), np.float32)
    geometry = dict(kernel=(3, 3), stride=(1, 1), dilate=(1, 1), pad=(1, 1), groups=1)
    assert winograd.applies(np, data, weight, **geometry)
    for change in (dict(kernel=(5, 5)), dict(stride=(2, 2)), dict(dilate=(2, 2)),
                   dict(pad=(3, 1)), dict(groups=2)):
        assert not winograd.applies(np, data, weight, **dict(geometry, **change))
    assert not winograd.applies(np, data[:, :8], weight[:, :8], **geometry)     # few channels
    assert not winograd.applies(np, data, weight[:8], **geometry)               # few filters
    assert not winograd.applies(np, data[:, :, :4, :4], weight, **geometry)     # small images
    assert not winograd.applies(np, data.astype(np.float16), weight.astype(np.float16), **geometry)
    with compiled.use_compiled(False):
        assert not winograd.applies(np, data, weight, **geometry)


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
    assert relative_error(grad(), im2col) < 2e-6
    assert relative_error(winograd.data_gradient(og.asnumpy(), w.asnumpy(), (1, 1), x.shape),
                          grad()) == 0


def test_a_layer_without_kept_columns_runs_its_forward_through_it(monkeypatch):
    """Where Convolution keeps no columns (large layers; here any, by lowering the threshold),
    its forward is Winograd's, and forward and all gradients agree with NumPy's forms."""
    import mxnb as mx
    from mxnb.ops.nn import _conv_columns
    monkeypatch.setattr(_conv_columns, "_PIECES_FROM_ELEMENTS", 1)
    calls = []
    forward = winograd.forward
    monkeypatch.setattr(winograd, "forward", lambda *a: calls.append(1) or forward(*a))
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((3, 16, 10, 10), (16, 16, 3, 3), (16,))]

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
    assert calls
    for g, r in zip(got, reference):
        assert relative_error(g, r) < 2e-6
