"""The fused RNN's kernels, one layer-direction at a time, written against `xp`.

Forward: the input projection of every time step is one GEMM (T*N rows) before the time loop;
inside the loop, one (N, P) x (P, G*H) GEMM written straight into the reserve's gate rows and
in-place gate math. Backward (BPTT): the loop only propagates the recurrent gradient; the weight,
bias and input gradients are then three GEMMs over all time steps at once.

With sequence lengths, a step past a sequence's end keeps its state (so the final state is the
one at its last valid step, and the reverse direction starts there) and outputs zeros, as
MXNet's cuDNN path does.
"""

__all__ = ["forward", "backward"]


def _sigmoid_(xp, x):
    # In place, via tanh: no overflow for large |x|.
    x *= 0.5
    xp.tanh(x, out=x)
    x *= 0.5
    x += 0.5


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _direction_forward(xp, x, w, h0, c0, attrs, reverse, seg, out, step_mask):
    """Runs one direction of one layer over x (T, N, I); writes outputs to `out` (T, N, P)
    and the reserve segments `seg`; returns the final (h, c)."""
    mode = attrs["mode"]
    T, N, _ = x.shape
    Wi, Wh, bi, bh, Whr = w
    GH = Wi.shape[0]
    H = GH // (4 if mode == "lstm" else 3 if mode == "gru" else 1)
    pre = xp.dot(x.reshape(T * N, -1), Wi.T).reshape(T, N, GH)
    if mode == "gru":
        pre += bi
        pre[:, :, :2 * H] += bh[:2 * H]
        bhn = bh[2 * H:]
    else:
        pre += bi + bh
    WhT = Wh.T
    WhrT = None if Whr is None else Whr.T
    gates, hseg = seg["gates"], seg["h"]
    cseg, hnseg, hpre_seg = seg.get("c"), seg.get("hn"), seg.get("hpre")
    clip_lo, clip_hi = attrs["lstm_state_clip_min"], attrs["lstm_state_clip_max"]
    clipping = mode == "lstm" and (clip_lo is not None or clip_hi is not None)
    h, c = h0, c0
    for t in _steps(T, reverse):
        g = gates[t]
        if mode == "gru":
            hh = xp.dot(h, WhT)
            hn = hnseg[t]
            xp.add(hh[:, 2 * H:], bhn, out=hn)
            xp.add(pre[t, :, :2 * H], hh[:, :2 * H], out=g[:, :2 * H])
            _sigmoid_(xp, g[:, :2 * H])
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            xp.multiply(r, hn, out=n)
            n += pre[t, :, 2 * H:]
            xp.tanh(n, out=n)
            hc = hseg[t]
            xp.subtract(h, n, out=hc)        # h' = n + z * (h - n)
            hc *= z
            hc += n
        else:
            xp.dot(h, WhT, out=g)
            g += pre[t]
            if mode == "lstm":
                _sigmoid_(xp, g[:, :2 * H])
                xp.tanh(g[:, 2 * H:3 * H], out=g[:, 2 * H:3 * H])
                _sigmoid_(xp, g[:, 3 * H:])
                i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
                cn = cseg[t]
                xp.multiply(f, c, out=cn)
                cn += i * gg
                if clipping:
                    if attrs["lstm_state_clip_nan"]:
                        cn[xp.isnan(cn)] = clip_lo if clip_lo is not None else clip_hi
                    xp.clip(cn, clip_lo, clip_hi, out=cn)
                hp = hpre_seg[t] if WhrT is not None else hseg[t]
                xp.tanh(cn, out=hp)
                hp *= o
                if WhrT is not None:
                    xp.dot(hp, WhrT, out=hseg[t])
            elif mode == "rnn_tanh":
                xp.tanh(g, out=g)
                hseg[t] = g
            else:
                xp.maximum(g, 0, out=g)
                hseg[t] = g
        if step_mask is not None:
            keep = step_mask[t]
            xp.copyto(hseg[t], h, where=~keep)
            if mode == "lstm":
                xp.copyto(cseg[t], c, where=~keep)
            xp.multiply(hseg[t], keep, out=out[t])
        else:
            out[t] = hseg[t]
        h = hseg[t]
        if mode == "lstm":
            c = cseg[t]
    return h, c


