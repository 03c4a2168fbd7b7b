"""The control-flow operators as registry records: each node built by sym.contrib, run through
an executor against a NumPy loop, and its backward kernel against finite differences.
(The user-level behaviour is in tests/test_control_flow.py.)"""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym

from .harness import Case


def _run(symbol, values, heads):
    """Forward outputs and input gradients of sum(outputs * heads), in float64."""
    args = {k: nd.array(v, dtype="float64") for k, v in values.items()}
    grads = {k: nd.zeros(v.shape, dtype="float64") for k, v in values.items()}
    exe = symbol.bind(mx.cpu(), args, args_grad=grads)
    outs = [o.asnumpy() for o in exe.forward(is_train=True)]
    exe.backward([nd.array(h, dtype="float64") for h in heads])
    return outs, {k: g.asnumpy() for k, g in grads.items()}


def _check_numerically(symbol, values, reference):
    rng = np.random.RandomState(0)
    heads = [rng.uniform(-1, 1, np.shape(r)) for r in reference(**values)]
    outs, grads = _run(symbol, values, heads)
    for got, want in zip(outs, reference(**values)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    for name, value in values.items():
        numeric = np.zeros_like(value)
        for j in range(value.size):
            plus = {k: v.copy() for k, v in values.items()}
            minus = {k: v.copy() for k, v in values.items()}
            plus[name].reshape(-1)[j] += 1e-6
            minus[name].reshape(-1)[j] -= 1e-6
            f = lambda vals: sum(float((np.asarray(o) * h).sum())
                                 for o, h in zip(reference(**vals), heads))
            numeric.reshape(-1)[j] = (f(plus) - f(minus)) / 2e-6
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-5, atol=1e-8, err_msg=name)


def second_order_through_a_compiled_loop(case, ctx):
    """Control-flow operators exist only in compiled graphs (symbols, hybridized blocks); a
    second-order gradient through one is refused with a clear error, not silently zero."""
    from mxnb import autograd, gluon

    family = case.op.replace("_backward", "")

    class Loop(gluon.HybridBlock):
        def hybrid_forward(self, F, x, h0, w):
            if family == "_while_loop":
                outs, _ = F.contrib.while_loop(lambda i, h: i < 3,
                                               lambda i, h: (F.tanh(h * w), [i + 1, F.tanh(h * w)]),
                                               [F.zeros((1,)), h0 + x.sum(axis=0)], max_iterations=3)
                return outs
            if family == "_cond":
                return F.contrib.cond(x.sum() > 0, lambda: F.tanh(F.broadcast_mul(x, w)), lambda: x * x)

            def body(xt, st):
                h = F.tanh(xt * w + st[0])
                return h * h, [h]
            outs, _ = F.contrib.foreach(body, x, [h0])
            return outs
    net = Loop()
    net.hybridize()
    x, h0, w = nd.ones((3, 2)), nd.zeros((2,)), nd.ones((2,))
    x.attach_grad()
    with pytest.raises(mx.MXNetError, match="higher-order gradients through a hybridized block "
                                            "are not supported"):
        with autograd.record():
            y = net(x, h0, w).sum()
            g = autograd.grad(y, [x], create_graph=True)[0]
            z = (g * g).sum()
        z.backward()
    return "error"


def check_foreach(case, ctx):
    def reference(x, h0, w):
        h, outs = h0, []
        for t in range(x.shape[0]):
            h = np.tanh(x[t] * w + h)
            outs.append(h * h)
        return [np.stack(outs), h]
    x, h0, w = sym.var("x"), sym.var("h0"), sym.var("w")

    def body(xt, st):
        h = sym.tanh(xt * w + st[0])
        return h * h, [h]
    outs, states = sym.contrib.foreach(body, x, [h0])
    _check_numerically(sym.Group([outs] + states),
                       {"x": case.inputs[0], "h0": case.inputs[1], "w": case.inputs[2]}, reference)


def check_while_loop(case, ctx):
    def reference(a, b):
        i, s, outs = 0, b, []
        while i < 3:
            outs.append(s * a)
            s = np.sin(s) * a
            i += 1
        return [np.stack(outs + [np.zeros_like(b)] * 2), s]
    a, b, i0 = sym.var("a"), sym.var("b"), sym.zeros((1,))
    outs, (_, s) = sym.contrib.while_loop(lambda i, s: i < 3,
                                          lambda i, s: ([s * a], [i + 1, sym.sin(s) * a]),
                                          [i0, b], max_iterations=5)
    _check_numerically(sym.Group(outs + [s]), {"a": case.inputs[0], "b": case.inputs[1]},
                       reference)


def check_cond(case, ctx):
    def reference(a, b):
        return [a * b if a.sum() < b.sum() else np.exp(a) - b]
    a, b = sym.var("a"), sym.var("b")
    out = sym.contrib.cond(sym.sum(a) < sym.sum(b), lambda: a * b, lambda: sym.exp(a) - b)
    for va, vb in ((case.inputs[0], case.inputs[1]), (case.inputs[1], case.inputs[0])):
        _check_numerically(out, {"a": va, "b": vb}, reference)


RNG = np.random.RandomState(2)
_FOREACH_IN = [RNG.uniform(-1, 1, (3, 2)), RNG.uniform(-1, 1, (2,)), RNG.uniform(-1, 1, (2,))]
_WHILE_IN = [RNG.uniform(0.5, 1, (2,)), RNG.uniform(-1, 1, (2,))]
_COND_IN = [RNG.uniform(-1, 0, (3,)), RNG.uniform(0, 1, (3,))]

CASES = [
    Case("_foreach", _FOREACH_IN, check=check_foreach, name="_foreach",
         second_order=second_order_through_a_compiled_loop),
    Case("_backward_foreach", _FOREACH_IN, check=check_foreach, name="_backward_foreach",
         second_order=second_order_through_a_compiled_loop),
    Case("_while_loop", _WHILE_IN, check=check_while_loop, name="_while_loop",
         second_order=second_order_through_a_compiled_loop),
    Case("_backward_while_loop", _WHILE_IN, check=check_while_loop, name="_backward_while_loop",
         second_order=second_order_through_a_compiled_loop),
    Case("_cond", _COND_IN, check=check_cond, name="_cond",
         second_order=second_order_through_a_compiled_loop),
    Case("_backward_cond", _COND_IN, check=check_cond, name="_backward_cond",
         second_order=second_order_through_a_compiled_loop),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_control_flow_case(case):
    case.check(case, mx.cpu())
