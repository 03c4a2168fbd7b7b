"""FullyConnected: out = data . weight^T + bias, and the two kernels of its backward pass.

The backward kernels are operators themselves, each with a gradient written with the others,
so FullyConnected is differentiable to any order.
"""
from ...base import ShapeError, parse_shape
from ..params import Int, Bool
from ..registry import operator
from ._shapes import merge, prod

_PARAMS = {"num_hidden": Int(low=1), "no_bias": Bool(False), "flatten": Bool(True)}


def _as_matrix(x, flatten):
    """The 2-D view FullyConnected multiplies: (batch, features)."""
    return x.reshape(x.shape[0], -1) if flatten else x.reshape(-1, x.shape[-1])


def _bias_shape(given, hidden):
    """The bias shape FullyConnected takes: (num_hidden,), or a column (num_hidden, 1) as
    MXNet's shape inference also accepts."""
    return (hidden, 1) if given is not None and len(given) == 2 else (hidden,)


def _is_column(bias):
    """Whether a bias value is known to be a (num_hidden, 1) column: an array's shape, or the
    `__shape__` a symbol variable declares (a Gluon parameter's). A symbol of unknown shape
    counts as (num_hidden,), the shape shape inference gives an unbound bias."""
    shape = getattr(bias, "shape", None)
    if shape is None and hasattr(bias, "attr"):
        declared = bias.attr("__shape__")
        shape = parse_shape(declared) if declared else None
    return shape is not None and len(shape) == 2


def _infer_units(attrs, data):
    """(in_units, out_shape) from a partial data shape; 0 where unknown."""
    if data is None:
        return 0, None
    if attrs["flatten"]:
        rest = data[1:]
        return (prod(rest) if 0 not in rest else 0), (data[0], attrs["num_hidden"])
    return data[-1], tuple(data[:-1]) + (attrs["num_hidden"],)


@operator("FullyConnected", params=_PARAMS, hint="fullyconnected",
          inputs=lambda attrs: ("data", "weight") if attrs["no_bias"] else ("data", "weight", "bias"))
class FullyConnected:
    """A dense layer: out = data . weight^T + bias (data flattened to 2-D unless flatten=False)."""
    def compute(xp, inputs, attrs):
        data, weight = inputs[0], inputs[1]
        bias = None if attrs["no_bias"] else inputs[2]
        if weight.ndim != 2 or weight.shape[0] != attrs["num_hidden"] or (
                bias is not None and bias.shape != (attrs["num_hidden"],)):
            FullyConnected.infer_shape(attrs, [x.shape for x in inputs])  # says what is wrong
            if bias is not None:
                bias = bias.reshape(-1)     # a (num_hidden, 1) column, as MXNet accepts
        # a 2-D input is its own matrix: no reshape (a fifth of a tiny layer's kernel)
        out = xp.dot(data if data.ndim == 2 else _as_matrix(data, attrs["flatten"]), weight.T)
        if bias is not None:
            out += bias
        if attrs["flatten"]:
            return out
        return out.reshape(data.shape[:-1] + (weight.shape[0],))

    def infer_shape(attrs, in_shapes):
        name, hidden = "FullyConnected", attrs["num_hidden"]
        data, weight = in_shapes[0], in_shapes[1]
        if data is None:    # as MXNet: nothing is inferred before the data's rank is known
            return in_shapes, [None]
        units, out = _infer_units(attrs, data)
        weight = merge(weight, (hidden, units), name, "weight (num_hidden=%d, in_units from data %s)"
                       % (hidden, None if data is None else tuple(data)))
        if data is not None and weight[1]:
            if units and units != weight[1]:
                raise ShapeError("FullyConnected: data %s has %d input features but weight %s "
                                 "expects %d" % (tuple(data), units, weight, weight[1]))
            # Backward inference: weight's in_units fills the last unknown dim of the data.
            if not units and len(data) == (2 if attrs["flatten"] else len(data)):
                data = tuple(data[:-1]) + (weight[1],)
        shapes = [data, weight]
        if not attrs["no_bias"]:
            bias = in_shapes[2]
            shapes.append(merge(bias, _bias_shape(bias, hidden), name,
                                "bias (num_hidden,) or (num_hidden, 1)"))
        return shapes, [out]

    def infer_shape_backward(attrs, in_shapes, out_shapes):
        """The output's leading dims (the batch) fill the data's."""
        data, out = in_shapes[0], out_shapes[0]
        if out is None or data is None:
            return in_shapes
        if attrs["flatten"]:
            data = (data[0] or out[0],) + tuple(data[1:])
        elif len(data) == len(out):
            data = tuple(a or b for a, b in zip(data[:-1], out[:-1])) + (data[-1],)
        return [data] + list(in_shapes[1:])

    def gradient(F, attrs, inputs, outputs, out_grads, needs):
        og, data, weight = out_grads[0], inputs[0], inputs[1]
        grad_data = F._backward_FullyConnected_data(og, data, weight, **attrs) if needs[0] else None
        param_grads = F._backward_FullyConnected_weight(og, data, **attrs)
        no_bias = attrs["no_bias"]
        if no_bias:
            return [grad_data, param_grads]
        grad_bias = param_grads[1]
        if _is_column(inputs[2]):       # the gradient takes the bias's own (num_hidden, 1) shape
            grad_bias = F.reshape_like(grad_bias, inputs[2])
        return [grad_data, param_grads[0], grad_bias]


