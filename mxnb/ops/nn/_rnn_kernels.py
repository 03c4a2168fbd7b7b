"""The fused RNN's kernels, one layer-direction at a time, written against `xp`.

Forward: the input projection of every time step is one GEMM (T*N rows) before the time loop;
inside the loop, one (N, P) x (P, G*H) GEMM written straight into the reserve's gate rows and
in-place gate math. The sigmoid gates' rows of the weights are pre-scaled by 1/2 (once per
call), so one tanh over a whole gate row gives every gate: sigmoid(z) = (1 + tanh(z/2)) / 2.

Backward (BPTT): the local derivatives that do not depend on the incoming gradient are computed
for all time steps at once before the loop, so the loop only does the few operations the
recurrence needs; the weight, bias and input gradients are then three GEMMs over all steps.

The kernels run the host BLAS on one thread (with threadpoolctl, where installed): the loop's
GEMMs are small, and waking a BLAS thread pool for each costs more than it saves; on a busy
machine (more runnable threads than cores) a two-thread OpenBLAS GEMM of these sizes was measured
10 to 30 times slower than a one-thread one, the GEMMs over all time steps included.

With sequence lengths, a step past a sequence's end keeps its state (so the final state is the
one at its last valid step, and the reverse direction starts there) and outputs zeros, as
MXNet's cuDNN path does.
"""
import contextlib

import numpy as np

__all__ = ["forward", "backward"]

_CONTROLLER = []


def _one_blas_thread(xp):
    """A context in which host BLAS calls use one thread (see the module docstring)."""
    if xp is not np:
        return contextlib.nullcontext()
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
            _CONTROLLER.append(ThreadpoolController())
        except Exception:   # not installed, or no BLAS it knows: leave the threads alone
            _CONTROLLER.append(None)
    controller = _CONTROLLER[0]
    if controller is None:
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


def _steps(T, reverse):
    return range(T - 1, -1, -1) if reverse else range(T)


def _hidden(mode, GH):
    return GH // (4 if mode == "lstm" else 3 if mode == "gru" else 1)


def _gate_scale(xp, mode, H, dtype):
    """Per-row factor of the gate pre-activations: 1/2 for sigmoid gates, 1 for tanh ones."""
    if mode not in ("lstm", "gru"):
        return None
    scale = xp.full((4 * H if mode == "lstm" else 3 * H,), 0.5, dtype=dtype)
    scale[2 * H:3 * H] = 1.0        # lstm's cell candidate g, gru's candidate n
    return scale


def _direction_forward(xp, x, w, h0, c0, attrs, reverse, seg, out, step_mask):
    """Runs one direction of one layer over x (T, N, I); writes outputs to `out` (T, N, P)
    and the reserve segments `seg`; returns the final (h, c)."""
    mode = attrs["mode"]
    T, N, _ = x.shape
    Wi, Wh, bi, bh, Whr = w
    GH = Wi.shape[0]
    H = _hidden(mode, GH)
    scale = _gate_scale(xp, mode, H, x.dtype)
    if scale is not None:
        Wi = Wi * scale[:, None]
        Wh = Wh * scale[:, None]
    pre = xp.dot(x.reshape(T * N, -1), Wi.T).reshape(T, N, GH)
    if mode == "gru":
        bias = bi.copy()
        bias[:2 * H] += bh[:2 * H]
        pre += bias * scale
        bhn = bh[2 * H:]
    elif scale is not None:
        pre += (bi + bh) * scale
    else:
        pre += bi + bh
    WhT = xp.ascontiguousarray(Wh.T)
    WhrT = None if Whr is None else xp.ascontiguousarray(Whr.T)
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
            rz = g[:, :2 * H]
            xp.add(pre[t, :, :2 * H], hh[:, :2 * H], out=rz)
            xp.tanh(rz, out=rz)
            rz *= 0.5
            rz += 0.5
            r, z, n = g[:, :H], g[:, H:2 * H], g[:, 2 * H:]
            xp.multiply(r, hn, out=n)
            n += pre[t, :, 2 * H:]
            xp.tanh(n, out=n)
            hc = hseg[t]
            xp.subtract(h, n, out=hc)        # h' = n + z * (h - n)
            hc *= z
            hc += n
        elif mode == "lstm":
            xp.dot(h, WhT, out=g)
            g += pre[t]
            xp.tanh(g, out=g)
            sig = g[:, :2 * H]
            sig *= 0.5
            sig += 0.5
            sig = g[:, 3 * H:]
            sig *= 0.5
            sig += 0.5
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
        else:
            xp.dot(h, WhT, out=g)
            g += pre[t]
            if mode == "rnn_tanh":
                xp.tanh(g, out=g)
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
    with _one_blas_thread(xp):
        _forward(xp, x, weights, h0, c0, attrs, views, out, hy, cy, step_mask, is_train, rng)


def _forward(xp, x, weights, h0, c0, attrs, views, out, hy, cy, step_mask, is_train, rng):
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


def _previous(xp, seg, first, reverse):
    """The state before each step, in time order: (T, ...) from the per-step states."""
    prev = xp.empty_like(seg)
    T = seg.shape[0]
    if reverse:
        prev[T - 1] = first
        prev[:T - 1] = seg[1:]
    else:
        prev[0] = first
        prev[1:] = seg[:T - 1]
    return prev


