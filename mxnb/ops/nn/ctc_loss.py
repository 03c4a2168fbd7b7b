"""CTCLoss (Connectionist Temporal Classification), with its gradient computed alongside the
loss by the forward-backward algorithm in log space, as MXNet does (a hidden second output).
"""
from ...base import MXNetError, ShapeError
from ..params import Bool, Enum
from ..registry import operator

_PARAMS = {"use_data_lengths": Bool(False), "use_label_lengths": Bool(False),
           "blank_label": Enum(("first", "last"), "first")}


def _inputs(attrs):
    names = ["data", "label"]
    if attrs["use_data_lengths"]:
        names.append("data_lengths")
    if attrs["use_label_lengths"]:
        names.append("label_lengths")
    return names


def _logaddexp(xp, a, b):
    m = xp.maximum(a, b)
    empty = (m == -xp.inf)
    safe = xp.where(empty, 0, m)
    total = xp.where(empty, 1, xp.exp(a - safe) + xp.exp(b - safe))   # no log(0) warnings
    return xp.where(empty, -xp.inf, safe + xp.log(total))


def _log_softmax(xp, x):
    m = x.max(axis=-1, keepdims=True)
    shifted = x - m
    return shifted - xp.log(xp.exp(shifted).sum(axis=-1, keepdims=True))


def _lengths(xp, inputs, attrs, t, label, blank):
    """(data lengths (N,), label lengths (N,)) as int64 arrays."""
    n = label.shape[0]
    rest = list(inputs[2:])
    if attrs["use_data_lengths"]:
        data_len = rest.pop(0).astype("int64")
    else:
        data_len = xp.full((n,), t, dtype="int64")
    if attrs["use_label_lengths"]:
        label_len = rest.pop(0).astype("int64")
    else:
        pad = 0 if attrs["blank_label"] == "first" else -1
        is_pad = label == pad
        first_pad = xp.where(is_pad.any(axis=1), is_pad.argmax(axis=1), label.shape[1])
        label_len = first_pad.astype("int64")
    return data_len, label_len


