"""gluon.contrib.rnn (MXNet 1.9.1): the convolutional RNN/LSTM/GRU cells, LSTMPCell,
VariationalDropoutCell and rnn_cell.dynamic_unroll, against NumPy references of a step;
unroll equals stepping, hybridized equals imperative, autograd equals finite differences;
parameter names and shapes as MXNet's (so MXNet-saved parameters load)."""
import itertools

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError

contrib_rnn = gluon.contrib.rnn


# --- NumPy references --------------------------------------------------------------------------

def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_conv(x, w, b, pad, dilate):
    """Stride-1 convolution, channels first: x (N, C, *S), w (F, C, *K), b (F,)."""
    dims = x.ndim - 2
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    kernel = w.shape[2:]
    out_size = [xp.shape[2 + i] - dilate[i] * (kernel[i] - 1) for i in range(dims)]
    out = np.zeros((x.shape[0], w.shape[0]) + tuple(out_size))
    for kk in itertools.product(*[range(k) for k in kernel]):
        window = xp[(slice(None), slice(None)) + tuple(
            slice(kk[i] * dilate[i], kk[i] * dilate[i] + out_size[i]) for i in range(dims))]
        out += np.einsum("nc...,fc->nf...", window, w[(slice(None), slice(None)) + kk])
    return out + b.reshape((1, -1) + (1,) * dims)


def _first(a):
    """Channels-last array to channels-first."""
    return np.moveaxis(a, -1, 1)


