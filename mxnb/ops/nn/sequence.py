"""SequenceMask, SequenceLast, SequenceReverse: per-sequence operations on data laid out
(max sequence length, batch, ...) along `axis` (0, or 1 for batch-major data where allowed),
with the valid lengths given by the `sequence_length` input when use_sequence_length=True.

Lengths are clipped to [0, max length]. SequenceLast of an empty sequence is zeros.
"""
from ...base import ShapeError
from ..params import Bool, Float, Int, inserted
from ..registry import operator

_BASE = {"use_sequence_length": Bool(False), "axis": Int(0, low=0, high=1)}


def _inputs(attrs):
    return ("data", "sequence_length") if attrs["use_sequence_length"] else ("data",)


def _valid(xp, lengths, T, axis, ndim):
    """Boolean mask (broadcastable against data) of the steps inside each sequence."""
    steps = xp.arange(T)
    if axis == 0:
        valid = steps.reshape(T, 1) < lengths.reshape(1, -1)            # (T, N)
    else:
        valid = lengths.reshape(-1, 1) > steps.reshape(1, T)            # (N, T)
    return valid.reshape(valid.shape + (1,) * (ndim - 2))


def _check_shapes(name, attrs, in_shapes):
    data = in_shapes[0]
    if data is not None and len(data) < 2:
        raise ShapeError("%s: data should have at least 2 dimensions (sequence, batch, ...), found "
                         "shape %s" % (name, tuple(data)))
    if not attrs["use_sequence_length"]:
        return [data]
    batch = None if data is None else data[1 - attrs["axis"]]
    lengths = in_shapes[1]
    if lengths is not None and batch and (len(lengths) != 1 or lengths[0] not in (0, batch)):
        raise ShapeError("%s: sequence_length should have shape (%d,), one length per sequence, "
                         "found %s" % (name, batch, tuple(lengths)))
    return [data, (batch,) if batch else lengths]


def _lengths_type(attrs, in_types):
    data = in_types[0]
    out = [data] + ([in_types[1] if in_types[1] is not None else data]
                    if attrs["use_sequence_length"] else [])
    return out, [data]


@operator("SequenceMask", params=inserted(_BASE, "value", Float(0.0), before="axis"),
          inputs=_inputs, hint="sequencemask")
class SequenceMask:
    """Sets the steps past each sequence's length to `value` (the identity without lengths)."""
    def compute(xp, inputs, attrs):
        if attrs["use_sequence_length"]:     # NumPy would index with lengths of any shape
            _check_shapes("SequenceMask", attrs, [x.shape for x in inputs])
        data = inputs[0]
        if not attrs["use_sequence_length"]:
            return data.copy()
        axis = attrs["axis"]
        valid = _valid(xp, inputs[1], data.shape[axis], axis, data.ndim)
        return xp.where(valid, data, data.dtype.type(attrs["value"]))

    def infer_shape(attrs, in_shapes):
        shapes = _check_shapes("SequenceMask", attrs, in_shapes)
        return shapes, [shapes[0]]

    infer_type = _lengths_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        if not attrs["use_sequence_length"]:
            return [out_grads[0]]
        return [F.SequenceMask(out_grads[0], inputs[1], use_sequence_length=True, value=0.0,
                               axis=attrs["axis"]), None]


def _last_index(xp, lengths, T):
    return xp.clip(lengths.astype(xp.int64) - 1, 0, T - 1)


def _take_last(xp, data, lengths, axis):
    T = data.shape[axis]
    if lengths is None:
        return (data[-1] if axis == 0 else data[:, -1]).copy()
    idx = _last_index(xp, lengths, T)
    batch = xp.arange(idx.shape[0])
    out = data[idx, batch] if axis == 0 else data[batch, idx]
    empty = (lengths <= 0).reshape((-1,) + (1,) * (out.ndim - 1))
    return xp.where(empty, out.dtype.type(0), out)


