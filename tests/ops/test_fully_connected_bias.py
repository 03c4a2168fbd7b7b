"""FullyConnected's bias shapes: (num_hidden,) or a (num_hidden, 1) column, as MXNet 1.9.1's
shape inference and kernel accept; its gradient takes the bias's own shape."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import gluon, nd
from mxnb.base import MXNetError

R = np.random.RandomState(3)
X, W = R.rand(2, 3), R.rand(4, 3)
HEAD = R.rand(2, 4)


@pytest.mark.parametrize("bias_shape", [(4,), (4, 1)])
def test_bias_of_either_shape_is_added_per_unit(bias_shape):
    bias = R.rand(4)
    got = nd.FullyConnected(nd.array(X), nd.array(W), nd.array(bias.reshape(bias_shape)),
                            num_hidden=4)
    np.testing.assert_allclose(got.asnumpy(), X @ W.T + bias, rtol=1e-5)


@pytest.mark.parametrize("bias_shape", [(1, 4), (1,), (4, 2), (4, 1, 1)])
def test_other_bias_shapes_raise(bias_shape):
    with pytest.raises(MXNetError, match="bias"):
        nd.FullyConnected(nd.array(X), nd.array(W), nd.ones(bias_shape), num_hidden=4).asnumpy()


def test_shape_inference_keeps_a_column_bias_and_defaults_to_a_vector():
    fc = mx.sym.FullyConnected(mx.sym.var("x"), mx.sym.var("w"), mx.sym.var("b"), num_hidden=4)
    args, outs, _ = fc.infer_shape(x=(2, 3), b=(4, 1))
    assert args == [(2, 3), (4, 3), (4, 1)] and outs == [(2, 4)]
    args, _, _ = fc.infer_shape(x=(2, 3))
    assert args[2] == (4,)


def test_gradient_of_a_column_bias_has_its_shape():
    bias = nd.ones((4, 1))
    bias.attach_grad()
    with mx.autograd.record():
        out = nd.FullyConnected(nd.array(X), nd.array(W), bias, num_hidden=4)
    out.backward(nd.array(HEAD))
    assert bias.grad.shape == (4, 1)
    np.testing.assert_allclose(bias.grad.asnumpy(), HEAD.sum(axis=0).reshape(4, 1), rtol=1e-5)


class _ColumnBiasDense(gluon.HybridBlock):
    def __init__(self):
        super().__init__()
        with self.name_scope():
            self.weight = self.params.get("weight", shape=(4, 3))
            self.bias = self.params.get("bias", shape=(4, 1))

    def hybrid_forward(self, F, x, weight, bias):
        return F.FullyConnected(x, weight, bias, num_hidden=4)


@pytest.mark.parametrize("hybridize", [False, True])
def test_gluon_block_with_a_column_bias_trains(hybridize):
    net = _ColumnBiasDense()
    net.initialize(mx.init.Constant(0.5))
    if hybridize:
        net.hybridize()
    with mx.autograd.record():
        out = net(nd.array(X))
    out.backward(nd.array(HEAD))
    np.testing.assert_allclose(out.asnumpy(), X @ np.full((4, 3), 0.5).T + 0.5, rtol=1e-5)
    assert net.bias.grad().shape == (4, 1)
    np.testing.assert_allclose(net.bias.grad().asnumpy(), HEAD.sum(axis=0).reshape(4, 1), rtol=1e-5)


def test_dense_deferred_initialization_still_infers_a_vector_bias():
    net = gluon.nn.Dense(5)
    net.initialize()
    net.hybridize()
    assert net(nd.ones((2, 7))).shape == (2, 5)
    assert net.bias.shape == (5,) and net.weight.shape == (5, 7)
