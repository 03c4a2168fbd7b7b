"""smooth_l1: the elementwise smooth L1 (Huber-like) function of Fast R-CNN."""
from ..params import Float
from ..registry import operator


@operator("smooth_l1", params={"scalar": Float(1.0)}, elementwise=True)
class SmoothL1:
    """0.5 * (sigma * x)^2 where |x| < 1 / sigma^2, else |x| - 0.5 / sigma^2 (sigma = scalar)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        s2 = attrs["scalar"] ** 2
        ax = xp.abs(x)
        out = xp.where(ax < 1.0 / s2, 0.5 * s2 * x * x, ax - 0.5 / s2)
        return out.astype(x.dtype, copy=False)

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The derivative sigma^2 x clipped to [-1, 1] is sign(x) exactly where |x| >= 1/sigma^2.
        s2 = attrs["scalar"] ** 2
        local = F.clip(F._mul_scalar(inputs[0], scalar=s2), a_min=-1.0, a_max=1.0)
        return [F.elemwise_mul(out_grads[0], local)]