def _conv_step_ref(kind, layout, x, states, p, i2h_pad, i2h_dilate, h2h_kernel, h2h_dilate):
    """One step of a convolutional cell computed in NumPy (channels first inside)."""
    last = layout[-1] == "C"
    to_first = _first if last else (lambda a: a)
    back = (lambda a: np.moveaxis(a, 1, -1)) if last else (lambda a: a)
    x, states = to_first(x), [to_first(s) for s in states]
    wi, wh = (to_first(p["i2h_weight"]), to_first(p["h2h_weight"])) if last else \
        (p["i2h_weight"], p["h2h_weight"])
    h2h_pad = [d * (k - 1) // 2 for d, k in zip(h2h_dilate, h2h_kernel)]
    i2h = _np_conv(x, wi, p["i2h_bias"], i2h_pad, i2h_dilate)
    h2h = _np_conv(states[0], wh, p["h2h_bias"], h2h_pad, h2h_dilate)
    if kind == "RNN":
        h = np.tanh(i2h + h2h)
        return back(h), [back(h)]
    if kind == "LSTM":
        i, f, g, o = np.split(i2h + h2h, 4, axis=1)
        c = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        return back(h), [back(h), back(c)]
    ir, iz, i_n = np.split(i2h, 3, axis=1)
    hr, hz, h_n = np.split(h2h, 3, axis=1)
    r, z = _sigmoid(ir + hr), _sigmoid(iz + hz)
    h = (1 - z) * np.tanh(i_n + r * h_n) + z * states[0]
    return back(h), [back(h)]


def _lstmp_step_ref(x, states, p):
    gates = x @ p["i2h_weight"].T + p["i2h_bias"] + states[0] @ p["h2h_weight"].T + p["h2h_bias"]
    i, f, g, o = np.split(gates, 4, axis=1)
    c = _sigmoid(f) * states[1] + _sigmoid(i) * np.tanh(g)
    r = (_sigmoid(o) * np.tanh(c)) @ p["h2r_weight"].T
    return r, [r, c]


def _params(cell):
    """{short name: NumPy value} of a cell's parameters."""
    return {k[len(cell.prefix):]: v.data().asnumpy() for k, v in cell.collect_params().items()}


def _random_states(cell, batch, rng):
    return [nd.array(rng.uniform(-1, 1, info["shape"]))
            for info in cell.state_info(batch)]


# --- convolutional cells -----------------------------------------------------------------------

# (kind, dims, layout, input_shape, keyword settings)
CONV_CASES = {
    "rnn1d_pad_dilate": ("RNN", 1, "NCW", (3, 9), dict(i2h_kernel=3, h2h_kernel=5, i2h_pad=1,
                                                        h2h_dilate=2)),
    "lstm2d_rect_dilate": ("LSTM", 2, "NCHW", (3, 6, 7),
                           dict(i2h_kernel=(3, 1), h2h_kernel=3, i2h_dilate=(1, 2))),
    "gru3d_pad": ("GRU", 3, "NCDHW", (2, 4, 5, 6), dict(i2h_kernel=3, h2h_kernel=3,
                                                         i2h_pad=(1, 0, 1))),
    "gru1d_relu": ("GRU", 1, "NCW", (3, 8), dict(i2h_kernel=3, h2h_kernel=(3,))),
    "lstm2d_nhwc": ("LSTM", 2, "NHWC", (6, 7, 3), dict(i2h_kernel=3, h2h_kernel=3, i2h_pad=1)),
    "gru2d_nhwc": ("GRU", 2, "NHWC", (5, 6, 2), dict(i2h_kernel=(1, 3), h2h_kernel=(3, 1))),
    "rnn3d_ndhwc": ("RNN", 3, "NDHWC", (3, 4, 5, 2), dict(i2h_kernel=(1, 3, 3), h2h_kernel=1)),
    "lstm1d_dilate": ("LSTM", 1, "NCW", (2, 10), dict(i2h_kernel=3, h2h_kernel=3, i2h_dilate=2,
                                                      h2h_dilate=2)),
}


def _make_conv(case, **extra):
    kind, dims, layout, input_shape, settings = CONV_CASES[case]
    cls = getattr(contrib_rnn, "Conv%dD%sCell" % (dims, kind))
    cell = cls(input_shape, 2, conv_layout=layout, **dict(settings, **extra))
    cell.initialize(mx.init.Uniform(0.5))
    return cell


def _as_tuple(v, dims):
    return (v,) * dims if isinstance(v, int) else tuple(v)


def _conv_ref(case, x, states, p):
    kind, dims, layout, _, s = CONV_CASES[case]
    return _conv_step_ref(kind, layout, x, states, p, _as_tuple(s.get("i2h_pad", 0), dims),
                          _as_tuple(s.get("i2h_dilate", 1), dims),
                          _as_tuple(s["h2h_kernel"], dims),
                          _as_tuple(s.get("h2h_dilate", 1), dims))


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_cell_step_matches_numpy(case):
    cell = _make_conv(case)
    rng = np.random.RandomState(0)
    x = nd.array(rng.uniform(-1, 1, (2,) + CONV_CASES[case][3]))
    states = _random_states(cell, 2, rng)
    out, next_states = cell(x, states)
    ref, ref_states = _conv_ref(case, x.asnumpy(), [s.asnumpy() for s in states], _params(cell))
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-4, atol=1e-5)
    assert len(next_states) == len(ref_states)
    for got, want, info in zip(next_states, ref_states, cell.state_info(2)):
        assert got.shape == info["shape"]
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["rnn1d_pad_dilate", "lstm2d_nhwc", "gru3d_pad"])
def test_conv_cell_unroll_equals_stepping(case):
    cell = _make_conv(case)
    rng = np.random.RandomState(1)
    seq = rng.uniform(-1, 1, (2, 3) + CONV_CASES[case][3])
    begin = _random_states(cell, 2, rng)
    outs, states = cell.unroll(3, nd.array(seq), begin_state=begin, layout="NTC",
                               merge_outputs=True)
    ref_states = [s.asnumpy() for s in begin]
    p = _params(cell)
    for t in range(3):
        ref, ref_states = _conv_ref(case, seq[:, t], ref_states, p)
        np.testing.assert_allclose(outs[:, t].asnumpy(), ref, rtol=1e-4, atol=1e-5)
    for got, want in zip(states, ref_states):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("case", ["lstm2d_rect_dilate", "gru2d_nhwc", "rnn3d_ndhwc"])
