"""mx.operator.CustomOp: a softmax written in Python, trained in a Module and in a hybridized
Gluon block; MXNet's calling conventions (string kwargs, create_operator's arguments, req);
and the errors a lying or broken prop gets."""

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon
from mxnb.base import MXNetError
from .digits import make_digits


class Softmax(mx.operator.CustomOp):
    """The softmax-with-loss of MXNet's custom-op tutorial, in NumPy."""

    def forward(self, is_train, req, in_data, out_data, aux):
        x = in_data[0].asnumpy()
        y = np.exp(x - x.max(axis=1).reshape((x.shape[0], 1)))
        y /= y.sum(axis=1).reshape((x.shape[0], 1))
        self.assign(out_data[0], req[0], mx.nd.array(y))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        label = in_data[1].asnumpy().ravel().astype(int)
        y = out_data[0].asnumpy()
        y[np.arange(label.shape[0]), label] -= 1.0
        self.assign(in_grad[0], req[0], mx.nd.array(y))


CREATED = []


@mx.operator.register("mxnb_softmax")
class SoftmaxProp(mx.operator.CustomOpProp):
    def __init__(self, **kwargs):
        super().__init__(need_top_grad=False)
        self.kwargs = kwargs

    def list_arguments(self):
        return ["data", "label"]

    def list_outputs(self):
        return ["output"]

    def infer_shape(self, in_shape):
        data_shape = in_shape[0]
        label_shape = (in_shape[0][0],)
        return [data_shape, label_shape], [data_shape], []

    def create_operator(self, ctx, shapes, dtypes):
        CREATED.append((ctx, shapes, dtypes, dict(self.kwargs)))
        return Softmax()


