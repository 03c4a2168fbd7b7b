"""Adaptive-rate update operators: adam_update, the AdamW family (_adamw_update, _mp_adamw_update,
_multi_adamw_update, _multi_mp_adamw_update), rmsprop_update, rmspropalex_update, ftrl_update,
ftml_update and _contrib_group_adagrad_update. States are updated in place; the new weight is
returned (write it back with out=weight).

    adam_update:   g = clip(rescale_grad * grad + wd * weight)
                   mean = beta1 * mean + (1 - beta1) * g;  var = beta2 * var + (1 - beta2) * g^2
                   weight = weight - lr * mean / (sqrt(var) + epsilon)
    _adamw_update: g = clip(rescale_grad * grad)   (rescale_grad is an array; 0 or not finite: no update)
                   mean, var as adam
                   weight = weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight)
"""
from ..params import Bool, Float, Int, inserted
from ..registry import operator
from ._common import (CLIP, LR, RESCALE, WD, FloatTuple, clip, coefficient, in_place, rescaled,
                      rescaled_into, scratch, weight_shape, weight_type, write)

_BETAS = {"beta1": Float(0.9, doc="The decay rate for the 1st moment estimates."),
          "beta2": Float(0.999, doc="The decay rate for the 2nd moment estimates."),
          "epsilon": Float(1e-8, doc="A small constant for numerical stability.")}


def adam_moments(xp, g, mean, var, beta1, beta2, real):
    """Updates mean and var in place from the gradient g; returns (mean, var)."""
    b1, b2 = real(beta1), real(beta2)
    new_mean = mean * b1
    new_mean += g * (real(1) - b1)
    new_var = var * b2
    new_var += g * g * (real(1) - b2)
    write(mean, new_mean)
    write(var, new_var)
    return new_mean, new_var


@operator("adam_update", params=dict({"lr": LR}, **_BETAS, wd=WD, rescale_grad=RESCALE,
                                     clip_gradient=CLIP,
                                     lazy_update=Bool(True, doc="If true, lazy updates are "
                                                                "applied for row_sparse "
                                                                "gradients.")),
          inputs=("weight", "grad", "mean", "var"), differentiable=False)
