"""Kernels that write into a given array (`out=`), for memory planning and elementwise fusion.

A planned program hands an operator a buffer it reuses across steps and iterations; that needs a
kernel that writes into `out` instead of returning a new array. `out_kernel(op, attrs)` gives the
kernel for an operator record, or None: the step then runs the operator's own `compute`.

Each kernel is `kernel(xp, inputs, attrs, out)` and computes exactly what the operator's
`compute` does (the same NumPy/CuPy calls in the same order, so results are bit-identical),
NumPy's `out=` being the only difference; an operator may also declare its own
(`Operator.compute_out`), which takes precedence. Each kernel is checked once against the
operator's `compute` on a recorded call before a plan uses it.

On NumPy arrays the activation kernels take the operators' compiled loops
(ops/nn/_activation_loops.py) where they apply: one pass instead of three, with the same
operations in the same order, so still bit-identical.

Inputs and `out` have the operator's own shapes; a kernel may be given `out` that is one of its
inputs when the operator declares that input overwritable (`Operator.inplace`): ufuncs read each
element before writing it.
"""

import numpy

from ...ops.nn import _activation_loops as loops
from ...ops.nn._conv_parallel import parallel_ufunc

__all__ = ["out_kernel", "gradient_kernel", "ELEMENTWISE_KERNELS", "chain_links", "reproduces"]


def _relu(xp, x, out):
    xp.maximum(x, 0, out=out)


def _sigmoid(xp, x, out):
    # The same evaluation as ops/nn/activation.py: 1 / (1 + exp(-x)).
    xp.negative(x, out=out)
    parallel_ufunc(xp.exp, out, out)
    if xp is numpy and loops.sigmoid_finish(out) is not None:    # the last two in one pass
        return
    xp.add(out, 1, out=out)
    xp.divide(1, out, out=out)


def _activation(xp, inputs, attrs, out):
    act = attrs["act_type"]
    x = inputs[0]
    if act == "relu":
        _relu(xp, x, out)
    elif act == "tanh":
        parallel_ufunc(xp.tanh, x, out)
    elif act == "sigmoid":
        _sigmoid(xp, x, out)
    else:
        raise _Unsupported


class _Unsupported(Exception):
    """Raised at planning time for an attribute combination without an out= kernel."""


def _backward_activation(xp, inputs, attrs, out):
    og, y, _ = inputs
    act = attrs["act_type"]
    if xp is numpy and loops.activation_gradient_into(act, og, y, out):
        return              # one compiled pass, bit-equal to the NumPy calls below
    if act == "relu":
        xp.multiply(og, y > 0, out=out)
    elif act == "tanh":
        # local = y*y; local = 1 - local; local *= og  (ops/nn/activation.py's order); over og
        # (a fused chain's buffer) local needs a buffer of its own (og * local == local * og)
        local = xp.multiply(y, y, out=None if out is og else out)
        xp.subtract(1, local, out=local)
        xp.multiply(local, og, out=out)
    elif act == "sigmoid":
        local = xp.subtract(1, y, out=None if out is og else out)
        xp.multiply(local, y, out=local)
        xp.multiply(local, og, out=out)
    else:
        raise _Unsupported


def _product(xp, inputs, out):
    data, weight = inputs[0], inputs[1]
    xp.dot(data.reshape(data.shape[0], -1), weight.T, out=out)


def _fully_connected(xp, inputs, attrs, out):
    if not attrs["flatten"] or out.ndim != 2:
        raise _Unsupported
    _product(xp, inputs, out)
    if not attrs["no_bias"]:
        out += _bias_row(inputs[2])


def fully_connected_relu(xp, inputs, attrs, out):
    """FullyConnected, then relu: the first two links of a fused chain in one kernel (the relu
    link becomes `skip`). On NumPy the bias and the relu go in one compiled pass over the
    product, bit-equal to `out += bias; maximum(out, 0)` (MLP's 64x128: 5.8 -> 1.5 us)."""
    _product(xp, inputs, out)
    if attrs["no_bias"]:
        _relu(xp, out, out)
    elif not (xp is numpy and loops.bias_relu(out, _bias_row(inputs[2]))):
        out += _bias_row(inputs[2])
        _relu(xp, out, out)


