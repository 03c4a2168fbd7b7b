"""mx.operator.NDArrayOp (MXNet 1.9.1's deprecated NDArray operator): symbols from calling the
instance, forward and backward on NDArrays written in place, several inputs and outputs, shape
inference, MXNet's automatic names, loss layers without top gradients, and a softmax loss
written with it trained in a Module (as MXNet's example/numpy-ops/ndarray_softmax.py)."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from .digits import make_digits


@pytest.fixture(autouse=True)
def _quiet_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class Square(mx.operator.NDArrayOp):
    """x * x, the gradient 2 x; records the types it was given."""

    def __init__(self):
        super().__init__(True)
        self.seen_types = set()

    def list_arguments(self):
        return ["data"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        return [in_shape[0]], [in_shape[0]]

    def forward(self, in_data, out_data):
        self.seen_types.update(type(a) for a in in_data + out_data)
        out_data[0][:] = in_data[0] * in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        self.seen_types.update(type(a) for a in out_grad + in_data + out_data + in_grad)
        in_grad[0][:] = 2 * in_data[0] * out_grad[0]


class MulSum(mx.operator.NDArrayOp):
    """(a * b, sum(a) + sum(b)) from two inputs."""

    def list_arguments(self):
        return ["a", "b"]

    def list_outputs(self):
        return ["prod", "total"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], [1]]

    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0] * in_data[1]
        out_data[1][:] = mx.nd.sum(in_data[0]) + mx.nd.sum(in_data[1])

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = out_grad[0] * in_data[1] + out_grad[1]
        in_grad[1][:] = out_grad[0] * in_data[0] + out_grad[1]


class NDArraySoftmax(mx.operator.NDArrayOp):
    """Softmax with cross-entropy's gradient, a loss layer (the example's, with nd ops in
    place of its CUDA kernels)."""

    def __init__(self):
        super().__init__(False)
        self.seen_out_grad = None

    def list_arguments(self):
        return ["data", "label"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        return [data_shape, (data_shape[0],)], [data_shape]

    def forward(self, in_data, out_data):
        x = in_data[0]
        e = mx.nd.exp(x - mx.nd.max(x, axis=1, keepdims=True))
        out_data[0][:] = e / mx.nd.sum(e, axis=1, keepdims=True)

    def backward(self, out_grad, in_data, out_data, in_grad):
        self.seen_out_grad = out_grad
        y = out_data[0]
        in_grad[0][:] = y - mx.nd.one_hot(in_data[1], depth=y.shape[1])


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_forward_and_backward_write_ndarrays_in_place():
    op = Square()
    s = op(data=mx.sym.Variable("data"), name="sq")
    assert s.list_arguments() == ["data"] and s.list_outputs() == ["sq_output"]
    x = np.array([1.0, -2.0, 3.0], np.float32)
    head = np.array([0.5, 1.0, 2.0], np.float32)
    grad = mx.nd.zeros(3)
    exe = s.bind(mx.cpu(), {"data": mx.nd.array(x)}, args_grad={"data": grad})
    np.testing.assert_allclose(exe.forward(is_train=True)[0].asnumpy(), x * x)
    exe.backward(mx.nd.array(head))
    np.testing.assert_allclose(grad.asnumpy(), 2 * x * head)
    assert op.seen_types == {mx.nd.NDArray}


def test_two_inputs_two_outputs_and_shape_inference():
    s = MulSum()(mx.sym.var("x"), mx.sym.var("y"), name="ms")
    assert s.list_arguments() == ["x", "y"]
    assert s.list_outputs() == ["ms_prod", "ms_total"]
    assert s.infer_shape(x=(2, 3), y=(2, 3))[1] == [(2, 3), (1,)]
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    y = np.full((2, 3), 2.0, np.float32)
    gx, gy = mx.nd.zeros((2, 3)), mx.nd.zeros((2, 3))
    exe = s.bind(mx.cpu(), args={"x": mx.nd.array(x), "y": mx.nd.array(y)},
                 args_grad={"x": gx, "y": gy})
    exe.forward(is_train=True)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), x * y)
    np.testing.assert_allclose(exe.outputs[1].asnumpy(), [x.sum() + y.sum()])
    head = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    exe.backward([mx.nd.array(head), mx.nd.array([3.0])])
    np.testing.assert_allclose(gx.asnumpy(), head * y + 3)
    np.testing.assert_allclose(gy.asnumpy(), head * x + 3)


def test_loss_layer_gets_no_top_gradient_and_a_missing_label_becomes_a_variable():
    op = NDArraySoftmax()
    s = op(data=mx.sym.var("data"), name="softmax")
    assert s.list_arguments() == ["data", "softmax_label"]
    assert s.infer_shape(data=(4, 5))[0] == [(4, 5), (4,)]
    x = np.random.RandomState(0).randn(4, 5).astype(np.float32)
    label = np.array([0, 4, 2, 2], np.float32)
    grad = mx.nd.zeros((4, 5))
    exe = s.bind(mx.cpu(), {"data": mx.nd.array(x), "softmax_label": mx.nd.array(label)},
                 args_grad={"data": grad}, grad_req={"data": "write", "softmax_label": "null"})
    exe.forward(is_train=True)
    exe.backward()
    expected = _softmax(x)
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), expected, rtol=1e-5)
    expected[np.arange(4), label.astype(int)] -= 1
    np.testing.assert_allclose(grad.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    assert op.seen_out_grad == [] and not op.need_top_grad()


def test_automatic_names_and_prefixes_as_mxnet():
    op = Square()
    with mx.name.NameManager():
        first, second = op(mx.sym.var("x")), op(mx.sym.var("x"))
        assert (first.name, second.name) == ("_ndarray0", "_ndarray1")
    with mx.name.Prefix("net_"):
        assert op(mx.sym.var("x")).name == "net__ndarray0"
        assert op(mx.sym.var("x"), name="sq").name == "net_sq"


def test_deprecated_python_op_with_mxnet_backward_dependencies():
    with pytest.warns(UserWarning, match="NDArrayOp has been deprecated"):
        op = mx.operator.NDArrayOp()
    assert isinstance(op, mx.operator.PythonOp)
    assert op.list_arguments() == ["data"] and op.list_outputs() == ["output"]
    assert op.declare_backward_dependency([10], [20, 21], [30]) == [10, 20, 21, 30]
    loss = NDArraySoftmax()
    assert loss.declare_backward_dependency([10], [20, 21], [30]) == [20, 21, 30]


def test_default_forward_copies_and_default_backward_gives_ones():
    s = mx.operator.NDArrayOp()(mx.sym.var("x"), name="copy")
    x = np.arange(4, dtype=np.float32)
    grad = mx.nd.zeros(4)
    exe = s.bind(mx.cpu(), {"x": mx.nd.array(x)}, args_grad={"x": grad})
    np.testing.assert_array_equal(exe.forward(is_train=True)[0].asnumpy(), x)
    exe.backward(mx.nd.array(np.full(4, 7.0)))
    np.testing.assert_array_equal(grad.asnumpy(), np.ones(4))


def test_an_error_in_forward_names_the_operator():
    class Broken(Square):
        def forward(self, in_data, out_data):
            raise ValueError("broken on purpose")

    s = Broken()(mx.sym.var("x"), name="broken")
    exe = s.bind(mx.cpu(), {"x": mx.nd.ones(2)})
    with pytest.raises(MXNetError, match="failed in forward.*broken on purpose"):
        exe.forward()[0].asnumpy()


def test_ndarray_softmax_trains_in_a_module():
    X, y = make_digits(1000, seed=1)
    Xv, yv = make_digits(200, seed=2)
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, name="fc1", num_hidden=64)
    act1 = mx.sym.Activation(fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(act1, name="fc2", num_hidden=10)
    net = NDArraySoftmax()(data=fc2, name="softmax")
    train = mx.io.NDArrayIter(X, y, batch_size=50, shuffle=True, label_name="softmax_label")
    val = mx.io.NDArrayIter(Xv, yv, batch_size=50, label_name="softmax_label")
    mod = mx.mod.Module(net, context=mx.cpu())
    mx.random.seed(3)
    mod.fit(train, optimizer="sgd", optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
            initializer=mx.init.Xavier(), num_epoch=12)
    prob = mod.predict(val).asnumpy()
    assert np.allclose(prob.sum(axis=1), 1, atol=1e-5)
    assert (prob.argmax(axis=1) == yv).mean() > 0.9
