"""SGD-family update operators: sgd(_mom)_update, their float16 master-copy (mp_) versions,
nag_mom_update, signsgd/signum, and the aggregated multi_ / preloaded_multi_ forms.

    sgd_update:      weight = (1 - lr*wd) * weight - lr * clip(rescale_grad * grad)
    sgd_mom_update:  mom    = momentum * mom - lr*wd * weight - lr * clip(rescale_grad * grad)
                     weight = weight + mom
    nag_mom_update:  g      = clip(rescale_grad * grad) + wd * weight
                     mom    = momentum * mom - lr * g
                     weight = weight + momentum * mom - lr * g
    signsgd_update:  weight = (1 - lr*wd) * weight - lr * sign(clip(rescale_grad * grad))
    signum_update:   mom    = momentum * mom - (1 - momentum) * (wd * weight + clip(rescale_grad * grad))
                     weight = (1 - lr*wd_lh) * weight + lr * sign(mom)

The mp_ versions update a float32 master copy `weight32` (in place) and return it cast to the
weight's dtype; states are float32 there.
"""
from ..params import Bool, Float, Int, inserted
from ..registry import operator
from . import _compiled
from ._common import (CHUNK, CLIP, IN_PLACE, LR, RESCALE, WD, FloatTuple, rescaled_into, chunked,
                      coefficient, in_place, scratch, weight_shape, weight_type, write)

_SGD = {"lr": LR, "wd": WD, "rescale_grad": RESCALE, "clip_gradient": CLIP,
        "lazy_update": Bool(True, doc="If true, lazy updates are applied if gradient's stype "
                                      "is row_sparse.")}
_MOM = inserted(_SGD, "momentum", Float(0.0, doc="The decay rate of momentum estimates at each "
                                                 "epoch."), before="wd")
_NAG = {"lr": LR, "momentum": Float(0.0, doc="The decay rate of momentum estimates."), "wd": WD,
        "rescale_grad": RESCALE, "clip_gradient": CLIP}


__all__ = ["sgd_step", "sgd_mom_step", "nag_step"]

# Each step writes the new weight into `out` (a fresh array when None; the weight itself when an
# optimizer updates in place) and updates its states in place, with the same NumPy/CuPy calls in
# the same order whichever it is, so the results are bit-identical; its temporaries are cached
# scratch buffers (`scratch`), so a step in place allocates no weight-sized array.


def sgd_step(xp, weight, grad, lr, wd, rescale_grad, clip_gradient, out=None):
    """The new weight of plain SGD, in the weight's precision."""
    real = coefficient(weight.dtype)
    g = rescaled_into(xp, grad, rescale_grad, clip_gradient, scratch(xp, weight))
    g *= real(lr)
    out = xp.multiply(weight, real(1) - real(lr) * real(wd), out=out)
    out -= g
    return out


def sgd_mom_step(xp, weight, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient, out=None):
    """Updates `mom` in place; returns the new weight."""
    real = coefficient(weight.dtype)
    g = rescaled_into(xp, grad, rescale_grad, clip_gradient, scratch(xp, weight))
    g *= real(lr)
    if wd:
        g += xp.multiply(weight, real(lr) * real(wd), out=scratch(xp, weight, 1))
    if mom.dtype == weight.dtype:      # the usual case: update the state in place
        mom *= real(momentum)
        mom -= g
        return xp.add(weight, mom, out=out)
    new_mom = mom * real(momentum)
    new_mom -= g
    write(mom, new_mom)
    return xp.add(weight, new_mom, out=out)


def nag_step(xp, weight, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient, out=None):
    real = coefficient(weight.dtype)
    g = rescaled_into(xp, grad, rescale_grad, clip_gradient, scratch(xp, weight))
    g += xp.multiply(weight, real(wd), out=scratch(xp, weight, 1))
    g *= real(lr)
    mom *= real(momentum)
    mom -= g
    out = xp.add(weight, xp.multiply(mom, real(momentum), out=scratch(xp, mom, 1)), out=out)
    out -= g
    return out


