"""Helpers of the aggregated and mixed-precision optimizers: all_finite / multi_all_finite (loss
scaling checks), multi_sum_sq and multi_lars (LARS learning rates), reset_arrays (zeroing
gradients in one call)."""
import numpy as np

from ..params import Bool, Float, Int
from ..registry import operator
from ._common import RESCALE

_FLOAT32 = np.dtype(np.float32)


def _all_finite(xp, arrays):
    ok = xp.ones((1,), dtype=np.float32)
    for a in arrays:
        ok *= xp.isfinite(a).all()
    return ok


@operator("all_finite", params={"init_output": Bool(True, doc="Initialize output to 1.")},
          differentiable=False)
class AllFinite:
    """A float32 array of shape (1,): 1 if every element of the data is finite, else 0."""
    def compute(xp, inputs, attrs):
        return _all_finite(xp, inputs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(1,)]

    def infer_type(attrs, in_types):
        return in_types, [_FLOAT32]


@operator("multi_all_finite", params={"num_arrays": Int(1, low=1, doc="Number of arrays."),
                                      "init_output": Bool(True, doc="Initialize output to 1.")},
          variadic="num_arrays", differentiable=False)
class MultiAllFinite:
    """A float32 array of shape (1,): 1 if every element of every array is finite, else 0."""
    def compute(xp, inputs, attrs):
        return _all_finite(xp, inputs)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(1,)]

    def infer_type(attrs, in_types):
        return in_types, [_FLOAT32]


@operator("multi_sum_sq", params={"num_arrays": Int(doc="Number of arrays.", low=1)},
          variadic="num_arrays", differentiable=False)
class MultiSumSq:
    """The sum of squares of each array, as one float32 array of shape (num_arrays,)."""
    def compute(xp, inputs, attrs):
        out = xp.empty((len(inputs),), dtype=np.float32)
        for i, a in enumerate(inputs):
            a32 = a.astype(np.float32, copy=False)
            out[i] = (a32 * a32).sum()
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [(attrs["num_arrays"],)]

    def infer_type(attrs, in_types):
        return in_types, [_FLOAT32]


@operator("multi_lars", params={"eta": Float(doc="LARS trust coefficient."),
                                "eps": Float(doc="A small constant for numerical stability."),
                                "rescale_grad": RESCALE},
          inputs=("lrs", "weights_sum_sq", "grads_sum_sq", "wds"), differentiable=False)
class MultiLARS:
    """Learning rates scaled by LARS' trust ratio, one per weight:
    lr * eta * ||w|| / (||g|| + wd * ||w|| + eps) where both norms are positive, else lr."""
    def compute(xp, inputs, attrs):
        lrs, w_sq, g_sq, wds = inputs
        real = lrs.dtype.type
        w_norm = xp.sqrt(w_sq)
        g_norm = xp.sqrt(g_sq) * real(attrs["rescale_grad"])
        usable = (w_norm > 0) & (g_norm > 0)
        scaled = lrs * real(attrs["eta"]) * w_norm / (g_norm + wds * w_norm + real(attrs["eps"]))
        return xp.where(usable, scaled, lrs)


@operator("reset_arrays", params={"num_arrays": Int(doc="Number of arrays.", low=1)},
          variadic="num_arrays", outputs=(), differentiable=False)
class ResetArrays:
    """Sets every array to zero, in place; returns nothing."""
    def compute(xp, inputs, attrs):
        for a in inputs:
            a[...] = 0
        return []

    def infer_shape(attrs, in_shapes):
        return in_shapes, []

    def infer_type(attrs, in_types):
        return in_types, []