def _direction_backward(xp, x, w, h0, c0, attrs, reverse, seg, dy, dh, dc, step_mask):
    """BPTT for one direction of one layer. dy (T, N, P) is the output gradient, dh/dc the final
    states' gradients. Returns (dx, [dWi, dWh, dbi, dbh, dWhr], dh0, dc0)."""
    mode = attrs["mode"]
    T, N, I = x.shape
    Wi, Wh, bi, bh, Whr = w
    GH = Wi.shape[0]
    H = _hidden(mode, GH)
    P = Wh.shape[1]
    gates, hseg = seg["gates"], seg["h"]
    cseg, hnseg, hpre_seg = seg.get("c"), seg.get("hn"), seg.get("hpre")
    hprev = _previous(xp, hseg, h0, reverse)
    masked = step_mask is not None
    dproj = xp.empty((T, N, P), dtype=x.dtype) if Whr is not None else None
    dh = dh.copy()
    dc = None if dc is None else dc.copy()

    # Local derivatives of every step, before the loop. For lstm `dpre` starts as the factors
    # that turn (dc, dc, dc, dh) into the gate pre-activation gradients and becomes them in place.
    if mode == "lstm":
        i, f = gates[..., :H], gates[..., H:2 * H]
        gg, o = gates[..., 2 * H:3 * H], gates[..., 3 * H:]
        cprev = _previous(xp, cseg, c0, reverse)
        tc = xp.tanh(cseg)
        dpre = xp.empty((T, N, GH), dtype=x.dtype)
        xp.subtract(1, i, out=dpre[..., :H])
        dpre[..., :H] *= i
        dpre[..., :H] *= gg
        xp.subtract(1, f, out=dpre[..., H:2 * H])
        dpre[..., H:2 * H] *= f
        dpre[..., H:2 * H] *= cprev
        xp.multiply(gg, gg, out=dpre[..., 2 * H:3 * H])
        xp.subtract(1, dpre[..., 2 * H:3 * H], out=dpre[..., 2 * H:3 * H])
        dpre[..., 2 * H:3 * H] *= i
        xp.subtract(1, o, out=dpre[..., 3 * H:])
        dpre[..., 3 * H:] *= o
        dpre[..., 3 * H:] *= tc
        through_h = tc * tc                      # dc/dh = o * (1 - tanh(c)^2)
        xp.subtract(1, through_h, out=through_h)
        through_h *= o
        clip_lo, clip_hi = attrs["lstm_state_clip_min"], attrs["lstm_state_clip_max"]
        inside = None
        if clip_lo is not None or clip_hi is not None:
            inside = xp.ones(cseg.shape, dtype=x.dtype)   # a clipped cell passes no gradient
            if clip_lo is not None:
                inside *= cseg > clip_lo
            if clip_hi is not None:
                inside *= cseg < clip_hi
        dpre4 = dpre.reshape(T, N, 4, H)
        dpre_h = dpre
    elif mode == "gru":
        r, z, n = gates[..., :H], gates[..., H:2 * H], gates[..., 2 * H:]
        dpre = xp.empty((T, N, GH), dtype=x.dtype)
        dpre_h = xp.empty((T, N, GH), dtype=x.dtype)
        # factors: n: (1 - z)(1 - n^2); z: (h_prev - n) z (1 - z); r: hn r (1 - r)
        k_n = n * n
        xp.subtract(1, k_n, out=k_n)
        k_n *= 1 - z
        k_z = hprev - n
        k_z *= z
        k_z *= 1 - z
        k_r = hnseg * r
        k_r *= 1 - r
    else:
        dpre = xp.empty((T, N, GH), dtype=x.dtype)
        if mode == "rnn_tanh":
            xp.multiply(gates, gates, out=dpre)
            xp.subtract(1, dpre, out=dpre)
        else:
            xp.greater(gates, 0, out=dpre)
        dpre_h = dpre

    for t in _steps(T, not reverse):
        dhc = dy[t] + dh                    # gradient of this step's candidate state
        if masked:
            keep = step_mask[t]
            dhc *= keep
            carry_h = dh * ~keep
        dp = dpre[t]
        if mode == "lstm":
            if dproj is not None:
                dproj[t] = dhc
                dhc = xp.dot(dhc, Whr)
            dcc = dhc * through_h[t]
            dcc += dc if not masked else dc * keep
            if inside is not None:
                dcc *= inside[t]
            dpre4[t, :, :3] *= dcc[:, None, :]
            dpre4[t, :, 3] *= dhc
            new_dc = dcc * f[t]
            if masked:
                new_dc += dc * ~keep
            dc = new_dc
            dh = xp.dot(dp, Wh)
        elif mode == "gru":
            dph = dpre_h[t]
            dn = dp[:, 2 * H:]
            xp.multiply(dhc, k_n[t], out=dn)
            xp.multiply(dhc, k_z[t], out=dp[:, H:2 * H])
            xp.multiply(dn, k_r[t], out=dp[:, :H])
            dph[:, :2 * H] = dp[:, :2 * H]
            xp.multiply(dn, r[t], out=dph[:, 2 * H:])
            dh = xp.dot(dph, Wh)
            dhc *= z[t]
            dh += dhc
        else:
            dp *= dhc
            dh = xp.dot(dp, Wh)
        if masked:
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
    """Gradients of all layers and directions:
    (dx, {(l, d): [dWi, dWh, dbi, dbh, dWhr]}, dh0, dc0)."""
    with _one_blas_thread(xp):
        return _backward(xp, x, weights, h0, c0, attrs, views, dout, dhy, dcy, step_mask)


def _backward(xp, x, weights, h0, c0, attrs, views, dout, dhy, dcy, step_mask):
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
