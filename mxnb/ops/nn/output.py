"""Loss output layers: SoftmaxOutput and the regression outputs.

Their forward pass is a prediction (softmax, identity, sigmoid); their backward pass is the loss
gradient computed from the output and the label by a backward kernel, ignoring the incoming
gradient (as MXNet does, unless SoftmaxOutput's out_grad=True). The label gets no gradient.
"""
from ..params import Float, Bool, Enum
from ..registry import operator
from ._shapes import merge
from .softmax import softmax
from .activation import _sigmoid

# --- SoftmaxOutput -------------------------------------------------------------------------------
_SOFTMAX_OUTPUT = {
    "grad_scale": Float(1.0), "ignore_label": Float(-1.0), "multi_output": Bool(False),
    "use_ignore": Bool(False), "preserve_shape": Bool(False),
    "normalization": Enum(("null", "batch", "valid"), "null"), "out_grad": Bool(False),
    "smooth_alpha": Float(0.0, low=0.0, high=1.0),
}


def _softmax_forward(xp, data, attrs):
    if attrs["multi_output"]:
        return softmax(xp, data, 1)
    if attrs["preserve_shape"]:
        return softmax(xp, data, -1)
    return softmax(xp, data.reshape(data.shape[0], -1), 1).reshape(data.shape)


def _label_shape(attrs, data):
    if attrs["multi_output"]:
        return (data[0],) + tuple(data[2:])
    return tuple(data[:-1])


@operator("SoftmaxOutput", params=_SOFTMAX_OUTPUT, inputs=("data", "label"), aliases=("Softmax",),
          hint="softmaxoutput")
class SoftmaxOutput:
    """Forward: softmax of data. Backward: (softmax - one_hot(label)) * grad_scale, normalised;
    a label shaped as the data is a probability label: (softmax - label) * grad_scale, which
    MXNet neither normalises nor masks (normalization, use_ignore and smooth_alpha are unused)."""
    def compute(xp, inputs, attrs):
        return _softmax_forward(xp, inputs[0], attrs)

    def infer_shape(attrs, in_shapes):
        data, label = in_shapes
        if data is not None and label is not None and len(label) == len(data):
            # a label shaped as the data holds class probabilities (MXNet accepts it)
            shape = merge(label, data, "SoftmaxOutput", "a probability label")
            return [shape, shape], [shape]
        if data is not None and label is not None and attrs["multi_output"] and len(label) == 2 \
                and len(data) > 3:
            return in_shapes, [data]   # label given flattened as (batch, spatial size)
        if data is not None:
            label = merge(label, _label_shape(attrs, data), "SoftmaxOutput", "label")
        return [data, label], [data]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grad = F._backward_SoftmaxOutput(out_grads[0], outputs[0], inputs[1], **attrs)
        return [grad, None]


def _class_scores(out, attrs):
    """(scores as (rows, classes, positions), number of rows) for the label layout in use."""
    if attrs["multi_output"]:
        return out.reshape(out.shape[0], out.shape[1], -1), out.shape[0]
    if attrs["preserve_shape"]:
        scores = out.reshape(-1, out.shape[-1])
    else:
        scores = out.reshape(out.shape[0], -1)
    return scores.reshape(scores.shape + (1,)), scores.shape[0]


def _probability_label_grad(og, out, label, attrs):
    """The gradient for a probability label: MXNet 1.9.1 applies grad_scale only."""
    grad = ((out - label) * attrs["grad_scale"]).astype(out.dtype, copy=False)
    if attrs["out_grad"]:
        grad *= og
    return grad


@operator("_backward_SoftmaxOutput", params=_SOFTMAX_OUTPUT, inputs=("ograd", "output", "label"))
class BackwardSoftmaxOutput:
    """SoftmaxOutput's data gradient from (ograd, output, label)."""
    def compute(xp, inputs, attrs):
        og, out, label = inputs
        if label.shape == out.shape:
            return _probability_label_grad(og, out, label, attrs)
        scores, rows = _class_scores(out, attrs)
        classes = scores.shape[1]
        # Without multi_output, MXNet reads the first `rows` labels of the flattened label.
        index = label.reshape(-1)[:rows * scores.shape[2]].reshape(rows, 1, -1)
        target = (xp.arange(classes).reshape(1, -1, 1) == index.astype(xp.int64)).astype(out.dtype)
        alpha = attrs["smooth_alpha"]
        if alpha:
            target = target * (1 - alpha) + (1 - target) * (alpha / (classes - 1))
        grad = scores - target
        count = index.size
        if attrs["use_ignore"]:
            keep = index != attrs["ignore_label"]
            grad *= keep
            count = int(keep.sum())
        norm = attrs["normalization"]
        if norm == "batch":
            scale = attrs["grad_scale"] / index.size
        elif norm == "valid":
            scale = attrs["grad_scale"] / max(count, 1)
        else:  # null: MXNet still divides by the number of positions per row with multi_output
            scale = attrs["grad_scale"] / scores.shape[2]
        grad = (grad * scale).astype(out.dtype, copy=False).reshape(out.shape)
        if attrs["out_grad"]:
            grad *= og
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]


# --- regression outputs ----------------------------------------------------------------------
def _regression_label_shape(name):
    def infer_shape(attrs, in_shapes):
        data, label = in_shapes
        if data is not None:
            if label is not None and len(label) == 1 and len(data) == 2 and data[1] == 1:
                label = merge(label, (data[0],), name, "label")   # (batch,) for (batch, 1) data
            else:
                label = merge(label, data, name, "label")
        elif label is not None and len(label) > 1:
            data = tuple(label)
        return [data, label], [data]
    return infer_shape


def _regression(name, backward_name, forward, loss_grad):
    """Registers one regression output and its backward kernel."""
    def compute(xp, inputs, attrs):
        return forward(xp, inputs[0])

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [getattr(F, backward_name)(outputs[0], inputs[1], grad_scale=attrs["grad_scale"]),
                None]

    def backward_compute(xp, inputs, attrs):
        out, label = inputs
        # MXNet scales by grad_scale over the number of outputs per example.
        per_example = label.size // label.shape[0] if label.ndim else 1
        diff = out - label.reshape(out.shape)
        return (loss_grad(xp, diff) * (attrs["grad_scale"] / per_example)).astype(out.dtype, copy=False)

    def backward_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[0]]

    params = {"grad_scale": Float(1.0)}
    doc = "Forward: %s. Backward: the gradient of its loss w.r.t. data, times grad_scale." % (
        forward.__doc__,)
    impl = type(name, (), {"__doc__": doc, "compute": compute, "gradient": gradient,
                           "infer_shape": _regression_label_shape(name)})
    operator(name, params=params, inputs=("data", "label"))(impl)
    impl = type(backward_name, (), {"compute": backward_compute, "infer_shape": backward_shape})
    operator(backward_name, params=params, inputs=("output", "label"))(impl)


def _identity(xp, x):
    """the data unchanged"""
    return x


def _logistic(xp, x):
    """sigmoid(data)"""
    return _sigmoid(xp, x)


_regression("LinearRegressionOutput", "_backward_linear_reg_out", _identity, lambda xp, d: d)
_regression("LogisticRegressionOutput", "_backward_logistic_reg_out", _logistic, lambda xp, d: d)
_regression("MAERegressionOutput", "_backward_mae_reg_out", _identity, lambda xp, d: xp.sign(d))
