"""The fused attention products of MXNet's contrib transformer operators (GluonNLP's BERT and
Transformer use them): interleaved_matmul_selfatt_qk / _valatt and
interleaved_matmul_encdec_qk / _valatt.

Projections are laid out (seq_len, batch, heads * parts * head_dim) with the parts of each head
next to each other (q, k, v for self-attention; k, v for encoder-decoder attention); attention
scores are (batch * heads, query_len, key_len). The query-key products are scaled by
1 / sqrt(head_dim).
"""
import math

from ..base import ShapeError
from .params import Int
from .registry import operator

_HEADS = {"heads": Int(doc="Set number of heads", low=1)}


def _split(xp, proj, heads, parts):
    """(seq, batch, heads * parts * d) -> `parts` arrays of (batch * heads, seq, d)."""
    seq, batch, width = proj.shape
    d = width // (heads * parts)
    x = proj.reshape(seq, batch, heads, parts, d).transpose(3, 1, 2, 0, 4)
    return [xp.ascontiguousarray(x[p]).reshape(batch * heads, seq, d) for p in range(parts)]


def _join(xp, parts, heads):
    """The inverse of _split: parts of (batch * heads, seq, d) -> (seq, batch, heads*parts*d)."""
    bh, seq, d = parts[0].shape
    batch = bh // heads
    x = xp.stack([p.reshape(batch, heads, seq, d) for p in parts])   # (parts, b, h, s, d)
    return xp.ascontiguousarray(x.transpose(3, 1, 2, 0, 4)).reshape(seq, batch, -1)


def _merge_heads(xp, x, heads):
    """(batch * heads, seq, d) -> (seq, batch, heads * d)."""
    bh, seq, d = x.shape
    out = x.reshape(bh // heads, heads, seq, d).transpose(2, 0, 1, 3)
    return xp.ascontiguousarray(out).reshape(seq, bh // heads, heads * d)


def _check(name, shape, heads, parts):
    if shape is not None and (len(shape) != 3 or shape[2] % (heads * parts)):
        raise ShapeError("%s: expected (seq_len, batch, heads * %d * head_dim) with heads=%d, "
                         "found %s" % (name, parts, heads, tuple(shape)))


@operator("_contrib_interleaved_matmul_selfatt_qk", params=_HEADS,
          inputs=("queries_keys_values",), hint="interleaved_matmul_selfatt_qk")
class SelfAttQK:
    """Compute the matrix multiplication between the projections of queries and keys in
    multihead attention use as self attention: (q / sqrt(head_dim)) @ k^T per head, of shape
    (batch * heads, seq_len, seq_len)."""
    def compute(xp, inputs, attrs):
        q, k, _ = _split(xp, inputs[0], attrs["heads"], 3)
        q = q * q.dtype.type(1.0 / math.sqrt(q.shape[-1]))
        return xp.matmul(q, xp.swapaxes(k, 1, 2))

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        _check("interleaved_matmul_selfatt_qk", x, attrs["heads"], 3)
        return in_shapes, [None if x is None else (x[1] * attrs["heads"], x[0], x[0])]

    def gradient(F, attrs, inputs, outputs, out_grads):
        return [F._backward_interleaved_matmul_selfatt_qk(out_grads[0], inputs[0], **attrs)]


@operator("_backward_interleaved_matmul_selfatt_qk", params=_HEADS,
          inputs=("ograd", "queries_keys_values"))
class BackwardSelfAttQK:
    """Gradient of interleaved_matmul_selfatt_qk with respect to the projections."""
    def compute(xp, inputs, attrs):
        og, qkv = inputs
        q, k, _ = _split(xp, qkv, attrs["heads"], 3)
        scale = q.dtype.type(1.0 / math.sqrt(q.shape[-1]))
        dq = xp.matmul(og, k) * scale
        dk = xp.matmul(xp.swapaxes(og, 1, 2), q) * scale
        return _join(xp, [dq, dk, xp.zeros_like(q)], attrs["heads"])

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]


@operator("_contrib_interleaved_matmul_selfatt_valatt", params=_HEADS,
          inputs=("queries_keys_values", "attention"), hint="interleaved_matmul_selfatt_valatt")
class SelfAttValAtt:
    """Compute the matrix multiplication between the projections of values and the attention
    weights in multihead attention use as self attention: attention @ v per head, merged back
    to (seq_len, batch, heads * head_dim)."""
    def compute(xp, inputs, attrs):
        qkv, att = inputs
        _, _, v = _split(xp, qkv, attrs["heads"], 3)
        return _merge_heads(xp, xp.matmul(att, v), attrs["heads"])

    def infer_shape(attrs, in_shapes):
        x = in_shapes[0]
        _check("interleaved_matmul_selfatt_valatt", x, attrs["heads"], 3)
        return in_shapes, [None if x is None else (x[0], x[1], x[2] // 3)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_interleaved_matmul_selfatt_valatt(out_grads[0], inputs[0], inputs[1],
                                                              **attrs)
        return [grads[0], grads[1]]


@operator("_backward_interleaved_matmul_selfatt_valatt", params=_HEADS,
          inputs=("ograd", "queries_keys_values", "attention"),
          outputs=("grad_queries_keys_values", "grad_attention"))
class BackwardSelfAttValAtt:
    """Gradients of interleaved_matmul_selfatt_valatt."""
    def compute(xp, inputs, attrs):
        og, qkv, att = inputs
        heads = attrs["heads"]
        q, _, v = _split(xp, qkv, heads, 3)
        og_heads = _split(xp, og, heads, 1)[0]                 # (b*h, seq, d)
        dv = xp.matmul(xp.swapaxes(att, 1, 2), og_heads)
        datt = xp.matmul(og_heads, xp.swapaxes(v, 1, 2))
        zeros = xp.zeros_like(q)
        return [_join(xp, [zeros, zeros, dv], heads), datt]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1], in_types[2]]