def test_conv_cell_hybridized_equals_imperative(case):
    cell = _make_conv(case)
    rng = np.random.RandomState(2)
    x = nd.array(rng.uniform(-1, 1, (2, 3) + CONV_CASES[case][3]))
    begin = _random_states(cell, 2, rng)
    eager, eager_states = cell.unroll(3, x, begin_state=begin, merge_outputs=True)
    step, _ = cell(x[:, 0], begin)
    cell.hybridize()
    hybrid, hybrid_states = cell.unroll(3, x, begin_state=begin, merge_outputs=True)
    hybrid_step, _ = cell(x[:, 0], begin)
    np.testing.assert_allclose(hybrid.asnumpy(), eager.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hybrid_step.asnumpy(), step.asnumpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(hybrid_states, eager_states):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)


def _finite_difference_check(cell, x, states, weight_names, rtol=1e-5):
    """Autograd's gradients of sum(out * R) + sum(last state * S) for the input and some
    parameters equal central finite differences (float64)."""
    rng = np.random.RandomState(3)
    out0, st0 = cell(x, states)
    r = nd.array(rng.uniform(-1, 1, out0.shape), dtype="float64")
    s = nd.array(rng.uniform(-1, 1, st0[-1].shape), dtype="float64")

    def loss():
        out, next_states = cell(x, states)
        return (out * r).sum() + (next_states[-1] * s).sum()
    x.attach_grad()
    with autograd.record():
        value = loss()
    value.backward()
    targets = [("data", x, x.grad.asnumpy())]
    for name in weight_names:
        param = getattr(cell, name)
        targets.append((name, param.data(), param.grad().asnumpy()))
    eps = 1e-6
    for name, arr, grad in targets:
        flat = arr.reshape((-1,))
        for i in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            orig = flat[i].asscalar()
            flat[i] = orig + eps
            up = loss().asscalar()
            flat[i] = orig - eps
            down = loss().asscalar()
            flat[i] = orig
            numeric = (up - down) / (2 * eps)
            np.testing.assert_allclose(grad.reshape(-1)[i], numeric, rtol=rtol, atol=1e-7,
                                       err_msg="%s[%d]" % (name, i))


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_conv_cell_gradients_match_finite_differences(kind):
    cell = getattr(contrib_rnn, "Conv1D%sCell" % kind)((2, 5), 2, 3, 3, i2h_pad=1)
    cell.initialize(mx.init.Uniform(0.5))
    cell.cast("float64")
    rng = np.random.RandomState(4)
    x = nd.array(rng.uniform(-1, 1, (2, 2, 5)), dtype="float64")
    states = [nd.array(rng.uniform(-1, 1, info["shape"]), dtype="float64")
              for info in cell.state_info(2)]
    _finite_difference_check(cell, x, states, ["i2h_weight", "h2h_weight", "h2h_bias"])


# Parameter and state shapes as MXNet 1.9.1 gives them.
@pytest.mark.parametrize("make, shapes, state_shape", [
    (lambda: contrib_rnn.Conv2DLSTMCell((3, 8, 9), 4, 3, 5),
     [(16, 3, 3, 3), (16, 4, 5, 5), (16,), (16,)], (2, 4, 6, 7)),
    (lambda: contrib_rnn.Conv2DLSTMCell((3, 8, 9), 4, 3, 5, conv_layout="NHWC"),
     [(16, 3, 3, 9), (16, 5, 5, 4), (16,), (16,)], (2, 1, 6, 4)),
    (lambda: contrib_rnn.Conv1DGRUCell((3, 8), 4, 3, 5, i2h_pad=1, i2h_dilate=2, h2h_dilate=2),
     [(12, 3, 3), (12, 4, 5), (12,), (12,)], (2, 4, 6)),
    (lambda: contrib_rnn.Conv3DRNNCell((10, 20, 30, 50), 100, 3, 3),
     [(100, 10, 3, 3, 3), (100, 100, 3, 3, 3), (100,), (100,)], (2, 100, 18, 28, 48)),
])
def test_conv_cell_parameter_and_state_shapes(make, shapes, state_shape):
    cell = make()
    names = ["i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias"]
    params = cell.collect_params()
    assert sorted(params.keys()) == sorted(cell.prefix + n for n in names)
    assert [params[cell.prefix + n].shape for n in names] == shapes
    infos = cell.state_info(2)
    assert all(info["shape"] == state_shape for info in infos)
    assert [s.shape for s in cell.begin_state(batch_size=2)] == [state_shape] * len(infos)


