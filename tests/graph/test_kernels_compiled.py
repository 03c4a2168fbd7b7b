"""The activation out= kernels (passes/kernels.py) with their compiled loops and without: bit-equal
to each other and to the operators' compute, written over ograd in place (a fused chain's buffer)
or into a separate array; and a hybridized MLP whose fused chains run them trains alike."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, compiled
from mxnb.graph.passes.kernels import ELEMENTWISE_KERNELS
from mxnb.ops import registry
from ..ops.compiled_forms import needs_numba



def _inputs(act, dtype):
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((6, 9)) * 3).astype(dtype)
    x[0, :3] = [0.0, -0.0, np.nan]
    op = registry.get("Activation")
    y = op.compute(np, [x], op.parse_attrs({"act_type": act}))
    return x, y, rng.standard_normal(x.shape).astype(dtype)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("act", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("in_place", [True, False], ids=["over_ograd", "separate"])
def test_activation_gradient_kernel_is_bit_equal_with_and_without_loops(act, dtype, in_place):
    x, y, og = _inputs(act, dtype)
    op = registry.get("_backward_Activation")
    attrs = op.parse_attrs({"act_type": act})
    expected = op.compute(np, [og, y, x], attrs)
    kernel = ELEMENTWISE_KERNELS["_backward_Activation"]
    results = []
    for flag in (True, False):
        grad = og.copy()
        out = grad if in_place else np.full_like(og, 7.0)
        with compiled.use_compiled(flag):
            kernel(np, [grad, y, x], attrs, out)
        results.append(out)
    for got in results:
        assert np.array_equal(got, expected, equal_nan=True)
        assert np.array_equal(np.signbit(got), np.signbit(expected))


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_kernel_is_bit_equal_with_and_without_loops(dtype):
    x, y, _ = _inputs("sigmoid", dtype)
    op = registry.get("Activation")
    kernel = ELEMENTWISE_KERNELS["Activation"]
    for flag in (True, False):
        out = np.empty_like(x)
        with compiled.use_compiled(flag), np.errstate(over="ignore"):
            kernel(np, [x], op.parse_attrs({"act_type": "sigmoid"}), out)
        assert np.array_equal(out, y, equal_nan=True)


def _train(flag):
    """Three SGD steps of a hybridized MLP (fused FullyConnected -> Activation chains)."""
    mx.random.seed(0)
    net = mx.gluon.nn.HybridSequential()
    net.add(mx.gluon.nn.Dense(12, activation="tanh"), mx.gluon.nn.Dense(8, activation="relu"),
            mx.gluon.nn.Dense(6, activation="sigmoid"), mx.gluon.nn.Dense(3))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    rng = np.random.default_rng(1)
    x = mx.nd.array(rng.standard_normal((5, 7)))
    label = mx.nd.array(rng.integers(0, 3, 5))
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    losses = []
    with compiled.use_compiled(flag):
        for _ in range(3):
            with autograd.record():
                loss = loss_fn(net(x), label)
            loss.backward()
            trainer.step(5)
            losses.append(loss.asnumpy())
    return losses, [p.data().asnumpy() for p in net.collect_params().values()]


@needs_numba
def test_a_hybridized_mlp_trains_alike_with_and_without_loops():
    fast, slow = _train(True), _train(False)
    for a, b in zip(fast[0] + fast[1], slow[0] + slow[1]):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


@needs_numba
@pytest.mark.parametrize("no_bias", [False, True])
def test_fully_connected_relu_is_bit_equal_to_the_two_operators(no_bias):
    from mxnb.graph.passes.kernels import fully_connected_relu
    rng = np.random.default_rng(2)
    data = rng.standard_normal((6, 2, 5)).astype(np.float32)
    weight = rng.standard_normal((7, 10)).astype(np.float32)
    bias = rng.standard_normal(7).astype(np.float32)
    fc, act = registry.get("FullyConnected"), registry.get("Activation")
    attrs = fc.parse_attrs({"num_hidden": 7, "no_bias": no_bias})
    inputs = [data, weight] if no_bias else [data, weight, bias]
    expected = act.compute(np, [fc.compute(np, inputs, attrs)], act.parse_attrs({"act_type": "relu"}))
    for flag in (True, False):
        out = np.full((6, 7), np.nan, np.float32)
        with compiled.use_compiled(flag):
            fully_connected_relu(np, inputs, attrs, out)
        assert np.array_equal(out, expected)


def test_a_dense_relu_chain_takes_the_combined_kernel_and_a_tanh_chain_does_not():
    from types import SimpleNamespace
    from mxnb.graph.passes import kernels

    def step(name, ins, outs, **attrs):
        return SimpleNamespace(op=registry.get(name), ins=ins, outs=outs, attrs=attrs)
    fc = step("FullyConnected", [0, 1, 2], [3], flatten=True, no_bias=False)
    links = [kernels.ELEMENTWISE_KERNELS.get(n, kernels._OTHER_KERNELS.get(n))
             for n in ("FullyConnected", "Activation")]
    relu = step("Activation", [3], [4], act_type="relu")
    assert kernels.chain_links([fc, relu], links) == [kernels.fully_connected_relu, kernels.skip]
    tanh = step("Activation", [3], [4], act_type="tanh")
    assert kernels.chain_links([fc, tanh], links) == links
