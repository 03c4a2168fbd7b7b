"""ONNX translators of the fused RNN operator (lstm, gru, rnn_tanh, rnn_relu) and of the
constant-creation operators that build begin states.

MXNet packs every layer's weights into one vector with its own gate order; ONNX's LSTM / GRU /
RNN take one layer each with weights (D, G*H, I), (D, G*H, H) and biases (D, 2*G*H) in theirs.
The vector is a parameter (or a concatenation of parameters, as gluon.rnn layers write it), so
it is unpacked here at export time.
"""
import numpy as np

from ..ops.nn._rnn_layout import unpack_params
from .mx2onnx import translates

# MXNet's gate order -> ONNX's: LSTM (i, f, c, o) -> (i, o, f, c); GRU (r, z, n) -> (z, r, h).
_GATES = {"lstm": (0, 3, 1, 2), "gru": (1, 0, 2), "rnn_tanh": (0,), "rnn_relu": (0,)}
_ONNX_OP = {"lstm": "LSTM", "gru": "GRU", "rnn_tanh": "RNN", "rnn_relu": "RNN"}


def _reorder(array, mode, hidden):
    blocks = [array[g * hidden:(g + 1) * hidden] for g in range(len(_GATES[mode]))]
    return np.concatenate([blocks[g] for g in _GATES[mode]], axis=0)


def _zero_state(value):
    return value is not None and (value.size == 0 or not np.any(value))


@translates("RNN")
def rnn(ctx, a):
    mode, hidden, layers = a["mode"], a["state_size"], a["num_layers"]
    if a["projection_size"] is not None or a["use_sequence_length"] or \
            a["lstm_state_clip_min"] is not None or a["lstm_state_clip_max"] is not None:
        raise ctx.unsupported("projection, sequence lengths and state clipping have no ONNX "
                              "mapping")
    flat = ctx.folded(1)
    if flat is None:
        raise ctx.unsupported("its packed parameters must be model parameters (constants)")
    steps, batch, inputs = ctx.in_shape(0)
    dirs = 2 if a["bidirectional"] else 1
    views = unpack_params(np.asarray(flat).ravel(), a, inputs)
    dtype = ctx.in_dtype(0)
    h0 = ctx.folded(2)
    c0 = ctx.folded(3) if mode == "lstm" else None
    x = ctx.input(0)
    finals_h, finals_c = [], []
    for layer in range(layers):
        w, r, b = [], [], []
        for d in range(dirs):
            n = "%s%d_" % ("lr"[d], layer)
            w.append(_reorder(views[n + "i2h_weight"], mode, hidden))
            r.append(_reorder(views[n + "h2h_weight"], mode, hidden))
            b.append(np.concatenate([_reorder(views[n + "i2h_bias"], mode, hidden),
                                     _reorder(views[n + "h2h_bias"], mode, hidden)]))
        names = [x, ctx.const("W%d" % layer, np.stack(w), dtype),
                 ctx.const("R%d" % layer, np.stack(r), dtype),
                 ctx.const("B%d" % layer, np.stack(b), dtype), ""]
        for state, index in ((h0, 2), (c0, 3)):
            if index == 3 and mode != "lstm":
                continue
            if _zero_state(state):
                names.append("")          # ONNX starts from zeros
            else:
                names.append(ctx.add("Slice", [ctx.input(index),
                                               ctx.const("start", [layer * dirs], np.int64),
                                               ctx.const("end", [(layer + 1) * dirs], np.int64),
                                               ctx.const("axis", [0], np.int64)]))
        outs = [ctx.fresh("Y%d" % layer), ctx.fresh("Yh%d" % layer)]
        if mode == "lstm":
            outs.append(ctx.fresh("Yc%d" % layer))
        attrs = {"hidden_size": hidden,
                 "direction": "bidirectional" if dirs == 2 else "forward"}
        if mode == "gru":
            attrs["linear_before_reset"] = 1      # MXNet (as cuDNN) resets after the product
        if mode in ("rnn_tanh", "rnn_relu"):
            attrs["activations"] = ["Tanh" if mode == "rnn_tanh" else "Relu"] * dirs
        while names and names[-1] == "":
            names.pop()
        ctx.add(_ONNX_OP[mode], names, outs, **attrs)
        # Y (T, D, N, H) -> (T, N, D*H): the next layer's input and the operator's output
        moved = ctx.add("Transpose", [outs[0]], perm=[0, 2, 1, 3])
        last = layer == layers - 1
        x = ctx.add("Reshape", [moved, ctx.const("shape", [0, 0, -1], np.int64)],
                    ctx.output(0) if last else None)
        finals_h.append(outs[1])
        if mode == "lstm":
            finals_c.append(outs[2])
    if a["state_outputs"]:
        ctx.add("Concat", finals_h, ctx.output(1), axis=0)
        if mode == "lstm":
            ctx.add("Concat", finals_c, ctx.output(2), axis=0)


@translates("_zeros", "_ones", "_full")
def constant(ctx, a):
    """A constant of the node's static shape, as an initializer under the node's output name."""
    value = {"_zeros": 0.0, "_ones": 1.0}.get(ctx.node.op.name, a.get("value"))
    shape = ctx.out_shape()
    ctx.initializers[ctx.output()] = ctx.onnx.numpy_helper.from_array(
        np.full(shape, value, dtype=np.dtype(a["dtype"])), ctx.output())


@translates("_rnn_param_concat")
def param_concat(ctx, a):
    """The packed RNN parameters: folded at export time (the RNN translator reads them)."""
    value = ctx._fold((ctx.node.index, 0), {})
    if value is None:
        raise ctx.unsupported("packs values that are not model parameters")
    ctx.initializers[ctx.output()] = ctx.onnx.numpy_helper.from_array(
        np.ascontiguousarray(value), ctx.output())
