"""Network operators outside the main nn families: L2Normalization, softmax_cross_entropy,
SVMOutput, IdentityAttachKLSparseReg, and im2col / col2im (the patch extraction behind
convolution)."""
import numpy as np

from ..base import ShapeError
from .params import Bool, Enum, Float, Shape, inserted
from .registry import operator

_L2_AXES = {"instance": lambda nd: tuple(range(1, nd)), "channel": lambda nd: (1,),
            "spatial": lambda nd: tuple(range(2, nd))}


@operator("L2Normalization", params={"eps": Float(1e-10, doc="A small constant for numerical "
                                                             "stability."),
                                     "mode": Enum(("channel", "instance", "spatial"),
                                                  "instance", doc="Specify the dimension "
                                                                  "along which to compute L2 "
                                                                  "norm.")},
          outputs=("output", "norm"), num_visible=1)
class L2Normalization:
    """Normalize the input array using the L2 norm: out = data / sqrt(sum(data^2) + eps), the
    sum over all axes but the first (instance), over axis 1 (channel) or over the spatial axes
    (spatial)."""
    def compute(xp, inputs, attrs):
        x = inputs[0]
        L2Normalization.infer_shape(attrs, [x.shape])
        axes = _L2_AXES[attrs["mode"]](x.ndim)
        norm = xp.sqrt((x * x).sum(axis=axes, keepdims=True) + x.dtype.type(attrs["eps"]))
        return [x / norm, norm.reshape([d for i, d in enumerate(norm.shape) if i not in axes])]

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None, None]
        if attrs["mode"] != "instance" and len(x) < 3:      # as MXNet's shape check
            raise ShapeError("L2Normalization: mode %r needs at least 3 dimensions, found %s"
                             % (attrs["mode"], tuple(x)))
        axes = _L2_AXES[attrs["mode"]](len(x))
        return in_shapes, [tuple(x), tuple(d for i, d in enumerate(x) if i not in axes)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0], in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # dx = (og - y * sum(og * y)) / norm, sums over the normalized axes
        x, y, og = inputs[0], outputs[0], out_grads[0]
        mode = attrs["mode"]
        if mode == "instance":
            kw = {"axis": 0, "exclude": True}
        elif mode == "channel":
            kw = {"axis": 1}
        else:
            kw = {"axis": (0, 1), "exclude": True}
        inner = F.sum(F.elemwise_mul(og, y), keepdims=True, **kw)
        norm = F.sqrt(F._plus_scalar(F.sum(F.square(x), keepdims=True, **kw), scalar=attrs["eps"]))
        return [F.broadcast_div(F.elemwise_sub(og, F.broadcast_mul(y, inner)), norm)]


@operator("softmax_cross_entropy", inputs=("data", "label"))
class SoftmaxCrossEntropy:
    """Calculate cross entropy of softmax output and one-hot label, summed over the batch:
    out = -sum_i log(softmax(data_i)[label_i]), of shape (1,)."""
    def compute(xp, inputs, attrs):
        x, label = inputs
        z = x - x.max(axis=1, keepdims=True)
        logp = z - xp.log(xp.exp(z).sum(axis=1, keepdims=True))
        picked = logp[xp.arange(x.shape[0]), label.astype(np.int64)]
        return (-picked.sum()).reshape(1).astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        label = in_shapes[1] or (None if x is None else (x[0],))
        return [x, label], [(1,)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_softmax_cross_entropy(out_grads[0], inputs[0], inputs[1]),
                F.zeros_like(inputs[1])]


@operator("_backward_softmax_cross_entropy", inputs=("ograd", "data", "label"))
class BackwardSoftmaxCrossEntropy:
    """ograd * (softmax(data) - one_hot(label))."""
    def compute(xp, inputs, attrs):
        og, x, label = inputs
        z = x - x.max(axis=1, keepdims=True)
        e = xp.exp(z)
        grad = e / e.sum(axis=1, keepdims=True)
        grad[xp.arange(x.shape[0]), label.astype(np.int64)] -= 1
        return grad * og.reshape(())

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]


