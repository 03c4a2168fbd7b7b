"""Executor: bind, simple_bind, forward/backward, shared arrays, monitor hooks; CachedOp."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym, autograd


def test_bind_forward_of_a_sum():
    a, b = sym.var("a"), sym.var("b")
    c = a + b
    exe = c.bind(mx.cpu(), {"a": nd.array([1.0, 2.0]), "b": nd.array([3.0, 4.0])})
    out = exe.forward()
    np.testing.assert_allclose(out[0].asnumpy(), [4.0, 6.0])


def test_simple_bind_fills_grad_arrays():
    a, b = sym.var("A"), sym.var("B")
    d = (a * b) / 10 + 1
    exe = d.simple_bind(mx.cpu(), A=(3,), B=(3,))
    exe.arg_dict["A"][:] = np.array([1.0, 2.0, 3.0])
    exe.arg_dict["B"][:] = np.array([4.0, 5.0, 6.0])
    out = exe.forward(is_train=True)
    np.testing.assert_allclose(out[0].asnumpy(), [1.4, 2.0, 2.8], rtol=1e-6)
    exe.backward(nd.array([1.0, 1.0, 2.0]))
    np.testing.assert_allclose(exe.grad_arrays[0].asnumpy(), [0.4, 0.5, 1.2], rtol=1e-6)
    np.testing.assert_allclose(exe.grad_dict["B"].asnumpy(), [0.1, 0.2, 0.6], rtol=1e-6)


def test_outputs_are_updated_in_place_across_forwards():
    x = sym.var("x")
    exe = (x * 2).bind(mx.cpu(), {"x": nd.array([1.0])})
    held = exe.forward()[0]
    exe.forward(x=nd.array([5.0]))
    assert held.asnumpy()[0] == 10.0


def test_grad_req_add_and_null():
    x, w = sym.var("x"), sym.var("w")
    y = x * w
    gx = nd.zeros((2,))
    exe = y.bind(mx.cpu(), {"x": nd.array([1.0, 2.0]), "w": nd.array([3.0, 4.0])},
                 args_grad={"x": gx}, grad_req={"x": "add", "w": "null"})
    for _ in range(2):
        exe.forward(is_train=True)
        exe.backward(nd.ones((2,)))
    np.testing.assert_allclose(gx.asnumpy(), [6.0, 8.0])
    assert "w" not in exe.grad_dict


def test_bind_rejects_wrong_shapes_and_missing_arguments():
    a, b = sym.var("a"), sym.var("b")
    with pytest.raises(mx.MXNetError, match="missing"):
        (a + b).bind(mx.cpu(), {"a": nd.ones((2,))})
    with pytest.raises(mx.MXNetError, match=r"\(2,\).*\(3,\)|\(3,\).*\(2,\)"):
        (a + b).bind(mx.cpu(), {"a": nd.ones((2,)), "b": nd.ones((3,))})


def test_mlp_executor_matches_numpy_and_shares_arrays():
    from .test_symbol import mlp
    net = mlp()
    exe = net.simple_bind(mx.cpu(), data=(5, 20))
    rng = np.random.RandomState(0)
    for name, arr in exe.arg_dict.items():
        if name not in ("data", "softmax_label"):
            arr[:] = rng.uniform(-0.1, 0.1, arr.shape)
    x = rng.uniform(0, 1, (5, 20)).astype(np.float32)
    label = np.array([0, 1, 2, 3, 4], dtype=np.float32)
    out = exe.forward(is_train=True, data=x, softmax_label=label)[0].asnumpy()
    p = {n: a.asnumpy() for n, a in exe.arg_dict.items()}
    h = np.maximum(x @ p["fc1_weight"].T + p["fc1_bias"], 0)
    h = np.maximum(h @ p["fc2_weight"].T + p["fc2_bias"], 0)
    z = h @ p["fc3_weight"].T + p["fc3_bias"]
    e = np.exp(z - z.max(1, keepdims=True))
    np.testing.assert_allclose(out, e / e.sum(1, keepdims=True), rtol=1e-4, atol=1e-6)
    exe.backward()
    # the softmax gradient reaching fc3's bias is (p - onehot(label)) summed over the batch
    onehot = np.eye(10)[label.astype(int)]
    np.testing.assert_allclose(exe.grad_dict["fc3_bias"].asnumpy(), (out - onehot).sum(0), rtol=1e-4, atol=1e-5)
    # a second executor over the same arrays sees the same parameters
    test_exe = net.bind(mx.cpu(), args=exe.arg_arrays)
    np.testing.assert_allclose(test_exe.forward()[0].asnumpy(), out, rtol=1e-6)
    exe.arg_dict["fc3_bias"][:] = 0
    assert test_exe.arg_dict["fc3_bias"].asnumpy().sum() == 0


def test_monitor_callback_sees_every_node():
    from .test_symbol import mlp
    exe = mlp().simple_bind(mx.cpu(), data=(2, 8))
    seen = []
    exe.set_monitor_callback(lambda name, arr: seen.append((name, arr.shape)))
    exe.forward()
    names = [n for n, _ in seen]
    assert names[:4] == ["fc1_output", "relu1_output", "fc2_output", "relu2_output"]
    assert ("softmax_output", (2, 10)) in seen
    seen.clear()
    exe.set_monitor_callback(lambda name, arr: seen.append(name), monitor_all=True)
    exe.forward()
    assert "fc1_weight" in seen and "fc1_output" in seen


def test_backward_graph_is_made_of_registered_operators():
    x = sym.var("x")
    y = sym.exp(x) * x
    exe = y.simple_bind(mx.cpu(), x=(3,))
    steps = exe._backward.steps
    assert steps and all(step.op.name in mx.ops.registry.all_names() for step in steps)


def test_cached_op_forward_and_backward_match_eager():
    from mxnb.graph.cached_op import CachedOp
    a, b = sym.var("a"), sym.var("b")
    out = (a * b + a) / 2
    op = CachedOp(out)
    x, y = nd.array([1.0, 2.0]), nd.array([3.0, 5.0])
    x.attach_grad()
    y.attach_grad()
    with autograd.record():
        z = op(x, y)
    z.backward(nd.array([1.0, 2.0]))
    np.testing.assert_allclose(z.asnumpy(), [2.0, 6.0])
    np.testing.assert_allclose(x.grad.asnumpy(), [(3 + 1) / 2, 2 * (5 + 1) / 2])
    np.testing.assert_allclose(y.grad.asnumpy(), [1 / 2, 2 * 2 / 2])
