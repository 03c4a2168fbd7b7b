"""Importers of ONNX operators (opset 7 to 13) into mxnb symbols, one small function each."""
import numpy as np

from ..base import MXNetError
from .onnx2mx import imports


def _spatial(attrs, key, n, default):
    value = attrs.get(key)
    return tuple(value) if value else (default,) * n


def _symmetric_pads(ctx, attrs, n):
    pads = list(attrs.get("pads") or [0] * (2 * n))
    begin, end = pads[:n], pads[n:]
    if begin != end:
        raise MXNetError("ONNX import: node %r has asymmetric pads %s, which mxnb's %s does not "
                         "take" % (ctx.name(), pads, ctx.node.op_type))
    if attrs.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET", b"VALID", "VALID"):
        raise MXNetError("ONNX import: node %r uses auto_pad=%r; only explicit pads import"
                         % (ctx.name(), attrs["auto_pad"]))
    return tuple(begin)


@imports("Conv", "ConvTranspose")
def conv(ctx, attrs):
    weight = ctx.constant(1)
    n = weight.ndim - 2
    kernel = tuple(attrs.get("kernel_shape") or weight.shape[2:])
    common = dict(kernel=kernel, stride=_spatial(attrs, "strides", n, 1),
                  dilate=_spatial(attrs, "dilations", n, 1), pad=_symmetric_pads(ctx, attrs, n),
                  num_group=int(attrs.get("group", 1)), no_bias=not ctx.has_input(2),
                  name=ctx.name())
    inputs = [ctx.input(0), ctx.input(1)] + ([ctx.input(2)] if ctx.has_input(2) else [])
    if ctx.node.op_type == "Conv":
        return ctx.sym.Convolution(*inputs, num_filter=weight.shape[0], **common)
    group = common["num_group"]
    adj = tuple(attrs.get("output_padding") or (0,) * n)
    return ctx.sym.Deconvolution(*inputs, num_filter=weight.shape[1] * group, adj=adj, **common)


@imports("Gemm")
def gemm(ctx, attrs):
    if attrs.get("transA", 0) or float(attrs.get("alpha", 1.0)) != 1.0 or \
            float(attrs.get("beta", 1.0)) != 1.0:
        raise MXNetError("ONNX import: Gemm node %r with transA/alpha/beta other than the "
                         "defaults has no mapping" % ctx.name())
    weight = ctx.constant(1)
    if not attrs.get("transB", 0):
        ctx.values[ctx.node.input[1]] = np.ascontiguousarray(weight.T)
        weight = ctx.values[ctx.node.input[1]]
    inputs = [ctx.input(0), ctx.input(1)] + ([ctx.input(2)] if ctx.has_input(2) else [])
    return ctx.sym.FullyConnected(*inputs, num_hidden=weight.shape[0], no_bias=not ctx.has_input(2),
                                  flatten=False, name=ctx.name())


@imports("MatMul")
def matmul(ctx, attrs):
    ranks = (ctx.rank(ctx.node.input[0]), ctx.rank(ctx.node.input[1]))
    if ranks[1] == 2 and ranks[0] >= 2:     # MXNet's dot contracts lhs's last axis with rhs's first
        return ctx.sym.dot(ctx.input(0), ctx.input(1), name=ctx.name())
    if ranks == (3, 3):
        return ctx.sym.batch_dot(ctx.input(0), ctx.input(1), name=ctx.name())
    raise MXNetError("ONNX import: MatMul node %r of inputs of rank %s (products with a matrix "
                     "and batched 3-D products import)" % (ctx.name(), ranks))


@imports("BatchNormalization")
def batch_norm(ctx, attrs):
    for i in (3, 4):
        ctx.aux_names.add(ctx.node.input[i])
    return ctx.sym.BatchNorm(*[ctx.input(i) for i in range(5)], eps=float(attrs.get("epsilon", 1e-5)),
                             momentum=float(attrs.get("momentum", 0.9)), fix_gamma=False,
                             name=ctx.name())


