"""FullyConnected: out = data . weight^T + bias, and the two kernels of its backward pass.

The backward kernels are operators themselves, each with a gradient written with the others,
so FullyConnected is differentiable to any order.
"""
from ...base import ShapeError
from ..params import Int, Bool
from ..registry import operator
from ._shapes import merge, prod

_PARAMS = {"num_hidden": Int(low=1), "no_bias": Bool(False), "flatten": Bool(True)}


def _as_matrix(x, flatten):
    """The 2-D view FullyConnected multiplies: (batch, features)."""
    return x.reshape(x.shape[0], -1) if flatten else x.reshape(-1, x.shape[-1])


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
        if weight.ndim != 2 or weight.shape[0] != attrs["num_hidden"] or (not attrs["no_bias"] and
                                                      inputs[2].shape != (attrs["num_hidden"],)):
            FullyConnected.infer_shape(attrs, [x.shape for x in inputs])  # says what is wrong
        # a 2-D input is its own matrix: no reshape (a fifth of a tiny layer's kernel)
        out = xp.dot(data if data.ndim == 2 else _as_matrix(data, attrs["flatten"]), weight.T)
        if not attrs["no_bias"]:
            out += inputs[2]
        if attrs["flatten"]:
            return out
        return out.reshape(data.shape[:-1] + (weight.shape[0],))

    def infer_shape(attrs, in_shapes):
        name, hidden = "FullyConnected", attrs["num_hidden"]
        data, weight = in_shapes[0], in_shapes[1]
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
            shapes.append(merge(in_shapes[2], (hidden,), name, "bias"))
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
        return [grad_data, param_grads[0], param_grads[1]]


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
