"""RNN: MXNet's fused recurrent operator (rnn_relu, rnn_tanh, lstm with optional projection and
state clipping, gru), stacked `num_layers` deep, optionally bidirectional, with dropout `p`
between layers while training and optional per-sequence lengths.

Inputs: data (T, N, I), parameters (MXNet's packed vector, see `_rnn_layout`), state
(L*D, N, P), state_cell (L*D, N, H) for lstm, sequence_length (N,) with use_sequence_length.
Outputs: output (T, N, D*P); with state_outputs the final state (and cell); and a hidden
`reserve` holding what the forward pass computed, so that `_backward_RNN` (BPTT, see
`_rnn_kernels`) need not run it again. `_backward_RNN` is a kernel without a gradient of its
own: a second-order gradient through RNN is an error.

`_rnn_param_concat` is the Concat that `gluon.rnn` layers use to pack their parameters.
"""
from ...base import ShapeError
from ..params import Int, Bool, Enum, Float, OptInt, OptFloat
from ..registry import operator
from ..shape import Concat
from . import _rnn_kernels
from ._rnn_layout import dims, param_size, unpack_params, Reserve

_MODES = ("gru", "lstm", "rnn_relu", "rnn_tanh")

_PARAMS = {
    "state_size": Int(doc="size of the state of each layer", low=1),
    "num_layers": Int(doc="number of stacked layers", low=1),
    "bidirectional": Bool(False),
    "mode": Enum(_MODES),
    "p": Float(0.0, low=0.0, high=1.0),
    "state_outputs": Bool(False),
    "projection_size": OptInt(None, low=1),
    "lstm_state_clip_min": OptFloat(None),
    "lstm_state_clip_max": OptFloat(None),
    "lstm_state_clip_nan": Bool(False),
    "use_sequence_length": Bool(False),
}


def _inputs(attrs):
    names = ["data", "parameters", "state"]
    if attrs["mode"] == "lstm":
        names.append("state_cell")
    if attrs["use_sequence_length"]:
        names.append("sequence_length")
    return names


def _outputs(attrs):
    names = ["output", "state_output"]
    if attrs["mode"] == "lstm":
        names.append("statecell_output")
    return names + ["reserve"]


def _visible(attrs):
    if not attrs["state_outputs"]:
        return 1
    return 3 if attrs["mode"] == "lstm" else 2


def _split(xp, inputs, attrs):
    """(data, params, h0, c0 or None, lengths or None).

    A state with an empty batch axis is MXNet's symbolic begin state, `sym.zeros((L, 0, H))`,
    whose 0 means "inferred" (every model exported from a gluon.rnn layer called without states
    holds two): it stands for zeros of the data's batch size."""
    data, params, h0 = inputs[0], inputs[1], inputs[2]
    rest = list(inputs[3:])
    c0 = rest.pop(0) if attrs["mode"] == "lstm" else None
    lengths = rest.pop(0) if attrs["use_sequence_length"] else None
    batch = data.shape[1] if data.ndim == 3 else 0
    if h0.ndim == 3 and h0.shape[1] == 0 and batch:
        h0 = xp.zeros((h0.shape[0], batch, h0.shape[2]), dtype=data.dtype)
    if c0 is not None and c0.ndim == 3 and c0.shape[1] == 0 and batch:
        c0 = xp.zeros((c0.shape[0], batch, c0.shape[2]), dtype=data.dtype)
    return data, params, h0, c0, lengths


def _weights(xp, params, attrs, input_size):
    views = unpack_params(params, attrs, input_size)
    G, H, P, L, D = dims(attrs)
    proj = attrs["projection_size"] is not None
    out = {}
    for l in range(L):
        for d in range(D):
            n = "%s%d_" % ("lr"[d], l)
            out[(l, d)] = (views[n + "i2h_weight"], views[n + "h2h_weight"], views[n + "i2h_bias"],
                           views[n + "h2h_bias"], views[n + "h2r_weight"] if proj else None)
    return out, views


def _step_mask(xp, lengths, T):
    if lengths is None:
        return None
    steps = xp.arange(T).reshape(T, 1)
    return (steps < lengths.reshape(1, -1))[:, :, None]      # (T, N, 1)