def forward(xp, x, weights, h0, c0, attrs, views, out, hy, cy, step_mask, is_train, rng):
    """All layers and directions. weights[(l, d)] = (Wi, Wh, bi, bh, Whr or None)."""
    L, D = attrs["num_layers"], 2 if attrs["bidirectional"] else 1
    P = h0.shape[2]
    p = attrs["p"]
    layer_in = x
    for l in range(L):
        y = out if l == L - 1 else views[(l, "y")]
        for d in range(D):
            k = l * D + d
            seg = {name: views[(l, d, name)] for name in ("gates", "h", "c", "hn", "hpre")
                   if (l, d, name) in views}
            h, c = _direction_forward(xp, layer_in, weights[(l, d)], h0[k],
                                      None if c0 is None else c0[k], attrs, d == 1, seg,
                                      y[:, :, d * P:(d + 1) * P], step_mask)
            hy[k] = h
            if cy is not None:
                cy[k] = c
        if l < L - 1:
            if p > 0:
                mask = views[(l, "mask")]
                if is_train:
                    keep = rng.uniform(0.0, 1.0, mask.shape) < 1 - p
                    mask[...] = keep * (0.0 if p >= 1 else 1.0 / (1 - p))
                    layer_in = y * mask
                else:
                    mask[...] = 1
                    layer_in = y
            else:
                layer_in = y


def _direction_backward(xp, x, w, h0, c0, attrs, reverse, seg, dy, dh, dc, step_mask):
    """BPTT for one direction of one layer. dy (T, N, P) is the output gradient, dh/dc the final
    states' gradients. Returns (dx, [dWi, dWh, dbi, dbh, dWhr], dh0, dc0)."""
    mode = attrs["mode"]
    T, N, I = x.shape
    Wi, Wh, bi, bh, Whr = w
    GH = Wi.shape[0]
    H = GH // (4 if mode == "lstm" else 3 if mode == "gru" else 1)
    P = Wh.shape[1]
    gates, hseg = seg["gates"], seg["h"]
    cseg, hnseg, hpre_seg = seg.get("c"), seg.get("hn"), seg.get("hpre")
    # States before each step, in time order.
    hprev = xp.empty_like(hseg)
    cprev = xp.empty_like(cseg) if mode == "lstm" else None
    if reverse:
        hprev[T - 1] = h0
        hprev[:T - 1] = hseg[1:]
        if cprev is not None:
            cprev[T - 1] = c0
            cprev[:T - 1] = cseg[1:]
    else:
        hprev[0] = h0
        hprev[1:] = hseg[:T - 1]
        if cprev is not None:
            cprev[0] = c0
            cprev[1:] = cseg[:T - 1]
    dpre = xp.empty((T, N, GH), dtype=x.dtype)
    dpre_h = xp.empty((T, N, GH), dtype=x.dtype) if mode == "gru" else dpre
    dproj = xp.empty((T, N, P), dtype=x.dtype) if Whr is not None else None
    clip_lo, clip_hi = attrs["lstm_state_clip_min"], attrs["lstm_state_clip_max"]
    clipping = mode == "lstm" and (clip_lo is not None or clip_hi is not None)
    dh = dh.copy()
    dc = None if dc is None else dc.copy()
    for t in _steps(T, not reverse):
        dhc = dy[t] + dh                    # gradient of this step's candidate state
        if step_mask is not None:
            keep = step_mask[t]
            dhc *= keep
            carry_h = dh * ~keep
        g = gates[t]
        dp = dpre[t]
        if mode == "lstm":
            if dproj is not None:
                dproj[t] = dhc
                dhc = xp.dot(dhc, Whr)
            i, f, gg, o = g[:, :H], g[:, H:2 * H], g[:, 2 * H:3 * H], g[:, 3 * H:]
            tc = xp.tanh(cseg[t])
            # d/d(o): dhc * tanh(c) * o(1-o)
            xp.multiply(dhc, tc, out=dp[:, 3 * H:])
            dp[:, 3 * H:] *= o * (1 - o)
            # the cell's gradient: carried plus through h = o * tanh(c)
            tc *= tc
            xp.subtract(1, tc, out=tc)
            tc *= o
            tc *= dhc
            dcc = tc
            dcc += dc if step_mask is None else dc * keep
            if clipping:
                inside = xp.ones(dcc.shape, dtype=bool)
                if clip_lo is not None:
                    inside &= cseg[t] > clip_lo
                if clip_hi is not None:
                    inside &= cseg[t] < clip_hi
                dcc *= inside
            xp.multiply(dcc, gg, out=dp[:, :H])
            dp[:, :H] *= i * (1 - i)
            xp.multiply(dcc, cprev[t], out=dp[:, H:2 * H])
            dp[:, H:2 * H] *= f * (1 - f)
            xp.multiply(dcc, i, out=dp[:, 2 * H:3 * H])
            dp[:, 2 * H:3 * H] *= 1 - gg * gg
            new_dc = dcc * f
            if step_mask is not None:
                new_dc += dc * ~keep
            dc = new_dc
            dh = xp.dot(dp, Wh)
        elif mode == "gru":
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            hn = hnseg[t]
            dph = dpre_h[t]
            dn_pre = dp[:, 2 * H:]
            xp.multiply(dhc, 1 - z, out=dn_pre)
            dn_pre *= 1 - n * n
            xp.multiply(dn_pre, r, out=dph[:, 2 * H:])
            xp.multiply(dn_pre, hn, out=dp[:, :H])
            dp[:, :H] *= r * (1 - r)
            xp.subtract(hprev[t], n, out=dp[:, H:2 * H])
            dp[:, H:2 * H] *= dhc
            dp[:, H:2 * H] *= z * (1 - z)
            dph[:, :2 * H] = dp[:, :2 * H]
            dh = xp.dot(dph, Wh)
            dh += dhc * z
        else:
            if mode == "rnn_tanh":
                xp.multiply(g, g, out=dp)
                xp.subtract(1, dp, out=dp)
                dp *= dhc
            else:
                xp.multiply(dhc, g > 0, out=dp)
            dh = xp.dot(dp, Wh)
        if step_mask is not None:
            dh += carry_h
    flat = dpre.reshape(T * N, GH)
    flat_h = dpre_h.reshape(T * N, GH)
    dx = xp.dot(flat, Wi).reshape(T, N, I)
    dWi = xp.dot(flat.T, x.reshape(T * N, I))
    dWh = xp.dot(flat_h.T, hprev.reshape(T * N, P))
    dbi = flat.sum(axis=0)
    dbh = flat_h.sum(axis=0)
    dWhr = None
    if dproj is not None:
        dWhr = xp.dot(dproj.reshape(T * N, P).T, hpre_seg.reshape(T * N, H))
    return dx, [dWi, dWh, dbi, dbh, dWhr], dh, dc


