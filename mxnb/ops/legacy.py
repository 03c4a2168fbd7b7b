"""MXNet's legacy and internal spellings that code and saved graphs still use: the capitalised
comparison aliases (_Equal, _Greater, ...), _grad_add, _copyto, _identity_with_attr_like_rhs,
_onehot_encode, and the assignment operators behind NDArray.__setitem__ in MXNet
(_slice_assign / _crop_assign, their _scalar forms, _scatter_set_nd)."""
import numpy as np

from ..base import ShapeError
from .params import Float, Shape
from .registry import add_aliases, operator, same_shape_backward

for _name, _alias in (("_equal", "_Equal"), ("_not_equal", "_Not_Equal"),
                      ("_greater", "_Greater"), ("_greater_equal", "_Greater_Equal"),
                      ("_lesser", "_Lesser"), ("_lesser_equal", "_Lesser_Equal"),
                      ("_logical_and", "_Logical_And"), ("_logical_or", "_Logical_Or"),
                      ("_logical_xor", "_Logical_Xor"), ("_copy", "_copyto"),
                      # MXNet 1.9.1's choose_element_0index is pick (data, index, axis, ...)
                      ("pick", "choose_element_0index")):
    add_aliases(_name, _alias)


@operator("_grad_add", inputs=("lhs", "rhs"), elementwise=True)
class GradAdd:
    """lhs + rhs: the addition MXNet's backward passes use to accumulate gradients."""
    def compute(xp, inputs, attrs):
        if inputs[0].shape != inputs[1].shape:      # MXNet's _grad_add does not broadcast
            raise ShapeError("_grad_add: expected inputs of one shape, found %s and %s"
                             % (inputs[0].shape, inputs[1].shape))
        return inputs[0] + inputs[1]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0], out_grads[0]]


@operator("_identity_with_attr_like_rhs", inputs=("lhs", "rhs"))
class IdentityLikeRhs:
    """lhs unchanged; rhs only lends its attributes (shape and type inference)."""
    def compute(xp, inputs, attrs):
        return inputs[0].copy()

    def infer_shape(attrs, in_shapes):
        shape = in_shapes[0] or in_shapes[1]
        return [shape, shape], [shape]

    # a shape known downstream reaches both inputs (MXNet's test_backward_infer ties a weight
    # to a computed value this way)
    infer_shape_backward = same_shape_backward

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [out_grads[0], F.zeros_like(inputs[1])]


@operator("_onehot_encode", inputs=("lhs", "rhs"), differentiable=False)
class OneHotEncode:
    """One-hot rows: out has rhs's shape, with out[i, lhs[i]] = 1 and zeros elsewhere."""
    def compute(xp, inputs, attrs):
        idx, like = inputs
        out = xp.zeros(like.shape, dtype=like.dtype)
        out[xp.arange(like.shape[0]), idx.astype(np.int64)] = 1
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]


_SLICE = {"begin": Shape(doc="starting indices for the slice operation"),
          "end": Shape(doc="ending indices for the slice operation"),
          "step": Shape((), doc="step for the slice operation")}


def _region(attrs, ndim):
    begin, end, step = attrs["begin"], attrs["end"], attrs["step"] or ()
    index = []
    for i in range(ndim):
        if i < len(begin):
            st = step[i] if i < len(step) and step[i] is not None else None
            index.append(slice(begin[i], end[i], st))
        else:
            index.append(slice(None))
    return tuple(index)


@operator("_slice_assign", params=_SLICE, inputs=("lhs", "rhs"), aliases=("_crop_assign",))
class SliceAssign:
    """A copy of lhs with the slice [begin:end:step] replaced by rhs."""
    def compute(xp, inputs, attrs):
        lhs, rhs = inputs
        out = lhs.copy()
        out[_region(attrs, lhs.ndim)] = rhs
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og = out_grads[0]
        return [F._slice_assign_scalar(og, scalar=0.0, **attrs), F.slice(og, **attrs)]


@operator("_slice_assign_scalar", params=dict(_SLICE, scalar=Float(0.0, doc="The scalar value "
                                                                            "for assignment.")),
          aliases=("_crop_assign_scalar",))
class SliceAssignScalar:
    """A copy of data with the slice [begin:end:step] set to `scalar`."""
    def compute(xp, inputs, attrs):
        out = inputs[0].copy()
        out[_region(attrs, out.ndim)] = attrs["scalar"]
        return out

    def gradient(F, attrs, inputs, outputs, out_grads):
        params = {k: attrs[k] for k in _SLICE}
        return [F._slice_assign_scalar(out_grads[0], scalar=0.0, **params)]


@operator("_scatter_set_nd", params={"shape": Shape(doc="Shape of output.")},
          inputs=("lhs", "rhs", "indices"))
class ScatterSetNd:
    """A copy of lhs with the elements at `indices` (as gather_nd reads them) set to rhs."""
    def compute(xp, inputs, attrs):
        lhs, rhs, idx = inputs
        out = lhs.copy()
        out[tuple(idx.astype(np.int64))] = rhs
        return out

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, idx = out_grads[0], inputs[2]
        zeros = F.zeros_like(inputs[1])
        return [F._scatter_set_nd(og, zeros, idx, shape=attrs["shape"]), F.gather_nd(og, idx),
                F.zeros_like(idx)]


# MXNet 1.x's "_v1" operators (old model files): the same parameters, defaults and inputs as
# the current operators, so they are other names of them.
for _name, _alias in (("Convolution", "Convolution_v1"), ("BatchNorm", "BatchNorm_v1"),
                      ("Pooling", "Pooling_v1")):
    add_aliases(_name, _alias)
