"""mx.contrib.autograd: MXNet 1.x's first autograd interface, on mx.autograd."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd

ag = mx.contrib.autograd


def test_train_and_test_sections_switch_recording_and_training():
    assert not mx.autograd.is_recording()
    with ag.train_section():
        assert mx.autograd.is_recording() and mx.autograd.is_training()
        with ag.test_section():
            assert not mx.autograd.is_recording() and not mx.autograd.is_training()
        assert mx.autograd.is_recording()
    assert not mx.autograd.is_recording() and not mx.autograd.is_training()


def test_set_is_training_returns_the_previous_state():
    assert ag.set_is_training(True) is False
    try:
        assert mx.autograd.is_recording() and mx.autograd.is_training()
    finally:
        assert ag.set_is_training(False) is True
    assert not mx.autograd.is_recording()


def test_mark_variables_and_compute_gradient():
    x = nd.array([1.0, 2.0, 3.0])
    dx = nd.zeros(3)
    ag.mark_variables([x], [dx])
    with ag.train_section():
        y = x * x + 2 * x
    ag.compute_gradient([y])
    np.testing.assert_allclose(dx.asnumpy(), 2 * np.array([1, 2, 3]) + 2)


def test_backward_with_head_gradients_and_add_requests():
    x = nd.array([1.0, -2.0])
    dx = nd.ones(2)
    ag.mark_variables([x], [dx], grad_reqs="add")
    with ag.train_section():
        y = x * 3
    ag.backward([y], [nd.array([2.0, 5.0])])
    np.testing.assert_allclose(dx.asnumpy(), 1 + 3 * np.array([2.0, 5.0]))


def test_backward_needs_a_list_of_outputs():
    x = nd.ones(2)
    ag.mark_variables([x], [nd.zeros(2)])
    with ag.train_section():
        y = x * 2
    with pytest.raises(AssertionError):
        ag.backward(y)


def test_grad_and_loss_and_grad():
    a, b = np.array([1.0, 2.0]), np.array([3.0, -4.0])
    grads, loss = ag.grad_and_loss(lambda x, y: x * y + y)(nd.array(a), nd.array(b))
    np.testing.assert_allclose(loss.asnumpy(), a * b + b)
    np.testing.assert_allclose(grads[0].asnumpy(), b)
    np.testing.assert_allclose(grads[1].asnumpy(), a + 1)
    only_second = ag.grad(lambda x, y: x * y, argnum=1)(nd.array(a), nd.array(b))
    assert len(only_second) == 1
    np.testing.assert_allclose(only_second[0].asnumpy(), a)
    exp_grad = ag.grad(nd.exp)(nd.array([0.0, 1.0]))[0]
    np.testing.assert_allclose(exp_grad.asnumpy(), np.exp([0.0, 1.0]), rtol=1e-6)


def test_grad_of_a_non_array_argument_raises_assertion_error():
    with pytest.raises(AssertionError):
        ag.grad(lambda x: x * 2)(3.0)
