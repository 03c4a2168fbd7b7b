"""The programs of MXNet's introductions, as written for MXNet 1.x, with only the import changed.

The digits here are synthetic (ten noisy prototypes of 28x28 images), so the tests need no
download; benchmarks/ trains the same models on the real MNIST digits.
"""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon
from mxnb.gluon import nn


def synthetic_digits(n=600, seed=0):
    rng = np.random.RandomState(seed)
    prototypes = rng.uniform(0, 1, (10, 784)) > 0.7
    labels = rng.randint(0, 10, n)
    images = prototypes[labels] * 0.8 + rng.uniform(0, 0.4, (n, 784))
    return images.astype(np.float32), labels.astype(np.float32)


def test_symbolic_mlp_trained_with_an_executor_and_manual_updates():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name="relu2", act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name="fc3", num_hidden=10)
    mlp = mx.sym.SoftmaxOutput(data=fc3, name="softmax")

    images, labels = synthetic_digits()
    batch_size = 50
    train_iter = mx.io.NDArrayIter(images[:500], labels[:500], batch_size, shuffle=True)
    exe = mlp.simple_bind(ctx=mx.cpu(), data=(batch_size, 784))
    for name, arr in exe.arg_dict.items():
        if name not in ("data", "softmax_label"):
            arr[:] = mx.nd.random.uniform(-0.07, 0.07, arr.shape)
    lr = 0.1
    for epoch in range(5):
        train_iter.reset()
        for batch in train_iter:
            exe.arg_dict["data"][:] = batch.data[0]
            exe.arg_dict["softmax_label"][:] = batch.label[0]
            exe.forward(is_train=True)
            exe.backward()
            for name, weight, grad in zip(mlp.list_arguments(), exe.arg_arrays, exe.grad_arrays):
                if name not in ("data", "softmax_label"):
                    weight[:] = weight - lr * grad / batch_size
    # evaluation through a second executor bound to the first one's parameters
    eval_args = dict(zip(mlp.list_arguments(), exe.arg_arrays))
    eval_args["data"] = mx.nd.array(images[500:])
    eval_args["softmax_label"] = mx.nd.array(labels[500:])
    eval_exe = mlp.bind(ctx=mx.cpu(), args=eval_args)
    prob = eval_exe.forward()[0].asnumpy()
    accuracy = (prob.argmax(axis=1) == labels[500:]).mean()
    assert accuracy > 0.9, accuracy


def test_gluon_linear_regression():
    num_inputs, num_examples = 2, 1000
    true_w, true_b = [2, -3.4], 4.2
    X = nd.random.normal(shape=(num_examples, num_inputs))
    y = true_w[0] * X[:, 0] + true_w[1] * X[:, 1] + true_b
    y += 0.01 * nd.random.normal(shape=y.shape)
    data_iter = gluon.data.DataLoader(gluon.data.ArrayDataset(X, y), batch_size=10, shuffle=True)
    net = gluon.nn.Sequential()
    net.add(gluon.nn.Dense(1))
    net.initialize(mx.init.Normal(sigma=0.01))
    square_loss = gluon.loss.L2Loss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.03})
    for epoch in range(3):
        for data, label in data_iter:
            with autograd.record():
                loss = square_loss(net(data), label)
            loss.backward()
            trainer.step(10)
    dense = net[0]
    np.testing.assert_allclose(dense.weight.data().asnumpy().ravel(), true_w, atol=0.05)
    np.testing.assert_allclose(dense.bias.data().asnumpy(), [true_b], atol=0.05)


def lenet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(channels=8, kernel_size=5, activation="relu"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Flatten(),
                nn.Dense(32, activation="relu"),
                nn.Dense(10))
    return net


def test_gluon_cnn_hybridized_trains_and_matches_imperative():
    images, labels = synthetic_digits(400, seed=1)
    X = nd.array(images.reshape(-1, 1, 28, 28))
    y = nd.array(labels)
    net = lenet()
    net.initialize(mx.init.Xavier())
    imperative = net(X[:8]).asnumpy()
    net.hybridize()
    np.testing.assert_allclose(net(X[:8]).asnumpy(), imperative, rtol=1e-5, atol=1e-6)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1, "momentum": 0.9})
    metric = mx.metric.Accuracy()
    for epoch in range(3):
        metric.reset()
        for i in range(0, 400, 40):
            data, label = X[i:i + 40], y[i:i + 40]
            with autograd.record():
                out = net(data)
                loss = loss_fn(out, label)
            loss.backward()
            trainer.step(data.shape[0])
            metric.update([label], [out])
    assert metric.get()[1] > 0.9, metric.get()


class MyDense(gluon.HybridBlock):
    """The custom layer of MXNet's slides: the input size is left for the first forward to find."""

    def __init__(self, units, in_units=0, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.units = units
            self.weight = self.params.get("weight", shape=(units, in_units), allow_deferred_init=True)
            self.bias = self.params.get("bias", shape=(units,), allow_deferred_init=True)

    def hybrid_forward(self, F, x, weight, bias):
        return F.relu(F.FullyConnected(x, weight, bias, num_hidden=self.units))


@pytest.mark.parametrize("hybridize", [False, True])
def test_custom_hybrid_block_with_deferred_shapes(hybridize):
    net = nn.HybridSequential()
    net.add(MyDense(3), nn.Dense(2))
    net.initialize()
    if hybridize:
        net.hybridize()
    x = nd.random.uniform(shape=(4, 5))
    out = net(x)
    assert out.shape == (4, 2)
    assert net[0].weight.shape == (3, 5)
    w, b = net[0].weight.data().asnumpy(), net[0].bias.data().asnumpy()
    h = np.maximum(x.asnumpy() @ w.T + b, 0)
    expected = h @ net[1].weight.data().asnumpy().T + net[1].bias.data().asnumpy()
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_plot_network_and_print_summary_of_the_mlp(capsys):
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data=data, name="fc1", num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name="relu1", act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name="fc2", num_hidden=10)
    mlp = mx.sym.SoftmaxOutput(data=fc2, name="softmax")
    graph = mx.viz.plot_network(mlp, shape={"data": (1, 784)})
    source = graph.source
    assert "fc1" in source and "relu1" in source and "softmax" in source
    mx.viz.print_summary(mlp, shape={"data": (1, 784)})
    printed = capsys.readouterr().out
    assert "100480" in printed          # fc1: 784*128 + 128
    assert "1290" in printed            # fc2: 128*10 + 10
    assert "Total params: 101770" in printed


def test_export_import_and_save_load_round_trips(tmp_path):
    net = lenet()
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = nd.random.uniform(shape=(2, 1, 28, 28))
    expected = net(x).asnumpy()
    prefix = str(tmp_path / "lenet")
    net.export(prefix, epoch=3)
    loaded = gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"], prefix + "-0003.params")
    np.testing.assert_allclose(loaded(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)

    params = str(tmp_path / "lenet.params")
    net.save_parameters(params)
    other = lenet()
    other.load_parameters(params)
    np.testing.assert_allclose(other(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)

    arrays = {"w": nd.array([[1.0, 2.0]]), "b": nd.array([3], dtype="int32")}
    nd.save(str(tmp_path / "arrays.nd"), arrays)
    back = nd.load(str(tmp_path / "arrays.nd"))
    assert sorted(back) == ["b", "w"] and back["b"].dtype == np.int32
    np.testing.assert_array_equal(back["w"].asnumpy(), [[1.0, 2.0]])
