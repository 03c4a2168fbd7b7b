"""Every graph pass leaves a hybridized network's outputs and gradients as they were."""
import numpy as np
import pytest

import mxnb as mx

from .nets import NETS, build, train_steps


@pytest.mark.parametrize("name", sorted(NETS))
def test_outputs_and_gradients_are_bit_identical_with_the_passes(name):
    _, plain = train_steps(name, optimize=False)
    net, optimized = train_steps(name, optimize=True)
    assert net._cached_op.optimizer is not None
    for step_plain, step_opt in zip(plain, optimized):
        for a, b in zip(step_plain, step_opt):
            # the passes do not reorder floating-point operations: bit for bit
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(NETS))
def test_inference_outputs_are_bit_identical(name):
    results = []
    for optimize in (False, True):
        net, x = build(name, optimize)
        results.append([net(x).asnumpy() for _ in range(3)])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_outputs_of_earlier_calls_are_not_overwritten_by_later_ones():
    net, x = build("chain", optimize=True)
    first = net(x)
    kept = first.asnumpy()
    for _ in range(3):
        net(mx.nd.array(np.random.rand(*x.shape)))
    np.testing.assert_array_equal(first.asnumpy(), kept)


def test_two_forwards_before_one_backward_each_keep_their_own_values():
    net, x = build("mlp", optimize=True)
    net(x)                 # deferred initialization, right after seeding
    ref, _ = build("mlp", optimize=False)
    ref(x)
    x2 = mx.nd.array(np.random.RandomState(5).rand(*x.shape))
    x.attach_grad()
    grads = []
    for model in (net, ref):
        params = [p for p in model.collect_params().values()]
        with mx.autograd.record():
            a = model(x).sum()
            b = (model(x2) * 3).sum()
            total = a + b
        total.backward()
        grads.append([p.grad().asnumpy() for p in params])
    for g, h in zip(*grads):
        np.testing.assert_array_equal(g, h)


def test_the_passes_can_be_turned_off():
    net, x = build("mlp", optimize=False)
    net(x)
    assert net._cached_op.optimizer is None


def test_executor_runs_the_passes_with_equal_results(monkeypatch):
    data = mx.sym.var("data")
    h = mx.sym.FullyConnected(data, num_hidden=5, name="fc")
    y = mx.sym.broadcast_add(mx.sym.tanh(h * 2.0) + mx.sym.tanh(h * 2.0), mx.sym.ones((1, 5)))
    y = mx.sym.make_loss(mx.sym.sum(y * y))
    shapes = {"data": (3, 4)}
    results = []
    for flag in ("0", "1"):
        monkeypatch.setenv("MXNB_GRAPH_PASSES", flag)
        ex = y.simple_bind(mx.cpu(), **shapes)
        rs = np.random.RandomState(1)
        for name, arr in ex.arg_dict.items():
            arr[:] = rs.uniform(-1, 1, arr.shape)
        out = []
        for _ in range(2):
            out.append(ex.forward(is_train=True)[0].asnumpy())
            ex.backward()
            out += [g.asnumpy() for g in ex.grad_arrays if g is not None]
        results.append(out)
        assert (ex._optimizer is None) == (flag == "0")
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)