def _check_attrs(attrs):
    if attrs["projection_size"] is not None and attrs["mode"] != "lstm":
        return "projection_size is supported by mode='lstm' only, found mode=%r" % attrs["mode"]
    lo, hi = attrs["lstm_state_clip_min"], attrs["lstm_state_clip_max"]
    if (lo is None) != (hi is None):
        return "lstm_state_clip_min and lstm_state_clip_max must be given together"
    if lo is not None and lo > hi:
        return "lstm_state_clip_min (%s) must not exceed lstm_state_clip_max (%s)" % (lo, hi)
    return None


def _infer_shape(attrs, in_shapes):
    G, H, P, L, D = dims(attrs)
    data = in_shapes[0]
    if data is not None and len(data) != 3:
        raise ShapeError("RNN: data should be 3-dimensional (sequence length, batch, input size), "
                         "found shape %s" % (tuple(data),))
    shapes = list(in_shapes)
    batch = data[1] if data is not None else 0
    if not batch:
        batch = next((s[1] for s in in_shapes[2:4] if s is not None and len(s) == 3 and s[1]), 0)
    if data is not None and data[2]:
        shapes[1] = _merge(in_shapes[1], (param_size(attrs, data[2]),), "parameters")
    shapes[2] = _merge(in_shapes[2], (L * D, batch, P), "state")
    k = 3
    if attrs["mode"] == "lstm":
        shapes[3] = _merge(in_shapes[3], (L * D, batch, H), "state_cell")
        k = 4
    if attrs["use_sequence_length"]:
        shapes[k] = _merge(in_shapes[k], (batch,), "sequence_length")
    if data is None or 0 in data:
        return shapes, [None] * len(_outputs(attrs))
    T, N = data[0], data[1]
    outs = [(T, N, D * P), (L * D, N, P)]
    if attrs["mode"] == "lstm":
        outs.append((L * D, N, H))
    outs.append((Reserve(attrs, T, N).size,))
    return shapes, outs


def _merge(given, expected, what):
    if given is None:
        return None if 0 in expected else tuple(expected)
    if len(given) != len(expected) or any(a and b and a != b for a, b in zip(given, expected)):
        shown = "(%s)" % ", ".join(str(d) if d else "?" for d in expected)
        raise ShapeError("RNN: %s should have shape %s, found %s" % (what, shown, tuple(given)))
    return tuple(a or b for a, b in zip(given, expected))


def _infer_type(attrs, in_types):
    known = next((t for t in in_types[:4] if t is not None), None)
    types = [known if t is None else t for t in in_types]
    return types, [known] * len(_outputs(attrs))


@operator("RNN", params=_PARAMS, inputs=_inputs, outputs=_outputs, num_visible=_visible,
          needs_train=True, hint="rnn")
class RNN:
    """Applies a stacked (bidirectional) recurrent network: rnn_relu, rnn_tanh, lstm or gru.

    data (T, N, I), parameters (packed: all weights, then all biases), state (L*D, N, P)
    [, state_cell (L*D, N, H)][, sequence_length (N,)] -> output (T, N, D*P)
    [, final state, final cell state when state_outputs=True].
    """
    check_attrs = _check_attrs
    infer_shape = _infer_shape
    infer_type = _infer_type

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        if attrs["use_sequence_length"]:     # lengths of another shape would index silently
            _infer_shape(attrs, [x.shape for x in inputs])
        data, params, h0, c0, lengths = _split(xp, inputs, attrs)
        T, N, I = data.shape
        _check_states(attrs, data, h0, c0)
        weights, _ = _weights(xp, params, attrs, I)
        G, H, P, L, D = dims(attrs)
        layout = Reserve(attrs, T, N)
        reserve = xp.empty((layout.size,), dtype=data.dtype)
        views = layout.views(reserve)
        out = xp.empty((T, N, D * P), dtype=data.dtype)
        hy = xp.empty((L * D, N, P), dtype=data.dtype)
        cy = xp.empty((L * D, N, H), dtype=data.dtype) if c0 is not None else None
        data = xp.ascontiguousarray(data)
        _rnn_kernels.forward(xp, data, weights, h0, c0, attrs, views, out, hy, cy,
                             _step_mask(xp, lengths, T), is_train, rng)
        outs = [out, hy] + ([cy] if cy is not None else [])
        return outs + [reserve]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = list(out_grads[:len(outputs) - 1])
        for i, g in enumerate(grads):
            if g is None:
                grads[i] = F.zeros_like(outputs[i])
        battrs = dict(attrs)
        battrs.pop("_is_train", None)
        result = F._backward_RNN(*(grads + list(inputs) + [outputs[-1]]), **battrs)
        result = list(result)
        if attrs["use_sequence_length"]:
            result.append(None)
        return result


