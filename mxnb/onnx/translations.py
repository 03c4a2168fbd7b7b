"""ONNX translators of mxnb operators (opset 13), one small function per operator family.

Each receives the `ExportContext` and the node's typed attributes and emits ONNX nodes whose
output names are `ctx.output(i)`.
"""
import numpy as np

from .mx2onnx import translates

_ACTIVATIONS = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softrelu": "Softplus",
                "softsign": "Softsign"}


def _pairs(values, n, default):
    values = tuple(values) if values else ()
    return list(values) if values else [default] * n


# --- dense, convolution, normalisation ----------------------------------------------------------
@translates("FullyConnected")
def fully_connected(ctx, a):
    data = ctx.input(0)
    if a["flatten"] and len(ctx.in_shape(0)) != 2:
        data = ctx.add("Flatten", [data], axis=1)
    if a["flatten"] or len(ctx.in_shape(0)) == 2:
        inputs = [data, ctx.input(1)] + ([] if a["no_bias"] else [ctx.input(2)])
        ctx.add("Gemm", inputs, ctx.output(), transB=1)
        return
    weight_t = ctx.add("Transpose", [ctx.input(1)], perm=[1, 0])
    if a["no_bias"]:
        ctx.add("MatMul", [data, weight_t], ctx.output())
    else:
        product = ctx.add("MatMul", [data, weight_t])
        ctx.add("Add", [product, ctx.input(2)], ctx.output())


def _conv_attrs(ctx, a, kernel):
    n = len(kernel)
    pad = _pairs(a["pad"], n, 0)
    return dict(kernel_shape=list(kernel), strides=_pairs(a["stride"], n, 1),
                dilations=_pairs(a["dilate"], n, 1), pads=pad + pad, group=a["num_group"])


@translates("Convolution")
def convolution(ctx, a):
    inputs = [ctx.input(0), ctx.input(1)] + ([] if a["no_bias"] else [ctx.input(2)])
    ctx.add("Conv", inputs, ctx.output(), **_conv_attrs(ctx, a, a["kernel"]))


@translates("Deconvolution")
def deconvolution(ctx, a):
    inputs = [ctx.input(0), ctx.input(1)] + ([] if a.get("no_bias", True) else [ctx.input(2)])
    attrs = _conv_attrs(ctx, a, a["kernel"])
    if a.get("adj"):
        attrs["output_padding"] = list(a["adj"])
    ctx.add("ConvTranspose", inputs, ctx.output(), **attrs)


@translates("BatchNorm")
def batch_norm(ctx, a):
    if a["axis"] not in (1, -len(ctx.in_shape(0)) + 1):
        raise ctx.unsupported("ONNX BatchNormalization normalises axis 1, found axis=%d" % a["axis"])
    gamma = ctx.input(1)
    if a["fix_gamma"]:       # MXNet ignores gamma then: it is 1
        gamma = ctx.const("gamma_one", np.ones(ctx.in_shape(1), dtype=ctx.in_dtype(0)))
    ctx.add("BatchNormalization", [ctx.input(0), gamma, ctx.input(2), ctx.input(3), ctx.input(4)],
            ctx.output(), epsilon=float(a["eps"]), momentum=float(a["momentum"]))


@translates("Pooling")
def pooling(ctx, a):
    rank = len(ctx.in_shape(0)) - 2
    if a["global_pool"]:
        kind = {"max": "GlobalMaxPool", "avg": "GlobalAveragePool"}.get(a["pool_type"])
        if kind is None:
            raise ctx.unsupported("global %s pooling has no ONNX operator" % a["pool_type"])
        ctx.add(kind, [ctx.input(0)], ctx.output())
        return
    kernel = list(a["kernel"])
    pad = _pairs(a["pad"], rank, 0)
    attrs = dict(kernel_shape=kernel, strides=_pairs(a["stride"], rank, 1), pads=pad + pad,
                 ceil_mode=1 if a["pooling_convention"] == "full" else 0)
    if a["pool_type"] == "max":
        ctx.add("MaxPool", [ctx.input(0)], ctx.output(), **attrs)
    elif a["pool_type"] == "avg":
        include = a["count_include_pad"]
        ctx.add("AveragePool", [ctx.input(0)], ctx.output(),
                count_include_pad=0 if include is False else 1, **attrs)
    elif a["pool_type"] == "lp":
        ctx.add("LpPool", [ctx.input(0)], ctx.output(), p=a["p_value"] or 2,
                **{k: v for k, v in attrs.items() if k != "ceil_mode"})
    else:
        raise ctx.unsupported("pool_type=%r has no ONNX operator" % a["pool_type"])


