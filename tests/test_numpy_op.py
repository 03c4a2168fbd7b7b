"""mx.operator.NumpyOp (MXNet 1.9.1's deprecated NumPy operator): symbols from get_symbol /
calling the instance, forward and backward on NumPy arrays, several inputs and outputs, shape
inference, loss layers without top gradients, and the defaults (copy forward, ones backward)."""
import warnings

import numpy as np
import pytest

import mxnb as mx


@pytest.fixture(autouse=True)
def _quiet_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class MulSum(mx.operator.NumpyOp):
    """(a * b, sum(a) + sum(b)) from two inputs."""

    def list_arguments(self):
        return ["a", "b"]

    def list_outputs(self):
        return ["prod", "total"]

    def infer_shape(self, in_shape):
        return in_shape, [in_shape[0], [1]]

    def forward(self, in_data, out_data):
        assert all(isinstance(a, np.ndarray) for a in in_data + out_data)
        out_data[0][:] = in_data[0] * in_data[1]
        out_data[1][:] = in_data[0].sum() + in_data[1].sum()

    def backward(self, out_grad, in_data, out_data, in_grad):
        in_grad[0][:] = out_grad[0] * in_data[1] + out_grad[1]
        in_grad[1][:] = out_grad[0] * in_data[0] + out_grad[1]


class Square(mx.operator.NumpyOp):
    """A loss layer: no top gradient."""

    def __init__(self):
        super().__init__(need_top_grad=False)
        self.seen_out_grad = None

    def forward(self, in_data, out_data):
        out_data[0][:] = in_data[0] ** 2

    def backward(self, out_grad, in_data, out_data, in_grad):
        self.seen_out_grad = out_grad
        in_grad[0][:] = 2 * in_data[0]


def test_default_numpy_op_copies_forward_and_gives_ones_backward():
    x = mx.sym.Variable("X")
    s = mx.operator.NumpyOp().get_symbol(x, name="numpy_op")
    data = np.arange(5, dtype=np.float32) * 3
    grad = mx.nd.zeros(5)
    exe = s.bind(mx.cpu(), args=[mx.nd.array(data)], args_grad={"X": grad})
    exe.forward(is_train=True)
    np.testing.assert_array_equal(exe.outputs[0].asnumpy(), data)
    exe.backward(mx.nd.array(np.full(5, 7.0)))
    np.testing.assert_array_equal(grad.asnumpy(), np.ones(5))     # MXNet's default backward


def test_two_inputs_two_outputs_forward_backward_and_shapes():
    op = MulSum()
    s = op(mx.sym.var("x"), mx.sym.var("y"), name="ms")
    assert s.list_arguments() == ["x", "y"]
    assert s.list_outputs() == ["ms_prod", "ms_total"]
    _, out_shapes, _ = s.infer_shape(x=(2, 3), y=(2, 3))
    assert out_shapes == [(2, 3), (1,)]
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


def test_loss_layer_gets_no_top_gradient():
    op = Square()
    s = op.get_symbol(mx.sym.var("z"), name="loss")
    z = np.array([1.0, -2.0, 3.0], np.float32)
    grad = mx.nd.zeros(3)
    exe = s.bind(mx.cpu(), args={"z": mx.nd.array(z)}, args_grad={"z": grad})
    exe.forward(is_train=True)
    exe.backward()
    np.testing.assert_allclose(exe.outputs[0].asnumpy(), z ** 2)
    np.testing.assert_allclose(grad.asnumpy(), 2 * z)
    assert op.seen_out_grad == []
    assert not op.need_top_grad()


def test_numpy_op_is_a_deprecated_python_op():
    with pytest.warns(UserWarning, match="NumpyOp has been deprecated"):
        op = mx.operator.NumpyOp()
    assert isinstance(op, mx.operator.PythonOp)
    with pytest.raises(NotImplementedError):
        mx.operator.PythonOp().get_symbol(mx.sym.var("x"))


def test_one_instance_gives_several_symbols():
    op = MulSum()
    first = op(mx.sym.var("a1"), mx.sym.var("b1"), name="first")
    second = op(mx.sym.var("a2"), mx.sym.var("b2"), name="second")
    ones = mx.nd.ones((2,))
    out1 = first.eval(a1=ones, b1=ones * 2)
    out2 = second.eval(a2=ones * 3, b2=ones)
    np.testing.assert_allclose(out1[0].asnumpy(), [2, 2])
    np.testing.assert_allclose(out2[1].asnumpy(), [8])
