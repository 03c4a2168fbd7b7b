"""Kernels writing into given arrays (passes/kernels.py): used only where they reproduce the
operator's own compute exactly on a recorded call."""
import numpy as np

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