def test_conv_cell_prefixes_and_repr():
    assert contrib_rnn.Conv1DRNNCell((3, 8), 4, 3, 5).prefix.startswith("conv_rnn")
    assert contrib_rnn.Conv1DLSTMCell((3, 8), 4, 3, 5).prefix.startswith("conv_lstm")
    assert contrib_rnn.Conv1DGRUCell((3, 8), 4, 3, 5).prefix.startswith("conv_gru")
    assert repr(contrib_rnn.Conv2DLSTMCell((3, 8, 9), 4, 3, 5, conv_layout="NHWC")) == \
        "Conv2DLSTMCell(9 -> 16, tanh, NHWC)"
    assert repr(contrib_rnn.Conv1DRNNCell((0, 8), 4, 3, 5)) == \
        "Conv1DRNNCell(None -> 4, tanh, NCW)"


def test_conv_cell_infers_input_channels():
    cell = contrib_rnn.Conv1DLSTMCell((0, 7), 3, 3, 3)
    cell.initialize()
    out, _ = cell(nd.ones((2, 5, 7)), cell.begin_state(batch_size=2))
    assert cell.i2h_weight.shape == (12, 5, 3)
    assert out.shape == (2, 3, 5)


def test_conv_cell_symbol_unroll_names_and_shapes():
    cell = contrib_rnn.Conv2DGRUCell((4, 6, 7), 5, 3, 3, prefix="rnn_")
    inputs = [mx.sym.var("rnn_t%d_data" % i) for i in range(2)]
    outputs, _ = cell.unroll(2, inputs)
    group = mx.sym.Group(outputs)
    assert group.list_outputs() == ["rnn_t0_out_output", "rnn_t1_out_output"]
    _, out_shapes, _ = group.infer_shape(rnn_t0_data=(1, 4, 6, 7), rnn_t1_data=(1, 4, 6, 7))
    assert out_shapes == [(1, 5, 4, 5)] * 2


def test_conv_cell_with_activation_block():
    cell = contrib_rnn.Conv1DRNNCell((2, 5), 3, 3, 3, activation=gluon.nn.LeakyReLU(0.1))
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.RandomState(5)
    x, h = rng.uniform(-1, 1, (2, 2, 5)), rng.uniform(-1, 1, (2, 3, 3))
    out, _ = cell(nd.array(x), [nd.array(h)])
    p = _params(cell)
    pre = _np_conv(x, p["i2h_weight"], p["i2h_bias"], [0], [1]) + \
        _np_conv(h, p["h2h_weight"], p["h2h_bias"], [1], [1])
    np.testing.assert_allclose(out.asnumpy(), np.where(pre > 0, pre, 0.1 * pre), rtol=1e-5,
                               atol=1e-6)


def test_conv_cells_stack_in_sequential_cell():
    net = gluon.rnn.SequentialRNNCell()
    net.add(contrib_rnn.Conv1DLSTMCell((5, 7), 4, 3, 3))
    net.add(contrib_rnn.Conv1DGRUCell((4, 5), 3, 3, 3))
    net.initialize()
    outs, states = net.unroll(3, nd.ones((2, 3, 5, 7)), merge_outputs=True)
    assert outs.shape == (2, 3, 3, 3)
    assert [s.shape for s in states] == [(2, 4, 5), (2, 4, 5), (2, 3, 3)]


def test_conv_cell_bad_settings_raise():
    with pytest.raises(AssertionError, match="odd"):
        contrib_rnn.Conv1DRNNCell((3, 8), 4, 3, 4)
    with pytest.raises(MXNetError, match="odd"):
        contrib_rnn.Conv2DGRUCell((3, 8, 8), 4, 3, (3, 2))
    with pytest.raises(AssertionError, match="length 1"):
        contrib_rnn.Conv1DRNNCell((3, 8), 4, (3, 3), 3)
    with pytest.raises(MXNetError, match="conv_layout"):
        contrib_rnn.Conv2DLSTMCell((3, 8, 8), 4, 3, 3, conv_layout="NCW")
    with pytest.raises(MXNetError, match="input_shape"):
        contrib_rnn.Conv2DLSTMCell((3, 8), 4, 3, 3)


