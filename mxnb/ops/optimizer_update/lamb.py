"""LAMB update operators (You et al., layer-wise adaptive moments): lamb_update_phase1/2, their
float32 master-copy versions mp_lamb_update_phase1/2, and the aggregated _multi_lamb_update /
_multi_mp_lamb_update.

    phase 1: g = clip(rescale_grad * grad);  mean, var updated in place as Adam's
             g = mean_hat / (sqrt(var_hat) + epsilon) + wd * weight   (bias-corrected hats)
    phase 2: r1 = clip(||weight||, lower_bound, upper_bound), r2 = ||g||
             weight = weight - lr * (r1 / r2 if both are nonzero else 1) * g
"""
from ..params import Bool, Float, Int, Shape
from ..registry import operator
from . import _compiled
from ._common import (CLIP, IN_PLACE, LR, RESCALE, FloatTuple, clip, coefficient, scratch,
                      weight_shape, write)

_PHASE1 = {"beta1": Float(0.9, doc="The decay rate for the 1st moment estimates."),
           "beta2": Float(0.999, doc="The decay rate for the 2nd moment estimates."),
           "epsilon": Float(1e-6, doc="A small constant for numerical stability."),
           "t": Int(doc="Index update count."),
           "bias_correction": Bool(True, doc="Whether to use bias correction."),
           "wd": Float(doc="Weight decay."), "rescale_grad": RESCALE, "clip_gradient": CLIP}
_BOUNDS = {"lower_bound": Float(-1.0, doc="Lower limit of norm of weight; negative: none."),
           "upper_bound": Float(-1.0, doc="Upper limit of norm of weight; negative: none.")}
_PHASE2 = dict({"lr": LR}, **_BOUNDS)


def phase1(xp, w, g, mean, var, t, wd, attrs, out=None):
    """The LAMB direction g for weight `w` (float32 master for mp), into `out` (a fresh array
    when None, else never one of the inputs); moments updated in place, temporaries in scratch
    slots 0 and 1. Compiled (mxnb.compiled) for NumPy arrays of one float dtype."""
    if _compiled.usable(xp, (w, g, mean, var), out):    # one pass; `out` is never an input
        if out is None:
            out = xp.empty(w.shape, w.dtype)
        return _compiled.lamb_phase1(w, g, mean, var, t, wd, attrs, out)
    real = coefficient(w.dtype)
    beta1, beta2 = real(attrs["beta1"]), real(attrs["beta2"])
    grad = xp.multiply(g, real(attrs["rescale_grad"]), out=scratch(xp, w), dtype=w.dtype)
    clip(xp, grad, attrs["clip_gradient"])
    tmp = scratch(xp, w, 1)
    mean *= beta1
    mean += xp.multiply(grad, real(1) - beta1, out=tmp)
    var *= beta2
    xp.multiply(grad, grad, out=tmp)
    tmp *= real(1) - beta2
    var += tmp
    # the hats in the moments' precision (float32 moments of a float16 weight stay float32)
    denom = tmp if tmp.dtype == var.dtype else scratch(xp, var, 3)
    if attrs["bias_correction"]:
        mean_hat = xp.divide(mean, real(1) - beta1 ** t,
                             out=grad if grad.dtype == mean.dtype else scratch(xp, mean, 4))
        xp.divide(var, real(1) - beta2 ** t, out=denom)
        xp.sqrt(denom, out=denom)
    else:
        mean_hat = mean
        xp.sqrt(var, out=denom)
    denom += real(attrs["epsilon"])
    out = xp.divide(mean_hat, denom, out=out)
    out += xp.multiply(w, real(wd), out=tmp)
    return out


def trust_ratio(xp, w, r1, r2, attrs):
    """r1 / r2 (r1 clipped to the bounds) where both are nonzero, else 1: a 0-d array in the
    weight's dtype, computed on the device."""
    real = coefficient(w.dtype)
    r1 = r1.reshape(-1)[0].astype(w.dtype)
    r2 = r2.reshape(-1)[0].astype(w.dtype)
    if attrs["lower_bound"] >= 0:
        r1 = xp.maximum(r1, real(attrs["lower_bound"]))
    if attrs["upper_bound"] >= 0:
        r1 = xp.minimum(r1, real(attrs["upper_bound"]))
    usable = (r1 != 0) & (r2 != 0)
    return xp.where(usable, r1 / xp.where(usable, r2, real(1)), real(1))


def real_lr(w, lr):
    return coefficient(w.dtype)(lr)


def phase2(xp, w, g, r1, r2, lr, attrs):
    """weight - lr * trust_ratio * g, the ratio computed on the device from r1 and r2."""
    ratio = trust_ratio(xp, w, r1, r2, attrs)
    return w - g.astype(w.dtype) * (ratio * real_lr(w, lr))


def _phase2_shape(attrs, in_shapes):
    w = next((s for s in (in_shapes[0], in_shapes[1]) + tuple(in_shapes[4:]) if s is not None),
             None)
    shapes = [w, w, in_shapes[2] or (1,), in_shapes[3] or (1,)] + [w] * (len(in_shapes) - 4)
    return shapes, [w]


def _float32_out(attrs, in_types):
    return list(in_types), [in_types[4]]


def _weight_dtype(attrs, in_types):
    return list(in_types), [in_types[0]]


@operator("lamb_update_phase1", params=_PHASE1, inputs=("weight", "grad", "mean", "var"),
          differentiable=False)
class LambPhase1:
    """Phase I of the LAMB update: updates `mean` and `var` in place and returns the direction
    g = mean_hat / (sqrt(var_hat) + epsilon) + wd * weight."""
    def compute(xp, inputs, attrs):
        w, g, mean, var = inputs
        return phase1(xp, w, g, mean, var, attrs["t"], attrs["wd"], attrs)

    infer_shape = weight_shape
    infer_type = _weight_dtype


