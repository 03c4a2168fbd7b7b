"""An eager SoftmaxCrossEntropyLoss (sparse labels, from logits) records one fused operator,
_softmax_cross_entropy_pick, instead of log_softmax -> pick -> negative: its values and
gradients must be the chain's bit for bit; a hybridized loss keeps MXNet's chain."""
import json

import numpy as np
import pytest

from mxnb import autograd, nd
from mxnb.gluon import loss as gloss
from mxnb.graph.node import topo_sort

R = np.random.RandomState(5)


def _chain_loss(pred, label, axis=-1, weight=None, sample_weight=None, batch_axis=0):
    """What SoftmaxCrossEntropyLoss computed eagerly before: the four-operator chain."""
    loss = -nd.pick(nd.log_softmax(pred, axis=axis), label, axis=axis, keepdims=True)
    if sample_weight is not None:
        loss = nd.broadcast_mul(loss, sample_weight)
    if weight is not None:
        loss = loss * weight
    return nd.mean(loss, axis=batch_axis, exclude=True)


def _np_loss(pred, label, axis=-1, weight=None, sample_weight=None, batch_axis=0):
    """The same loss in NumPy, float64."""
    axis %= pred.ndim
    shifted = pred - pred.max(axis=axis, keepdims=True)
    ls = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    idx = np.clip(label.astype(np.int64), 0, pred.shape[axis] - 1)
    if idx.ndim < pred.ndim:
        idx = np.expand_dims(idx, axis)
    loss = -np.take_along_axis(ls, idx, axis=axis)
    if sample_weight is not None:
        loss = loss * sample_weight
    if weight is not None:
        loss = loss * weight
    others = tuple(a for a in range(loss.ndim) if a != batch_axis)
    return loss.mean(axis=others)


def _run(fn, pred, label, dtype, sample_weight=None):
    """(loss values, gradient w.r.t. pred) of fn(pred, label[, sample_weight])."""
    p = nd.array(pred, dtype=dtype)
    p.attach_grad()
    extra = [] if sample_weight is None else [nd.array(sample_weight, dtype=dtype)]
    with autograd.record():
        out = fn(p, nd.array(label), *extra)
    out.backward(nd.array(R.uniform(0.5, 2.0, out.shape), dtype=dtype))
    return out.asnumpy(), p.grad.asnumpy()


def _ops_recorded(out):
    return {node.op.name for node in topo_sort([out._entry]) if node.op is not None}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, axis, label, options", [
    ((64, 10), -1, R.randint(0, 10, 64), {}),
    ((64, 10), -1, R.randint(-5, 15, (64, 1)), {}),                 # out of range: clipped
    ((4, 6, 3), -1, R.randint(0, 3, (4, 6)), {}),
    ((4, 6, 3), 1, R.randint(-2, 8, (4, 3)), {}),
    ((4, 5), -1, R.randint(0, 5, 4), {"weight": 0.7}),
    ((4, 5), -1, R.randint(0, 5, 4), {"sample_weight": True}),
    ((4, 5), -1, R.randint(0, 5, 4), {"weight": 2.5, "sample_weight": True}),
    ((1, 5), -1, np.array([3]), {}),                                 # a batch of one
    ((5, 4), -1, R.randint(0, 4, 5), {"batch_axis": 1}),
])
def test_eager_loss_equals_the_chain_bit_for_bit(dtype, shape, axis, label, options):
    pred = (R.randn(*shape) * 3).astype(dtype)
    weight = options.get("weight")
    batch_axis = options.get("batch_axis", 0)
    sample_weight = None
    if options.get("sample_weight"):
        sw_shape = list(shape)
        sw_shape[axis] = 1
        sample_weight = R.uniform(0, 2, sw_shape).astype(dtype)
    loss_fn = gloss.SoftmaxCrossEntropyLoss(axis=axis, weight=weight, batch_axis=batch_axis)
    state = R.get_state()
    value, grad = _run(loss_fn, pred, label, dtype, sample_weight)
    R.set_state(state)          # the same head gradient for the chain

    def chain(p, lab, *sw):
        return _chain_loss(p, lab, axis, weight, sw[0] if sw else None, batch_axis)
    chain_value, chain_grad = _run(chain, pred, label, dtype, sample_weight)
    assert value.dtype == grad.dtype == dtype
    assert np.array_equal(value, chain_value)
    assert np.array_equal(grad, chain_grad)
    np.testing.assert_allclose(value, _np_loss(pred.astype(np.float64), label, axis, weight,
                                               sample_weight, batch_axis), rtol=1e-5, atol=1e-6)


