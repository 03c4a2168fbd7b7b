"""Custom / _backward_Custom: a Python operator (mx.operator.CustomOp) checked like any other
operator (forward against NumPy, autograd against finite differences, the symbolic path), plus
one with two outputs and an auxiliary state."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from .harness import Case, run_case

R = np.random.RandomState(5)


class _ScaledProduct(mx.operator.CustomOp):
    """out = alpha * x * y + x"""

    def __init__(self, alpha):
        super().__init__()
        self.alpha = alpha

    def forward(self, is_train, req, in_data, out_data, aux):
        x, y = in_data
        self.assign(out_data[0], req[0], self.alpha * x * y + x)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        x, y = in_data
        g = out_grad[0]
        self.assign(in_grad[0], req[0], g * (self.alpha * y + 1))
        self.assign(in_grad[1], req[1], g * self.alpha * x)


@mx.operator.register("mxnb_test_scaled_product")
class _ScaledProductProp(mx.operator.CustomOpProp):
    def __init__(self, alpha="1.0"):
        super().__init__(need_top_grad=True)
        self.alpha = float(alpha)

    def list_arguments(self):
        return ["x", "y"]

    def create_operator(self, ctx, shapes, dtypes):
        return _ScaledProduct(self.alpha)


class _SplitCount(mx.operator.CustomOp):
    """Two outputs (x + 1, 2 * x); an auxiliary state counting training forwards."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], in_data[0] + 1)
        self.assign(out_data[1], req[1], in_data[0] * 2)
        if is_train:
            aux[0][:] += 1

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.assign(in_grad[0], req[0], out_grad[0] + 2 * out_grad[1])


@mx.operator.register("mxnb_test_split_count")
class _SplitCountProp(mx.operator.CustomOpProp):
    def list_outputs(self):
        return ["plus", "twice"]

    def list_auxiliary_states(self):
        return ["count"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], in_shape[0]], [(1,)]

    def create_operator(self, ctx, shapes, dtypes):
        return _SplitCount()


def _check_two_outputs_and_aux(case, ctx):
    x = nd.array(R.randn(3, 4), ctx=ctx)
    count = nd.zeros((1,), ctx=ctx)
    x.attach_grad()
    with autograd.record():
        plus, twice = nd.Custom(x, count, op_type="mxnb_test_split_count")
    np.testing.assert_allclose(plus.asnumpy(), x.asnumpy() + 1, rtol=1e-6)
    np.testing.assert_allclose(twice.asnumpy(), 2 * x.asnumpy(), rtol=1e-6)
    assert count.asscalar() == 1   # training forward, under record
    hp, ht = R.randn(3, 4), R.randn(3, 4)
    autograd.backward([plus, twice], [nd.array(hp, ctx=ctx), nd.array(ht, ctx=ctx)])
    np.testing.assert_allclose(x.grad.asnumpy(), hp + 2 * ht, rtol=1e-5)
    # The same operator in an executor: its backward is the _backward_Custom node.
    s = mx.sym.Custom(mx.sym.var("data"), name="sc", op_type="mxnb_test_split_count")
    assert s.list_outputs() == ["sc_plus", "sc_twice"]
    assert s.list_auxiliary_states() == ["sc_count"]
    exe = s.simple_bind(ctx, data=(3, 4))
    exe.arg_dict["data"][:] = x
    exe.forward(is_train=True)
    exe.backward([nd.array(hp, ctx=ctx), nd.array(ht, ctx=ctx)])
    np.testing.assert_allclose(exe.grad_dict["data"].asnumpy(), hp + 2 * ht, rtol=1e-5)
    assert exe.aux_dict["sc_count"].asscalar() == 1


CASES = [
    Case("Custom", [R.randn(3, 4), R.randn(3, 4)],
         lambda x, y, op_type, alpha: alpha * x * y + x,
         attrs={"op_type": "mxnb_test_scaled_product", "alpha": 2.5}),
    Case("_backward_Custom", [], check=_check_two_outputs_and_aux, name="custom_two_outputs_aux"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_custom_cases(case, ctx):
    run_case(case, ctx)
