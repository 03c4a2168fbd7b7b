"""float16 activations computed as MXNet 1.9.1 computes them: each function (and each local
derivative) in float32 from the half inputs and rounded to half once; the gradient is that
rounded derivative times ograd, rounded. References are float64 NumPy / math.erf."""
import math

import numpy as np
import pytest

import mxnb as mx

RS = np.random.RandomState(0)
X = np.concatenate([RS.randn(600) * 3, RS.randn(200) * 0.01, [0.0028, -0.0031]]).astype(np.float16)
OG = RS.uniform(-2, 2, X.shape).astype(np.float16)
_ERF = np.vectorize(math.erf)
SQRT2PI = math.sqrt(2 * math.pi)


def _h(values):
    return np.asarray(values, np.float64).astype(np.float16)


def _run(call):
    x = mx.nd.array(X, dtype="float16")
    x.attach_grad()
    with mx.autograd.record():
        y = call(x)
    y.backward(mx.nd.array(OG, dtype="float16"))
    assert y.dtype == np.float16 and x.grad.dtype == np.float16
    return y.asnumpy(), x.grad.asnumpy()


def _within_one_step(actual, expected):
    """float16 results equal to the float64 reference rounded to half, or one step from it
    (the float32 evaluation may land on the other side of a rounding boundary)."""
    steps = np.abs(actual.astype(np.float64) - expected.astype(np.float64)) / np.spacing(
        np.maximum(np.abs(expected), np.float16(6.1e-5)).astype(np.float16)).astype(np.float64)
    assert steps.max() <= 1.0
    assert (actual == expected).mean() >= 0.97


x64 = X.astype(np.float64)
sig = 1 / (1 + np.exp(-x64))
ACTIVATIONS = {
    "gelu": (lambda a: mx.nd.LeakyReLU(a, act_type="gelu"),
             0.5 * x64 * (1 + _ERF(x64 / math.sqrt(2))),
             0.5 * (1 + _ERF(x64 / math.sqrt(2))) + x64 * np.exp(-0.5 * x64 ** 2) / SQRT2PI),
    "elu": (lambda a: mx.nd.LeakyReLU(a, act_type="elu", slope=0.25),
            np.where(x64 > 0, x64, 0.25 * np.expm1(x64)), None),
    "sigmoid": (lambda a: mx.nd.Activation(a, act_type="sigmoid"), sig, None),
    "tanh": (lambda a: mx.nd.Activation(a, act_type="tanh"), np.tanh(x64), None),
    "softrelu": (lambda a: mx.nd.Activation(a, act_type="softrelu"), np.logaddexp(0, x64), None),
    "softsign": (lambda a: mx.nd.Activation(a, act_type="softsign"), x64 / (1 + np.abs(x64)),
                 1 / (1 + np.abs(x64)) ** 2),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_float16_forward_and_gradient(name):
    call, forward, local = ACTIVATIONS[name]
    out, grad = _run(call)
    _within_one_step(out, _h(forward))
    if local is None:       # derivatives MXNet reads from the (half) output
        y = out.astype(np.float64)
        local = {"sigmoid": y * (1 - y), "tanh": 1 - y * y, "softrelu": -np.expm1(-y),
                 "elu": np.where(x64 > 0, 1, y + 0.25)}[name]
    _within_one_step(grad, _h(_h(local).astype(np.float64) * OG))


def test_float16_gelu_matches_mxnet_near_zero():
    # MXNet 1.9.1 and the exact value: 0.002811 (half-precision arithmetic gave 0.002804)
    out = mx.nd.LeakyReLU(mx.nd.array([0.0028], dtype="float16"), act_type="gelu").asnumpy()
    expected = _h(0.5 * float(np.float16(0.0028)) * (1 + math.erf(float(np.float16(0.0028))
                                                                  / math.sqrt(2))))
    assert out[0] == expected


def test_float16_sigmoid_gradient_matches_mxnet_where_the_output_saturates():
    # MXNet 1.9.1: sigmoid(7.5) = 0.9995 in half; its gradient 0.9995 * (1 - 0.9995) = 0.000488
    x = mx.nd.array([7.5], dtype="float16")
    x.attach_grad()
    with mx.autograd.record():
        y = mx.nd.Activation(x, act_type="sigmoid")
    y.backward()
    yh = float(y.asnumpy()[0])
    assert x.grad.asnumpy()[0] == _h(yh * (1 - yh))[()]


def test_float16_selu_forward_and_true_gradient():
    lam, alpha = 1.0507009873554805, 1.6732632423543772
    out, grad = _run(lambda a: mx.nd.LeakyReLU(a, act_type="selu"))
    # MXNet's float16 kernel: lambda held in half, alpha * expm1(x) rounded to half first
    lam_h = float(np.float16(lam))
    _within_one_step(out, _h(lam_h * np.where(x64 > 0, x64, _h(alpha * np.expm1(x64)))))
    local = np.where(x64 > 0, lam, lam * alpha * np.exp(x64))
    _within_one_step(grad, _h(_h(local).astype(np.float64) * OG))