class AdamUpdate:
    """Update function for the Adam optimizer; `mean` and `var` are updated in place."""
    def run(xp, inputs, attrs, out):
        w, g, mean, var = inputs
        real = coefficient(w.dtype)
        grad = xp.multiply(g, real(attrs["rescale_grad"]), out=scratch(xp, w))
        tmp = scratch(xp, w, 1)
        if attrs["wd"]:
            grad += xp.multiply(w, real(attrs["wd"]), out=tmp)
        clip(xp, grad, attrs["clip_gradient"])
        # The moments are MXNet's mutable inputs: updated in place.
        b1, b2 = real(attrs["beta1"]), real(attrs["beta2"])
        mean *= b1
        xp.multiply(grad, real(1) - b1, out=tmp)
        mean += tmp
        var *= b2
        xp.multiply(grad, grad, out=tmp)
        tmp *= real(1) - b2
        var += tmp
        xp.sqrt(var, out=tmp)
        tmp += real(attrs["epsilon"])
        xp.divide(mean, tmp, out=tmp)
        tmp *= real(attrs["lr"])
        return xp.subtract(w, tmp, out=out)
    compute = in_place("adam_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


def _adamw_step(xp, w, g, mean, var, rescale, lr, eta, wd, attrs, keep_grad=False):
    """The AdamW weight from weight `w` (the float32 master copy for mp); moments updated in
    place. A rescale_grad that is 0 or not finite (an overflowed loss scale) leaves everything
    as it was, as MXNet's does; decided on the device (no host round trip)."""
    real = coefficient(w.dtype)
    rescale = rescale.reshape(()).astype(w.dtype)
    applies = xp.isfinite(rescale) & (rescale != 0)    # else the step is skipped
    grad = g.astype(w.dtype) * xp.where(applies, rescale, real(0))
    clip(xp, grad, attrs["clip_gradient"])
    old_mean, old_var = mean.copy(), var.copy()
    m, v = adam_moments(xp, grad, mean, var, attrs["beta1"], attrs["beta2"], real)
    denom = xp.sqrt(v)
    denom += real(attrs["epsilon"])
    step = m * real(lr)
    step /= denom
    step += w * real(wd)
    step *= real(eta)
    write(mean, xp.where(applies, m, old_mean))
    write(var, xp.where(applies, v, old_var))
    if keep_grad:  # MXNet's _adamw_update leaves the rescaled, clipped gradient in `grad`
        write(g, xp.where(applies, grad, g))
    return xp.where(applies, w - step, w)


_ADAMW = dict({"lr": LR}, **_BETAS, wd=WD,
              eta=Float(doc="Learning rate schedule multiplier."), clip_gradient=CLIP)


def _adamw_shape(attrs, in_shapes):
    shapes, out = weight_shape(attrs, in_shapes[:4])
    return shapes + [in_shapes[4] or (1,)], out


@operator("_adamw_update", params=_ADAMW, inputs=("weight", "grad", "mean", "var", "rescale_grad"),
          aliases=("_contrib_adamw_update",), differentiable=False)
class AdamWUpdate:
    """Update function for AdamW (Adam with decoupled weight decay):
    weight = weight - eta * (lr * mean / (sqrt(var) + epsilon) + wd * weight).
    `rescale_grad` is an array so that an overflowed loss scale (inf/nan) or 0 skips the update.
    As MXNet's, it leaves the rescaled and clipped gradient in `grad`."""
    def compute(xp, inputs, attrs):
        w, g, mean, var, rescale = inputs
        return _adamw_step(xp, w, g, mean, var, rescale, attrs["lr"], attrs["eta"], attrs["wd"],
                           attrs, keep_grad=True)

    infer_shape = _adamw_shape
    infer_type = weight_type


@operator("_mp_adamw_update", params=_ADAMW,
          inputs=("weight", "grad", "mean", "var", "weight32", "rescale_grad"),
          aliases=("_contrib_mp_adamw_update",), differentiable=False)
class MPAdamWUpdate:
    """Multi-precision AdamW: float32 moments and master copy `weight32`, updated in place."""
    def compute(xp, inputs, attrs):
        w, g, mean, var, w32, rescale = inputs
        new32 = _adamw_step(xp, w32, g, mean, var, rescale, attrs["lr"], attrs["eta"],
                            attrs["wd"], attrs)
        write(w32, new32)
        return new32.astype(w.dtype)

    def infer_shape(attrs, in_shapes):
        shapes, out = weight_shape(attrs, in_shapes[:5])
        return shapes + [in_shapes[5] or (1,)], out

    infer_type = weight_type


def _multi_adamw(mp):
    group = 5 if mp else 4
    fields = ("weight", "grad", "mean", "var") + (("weight32",) if mp else ())

    class MultiAdamW:
        def compute(xp, inputs, attrs):
            n = attrs["num_weights"]
            rescale = inputs[n * group]
            outs = []
            for i in range(n):
                parts = inputs[i * group:(i + 1) * group]
                w, g, mean, var = parts[:4]
                master = parts[4] if mp else w
                new = _adamw_step(xp, master, g, mean, var, rescale, attrs["lrs"][i],
                                  attrs["etas"][i], attrs["wds"][i], attrs)
                if mp:
                    write(master, new)
                    new = new.astype(w.dtype)
                outs.append(new)
            return outs

        def infer_shape(attrs, in_shapes):
            n = attrs["num_weights"]
            shapes, outs = list(in_shapes), []
            for i in range(n):
                part, out = weight_shape(attrs, shapes[i * group:(i + 1) * group])
                shapes[i * group:(i + 1) * group] = part
                outs.append(out[0])
            shapes[n * group] = shapes[n * group] or (1,)
            return shapes, outs

        def infer_type(attrs, in_types):
            return list(in_types), [in_types[i * group] for i in range(attrs["num_weights"])]

        def check_attrs(attrs):
            for key in ("lrs", "wds", "etas"):
                if len(attrs[key]) != attrs["num_weights"]:
                    return "expected %d %s (num_weights), found %d" % (
                        attrs["num_weights"], key, len(attrs[key]))
            return None

    MultiAdamW.__doc__ = ("AdamW updates of num_weights weights at once; inputs grouped per "
                          "weight as (%s), then the rescale_grad array." % ", ".join(fields))
    params = dict(_BETAS, lrs=FloatTuple(doc="Learning rates"), wds=FloatTuple(doc="Weight decays"),
                  etas=FloatTuple(doc="Learning rate schedule multipliers"), clip_gradient=CLIP,
                  num_weights=Int(1, low=1, doc="Number of updated weights."))

    def names(attrs):
        return ["%s_%d" % (f, i) for i in range(attrs["num_weights"]) for f in fields] + \
            ["rescale_grad"]
    name = "_multi_mp_adamw_update" if mp else "_multi_adamw_update"
    return operator(name, params=params, inputs=names, differentiable=False,
                    outputs=lambda attrs: ["output%d" % i for i in range(attrs["num_weights"])])(
                        MultiAdamW)


_multi_adamw(False)
_multi_adamw(True)

_RMS = {"lr": LR, "gamma1": Float(0.95, doc="The decay rate of the mean square."),
        "epsilon": Float(1e-8, doc="A small constant for numerical stability."), "wd": WD,
        "rescale_grad": RESCALE, "clip_gradient": CLIP,
        "clip_weights": Float(-1.0, doc="Clip weights to [-clip_weights, clip_weights]; "
                                        "negative: no clipping.")}


def _rms_grad(xp, w, g, attrs, real):
    """clip(rescale_grad * g + wd * w) in scratch slot 0 (slot 1 is free again afterwards)."""
    grad = xp.multiply(g, real(attrs["rescale_grad"]), out=scratch(xp, w))
    grad += xp.multiply(w, real(attrs["wd"]), out=scratch(xp, w, 1))
    return clip(xp, grad, attrs["clip_gradient"])


@operator("rmsprop_update", params=_RMS, inputs=("weight", "grad", "n"), differentiable=False)
class RMSPropUpdate:
    """Update function for RMSProp (Tieleman & Hinton): n = (1 - gamma1) * g^2 + gamma1 * n;
    weight = weight - lr * g / sqrt(n + epsilon). `n` is updated in place."""
    def run(xp, inputs, attrs, out):
        w, g, n = inputs
        real = coefficient(w.dtype)
        grad = _rms_grad(xp, w, g, attrs, real)
        gamma1 = real(attrs["gamma1"])
        tmp = xp.multiply(grad, grad, out=scratch(xp, w, 1))
        tmp *= real(1) - gamma1
        n *= gamma1
        n += tmp                                   # n is updated in place (a mutable input)
        xp.add(n, real(attrs["epsilon"]), out=tmp)
        xp.sqrt(tmp, out=tmp)
        xp.divide(grad, tmp, out=tmp)
        tmp *= real(attrs["lr"])
        return clip(xp, xp.subtract(w, tmp, out=out), attrs["clip_weights"])
    compute = in_place("rmsprop_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("rmspropalex_update", params=inserted(_RMS, "gamma2", Float(0.9, doc="Decay rate."),
                                                before="epsilon"),
          inputs=("weight", "grad", "n", "g", "delta"), differentiable=False)
