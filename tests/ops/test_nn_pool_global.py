"""Global average and sum pooling (mxnb/ops/nn/_pool_global.py): one value per (sample, channel)
for 1-D, 2-D and 3-D data, and the gradient copied (avg: divided by the count) to every spatial
position; float16 takes the general kernels and agrees."""
import numpy as np
import pytest

from mxnb import autograd, nd


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5), (1, 2, 3, 2, 4)], ids=["1d", "2d", "3d"])
@pytest.mark.parametrize("kind", ["avg", "sum"])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16"])
def test_global_pooling_and_its_gradient(ctx, shape, kind, dtype):
    rng = np.random.RandomState(len(shape))
    x0 = rng.uniform(-1, 1, shape).astype(dtype)
    spatial = tuple(range(2, len(shape)))
    count = int(np.prod(shape[2:]))
    reduce = np.mean if kind == "avg" else np.sum
    expected = reduce(x0.astype(np.float64), axis=spatial, keepdims=True)
    head = rng.uniform(-1, 1, expected.shape).astype(dtype)
    x = nd.array(x0, ctx=ctx, dtype=dtype)
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(1,) * len(spatial), global_pool=True, pool_type=kind)
    y.backward(nd.array(head, ctx=ctx, dtype=dtype))
    tol = 1e-2 if dtype == "float16" else 1e-6
    assert y.shape == expected.shape and y.dtype == np.dtype(dtype)
    np.testing.assert_allclose(y.asnumpy(), expected, rtol=tol, atol=tol)
    spread = head.astype(np.float64) / (count if kind == "avg" else 1)
    np.testing.assert_allclose(x.grad.asnumpy(), np.broadcast_to(spread, shape), rtol=tol, atol=tol)


def test_global_average_pooling_of_channel_last_data(ctx):
    x0 = np.random.RandomState(3).uniform(-1, 1, (2, 4, 3, 5)).astype("float32")    # NHWC
    x = nd.array(x0, ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(1, 1), global_pool=True, pool_type="avg", layout="NHWC")
    y.backward(nd.ones(y.shape, ctx=ctx))
    np.testing.assert_allclose(y.asnumpy(), x0.mean(axis=(1, 2), keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), np.full(x0.shape, 1 / 12, np.float32), rtol=1e-6)