def test_conv_cell_bad_step_shapes_raise():
    cell = contrib_rnn.Conv1DGRUCell((2, 6), 3, 3, 3)
    cell.initialize()
    with pytest.raises(MXNetError, match="Conv1DGRUCell.*state 0 should have shape"):
        cell(nd.ones((2, 2, 6)), [nd.ones((2, 3, 6))])
    with pytest.raises(MXNetError, match="Conv1DGRUCell.*3D"):
        cell(nd.ones((2, 6)), cell.begin_state(batch_size=2))


# --- LSTMPCell ---------------------------------------------------------------------------------

def _make_lstmp(**kwargs):
    cell = contrib_rnn.LSTMPCell(6, 3, **kwargs)
    cell.initialize(mx.init.Uniform(0.5))
    return cell


def test_lstmp_step_and_unroll_match_numpy():
    cell = _make_lstmp()
    rng = np.random.RandomState(6)
    seq = rng.uniform(-1, 1, (2, 4, 5))
    begin = _random_states(cell, 2, rng)
    out, next_states = cell(nd.array(seq[:, 0]), begin)
    p = _params(cell)
    ref, ref_states = _lstmp_step_ref(seq[:, 0], [s.asnumpy() for s in begin], p)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    for got, want in zip(next_states, ref_states):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)

    outs, states = cell.unroll(4, nd.array(seq), begin_state=begin, merge_outputs=True)
    ref_states = [s.asnumpy() for s in begin]
    for t in range(4):
        ref, ref_states = _lstmp_step_ref(seq[:, t], ref_states, p)
        np.testing.assert_allclose(outs[:, t].asnumpy(), ref, rtol=1e-5, atol=1e-6)
    for got, want in zip(states, ref_states):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-5, atol=1e-6)

    cell.hybridize()
    hybrid, _ = cell.unroll(4, nd.array(seq), begin_state=begin, merge_outputs=True)
    np.testing.assert_allclose(hybrid.asnumpy(), outs.asnumpy(), rtol=1e-5, atol=1e-6)


def test_lstmp_parameters_states_and_repr():
    cell = contrib_rnn.LSTMPCell(5, 3)
    assert cell.prefix.startswith("lstmp")
    shapes = {k[len(cell.prefix):]: v.shape for k, v in cell.collect_params().items()}
    assert shapes == {"i2h_weight": (20, 0), "h2h_weight": (20, 3), "h2r_weight": (3, 5),
                      "i2h_bias": (20,), "h2h_bias": (20,)}
    assert [i["shape"] for i in cell.state_info(2)] == [(2, 3), (2, 5)]
    assert repr(cell) == "LSTMPCell(None -> 20 -> 3)"
    cell.initialize()
    cell(nd.ones((2, 7)), cell.begin_state(batch_size=2))
    assert cell.i2h_weight.shape == (20, 7)


def test_lstmp_symbol_unroll():
    cell = contrib_rnn.LSTMPCell(8, 3, prefix="rnn_")
    outputs, _ = cell.unroll(3, [mx.sym.var("rnn_t%d_data" % i) for i in range(3)])
    group = mx.sym.Group(outputs)
    assert group.list_outputs() == ["rnn_t%d_out_output" % i for i in range(3)]
    _, out_shapes, _ = group.infer_shape(**{"rnn_t%d_data" % i: (4, 5) for i in range(3)})
    assert out_shapes == [(4, 3)] * 3


def test_lstmp_gradients_match_finite_differences():
    cell = _make_lstmp(input_size=4)
    cell.cast("float64")
    rng = np.random.RandomState(7)
    x = nd.array(rng.uniform(-1, 1, (2, 4)), dtype="float64")
    states = [nd.array(rng.uniform(-1, 1, info["shape"]), dtype="float64")
              for info in cell.state_info(2)]
    _finite_difference_check(cell, x, states, ["i2h_weight", "h2r_weight", "i2h_bias"])


