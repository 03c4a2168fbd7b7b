"""Deconvolution against the transpose of a direct convolution (target_shape, dilation, 1-D/3-D),
Pooling's 'same' convention and lp pooling against loop references, and Deconvolution's second
order gradient."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case
from .test_nn_conv import conv_ref

R = np.random.RandomState(3)


def _u(*shape):
    return R.uniform(-1, 1, shape)


def _out_and_pad(size, kernel, stride, dilate, pad, adj, target):
    full = stride * (size - 1) + dilate * (kernel - 1) + 1
    if target:
        total = full - target
        return target, (total + 1) // 2
    return full - 2 * pad + adj, pad


def deconv_ref(x, w, b=None, kernel=(), stride=(), dilate=(), pad=(), adj=(), target_shape=(),
               num_filter=0, num_group=1, no_bias=True, **_):
    """The deconvolution as the transpose of conv_ref: <deconv(x), e_i> = <x, conv(e_i)>."""
    nd_ = len(kernel)
    fill = lambda v, f: tuple(v) if v else (f,) * nd_   # noqa: E731
    stride, dilate, pad, adj = fill(stride, 1), fill(dilate, 1), fill(pad, 0), fill(adj, 0)
    target = fill(target_shape, 0)
    geo = [_out_and_pad(x.shape[2 + i], kernel[i], stride[i], dilate[i], pad[i], adj[i], target[i])
           for i in range(nd_)]
    out_shape = (x.shape[0], num_filter) + tuple(g[0] for g in geo)
    conv_attrs = dict(kernel=kernel, stride=stride, dilate=dilate, pad=tuple(g[1] for g in geo),
                      num_filter=x.shape[1], num_group=num_group, no_bias=True)
    out = np.zeros(int(np.prod(out_shape)))
    for i in range(out.size):
        e = np.zeros(out.size)
        e[i] = 1
        out[i] = (conv_ref(e.reshape(out_shape), w, **conv_attrs) * x).sum()
    out = out.reshape(out_shape)
    if b is not None and not no_bias:
        out += b.reshape((1, -1) + (1,) * nd_)
    return out


CASES = [
    Case("Deconvolution", [_u(1, 2, 3, 2), _u(2, 3, 3, 2)], deconv_ref,
         attrs={"kernel": (3, 2), "num_filter": 3, "stride": (2, 1), "target_shape": (6, 3)},
         name="Deconvolution_target_shape"),
    Case("Deconvolution", [_u(2, 2, 4), _u(2, 1, 3), _u(2)], deconv_ref,
         attrs={"kernel": (3,), "num_filter": 2, "num_group": 2, "dilate": (2,), "pad": (1,),
                "no_bias": False}, name="Deconvolution_1d_dilate_group"),
    Case("Deconvolution", [_u(1, 1, 2, 2, 2), _u(1, 2, 2, 1, 2)], deconv_ref,
         attrs={"kernel": (2, 1, 2), "num_filter": 2, "stride": (2, 1, 1), "dilate": (1, 1, 2),
                "adj": (1, 0, 0)}, name="Deconvolution_3d_dilate_adj"),
]


def same_pool_ref(x, kernel=(), stride=(), pool_type="max", **_):
    """TensorFlow's SAME: ceil(size / stride) windows, padding split with the odd one after."""
    nd_ = x.ndim - 2
    out_sp, before = [], []
    for i in range(nd_):
        o = -(-x.shape[2 + i] // stride[i])
        total = max((o - 1) * stride[i] + kernel[i] - x.shape[2 + i], 0)
        out_sp.append(o)
        before.append(total // 2)
    out = np.zeros(x.shape[:2] + tuple(out_sp))
    for pos in np.ndindex(*out_sp):
        lo = [p * s - b for p, s, b in zip(pos, stride, before)]
        sl = tuple(slice(max(l, 0), min(l + k, n)) for l, k, n in zip(lo, kernel, x.shape[2:]))
        window = x[(slice(None), slice(None)) + sl].reshape(x.shape[:2] + (-1,))
        out[(Ellipsis,) + pos] = window.max(-1) if pool_type == "max" else window.mean(-1)
    return out


def lp_pool_ref(x, kernel=(), stride=(), p_value=2, **_):
    out_sp = [(n - k) // s + 1 for n, k, s in zip(x.shape[2:], kernel, stride)]
    out = np.zeros(x.shape[:2] + tuple(out_sp))
    for pos in np.ndindex(*out_sp):
        sl = tuple(slice(p * s, p * s + k) for p, s, k in zip(pos, stride, kernel))
        total = (x[(slice(None), slice(None)) + sl] ** p_value).reshape(x.shape[:2] + (-1,)).sum(-1)
        out[(Ellipsis,) + pos] = np.sign(total) * np.abs(total) ** (1.0 / p_value)
    return out


def _distinct(*shape):
    return R.permutation(np.arange(np.prod(shape))).reshape(shape) * 0.1 - 1


CASES += [
    Case("Pooling", [_distinct(2, 2, 7)], same_pool_ref,
         attrs={"kernel": (3,), "stride": (2,), "pooling_convention": "same"}, name="Pooling_same_1d"),
    Case("Pooling", [_distinct(1, 2, 5, 4)], same_pool_ref,
         attrs={"kernel": (2, 3), "stride": (2, 2), "pooling_convention": "same", "pool_type": "avg"},
         name="Pooling_same_avg_2d"),
    Case("Pooling", [_u(1, 2, 5)], lp_pool_ref,
         attrs={"kernel": (2,), "stride": (1,), "pool_type": "lp", "p_value": 1}, name="Pooling_lp1"),
    Case("Pooling", [_u(1, 1, 3, 3, 3) + 2], lp_pool_ref,
         attrs={"kernel": (2, 2, 2), "stride": (1, 1, 1), "pool_type": "lp", "p_value": 3},
         name="Pooling_lp3_3d"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_operator(case, ctx):
    run_case(case, ctx)


def test_deconvolution_shapes_and_errors():
    s = mx.sym.Deconvolution(mx.sym.var("x"), kernel=(3, 3), num_filter=4, stride=(2, 2), name="d")
    assert s.list_arguments() == ["x", "d_weight"]          # no_bias defaults to True, as MXNet
    args, outs, _ = s.infer_shape(x=(1, 3, 4, 4))
    assert args == [(1, 3, 4, 4), (3, 4, 3, 3)] and outs == [(1, 4, 9, 9)]
    with pytest.raises(mx.MXNetError, match="adj"):
        nd.Deconvolution(nd.ones((1, 1, 2, 2)), nd.ones((1, 1, 2, 2)), kernel=(2, 2), num_filter=1,
                         adj=(1, 1))
    with pytest.raises(mx.MXNetError, match="num_group"):
        nd.Deconvolution(nd.ones((1, 2, 2, 2)), nd.ones((2, 1, 2, 2)), kernel=(2, 2), num_filter=3,
                         num_group=2)


def test_pooling_option_errors():
    with pytest.raises(mx.MXNetError, match="p_value"):
        nd.Pooling(nd.ones((1, 1, 4, 4)), kernel=(2, 2), pool_type="lp")
    with pytest.raises(mx.MXNetError, match="same"):
        nd.Pooling(nd.ones((1, 1, 4)), kernel=(2,), pad=(1,), pooling_convention="same")


def test_deconvolution_second_order(ctx):
    """d/dx of sum(head * dL/dw), L = sum(deconv(x, w)^2), against central differences."""
    rng = np.random.RandomState(2)
    x0, w0, head = rng.uniform(-1, 1, (1, 2, 3, 3)), rng.uniform(-1, 1, (2, 2, 2, 2)), \
        rng.uniform(-1, 1, (2, 2, 2, 2))
    attrs = {"kernel": (2, 2), "num_filter": 2, "stride": (2, 2), "pad": (1, 0)}

    def value(xv, record_x):
        x = nd.array(xv, ctx=ctx, dtype=np.float64)
        w = nd.array(w0, ctx=ctx, dtype=np.float64)
        w.attach_grad()
        if record_x:
            x.attach_grad()
        with autograd.record():
            y = nd.Deconvolution(x, w, **attrs)
            gw, = autograd.grad((y * y).sum(), [w], create_graph=True)
            z = (gw * nd.array(head, ctx=ctx, dtype=np.float64)).sum()
        return x, z

    x, z = value(x0, True)
    z.backward()
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        plus, minus = x0.copy(), x0.copy()
        plus[i] += 1e-5
        minus[i] -= 1e-5
        numeric[i] = (value(plus, False)[1].asscalar() - value(minus, False)[1].asscalar()) / 2e-5
    np.testing.assert_allclose(x.grad.asnumpy(), numeric, rtol=1e-4, atol=1e-6)


# --- channel-last layouts: the channel-first references on data with the channel axis moved ----
def _last_to_first(a):
    return np.moveaxis(a, -1, 1)


def _channel_last(reference):
    def run(x, w=None, b=None, **attrs):
        attrs = dict(attrs, layout=None)
        args = [_last_to_first(x)] + ([_last_to_first(w)] if w is not None else []) + \
            ([b] if b is not None else [])
        return np.moveaxis(reference(*args, **attrs), 1, -1)
    return run


def _pool_last(x, **attrs):
    from .test_nn_conv import pool_ref
    return np.moveaxis(pool_ref(_last_to_first(x), **dict(attrs, layout=None)), 1, -1)


CHANNEL_LAST = [
    Case("Convolution", [_u(2, 4, 5, 2), _u(3, 2, 2, 2), _u(3)], _channel_last(conv_ref),
         attrs={"kernel": (2, 2), "num_filter": 3, "stride": (1, 2), "layout": "NHWC"},
         name="Convolution_NHWC"),
    Case("Convolution", [_u(1, 6, 4), _u(4, 3, 2)], _channel_last(conv_ref),
         attrs={"kernel": (3,), "num_filter": 4, "num_group": 2, "pad": (1,), "no_bias": True,
                "layout": "NWC"}, name="Convolution_NWC_group"),
    Case("Deconvolution", [_u(1, 2, 3, 2), _u(2, 2, 2, 3)], _channel_last(deconv_ref),
         attrs={"kernel": (2, 2), "num_filter": 3, "stride": (2, 1), "layout": "NHWC"},
         name="Deconvolution_NHWC"),
    Case("Pooling", [_distinct(1, 4, 3, 4, 2)], _pool_last,
         attrs={"kernel": (2, 2, 2), "stride": (2, 1, 2), "pool_type": "avg", "pad": (1, 0, 1),
                "layout": "NDHWC"}, name="Pooling_NDHWC"),
    Case("Pooling", [_distinct(2, 5, 3)], _pool_last,
         attrs={"kernel": (3,), "stride": (2,), "layout": "NWC"}, name="Pooling_NWC_max"),
]


@pytest.mark.parametrize("case", CHANNEL_LAST, ids=repr)
def test_channel_last_layouts(case, ctx):
    run_case(case, ctx)


def test_channel_last_shapes_are_inferred():
    s = mx.sym.Convolution(mx.sym.var("x"), kernel=(3, 3), num_filter=8, layout="NHWC", name="c")
    args, outs, _ = s.infer_shape(x=(2, 10, 12, 3))
    assert args == [(2, 10, 12, 3), (8, 3, 3, 3), (8,)] and outs == [(2, 8, 10, 8)]
    layer = mx.gluon.nn.Conv2D(4, 3, layout="NHWC")
    layer.initialize()
    assert layer(nd.ones((1, 5, 6, 2))).shape == (1, 3, 4, 4) and layer.weight.shape == (4, 3, 3, 2)


@pytest.mark.parametrize("attrs", [{"kernel": (2, 2), "stride": (1, 2), "pool_type": "avg", "pad": (1, 0)},
                                   {"kernel": (3, 2), "pool_type": "sum", "pooling_convention": "full",
                                    "stride": (2, 2)}])
def test_average_and_sum_pooling_second_order(ctx, attrs):
    """d/dx of sum(head * dL/dx), L = sum(w * pool(x)^2), against central differences."""
    rng = np.random.RandomState(6)
    x0 = rng.uniform(-1, 1, (1, 2, 4, 5))
    out_shape = nd.Pooling(nd.array(x0), **attrs).shape
    w, head = rng.uniform(-1, 1, out_shape), rng.uniform(-1, 1, x0.shape)

    def value(xv, record):
        x = nd.array(xv, ctx=ctx, dtype=np.float64)
        x.attach_grad()
        with autograd.record():
            y = nd.Pooling(x, **attrs)
            gx, = autograd.grad((nd.array(w, ctx=ctx, dtype=np.float64) * y * y).sum(), [x],
                                create_graph=True)
            z = (gx * nd.array(head, ctx=ctx, dtype=np.float64)).sum()
        if record:
            z.backward()
        return x, z.asscalar()

    x, _ = value(x0, True)
    numeric = np.zeros_like(x0)
    for i in np.ndindex(*x0.shape):
        plus, minus = x0.copy(), x0.copy()
        plus[i] += 1e-5
        minus[i] -= 1e-5
        numeric[i] = (value(plus, False)[1] - value(minus, False)[1]) / 2e-5
    np.testing.assert_allclose(x.grad.asnumpy(), numeric, rtol=1e-4, atol=1e-6)


def test_max_pooling_second_order_says_it_is_unsupported():
    x = nd.array(np.random.RandomState(0).uniform(size=(1, 1, 4, 4)), dtype=np.float64)
    x.attach_grad()
    with pytest.raises(mx.MXNetError, match=r"second-order gradient is not available through "
                                            r"operator Pooling\(pool_type='max'\)"):
        with autograd.record():
            y = nd.Pooling(x, kernel=(2, 2), stride=(2, 2))
            gx, = autograd.grad((y * y).sum(), [x], create_graph=True)
            gx.sum().backward()


def test_upsampling_symbol_arguments_as_mxnet():
    """Bilinear UpSampling names its weight `<name>_weight` whether or not num_args=2 is given;
    nearest takes any number of inputs and counts them itself (MXNet 1.9.1's behaviour)."""
    for extra in ({}, {"num_args": 2}):
        s = mx.sym.UpSampling(mx.sym.var("d"), scale=2, sample_type="bilinear", num_filter=3,
                              name="up", **extra)
        assert s.list_arguments() == ["d", "up_weight"]
        assert s.infer_shape(d=(1, 3, 4, 4))[:2] == ([(1, 3, 4, 4), (3, 1, 4, 4)], [(1, 3, 8, 8)])
    s = mx.sym.UpSampling(mx.sym.var("a"), mx.sym.var("b"), scale=2, sample_type="nearest")
    assert s.list_arguments() == ["a", "b"]
    assert s.infer_shape(a=(1, 1, 2, 2), b=(1, 2, 4, 4))[1] == [(1, 3, 4, 4)]
    with pytest.raises(mx.MXNetError, match="bilinear"):
        nd.UpSampling(nd.ones((1, 1, 2, 2)), scale=2, sample_type="bilinear", num_filter=1).wait_to_read()