_SVM = {"margin": Float(1.0, doc="The loss function penalizes outputs that lie outside this "
                                 "margin."),
        "regularization_coefficient": Float(1.0, doc="Regularization parameter for the SVM."),
        "use_linear": Bool(False, doc="Whether to use L1-SVM objective (L2-SVM by default).")}


@operator("SVMOutput", params=_SVM, inputs=("data", "label"))
class SVMOutput:
    """Computes support vector machine based transformation of the input: the identity in the
    forward pass; the backward pass gives the hinge-loss gradient (L1-SVM with use_linear,
    L2-SVM otherwise) and ignores the head gradient, as output layers do."""
    def compute(xp, inputs, attrs):
        return inputs[0].copy()

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        label = in_shapes[1] or (None if x is None else (x[0],))
        return [x, label], [x]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_SVMOutput(inputs[0], inputs[1], **attrs), F.zeros_like(inputs[1])]


@operator("_backward_SVMOutput", params=_SVM, inputs=("data", "label"))
class BackwardSVMOutput:
    """The hinge-loss gradient of SVMOutput: for each sample, the true class k gets
    -reg * [margin > x_k] (L1) or -2 reg * max(margin - x_k, 0) (L2), every other class j
    +reg * [margin > -x_j] (L1) or 2 reg * max(margin + x_j, 0) (L2)."""
    def compute(xp, inputs, attrs):
        x, label = inputs
        real = x.dtype.type
        margin, reg = real(attrs["margin"]), real(attrs["regularization_coefficient"])
        x2 = x.reshape(x.shape[0], -1)
        is_label = xp.zeros(x2.shape, dtype=bool)
        is_label[xp.arange(x2.shape[0]), label.reshape(-1).astype(np.int64)] = True
        if attrs["use_linear"]:
            grad = xp.where(is_label, -(margin > x2).astype(x.dtype),
                            (margin > -x2).astype(x.dtype)) * reg
        else:
            grad = xp.where(is_label, -xp.maximum(margin - x2, 0),
                            xp.maximum(margin + x2, 0)) * (2 * reg)
        return grad.reshape(x.shape).astype(x.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]


_IM2COL = {"kernel": Shape(doc="Sliding kernel size: (w,), (h, w) or (d, h, w).", low=1),
           "stride": Shape((), doc="The stride between adjacent sliding blocks.", low=1),
           "dilate": Shape((), doc="The spacing between adjacent kernel points.", low=1),
           "pad": Shape((), doc="The zero-value padding size on both sides.", low=0)}


def _conv_params(attrs):
    k = tuple(attrs["kernel"])
    n = len(k)
    stride = tuple(attrs["stride"]) or (1,) * n
    dilate = tuple(attrs["dilate"]) or (1,) * n
    pad = tuple(attrs["pad"]) or (0,) * n
    return k, stride, dilate, pad


def _check_conv(attrs):
    k, stride, dilate, pad = _conv_params(attrs)
    if not len(k) == len(stride) == len(dilate) == len(pad):
        return ("kernel, stride, dilate and pad must have the same length, found %s, %s, %s, %s"
                % (k, stride, dilate, pad))
    return None


def _out_spatial(spatial, attrs):
    k, stride, dilate, pad = _conv_params(attrs)
    return tuple((s + 2 * p - (d * (kk - 1) + 1)) // st + 1
                 for s, kk, st, d, p in zip(spatial, k, stride, dilate, pad))


