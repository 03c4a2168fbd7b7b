"""contrib.SyncBatchNorm with output_mean_var=True returns (output, mean, variance) as MXNet
1.9.1 does (BatchNorm's third output is the inverse standard deviation instead), and its
gradients are BatchNorm's."""
import numpy as np

import mxnb as mx

EPS = 1e-3


def _inputs(seed=0):
    rs = np.random.RandomState(seed)
    x = rs.randn(4, 3, 5).astype(np.float32)
    return x, [mx.nd.array(x), mx.nd.ones(3), mx.nd.zeros(3), mx.nd.array([0.5, 1.0, 2.0]),
               mx.nd.array([2.0, 3.0, 4.0])]


def test_training_outputs_batch_mean_and_variance():
    x, arrays = _inputs()
    with mx.autograd.record(train_mode=True):
        out, mean, var = mx.nd.contrib.SyncBatchNorm(*arrays, output_mean_var=True, key="k",
                                                     eps=EPS)
    np.testing.assert_allclose(mean.asnumpy(), x.mean(axis=(0, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var.asnumpy(), x.astype(np.float64).var(axis=(0, 2)), rtol=1e-5)
    expected = (x - x.mean(axis=(0, 2), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2), keepdims=True) + EPS)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-4, atol=1e-5)


def test_inference_outputs_the_moving_statistics():
    _, arrays = _inputs()
    out, mean, var = mx.nd.contrib.SyncBatchNorm(*arrays, output_mean_var=True, key="k")
    np.testing.assert_allclose(mean.asnumpy(), [0.5, 1.0, 2.0])
    np.testing.assert_allclose(var.asnumpy(), [2.0, 3.0, 4.0])


def test_batch_norm_still_outputs_the_inverse_std():
    x, arrays = _inputs()
    with mx.autograd.record(train_mode=True):
        _, _, invstd = mx.nd.BatchNorm(*arrays, output_mean_var=True, eps=EPS)
    np.testing.assert_allclose(invstd.asnumpy(), 1 / np.sqrt(x.var(axis=(0, 2)) + EPS),
                               rtol=1e-5)


def test_gradients_match_batch_norm():
    def grads(fn, **kw):
        _, arrays = _inputs(3)
        for a in arrays[:3]:
            a.attach_grad()
        head = mx.nd.array(np.random.RandomState(4).randn(4, 3, 5))
        with mx.autograd.record(train_mode=True):
            out = fn(*arrays, output_mean_var=True, fix_gamma=False, eps=EPS, **kw)[0]
        out.backward(head)
        return [a.grad.asnumpy() for a in arrays[:3]]

    for sync, plain in zip(grads(mx.nd.contrib.SyncBatchNorm, key="k"), grads(mx.nd.BatchNorm)):
        np.testing.assert_allclose(sync, plain, rtol=1e-4, atol=1e-5)
