"""`_CachedOp` as a graph operator: a node whose body is a whole symbol (MXNet's subgraph API,
`mx.sym._internal._CachedOp(*inputs, subgraph=body.tojson())`)."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.ops import cached_op_node

RTOL, ATOL = 1e-5, 1e-6


def cached_op(body, *inputs, **kwargs):
    return mx.sym._internal._CachedOp(*inputs, subgraph=body.tojson(), **kwargs)


def bind_and_run(sym, arrays, out_grads=None, aux=None):
    grads = {k: mx.nd.zeros(v.shape) for k, v in arrays.items()}
    exe = sym.bind(mx.cpu(), args=arrays, args_grad=grads, aux_states=aux or {})
    exe.forward(is_train=True)
    outputs = [o.asnumpy() for o in exe.outputs]
    exe.backward(out_grads if out_grads is not None
                 else [mx.nd.ones(o.shape) for o in exe.outputs])
    return outputs, {k: g.asnumpy() for k, g in grads.items()}


def test_node_takes_body_inputs_and_names_outputs_after_itself():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    body = mx.sym.Group([a * b, a + b])
    node = cached_op(body, mx.sym.var("x"), mx.sym.var("y"), name="sub")
    assert node.list_arguments() == ["x", "y"]
    assert node.list_outputs() == ["sub_" + n for n in body.list_outputs()]
    assert node.list_auxiliary_states() == []
    # an input not given becomes a variable named after the node, as for any operator
    partial = cached_op(a * b, mx.sym.var("x"), name="half")
    assert partial.list_arguments() == ["x", "half_b"]


def test_forward_and_gradient_match_numpy():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    node = cached_op(a * b + mx.sym.sin(a), mx.sym.var("a"), mx.sym.var("b"))
    rng = np.random.RandomState(0)
    xa, xb, head = rng.randn(3, 4), rng.randn(3, 4), rng.randn(3, 4)
    outputs, grads = bind_and_run(node, {"a": mx.nd.array(xa), "b": mx.nd.array(xb)},
                                  [mx.nd.array(head)])
    np.testing.assert_allclose(outputs[0], xa * xb + np.sin(xa), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["a"], head * (xb + np.cos(xa)), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(grads["b"], head * xa, rtol=RTOL, atol=ATOL)


def test_node_composes_with_other_operators():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    node = cached_op(a * b, mx.sym.var("a"), mx.sym.var("b")) * 2
    xa, xb = np.arange(6.).reshape(2, 3), np.ones((2, 3)) * 3
    outputs, grads = bind_and_run(node, {"a": mx.nd.array(xa), "b": mx.nd.array(xb)})
    np.testing.assert_allclose(outputs[0], 2 * xa * xb)
    np.testing.assert_allclose(grads["a"], 2 * xb)
    np.testing.assert_allclose(grads["b"], 2 * xa)


def _batch_norm_reference(x, gamma, beta, mean, var, momentum=0.9, eps=1e-3):
    batch_mean, batch_var = x.mean(axis=0), x.var(axis=0)
    out = (x - batch_mean) / np.sqrt(batch_var + eps) * gamma + beta
    return out, momentum * mean + (1 - momentum) * batch_mean, momentum * var + (1 - momentum) * batch_var


def test_batch_norm_body_keeps_statistics_as_auxiliary_states_updated_once():
    data = mx.sym.var("data")
    body = mx.sym.BatchNorm(data, fix_gamma=False, name="bn")
    node = cached_op(body, *[mx.sym.var(n) for n in body.list_inputs()])
    assert node.list_arguments() == ["data", "bn_gamma", "bn_beta"]
    assert node.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    rng = np.random.RandomState(1)
    x, gamma, beta = rng.randn(8, 3), rng.rand(3) + 0.5, rng.randn(3)
    mean, var = rng.randn(3), rng.rand(3) + 0.5
    aux = {"bn_moving_mean": mx.nd.array(mean), "bn_moving_var": mx.nd.array(var)}
    outputs, grads = bind_and_run(
        node, {"data": mx.nd.array(x), "bn_gamma": mx.nd.array(gamma), "bn_beta": mx.nd.array(beta)},
        aux=aux)
    out, new_mean, new_var = _batch_norm_reference(x, gamma, beta, mean, var)
    np.testing.assert_allclose(outputs[0], out, rtol=1e-4, atol=1e-5)
    # the backward pass reruns the body on copies: the statistics moved once, not twice
    np.testing.assert_allclose(aux["bn_moving_mean"].asnumpy(), new_mean, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(aux["bn_moving_var"].asnumpy(), new_var, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grads["bn_beta"], np.full(3, 8.0), rtol=1e-4)
    normalized = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-3)
    np.testing.assert_allclose(grads["bn_gamma"], normalized.sum(axis=0), rtol=1e-4, atol=1e-4)


def test_infers_shapes_and_types_through_the_body():
    data = mx.sym.var("data")
    body = mx.sym.FullyConnected(data, num_hidden=5, name="fc")
    node = cached_op(body, *[mx.sym.var(n) for n in body.list_inputs()])
    args, outs, aux = node.infer_shape(data=(2, 7))
    assert args == [(2, 7), (5, 7), (5,)] and outs == [(2, 5)] and aux == []
    args, outs, aux = node.infer_type(data=np.float64)
    assert args == [np.float64] * 3 and outs == [np.float64]


def test_ndarray_call_and_autograd():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    body = (a * b + mx.sym.sin(a)).tojson()
    xa, xb = np.array([0.5, 1.0, 2.0]), np.array([3.0, -1.0, 4.0])
    x, y = mx.nd.array(xa), mx.nd.array(xb)
    x.attach_grad()
    y.attach_grad()
    with mx.autograd.record():
        z = mx.nd._internal._CachedOp(x, y, subgraph=body)
    z.backward()
    np.testing.assert_allclose(z.asnumpy(), xa * xb + np.sin(xa), rtol=RTOL)
    np.testing.assert_allclose(x.grad.asnumpy(), xb + np.cos(xa), rtol=RTOL)
    np.testing.assert_allclose(y.grad.asnumpy(), xa, rtol=RTOL)


def test_backward_reruns_the_body_with_the_forward_draws():
    body = mx.sym.Dropout(mx.sym.var("a"), p=0.5)
    x = mx.nd.ones((6, 7))
    x.attach_grad()
    with mx.autograd.record(train_mode=True):
        y = mx.nd._internal._CachedOp(x, subgraph=body.tojson())
    y.backward()
    kept = y.asnumpy()
    assert 0 < (kept == 0).sum() < kept.size       # some dropped, some kept (scaled by 2)
    np.testing.assert_array_equal(x.grad.asnumpy(), kept)   # d(mask * x / 0.5)/dx for x = 1


def test_json_round_trip_keeps_the_node():
    a, b = mx.sym.var("a"), mx.sym.var("b")
    node = cached_op(a - b, mx.sym.var("p"), mx.sym.var("q"), name="sub")
    loaded = mx.sym.load_json(node.tojson())
    assert loaded.list_arguments() == ["p", "q"]
    assert loaded.list_outputs() == node.list_outputs()
    exe = loaded.bind(mx.cpu(), {"p": mx.nd.array([5.0]), "q": mx.nd.array([2.0])})
    np.testing.assert_allclose(exe.forward()[0].asnumpy(), [3.0])


def test_bad_subgraph_attribute_is_a_clear_error():
    with pytest.raises(MXNetError, match="_CachedOp.*subgraph.*JSON"):
        mx.sym._internal._CachedOp(mx.sym.var("a"), subgraph="not json")
    with pytest.raises(MXNetError, match="_CachedOp.*subgraph.*found int"):
        mx.sym._internal._CachedOp(mx.sym.var("a"), subgraph=3)
    with pytest.raises(MXNetError, match="_CachedOp.*takes inputs"):
        cached_op(mx.sym.var("a") * 2, mx.sym.var("x"), mx.sym.var("y"))


def test_wrong_number_of_arrays_is_a_clear_error():
    body = (mx.sym.var("a") * mx.sym.var("b")).tojson()
    with pytest.raises(MXNetError, match="_CachedOp.*input"):
        mx.nd._internal._CachedOp(mx.nd.ones((2,)), subgraph=body).asnumpy()


def _two_batch_norms():
    data = mx.sym.var("data")
    convs = [mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, no_bias=True, name="conv%d" % i)
             for i in range(2)]
    return mx.sym.BatchNorm(convs[0], fix_gamma=False, name="bn0") + \
        mx.sym.BatchNorm(convs[1], fix_gamma=False, name="bn1")


def test_statistics_among_the_inputs_bind_as_auxiliary_states():
    body = _two_batch_norms()
    node = cached_op(body, *[mx.sym.var(n) for n in body.list_inputs()])
    assert node.list_arguments() == body.list_arguments()
    assert node.list_auxiliary_states() == body.list_auxiliary_states()
    rng = np.random.RandomState(2)
    shapes = dict(zip(body.list_arguments(), body.infer_shape(data=(2, 3, 6, 6))[0]))
    args = {k: rng.randn(*s) for k, s in shapes.items()}
    results = []
    for sym in (body, node):
        aux = {"bn%d_moving_mean" % i: mx.nd.zeros(4) for i in range(2)}
        aux.update({"bn%d_moving_var" % i: mx.nd.ones(4) for i in range(2)})
        results.append(bind_and_run(sym, {k: mx.nd.array(v) for k, v in args.items()}, aux=aux)
                       + ({k: v.asnumpy() for k, v in aux.items()},))
    (out0, grads0, aux0), (out1, grads1, aux1) = results
    np.testing.assert_allclose(out1[0], out0[0], rtol=1e-4, atol=1e-5)
    for key in grads0:
        np.testing.assert_allclose(grads1[key], grads0[key], rtol=1e-4, atol=1e-4)
    for key in aux0:
        np.testing.assert_allclose(aux1[key], aux0[key], rtol=1e-5, atol=1e-6)


def test_docstring_examples_run():
    import doctest
    for obj in (cached_op_node.CachedOpBody, cached_op_node.CachedOp):
        test = doctest.DocTestParser().get_doctest(
            obj.__doc__, {"mx": mx, "CachedOpBody": cached_op_node.CachedOpBody}, obj.__name__, None, 0)
        runner = doctest.DocTestRunner()
        runner.run(test)
        assert runner.failures == 0 and runner.tries >= 2, obj.__name__