def _patch_index(xp, spatial, attrs):
    """For each kernel offset and output position, the flat index into the padded input."""
    k, stride, dilate, pad = _conv_params(attrs)
    padded = [s + 2 * p for s, p in zip(spatial, pad)]
    out = _out_spatial(spatial, attrs)
    index = xp.zeros((1, 1), dtype=np.int64)
    for dim in range(len(k)):
        offs = xp.arange(k[dim]) * dilate[dim]
        pos = xp.arange(out[dim]) * stride[dim]
        coord = offs[:, None] + pos[None, :]            # (k_d, out_d)
        index = (index[:, None, :, None] * padded[dim] + coord[None, :, None, :]).reshape(
            index.shape[0] * k[dim], index.shape[1] * out[dim])
    return index, padded, out


@operator("im2col", params=_IM2COL)
class Im2Col:
    """Extract sliding blocks from input array: (N, C, *spatial) becomes
    (N, C * prod(kernel), L) with L the number of output positions, as convolution sees it."""
    check_attrs = staticmethod(_check_conv)

    def compute(xp, inputs, attrs):
        x = inputs[0]
        Im2Col.infer_shape(attrs, [x.shape])
        n, c = x.shape[:2]
        k, stride, dilate, pad = _conv_params(attrs)
        xpad = xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
        index, padded, out = _patch_index(xp, x.shape[2:], attrs)
        flat = xpad.reshape(n, c, -1)
        cols = flat[:, :, index]                        # (N, C, K, L)
        return xp.ascontiguousarray(cols.reshape(n, c * index.shape[0], index.shape[1]))

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        k = tuple(attrs["kernel"])
        if len(x) != len(k) + 2:
            raise ShapeError("im2col: a %d-D kernel needs %d-D data (N, C, ...), found %s"
                             % (len(k), len(k) + 2, tuple(x)))
        kk, _, dilate, pad = _conv_params(attrs)
        for size, k_d, d, p in zip(x[2:], kk, dilate, pad):
            if d * (k_d - 1) + 1 > size + 2 * p:
                raise ShapeError("im2col: the dilated kernel %s is larger than the padded "
                                 "input %s" % (tuple(d * (a - 1) + 1 for a, d in zip(kk, dilate)),
                                               tuple(s + 2 * q for s, q in zip(x[2:], pad))))
        out = _out_spatial(x[2:], attrs)
        return in_shapes, [(x[0], x[1] * int(np.prod(k)), int(np.prod(out)))]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_im2col(out_grads[0], inputs[0], **attrs)]


def _col2im(xp, cols, spatial, attrs, dtype):
    n = cols.shape[0]
    k, stride, dilate, pad = _conv_params(attrs)
    index, padded, out = _patch_index(xp, spatial, attrs)
    c = cols.shape[1] // index.shape[0]
    flat = xp.zeros((n * c, int(np.prod(padded))), dtype=dtype)
    values = cols.reshape(n * c, index.size)
    rows = xp.arange(n * c)[:, None]
    xp.add.at(flat, (rows, index.reshape(1, -1)), values)   # overlapping patches add up
    full = flat.reshape((n, c) + tuple(padded))
    crop = tuple(slice(p, p + s) for p, s in zip(pad, spatial))
    return xp.ascontiguousarray(full[(slice(None), slice(None)) + crop])


@operator("_backward_im2col", params=_IM2COL, inputs=("ograd", "data"))
class BackwardIm2Col:
    """The gradient of im2col: col2im of the output gradient to the data's shape."""
    check_attrs = staticmethod(_check_conv)

    def compute(xp, inputs, attrs):
        og, x = inputs
        BackwardIm2Col.infer_shape(attrs, [og.shape, x.shape])
        return _col2im(xp, og, x.shape[2:], attrs, og.dtype)

    def infer_shape(attrs, in_shapes):
        og, x = in_shapes
        if og is not None and x is not None:
            cols = Im2Col.infer_shape(attrs, [x])[1][0]
            if tuple(og) != cols:
                raise ShapeError("_backward_im2col: the output gradient of im2col on data %s "
                                 "has shape %s, found %s" % (tuple(x), cols, tuple(og)))
        return in_shapes, [x]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F.im2col(out_grads[0], **attrs), F.zeros_like(inputs[1])]