def test_lstmp_bad_state_raises():
    cell = _make_lstmp()
    with pytest.raises(MXNetError, match="LSTMPCell.*state 0 should have shape"):
        cell(nd.ones((2, 5)), [nd.ones((2, 6)), nd.ones((2, 6))])


# --- VariationalDropoutCell --------------------------------------------------------------------

def _mask_pattern(arr):
    return arr.asnumpy() != 0


def test_vardrop_masks_fixed_across_steps_until_reset():
    base = gluon.rnn.RNNCell(50, activation="sigmoid")   # outputs never exactly 0
    cell = contrib_rnn.VariationalDropoutCell(base, drop_inputs=0.5, drop_states=0.5,
                                              drop_outputs=0.5)
    cell.initialize()
    x = nd.ones((4, 30))
    states = cell.begin_state(batch_size=4)
    with autograd.record():
        out1, states = cell(x, states)
        masks = (cell.drop_inputs_mask, cell.drop_states_mask, cell.drop_outputs_mask)
        out2, states = cell(x, states)
    assert all(m is not None for m in masks)
    assert (cell.drop_inputs_mask, cell.drop_states_mask, cell.drop_outputs_mask) == masks
    for mask in masks:
        values = np.unique(mask.asnumpy())
        assert set(values) <= {0.0, 2.0} and len(values) == 2   # kept units scaled by 1/(1-p)
    np.testing.assert_array_equal(_mask_pattern(out1), _mask_pattern(out2))
    np.testing.assert_array_equal(_mask_pattern(out1), masks[2].asnumpy() != 0)
    cell.reset()
    assert cell.drop_inputs_mask is None and cell.drop_outputs_mask is None
    with autograd.record():
        out3, _ = cell(x, cell.begin_state(batch_size=4))
    assert not np.array_equal(_mask_pattern(out3), _mask_pattern(out1))


def test_vardrop_step_applies_masks_as_numpy():
    base = gluon.rnn.RNNCell(6)
    cell = contrib_rnn.VariationalDropoutCell(base, drop_inputs=0.3, drop_states=0.4,
                                              drop_outputs=0.5)
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.RandomState(8)
    x, h = rng.uniform(-1, 1, (3, 4)), rng.uniform(-1, 1, (3, 6))
    with autograd.record():
        out, (next_h,) = cell(nd.array(x), [nd.array(h)])
    p = _params(base)
    mi, ms, mo = (m.asnumpy() for m in (cell.drop_inputs_mask, cell.drop_states_mask,
                                        cell.drop_outputs_mask))
    ref_h = np.tanh((x * mi) @ p["i2h_weight"].T + p["i2h_bias"] +
                    (h * ms) @ p["h2h_weight"].T + p["h2h_bias"])
    np.testing.assert_allclose(next_h.asnumpy(), ref_h, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.asnumpy(), ref_h * mo, rtol=1e-5, atol=1e-6)


def test_vardrop_is_identity_outside_training():
    base = gluon.rnn.GRUCell(5)
    cell = contrib_rnn.VariationalDropoutCell(base, 0.5, 0.5, 0.5)
    cell.initialize()
    x = nd.random.uniform(shape=(2, 3, 4))
    out, _ = cell.unroll(3, x, merge_outputs=True)
    cell.base_cell._modified = False     # to unroll the bare base cell for the reference
    ref, _ = base.unroll(3, x, merge_outputs=True)
    np.testing.assert_allclose(out.asnumpy(), ref.asnumpy(), rtol=1e-6)