def _mlp_with_custom_softmax():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, name="fc1", num_hidden=64)
    act1 = mx.sym.Activation(fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(act1, name="fc2", num_hidden=10)
    return mx.sym.Custom(fc2, name="softmax", op_type="mxnb_softmax")


def test_symbol_takes_names_from_the_prop_and_keeps_kwargs_as_strings():
    net = mx.sym.Custom(mx.sym.var("data"), name="sm", op_type="mxnb_softmax", scale=3)
    assert net.list_arguments() == ["data", "sm_label"]
    assert net.list_outputs() == ["sm_output"]
    arg, out, aux = net.infer_shape(data=(4, 10))
    assert arg == [(4, 10), (4,)] and out == [(4, 10)] and aux == []
    loaded = mx.sym.load_json(net.tojson())
    assert loaded.attr_dict()["sm"] == {"op_type": "mxnb_softmax", "scale": "3"}
    del CREATED[:]
    exe = loaded.simple_bind(mx.cpu(), data=(4, 10))
    exe.forward()
    ctx, shapes, dtypes, kwargs = CREATED[-1]
    assert ctx == mx.cpu() and shapes == [[4, 10], [4]] and dtypes == [0, 0]   # MXNet's type flags
    assert kwargs == {"scale": "3"}


def test_imperative_forward_and_autograd_backward():
    x = nd.array(np.random.RandomState(0).randn(5, 10))
    label = nd.array([0, 3, 9, 1, 2])
    x.attach_grad()
    with autograd.record():
        prob = nd.Custom(x, label, op_type="mxnb_softmax")
    prob.backward()
    p = np.exp(x.asnumpy()) / np.exp(x.asnumpy()).sum(1, keepdims=True)
    np.testing.assert_allclose(prob.asnumpy(), p, rtol=1e-5)
    p[np.arange(5), [0, 3, 9, 1, 2]] -= 1
    np.testing.assert_allclose(x.grad.asnumpy(), p, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_custom_softmax_trains_in_a_module():
    X, y = make_digits(1500, seed=1)
    Xv, yv = make_digits(500, seed=2)
    train = mx.io.NDArrayIter(X, y, batch_size=50, shuffle=True, label_name="softmax_label")
    val = mx.io.NDArrayIter(Xv, yv, batch_size=50, label_name="softmax_label")
    mod = mx.mod.Module(_mlp_with_custom_softmax(), context=mx.cpu())
    mod.fit(train, eval_data=val, optimizer="sgd",
            optimizer_params={"learning_rate": 0.1, "momentum": 0.9},
            initializer=mx.init.Xavier(), num_epoch=6)
    (name, acc), = mod.score(val, "acc")
    assert name == "accuracy" and acc > 0.9


class CustomSoftmaxNet(gluon.HybridBlock):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.hidden = gluon.nn.Dense(64, activation="relu")
            self.out = gluon.nn.Dense(10)

    def hybrid_forward(self, F, x, label):
        return F.Custom(self.out(self.hidden(x)), label, op_type="mxnb_softmax")


@pytest.mark.slow
@pytest.mark.parametrize("hybridize", [False, True], ids=["eager", "hybridized"])
def test_custom_softmax_trains_in_a_gluon_block(hybridize):
    mx.random.seed(3)
    X, y = make_digits(1500, seed=3)
    Xv, yv = make_digits(500, seed=4)
    net = CustomSoftmaxNet()
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    for _ in range(6):
        for i in range(0, len(X), 50):
            data, label = nd.array(X[i:i + 50]), nd.array(y[i:i + 50])
            with autograd.record():
                prob = net(data, label)
            prob.backward()
            trainer.step(data.shape[0])
    prob = net(nd.array(Xv), nd.array(yv)).asnumpy()
    assert (prob.argmax(1) == yv).mean() > 0.9


# --- errors ----------------------------------------------------------------------------------------
@mx.operator.register("mxnb_lying_output")
class LyingOutputProp(SoftmaxProp):
    def infer_shape(self, in_shape):
        return [in_shape[0], (in_shape[0][0],)], [(3, 3)], []


@mx.operator.register("mxnb_lying_input")
class LyingInputProp(SoftmaxProp):
    def infer_shape(self, in_shape):
        return [(7, 7), (in_shape[0][0],)], [in_shape[0]], []


@mx.operator.register("mxnb_wrong_count")
class WrongCountProp(SoftmaxProp):
    def infer_shape(self, in_shape):
        return [in_shape[0]], [in_shape[0]], []


def test_an_infer_shape_that_lies_about_the_output_names_op_type_and_shapes():
    x, label = nd.ones((4, 10)), nd.zeros((4,))
    with pytest.raises(MXNetError, match=r"mxnb_lying_output.*\(3, 3\).*\(4, 10\)"):
        nd.Custom(x, label, op_type="mxnb_lying_output")
    net = mx.sym.Custom(mx.sym.var("data"), op_type="mxnb_lying_output", name="lie")
    exe = net.simple_bind(mx.cpu(), data=(4, 10))
    with pytest.raises(MXNetError, match=r"mxnb_lying_output.*\(3, 3\)"):
        exe.forward()


def test_an_infer_shape_that_lies_about_an_input_names_op_type_and_shapes():
    net = mx.sym.Custom(mx.sym.var("data"), op_type="mxnb_lying_input", name="lie")
    with pytest.raises(MXNetError, match=r"mxnb_lying_input.*\(7, 7\).*'data'.*\(4, 10\)"):
        net.infer_shape(data=(4, 10))


def test_infer_shape_with_the_wrong_number_of_entries():
    with pytest.raises(MXNetError, match=r"mxnb_wrong_count.*1 input shapes for the 2 arguments"):
        nd.Custom(nd.ones((2, 3)), nd.zeros((2,)), op_type="mxnb_wrong_count")


def test_unregistered_op_type_and_a_registered_non_prop():
    with pytest.raises(MXNetError, match="no operator is registered with op_type 'nope'"):
        nd.Custom(nd.ones((2, 2)), op_type="nope")
    with pytest.raises(MXNetError, match="CustomOpProp subclass"):
        mx.operator.register("bad")(object)


def test_operator_introspection():
    args = mx.operator.get_operator_arguments("FullyConnected")
    assert args.names[:3] == ["data", "weight", "bias"]
    assert "num_hidden" in args.names
    assert args.types[args.names.index("num_hidden")] == "int, required"
    assert "Custom" in mx.operator.get_all_registered_operators()


def test_test_utils_checks_work_on_custom_symbols():
    from mxnb.test_utils import (check_numeric_gradient, check_symbolic_forward,
                                 check_symbolic_backward)
    from .ops import test_custom  # noqa: F401  (registers mxnb_test_scaled_product)
    net = mx.sym.Custom(mx.sym.var("x"), mx.sym.var("y"), op_type="mxnb_test_scaled_product",
                        alpha=2.0)
    rng = np.random.RandomState(0)
    x, y = rng.rand(3, 4), rng.rand(3, 4)
    check_numeric_gradient(net, [x, y])
    check_symbolic_forward(net, [x, y], [2 * x * y + x])
    check_symbolic_backward(net, [x, y], [np.ones((3, 4))], [2 * y + 1, 2 * x])


class _Ones(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        self.assign(out_data[0], req[0], 1)


@mx.operator.register("mxnb_no_input")
class NoInputProp(mx.operator.CustomOpProp):
    def __init__(self, length, depth):
        super().__init__(need_top_grad=False)
        self.shape = (int(length), int(depth))

    def list_arguments(self):
        return []

    def infer_shape(self, in_shape):
        return [], [self.shape], []

    def infer_type(self, in_type):
        return [], [np.float64], []

    def create_operator(self, ctx, shapes, dtypes):
        return _Ones()


class _Broken(mx.operator.CustomOp):
    def forward(self, is_train, req, in_data, out_data, aux):
        raise ValueError("the kernel is broken")


@mx.operator.register("mxnb_broken")
class BrokenProp(mx.operator.CustomOpProp):
    def create_operator(self, ctx, shapes, dtypes):
        return _Broken()


def test_an_operator_without_inputs_and_a_failing_one():
    x = nd.Custom(length=4, depth=3, op_type="mxnb_no_input")
    assert x.shape == (4, 3) and x.dtype == np.float64 and x.asnumpy().sum() == 12
    net = mx.sym.Custom(length=2, depth=5, op_type="mxnb_no_input", name="ones")
    assert net.list_arguments() == [] and net.infer_shape() == ([], [(2, 5)], [])
    assert net.eval(ctx=mx.cpu())[0].shape == (2, 5)
    with pytest.raises(MXNetError, match=r"'mxnb_broken' failed in forward.*\(2, 2\).*ValueError: the kernel is broken"):
        nd.Custom(nd.ones((2, 2)), op_type="mxnb_broken")
