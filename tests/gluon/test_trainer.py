"""Trainer: updates follow the SGD / Adam formulas; learning rate; optimizer states."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError
from mxnb.gluon import nn


def _param(name, values, **kwargs):
    p = gluon.Parameter(name, shape=np.shape(values), **kwargs)
    p.initialize(init=mx.init.Zero())
    p.set_data(nd.array(values))
    return p


def _backward_square(params, coef):
    """loss = sum_i coef_i * sum(p_i^2): gradient 2 * coef_i * p_i."""
    with autograd.record():
        loss = None
        for p, c in zip(params, coef):
            term = (p.data() * p.data()).sum() * c
            loss = term if loss is None else loss + term
    loss.backward()


def test_sgd_step_follows_formula():
    w0 = np.array([1.0, -2.0, 3.0], np.float32)
    p = _param("w", w0)
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.1, "wd": 0.01})
    _backward_square([p], [1.0])
    trainer.step(batch_size=4)
    grad = 2 * w0 / 4
    np.testing.assert_allclose(p.data().asnumpy(), w0 - 0.1 * (grad + 0.01 * w0), rtol=1e-6)


def test_sgd_momentum_two_steps():
    w = np.array([0.5, -1.5], np.float32)
    p = _param("w", w)
    trainer = gluon.Trainer({"w": p}, "sgd", {"learning_rate": 0.2, "momentum": 0.9})
    mom = np.zeros(2, np.float32)
    for _ in range(2):
        _backward_square([p], [1.0])
        trainer.step(1)
        mom = 0.9 * mom - 0.2 * (2 * w)
        w = w + mom
        np.testing.assert_allclose(p.data().asnumpy(), w, rtol=1e-5)


def test_adam_steps_follow_formula():
    w = np.array([1.0, -0.5, 2.0], np.float32)
    p = _param("w", w)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    trainer = gluon.Trainer([p], "adam", {"learning_rate": lr})
    mean = np.zeros(3)
    var = np.zeros(3)
    for t in range(1, 4):
        _backward_square([p], [0.5])
        trainer.step(2)
        g = 0.5 * 2 * w / 2
        mean = b1 * mean + (1 - b1) * g
        var = b2 * var + (1 - b2) * g * g
        step_lr = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - step_lr * mean / (np.sqrt(var) + eps)
        np.testing.assert_allclose(p.data().asnumpy(), w, rtol=1e-5, atol=1e-7)


def test_lr_mult_and_grad_req_null():
    a = _param("a", [1.0, 1.0], lr_mult=0.5)
    b = _param("b", [2.0, 2.0])
    frozen = _param("c", [3.0, 3.0], grad_req="null")
    trainer = gluon.Trainer([a, b, frozen], "sgd", {"learning_rate": 1.0})
    _backward_square([a, b], [1.0, 1.0])
    trainer.step(1)
    np.testing.assert_allclose(a.data().asnumpy(), [1 - 0.5 * 2, 1 - 0.5 * 2])
    np.testing.assert_allclose(b.data().asnumpy(), [2 - 4, 2 - 4])
    np.testing.assert_allclose(frozen.data().asnumpy(), [3, 3])


def test_learning_rate_property_and_setter():
    p = _param("w", [1.0])
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.3})
    assert trainer.learning_rate == pytest.approx(0.3)
    trainer.set_learning_rate(0.05)
    assert trainer.learning_rate == pytest.approx(0.05)
    _backward_square([p], [1.0])
    trainer.step(1)
    np.testing.assert_allclose(p.data().asnumpy(), [1 - 0.05 * 2], rtol=1e-6)


def test_allreduce_then_update_equals_step():
    p1 = _param("w", [1.0, 2.0])
    p2 = _param("w", [1.0, 2.0])
    t1 = gluon.Trainer([p1], "sgd", {"learning_rate": 0.1})
    t2 = gluon.Trainer([p2], "sgd", {"learning_rate": 0.1})
    _backward_square([p1], [1.0])
    _backward_square([p2], [1.0])
    t1.step(2)
    t2.allreduce_grads()
    t2.update(2)
    np.testing.assert_allclose(p1.data().asnumpy(), p2.data().asnumpy())


def test_multi_context_gradients_are_summed():
    p = gluon.Parameter("w", shape=(2,))
    p.initialize(init=mx.init.One(), ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.1})
    with autograd.record():
        l0 = (p.data(mx.cpu(0)) * 1.0).sum()
        l1 = (p.data(mx.cpu(1)) * 3.0).sum()
    autograd.backward([l0, l1])
    trainer.step(1)
    for arr in p.list_data():
        np.testing.assert_allclose(arr.asnumpy(), [1 - 0.1 * 4, 1 - 0.1 * 4], rtol=1e-6)


def test_save_and_load_states(tmp_path):
    def run(steps, trainer, p):
        for _ in range(steps):
            _backward_square([p], [1.0])
            trainer.step(1)

    p = _param("w", [1.0, -1.0])
    trainer = gluon.Trainer([p], "adam", {"learning_rate": 0.1})
    run(2, trainer, p)
    fname = str(tmp_path / "trainer.states")
    trainer.save_states(fname)
    checkpoint = p.data().asnumpy()
    run(1, trainer, p)
    expected = p.data().asnumpy()

    q = _param("w", checkpoint)
    resumed = gluon.Trainer([q], "adam", {"learning_rate": 0.1})
    resumed.load_states(fname)
    run(1, resumed, q)
    np.testing.assert_allclose(q.data().asnumpy(), expected, rtol=1e-6)


def test_trainer_rejects_non_parameters():
    with pytest.raises(MXNetError, match="Parameters"):
        gluon.Trainer([nd.ones(2)], "sgd")
    with pytest.raises(MXNetError):
        gluon.Trainer(nd.ones(2), "sgd")


def test_trainer_with_deferred_block_params():
    net = nn.Dense(1)
    net.initialize(mx.init.One())
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.5})
    x = nd.array([[1.0, 2.0]])
    with autograd.record():
        loss = net(x).sum()
    loss.backward()
    trainer.step(1)
    np.testing.assert_allclose(net.weight.data().asnumpy(), [[0.5, 0.0]], rtol=1e-6)
    np.testing.assert_allclose(net.bias.data().asnumpy(), [0.0 - 0.5], rtol=1e-6)


def test_stale_gradients_are_refused_or_skipped():
    """A parameter that backward did not reach since the last step is not updated silently."""
    import pytest
    import mxnb as mx
    from mxnb import autograd, gluon, nd
    used, unused = gluon.nn.Dense(2, in_units=3), gluon.nn.Dense(2, in_units=3)
    params = used.collect_params()
    params.update(unused.collect_params())
    params.initialize(mx.init.One())
    trainer = gluon.Trainer(params, "sgd", {"learning_rate": 1.0})
    with autograd.record():
        loss = used(nd.ones((1, 3))).sum()
    loss.backward()
    with pytest.raises(mx.MXNetError, match=unused.prefix):
        trainer.step(1)
    before = unused.weight.data().asnumpy().copy()
    trainer.step(1, ignore_stale_grad=True)
    assert (unused.weight.data().asnumpy() == before).all()
    assert (used.weight.data().asnumpy() == 0).all()      # 1 - lr * 1
    with pytest.raises(UserWarning):                      # MXNet raises UserWarning here
        trainer.step(1)                                   # nothing is fresh any more


# --- the kvstore after new values are loaded ------------------------------------------------------
def _two_context_step(p, trainer, scales):
    """One step of loss = sum_i scales[i] * sum(w on context i): gradient scales[i] there."""
    with autograd.record():
        losses = [(w * s).sum() for w, s in zip(p.list_data(), scales)]
    autograd.backward(losses)
    trainer.step(1)


@pytest.mark.parametrize("kvstore", ["local", "device"])
@pytest.mark.parametrize("how", ["ParameterDict.load", "Block.load_parameters", "set_data"])
def test_new_values_after_a_step_are_what_the_next_step_updates(tmp_path, kvstore, how):
    """The kvstore that runs the optimizer holds its own copy of each weight: loading must
    replace it too, else the next step writes the old weight back over the loaded one."""
    ctx = [mx.cpu(0), mx.cpu(1)]
    net = nn.Dense(3, in_units=1, use_bias=False, prefix="net_")
    net.initialize(mx.init.Zero(), ctx=ctx)
    p = net.weight
    saved = np.array([[1.0], [-2.0], [0.5]], np.float32)
    p.set_data(nd.array(saved))
    fname = str(tmp_path / "w.params")
    if how == "Block.load_parameters":
        net.save_parameters(fname)
    else:
        net.collect_params().save(fname)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1},
                            kvstore=kvstore)
    _two_context_step(p, trainer, [1.0, 3.0])
    assert trainer._update_on_kvstore
    if how == "ParameterDict.load":
        net.collect_params().load(fname)
    elif how == "Block.load_parameters":
        net.load_parameters(fname)
    else:
        p.set_data(nd.array(saved))
    _two_context_step(p, trainer, [2.0, 5.0])
    expected = saved - 0.1 * (2.0 + 5.0)
    for arr in p.list_data():
        np.testing.assert_allclose(arr.asnumpy(), expected, rtol=1e-6)


def test_update_and_allreduce_grads_with_update_on_kvstore_are_assertion_errors():
    p = gluon.Parameter("w", shape=(2,))
    p.initialize(ctx=[mx.cpu(0), mx.cpu(1)])
    trainer = gluon.Trainer([p], "sgd", update_on_kvstore=True)
    for call in (lambda: trainer.update(1), trainer.allreduce_grads):
        with pytest.raises(AssertionError, match="update_on_kvstore") as info:
            call()
        assert isinstance(info.value, MXNetError)