def _pool(ctx, attrs, pool_type):
    kernel = tuple(attrs["kernel_shape"])
    n = len(kernel)
    kwargs = dict(kernel=kernel, pool_type=pool_type, stride=_spatial(attrs, "strides", n, 1),
                  pad=_symmetric_pads(ctx, attrs, n),
                  pooling_convention="full" if attrs.get("ceil_mode", 0) else "valid",
                  name=ctx.name())
    if pool_type == "avg":
        kwargs["count_include_pad"] = bool(attrs.get("count_include_pad", 0))
    return ctx.sym.Pooling(ctx.input(0), **kwargs)


@imports("MaxPool")
def max_pool(ctx, attrs):
    return _pool(ctx, attrs, "max")


@imports("AveragePool")
def avg_pool(ctx, attrs):
    return _pool(ctx, attrs, "avg")


@imports("GlobalAveragePool", "GlobalMaxPool")
def global_pool(ctx, attrs):
    kind = "avg" if ctx.node.op_type == "GlobalAveragePool" else "max"
    return ctx.sym.Pooling(ctx.input(0), kernel=(1, 1), global_pool=True, pool_type=kind,
                           name=ctx.name())


_UNARY = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "Exp": "exp", "Log": "log",
          "Sqrt": "sqrt", "Abs": "abs", "Neg": "negative", "Floor": "floor", "Ceil": "ceil",
          "Identity": "_copy", "Softsign": "softsign", "Softplus": "softrelu", "Erf": "erf",
          "Reciprocal": "reciprocal", "Sin": "sin", "Cos": "cos", "Sign": "sign"}

for _onnx_op, _name in _UNARY.items():
    imports(_onnx_op)(lambda ctx, attrs, _n=_name: getattr(ctx.sym, _n)(ctx.input(0),
                                                                        name=ctx.name()))


@imports("Dropout")
def dropout(ctx, attrs):
    return ctx.sym._copy(ctx.input(0), name=ctx.name())


_BINARY = {"Add": "broadcast_add", "Sub": "broadcast_sub", "Mul": "broadcast_mul",
           "Div": "broadcast_div", "Pow": "broadcast_power", "Max": "broadcast_maximum",
           "Min": "broadcast_minimum"}

for _onnx_op, _name in _BINARY.items():
    imports(_onnx_op)(lambda ctx, attrs, _n=_name: getattr(ctx.sym, _n)(
        ctx.input(0), ctx.input(1), name=ctx.name()))


@imports("Sum")
def sum_(ctx, attrs):
    total = ctx.input(0)
    for i in range(1, len(ctx.node.input)):
        total = ctx.sym.broadcast_add(total, ctx.input(i))
    return total


@imports("LeakyRelu")
def leaky_relu(ctx, attrs):
    return ctx.sym.LeakyReLU(ctx.input(0), act_type="leaky", slope=float(attrs.get("alpha", 0.01)),
                             name=ctx.name())


@imports("Elu")
def elu(ctx, attrs):
    return ctx.sym.LeakyReLU(ctx.input(0), act_type="elu", slope=float(attrs.get("alpha", 1.0)),
                             name=ctx.name())


@imports("PRelu")
def prelu(ctx, attrs):
    name = ctx.node.input[1]
    if name in ctx.values:
        ctx.values[name] = ctx.values[name].reshape(-1)
    return ctx.sym.LeakyReLU(ctx.input(0), ctx.input(1), act_type="prelu", name=ctx.name())


@imports("Softmax", "LogSoftmax")
def softmax(ctx, attrs):
    fn = ctx.sym.softmax if ctx.node.op_type == "Softmax" else ctx.sym.log_softmax
    return fn(ctx.input(0), axis=int(attrs.get("axis", -1)), name=ctx.name())


@imports("Flatten")
def flatten(ctx, attrs):
    if int(attrs.get("axis", 1)) != 1:
        raise MXNetError("ONNX import: Flatten node %r with axis=%s (only 1 maps to mxnb's "
                         "Flatten)" % (ctx.name(), attrs.get("axis")))
    return ctx.sym.Flatten(ctx.input(0), name=ctx.name())


