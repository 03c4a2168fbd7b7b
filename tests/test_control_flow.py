"""Control flow: nd.contrib / sym.contrib foreach, while_loop and cond, eagerly, under autograd,
symbolically (bound executors and their gradients), and inside hybridized blocks."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd, sym
from mxnb.base import MXNetError


def _rnn_body(F, w):
    def body(x, states):
        h = F.tanh(F.broadcast_mul(x, w) + states[0])
        return [h, h * 2], [h, states[1] + x]
    return body


def _numpy_loop(x, w, h0, a0):
    h, acc, outs = h0, a0, []
    for t in range(x.shape[0]):
        h = np.tanh(x[t] * w + h)
        acc = acc + x[t]
        outs.append(h)
    outs = np.stack(outs)
    return outs, outs * 2, h, acc


RNG = np.random.RandomState(0)
X, W = RNG.uniform(-1, 1, (4, 3)), RNG.uniform(-1, 1, (3,))
H0, A0 = RNG.uniform(-1, 1, (3,)), np.zeros(3)


def test_nd_foreach_matches_numpy_and_its_gradient_matches_sym_foreach():
    args = {"x": X, "w": W, "h0": H0, "a0": A0}
    arrays = {k: nd.array(v, dtype="float64") for k, v in args.items()}
    for a in arrays.values():
        a.attach_grad()
    with autograd.record():
        (o1, o2), (h, acc) = nd.contrib.foreach(_rnn_body(nd, arrays["w"]), arrays["x"],
                                               [arrays["h0"], arrays["a0"]])
        loss = (o1 * 1.5).sum() + o2.sum() + (h * h).sum() + acc.sum()
    loss.backward()
    ref = _numpy_loop(X, W, H0, A0)
    for got, want in zip((o1, o2, h, acc), ref):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10)

    s_vars = {k: sym.var(k) for k in args}
    (s1, s2), (sh, sa) = sym.contrib.foreach(_rnn_body(sym, s_vars["w"]), s_vars["x"],
                                            [s_vars["h0"], s_vars["a0"]])
    group = sym.Group([s1, s2, sh, sa])
    assert sorted(group.list_arguments()) == ["a0", "h0", "w", "x"]
    _, out_shapes, _ = group.infer_shape(x=(4, 3), w=(3,), h0=(3,), a0=(3,))
    assert out_shapes == [(4, 3), (4, 3), (3,), (3,)]
    bound = {k: nd.array(v, dtype="float64") for k, v in args.items()}
    grads = {k: nd.zeros(v.shape, dtype="float64") for k, v in args.items()}
    exe = group.bind(mx.cpu(), bound, args_grad=grads)
    outs = exe.forward(is_train=True)
    for got, want in zip(outs, ref):
        np.testing.assert_allclose(got.asnumpy(), want, rtol=1e-10)
    hh = outs[2].asnumpy()
    exe.backward([nd.full((4, 3), 1.5, dtype="float64"), nd.ones((4, 3), dtype="float64"),
                  nd.array(2 * hh, dtype="float64"), nd.ones(3, dtype="float64")])
    for k in args:
        np.testing.assert_allclose(grads[k].asnumpy(), arrays[k].grad.asnumpy(), rtol=1e-8,
                                   err_msg=k)


def test_sym_foreach_gradient_matches_finite_differences():
    x, w, h0 = sym.var("x"), sym.var("w"), sym.var("h0")
    outs, states = sym.contrib.foreach(lambda xt, st: (sym.sin(xt * w + st), sym.sin(xt * w + st)),
                                       x, h0)
    loss = sym.sum(outs) + sym.sum(states * states)
    values = {"x": RNG.uniform(-1, 1, (3, 2)), "w": RNG.uniform(-1, 1, (2,)),
              "h0": RNG.uniform(-1, 1, (2,))}

    def f(vals):
        return loss.eval(**{k: nd.array(v, dtype="float64") for k, v in vals.items()})[0].asscalar()
    grads = {k: nd.zeros(v.shape, dtype="float64") for k, v in values.items()}
    exe = loss.bind(mx.cpu(), {k: nd.array(v, dtype="float64") for k, v in values.items()},
                    args_grad=grads)
    exe.forward(is_train=True)
    exe.backward([nd.ones(exe.outputs[0].shape, dtype="float64")])
    for k, v in values.items():
        numeric = np.zeros_like(v)
        for j in range(v.size):
            plus = {a: b.copy() for a, b in values.items()}
            minus = {a: b.copy() for a, b in values.items()}
            plus[k].reshape(-1)[j] += 1e-6
            minus[k].reshape(-1)[j] -= 1e-6
            numeric.reshape(-1)[j] = (f(plus) - f(minus)) / 2e-6
        np.testing.assert_allclose(grads[k].asnumpy(), numeric, rtol=1e-5, atol=1e-8, err_msg=k)


def test_foreach_reads_outer_computed_symbols_and_nested_lists():
    data = [sym.var("a"), sym.var("b")]
    scale = sym.var("s") * 3          # computed outside the body: cut into an input
    outs, states = sym.contrib.foreach(
        lambda d, st: ([d[0] * scale + st[0]], [st[0] + d[1]]), data, [sym.var("z")])
    group = sym.Group(outs + states)
    a, b = np.arange(6.0).reshape(3, 2), np.ones((3, 2))
    res = group.eval(a=nd.array(a), b=nd.array(b), s=nd.array([2.0, 2.0]), z=nd.zeros(2))
    np.testing.assert_allclose(res[0].asnumpy(), a * 6 + np.array([[0, 0], [1, 1], [2, 2]]))
    np.testing.assert_allclose(res[1].asnumpy(), [3, 3])


def test_nd_while_loop_pads_outputs_and_returns_final_vars():
    cond = lambda i, s: i <= 5
    func = lambda i, s: ([i + s], [i + 1, s + i])
    outs, (i, s) = nd.contrib.while_loop(cond, func, [nd.array([0]), nd.array([1])],
                                         max_iterations=10)
    np.testing.assert_allclose(outs[0].asnumpy().ravel(), [1, 2, 4, 7, 11, 16, 0, 0, 0, 0])
    assert i.asscalar() == 6 and s.asscalar() == 16
    outs, final = nd.contrib.while_loop(lambda v: v < 100, lambda v: (v * 2, v * 2),
                                        nd.array([1.0]), max_iterations=3)
    assert isinstance(final, nd.NDArray) and final.asscalar() == 8
    with pytest.raises(ValueError, match="max_iterations"):
        nd.contrib.while_loop(cond, func, [nd.array([0]), nd.array([1])])


def test_sym_while_loop_matches_nd_and_its_gradient():
    def cond(i, s):
        return i < 4

    def func(i, s):
        F = sym if isinstance(s, sym.Symbol) else nd     # the same body for both APIs
        return [s * s], [i + 1, F.sin(s) + i]

    outs, (i, s) = sym.contrib.while_loop(cond, func, [sym.var("i"), sym.var("s")],
                                          max_iterations=6)
    group = sym.Group(outs + [i, s])
    i0, s0 = nd.array([1.0], dtype="float64"), nd.array([0.3], dtype="float64")
    grads = {"i": nd.zeros(1, dtype="float64"), "s": nd.zeros(1, dtype="float64")}
    exe = group.bind(mx.cpu(), {"i": i0, "s": s0}, args_grad=grads)
    res = exe.forward(is_train=True)
    assert res[0].shape == (6, 1)
    exe.backward([nd.ones((6, 1), dtype="float64"), nd.zeros(1, dtype="float64"),
                  nd.ones(1, dtype="float64")])
    ea, eb = i0.copy(), s0.copy()
    eb.attach_grad()
    with autograd.record():
        e_outs, (ei, es) = nd.contrib.while_loop(cond, func, [ea, eb], max_iterations=6)
        (e_outs[0].sum() + es.sum()).backward()
    np.testing.assert_allclose(res[0].asnumpy(), e_outs[0].asnumpy(), rtol=1e-12)
    np.testing.assert_allclose(res[2].asnumpy(), es.asnumpy(), rtol=1e-12)
    np.testing.assert_allclose(res[0].asnumpy()[3:], 0)
    np.testing.assert_allclose(grads["s"].asnumpy(), eb.grad.asnumpy(), rtol=1e-10)


def test_cond_eager_symbolic_and_gradients():
    a, b = nd.array([1.0]), nd.array([2.0])
    for x in (a, b):
        x.attach_grad()
    with autograd.record():
        out = nd.contrib.cond(a < b, lambda: a * b, lambda: a - b)
    out.backward()
    assert out.asscalar() == 2 and a.grad.asscalar() == 2 and b.grad.asscalar() == 1
    sa, sb = sym.var("a"), sym.var("b")
    sout = sym.contrib.cond(sa < sb, lambda: sa * sb, lambda: sa - sb)
    for av, bv, want, ga, gb in ((1.0, 2.0, 2.0, 2.0, 1.0), (3.0, 2.0, 1.0, 1.0, -1.0)):
        grads = {"a": nd.zeros(1), "b": nd.zeros(1)}
        exe = sout.bind(mx.cpu(), {"a": nd.array([av]), "b": nd.array([bv])}, args_grad=grads)
        assert exe.forward(is_train=True)[0].asscalar() == want
        exe.backward([nd.ones(1)])
        assert grads["a"].asscalar() == ga and grads["b"].asscalar() == gb
    with pytest.raises(MXNetError, match="then_func returned 1 outputs, else_func 2"):
        sym.contrib.cond(sa < sb, lambda: sa, lambda: [sa, sb])


def test_hybridized_block_calling_foreach_matches_eager():
    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.cell = gluon.rnn.LSTMCell(5)
                self.dense = gluon.nn.Dense(3, flatten=False)

        def hybrid_forward(self, F, x, h, c):
            outs, states = F.contrib.foreach(lambda xt, st: self.cell(xt, st), x, [h, c])
            return self.dense(outs), states[0]

    net = Net()
    net.initialize()
    x = nd.random.uniform(shape=(4, 2, 6))
    h, c = nd.zeros((2, 5)), nd.ones((2, 5))
    x.attach_grad()
    with autograd.record():
        eager, eager_h = net(x, h, c)
        (eager.sum() + eager_h.sum()).backward()
    x_grad = x.grad.asnumpy().copy()
    w_grad = net.cell.i2h_weight.grad().asnumpy().copy()
    net.hybridize()
    with autograd.record():
        hybrid, hybrid_h = net(x, h, c)
        (hybrid.sum() + hybrid_h.sum()).backward()
    np.testing.assert_allclose(hybrid.asnumpy(), eager.asnumpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(), x_grad, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(net.cell.i2h_weight.grad().asnumpy(), w_grad, rtol=1e-5, atol=1e-7)
    fresh = Net()                       # deferred shapes inferred through the loop body
    fresh.initialize()
    fresh.hybridize()
    assert fresh(x, h, c)[0].shape == (4, 2, 3)
    assert fresh.cell.i2h_weight.shape == (20, 6)


def test_errors_name_what_is_wrong():
    with pytest.raises(MXNetError, match="same length"):
        nd.contrib.foreach(lambda d, s: (d[0], s), [nd.ones((3, 2)), nd.ones((2, 2))], [])
    with pytest.raises(MXNetError, match="returned 0 states for 1"):
        sym.contrib.foreach(lambda d, s: (d, []), sym.var("x"), [sym.var("s")])


def test_hybridized_block_with_cond_and_while_loop_matches_eager():
    class Net(gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.dense = gluon.nn.Dense(4)

        def hybrid_forward(self, F, x):
            y = self.dense(x)
            z = F.contrib.cond(F.sum(y) > 0, lambda: y * 2, lambda: y - 1)
            outs, (_, s) = F.contrib.while_loop(lambda i, s: i < 3,
                                                lambda i, s: ([s * 2], [i + 1, s + z]),
                                                [F.zeros((1,)), z], max_iterations=4)
            return outs[0], s

    net = Net()
    net.initialize()
    x = nd.random.uniform(-1, 1, shape=(2, 3))
    x.attach_grad()
    results = []
    for hybridize in (False, True):
        net.hybridize(hybridize)
        with autograd.record():
            outs, s = net(x)
            (outs.sum() + s.sum()).backward()
        results.append((outs.asnumpy(), s.asnumpy(), x.grad.asnumpy().copy()))
    assert results[0][0].shape == (4, 2, 4)
    np.testing.assert_allclose(results[0][0][3], 0)          # padded past the 3 steps run
    for eager, hybrid in zip(*results):
        np.testing.assert_allclose(hybrid, eager, rtol=1e-6, atol=1e-7)