def _bias_row(bias):
    """The bias as one row: FullyConnected takes (num_hidden,) or (num_hidden, 1), and the
    second must not broadcast down the batch."""
    return bias.reshape(-1) if bias.ndim != 1 else bias


def skip(xp, inputs, attrs, out):
    """A link whose work an earlier link of the chain did (fully_connected_relu's relu)."""


def _fully_connected_data(xp, inputs, attrs, out):
    # compute's og . weight (reshaped to data's shape), written into out
    og, _, weight = inputs
    xp.dot(og.reshape(-1, og.shape[-1]), weight, out=out.reshape(-1, weight.shape[1]))


def _binary(ufunc):
    def kernel(xp, inputs, attrs, out):
        getattr(xp, ufunc)(inputs[0], inputs[1], out=out)
    return kernel


def _scalar(ufunc, reverse=False):
    def kernel(xp, inputs, attrs, out):
        x = inputs[0]
        s = attrs["scalar"]
        if reverse:
            getattr(xp, ufunc)(x.dtype.type(s) if x.dtype.kind == "f" else s, x, out=out)
        else:
            getattr(xp, ufunc)(x, x.dtype.type(s) if x.dtype.kind == "f" else s, out=out)
    return kernel


def _unary(ufunc):
    def kernel(xp, inputs, attrs, out):
        getattr(xp, ufunc)(inputs[0], out=out)
    return kernel


def _transcendental(ufunc):
    """A compute-bound ufunc's kernel: split over the CPU threads on large NumPy arrays, as the
    operator's own compute is (ops/nn/_conv_parallel.parallel_ufunc; other arrays in one call)."""
    def kernel(xp, inputs, attrs, out):
        parallel_ufunc(getattr(xp, ufunc), inputs[0], out)
    return kernel


# Elementwise operators: out has the inputs' shape; fusion chains these through one buffer.
ELEMENTWISE_KERNELS = {
    "Activation": _activation,
    "_backward_Activation": _backward_activation,
    "relu": lambda xp, inputs, attrs, out: _relu(xp, inputs[0], out),
    "sigmoid": lambda xp, inputs, attrs, out: _sigmoid(xp, inputs[0], out),
    "tanh": _transcendental("tanh"),
    "exp": _transcendental("exp"),
    "log": _unary("log"),
    "sqrt": _unary("sqrt"),
    "square": _unary("square"),
    "negative": _unary("negative"),
    "abs": _unary("abs"),
    "elemwise_add": _binary("add"),
    "elemwise_sub": _binary("subtract"),
    "elemwise_mul": _binary("multiply"),
    "elemwise_div": _binary("divide"),
    "_plus_scalar": _scalar("add"),
    "_minus_scalar": _scalar("subtract"),
    "_rminus_scalar": _scalar("subtract", reverse=True),
    "_mul_scalar": _scalar("multiply"),
    "_div_scalar": _scalar("divide"),
    "_rdiv_scalar": _scalar("divide", reverse=True),
}

_OTHER_KERNELS = {
    "FullyConnected": _fully_connected,
    "_backward_FullyConnected_data": _fully_connected_data,
}


def chain_links(members, links):
    """A fused chain's links, with pairs that one kernel does better replaced: FullyConnected's
    kernel followed by relu becomes fully_connected_relu, then skip."""
    links = list(links)
    for k in range(len(links) - 1):
        head, after = members[k], members[k + 1]
        if (links[k] is _fully_connected and head.op.name == "FullyConnected"
                and links[k + 1] is _activation and after.attrs.get("act_type") == "relu"
                and list(after.ins) == [head.outs[0]]):
            links[k], links[k + 1] = fully_connected_relu, skip
    return links