def _ctc(xp, inputs, attrs):
    data, label = inputs[0], inputs[1]
    t_max, n, alphabet = data.shape
    blank = 0 if attrs["blank_label"] == "first" else alphabet - 1
    label = label.astype("int64")
    data_len, label_len = _lengths(xp, inputs, attrs, t_max, label, blank)
    logp = _log_softmax(xp, data.astype("float64"))                      # (T, N, A)
    s_max = 2 * label.shape[1] + 1
    ext = xp.full((n, s_max), blank, dtype="int64")
    ext[:, 1::2] = xp.clip(label, 0, alphabet - 1)
    s_len = 2 * label_len + 1
    pos = xp.arange(s_max)[None, :]
    ext = xp.where(pos < s_len[:, None], ext, blank)
    # a label may skip the blank before it when it differs from the label two places back
    skip = xp.zeros((n, s_max), dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    rows = xp.arange(n)[:, None]
    emit = logp[:, rows, ext]                                            # (T, N, S)
    neg = -xp.inf

    def shift(a, k):
        out = xp.full(a.shape, neg)
        out[:, k:] = a[:, :-k]
        return out

    alphas = xp.full((t_max, n, s_max), neg)
    alpha = xp.full((n, s_max), neg)
    alpha[:, 0] = emit[0, :, 0]
    alpha[:, 1] = xp.where(s_len > 1, emit[0, :, 1], neg)
    alphas[0] = alpha
    for t in range(1, t_max):
        step = _logaddexp(xp, alpha, shift(alpha, 1))
        step = xp.where(skip, _logaddexp(xp, step, shift(alpha, 2)), step) + emit[t]
        alpha = xp.where((t < data_len)[:, None], step, alpha)
        alphas[t] = xp.where((t < data_len)[:, None], alpha, neg)
    last = xp.take_along_axis(alpha, (s_len - 1)[:, None], axis=1)[:, 0]
    before = xp.take_along_axis(alpha, xp.maximum(s_len - 2, 0)[:, None], axis=1)[:, 0]
    log_like = _logaddexp(xp, last, xp.where(s_len > 1, before, neg))
    # beta_t(s) includes the emission at t, so alpha * beta / y counts each path once
    betas = xp.full((t_max, n, s_max), neg)
    beta = xp.full((n, s_max), neg)
    skip_next = xp.zeros((n, s_max), dtype=bool)
    skip_next[:, :-2] = skip[:, 2:]
    for t in range(t_max - 1, -1, -1):
        start = xp.full((n, s_max), neg)
        start = xp.where(pos == (s_len - 1)[:, None], emit[t], start)
        start = xp.where((pos == (s_len - 2)[:, None]) & (s_len > 1)[:, None], emit[t], start)

        def back(a, k):
            out = xp.full(a.shape, neg)
            out[:, :-k] = a[:, k:]
            return out
        step = _logaddexp(xp, beta, back(beta, 1))
        step = xp.where(skip_next, _logaddexp(xp, step, back(beta, 2)), step) + emit[t]
        beta = xp.where((t == data_len - 1)[:, None], start, xp.where((t < data_len - 1)[:, None], step, neg))
        betas[t] = beta
    occupancy = xp.exp(alphas + betas - emit - log_like[None, :, None])  # (T, N, S)
    onehot = (ext[:, :, None] == xp.arange(alphabet)[None, None, :]).astype("float64")
    expected = xp.matmul(occupancy.transpose(1, 0, 2), onehot).transpose(1, 0, 2)   # (T, N, A)
    valid = (xp.arange(t_max)[:, None] < data_len[None, :])[:, :, None]
    grad = xp.where(valid, xp.exp(logp) - expected, 0)
    return [(-log_like).astype(data.dtype), grad.astype(data.dtype)]


@operator("CTCLoss", params=_PARAMS, inputs=_inputs, outputs=("output", "grad"), num_visible=1,
          aliases=("ctc_loss", "_contrib_CTCLoss", "_contrib_ctc_loss"), hint="ctcloss")
class CTCLoss:
    """The negative log-likelihood of each label sequence given data (T, N, alphabet) of
    unnormalised activations (softmax is applied inside). blank_label 'first': 0 is the blank
    and labels are padded with 0; 'last': alphabet-1 is the blank and padding is -1. With
    use_data_lengths / use_label_lengths, the lengths come as extra (N,) inputs."""
    def compute(xp, inputs, attrs):
        CTCLoss.infer_shape(attrs, [x.shape for x in inputs])
        return _ctc(xp, inputs, attrs)

    def infer_shape(attrs, in_shapes):
        data, label = in_shapes[0], in_shapes[1]
        if data is not None and len(data) != 3:
            raise ShapeError("CTCLoss: data must be (sequence length, batch, alphabet), found %s"
                             % (tuple(data),))
        if label is not None and len(label) != 2:
            raise ShapeError("CTCLoss: label must be (batch, label length), found %s" % (tuple(label),))
        if data is not None and label is not None and data[1] and label[0] and data[1] != label[0]:
            raise ShapeError("CTCLoss: data has batch %d, label has batch %d" % (data[1], label[0]))
        if data is None:
            return in_shapes, [None, None]
        shapes = list(in_shapes)
        for i in range(2, len(shapes)):
            shapes[i] = shapes[i] or (data[1],)
        return shapes, [(data[1],), tuple(data)]

    def infer_type(attrs, in_types):
        known = in_types[0]
        return [known] + list(in_types[1:]), [known, known]

    def gradient(F, attrs, inputs, outputs, out_grads):
        # The gradient of the loss is computed with it (hidden output), scaled per sample here.
        # That hidden output has no derivative of its own: a gradient reaching it (a second
        # order through CTCLoss) is refused rather than dropped as zero.
        if len(out_grads) > 1 and out_grads[1] is not None:
            raise MXNetError("second-order gradient is not available through operator CTCLoss "
                             "(its gradient is computed with the loss, as a hidden output, "
                             "which has no gradient)")
        grad = F.broadcast_mul(outputs[1], F.reshape(out_grads[0], shape=(1, -1, 1)))
        return [grad] + [None] * (len(inputs) - 1)