@pytest.mark.parametrize("drop_states", [0.0, 0.5])
def test_vardrop_unroll_shares_output_mask_over_time(drop_states):
    base = gluon.rnn.RNNCell(40, activation="sigmoid")
    cell = contrib_rnn.VariationalDropoutCell(base, drop_states=drop_states, drop_outputs=0.5)
    cell.initialize()
    with autograd.record():
        out, _ = cell.unroll(4, nd.ones((3, 4, 8)), merge_outputs=True)
    pattern = _mask_pattern(out)
    for t in range(1, 4):
        np.testing.assert_array_equal(pattern[:, t], pattern[:, 0])
    assert 0 < pattern.mean() < 1
    with autograd.record():
        again, _ = cell.unroll(4, nd.ones((3, 4, 8)), merge_outputs=True)
    assert not np.array_equal(_mask_pattern(again), pattern)   # new masks per unroll


def test_vardrop_hybridized_and_symbolic():
    cell = contrib_rnn.VariationalDropoutCell(gluon.rnn.RNNCell(10, prefix="rnn_"), 0.5, 0.5,
                                              0.5)
    cell.initialize()
    outputs, _ = cell.unroll(3, [mx.sym.var("rnn_t%d_data" % i) for i in range(3)],
                             merge_outputs=False)
    _, shapes, _ = mx.sym.Group(outputs).infer_shape(
        **{"rnn_t%d_data" % i: (4, 6) for i in range(3)})
    assert shapes == [(4, 10)] * 3
    cell.reset()
    cell.hybridize()
    x = nd.ones((4, 3, 6))
    predicted, _ = cell.unroll(3, x, merge_outputs=True)
    with autograd.record():
        trained, _ = cell.unroll(3, x, merge_outputs=True)
    assert predicted.shape == trained.shape == (4, 3, 10)
    assert not np.allclose(predicted.asnumpy(), trained.asnumpy())


def test_vardrop_repr_prefix_and_bidirectional_error():
    cell = contrib_rnn.VariationalDropoutCell(gluon.rnn.RNNCell(3, prefix="rnn4_"), 0.1, 0.2,
                                              0.3)
    assert repr(cell) == "VariationalDropoutCell(p_out = 0.3, p_state = 0.2)"
    assert cell.prefix == "rnn4_vardrop"
    bi = gluon.rnn.BidirectionalCell(gluon.rnn.RNNCell(3), gluon.rnn.RNNCell(3))
    with pytest.raises(AssertionError, match="BidirectionalCell"):
        contrib_rnn.VariationalDropoutCell(bi, drop_states=0.5)
    contrib_rnn.VariationalDropoutCell(
        gluon.rnn.BidirectionalCell(gluon.rnn.RNNCell(3), gluon.rnn.RNNCell(3)), drop_inputs=0.5)


# --- dynamic_unroll ----------------------------------------------------------------------------