class RMSPropAlexUpdate:
    """Update function for RMSPropAlex (Graves' centered RMSProp); `n`, `g` and `delta` are
    updated in place."""
    def run(xp, inputs, attrs, out):
        w, grad_in, n, g, delta = inputs
        real = coefficient(w.dtype)
        grad = _rms_grad(xp, w, grad_in, attrs, real)
        gamma1, gamma2 = real(attrs["gamma1"]), real(attrs["gamma2"])
        # n, g and delta are updated in place (MXNet's mutable inputs)
        tmp = xp.multiply(grad, grad, out=scratch(xp, w, 1))
        tmp *= real(1) - gamma1
        n *= gamma1
        n += tmp
        xp.multiply(grad, real(1) - gamma1, out=tmp)
        g *= gamma1
        g += tmp
        xp.multiply(g, g, out=tmp)
        xp.subtract(n, tmp, out=tmp)
        tmp += real(attrs["epsilon"])
        xp.sqrt(tmp, out=tmp)
        xp.divide(grad, tmp, out=tmp)
        tmp *= real(attrs["lr"])
        delta *= gamma2
        delta -= tmp
        if out is None:                            # in the gradient's precision, as before
            out = xp.empty(w.shape, tmp.dtype)
        return clip(xp, xp.add(w, delta, out=out), attrs["clip_weights"])
    compute = in_place("rmspropalex_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("ftrl_update", params={"lr": LR, "lamda1": Float(0.01, doc="The L1 regularization "
                                                                      "coefficient."),
                                 "beta": Float(1.0, doc="Per-Coordinate Learning Rate beta."),
                                 "wd": WD, "rescale_grad": RESCALE, "clip_gradient": CLIP},
          inputs=("weight", "grad", "z", "n"), differentiable=False)
