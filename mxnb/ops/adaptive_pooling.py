"""AdaptiveAvgPooling2D (MXNet contrib): average pooling to a requested output size, each
output cell averaging rows floor(i * H / oh) .. ceil((i + 1) * H / oh) (and likewise for
columns)."""
from ..base import ShapeError
from .params import Shape
from .registry import operator


def _output_size(attrs, h, w):
    size = tuple(attrs["output_size"])
    if not size:
        return 1, 1
    return (size[0], size[0]) if len(size) == 1 else (size[0], size[1])


def _bins(n_in, n_out):
    return [((i * n_in) // n_out, -(-((i + 1) * n_in) // n_out)) for i in range(n_out)]


@operator("_contrib_AdaptiveAvgPooling2D",
          params={"output_size": Shape((), doc="int (output size) or a tuple of int for output "
                                               "(height, width).", low=1)},
          hint="adaptiveavgpooling2d")
class AdaptiveAvgPooling2D:
    """Applies a 2D adaptive average pooling over a 4D input with the shape of (NCHW); the
    pooling windows are chosen for the requested output size (one int: square)."""
    def check_attrs(attrs):
        if len(attrs["output_size"]) > 2:
            return ("output_size must be an int or (height, width), found %s"
                    % (attrs["output_size"],))
        return None

    def compute(xp, inputs, attrs):
        x = inputs[0]
        AdaptiveAvgPooling2D.infer_shape(attrs, [x.shape])
        n, c, h, w = x.shape
        oh, ow = _output_size(attrs, h, w)
        rows = [x[:, :, a:b, :].mean(axis=2) for a, b in _bins(h, oh)]      # (n, c, w) each
        stacked = xp.stack(rows, axis=2)                                      # (n, c, oh, w)
        cols = [stacked[..., a:b].mean(axis=3) for a, b in _bins(w, ow)]
        return xp.stack(cols, axis=3).astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        if len(x) != 4:
            raise ShapeError("AdaptiveAvgPooling2D: expected 4-D (N, C, H, W) data, found %s"
                             % (tuple(x),))
        if len(attrs["output_size"]) > 2:
            raise ShapeError("AdaptiveAvgPooling2D: output_size must be an int or (height, "
                             "width), found %s" % (attrs["output_size"],))
        return in_shapes, [(x[0], x[1]) + _output_size(attrs, x[2], x[3])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_contrib_AdaptiveAvgPooling2D(out_grads[0], inputs[0], **attrs)]


@operator("_backward_contrib_AdaptiveAvgPooling2D",
          params={"output_size": Shape((), low=1)}, inputs=("ograd", "data"))
class BackwardAdaptiveAvgPooling2D:
    """The gradient of AdaptiveAvgPooling2D: each output cell's gradient spread evenly over its
    window."""
    def check_attrs(attrs):
        return AdaptiveAvgPooling2D.check_attrs(attrs)

    def compute(xp, inputs, attrs):
        og, x = inputs
        n, c, h, w = x.shape
        oh, ow = _output_size(attrs, h, w)
        grad = xp.zeros(x.shape, dtype=og.dtype)
        for i, (r0, r1) in enumerate(_bins(h, oh)):
            for j, (c0, c1) in enumerate(_bins(w, ow)):
                grad[:, :, r0:r1, c0:c1] += og[:, :, i:i + 1, j:j + 1] / ((r1 - r0) * (c1 - c0))
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._contrib_AdaptiveAvgPooling2D(out_grads[0], **attrs), F.zeros_like(inputs[1])]
