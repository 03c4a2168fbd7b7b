"""Arrays changed in place after they were recorded: backward raises, naming the array and the
operator that needed its old value (PyTorch's version counters), instead of silently computing
gradients from the new values (issue 6)."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon
from mxnb.base import MXNetError

STALE = "modified in place after it was recorded"


def _x():
    x = nd.array([1.0, 2.0, 3.0])
    x.attach_grad()
    return x


def test_the_issue_example_raises_naming_the_array_and_the_operator():
    x = _x()
    with autograd.record():
        y = x * 2
        z = (y * y).sum()
    y[:] = 0
    with pytest.raises(MXNetError, match=STALE) as info:
        z.backward()
    message = str(info.value)
    assert "elemwise_mul" in message                  # the operator that needed the old value
    assert "(3,)" in message and "_mul_scalar" in message   # the array: its shape, its maker


@pytest.mark.parametrize("write", [
    lambda y: y.__setitem__(slice(None), 0),
    lambda y: y.__iadd__(1),
    lambda y: y.__imul__(nd.ones((3,))),
    lambda y: nd.ones((3,)).copyto(y),
    lambda y: nd.elemwise_add(nd.ones((3,)), nd.ones((3,)), out=y),
    lambda y: y[0:2].__setitem__(slice(None), 5),      # through a view
    lambda y: y.detach().__setitem__(0, 5),            # through a detached alias
], ids=["setitem", "iadd", "imul", "copyto", "out=", "view", "detach"])
def test_every_in_place_write_is_caught(write):
    x = _x()
    with autograd.record():
        y = x * 2
        z = (y * y).sum()
    write(y)
    with pytest.raises(MXNetError, match=STALE):
        z.backward()


def test_an_output_a_gradient_reads_is_guarded_too():
    x = _x()
    with autograd.record():
        y = nd.exp(x)           # exp's gradient reads its output
        z = (y * 3).sum()       # * 3's does not read y
    y[:] = 0
    with pytest.raises(MXNetError, match="output 0 of operator exp"):
        z.backward()


def test_an_optimizer_update_of_a_recorded_weight_is_caught():
    w = nd.array([0.5, -0.5, 1.0])
    w.attach_grad()
    x = nd.array([1.0, 2.0, 3.0])
    with autograd.record():
        loss = (w * x * w).sum()
    mx.optimizer.SGD(learning_rate=0.1).update(0, w, nd.ones((3,)), None)
    with pytest.raises(MXNetError, match=STALE):
        loss.backward()


def test_writes_no_gradient_reads_are_allowed_and_gradients_stay_right():
    x = _x()
    with autograd.record():
        y = x * 2
        y += 1                  # in place, recorded: y is now the result
        z = (y * y).sum()
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 4 * (2 * np.array([1.0, 2, 3]) + 1))

    x = _x()
    with autograd.record():
        y = x * 2
        z = (y + 1).sum()       # + reads neither value
    y[:] = 0
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), [2, 2, 2])


def test_writes_before_recording_or_after_backward_are_fine():
    x = _x()
    x[:] = 4                   # before any recording
    with autograd.record():
        z = (x * x).sum()
    z.backward()
    x[:] = 1                   # after backward: the graph is gone
    np.testing.assert_allclose(x.grad.asnumpy(), [8, 8, 8])


def test_a_training_loop_with_batchnorm_raises_nothing():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(4, in_units=3), gluon.nn.BatchNorm(in_channels=4), gluon.nn.Dense(1))
    net.initialize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    data = nd.array(np.random.RandomState(0).uniform(-1, 1, (6, 3)))
    for hybrid in (False, True):
        if hybrid:
            net.hybridize()
        for _ in range(2):
            with autograd.record():
                loss = (net(data) ** 2).mean()
            loss.backward()
            trainer.step(6)
    assert np.isfinite(loss.asnumpy()).all()