@operator("col2im", params=inserted(_IM2COL, "output_size", Shape(
    doc="The spatial dimension of image array: (w,), (h, w) or (d, h, w).", low=1),
    before="kernel"))
class Col2Im:
    """Combining sliding blocks into a large array (the adjoint of im2col): overlapping values
    are summed."""
    def check_attrs(attrs):
        problem = _check_conv(attrs)
        if problem is None and len(attrs["output_size"]) != len(attrs["kernel"]):
            problem = "output_size %s and kernel %s must have the same length" % (
                attrs["output_size"], attrs["kernel"])
        return problem

    def compute(xp, inputs, attrs):
        return _col2im(xp, inputs[0], tuple(attrs["output_size"]), attrs, inputs[0].dtype)

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        k = int(np.prod(attrs["kernel"]))
        if x[1] % k:
            raise ShapeError("col2im: axis 1 (%d) must be a multiple of prod(kernel) = %d"
                             % (x[1], k))
        return in_shapes, [(x[0], x[1] // k) + tuple(attrs["output_size"])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        params = {k: attrs[k] for k in _IM2COL}
        return [F.im2col(out_grads[0], **params)]


_KL = {"sparseness_target": Float(0.1, doc="The sparseness target"),
       "penalty": Float(0.001, doc="The tradeoff parameter for the sparseness penalty"),
       "momentum": Float(0.9, doc="The momentum for running average")}


@operator("IdentityAttachKLSparseReg", params=_KL, aux=("moving_avg",))
class IdentityAttachKLSparseReg:
    """Apply a sparse regularization to the output a sigmoid activation function: the identity
    in the forward pass; the backward pass updates the running mean activation per unit
    (moving_avg) and adds the gradient of the KL divergence between the target sparseness and
    it: penalty * (-target / avg + (1 - target) / (1 - avg))."""
    # the running mean activation starts at 0 wherever an initializer reads `__init__`
    input_init = {"moving_avg": '["zero", {}]'}

    def compute(xp, inputs, attrs):
        IdentityAttachKLSparseReg.infer_shape(attrs, [x.shape for x in inputs])
        return inputs[0].copy()

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        if x is None:
            return in_shapes, [None]
        if len(x) < 2:
            raise ShapeError("IdentityAttachKLSparseReg: expected (batch, units, ...) data, "
                             "found %s" % (tuple(x),))
        avg = in_shapes[1] if len(in_shapes) > 1 else None
        if avg is not None and tuple(avg) != (x[1],):
            raise ShapeError("IdentityAttachKLSparseReg: moving_avg should have shape %s, "
                             "found %s" % ((x[1],), tuple(avg)))
        return [x, (x[1],)], [x]

    def infer_type(attrs, in_types):
        return [in_types[0], in_types[1] or in_types[0]], [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grad = F._backward_IdentityAttachKLSparseReg(out_grads[0], inputs[0], inputs[1], **attrs)
        return [grad, None]


@operator("_backward_IdentityAttachKLSparseReg", params=_KL,
          inputs=("ograd", "data", "moving_avg"))
class BackwardIdentityAttachKLSparseReg:
    """IdentityAttachKLSparseReg's gradient; updates moving_avg in place, as MXNet's
    backward pass does."""
    def compute(xp, inputs, attrs):
        og, x, moving = inputs
        others = (0,) + tuple(range(2, x.ndim))
        avg = x.mean(axis=others)                       # mean activation of each unit
        real = x.dtype.type
        m = real(attrs["momentum"])
        moving[...] = moving * m + avg * (real(1) - m)
        t = real(attrs["sparseness_target"])
        penalty = (-t / moving + (real(1) - t) / (real(1) - moving)) * real(attrs["penalty"])
        return og + penalty.reshape((1, -1) + (1,) * (x.ndim - 2))

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]