def mp_nag_step(xp, weight32, grad, mom, lr, wd, momentum, rescale_grad, clip_gradient,
                out=None):
    """MXNet's mp_nag_mom_update: the weight as nag_mom_update's, but the momentum it stores
    is recomputed from the weight it has just written (its kernel reads weight32 back)."""
    real = coefficient(weight32.dtype)
    g = rescaled_into(xp, grad, rescale_grad, clip_gradient, scratch(xp, weight32))
    step = xp.multiply(weight32, real(wd), out=scratch(xp, weight32, 1))
    step += g                                   # g + wd * weight32 (addition commutes exactly)
    step *= real(lr)
    new32 = xp.multiply(mom, real(momentum), out=scratch(xp, weight32, 2))
    new32 -= step
    new32 *= real(momentum)
    xp.add(weight32, new32, out=new32)          # weight32 + momentum * new_mom
    new32 -= step
    g += xp.multiply(new32, real(wd), out=step)
    g *= real(lr)
    mom *= real(momentum)
    mom -= g
    if out is None:
        return new32.copy()
    out[...] = new32
    return out


def _mp(step):
    """A master-copy version of `step(xp, weight32, grad, *states, ...)`: float32 maths, weight32
    updated in place, the result cast to the weight's dtype (into `out` when given)."""
    def run(xp, weight, weight32, grad, *args, out=None):
        step(xp, weight32, grad, *args, out=weight32)
        if out is None:
            return weight32.astype(weight.dtype)
        out[...] = weight32
        return out
    return run