def backward(xp, x, weights, h0, c0, attrs, views, dout, dhy, dcy, step_mask):
    """Gradients of every layer and direction: (dx, {(l, d): [dWi, dWh, dbi, dbh, dWhr]}, dh0, dc0)."""
    L, D = attrs["num_layers"], 2 if attrs["bidirectional"] else 1
    P = h0.shape[2]
    p = attrs["p"]
    dh0 = xp.empty_like(h0)
    dc0 = None if c0 is None else xp.empty_like(c0)
    dweights = {}
    dy = dout
    for l in range(L - 1, -1, -1):
        if l == 0:
            layer_in = x
        else:
            layer_in = views[(l - 1, "y")]
            if p > 0:
                layer_in = layer_in * views[(l - 1, "mask")]
        dx = None
        for d in range(D):
            k = l * D + d
            seg = {name: views[(l, d, name)] for name in ("gates", "h", "c", "hn", "hpre")
                   if (l, d, name) in views}
            ddx, dw, dh, dc = _direction_backward(
                xp, layer_in, weights[(l, d)], h0[k], None if c0 is None else c0[k], attrs,
                d == 1, seg, dy[:, :, d * P:(d + 1) * P], dhy[k],
                None if dcy is None else dcy[k], step_mask)
            dx = ddx if dx is None else dx + ddx
            dweights[(l, d)] = dw
            dh0[k] = dh
            if dc0 is not None:
                dc0[k] = dc
        if l > 0 and p > 0:
            dx *= views[(l - 1, "mask")]
        dy = dx
    return dy, dweights, dh0, dc0