@translates("LRN")
def lrn(ctx, a):
    ctx.add("LRN", [ctx.input(0)], ctx.output(), alpha=float(a["alpha"]), beta=float(a["beta"]),
            bias=float(a["knorm"]), size=int(a["nsize"]))


@translates("Embedding")
def embedding(ctx, a):
    indices = ctx.add("Cast", [ctx.input(0)], to=7)          # int64
    ctx.add("Gather", [ctx.input(1), indices], ctx.output(), axis=0)


# --- activations -----------------------------------------------------------------------------------
@translates("Activation")
def activation(ctx, a):
    ctx.add(_ACTIVATIONS[a["act_type"]], [ctx.input(0)], ctx.output())


for _name, _onnx_op in (("relu", "Relu"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"),
                        ("softsign", "Softsign"), ("softrelu", "Softplus"), ("exp", "Exp"),
                        ("log", "Log"), ("sqrt", "Sqrt"), ("abs", "Abs"), ("negative", "Neg"),
                        ("floor", "Floor"), ("ceil", "Ceil"), ("sin", "Sin"), ("cos", "Cos"),
                        ("tan", "Tan"), ("arcsin", "Asin"), ("arccos", "Acos"), ("arctan", "Atan"),
                        ("reciprocal", "Reciprocal"), ("sign", "Sign"), ("erf", "Erf"),
                        ("_copy", "Identity"), ("BlockGrad", "Identity"), ("round", "Round"),
                        ("logical_not", "Not")):
    translates(_name)(lambda ctx, a, _op=_onnx_op: ctx.add(_op, [ctx.input(0)], ctx.output()))


@translates("square")
def square(ctx, a):
    ctx.add("Mul", [ctx.input(0), ctx.input(0)], ctx.output())


@translates("rsqrt")
def rsqrt(ctx, a):
    ctx.add("Reciprocal", [ctx.add("Sqrt", [ctx.input(0)])], ctx.output())


@translates("LeakyReLU")
def leaky_relu(ctx, a):
    act = a["act_type"]
    if act == "leaky":
        ctx.add("LeakyRelu", [ctx.input(0)], ctx.output(), alpha=float(a["slope"]))
    elif act == "elu":
        ctx.add("Elu", [ctx.input(0)], ctx.output(), alpha=float(a["slope"]))
    elif act == "selu":
        ctx.add("Selu", [ctx.input(0)], ctx.output())
    elif act == "prelu":
        slope = ctx.input(1)
        shape = ctx.in_shape(0)
        if len(shape) > 2 and np.prod(ctx.in_shape(1)) > 1:     # one slope per channel (axis 1)
            slope = ctx.add("Reshape", [slope, ctx.const("shape", [-1] + [1] * (len(shape) - 2),
                                                          np.int64)])
        ctx.add("PRelu", [ctx.input(0), slope], ctx.output())
    elif act == "gelu":            # x * (1 + erf(x / sqrt 2)) / 2
        x = ctx.input(0)
        scaled = ctx.add("Div", [x, ctx.const("sqrt2", np.sqrt(2.0), ctx.in_dtype(0))])
        one_plus = ctx.add("Add", [ctx.add("Erf", [scaled]), ctx.const("one", 1.0, ctx.in_dtype(0))])
        half = ctx.add("Mul", [x, ctx.const("half", 0.5, ctx.in_dtype(0))])
        ctx.add("Mul", [half, one_plus], ctx.output())
    else:
        raise ctx.unsupported("LeakyReLU act_type=%r has no ONNX mapping" % act)


def _softmax(ctx, a, op_type):
    data = ctx.input(0)
    if a.get("temperature") not in (None, 1.0):
        data = ctx.add("Div", [data, ctx.const("temperature", a["temperature"], ctx.in_dtype(0))])
    ctx.add(op_type, [data], ctx.output(), axis=int(a.get("axis", -1)))


@translates("softmax")
def softmax(ctx, a):
    if a.get("use_length"):
        raise ctx.unsupported("softmax with use_length=True (a length input) has no ONNX operator")
    _softmax(ctx, a, "Softmax")


@translates("log_softmax")
def log_softmax(ctx, a):
    _softmax(ctx, a, "LogSoftmax")


@translates("SoftmaxOutput")
def softmax_output(ctx, a):
    axis = -1 if a["preserve_shape"] else 1
    if a["multi_output"]:
        axis = 1
    ctx.add("Softmax", [ctx.input(0)], ctx.output(), axis=axis)


@translates("SoftmaxActivation")
def softmax_activation(ctx, a):
    ctx.add("Softmax", [ctx.input(0)], ctx.output(), axis=1 if a["mode"] == "channel" else -1)


@translates("LinearRegressionOutput", "MAERegressionOutput", "MakeLoss", "make_loss")
def identity_output(ctx, a):
    ctx.add("Identity", [ctx.input(0)], ctx.output())


@translates("LogisticRegressionOutput")
def logistic_output(ctx, a):
    ctx.add("Sigmoid", [ctx.input(0)], ctx.output())


@translates("Dropout")
def dropout(ctx, a):
    ctx.add("Identity", [ctx.input(0)], ctx.output())      # inference: dropout does nothing


# --- arithmetic --------------------------------------------------------------------------------------
_BINARY = {"Add": ("elemwise_add", "broadcast_add"), "Sub": ("elemwise_sub", "broadcast_sub"),
           "Mul": ("elemwise_mul", "broadcast_mul"), "Div": ("elemwise_div", "broadcast_div"),
           "Pow": ("_power", "broadcast_power"), "Max": ("_maximum", "broadcast_maximum"),
           "Min": ("_minimum", "broadcast_minimum"), "Equal": ("_equal", "broadcast_equal"),
           "Greater": ("_greater", "broadcast_greater"), "Less": ("_lesser", "broadcast_lesser")}
_COMPARISONS = ("Equal", "Greater", "Less")

for _onnx_op, _names in _BINARY.items():
    def _binary(ctx, a, _op=_onnx_op):
        if _op in _COMPARISONS:      # MXNet's comparisons give 0/1 in the input dtype
            flag = ctx.add(_op, [ctx.input(0), ctx.input(1)])
            ctx.add("Cast", [flag], ctx.output(), to=_elem(ctx.in_dtype(0)))
        else:
            ctx.add(_op, [ctx.input(0), ctx.input(1)], ctx.output())
    translates(*_names)(_binary)

_SCALAR = {"_plus_scalar": ("Add", False), "_minus_scalar": ("Sub", False),
           "_rminus_scalar": ("Sub", True), "_mul_scalar": ("Mul", False),
           "_div_scalar": ("Div", False), "_rdiv_scalar": ("Div", True),
           "_power_scalar": ("Pow", False), "_rpower_scalar": ("Pow", True),
           "_maximum_scalar": ("Max", False), "_minimum_scalar": ("Min", False)}

for _name, (_onnx_op, _reverse) in _SCALAR.items():
    def _scalar(ctx, a, _op=_onnx_op, _rev=_reverse):
        scalar = ctx.const("scalar", a["scalar"], ctx.in_dtype(0))
        inputs = [scalar, ctx.input(0)] if _rev else [ctx.input(0), scalar]
        ctx.add(_op, inputs, ctx.output())
    translates(_name)(_scalar)


def _elem(dtype):
    import onnx
    return onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))


