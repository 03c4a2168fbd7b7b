"""Trainer over cpu(0)..cpu(3) with a 'device' kvstore equals one context on the whole batch,
and every context ends with identical parameters."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.gluon import nn


def _net(ctx):
    mx.random.seed(7)
    net = nn.HybridSequential()
    net.add(nn.Dense(6, activation="relu", in_units=4), nn.Dense(2, in_units=6))
    net.initialize(mx.init.Xavier(), ctx=ctx)
    return net


def _train(ctx_list, kvstore, optimizer, update_on_kvstore=None, steps=3):
    net = _net(ctx_list)
    trainer = gluon.Trainer(net.collect_params(), optimizer[0], dict(optimizer[1]),
                            kvstore=kvstore, update_on_kvstore=update_on_kvstore)
    loss_fn = gluon.loss.L2Loss()
    rng = np.random.RandomState(0)
    for _ in range(steps):
        x = nd.array(rng.uniform(-1, 1, (8, 4)))
        y = nd.array(rng.uniform(-1, 1, (8, 2)))
        xs = gluon.utils.split_and_load(x, ctx_list)
        ys = gluon.utils.split_and_load(y, ctx_list)
        with autograd.record():
            losses = [loss_fn(net(a), b) for a, b in zip(xs, ys)]
        autograd.backward(losses)
        trainer.step(8)
    return net, trainer


@pytest.mark.parametrize("optimizer", [("sgd", {"learning_rate": 0.1, "momentum": 0.9}),
                                       ("adam", {"learning_rate": 0.01})])
@pytest.mark.parametrize("update_on_kvstore", [None, False])
def test_split_over_four_cpus_equals_one_context(optimizer, update_on_kvstore):
    devices = [mx.cpu(i) for i in range(4)]
    multi, trainer = _train(devices, "device", optimizer, update_on_kvstore)
    single, _ = _train([mx.cpu(0)], "device", optimizer)
    assert trainer._kvstore is not None and trainer._kvstore.type == "device"
    assert trainer._update_on_kvstore is (update_on_kvstore is None)
    for p_multi, p_single in zip(multi.collect_params().values(), single.collect_params().values()):
        copies = [d.asnumpy() for d in p_multi.list_data()]
        for c in copies[1:]:
            assert np.array_equal(c, copies[0]), p_multi.name
        np.testing.assert_allclose(copies[0], p_single.data().asnumpy(), rtol=1e-5, atol=1e-6)


def test_no_kvstore_leaves_devices_to_their_own_gradients():
    devices = [mx.cpu(0), mx.cpu(1)]
    net, trainer = _train(devices, None, ("sgd", {"learning_rate": 0.1}), steps=1)
    assert trainer._kvstore is None
    w = net[0].weight.list_data()
    assert not np.array_equal(w[0].asnumpy(), w[1].asnumpy())


def test_allreduce_grads_then_update_with_kvstore():
    devices = [mx.cpu(0), mx.cpu(1)]
    net = _net(devices)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1},
                            update_on_kvstore=False)
    with autograd.record():
        losses = [net(nd.ones((2, 4), ctx=c) * (i + 1)).sum() for i, c in enumerate(devices)]
    autograd.backward(losses)
    trainer.allreduce_grads()
    g = net[0].weight.list_grad()
    np.testing.assert_array_equal(g[0].asnumpy(), g[1].asnumpy())
    trainer.update(4)
    w = net[0].weight.list_data()
    np.testing.assert_array_equal(w[0].asnumpy(), w[1].asnumpy())


def test_update_on_kvstore_refuses_manual_allreduce():
    devices = [mx.cpu(0), mx.cpu(1)]
    net = _net(devices)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    with pytest.raises(mx.MXNetError, match="update_on_kvstore"):
        trainer.allreduce_grads()


def test_trainer_states_through_the_kvstore(tmp_path):
    devices = [mx.cpu(0), mx.cpu(1)]
    _, trainer = _train(devices, "device", ("adam", {"learning_rate": 0.01}), steps=2)
    fname = str(tmp_path / "t.states")
    trainer.save_states(fname)
    _, other = _train(devices, "device", ("adam", {"learning_rate": 0.01}), steps=1)
    other.load_states(fname)
    assert other._kvstore._updater.states.keys() == trainer._kvstore._updater.states.keys()