class FtrlUpdate:
    """Update function for the FTRL optimizer (McMahan et al.); `z` and `n` are updated in
    place."""
    def run(xp, inputs, attrs, out):
        w, g, z, n = inputs
        real = coefficient(w.dtype)
        lr = real(attrs["lr"])
        grad = rescaled_into(xp, g, attrs["rescale_grad"], attrs["clip_gradient"],
                             scratch(xp, g))
        # Buffers in the states' precision where they hold state values (float32 states of a
        # float16 weight), so every intermediate has the precision NumPy's promotion gives it.
        square = xp.multiply(grad, grad, out=scratch(xp, grad, 1))
        old_root = xp.sqrt(n, out=scratch(xp, n, 2))
        n += square                                # n and z are updated in place
        tmp = xp.sqrt(n, out=scratch(xp, n, 1))
        tmp -= old_root                            # sqrt(new n) - sqrt(n)
        tmp *= w
        tmp /= lr
        z += grad
        z -= tmp
        lamda1 = real(attrs["lamda1"])
        out = xp.sign(z, out=out)
        out *= lamda1
        out -= z
        xp.sqrt(n, out=tmp)
        xp.add(real(attrs["beta"]), tmp, out=tmp)
        tmp /= lr
        tmp += real(attrs["wd"])
        out /= tmp
        xp.abs(z, out=tmp)
        out *= xp.greater(tmp, lamda1, out=tmp)    # 1 where |z| > lamda1, else 0
        return out
    compute = in_place("ftrl_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("ftml_update", params={"lr": LR, "beta1": Float(0.6, doc="Generally close to 0.5."),
                                 "beta2": Float(0.999, doc="Generally close to 1."),
                                 "epsilon": Float(1e-8, doc="Epsilon to prevent div 0."),
                                 "t": Int(doc="Number of update."), "wd": WD,
                                 "rescale_grad": RESCALE, "clip_grad": CLIP},
          inputs=("weight", "grad", "d", "v", "z"), differentiable=False)
class FTMLUpdate:
    """Update function for FTML (Follow the Moving Leader, Zheng & Kwok); `d`, `v` and `z` are
    updated in place."""
    def run(xp, inputs, attrs, out):
        w, g, d, v, z = inputs
        real = coefficient(w.dtype)
        beta1, beta2, t = real(attrs["beta1"]), real(attrs["beta2"]), attrs["t"]
        grad = xp.multiply(g, real(attrs["rescale_grad"]), out=scratch(xp, w))
        tmp = scratch(xp, w, 1)
        grad += xp.multiply(w, real(attrs["wd"]), out=tmp)
        clip(xp, grad, attrs["clip_grad"])
        v *= beta2                                 # d, v and z are updated in place
        xp.multiply(grad, grad, out=tmp)
        tmp *= real(1) - beta2
        v += tmp
        d_t = xp.divide(v, real(1) - beta2 ** t, out=scratch(xp, v, 2))
        xp.sqrt(d_t, out=d_t)
        d_t += real(attrs["epsilon"])
        d_t *= (real(1) - beta1 ** t) / real(attrs["lr"])
        z *= beta1
        grad *= real(1) - beta1
        z += grad
        lag = xp.multiply(d, beta1, out=scratch(xp, d, 1))
        xp.subtract(d_t, lag, out=lag)             # d_t - d * beta1
        lag *= w
        z -= lag
        d[...] = d_t
        out = xp.negative(z, out=out)
        out /= d_t
        return out
    compute = in_place("ftml_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("_contrib_group_adagrad_update",
          params={"lr": LR, "rescale_grad": RESCALE, "clip_gradient": CLIP,
                  "epsilon": Float(1e-5, doc="Epsilon for numerical stability")},
          inputs=("weight", "grad", "history"), differentiable=False)
class GroupAdagradUpdate:
    """Update function for Group AdaGrad: one history value per row (the mean of the squared
    gradient over the row); `history` (rows, 1) is updated in place."""
    def compute(xp, inputs, attrs):
        w, g, history = inputs
        real = coefficient(w.dtype)
        grad = rescaled(xp, g, attrs["rescale_grad"], attrs["clip_gradient"])
        rows = grad.reshape(grad.shape[0], -1)
        new_h = history + (rows * rows).mean(axis=1).reshape(history.shape)
        write(history, new_h)
        scale = xp.sqrt(new_h.reshape(-1) + real(attrs["epsilon"]))
        step = grad / scale.reshape((-1,) + (1,) * (grad.ndim - 1))
        step *= real(attrs["lr"])
        return w - step

    def infer_shape(attrs, in_shapes):
        w = in_shapes[0] or in_shapes[1]
        h = in_shapes[2] or ((w[0], 1) if w else None)
        return [w, w, h], [w]

    infer_type = weight_type