@translates("add_n", "ElementWiseSum")
def add_n(ctx, a):
    ctx.add("Sum", [ctx.input(i) for i in range(len(ctx.node.inputs))], ctx.output())


@translates("clip")
def clip(ctx, a):
    dtype = ctx.in_dtype(0)
    ctx.add("Clip", [ctx.input(0), ctx.const("min", a["a_min"], dtype),
                     ctx.const("max", a["a_max"], dtype)], ctx.output())


@translates("dot")
def dot(ctx, a):
    lhs, rhs = ctx.input(0), ctx.input(1)
    if len(ctx.in_shape(0)) != 2 or len(ctx.in_shape(1)) != 2:
        raise ctx.unsupported("dot of arrays of rank %d and %d (only matrices export)"
                              % (len(ctx.in_shape(0)), len(ctx.in_shape(1))))
    if a["transpose_a"]:
        lhs = ctx.add("Transpose", [lhs], perm=[1, 0])
    if a["transpose_b"]:
        rhs = ctx.add("Transpose", [rhs], perm=[1, 0])
    ctx.add("MatMul", [lhs, rhs], ctx.output())


@translates("batch_dot")
def batch_dot(ctx, a):
    lhs, rhs = ctx.input(0), ctx.input(1)
    if a["transpose_a"]:
        lhs = ctx.add("Transpose", [lhs], perm=[0, 2, 1])
    if a["transpose_b"]:
        rhs = ctx.add("Transpose", [rhs], perm=[0, 2, 1])
    ctx.add("MatMul", [lhs, rhs], ctx.output())


