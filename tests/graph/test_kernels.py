"""Kernels writing into given arrays (passes/kernels.py): used only where they reproduce the
operator's own compute exactly on a recorded call."""
import numpy as np
import pytest

import mxnb as mx

from mxnb.graph.passes.kernels import gradient_kernel, out_kernel
from mxnb.ops import registry


def _fc_weight_call(no_bias):
    op = registry.get("_backward_FullyConnected_weight")
    attrs = op.parse_attrs({"num_hidden": 5, "no_bias": no_bias})
    rs = np.random.RandomState(0)
    ins = [rs.rand(4, 5).astype(np.float32), rs.rand(4, 3, 2).astype(np.float32)]
    return op, attrs, ins, op.compute(np, ins, attrs)


def test_the_weight_gradient_kernel_writes_into_the_given_arrays_bit_for_bit():
    for no_bias in (False, True):
        op, attrs, ins, expected = _fc_weight_call(no_bias)
        kernel = gradient_kernel(op, attrs, ins, expected)
        assert kernel is not None
        targets = [np.full_like(a, 7.0) for a in expected]
        got = kernel(np, ins, attrs, targets)
        for g, t, e in zip(got, targets, expected):
            assert g is t
            np.testing.assert_array_equal(t, e)
        fresh = kernel(np, ins, attrs, [None] * len(expected))     # None: a fresh result
        for g, e in zip(fresh, expected):
            np.testing.assert_array_equal(g, e)


def test_a_kernel_that_would_not_reproduce_the_recorded_result_is_refused():
    op, attrs, ins, expected = _fc_weight_call(False)
    wrong = [expected[0] + 1, expected[1]]
    assert gradient_kernel(op, attrs, ins, wrong) is None
    assert gradient_kernel(registry.get("Pooling"), {}, ins, expected) is None
    relu = registry.get("relu")
    x = np.linspace(-1, 1, 6, dtype=np.float32)
    assert out_kernel(relu, relu.parse_attrs({}), [x], np.maximum(x, 0)) is not None
    assert out_kernel(relu, relu.parse_attrs({}), [x], np.maximum(x, 0) + 1) is None


@pytest.mark.parametrize("act", [None, "relu"])
def test_fully_connected_kernels_take_a_column_bias_as_a_row(act):
    # FullyConnected takes a (num_hidden, 1) bias; with as many samples as hidden units it must
    # not broadcast down the batch (the first call's check passes with a zero bias)
    class Net(mx.gluon.HybridBlock):
        def hybrid_forward(self, F, x, w, b):
            y = F.FullyConnected(x, w, b, num_hidden=3)
            return F.Activation(y, act_type=act) if act else y * 1

    rng = np.random.RandomState(0)
    x, w = mx.nd.array(rng.rand(3, 4)), mx.nd.array(rng.rand(3, 4))
    net = Net()
    net.hybridize()
    net(x, w, mx.nd.zeros((3, 1)))
    bias = np.arange(1.0, 4.0).reshape(3, 1)
    out = net(x, w, mx.nd.array(bias)).asnumpy()
    want = x.asnumpy() @ w.asnumpy().T + bias.reshape(-1)
    np.testing.assert_allclose(out, np.maximum(want, 0) if act else want, rtol=1e-6)