@imports("Reshape")
def reshape(ctx, attrs):
    shape = tuple(int(d) for d in ctx.constant(1))
    return ctx.sym.Reshape(ctx.input(0), shape=shape, name=ctx.name())


@imports("Expand")
def expand(ctx, attrs):
    return ctx.sym.broadcast_to(ctx.input(0), shape=tuple(int(d) for d in ctx.constant(1)),
                                name=ctx.name())


@imports("Transpose")
def transpose(ctx, attrs):
    return ctx.sym.transpose(ctx.input(0), axes=tuple(attrs.get("perm", ())), name=ctx.name())


@imports("Concat")
def concat(ctx, attrs):
    inputs = [ctx.input(i) for i in range(len(ctx.node.input))]
    return ctx.sym.Concat(*inputs, dim=int(attrs["axis"]), name=ctx.name())


@imports("Clip")
def clip(ctx, attrs):
    low = float(ctx.constant(1)) if ctx.has_input(1) else float(attrs.get("min", -np.inf))
    high = float(ctx.constant(2)) if ctx.has_input(2) else float(attrs.get("max", np.inf))
    return ctx.sym.clip(ctx.input(0), a_min=low, a_max=high, name=ctx.name())


def _axes_of(ctx, attrs, index):
    if "axes" in attrs:
        return tuple(attrs["axes"])
    if ctx.has_input(index):
        return tuple(int(a) for a in ctx.constant(index))
    return None


@imports("Unsqueeze")
def unsqueeze(ctx, attrs):
    out = ctx.input(0)
    for axis in sorted(_axes_of(ctx, attrs, 1)):
        out = ctx.sym.expand_dims(out, axis=axis)
    return out


@imports("Squeeze")
def squeeze(ctx, attrs):
    return ctx.sym.squeeze(ctx.input(0), axis=_axes_of(ctx, attrs, 1), name=ctx.name())


for _onnx_op, _name in (("ReduceSum", "sum"), ("ReduceMean", "mean"), ("ReduceMax", "max"),
                        ("ReduceMin", "min"), ("ReduceProd", "prod")):
    def _reduce(ctx, attrs, _n=_name):
        return getattr(ctx.sym, _n)(ctx.input(0), axis=_axes_of(ctx, attrs, 1),
                                    keepdims=bool(attrs.get("keepdims", 1)), name=ctx.name())
    imports(_onnx_op)(_reduce)


@imports("Gather")
def gather(ctx, attrs):
    axis = int(attrs.get("axis", 0))
    if axis == 0 and ctx.node.input[0] in ctx.values:
        weight = ctx.values[ctx.node.input[0]]
        return ctx.sym.Embedding(ctx.input(1), ctx.input(0), input_dim=weight.shape[0],
                                 output_dim=weight.shape[1], name=ctx.name())
    return ctx.sym.take(ctx.input(0), ctx.input(1), axis=axis, name=ctx.name())


@imports("Cast")
def cast(ctx, attrs):
    import onnx
    dtype = onnx.helper.tensor_dtype_to_np_dtype(attrs["to"])
    return ctx.sym.Cast(ctx.input(0), dtype=np.dtype(dtype).name, name=ctx.name())


@imports("Slice")
def slice_(ctx, attrs):
    starts = [int(v) for v in ctx.constant(1)]
    ends = [int(v) for v in ctx.constant(2)]
    axes = [int(v) for v in ctx.constant(3)] if ctx.has_input(3) else list(range(len(starts)))
    steps = [int(v) for v in ctx.constant(4)] if ctx.has_input(4) else [1] * len(starts)
    out = ctx.input(0)
    for axis, start, end, step in zip(axes, starts, ends, steps):
        if step != 1:
            raise MXNetError("ONNX import: Slice node %r with step %d (only 1 imports)"
                             % (ctx.name(), step))
        out = ctx.sym.slice_axis(out, axis=axis, begin=start,
                                 end=None if end >= 2 ** 31 - 1 else end)
    return out


@imports("Split")
def split(ctx, attrs):
    n = len(ctx.node.output)
    parts = ctx.sym.SliceChannel(ctx.input(0), num_outputs=n, axis=int(attrs.get("axis", 0)),
                                 name=ctx.name())
    return [parts[i] for i in range(n)] if n > 1 else [parts]


