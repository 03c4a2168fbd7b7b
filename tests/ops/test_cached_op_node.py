"""`_CachedOp` and `_backward_CachedOp` as registry records: a node made from a body's JSON, run
through an executor against NumPy, its gradients against finite differences. (The subgraph
API's behaviour is in tests/test_subgraph_op.py.)"""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, nd, sym

from .harness import Case


def _reference(a, b):
    return [a * b + np.sin(a), np.exp(b) - a]


def _body():
    a, b = sym.var("a"), sym.var("b")
    return sym.Group([a * b + sym.sin(a), sym.exp(b) - a])


def _run(values, heads):
    node = sym._internal._CachedOp(sym.var("a"), sym.var("b"), subgraph=_body().tojson())
    args = {k: nd.array(v, dtype="float64") for k, v in values.items()}
    grads = {k: nd.zeros(v.shape, dtype="float64") for k, v in values.items()}
    exe = node.bind(mx.cpu(), args, args_grad=grads)
    outs = [o.asnumpy() for o in exe.forward(is_train=True)]
    exe.backward([nd.array(h, dtype="float64") for h in heads])
    return outs, {k: g.asnumpy() for k, g in grads.items()}


def check_cached_op(case, ctx):
    values = {"a": case.inputs[0], "b": case.inputs[1]}
    rng = np.random.RandomState(0)
    heads = [rng.uniform(-1, 1, r.shape) for r in _reference(**values)]
    outs, grads = _run(values, heads)
    for got, want in zip(outs, _reference(**values)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)

    def objective(vals):
        return sum(float((o * h).sum()) for o, h in zip(_reference(**vals), heads))
    for name, value in values.items():
        numeric = np.zeros_like(value)
        for j in range(value.size):
            plus = {k: v.copy() for k, v in values.items()}
            minus = {k: v.copy() for k, v in values.items()}
            plus[name].reshape(-1)[j] += 1e-6
            minus[name].reshape(-1)[j] -= 1e-6
            numeric.reshape(-1)[j] = (objective(plus) - objective(minus)) / 2e-6
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def second_order_is_refused(case, ctx):
    """The backward kernel reruns the body with its gradients; it has no gradient of its own,
    so a second order through the node is a clear error, not zeros."""
    x = nd.array(case.inputs[0], dtype="float64")
    y = nd.array(case.inputs[1], dtype="float64")
    x.attach_grad()
    with pytest.raises(mx.MXNetError, match="second-order gradient is not available.*"
                                            "_backward_CachedOp"):
        with autograd.record():
            z = nd._internal._CachedOp(x, y, subgraph=_body().tojson())[0]
            g = autograd.grad(z, [x], create_graph=True)[0]
            total = (g * g).sum()
        total.backward()
    return "error"


_IN = [np.random.RandomState(3).uniform(-1, 1, (2, 3)), np.random.RandomState(4).uniform(-1, 1, (2, 3))]

CASES = [
    Case("_CachedOp", _IN, check=check_cached_op, name="_CachedOp",
         second_order=second_order_is_refused),
    Case("_backward_CachedOp", _IN, check=check_cached_op, name="_backward_CachedOp",
         second_order=second_order_is_refused),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_cached_op_case(case):
    case.check(case, mx.cpu())


def test_second_order_through_the_node_is_refused():
    assert second_order_is_refused(CASES[0], mx.cpu()) == "error"