@translates("where")
def where(ctx, a):
    condition = ctx.add("Cast", [ctx.input(0)], to=9)       # bool
    ctx.add("Where", [condition, ctx.input(1), ctx.input(2)], ctx.output())


@translates("Cast")
def cast(ctx, a):
    ctx.add("Cast", [ctx.input(0)], ctx.output(), to=_elem(a["dtype"]))


# --- reductions --------------------------------------------------------------------------------------
def _axes(ctx, a):
    rank = len(ctx.in_shape(0))
    axis = a.get("axis")
    if axis is None or axis == ():
        axes = list(range(rank))
    else:
        axes = [x % rank for x in (axis if isinstance(axis, tuple) else (axis,))]
    if a.get("exclude"):
        axes = [x for x in range(rank) if x not in axes]
    return axes


for _name, _onnx_op in (("sum", "ReduceSum"), ("mean", "ReduceMean"), ("max", "ReduceMax"),
                        ("min", "ReduceMin"), ("prod", "ReduceProd")):
    def _reduce(ctx, a, _op=_onnx_op):
        axes = _axes(ctx, a)
        keep = 1 if a.get("keepdims") else 0
        whole = not keep and len(axes) == len(ctx.in_shape(0))
        out = ctx.fresh("reduced") if whole else ctx.output()
        if _op == "ReduceSum":      # opset 13 takes ReduceSum's axes as an input
            ctx.add(_op, [ctx.input(0), ctx.const("axes", axes, np.int64)], out, keepdims=keep)
        else:
            ctx.add(_op, [ctx.input(0)], out, axes=axes, keepdims=keep)
        if whole:                   # MXNet keeps one element where ONNX gives a scalar
            ctx.add("Reshape", [out, ctx.const("shape", [1], np.int64)], ctx.output())
    translates(_name)(_reduce)


@translates("argmax", "argmin")
def arg_reduce(ctx, a):
    axis = a["axis"] if a["axis"] is not None else 0
    op = "ArgMax" if ctx.node.op.name == "argmax" else "ArgMin"
    if a["axis"] is None:
        flat = ctx.add("Reshape", [ctx.input(0), ctx.const("shape", [-1], np.int64)])
        index = ctx.add(op, [flat], axis=0, keepdims=1)
    else:
        index = ctx.add(op, [ctx.input(0)], axis=axis, keepdims=1 if a["keepdims"] else 0)
    ctx.add("Cast", [index], ctx.output(), to=_elem(ctx.in_dtype(0)))


# --- shapes ------------------------------------------------------------------------------------------
@translates("Flatten")
def flatten(ctx, a):
    ctx.add("Flatten", [ctx.input(0)], ctx.output(), axis=1)


@translates("Reshape", "reshape_like", "broadcast_to", "broadcast_like", "expand_dims",
            "squeeze")
def static_reshape(ctx, a):
    """MXNet's shape codes (0, -1, -2, -3, -4) resolve at export: the output shape is static."""
    shape = list(ctx.out_shape())
    name = ctx.node.op.name
    if name in ("broadcast_to", "broadcast_like"):
        ctx.add("Expand", [ctx.input(0), ctx.const("shape", shape, np.int64)], ctx.output())
    else:
        ctx.add("Reshape", [ctx.input(0), ctx.const("shape", shape, np.int64)], ctx.output())


@translates("transpose")
def transpose(ctx, a):
    rank = len(ctx.in_shape(0))
    perm = list(a["axes"]) if a["axes"] else list(reversed(range(rank)))
    ctx.add("Transpose", [ctx.input(0)], ctx.output(), perm=perm)


@translates("SwapAxis")
def swap_axis(ctx, a):
    perm = list(range(len(ctx.in_shape(0))))
    perm[a["dim1"]], perm[a["dim2"]] = perm[a["dim2"]], perm[a["dim1"]]
    ctx.add("Transpose", [ctx.input(0)], ctx.output(), perm=perm)


@translates("Concat")
def concat(ctx, a):
    ctx.add("Concat", [ctx.input(i) for i in range(len(ctx.node.inputs))], ctx.output(),
            axis=int(a["dim"]))