@operator("SequenceLast", params=dict(_BASE), inputs=_inputs, hint="sequencelast")
class SequenceLast:
    """The last valid step of each sequence: data[len - 1, n] (axis 0) or data[n, len - 1]."""
    def compute(xp, inputs, attrs):
        if attrs["use_sequence_length"]:     # NumPy would index with lengths of any shape
            _check_shapes("SequenceLast", attrs, [x.shape for x in inputs])
        lengths = inputs[1] if attrs["use_sequence_length"] else None
        return _take_last(xp, inputs[0], lengths, attrs["axis"])

    def infer_shape(attrs, in_shapes):
        shapes = _check_shapes("SequenceLast", attrs, in_shapes)
        data = shapes[0]
        if data is None:
            return shapes, [None]
        out = tuple(data[1:]) if attrs["axis"] == 0 else (data[0],) + tuple(data[2:])
        return shapes, [out]

    infer_type = _lengths_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        grad = F._backward_SequenceLast(out_grads[0], *inputs, **_public(attrs))
        return [grad] + ([None] if attrs["use_sequence_length"] else [])


def _public(attrs):
    return {k: v for k, v in attrs.items() if not k.startswith("_")}


def _backward_last_inputs(attrs):
    return ("ograd",) + _inputs(attrs)


@operator("_backward_SequenceLast", params=dict(_BASE), inputs=_backward_last_inputs)
class BackwardSequenceLast:
    """SequenceLast's data gradient: ograd scattered back to each sequence's last step."""
    def compute(xp, inputs, attrs):
        og, data = inputs[0], inputs[1]
        axis = attrs["axis"]
        T = data.shape[axis]
        grad = xp.zeros(data.shape, dtype=og.dtype)
        if not attrs["use_sequence_length"]:
            if axis == 0:
                grad[-1] = og
            else:
                grad[:, -1] = og
            return grad
        lengths = inputs[2]
        idx = _last_index(xp, lengths, T)
        batch = xp.arange(idx.shape[0])
        empty = (lengths <= 0).reshape((-1,) + (1,) * (og.ndim - 1))
        og = xp.where(empty, og.dtype.type(0), og)
        if axis == 0:
            grad[idx, batch] = og
        else:
            grad[batch, idx] = og
        return grad

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # Linear in ograd: its gradient picks the same steps again.
        rest = [None] * (len(inputs) - 1)
        return [F.SequenceLast(out_grads[0], *inputs[2:], **_public(attrs))] + rest


@operator("SequenceReverse",
          params={"use_sequence_length": Bool(False), "axis": Int(0, low=0, high=0)},
          inputs=_inputs, hint="sequencereverse")
class SequenceReverse:
    """Reverses the first `len` steps of each sequence along axis 0; later steps stay put."""
    def compute(xp, inputs, attrs):
        if attrs["use_sequence_length"]:     # NumPy would index with lengths of any shape
            _check_shapes("SequenceReverse", attrs, [x.shape for x in inputs])
        data = inputs[0]
        T = data.shape[0]
        if not attrs["use_sequence_length"]:
            return data[::-1].copy()
        lengths = xp.clip(inputs[1].astype(xp.int64), 0, T)
        steps = xp.arange(T).reshape(T, 1)
        source = xp.where(steps < lengths.reshape(1, -1), lengths.reshape(1, -1) - 1 - steps, steps)
        batch = xp.arange(data.shape[1]).reshape(1, -1)
        return data[source, batch]

    def infer_shape(attrs, in_shapes):
        shapes = _check_shapes("SequenceReverse", attrs, in_shapes)
        return shapes, [shapes[0]]

    infer_type = _lengths_type

    def gradient(F, attrs, inputs, outputs, out_grads):
        # A permutation that is its own inverse.
        grad = F.SequenceReverse(out_grads[0], *inputs[1:], **_public(attrs))
        return [grad] + ([None] if attrs["use_sequence_length"] else [])
