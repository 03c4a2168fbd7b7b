"""`_softmax_cross_entropy_pick`: Gluon's sparse-label softmax cross entropy as one operator.

An eager `SoftmaxCrossEntropyLoss` records `-pick(log_softmax(x), label, keepdims=True)` as four
tape nodes (log_softmax, pick, negative and, after it, the loss's mean) and runs four gradient
nodes in the backward; at a classifier's sizes dispatching them costs more than the arithmetic.
This operator does the first three steps in one call and its backward the matching three, using
the very kernels of the chain (log_softmax, pick, negative; _backward_pick and
_backward_log_softmax) in the chain's order, so values and gradients are bit for bit the chain's.
Symbols (a hybridized loss, an exported model) keep MXNet's chain; this operator is internal.

The backward computes log_softmax(data) again rather than reading it from a hidden second output.
A hidden output would save ~4 us of a ~105 us loss step on (64, 10), but the second-order
gradient would then have to flow through that hidden output, and the step-through debugger
(notebook/trace_block.py) gives hidden outputs no gradient arrays; recomputed, the second order
is written on `data` alone and works wherever first order does.
"""
from ..indexing import Pick, BackwardPick, _flat_positions
from ..params import Bool, Int, Enum
from ..registry import operator
from .softmax import log_softmax, BackwardLogSoftmax

_PARAMS = {"axis": Int(-1, doc="The class axis: the softmax is taken and the label picked "
                               "along it."),
           "mode": Enum(("clip", "wrap"), "clip",
                        doc="Labels outside [0, classes): 'clip' to the nearest class, or "
                            "'wrap' around (as pick)."),
           "keepdims": Bool(True, doc="Keep `axis` (of length 1) in the output; without it the "
                                      "output of 2-D data is the per-sample loss, which the "
                                      "loss's mean over that axis would leave unchanged.")}


def _pick_attrs(attrs, keepdims=True):
    """pick's attributes for this call (the backward works with the picked axis kept)."""
    return {"axis": attrs["axis"], "keepdims": keepdims, "mode": attrs["mode"]}


def _log_softmax_attrs(attrs):
    return {"axis": attrs["axis"], "temperature": None}


def _kept_shape(data, axis, keepdims=True):
    """data's shape with `axis` of length 1 (or without it), or None while data is unknown."""
    if data is None:
        return None
    out = list(data)
    if keepdims:
        out[axis % len(data)] = 1
    else:
        del out[axis % len(data)]
    return tuple(out)


def _last_axis_gradient(xp, og, label, ls, pick_attrs):
    """The gradient for the common case (classes along the last axis, at least two of them,
    ograd with the axis kept and of ls's dtype), else None for the general path.

    The same operations as the general path but one: the sum along the axis of g placed among
    zeros is g + 0.0, exactly. Whatever the order of the additions, the zeros add nothing to g
    and a -0.0 becomes +0.0 (NaN and inf stay), and the reduction costs more than all the rest
    on a classifier's short rows."""
    flat = _flat_positions(xp, label, ls, pick_attrs)
    if (flat is None or og.dtype != ls.dtype or og.ndim != ls.ndim or og.size != flat[0].size
            or ls.shape[-1] < 2):
        return None
    g = -og
    grad = xp.exp(ls)
    grad *= g + 0.0
    placed = xp.zeros(ls.shape, dtype=og.dtype)
    placed.reshape(-1)[flat[0]] = g.reshape(-1)
    xp.subtract(placed, grad, out=grad)     # g - e^ls * g at the label, 0 - e^ls * g elsewhere
    return grad


@operator("_softmax_cross_entropy_pick", params=_PARAMS, inputs=("data", "label"))
class SoftmaxCrossEntropyPick:
    """-pick(log_softmax(data, axis), label, axis, keepdims, mode): the cross entropy of each
    sample's softmax with its class `label` (an index along `axis`), shaped as data with `axis`
    of length 1 (or without it)."""
    def compute(xp, inputs, attrs):
        data, label = inputs
        ls = log_softmax(xp, data, attrs["axis"])
        return -Pick.compute(xp, [ls, label], _pick_attrs(attrs, attrs["keepdims"]))

    def infer_shape(attrs, in_shapes):
        data, label = in_shapes
        if data is None:
            return in_shapes, [None]
        # pick's rules: the axis in range, the label's shape with or without the picked axis
        in_shapes, _ = Pick.infer_shape(_pick_attrs(attrs), [data, label])
        return in_shapes, [_kept_shape(data, attrs["axis"], attrs["keepdims"])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        data, label = inputs
        return [F._backward_softmax_cross_entropy_pick(out_grads[0], label, data, **attrs), None]


@operator("_backward_softmax_cross_entropy_pick", params=_PARAMS,
          inputs=("ograd", "label", "data"))
class BackwardSoftmaxCrossEntropyPick:
    """The data gradient of `_softmax_cross_entropy_pick` from (ograd, label, data): with
    ls = log_softmax(data) and g = -ograd placed at the picked positions of zeros,
    g - exp(ls) * sum(g, axis) (log_softmax's, negative's, _backward_pick's and
    _backward_log_softmax's work, in the chain's order)."""
    def compute(xp, inputs, attrs):
        og, label, data = inputs
        ls = log_softmax(xp, data, attrs["axis"])
        if not attrs["keepdims"]:       # (an exact reshape: the rest works with the axis kept)
            og = xp.expand_dims(og, attrs["axis"] % data.ndim)
        pick_attrs = _pick_attrs(attrs)
        grad = _last_axis_gradient(xp, og, label, ls, pick_attrs)
        if grad is not None:
            return grad
        placed = BackwardPick.compute(xp, [-og, label, ls], pick_attrs)
        return BackwardLogSoftmax.compute(xp, [placed, ls], _log_softmax_attrs(attrs))

    def infer_shape(attrs, in_shapes):
        og, label, data = in_shapes
        if og is None and data is not None:
            og = _kept_shape(data, attrs["axis"], attrs["keepdims"])
        return [og, label, data], [data]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # With p = softmax(data) and P the placement at the picked positions, the result is
        # P(-og) - p * sum(P(-og), axis) = P(-og) + p * og. For an incoming gradient h:
        # d/d og = -pick(h - sum(h * p, axis)); d/d data = softmax's gradient of h * og.
        og, label, data = inputs
        h = out_grads[0]
        axis, keepdims = attrs["axis"], attrs["keepdims"]
        p = F.softmax(data, axis=axis)
        centred = F.broadcast_sub(h, F.sum(F.elemwise_mul(h, p), axis=axis, keepdims=True))
        grad_og = F.negative(F.pick(centred, label, axis=axis, keepdims=keepdims,
                                    mode=attrs["mode"]))
        kept = og if keepdims else F.expand_dims(og, axis=axis)
        grad_data = F._backward_softmax(F.broadcast_mul(h, kept), p, axis=axis)
        return [grad_og, None, grad_data]
