"""BatchNorm's kernels on the layouts they treat differently (per-channel planes for a batch of
several, plain broadcasting for a batch of one or one value per channel row) and in float32 and
float16, against a closed-form float64 reference, on data whose mean is large next to its
spread (where a one-pass variance would lose its digits)."""
import numpy as np
import pytest

from mxnb import autograd, nd


def _reference(x, gamma, beta, head, axis, eps=1e-3):
    """(output, data gradient, gamma gradient, beta gradient) of training-mode BatchNorm."""
    axes = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    shape = [1] * x.ndim
    shape[axis] = -1
    count = x.size // x.shape[axis]
    mean = x.mean(axis=axes).reshape(shape)
    invstd = 1 / np.sqrt(x.var(axis=axes).reshape(shape) + eps)
    xhat = (x - mean) * invstd
    g = gamma.reshape(shape)
    out = xhat * g + beta.reshape(shape)
    sum_og = head.sum(axis=axes).reshape(shape)
    sum_og_xhat = (head * xhat).sum(axis=axes).reshape(shape)
    grad_x = g * invstd / count * (count * head - sum_og - xhat * sum_og_xhat)
    return out, grad_x, sum_og_xhat.reshape(-1), sum_og.reshape(-1)


@pytest.mark.parametrize("shape, axis", [((1, 3, 5, 4), 1), ((6, 3, 5, 4), 1), ((6, 7), 1),
                                         ((4, 5, 3), -1)],
                         ids=["batch_of_one", "planes", "dense", "channel_last"])
@pytest.mark.parametrize("dtype, rtol", [("float32", 2e-3), ("float16", 3e-2)])
def test_training_forward_and_gradients(ctx, shape, axis, dtype, rtol):
    rng = np.random.RandomState(len(shape) + shape[0])
    channels = shape[axis]
    x = 40 + rng.randn(*shape)
    gamma, beta = rng.uniform(0.5, 1.5, channels), rng.randn(channels)
    head = rng.uniform(-1, 1, shape)
    # the reference sees the values the kernels see: the inputs rounded to dtype
    x, gamma, beta, head = (a.astype(dtype).astype(np.float64) for a in (x, gamma, beta, head))
    expected = _reference(x, gamma, beta, head, axis)
    arrays = [nd.array(a, ctx=ctx, dtype=dtype) for a in (x, gamma, beta)]
    stats = [nd.zeros(channels, ctx=ctx, dtype=dtype), nd.ones(channels, ctx=ctx, dtype=dtype)]
    for a in arrays:
        a.attach_grad()
    with autograd.record():
        y = nd.BatchNorm(*arrays, *stats, fix_gamma=False, axis=axis)
    y.backward(nd.array(head, ctx=ctx, dtype=dtype))
    got = [y, arrays[0].grad, arrays[1].grad, arrays[2].grad]
    for name, value, want in zip(("output", "data grad", "gamma grad", "beta grad"), got, expected):
        assert value.dtype == np.dtype(dtype)
        np.testing.assert_allclose(value.asnumpy().astype(np.float64), want, rtol=rtol,
                                   atol=rtol * np.abs(want).max(), err_msg=name)


@pytest.mark.parametrize("shape", [(1, 3, 4, 4), (5, 3, 4, 4)])
def test_global_statistics_forward_and_gradient(ctx, shape):
    rng = np.random.RandomState(7)
    x = rng.randn(*shape)
    gamma, beta = rng.uniform(0.5, 1.5, 3), rng.randn(3)
    mean, var = rng.randn(3), rng.uniform(0.5, 2, 3)
    head = rng.uniform(-1, 1, shape)
    view = (1, 3, 1, 1)
    scale = gamma / np.sqrt(var + 1e-3)
    expected = (x - mean.reshape(view)) * scale.reshape(view) + beta.reshape(view)
    arrays = [nd.array(a, ctx=ctx) for a in (x, gamma, beta, mean, var)]
    arrays[0].attach_grad()
    with autograd.record():
        y = nd.BatchNorm(*arrays, fix_gamma=False, use_global_stats=True)
    y.backward(nd.array(head, ctx=ctx))
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(arrays[0].grad.asnumpy(), head * scale.reshape(view), rtol=1e-5,
                               atol=1e-6)
