"""Where things live for the fused RNN operator: MXNet's packed parameter vector, and the
reserve (the hidden output that keeps what the forward pass computed for `_backward_RNN`).

Packed parameters (MXNet 1.x, as `gluon.rnn` concatenates them): first every weight, layer by
layer and, inside a layer, direction by direction ('l' then 'r'): `i2h_weight` (G*H, I_l),
`h2h_weight` (G*H, P)`, and with a projection `h2r_weight` (P, H); then every bias in the same
order: `i2h_bias` (G*H,), `h2h_bias` (G*H,). G is the gate count (1, 4 for lstm, 3 for gru), H
`state_size`, P the projection size (H without one), I_0 the input size and I_l = D*P above.
Gates are ordered as MXNet's: lstm i, f, g, o; gru r, z, n.

The reserve is one flat array cut into named segments (views), per layer and direction:
`gates` (T, N, G*H) activated gates; `c` (T, N, H) lstm cells; `hn` (T, N, H) gru's
h2h part of the candidate; `hpre` (T, N, H) the state before projection; `h` (T, N, P) the state
carried to the next step; and per layer below the top: `y` (T, N, D*P) its output and, with
dropout, `mask` (T, N, D*P) the scaled dropout mask applied to it.
"""
from ...base import ShapeError

__all__ = ["GATES", "dims", "param_size", "unpack_params", "Reserve"]

GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def dims(attrs):
    """(G, H, P, L, D) from the operator's attributes."""
    H = attrs["state_size"]
    P = attrs["projection_size"] or H
    return GATES[attrs["mode"]], H, P, attrs["num_layers"], 2 if attrs["bidirectional"] else 1


def _layer_input(l, input_size, P, D):
    return input_size if l == 0 else D * P


def param_shapes(attrs, input_size):
    """[(name, shape)] in packed order."""
    G, H, P, L, D = dims(attrs)
    proj = attrs["projection_size"] is not None
    weights, biases = [], []
    for l in range(L):
        ni = _layer_input(l, input_size, P, D)
        for d in "lr"[:D]:
            weights.append(("%s%d_i2h_weight" % (d, l), (G * H, ni)))
            weights.append(("%s%d_h2h_weight" % (d, l), (G * H, P)))
            if proj:
                weights.append(("%s%d_h2r_weight" % (d, l), (P, H)))
            biases.append(("%s%d_i2h_bias" % (d, l), (G * H,)))
            biases.append(("%s%d_h2h_bias" % (d, l), (G * H,)))
    return weights + biases


def param_size(attrs, input_size):
    total = 0
    for _, shape in param_shapes(attrs, input_size):
        n = 1
        for s in shape:
            n *= s
        total += n
    return total


def unpack_params(flat, attrs, input_size):
    """{name: view of `flat`} for every weight and bias (views: writes go into `flat`)."""
    expected = param_size(attrs, input_size)
    if flat.ndim != 1 or flat.shape[0] != expected:
        G, H, _, _, D = dims(attrs)
        fits = (flat.size - param_size(attrs, 0)) / float(D * G * H)
        hint = (" (they fit input size %d)" % fits) if fits == int(fits) and fits > 0 else ""
        raise ShapeError("RNN: parameters should hold %d values for data of input size %d, found "
                         "%d%s" % (expected, input_size, flat.size, hint))
    out = {}
    offset = 0
    for name, shape in param_shapes(attrs, input_size):
        n = 1
        for s in shape:
            n *= s
        out[name] = flat[offset:offset + n].reshape(shape)
        offset += n
    return out


class Reserve:
    """The segments of the reserve for one (T, N, input size, attrs)."""

    def __init__(self, attrs, T, N):
        G, H, P, L, D = dims(attrs)
        mode = attrs["mode"]
        self.segments = []
        for l in range(L):
            for d in range(D):
                self._add((l, d, "gates"), (T, N, G * H))
                if mode == "lstm":
                    self._add((l, d, "c"), (T, N, H))
                if mode == "gru":
                    self._add((l, d, "hn"), (T, N, H))
                if attrs["projection_size"] is not None:
                    self._add((l, d, "hpre"), (T, N, H))
                self._add((l, d, "h"), (T, N, P))
            if l < L - 1:
                self._add((l, "y"), (T, N, D * P))
                if attrs["p"] > 0:
                    self._add((l, "mask"), (T, N, D * P))
        self.size = sum(_count(shape) for _, shape in self.segments)

    def _add(self, key, shape):
        self.segments.append((key, shape))

    def views(self, flat):
        out = {}
        offset = 0
        for key, shape in self.segments:
            n = _count(shape)
            out[key] = flat[offset:offset + n].reshape(shape)
            offset += n
        return out


def _count(shape):
    n = 1
    for s in shape:
        n *= s
    return n