@operator("_contrib_interleaved_matmul_encdec_qk", params=_HEADS,
          inputs=("queries", "keys_values"), hint="interleaved_matmul_encdec_qk")
class EncDecQK:
    """Compute the matrix multiplication between the projections of queries and keys in
    multihead attention use as encoder-decoder: (q / sqrt(head_dim)) @ k^T per head, of shape
    (batch * heads, query_len, key_len)."""
    def compute(xp, inputs, attrs):
        queries, kv = inputs
        q = _split(xp, queries, attrs["heads"], 1)[0]
        k, _ = _split(xp, kv, attrs["heads"], 2)
        q = q * q.dtype.type(1.0 / math.sqrt(q.shape[-1]))
        return xp.matmul(q, xp.swapaxes(k, 1, 2))

    def infer_shape(attrs, in_shapes):
        q, kv = in_shapes
        _check("interleaved_matmul_encdec_qk", q, attrs["heads"], 1)
        _check("interleaved_matmul_encdec_qk", kv, attrs["heads"], 2)
        if q is None or kv is None:
            return in_shapes, [None]
        return in_shapes, [(q[1] * attrs["heads"], q[0], kv[0])]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_interleaved_matmul_encdec_qk(out_grads[0], inputs[0], inputs[1],
                                                         **attrs)
        return [grads[0], grads[1]]


@operator("_backward_interleaved_matmul_encdec_qk", params=_HEADS,
          inputs=("ograd", "queries", "keys_values"),
          outputs=("grad_queries", "grad_keys_values"))
class BackwardEncDecQK:
    """Gradients of interleaved_matmul_encdec_qk."""
    def compute(xp, inputs, attrs):
        og, queries, kv = inputs
        heads = attrs["heads"]
        q = _split(xp, queries, heads, 1)[0]
        k, v = _split(xp, kv, heads, 2)
        scale = q.dtype.type(1.0 / math.sqrt(q.shape[-1]))
        dq = xp.matmul(og, k) * scale
        dk = xp.matmul(xp.swapaxes(og, 1, 2), q) * scale
        return [_join(xp, [dq], heads), _join(xp, [dk, xp.zeros_like(v)], heads)]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1], in_types[2]]


@operator("_contrib_interleaved_matmul_encdec_valatt", params=_HEADS,
          inputs=("keys_values", "attention"), hint="interleaved_matmul_encdec_valatt")
class EncDecValAtt:
    """Compute the matrix multiplication between the projections of values and the attention
    weights in multihead attention use as encoder-decoder: attention @ v per head, merged to
    (query_len, batch, heads * head_dim)."""
    def compute(xp, inputs, attrs):
        kv, att = inputs
        _, v = _split(xp, kv, attrs["heads"], 2)
        return _merge_heads(xp, xp.matmul(att, v), attrs["heads"])

    def infer_shape(attrs, in_shapes):
        kv, att = in_shapes
        _check("interleaved_matmul_encdec_valatt", kv, attrs["heads"], 2)
        if kv is None or att is None:
            return in_shapes, [None]
        return in_shapes, [(att[1], kv[1], kv[2] // 2)]

    def infer_type(attrs, in_types):
        return in_types, [in_types[0]]

    def gradient(F, attrs, inputs, outputs, out_grads):
        grads = F._backward_interleaved_matmul_encdec_valatt(out_grads[0], inputs[0], inputs[1],
                                                             **attrs)
        return [grads[0], grads[1]]


@operator("_backward_interleaved_matmul_encdec_valatt", params=_HEADS,
          inputs=("ograd", "keys_values", "attention"),
          outputs=("grad_keys_values", "grad_attention"))
class BackwardEncDecValAtt:
    """Gradients of interleaved_matmul_encdec_valatt."""
    def compute(xp, inputs, attrs):
        og, kv, att = inputs
        heads = attrs["heads"]
        k, v = _split(xp, kv, heads, 2)
        og_heads = _split(xp, og, heads, 1)[0]
        dv = xp.matmul(xp.swapaxes(att, 1, 2), og_heads)
        datt = xp.matmul(og_heads, xp.swapaxes(v, 1, 2))
        return [_join(xp, [xp.zeros_like(k), dv], heads), datt]

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1], in_shapes[2]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1], in_types[2]]
