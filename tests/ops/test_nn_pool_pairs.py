"""2x2 / stride-2 max pooling's own kernels (mxnb/ops/nn/_pool_pairs.py) against a window-by-window
reference: the maxima, and the gradient going to each window's first maximum in row-major order
when several elements tie (data drawn from a few values, so most windows tie), through NDArray
and autograd, for covered inputs, inputs with a row and column no window reads, a larger batch,
channel-last data and a hybridized layer."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, nd
from mxnb.ops import registry


def _windows_reference(x, head):
    """(pooled, gradient) by looping over the windows of 2x2 / stride-2 max pooling."""
    n, c, h, w = x.shape
    pooled = np.zeros((n, c, h // 2, w // 2), x.dtype)
    grad = np.zeros_like(x)
    for index in np.ndindex(*pooled.shape):
        b, ch, i, j = index
        window = x[b, ch, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
        pooled[index] = window.max()
        first = int(np.argmax(window.reshape(-1) == window.max()))   # row-major order
        grad[b, ch, 2 * i + first // 2, 2 * j + first % 2] = head[index]
    return pooled, grad


@pytest.mark.parametrize("shape", [(3, 2, 6, 8), (2, 3, 7, 5), (16, 4, 24, 24)],
                         ids=["covered", "remainder", "larger"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_ties_go_to_the_first_maximum(ctx, shape, dtype):
    rng = np.random.RandomState(sum(shape))
    x0 = rng.randint(0, 3, shape).astype(dtype)         # three values: most windows tie
    out_shape = shape[:2] + (shape[2] // 2, shape[3] // 2)
    head = rng.uniform(1, 2, out_shape).astype(dtype)
    expected_y, expected_grad = _windows_reference(x0, head)
    x = nd.array(x0, ctx=ctx, dtype=dtype)
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="max")
    y.backward(nd.array(head, ctx=ctx, dtype=dtype))
    np.testing.assert_array_equal(y.asnumpy(), expected_y)
    np.testing.assert_array_equal(x.grad.asnumpy(), expected_grad)


def test_every_tie_pattern_of_one_window():
    """All 15 non-empty sets of maxima of a 2x2 window: the first in row-major order wins."""
    op = registry.get("_backward_Pooling")
    attrs = op.parse_attrs({"kernel": (2, 2), "stride": (2, 2), "pool_type": "max"})
    for pattern in range(1, 16):
        x = np.array([(pattern >> k) & 1 for k in range(4)], np.float32).reshape(1, 1, 2, 2)
        grad = op.compute(np, [np.full((1, 1, 1, 1), 5.0, np.float32), x,
                               np.ones((1, 1, 1, 1), np.float32)], attrs)
        expected = np.zeros(4, np.float32)
        expected[(pattern & -pattern).bit_length() - 1] = 5.0
        np.testing.assert_array_equal(grad.reshape(-1), expected, err_msg="pattern %d" % pattern)


def test_channel_last_layout_takes_the_same_kernels(ctx):
    rng = np.random.RandomState(1)
    x0 = rng.randint(0, 3, (2, 6, 4, 3)).astype("float32")          # NHWC
    head = rng.uniform(1, 2, (2, 3, 2, 3)).astype("float32")
    expected_y, expected_grad = _windows_reference(np.moveaxis(x0, -1, 1),
                                                   np.moveaxis(head, -1, 1))
    x = nd.array(x0, ctx=ctx)
    x.attach_grad()
    with autograd.record():
        y = nd.Pooling(x, kernel=(2, 2), stride=(2, 2), pool_type="max", layout="NHWC")
    y.backward(nd.array(head, ctx=ctx))
    np.testing.assert_array_equal(y.asnumpy(), np.moveaxis(expected_y, 1, -1))
    np.testing.assert_array_equal(x.grad.asnumpy(), np.moveaxis(expected_grad, 1, -1))


def test_hybridized_maxpool_layer_matches_imperative():
    net = mx.gluon.nn.MaxPool2D(pool_size=2, strides=2)
    x0 = np.random.RandomState(2).randint(0, 4, (4, 3, 9, 10)).astype("float32")
    grads = []
    for hybridize in (False, True):
        if hybridize:
            net.hybridize()
        x = nd.array(x0)
        x.attach_grad()
        with autograd.record():
            y = net(x)
        y.backward(nd.ones(y.shape) * 3)
        grads.append(x.grad.asnumpy())
    np.testing.assert_array_equal(grads[0], grads[1])
    assert (grads[0] != 0).sum() == 4 * 3 * 4 * 5     # one element per window