@imports("Tile")
def tile(ctx, attrs):
    return ctx.sym.tile(ctx.input(0), reps=tuple(int(r) for r in ctx.constant(1)), name=ctx.name())


@imports("Where")
def where(ctx, attrs):
    return ctx.sym.where(ctx.input(0), ctx.input(1), ctx.input(2), name=ctx.name())


@imports("LRN")
def lrn(ctx, attrs):
    return ctx.sym.LRN(ctx.input(0), alpha=float(attrs.get("alpha", 1e-4)),
                       beta=float(attrs.get("beta", 0.75)), knorm=float(attrs.get("bias", 1.0)),
                       nsize=int(attrs["size"]), name=ctx.name())


# ONNX's gate order -> MXNet's: LSTM (i, o, f, c) -> (i, f, c, o); GRU (z, r, h) -> (r, z, n).
_MX_GATES = {"lstm": (0, 2, 3, 1), "gru": (1, 0, 2), "rnn_tanh": (0,), "rnn_relu": (0,)}


def _to_mxnet_gates(array, mode, hidden):
    blocks = [array[g * hidden:(g + 1) * hidden] for g in range(len(_MX_GATES[mode]))]
    return np.concatenate([blocks[g] for g in _MX_GATES[mode]], axis=0)


@imports("LSTM", "GRU", "RNN")
def recurrent(ctx, attrs):
    """One ONNX recurrent layer as MXNet's fused RNN operator (its packed parameter vector is
    built here), with Y laid out as ONNX's (T, D, N, H)."""
    kind = ctx.node.op_type
    if kind == "GRU" and not attrs.get("linear_before_reset", 0):
        raise MXNetError("ONNX import: GRU node %r has linear_before_reset=0; MXNet's GRU "
                         "resets after the product (linear_before_reset=1)" % ctx.name())
    if ctx.has_input(4):
        raise MXNetError("ONNX import: node %r (%s) uses sequence_lens, which does not import"
                         % (ctx.name(), kind))
    if kind == "RNN":
        acts = [a.decode() if isinstance(a, bytes) else a for a in attrs.get("activations", ["Tanh"])]
        mode = {"Tanh": "rnn_tanh", "Relu": "rnn_relu"}.get(acts[0])
        if mode is None:
            raise MXNetError("ONNX import: RNN node %r with activation %s has no MXNet mode"
                             % (ctx.name(), acts[0]))
    else:
        mode = kind.lower()
    w, r = ctx.constant(1), ctx.constant(2)
    dirs, hidden = w.shape[0], int(attrs["hidden_size"])
    gates = len(_MX_GATES[mode])
    b = ctx.constant(3) if ctx.has_input(3) else np.zeros((dirs, 2 * gates * hidden), w.dtype)
    weights, biases = [], []
    for d in range(dirs):
        weights += [_to_mxnet_gates(w[d], mode, hidden).ravel(),
                    _to_mxnet_gates(r[d], mode, hidden).ravel()]
        biases += [_to_mxnet_gates(b[d, :gates * hidden], mode, hidden),
                   _to_mxnet_gates(b[d, gates * hidden:], mode, hidden)]
    packed_name = ctx.name() + "_parameters"
    ctx.values[packed_name] = np.concatenate(weights + biases).astype(w.dtype)
    states = []
    for index in (5, 6)[:2 if mode == "lstm" else 1]:
        states.append(ctx.input(index) if ctx.has_input(index)
                      else ctx.sym.zeros(shape=(dirs, 0, hidden)))   # 0: the batch, inferred
    out = ctx.sym.RNN(ctx.input(0), ctx.tensor(packed_name), *states, state_size=hidden,
                      num_layers=1, bidirectional=dirs == 2, mode=mode, state_outputs=True,
                      name=ctx.name())
    y = ctx.sym.transpose(ctx.sym.Reshape(out[0], shape=(0, 0, dirs, hidden)), axes=(0, 2, 1, 3))
    return [y] + [out[i] for i in range(1, 3 if mode == "lstm" else 2)]
