"""A naive NumPy reference of MXNet's fused RNN (one explicit step at a time), for the tests."""
import numpy as np

GATES = {"rnn_relu": 1, "rnn_tanh": 1, "lstm": 4, "gru": 3}


def _sig(x):
    return 1 / (1 + np.exp(-x))


def unpack(params, mode, H, L, D, I, P=None):
    """[(l, d)] -> dict of weights, reading MXNet's packed layout (weights first, then biases)."""
    G = GATES[mode]
    P = P or H
    pos = [0]

    def take(*shape):
        n = int(np.prod(shape))
        out = params[pos[0]:pos[0] + n].reshape(shape)
        pos[0] += n
        return out
    w = {}
    for l in range(L):
        ni = I if l == 0 else D * P
        for d in range(D):
            w[l, d] = {"Wi": take(G * H, ni), "Wh": take(G * H, P)}
            if P != H:
                w[l, d]["Wr"] = take(P, H)
    for l in range(L):
        for d in range(D):
            w[l, d]["bi"] = take(G * H)
            w[l, d]["bh"] = take(G * H)
    assert pos[0] == params.size
    return w


def step(mode, w, x, h, c, clip=None):
    H = w["Wi"].shape[0] // GATES[mode]
    if mode == "lstm":
        z = w["Wi"] @ x + w["bi"] + w["Wh"] @ h + w["bh"]
        i, f, g, o = _sig(z[:H]), _sig(z[H:2 * H]), np.tanh(z[2 * H:3 * H]), _sig(z[3 * H:])
        c = f * c + i * g
        if clip is not None:
            c = np.clip(c, *clip)
        h = o * np.tanh(c)
        return (w["Wr"] @ h if "Wr" in w else h), c
    if mode == "gru":
        zx = w["Wi"] @ x + w["bi"]
        zh = w["Wh"] @ h + w["bh"]
        r = _sig(zx[:H] + zh[:H])
        u = _sig(zx[H:2 * H] + zh[H:2 * H])
        n = np.tanh(zx[2 * H:] + r * zh[2 * H:])
        return (1 - u) * n + u * h, c
    z = w["Wi"] @ x + w["bi"] + w["Wh"] @ h + w["bh"]
    return (np.tanh(z) if mode == "rnn_tanh" else np.maximum(z, 0)), c


def rnn(data, params, h0, c0=None, lengths=None, mode="lstm", state_size=None, num_layers=1,
        bidirectional=False, projection_size=None, clip=None):
    """(output, hy[, cy]) for data (T, N, I)."""
    T, N, I = data.shape
    D = 2 if bidirectional else 1
    H = state_size
    P = projection_size or H
    w = unpack(params.astype(np.float64), mode, H, num_layers, D, I, P)
    x = data.astype(np.float64)
    hy = np.zeros((num_layers * D, N, P))
    cy = np.zeros((num_layers * D, N, H))
    for l in range(num_layers):
        y = np.zeros((T, N, D * P))
        for d in range(D):
            k = l * D + d
            for b in range(N):
                valid = T if lengths is None else int(lengths[b])
                h = h0[k, b].astype(np.float64)
                c = None if c0 is None else c0[k, b].astype(np.float64)
                order = range(valid - 1, -1, -1) if d else range(valid)
                for t in order:
                    h, c = step(mode, w[l, d], x[t, b], h, c, clip)
                    y[t, b, d * P:(d + 1) * P] = h
                hy[k, b] = h
                if c is not None:
                    cy[k, b] = c
        x = y
    return (x, hy, cy) if mode == "lstm" else (x, hy)