@translates("stack")
def stack(ctx, a):
    axis = a["axis"] % (len(ctx.in_shape(0)) + 1)
    parts = [ctx.add("Unsqueeze", [ctx.input(i), ctx.const("axes", [axis], np.int64)])
             for i in range(len(ctx.node.inputs))]
    ctx.add("Concat", parts, ctx.output(), axis=axis)


@translates("SliceChannel")
def slice_channel(ctx, a):
    n = a["num_outputs"]
    axis = a["axis"] % len(ctx.in_shape(0))
    outputs = [ctx.output(i) for i in range(n)]
    if a["squeeze_axis"]:
        parts = ctx.add("Split", [ctx.input(0)], [ctx.fresh("part%d" % i) for i in range(n)],
                        axis=axis)
        parts = [parts] if n == 1 else parts
        for part, out in zip(parts, outputs):
            ctx.add("Squeeze", [part, ctx.const("axes", [axis], np.int64)], out)
    else:
        ctx.add("Split", [ctx.input(0)], outputs, axis=axis)


@translates("slice_axis")
def slice_axis(ctx, a):
    axis = a["axis"] % len(ctx.in_shape(0))
    end = a["end"] if a["end"] is not None else ctx.in_shape(0)[axis]
    ctx.add("Slice", [ctx.input(0), ctx.const("starts", [a["begin"]], np.int64),
                      ctx.const("ends", [end], np.int64), ctx.const("axes", [axis], np.int64)],
            ctx.output())


@translates("slice")
def slice_(ctx, a):
    shape = ctx.in_shape(0)
    n = len(a["begin"])
    steps = list(a["step"]) if a["step"] else [1] * n
    starts, ends = [], []
    for i in range(n):
        step = steps[i] if steps[i] is not None else 1
        begin, end = a["begin"][i], a["end"][i]
        starts.append(begin if begin is not None else (0 if step > 0 else shape[i] - 1))
        ends.append(end if end is not None else (shape[i] if step > 0 else -shape[i] - 1))
        steps[i] = step
    ctx.add("Slice", [ctx.input(0), ctx.const("starts", starts, np.int64),
                      ctx.const("ends", ends, np.int64),
                      ctx.const("axes", list(range(n)), np.int64),
                      ctx.const("steps", steps, np.int64)], ctx.output())


@translates("tile")
def tile(ctx, a):
    reps = list(a["reps"])
    rank = len(ctx.in_shape(0))
    data = ctx.input(0)
    if len(reps) > rank:
        data = ctx.add("Reshape", [data, ctx.const("shape", [1] * (len(reps) - rank)
                                                    + list(ctx.in_shape(0)), np.int64)])
    reps = [1] * (max(rank, len(reps)) - len(reps)) + reps
    ctx.add("Tile", [data, ctx.const("reps", reps, np.int64)], ctx.output())


@translates("take")
def take(ctx, a):
    indices = ctx.add("Cast", [ctx.input(1)], to=7)
    ctx.add("Gather", [ctx.input(0), indices], ctx.output(), axis=int(a["axis"]))


@translates("zeros_like", "ones_like")
def fill_like(ctx, a):
    value = 0.0 if ctx.node.op.name == "zeros_like" else 1.0
    zero = ctx.add("Mul", [ctx.input(0), ctx.const("zero", 0.0, ctx.in_dtype(0))])
    ctx.add("Add", [zero, ctx.const("value", value, ctx.in_dtype(0))], ctx.output())


@translates("Pad", "pad")
def pad(ctx, a):
    width = list(a["pad_width"])
    begins, ends = width[0::2], width[1::2]
    mode = {"constant": "constant", "edge": "edge", "reflect": "reflect"}[a["mode"]]
    inputs = [ctx.input(0), ctx.const("pads", begins + ends, np.int64)]
    if mode == "constant":
        inputs.append(ctx.const("value", a.get("constant_value", 0.0), ctx.in_dtype(0)))
    ctx.add("Pad", inputs, ctx.output(), mode=mode)


@translates("UpSampling")
def upsampling(ctx, a):
    if a.get("sample_type", "nearest") != "nearest":
        raise ctx.unsupported("bilinear UpSampling (a learned deconvolution) has no ONNX mapping")
    scale = float(a["scale"])
    scales = ctx.const("scales", [1.0, 1.0, scale, scale], np.float32)
    ctx.add("Resize", [ctx.input(0), "", scales], ctx.output(), mode="nearest")