class _DynamicLayer(gluon.HybridBlock):
    def __init__(self, cell, layout, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.layout = layout

    def hybrid_forward(self, F, inputs, states, valid_length):
        return contrib_rnn.rnn_cell.dynamic_unroll(self.cell, inputs, states,
                                                   layout=self.layout,
                                                   valid_length=valid_length)


def _lengths_reference(cell, seq_tnc, begin, lengths):
    """Per-sequence stepping in NumPy bookkeeping: outputs zero past each length, states those
    at each sequence's last valid step."""
    outs, states = [], [s.copy() for s in begin]
    finals = [s.asnumpy().copy() for s in begin]
    for t in range(seq_tnc.shape[0]):
        out, states = cell(seq_tnc[t], states)
        alive = (t < lengths)[:, None]
        outs.append(np.where(alive, out.asnumpy(), 0))
        finals = [np.where(alive, s.asnumpy(), f) for s, f in zip(states, finals)]
    return np.stack(outs), finals


@pytest.mark.parametrize("make, n_states", [
    (lambda: gluon.rnn.LSTMCell(4, prefix="rnn_"), 2),
    (lambda: gluon.rnn.GRUCell(4, prefix="rnn_"), 1),
    (lambda: contrib_rnn.LSTMPCell(5, 4, prefix="rnn_"), 2),
])
@pytest.mark.parametrize("layout", ["TNC", "NTC"])
def test_dynamic_unroll_matches_stepping(make, n_states, layout):
    cell = make()
    cell.initialize(mx.init.Uniform(0.5))
    rng = np.random.RandomState(9)
    seq_tnc = nd.array(rng.uniform(-1, 1, (5, 3, 6)))
    begin = _random_states(cell, 3, rng)
    assert len(begin) == n_states
    lengths = np.array([2, 5, 1])
    ref_out, ref_states = _lengths_reference(cell, seq_tnc, begin, lengths)
    data = seq_tnc if layout == "TNC" else seq_tnc.swapaxes(0, 1)
    unroll = contrib_rnn.rnn_cell.dynamic_unroll
    out, states = unroll(cell, data, begin, layout=layout, valid_length=nd.array(lengths))
    got = out.asnumpy() if layout == "TNC" else out.asnumpy().swapaxes(0, 1)
    np.testing.assert_allclose(got, ref_out, rtol=1e-5, atol=1e-6)
    assert len(states) == n_states
    for a, b in zip(states, ref_states):
        np.testing.assert_allclose(a.asnumpy(), b, rtol=1e-5, atol=1e-6)

    full, full_states = unroll(cell, data, begin, layout=layout)
    ref_full, ref_full_states = cell.unroll(5, data, begin, layout=layout, merge_outputs=True)
    np.testing.assert_allclose(full.asnumpy(), ref_full.asnumpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(full_states, ref_full_states):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)

    layer = _DynamicLayer(cell, layout)
    layer.hybridize()
    hybrid, hybrid_states = layer(data, begin, nd.array(lengths))
    np.testing.assert_allclose(hybrid.asnumpy(), out.asnumpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(hybrid_states, states):
        np.testing.assert_allclose(a.asnumpy(), b.asnumpy(), rtol=1e-5, atol=1e-6)


def test_dynamic_unroll_gradients_equal_unroll():
    cell = gluon.rnn.GRUCell(4)
    cell.initialize(mx.init.Uniform(0.5))
    x = nd.random.uniform(-1, 1, shape=(3, 2, 5))
    begin = cell.begin_state(batch_size=2)
    grads = []
    for run in (lambda: contrib_rnn.rnn_cell.dynamic_unroll(cell, x, begin)[0],
                lambda: cell.unroll(3, x, begin, layout="TNC", merge_outputs=True)[0]):
        with autograd.record():
            (run() ** 2).sum().backward()
        grads.append(cell.i2h_weight.grad().asnumpy().copy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-5, atol=1e-6)


def test_dynamic_unroll_dropout_only_in_training():
    cell = gluon.rnn.RNNCell(4)
    cell.initialize()
    x = nd.random.uniform(shape=(3, 2, 5))
    begin = cell.begin_state(batch_size=2)
    unroll = contrib_rnn.rnn_cell.dynamic_unroll
    plain, _ = unroll(cell, x, begin)
    dropped, _ = unroll(cell, x, begin, drop_inputs=0.5, drop_outputs=0.5)
    np.testing.assert_allclose(dropped.asnumpy(), plain.asnumpy(), rtol=1e-6)
    with autograd.record():
        trained, _ = unroll(cell, nd.ones((3, 2, 5)), begin, drop_outputs=0.5)
    pattern = trained.asnumpy() != 0
    np.testing.assert_array_equal(pattern[1], pattern[0])   # 'TNC': one mask along time


def test_dynamic_unroll_needs_begin_state():
    cell = gluon.rnn.RNNCell(4)
    cell.initialize()
    with pytest.raises(TypeError, match="begin_state"):
        contrib_rnn.rnn_cell.dynamic_unroll(cell, nd.ones((3, 2, 5)), None)


def test_contrib_rnn_namespace():
    names = ["Conv%dD%sCell" % (d, k) for k in ("RNN", "LSTM", "GRU") for d in (1, 2, 3)]
    assert sorted(contrib_rnn.__all__) == sorted(names + ["VariationalDropoutCell", "LSTMPCell"])
    for name in contrib_rnn.__all__:
        assert issubclass(getattr(contrib_rnn, name), gluon.rnn.HybridRecurrentCell)
    assert callable(contrib_rnn.rnn_cell.dynamic_unroll)