@operator("lamb_update_phase2", params=_PHASE2, inputs=("weight", "g", "r1", "r2"),
          differentiable=False)
class LambPhase2:
    """Phase II of the LAMB update: weight - lr * (r1 / r2) * g, with r1 = ||weight|| (clipped
    to [lower_bound, upper_bound]) and r2 = ||g|` given as arrays of shape (1,)."""
    def compute(xp, inputs, attrs):
        w, g, r1, r2 = inputs
        return phase2(xp, w, g, r1, r2, attrs["lr"], attrs)

    infer_shape = _phase2_shape
    infer_type = _weight_dtype


@operator("mp_lamb_update_phase1", params=_PHASE1,
          inputs=("weight", "grad", "mean", "var", "weight32"), differentiable=False)
class MPLambPhase1:
    """Multi-precision LAMB phase I: the direction g in float32, from the master copy."""
    def compute(xp, inputs, attrs):
        w, g, mean, var, w32 = inputs
        return phase1(xp, w32, g, mean, var, attrs["t"], attrs["wd"], attrs)

    infer_shape = weight_shape
    infer_type = _float32_out


@operator("mp_lamb_update_phase2", params=_PHASE2,
          inputs=("weight", "g", "r1", "r2", "weight32"), differentiable=False)
class MPLambPhase2:
    """Multi-precision LAMB phase II: the step computed from the float32 master copy, returned
    cast to the weight's dtype. As in MXNet 1.9.1, `weight32` itself is left unchanged."""
    def compute(xp, inputs, attrs):
        w, g, r1, r2, w32 = inputs
        return phase2(xp, w32, g, r1, r2, attrs["lr"], attrs).astype(w.dtype)

    infer_shape = _phase2_shape
    infer_type = _weight_dtype


def _multi_lamb(mp):
    fields = ("weight", "grad", "mean", "var") + (("weight32",) if mp else ())
    group = len(fields)

    def run(xp, inputs, attrs, targets):
        outs = []
        for i in range(attrs["num_tensors"]):
            parts = inputs[i * group:(i + 1) * group]
            w, g, mean, var = parts[:4]
            master = parts[4] if mp else w
            target = None if targets is None else targets[i]
            if target is not None and any(a.dtype != master.dtype for a in (mean, var) +
                                          (() if mp else (g,))):
                target[...] = run(xp, parts, dict(attrs, num_tensors=1, step_count=(
                    attrs["step_count"][i],), wds=(attrs["wds"][i],), learning_rates=(
                    attrs["learning_rates"][i],)), None)[0]
                outs.append(target)      # several dtypes: computed as compute does, then copied
                continue
            direction = phase1(xp, master, g, mean, var, attrs["step_count"][i],
                               attrs["wds"][i], attrs,
                               out=None if target is None else scratch(xp, master, 2))
            square = scratch(xp, master, 1)
            r1 = xp.sqrt(xp.multiply(master, master, out=square).sum()).reshape(1)
            r2 = xp.sqrt(xp.multiply(direction, direction, out=square).sum()).reshape(1)
            if target is None:
                new = phase2(xp, master, direction, r1, r2, attrs["learning_rates"][i], attrs)
                if mp:
                    write(master, new)
                    new = new.astype(w.dtype)
            else:
                # phase2's w - g * (ratio * lr), the step written over the scratch direction
                step = xp.multiply(direction, trust_ratio(xp, master, r1, r2, attrs) *
                                   real_lr(master, attrs["learning_rates"][i]), out=direction)
                new = xp.subtract(master, step, out=master if mp else target)
                if mp:
                    target[...] = master
                    new = target
            outs.append(new)
        return outs

    IN_PLACE["_multi_mp_lamb_update" if mp else "_multi_lamb_update"] = run

    class MultiLamb:
        def compute(xp, inputs, attrs):
            return run(xp, inputs, attrs, None)

        def infer_shape(attrs, in_shapes):
            shapes, outs = list(in_shapes), []
            for i in range(attrs["num_tensors"]):
                part, out = weight_shape(attrs, shapes[i * group:(i + 1) * group])
                shapes[i * group:(i + 1) * group] = part
                outs.append(out[0])
            return shapes, outs

        def infer_type(attrs, in_types):
            return list(in_types), [in_types[i * group] for i in range(attrs["num_tensors"])]

        def check_attrs(attrs):
            n = attrs["num_tensors"]
            for key in ("learning_rates", "wds", "step_count"):
                if len(attrs[key]) != n:
                    return "expected %d %s (num_tensors), found %d" % (n, key, len(attrs[key]))
            return None

    MultiLamb.__doc__ = ("LAMB updates (both phases) of num_tensors weights at once; inputs "
                         "grouped per weight as (%s); states updated in place." % ", ".join(fields))
    params = dict(_PHASE1, **_BOUNDS, learning_rates=FloatTuple(doc="Learning rates"),
                  wds=FloatTuple(doc="Weight decays"),
                  step_count=Shape(doc="Step count for each tensor"),
                  num_tensors=Int(1, low=1, doc="Number of tensors"))
    del params["t"]
    del params["wd"]

    def names(attrs):
        return ["%s_%d" % (f, i) for i in range(attrs["num_tensors"]) for f in fields]
    name = "_multi_mp_lamb_update" if mp else "_multi_lamb_update"
    return operator(name, params=params, inputs=names, differentiable=False,
                    outputs=lambda attrs: ["output%d" % i for i in range(attrs["num_tensors"])])(
                        MultiLamb)


_multi_lamb(False)
_multi_lamb(True)