_BACKWARD = {"num_hidden": Int(low=1), "no_bias": Bool(False), "flatten": Bool(True)}


@operator("_backward_FullyConnected_data", params=_BACKWARD, inputs=("ograd", "data", "weight"))
class BackwardFullyConnectedData:
    """d(out)/d(data) = ograd . weight, shaped like data (data is read only for its shape)."""
    def compute(xp, inputs, attrs):
        og, data, weight = inputs
        return xp.dot(og.reshape(-1, og.shape[-1]), weight).reshape(data.shape)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def unused_inputs(attrs):
        return (1,)        # data: its shape only

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, data, weight = inputs
        g = out_grads[0]
        # ograd . weight is bilinear: d/d(ograd) = g . weight^T, d/d(weight) = ograd^T . g.
        grad_og = F.FullyConnected(g, weight, num_hidden=attrs["num_hidden"], no_bias=True,
                                   flatten=attrs["flatten"])
        grad_weight = F._backward_FullyConnected_weight(og, g, num_hidden=attrs["num_hidden"],
                                                        no_bias=True, flatten=attrs["flatten"])
        return [grad_og, None, grad_weight]


def _weight_outputs(attrs):
    return ("weight_grad",) if attrs["no_bias"] else ("weight_grad", "bias_grad")


@operator("_backward_FullyConnected_weight", params=_BACKWARD, inputs=("ograd", "data"),
          outputs=_weight_outputs)
class BackwardFullyConnectedWeight:
    """d(out)/d(weight) = ograd^T . data, and d(out)/d(bias) = ograd summed over the batch."""
    def compute(xp, inputs, attrs):
        og, data = inputs
        if og.shape[-1] != attrs["num_hidden"]:
            raise ShapeError("_backward_FullyConnected_weight: ograd %s has %d features, "
                             "num_hidden is %d" % (og.shape, og.shape[-1], attrs["num_hidden"]))
        og2 = og.reshape(-1, og.shape[-1])
        grad_weight = xp.dot(og2.T, _as_matrix(data, attrs["flatten"]))
        if attrs["no_bias"]:
            return [grad_weight]
        return [grad_weight, og2.sum(axis=0)]

    def infer_shape(attrs, in_shapes):
        og, data = in_shapes
        units, _ = _infer_units(attrs, data)
        outs = [(attrs["num_hidden"], units)]
        if not attrs["no_bias"]:
            outs.append((attrs["num_hidden"],))
        return in_shapes, outs

    def infer_type(attrs, in_types):
        known = in_types[0] if in_types[0] is not None else in_types[1]
        return [known, known], [known] * (1 if attrs["no_bias"] else 2)

    def gradient(F, attrs, inputs, outputs, out_grads):
        og, data = inputs
        g_weight = out_grads[0]
        hidden, flatten = attrs["num_hidden"], attrs["flatten"]
        if attrs["no_bias"]:
            grad_og = F.FullyConnected(data, g_weight, num_hidden=hidden, no_bias=True,
                                       flatten=flatten)
        else:  # the bias gradient's own gradient enters as a bias
            grad_og = F.FullyConnected(data, g_weight, out_grads[1], num_hidden=hidden,
                                       flatten=flatten)
        grad_data = F._backward_FullyConnected_data(og, data, g_weight, num_hidden=hidden,
                                                    flatten=flatten)
        return [grad_og, grad_data]
