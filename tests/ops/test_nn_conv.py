"""Convolution (1-D, 2-D, 3-D, groups, stride, dilation, padding), Pooling and their backward kernels,
against direct loop references."""
import itertools

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.ops import registry
from .harness import Case, run_case

R = np.random.RandomState(11)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _spatial(value, nd_, fill):
    return tuple(value) if value else (fill,) * nd_


def conv_ref(x, w, b=None, kernel=(), stride=(), dilate=(), pad=(), num_filter=0, num_group=1,
             no_bias=False, **_):
    """Direct convolution: one output position at a time."""
    nd_ = len(kernel)
    stride, dilate, pad = _spatial(stride, nd_, 1), _spatial(dilate, nd_, 1), _spatial(pad, nd_, 0)
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out_sp = [(xp.shape[2 + i] - dilate[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd_)]
    n, c = x.shape[:2]
    cg, fg = c // num_group, num_filter // num_group
    out = np.zeros((n, num_filter) + tuple(out_sp))
    for pos in itertools.product(*[range(o) for o in out_sp]):
        idx = tuple(slice(p * s, p * s + d * (k - 1) + 1, d)
                    for p, s, d, k in zip(pos, stride, dilate, kernel))
        for g in range(num_group):
            patch = xp[(slice(None), slice(g * cg, (g + 1) * cg)) + idx]
            out[(slice(None), slice(g * fg, (g + 1) * fg)) + pos] = np.tensordot(
                patch, w[g * fg:(g + 1) * fg], axes=(list(range(1, nd_ + 2)), list(range(1, nd_ + 2))))
    if b is not None and not no_bias:
        out += b.reshape((1, -1) + (1,) * nd_)
    return out


def pool_ref(x, kernel=(), pool_type="max", global_pool=False, pooling_convention="valid",
             stride=(), pad=(), count_include_pad=None, **_):
    nd_ = x.ndim - 2
    if global_pool:
        kernel, stride, pad = x.shape[2:], (1,) * nd_, (0,) * nd_
    stride, pad = _spatial(stride, nd_, 1), _spatial(pad, nd_, 0)
    size = x.shape[2:]
    rounding = np.ceil if pooling_convention == "full" else np.floor
    out_sp = [int(rounding((size[i] + 2 * pad[i] - kernel[i]) / stride[i])) + 1 for i in range(nd_)]
    out = np.zeros(x.shape[:2] + tuple(out_sp))
    for pos in itertools.product(*[range(o) for o in out_sp]):
        lo = [p * s - q for p, s, q in zip(pos, stride, pad)]
        hi = [min(l + k, sz + q) for l, k, sz, q in zip(lo, kernel, size, pad)]
        inside = tuple(slice(max(l, 0), min(h, sz)) for l, h, sz in zip(lo, hi, size))
        window = x[(slice(None), slice(None)) + inside]
        axes = tuple(range(2, 2 + nd_))
        if pool_type == "max":
            out[(Ellipsis,) + pos] = window.max(axis=axes)
        elif pool_type == "sum":
            out[(Ellipsis,) + pos] = window.sum(axis=axes)
        else:
            if count_include_pad is False:
                count = np.prod([s.stop - s.start for s in inside])
            else:
                count = np.prod([h - max(l, -q) for l, h, q in zip(lo, hi, pad)])
            out[(Ellipsis,) + pos] = window.sum(axis=axes) / count
    return out


def _distinct(*shape):
    """Distinct, well separated values so max pooling has a stable winner under perturbation."""
    return R.permutation(np.arange(np.prod(shape))).reshape(shape) * 0.1 - 1


CONV = [
    ({"kernel": (3, 2), "num_filter": 3}, (2, 2, 5, 4), (3, 2, 3, 2)),
    ({"kernel": (3, 3), "num_filter": 4, "num_group": 2, "stride": (2, 1), "pad": (1, 1),
      "dilate": (1, 2)}, (1, 4, 5, 6), (4, 2, 3, 3)),
    ({"kernel": (3,), "num_filter": 2, "stride": (2,), "pad": (1,)}, (2, 3, 7), (2, 3, 3)),
    ({"kernel": (2, 2, 2), "num_filter": 2, "pad": (1, 0, 0)}, (1, 2, 3, 3, 3), (2, 2, 2, 2, 2)),
]
CASES = []
for attrs, dshape, wshape in CONV:
    name = "Convolution_%dd%s" % (len(attrs["kernel"]), "_group" if "num_group" in attrs else "")
    CASES.append(Case("Convolution", [_u(*dshape), _u(*wshape), _u(wshape[0])], conv_ref,
                      attrs=attrs, name=name))
CASES.append(Case("Convolution", [_u(2, 2, 4, 4), _u(3, 2, 2, 2)], conv_ref,
                  attrs={"kernel": (2, 2), "num_filter": 3, "no_bias": True, "stride": (2, 2)},
                  name="Convolution_no_bias"))


def _conv_data_grad_ref(og, x, w, **attrs):
    """The data gradient as the transpose of the (linear) convolution, by finite basis vectors."""
    grad = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1
        grad[i] = (conv_ref(e.reshape(x.shape), w, **dict(attrs, no_bias=True)) * og).sum()
    return grad.reshape(x.shape)


def _conv_weight_grad_ref(og, x, **attrs):
    wshape = (attrs["num_filter"], x.shape[1] // attrs.get("num_group", 1)) + tuple(attrs["kernel"])
    grad = np.zeros(int(np.prod(wshape)))
    for i in range(grad.size):
        e = np.zeros(grad.size)
        e[i] = 1
        grad[i] = (conv_ref(x, e.reshape(wshape), **dict(attrs, no_bias=True)) * og).sum()
    out = [grad.reshape(wshape)]
    if not attrs.get("no_bias"):
        out.append(og.sum(axis=(0,) + tuple(range(2, og.ndim))))
    return out


def _columns_ref(x, kernel, num_group=1, stride=None, pad=None, no_bias=False, **_):
    """Convolution's hidden im2col output, by loops: (N, groups, C/g * prod(kernel) [+ 1],
    prod(out)), each image's windows as columns, with a last row of ones unless no_bias."""
    nd = len(kernel)
    stride = stride or (1,) * nd
    pad = pad or (0,) * nd
    xp = np.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in pad])
    out = [(xp.shape[2 + i] - kernel[i]) // stride[i] + 1 for i in range(nd)]
    n, c = x.shape[:2]
    cols = np.zeros((n, c) + tuple(kernel) + tuple(out))
    for k in np.ndindex(*kernel):
        for o in np.ndindex(*out):
            src = tuple(oi * si + ki for oi, si, ki in zip(o, stride, k))
            cols[(slice(None), slice(None)) + k + o] = xp[(slice(None), slice(None)) + src]
    cols = cols.reshape(n, num_group, -1, int(np.prod(out)))
    if no_bias:
        return cols
    return np.concatenate([cols, np.ones((n, num_group, 1, cols.shape[-1]))], axis=2)


def _conv_weight_grad_from_columns_ref(og, x, cols, **attrs):
    """The columns only cache im2col(x): the gradients are those from x. Data and columns are
    tied, so only ograd is varied numerically; second order through data is checked end to end
    in test_convolution_second_order."""
    return _conv_weight_grad_ref(og, x, **attrs)


_A = {"kernel": (3, 2), "num_filter": 4, "num_group": 2, "stride": (2, 1), "pad": (1, 0)}
_X2, _X1 = _u(1, 2, 3, 4), _u(2, 3, 5)
CASES += [
    Case("_backward_Convolution_data", [_u(1, 4, 2, 3), _u(1, 2, 3, 4), _u(4, 1, 3, 2)],
         _conv_data_grad_ref, attrs=_A, grad_inputs=[0, 2]),
    Case("_backward_Convolution_weight", [_u(1, 4, 2, 3), _X2], _conv_weight_grad_ref, attrs=_A),
    Case("_backward_Convolution_weight", [_u(2, 2, 3), _X1], _conv_weight_grad_ref,
         attrs={"kernel": (3,), "num_filter": 2, "no_bias": True}, name="_backward_Conv_weight_1d"),
    Case("_backward_Convolution_weight_columns", [_u(1, 4, 2, 3), _X2, _columns_ref(_X2, **_A)],
         _conv_weight_grad_from_columns_ref, attrs=_A, grad_inputs=[0]),
    Case("_backward_Convolution_weight_columns", [_u(2, 2, 3), _X1,
                                                  _columns_ref(_X1, kernel=(3,), no_bias=True)],
         _conv_weight_grad_from_columns_ref, attrs={"kernel": (3,), "num_filter": 2, "no_bias": True},
         grad_inputs=[0], name="_backward_Conv_weight_columns_1d"),
]

POOL = [
    {"kernel": (2, 2), "stride": (2, 2)},
    {"kernel": (3, 2), "stride": (2, 2), "pooling_convention": "full"},
    {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg"},
    {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg", "count_include_pad": False},
    {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg",
     "pooling_convention": "full"},
    {"kernel": (2, 3), "stride": (2, 3), "pool_type": "sum", "pooling_convention": "full"},
    {"global_pool": True, "pool_type": "avg"},
    {"global_pool": True, "pool_type": "max"},
]
for attrs in POOL:
    CASES.append(Case("Pooling", [_distinct(2, 2, 5, 4)], pool_ref, attrs=attrs,
                      name="Pooling_" + "_".join(str(v) for v in attrs.values())))
CASES += [
    Case("Pooling", [_distinct(2, 2, 7)], pool_ref, attrs={"kernel": (3,), "stride": (2,)},
         name="Pooling_1d"),
    Case("Pooling", [_distinct(1, 2, 4, 3, 4)], pool_ref,
         attrs={"kernel": (2, 2, 2), "stride": (2, 1, 2), "pool_type": "avg"}, name="Pooling_3d"),
]


def _pool_grad_ref(og, x, out, **attrs):
    """Pooling's gradient from the reference by central differences (x's values are distinct;
    `out`, the forward output that the operator reads, is not needed here)."""
    grad = np.zeros(x.size)
    for i in range(x.size):
        e = np.zeros(x.size)
        e[i] = 1e-3
        grad[i] = ((pool_ref(x + e.reshape(x.shape), **attrs)
                    - pool_ref(x - e.reshape(x.shape), **attrs)) * og).sum() / 2e-3
    return grad.reshape(x.shape)


for attrs in ({"kernel": (2, 2), "stride": (1, 1)},
              {"kernel": (3, 3), "stride": (2, 2), "pad": (1, 1), "pool_type": "avg"},
              {"kernel": (2, 2), "pool_type": "sum", "pooling_convention": "full", "stride": (2, 2)}):
    _x = _distinct(1, 2, 3, 4)
    CASES.append(Case("_backward_Pooling", [_u(1, 2, *pool_ref(np.zeros((1, 1, 3, 4)), **attrs).shape[2:]),
                                            _x, pool_ref(_x, **attrs)],
                      _pool_grad_ref, attrs=attrs, grad=False, rtol=1e-3,
                      name="_backward_Pooling_" + attrs.get("pool_type", "max")))


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_convolution_infers_weight_and_bias():
    op = registry.get("Convolution")
    attrs = op.parse_attrs({"kernel": (5, 5), "num_filter": 20})
    ins, outs = op.infer_shape(attrs, [(64, 1, 28, 28), None, None])
    # the second output is the hidden im2col columns (N, groups, C*K + 1, HW) the weight gradient
    # reuses (the last row: ones, for the bias)
    assert ins[1:] == [(20, 1, 5, 5), (20,)] and outs == [(64, 20, 24, 24), (64, 1, 26, 24 * 24)]
    # ... and stays hidden: a convolution symbol lists one output, as in MXNet
    conv = mx.sym.Convolution(mx.sym.var("x"), kernel=(5, 5), num_filter=20, name="c")
    assert conv.list_outputs() == ["c_output"]
    assert conv.infer_shape(x=(64, 1, 28, 28))[1] == [(64, 20, 24, 24)]


def test_convolution_errors_name_the_problem(ctx):
    with pytest.raises(mx.MXNetError, match=r"Convolution.*4-D"):
        nd.Convolution(nd.ones((2, 3, 8), ctx=ctx), nd.ones((4, 3, 3, 3), ctx=ctx),
                       nd.ones(4, ctx=ctx), kernel=(3, 3), num_filter=4)
    op = registry.get("Convolution")
    with pytest.raises(mx.MXNetError, match=r"weight"):
        op.infer_shape(op.parse_attrs({"kernel": (3, 3), "num_filter": 4}),
                       [(2, 3, 8, 8), (4, 2, 3, 3), None])


def test_pooling_output_shapes():
    op = registry.get("Pooling")
    attrs = op.parse_attrs({"kernel": (2, 2), "stride": (2, 2), "pooling_convention": "full"})
    assert op.infer_shape(attrs, [(1, 1, 5, 5)])[1] == [(1, 1, 3, 3)]


@pytest.mark.parametrize("kernel", [(2, 2), (5, 5)])   # by kernel positions, and by window reduction
def test_max_pooling_gives_a_tied_window_gradient_to_its_first_maximum(ctx, kernel):
    """As MXNet: equal maxima in a window do not share the gradient; the first in row-major order
    takes it all."""
    from mxnb import autograd
    x = nd.zeros((1, 1) + kernel, ctx=ctx)
    x[0, 0, 0, 1] = 3.0
    x[0, 0, 1, 0] = 3.0
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=kernel, stride=kernel, pool_type="max")
    y.backward(nd.array([[[[2.0]]]], ctx=ctx))
    expected = np.zeros((1, 1) + kernel)
    expected[0, 0, 0, 1] = 2.0
    np.testing.assert_array_equal(y.asnumpy(), [[[[3.0]]]])
    np.testing.assert_array_equal(x.grad.asnumpy(), expected)


def test_convolution_second_order(ctx):
    """d/dx of sum(head * dL/dw) through Convolution's backward (whose weight gradient reads the
    forward's cached columns) equals central differences in float64."""
    from mxnb import autograd
    rng = np.random.RandomState(5)
    x0 = rng.uniform(-1, 1, (1, 2, 4, 4))
    w0 = rng.uniform(-1, 1, (3, 2, 3, 3))
    head = rng.uniform(-1, 1, (3, 2, 3, 3))
    attrs = {"kernel": (3, 3), "num_filter": 3, "no_bias": True}

    def weight_grad_dot_head(xv, record_x):
        x = nd.array(xv, ctx=ctx, dtype=np.float64)
        w = nd.array(w0, ctx=ctx, dtype=np.float64)
        w.attach_grad()
        if record_x:
            x.attach_grad()
        with autograd.record():
            y = nd.Convolution(x, w, **attrs)
            loss = (y * y).sum()
            gw, = autograd.grad(loss, [w], create_graph=True)
            z = (gw * nd.array(head, ctx=ctx, dtype=np.float64)).sum()
        return x, z

    x, z = weight_grad_dot_head(x0, True)
    z.backward()
    analytic = x.grad.asnumpy()
    numeric = np.zeros_like(x0)
    eps = 1e-5
    for i in np.ndindex(*x0.shape):
        plus, minus = x0.copy(), x0.copy()
        plus[i] += eps
        minus[i] -= eps
        numeric[i] = (weight_grad_dot_head(plus, False)[1].asscalar()
                      - weight_grad_dot_head(minus, False)[1].asscalar()) / (2 * eps)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-4, atol=1e-6)