@operator("sgd_update", params=_SGD, inputs=("weight", "grad"), differentiable=False)
class SGDUpdate:
    """Update function for Stochastic Gradient Descent (SGD) optimizer:
    weight = weight - lr * (clip(rescale_grad * grad) + wd * weight)."""
    def run(xp, inputs, attrs, out):
        w, g = inputs
        return sgd_step(xp, w, g, attrs["lr"], attrs["wd"], attrs["rescale_grad"],
                        attrs["clip_gradient"], out=out)
    compute = in_place("sgd_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("sgd_mom_update", params=_MOM, inputs=("weight", "grad", "mom"), differentiable=False)
class SGDMomUpdate:
    """Momentum update function for SGD: mom = momentum * mom - lr * (clip(rescale_grad * grad) +
    wd * weight); weight = weight + mom. `mom` is updated in place."""
    def run(xp, inputs, attrs, out):
        w, g, m = inputs
        return sgd_mom_step(xp, w, g, m, attrs["lr"], attrs["wd"], attrs["momentum"],
                            attrs["rescale_grad"], attrs["clip_gradient"], out=out)
    compute = in_place("sgd_mom_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("mp_sgd_update", params=_SGD, inputs=("weight", "grad", "weight32"), differentiable=False)
class MPSGDUpdate:
    """Multi-precision sgd_update: the float32 master copy `weight32` is updated in place and
    returned cast to the weight's dtype."""
    def run(xp, inputs, attrs, out):
        w, g, w32 = inputs
        return _mp(sgd_step)(xp, w, w32, g, attrs["lr"], attrs["wd"], attrs["rescale_grad"],
                             attrs["clip_gradient"], out=out)
    compute = in_place("mp_sgd_update", run, mixed=True)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("mp_sgd_mom_update", params=_MOM, inputs=("weight", "grad", "mom", "weight32"),
          differentiable=False)
class MPSGDMomUpdate:
    """Multi-precision sgd_mom_update: float32 `mom` and master copy `weight32`, both updated
    in place."""
    def run(xp, inputs, attrs, out):
        w, g, m, w32 = inputs
        return _mp(sgd_mom_step)(xp, w, w32, g, m, attrs["lr"], attrs["wd"], attrs["momentum"],
                                 attrs["rescale_grad"], attrs["clip_gradient"], out=out)
    compute = in_place("mp_sgd_mom_update", run, mixed=True)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("nag_mom_update", params=_NAG, inputs=("weight", "grad", "mom"), differentiable=False)
class NAGMomUpdate:
    """Update function for the Nesterov Accelerated Gradient (NAG) optimizer; `mom` is updated
    in place. (Called with out=weight, MXNet's kernel recomputes the momentum from the weight it
    has just written; mp_nag_mom_update with the weight as its own weight32 does exactly that,
    and the NAG optimizer uses it.)"""
    def run(xp, inputs, attrs, out):
        w, g, m = inputs
        return nag_step(xp, w, g, m, attrs["lr"], attrs["wd"], attrs["momentum"],
                        attrs["rescale_grad"], attrs["clip_gradient"], out=out)
    compute = in_place("nag_mom_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("mp_nag_mom_update", params=_NAG, inputs=("weight", "grad", "mom", "weight32"),
          differentiable=False)
class MPNAGMomUpdate:
    """Multi-precision nag_mom_update (float32 `mom` and `weight32`, updated in place)."""
    def run(xp, inputs, attrs, out):
        w, g, m, w32 = inputs
        return _mp(mp_nag_step)(xp, w, w32, g, m, attrs["lr"], attrs["wd"], attrs["momentum"],
                                attrs["rescale_grad"], attrs["clip_gradient"], out=out)
    compute = in_place("mp_nag_mom_update", run, mixed=True)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("signsgd_update", params={"lr": LR, "wd": WD, "rescale_grad": RESCALE,
                                    "clip_gradient": CLIP},
          inputs=("weight", "grad"), differentiable=False)
class SignSGDUpdate:
    """Update function for SignSGD: weight = (1 - lr*wd) * weight - lr * sign(grad)."""
    def run(xp, inputs, attrs, out):
        w, g = inputs
        real = w.dtype.type
        lr = real(attrs["lr"])
        step = rescaled_into(xp, g, attrs["rescale_grad"], attrs["clip_gradient"],
                             scratch(xp, w))
        xp.sign(step, out=step)
        step *= lr
        out = xp.multiply(w, real(1) - lr * real(attrs["wd"]), out=out)
        out -= step
        return out
    compute = in_place("signsgd_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


@operator("signum_update", params=dict(_NAG, wd_lh=Float(0.0, doc="The amount of weight decay "
                                                          "that does not go into the gradient "
                                                          "or momentum computations.")),
          inputs=("weight", "grad", "mom"), differentiable=False)
class SignumUpdate:
    """Update function for Signum (SIGN momentUM): mom = momentum * mom - (1 - momentum) *
    (grad + wd * weight); weight = (1 - lr*wd_lh) * weight + lr * sign(mom)."""
    def run(xp, inputs, attrs, out):
        w, g, m = inputs
        real = w.dtype.type
        momentum, lr = real(attrs["momentum"]), real(attrs["lr"])
        grad = rescaled_into(xp, g, attrs["rescale_grad"], attrs["clip_gradient"],
                             scratch(xp, w))
        grad += xp.multiply(w, real(attrs["wd"]), out=scratch(xp, w, 1))
        grad *= real(1) - momentum
        m *= momentum
        m -= grad
        out = xp.multiply(w, real(1) - lr * real(attrs["wd_lh"]), out=out)
        step = xp.sign(m, out=grad)
        step *= lr
        out += step
        return out
    compute = in_place("signum_update", run)

    infer_shape = weight_shape
    infer_type = weight_type


# --- aggregated updates: one call for several weights ---------------------------------------
_MULTI = {"lrs": FloatTuple(doc="Learning rates."), "wds": FloatTuple(doc="Weight decay "
                                                                          "augments the objective "
                                                                          "function."),
          "rescale_grad": RESCALE, "clip_gradient": CLIP,
          "num_weights": Int(1, low=1, doc="Number of updated weights.")}
_MULTI_MOM = dict(_MULTI, momentum=Float(0.0, doc="The decay rate of momentum estimates."))
_PRELOADED = {"rescale_grad": RESCALE, "clip_gradient": CLIP,
              "num_weights": Int(1, low=1, doc="Number of updated weights.")}
_PRELOADED_MOM = dict(_PRELOADED, momentum=Float(0.0, doc="The decay rate of momentum estimates."))


def _group_names(fields, preloaded):
    def names(attrs):
        out = ["%s_%d" % (f, i) for i in range(attrs["num_weights"]) for f in fields]
        return out + (["lrs", "wds"] if preloaded else [])
    return names


def _weights_out(attrs):
    return ["output%d" % i for i in range(attrs["num_weights"])]


def _multi_shape(group, preloaded):
    def infer_shape(attrs, in_shapes):
        n = attrs["num_weights"]
        shapes, outs = list(in_shapes), []
        for i in range(n):
            part, out = weight_shape(attrs, shapes[i * group:(i + 1) * group])
            shapes[i * group:(i + 1) * group] = part
            outs.append(out[0])
        if preloaded:
            shapes[n * group] = shapes[n * group] or (n,)
            shapes[n * group + 1] = shapes[n * group + 1] or (n,)
        return shapes, outs
    return infer_shape


def _multi_type(group):
    def infer_type(attrs, in_types):
        return list(in_types), [in_types[i * group] for i in range(attrs["num_weights"])]
    return infer_type


def _check_multi(attrs):
    n = attrs["num_weights"]
    for key in ("lrs", "wds"):
        if key in attrs and len(attrs[key]) != n:
            return "expected %d %s (num_weights), found %d" % (n, key, len(attrs[key]))
    return None


def _rates(xp, inputs, attrs, group):
    """(lrs, wds): numbers from the attributes, or 0-d arrays of the preloaded ones (read on
    the device, never copied to the host)."""
    if "lrs" in attrs:
        return attrs["lrs"], attrs["wds"]
    n = attrs["num_weights"]
    lrs, wds = inputs[n * group], inputs[n * group + 1]
    return [lrs[i] for i in range(n)], [wds[i] for i in range(n)]


def _multi_operator(name, fields, momentum, mp, preloaded):
    group = len(fields)
    params = (_PRELOADED_MOM if momentum else _PRELOADED) if preloaded else (
        _MULTI_MOM if momentum else _MULTI)

    def one(xp, parts, lr, wd, scalars, target, compiled=False):
        """The new weight of one group (weight, grad[, mom][, weight32]), into `target`;
        `scalars`: (momentum, rescale_grad, clip_gradient); `compiled`: the group takes the
        compiled loop (mxnb.compiled; the caller has checked that it applies)."""
        w, g = parts[0], parts[1]
        mom_rate, rescale, bound = scalars
        if mp:
            w32 = parts[-1]
            if momentum:
                sgd_mom_step(xp, w32, g, parts[2], lr, wd, mom_rate, rescale, bound, out=w32)
            else:
                sgd_step(xp, w32, g, lr, wd, rescale, bound, out=w32)
            if target is None:
                return w32.astype(w.dtype)
            target[...] = w32
            return target
        if compiled:                                              # one compiled pass
            out = xp.empty(w.shape, w.dtype) if target is None else target
            if momentum:
                return _compiled.sgd_mom(w, g, parts[2], lr, wd, mom_rate, rescale, bound, out)
            return _compiled.sgd(w, g, lr, wd, rescale, bound, out)
        if momentum:
            return sgd_mom_step(xp, w, g, parts[2], lr, wd, mom_rate, rescale, bound, out=target)
        return sgd_step(xp, w, g, lr, wd, rescale, bound, out=target)

    def run(xp, inputs, attrs, targets):
        lrs, wds = _rates(xp, inputs, attrs, group)
        scalars = (attrs.get("momentum"), attrs["rescale_grad"], attrs["clip_gradient"])
        compiled = not mp and _compiled.usable(xp, inputs[:1])
        outs = []
        for i in range(attrs["num_weights"]):
            parts = inputs[i * group:(i + 1) * group]
            target = None if targets is None else targets[i]
            fast = compiled and _compiled.same_layout(parts, target)
            # what chunked would do, inlined; a compiled pass needs no chunks
            if fast or target is None or target.size <= CHUNK:
                outs.append(one(xp, parts, lrs[i], wds[i], scalars, target, fast))
            else:
                outs.append(chunked(xp, lambda arrays, out: one(xp, arrays, lrs[i], wds[i],
                                                                scalars, out),
                                    parts, target))
        return outs

    IN_PLACE[name] = run

    class MultiUpdate:
        def compute(xp, inputs, attrs):
            return run(xp, inputs, attrs, None)

        infer_shape = _multi_shape(group, preloaded)
        infer_type = _multi_type(group)
        check_attrs = staticmethod(_check_multi)

    what = ("momentum SGD" if momentum else "SGD") + (" with float32 master copies" if mp else "")
    where = ("learning rates and weight decays from the last two input arrays (lrs, wds)"
             if preloaded else "per-weight learning rates `lrs` and weight decays `wds`")
    MultiUpdate.__doc__ = ("Updates num_weights weights at once with %s, with %s. Inputs are "
                           "grouped per weight as (%s); states are updated in place."
                           % (what, where, ", ".join(fields)))
    return operator(name, params=params, inputs=_group_names(fields, preloaded),
                    outputs=_weights_out, differentiable=False)(MultiUpdate)


for _pre in (False, True):
    _prefix = "preloaded_" if _pre else ""
    _multi_operator(_prefix + "multi_sgd_update", ("weight", "grad"), False, False, _pre)
    _multi_operator(_prefix + "multi_sgd_mom_update", ("weight", "grad", "mom"), True, False, _pre)
    _multi_operator(_prefix + "multi_mp_sgd_update", ("weight", "grad", "weight32"), False, True,
                    _pre)
    _multi_operator(_prefix + "multi_mp_sgd_mom_update", ("weight", "grad", "mom", "weight32"),
                    True, True, _pre)