def test_eager_loss_records_the_fused_operator():
    loss_fn = gloss.SoftmaxCrossEntropyLoss()
    p = nd.array(R.randn(8, 5))
    p.attach_grad()
    with autograd.record():
        out = loss_fn(p, nd.array(R.randint(0, 5, 8)))
    # a classifier's (batch, classes): one operator, its mean over a length-1 axis dropped
    assert _ops_recorded(out) == {"_softmax_cross_entropy_pick"}
    assert out.shape == (8,)
    # with a sample weight (or more axes) the weighting and the mean follow it
    with autograd.record():
        out = loss_fn(p, nd.array(R.randint(0, 5, 8)), nd.array(R.rand(8, 1)))
    ops = _ops_recorded(out)
    assert "_softmax_cross_entropy_pick" in ops and "mean" in ops
    assert not ops & {"log_softmax", "pick", "negative"}, ops


@pytest.mark.parametrize("loss_fn, label", [
    (gloss.SoftmaxCrossEntropyLoss(sparse_label=False), "dense"),
    (gloss.SoftmaxCrossEntropyLoss(from_logits=True), "sparse"),
])
def test_dense_labels_and_from_logits_keep_their_operators(loss_fn, label):
    pred = R.randn(4, 5)
    lab = R.dirichlet(np.ones(5), 4) if label == "dense" else R.randint(0, 5, 4)
    p = nd.array(pred)
    p.attach_grad()
    with autograd.record():
        out = loss_fn(p, nd.array(lab))
    assert "_softmax_cross_entropy_pick" not in _ops_recorded(out)


def test_hybridized_loss_keeps_the_chain_in_its_graph_and_export(tmp_path):
    pred = R.randn(6, 5).astype(np.float32)
    label = R.randint(0, 5, 6).astype(np.float32)
    loss_fn = gloss.SoftmaxCrossEntropyLoss()
    loss_fn.hybridize()
    state = R.get_state()
    value, grad = _run(loss_fn, pred, label, np.float32)
    np.testing.assert_allclose(value, _np_loss(pred.astype(np.float64), label), rtol=1e-5)
    R.set_state(state)          # the same head gradient for the chain
    chain_value, chain_grad = _run(lambda p, lab: _chain_loss(p, lab), pred, label,
                                      np.float32)
    np.testing.assert_allclose(value, chain_value, rtol=1e-6)
    np.testing.assert_allclose(grad, chain_grad, rtol=1e-5, atol=1e-7)
    symbol_file, _ = loss_fn.export(str(tmp_path / "ce"))
    ops = {node["op"] for node in json.loads(open(symbol_file).read())["nodes"]}
    assert {"log_softmax", "pick"} <= ops
    assert "_softmax_cross_entropy_pick" not in ops


@pytest.mark.parametrize("axis, shape, label", [
    (-1, (4, 5), R.randint(-1, 6, 4)),
    (1, (3, 4, 2), R.randint(0, 4, (3, 2))),
])
def test_second_order_through_the_loss_equals_the_chains(axis, shape, label):
    pred = R.randn(*shape)
    probe = R.uniform(-1, 1, shape)
    sample_weight = R.uniform(0.5, 1.5, (shape[0],) + (1,) * (len(shape) - 1))
    loss_fn = gloss.SoftmaxCrossEntropyLoss(axis=axis, weight=1.5)
    results = []
    for fn in (loss_fn, lambda p, lab, sw: _chain_loss(p, lab, axis, 1.5, sw)):
        p = nd.array(pred, dtype=np.float64)
        p.attach_grad()
        with autograd.record():
            out = fn(p, nd.array(label), nd.array(sample_weight, dtype=np.float64))
            (g,) = autograd.grad(out, [p], create_graph=True, retain_graph=True)
            total = (g * nd.array(probe, dtype=np.float64)).sum()
        total.backward()
        results.append((g.asnumpy(), p.grad.asnumpy()))
    (grad, second), (chain_grad, chain_second) = results
    np.testing.assert_allclose(grad, chain_grad, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(second, chain_second, rtol=1e-10, atol=1e-12)
    assert np.abs(second).max() > 1e-3         # a real second derivative, not zeros