def reproduces(xp, got, expected):
    """Whether `got` is `expected` bit for bit: dtype, shape and values, NaNs where it has
    them. What a plan asks of every kernel or fused step it puts in an operator's place."""
    return (got.dtype == expected.dtype and got.shape == expected.shape
            and bool(xp.array_equal(got, expected, equal_nan=expected.dtype.kind in "fc")))


def out_kernel(op, attrs, in_arrays, out_array):
    """The out= kernel for `op` with `attrs`, checked against one recorded call (its inputs and
    the array `compute` returned): None when there is none or it does not reproduce `compute`'s
    result exactly (dtype, shape, values)."""
    if not getattr(op, "single_output", False):
        return None
    kernel = (getattr(op, "compute_out", None) or ELEMENTWISE_KERNELS.get(op.name)
              or _OTHER_KERNELS.get(op.name))
    if kernel is None:
        return None
    if op.name in ELEMENTWISE_KERNELS and any(getattr(a, "shape", None) != out_array.shape
                                              for a in in_arrays):
        return None       # broadcasting or scalars as arrays: leave it to compute
    try:
        from ... import backend
        xp = backend.array_module(out_array)
        trial = xp.empty_like(out_array)
        kernel(xp, in_arrays, attrs, trial)
        same = reproduces(xp, trial, out_array)
    except (_Unsupported, TypeError, ValueError, KeyError, AttributeError):
        return None
    return kernel if same else None


# --- gradients written into the parameters' own .grad arrays ------------------------------------
# A backward run under `autograd.backward()` may write a parameter's gradient straight into its
# `.grad` array (grad_req 'write', as MXNet's backward does) instead of a fresh array that is
# then copied there: one weight-sized allocation and copy less per parameter and step. Kernels
# here take `outs`, one array or None per output (None: a fresh result), and return the outputs.

def _fully_connected_weight_into(xp, inputs, attrs, outs):
    og, data = inputs
    og2 = og.reshape(-1, og.shape[-1])
    m = data.reshape(data.shape[0], -1) if attrs["flatten"] else data.reshape(-1, data.shape[-1])
    # matmul, not dot, into `out`: NumPy's dot with out= and a transposed operand measured
    # 78 us against matmul's 59 us for MLP's 128x64 . 64x784 (same BLAS call, same result);
    # but for a batch of one (an outer product) matmul leaves BLAS for a loop 5x slower than
    # dot's (128x1 . 1x784: 145 against 29 us)
    if outs[0] is None:
        weight = xp.dot(og2.T, m)
    elif og2.shape[0] == 1:
        weight = xp.dot(og2.T, m, out=outs[0])
    else:
        weight = xp.matmul(og2.T, m, out=outs[0])
    if attrs["no_bias"]:
        return [weight]
    bias = og2.sum(axis=0) if outs[1] is None else og2.sum(axis=0, out=outs[1])
    return [weight, bias]


_GRADIENT_KERNELS = {
    "_backward_FullyConnected_weight": _fully_connected_weight_into,
}


def gradient_kernel(op, attrs, in_arrays, out_arrays):
    """The kernel writing `op`'s outputs into given arrays, checked on one recorded call (its
    inputs and the arrays `compute` returned): None when there is none or it does not reproduce
    `compute`'s results exactly."""
    kernel = _GRADIENT_KERNELS.get(getattr(op, "name", None))
    if kernel is None or any(a is None for a in out_arrays):
        return None
    try:
        from ... import backend
        xp = backend.array_module(out_arrays[0])
        trials = [xp.empty_like(a) for a in out_arrays]
        got = kernel(xp, in_arrays, attrs, trials)
        same = all(g is t and t.dtype == a.dtype and bool(xp.array_equal(t, a))
                   for g, t, a in zip(got, trials, out_arrays))
    except (TypeError, ValueError, KeyError, AttributeError):
        return None
    return kernel if same else None
