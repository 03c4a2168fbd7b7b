"""LayerNorm / InstanceNorm / GroupNorm gamma and beta gradients over many rows keep float32
accuracy (their batch sums accumulate in float64), and stay in the data's dtype."""
import numpy as np

import mxnb as mx


def _grads(op, x, gamma, beta, og, **attrs):
    arrays = [mx.nd.array(a, dtype=a.dtype) for a in (x, gamma, beta)]
    for a in arrays:
        a.attach_grad()
    with mx.autograd.record():
        y = getattr(mx.nd, op)(*arrays, **attrs)
    y.backward(mx.nd.array(og, dtype=og.dtype))
    return [a.grad for a in arrays[1:]]


def _xhat(x, axes, eps):
    x = x.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def test_layer_norm_parameter_gradients_over_4096_rows():
    rs = np.random.RandomState(0)
    x = rs.randn(4096, 512).astype(np.float32)
    gamma, beta = rs.randn(512).astype(np.float32), rs.randn(512).astype(np.float32)
    og = rs.randn(4096, 512).astype(np.float32)
    g_gamma, g_beta = _grads("LayerNorm", x, gamma, beta, og)
    assert g_gamma.dtype == np.float32 and g_beta.dtype == np.float32
    xhat = _xhat(x, (1,), 1e-5)
    np.testing.assert_allclose(g_gamma.asnumpy(), (og * xhat).sum(axis=0), rtol=0, atol=5e-5)
    np.testing.assert_allclose(g_beta.asnumpy(), og.astype(np.float64).sum(axis=0), rtol=0,
                               atol=5e-5)


def test_instance_norm_parameter_gradients_over_a_large_batch():
    rs = np.random.RandomState(1)
    x = rs.randn(2048, 4, 64).astype(np.float32)
    gamma, beta = rs.randn(4).astype(np.float32), rs.randn(4).astype(np.float32)
    og = rs.randn(2048, 4, 64).astype(np.float32)
    g_gamma, g_beta = _grads("InstanceNorm", x, gamma, beta, og)
    xhat = _xhat(x, (2,), 1e-3)
    np.testing.assert_allclose(g_gamma.asnumpy(), (og * xhat).sum(axis=(0, 2)), rtol=0,
                               atol=5e-5)
    np.testing.assert_allclose(g_beta.asnumpy(), og.astype(np.float64).sum(axis=(0, 2)),
                               rtol=0, atol=5e-5)


def test_float16_parameter_gradients_stay_float16():
    rs = np.random.RandomState(2)
    x = rs.randn(64, 8).astype(np.float16)
    og = rs.randn(64, 8).astype(np.float16)
    g_gamma, g_beta = _grads("LayerNorm", x, np.ones(8, np.float16), np.zeros(8, np.float16), og)
    assert g_gamma.dtype == np.float16 and g_beta.dtype == np.float16
    np.testing.assert_allclose(g_beta.asnumpy(), og.astype(np.float64).sum(axis=0), rtol=2e-3,
                               atol=2e-2)