def _check_states(attrs, data, h0, c0):
    G, H, P, L, D = dims(attrs)
    N = data.shape[1]
    if tuple(h0.shape) != (L * D, N, P):
        raise ShapeError("RNN: state should have shape %s, found %s"
                         % ((L * D, N, P), tuple(h0.shape)))
    if c0 is not None and tuple(c0.shape) != (L * D, N, H):
        raise ShapeError("RNN: state_cell should have shape %s, found %s"
                         % ((L * D, N, H), tuple(c0.shape)))


def _backward_inputs(attrs):
    grads = ["ograd_output", "ograd_state"]
    if attrs["mode"] == "lstm":
        grads.append("ograd_state_cell")
    return grads + _inputs(attrs) + ["reserve"]


def _backward_outputs(attrs):
    names = ["data_grad", "parameters_grad", "state_grad"]
    if attrs["mode"] == "lstm":
        names.append("state_cell_grad")
    return names


@operator("_backward_RNN", params=_PARAMS, inputs=_backward_inputs, outputs=_backward_outputs)
class BackwardRNN:
    """RNN's input gradients by backpropagation through time, from the output gradients, the
    inputs and the forward pass's reserve."""
    def compute(xp, inputs, attrs):
        lstm = attrs["mode"] == "lstm"
        n_grads = 3 if lstm else 2
        dout, dhy = inputs[0], inputs[1]
        dcy = inputs[2] if lstm else None
        data, params, h0, c0, lengths = _split(xp, inputs[n_grads:-1], attrs)
        reserve = inputs[-1]
        T, N, I = data.shape
        weights, _ = _weights(xp, params, attrs, I)
        views = Reserve(attrs, T, N).views(reserve)
        dx, dweights, dh0, dc0 = _rnn_kernels.backward(
            xp, xp.ascontiguousarray(data), weights, h0, c0, attrs, views, dout, dhy, dcy,
            _step_mask(xp, lengths, T))
        dparams = xp.empty_like(params)
        _, dviews = _weights(xp, dparams, attrs, I)
        G, H, P, L, D = dims(attrs)
        for (l, d), grads in dweights.items():
            n = "%s%d_" % ("lr"[d], l)
            for suffix, g in zip(("i2h_weight", "h2h_weight", "i2h_bias", "h2h_bias", "h2r_weight"),
                                 grads):
                if g is not None:
                    dviews[n + suffix][...] = g
        raw_h0 = inputs[n_grads + 2]
        if dh0.shape != raw_h0.shape:           # an inferred (empty) begin state: no gradient
            dh0 = xp.zeros(raw_h0.shape, dtype=dh0.dtype)
            if lstm:
                dc0 = xp.zeros(inputs[n_grads + 3].shape, dtype=dh0.dtype)
        return [dx, dparams, dh0] + ([dc0] if lstm else [])

    def infer_shape(attrs, in_shapes):
        n_grads = 3 if attrs["mode"] == "lstm" else 2
        fwd = in_shapes[n_grads:n_grads + 3 + (attrs["mode"] == "lstm")]
        return in_shapes, list(fwd)

    def infer_type(attrs, in_types):
        n = len(_backward_outputs(attrs))
        return in_types, [in_types[0]] * n


def _param_concat_infer(attrs, in_shapes):
    # Unknown pieces stay unknown: the layers fill their parameters' shapes themselves.
    if any(s is None or 0 in s for s in in_shapes):
        return in_shapes, [None]
    return Concat.infer_shape(attrs, in_shapes)


@operator("_rnn_param_concat", params={"num_args": Int(), "dim": Int(1)}, variadic="num_args")
class RNNParamConcat:
    """Concat, as the recurrent layers use it to pack their parameters into one vector."""
    compute = Concat.compute
    infer_shape = _param_concat_infer

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_Concat(out_grads[0], *inputs, num_args=len(inputs) + 1,
                                   dim=attrs["dim"])
        return list(grads) if len(inputs) > 1 else [grads]
