"""SoftmaxOutput with a label shaped as the data: a probability label. MXNet 1.9.1 infers the
shape, predicts softmax as usual and gives the data the gradient (softmax - label) * grad_scale,
without normalisation or ignore masks."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym, autograd
from mxnb.base import MXNetError

R = np.random.RandomState(11)


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _prediction(x, multi_output=False, preserve_shape=False, **_):
    if multi_output:
        return _softmax(x, 1)
    if preserve_shape:
        return _softmax(x, -1)
    return _softmax(x.reshape(x.shape[0], -1), 1).reshape(x.shape)


PROBABILITY_CASES = [((4, 5), {}),
         ((4, 5), {"grad_scale": 2.0}),
         ((4, 5), {"normalization": "batch"}),
         ((4, 5), {"normalization": "valid", "use_ignore": True}),
         ((4, 5), {"smooth_alpha": 0.1}),
         ((2, 3, 4), {}),
         ((2, 3, 4), {"multi_output": True, "normalization": "valid"}),
         ((2, 3, 4), {"multi_output": True, "normalization": "batch", "grad_scale": 0.5}),
         ((2, 3, 4), {"preserve_shape": True, "use_ignore": True, "normalization": "valid"}),
         ((2, 3, 2, 2), {"multi_output": True}),
         ((2, 3, 2, 2), {"preserve_shape": True, "normalization": "batch"})]


def _data_and_label(shape):
    x = R.randn(*shape).astype(np.float32)
    label = R.rand(*shape).astype(np.float32)
    label[0] = -1.0     # equal to the default ignore_label: still no mask for probabilities
    return x, label


@pytest.mark.parametrize("shape,attrs", PROBABILITY_CASES)
def test_bind_forward_and_gradient(shape, attrs):
    x, label = _data_and_label(shape)
    net = sym.SoftmaxOutput(sym.Variable("data"), sym.Variable("label"), **attrs)
    grad = nd.zeros(shape)
    exe = net.bind(mx.cpu(), args={"data": nd.array(x), "label": nd.array(label)},
                   args_grad={"data": grad}, grad_req={"data": "write", "label": "null"})
    exe.forward(is_train=True)
    p = _prediction(x, **attrs)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), p, rtol=1e-5, atol=1e-6)
    exe.backward(nd.ones(shape) * 3)      # the head gradient is not used
    expected = (p - label) * attrs.get("grad_scale", 1.0)
    np.testing.assert_allclose(grad.asnumpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape,attrs", PROBABILITY_CASES[::3])
def test_autograd_gradient(shape, attrs):
    x, label = _data_and_label(shape)
    data = nd.array(x)
    data.attach_grad()
    with autograd.record():
        out = nd.SoftmaxOutput(data, nd.array(label), **attrs)
    out.backward()
    expected = (_prediction(x, **attrs) - label) * attrs.get("grad_scale", 1.0)
    np.testing.assert_allclose(data.grad.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_infer_shape_keeps_a_data_shaped_label():
    net = sym.SoftmaxOutput(sym.Variable("data"), sym.Variable("label"))
    args, outs, _ = net.infer_shape(data=(4, 5), label=(4, 5))
    assert args == [(4, 5), (4, 5)] and outs == [(4, 5)]
    args, _, _ = net.infer_shape(data=(4, 5))
    assert args == [(4, 5), (4,)]      # a class-index label when none is given


def test_label_of_data_rank_but_other_shape_is_an_error():
    net = sym.SoftmaxOutput(sym.Variable("data"), sym.Variable("label"))
    with pytest.raises(MXNetError, match="SoftmaxOutput"):
        net.infer_shape(data=(4, 5), label=(4, 6))
