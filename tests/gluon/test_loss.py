"""Losses against NumPy formulas, imperative and hybridized."""
import numpy as np
import pytest

from mxnb import autograd, nd
from mxnb.gluon import loss as gloss

RNG = np.random.RandomState(7)


def _call(loss_fn, hybridize, *arrays):
    if hybridize:
        loss_fn.hybridize()
    return loss_fn(*[nd.array(a) for a in arrays]).asnumpy()


@pytest.mark.parametrize("hybridize", [False, True])
def test_l2_loss(hybridize):
    pred = RNG.randn(4, 3).astype(np.float32)
    label = RNG.randn(4, 3).astype(np.float32)
    out = _call(gloss.L2Loss(), hybridize, pred, label)
    np.testing.assert_allclose(out, (0.5 * (pred - label) ** 2).mean(axis=1), rtol=1e-5)
    weighted = _call(gloss.L2Loss(weight=3.0), hybridize, pred, label)
    np.testing.assert_allclose(weighted, 3 * out, rtol=1e-5)


def test_l2_loss_reshapes_label_and_sample_weight():
    pred = RNG.randn(5, 1).astype(np.float32)
    label = RNG.randn(5).astype(np.float32)
    sw = RNG.rand(5, 1).astype(np.float32)
    out = gloss.L2Loss()(nd.array(pred), nd.array(label), nd.array(sw)).asnumpy()
    np.testing.assert_allclose(out, 0.5 * (pred[:, 0] - label) ** 2 * sw[:, 0], rtol=1e-5)


@pytest.mark.parametrize("hybridize", [False, True])
def test_l1_loss(hybridize):
    pred = RNG.randn(3, 2, 2).astype(np.float32)
    label = RNG.randn(3, 2, 2).astype(np.float32)
    out = _call(gloss.L1Loss(), hybridize, pred, label)
    np.testing.assert_allclose(out, np.abs(pred - label).mean(axis=(1, 2)), rtol=1e-5)


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@pytest.mark.parametrize("hybridize", [False, True])
def test_softmax_cross_entropy_sparse(hybridize):
    pred = RNG.randn(6, 5).astype(np.float32)
    label = RNG.randint(0, 5, size=6).astype(np.float32)
    out = _call(gloss.SoftmaxCrossEntropyLoss(), hybridize, pred, label)
    ref = -_log_softmax(pred)[np.arange(6), label.astype(int)]
    np.testing.assert_allclose(out, ref, rtol=1e-5)


def test_softmax_cross_entropy_dense_and_from_logits():
    pred = RNG.randn(4, 3).astype(np.float32)
    label = RNG.rand(4, 3).astype(np.float32)
    label /= label.sum(axis=1, keepdims=True)
    out = gloss.SoftmaxCrossEntropyLoss(sparse_label=False)(nd.array(pred), nd.array(label))
    ref = -(label * _log_softmax(pred)).sum(axis=1)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-5)
    logp = _log_softmax(pred).astype(np.float32)
    out = gloss.SoftmaxCELoss(from_logits=True)(nd.array(logp), nd.array([0, 2, 1, 1]))
    np.testing.assert_allclose(out.asnumpy(), -logp[np.arange(4), [0, 2, 1, 1]], rtol=1e-5)


def test_softmax_cross_entropy_gradient():
    pred = nd.array(RNG.randn(3, 4))
    label = nd.array([1, 0, 3])
    pred.attach_grad()
    with autograd.record():
        loss = gloss.SoftmaxCrossEntropyLoss()(pred, label)
    loss.backward()
    p = np.exp(_log_softmax(pred.asnumpy()))
    p[np.arange(3), [1, 0, 3]] -= 1
    np.testing.assert_allclose(pred.grad.asnumpy(), p, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("hybridize", [False, True])
def test_sigmoid_bce(hybridize):
    pred = (RNG.randn(5, 3) * 3).astype(np.float32)
    label = RNG.randint(0, 2, size=(5, 3)).astype(np.float32)
    out = _call(gloss.SigmoidBinaryCrossEntropyLoss(), hybridize, pred, label)
    p = 1 / (1 + np.exp(-pred.astype(np.float64)))
    ref = -(label * np.log(p) + (1 - label) * np.log(1 - p)).mean(axis=1)
    np.testing.assert_allclose(out, ref, rtol=1e-4)
    prob = p.astype(np.float32)
    out = gloss.SigmoidBCELoss(from_sigmoid=True)(nd.array(prob), nd.array(label)).asnumpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4)


def test_sigmoid_bce_pos_weight():
    pred = RNG.randn(4, 2).astype(np.float32)
    label = RNG.randint(0, 2, size=(4, 2)).astype(np.float32)
    pos_weight = np.array([[2.0, 0.5]], np.float32)
    out = gloss.SigmoidBCELoss()(nd.array(pred), nd.array(label), None, nd.array(pos_weight))
    p = 1 / (1 + np.exp(-pred.astype(np.float64)))
    ref = -(pos_weight * label * np.log(p) + (1 - label) * np.log(1 - p)).mean(axis=1)
    np.testing.assert_allclose(out.asnumpy(), ref, rtol=1e-4)


def test_loss_repr_and_batch_axis():
    assert repr(gloss.L2Loss()) == "L2Loss(batch_axis=0, w=1.0)"
    pred = RNG.randn(3, 4).astype(np.float32)
    label = RNG.randn(3, 4).astype(np.float32)
    out = gloss.L1Loss(batch_axis=1)(nd.array(pred), nd.array(label)).asnumpy()
    np.testing.assert_allclose(out, np.abs(pred - label).mean(axis=0), rtol=1e-5)


def test_huber_and_hinge():
    pred = np.array([[0.2, 3.0], [-2.0, 0.5]], np.float32)
    label = np.array([[0.0, 0.0], [0.0, 1.0]], np.float32)
    out = gloss.HuberLoss(rho=1)(nd.array(pred), nd.array(label)).asnumpy()
    d = np.abs(pred - label)
    np.testing.assert_allclose(out, np.where(d > 1, d - 0.5, 0.5 * d * d).mean(axis=1), rtol=1e-5)
    sl = np.array([[1, -1], [-1, 1]], np.float32)
    out = gloss.HingeLoss()(nd.array(pred), nd.array(sl)).asnumpy()
    np.testing.assert_allclose(out, np.maximum(0, 1 - pred * sl).mean(axis=1), rtol=1e-5)
