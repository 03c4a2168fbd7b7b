"""Dropout: while training (or with mode='always') zero each element with probability p and scale
the survivors by 1/(1-p); otherwise the identity. The scaled mask is a hidden second output, so
the gradient is ograd * mask."""
from ..params import Float, Enum, Shape, Bool
from ..registry import operator


@operator("Dropout", params={"p": Float(0.5, low=0.0, high=1.0), "mode": Enum(("always", "training"), "training"),
                             "axes": Shape(()), "cudnn_off": Bool(False)},
          outputs=("output", "mask"), num_visible=1, needs_train=True, hint="dropout")
class Dropout:
    """Randomly zeroes elements with probability p (sharing the mask along `axes`)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        x = inputs[0]
        p = attrs["p"]
        if not (is_train or attrs["mode"] == "always") or p <= 0:
            return [x.copy(), xp.ones_like(x)]
        shape = list(x.shape)
        for axis in attrs["axes"]:
            shape[axis] = 1   # one draw shared along each of these axes
        keep = rng.uniform(0.0, 1.0, tuple(shape)) < 1 - p
        scale = 0.0 if p >= 1 else 1.0 / (1 - p)
        mask = xp.broadcast_to((keep * scale).astype(x.dtype), x.shape)
        return [x * mask, xp.ascontiguousarray(mask)]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0], in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.elemwise_mul(out_grads[0], outputs[1])]
