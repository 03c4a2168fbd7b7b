"""Block / HybridBlock: naming, children, hooks, deferred init, hybridize equivalence."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError
from mxnb.gluon import nn

from .common import fill_params


def _relu(x):
    return np.maximum(x, 0)


class MyDense(gluon.HybridBlock):
    """MXNet's custom-layer example: a weight of unknown input size, used through F."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            # As in the brief's MyDense: no allow_deferred_init; block parameters may defer.
            self.weight = self.params.get("weight", shape=(units, 0))
            self.bias = self.params.get("bias", shape=(units,), init="zeros")

    def hybrid_forward(self, F, x, weight, bias):
        return F.FullyConnected(x, weight, bias, num_hidden=self.weight.shape[0])


class TwoBranch(gluon.HybridBlock):
    """Two inputs, two outputs: exercises flattening of nested inputs and outputs."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.a = nn.Dense(3, in_units=4)
            self.b = nn.Dense(2, in_units=5)

    def hybrid_forward(self, F, x, y):
        return self.a(x), F.relu(self.b(y))


def test_automatic_names_follow_mxnet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(3), nn.Dense(4), nn.Conv2D(2, 3), nn.Activation("relu"))
    prefix = net.prefix
    assert prefix.startswith("hybridsequential") and prefix.endswith("_")
    assert [b.prefix for b in net] == [prefix + "dense0_", prefix + "dense1_", prefix + "conv0_",
                                       prefix + "relu0_"]
    assert net[0].name == prefix + "dense0"
    assert list(net[0].params.keys()) == [prefix + "dense0_weight", prefix + "dense0_bias"]
    explicit = nn.Dense(2, prefix="head_")
    assert explicit.weight.name == "head_weight"


def test_collect_params_select_regex():
    net = nn.HybridSequential(prefix="net_")
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.Dense(4, in_units=3))
    assert list(net.collect_params(".*weight").keys()) == ["net_dense0_weight", "net_dense1_weight"]
    assert list(net.collect_params("net_dense1_.*").keys()) == ["net_dense1_weight",
                                                               "net_dense1_bias"]
    assert len(net.collect_params()) == 4


def test_attribute_assignment_registers_children_and_params():
    class Net(gluon.Block):
        def __init__(self):
            super().__init__(prefix="n_")
            with self.name_scope():
                self.fc = nn.Dense(2, in_units=3)
                self.scale = self.params.get("scale", shape=(1,))

        def forward(self, x):
            return self.fc(x) * self.scale.data()

    net = Net()
    assert list(net._children) == ["fc"]
    assert set(net.collect_params().keys()) == {"n_dense0_weight", "n_dense0_bias", "n_scale"}
    assert set(net._collect_params_with_prefix()) == {"fc.weight", "fc.bias", "scale"}
    with pytest.raises(MXNetError, match="Changing attribute type"):
        net.fc = 3


def test_hybrid_block_rejects_plain_block_child():
    net = nn.HybridSequential()
    with pytest.raises(MXNetError, match="HybridBlock"):
        net.add(nn.Lambda(lambda x: x))


def test_forward_hooks_run_and_detach():
    net = nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    seen = []
    pre = net.register_forward_pre_hook(lambda blk, args: seen.append(("pre", args[0].shape)))
    post = net.register_forward_hook(lambda blk, args, out: seen.append(("post", out.shape)))
    net(nd.ones((4, 3)))
    assert seen == [("pre", (4, 3)), ("post", (4, 2))]
    pre.detach()
    post.detach()
    net(nd.ones((4, 3)))
    assert len(seen) == 2


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_init_dense(hybridize):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(5, activation="relu"), nn.Dense(3))
    net.initialize(mx.init.One())
    if hybridize:
        net.hybridize()
    x = np.random.RandomState(0).randn(2, 7).astype(np.float32)
    out = net(nd.array(x))
    assert net[0].weight.shape == (5, 7) and net[1].weight.shape == (3, 5)
    expected = _relu(x @ np.ones((7, 5))) @ np.ones((5, 3))
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("hybridize", [False, True])
def test_deferred_init_custom_block(hybridize):
    net = MyDense(4)
    net.initialize(mx.init.One())
    if hybridize:
        net.hybridize()
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = net(nd.array(x))
    assert net.weight.shape == (4, 3)
    np.testing.assert_allclose(out.asnumpy(), x @ np.ones((3, 4)), rtol=1e-6)


def test_hybridized_outputs_and_gradients_match_imperative():
    def build():
        net = nn.HybridSequential(prefix="m_")
        with net.name_scope():
            net.add(nn.Dense(6, activation="tanh", in_units=4), nn.Dense(6, activation="relu"),
                    nn.Dense(2))
        net.initialize()
        net(nd.zeros((1, 4)))
        fill_params(net, seed=3)
        return net

    x = nd.array(np.random.RandomState(1).randn(5, 4))
    results = []
    for hybridize in (False, True):
        net = build()
        if hybridize:
            net.hybridize()
        for _ in range(2):  # the second call runs the cached graph
            with autograd.record():
                out = net(x)
                loss = (out * out).sum()
            loss.backward()
        grads = {k[len("m_"):]: p.grad().asnumpy() for k, p in net.collect_params().items()}
        results.append((out.asnumpy(), grads))
    (out_i, grads_i), (out_h, grads_h) = results
    np.testing.assert_allclose(out_h, out_i, rtol=1e-5, atol=1e-6)
    assert grads_i.keys() == grads_h.keys()
    for key in grads_i:
        np.testing.assert_allclose(grads_h[key], grads_i[key], rtol=1e-4, atol=1e-6)
    assert any(np.abs(g).sum() > 0 for g in grads_i.values())


class _SameOutputTwice(gluon.HybridBlock):
    """Returns one value twice, as recurrent cells return their output and new state."""

    def hybrid_forward(self, F, x):
        y = F.tanh(x)
        return y, y


@pytest.mark.parametrize("heads", ["first", "both", "combined"])
def test_hybridized_output_returned_twice_gets_both_gradients(heads):
    # MXNet 1.9.1's hybridized block: d tanh = 1 - tanh(1)^2 = 0.41997 per use of the output
    derivative = 1 - np.tanh(1.0) ** 2
    expected = {"first": derivative, "both": 2 * derivative, "combined": 3 * derivative}[heads]
    net = _SameOutputTwice()
    net.hybridize()
    x = nd.ones((3,))
    x.attach_grad()
    for _ in range(2):      # the second call runs the cached program
        with autograd.record():
            a, b = net(x)
            head = a + 2 * b if heads == "combined" else None
        if heads == "first":
            a.backward()
        elif heads == "both":
            autograd.backward([a, b])
        else:
            head.backward()
        np.testing.assert_allclose(x.grad.asnumpy(), np.full(3, expected), rtol=1e-6)


def test_nested_inputs_and_outputs_hybridized():
    net = TwoBranch(prefix="tb_")
    net.initialize()
    fill_params(net, seed=2)
    x = nd.array(np.random.RandomState(0).randn(2, 4))
    y = nd.array(np.random.RandomState(1).randn(2, 5))
    a0, b0 = net(x, y)
    net.hybridize()
    a1, b1 = net(x, y)
    np.testing.assert_allclose(a1.asnumpy(), a0.asnumpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b1.asnumpy(), b0.asnumpy(), rtol=1e-5, atol=1e-6)
    w = net.b.weight.data().asnumpy()
    np.testing.assert_allclose(b1.asnumpy(), _relu(y.asnumpy() @ w.T + net.b.bias.data().asnumpy()),
                               rtol=1e-5, atol=1e-6)


def test_hybridized_block_sees_new_batch_sizes():
    net = nn.Dense(3, in_units=2)
    net.initialize(mx.init.One())
    net.hybridize()
    for n in (1, 4, 7):
        assert net(nd.ones((n, 2))).shape == (n, 3)


def test_symbol_input_gives_symbol():
    net = nn.HybridSequential(prefix="s_")
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.Activation("relu"))
    out = net(mx.sym.var("data"))
    assert "s_dense0_weight" in out.list_arguments()
    arg_shapes, out_shapes, _ = out.infer_shape(data=(5, 2))
    assert out_shapes == [(5, 3)]


def test_infer_shape_fills_parameter_shapes():
    net = nn.Dense(4)
    net.infer_shape(nd.zeros((3, 9)))
    assert net.weight.shape == (4, 9)


def test_repr_like_mxnet():
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, in_units=2, activation="relu"), nn.Dense(3))
    text = repr(net)
    assert text.startswith("HybridSequential(\n")
    assert "(0): Dense(2 -> 4, Activation(relu))" in text
    assert "(1): Dense(None -> 3, linear)" in text


def test_summary_prints_table(capsys):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Dense(4, in_units=3), nn.Dense(2, in_units=4))
    net.initialize()
    net.summary(nd.zeros((5, 3)))
    text = capsys.readouterr().out
    assert "Layer (type)" in text and "Dense-1" in text and "Dense-2" in text
    assert "Total params: %d" % (3 * 4 + 4 + 4 * 2 + 2) in text
    assert "(5, 2)" in text


def test_sequential_slicing_and_len():
    net = nn.Sequential()
    with net.name_scope():
        net.add(nn.Dense(3, in_units=2), nn.Dense(4, in_units=3), nn.Dense(5, in_units=4))
    assert len(net) == 3
    head = net[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2
    assert head[1] is net[1]
    net.initialize(mx.init.One())
    assert head(nd.ones((1, 2))).shape == (1, 4)


def test_cast_block_to_float64():
    net = nn.Dense(2, in_units=3)
    net.initialize(mx.init.One())
    net.cast("float64")
    out = net(nd.ones((1, 3), dtype="float64"))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.asnumpy(), [[3.0, 3.0]])


# --- MXNet's exception types and warnings --------------------------------------------------------
def test_replacing_a_block_attribute_by_another_type_is_a_type_error():
    net = gluon.Block()
    net.child = gluon.Block()
    with pytest.raises(TypeError, match="Changing attribute type") as info:
        net.child = (2,)
    assert isinstance(info.value, MXNetError)
    net.weight = gluon.Parameter("w", shape=(1,))
    with pytest.raises(TypeError, match="from Parameter to Block"):
        net.weight = gluon.Block()


def test_summary_of_a_hybridized_block_is_an_assertion_error():
    net = nn.HybridSequential()
    net.add(nn.Dense(2, in_units=3))
    net.initialize()
    net.hybridize()
    with pytest.raises(AssertionError, match="must not be hybridized") as info:
        net.summary(nd.zeros((1, 3)))
    assert isinstance(info.value, MXNetError)


class _Holder(gluon.Block):
    """A block keeping `value` as a plain attribute (not a registered child)."""

    def __init__(self, value, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.layers = value


def _container_warnings(value):
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _Holder(value).collect_params()
    return [w for w in caught if "unregistered container" in str(w.message)]


@pytest.mark.parametrize("make", [
    lambda: [nn.Dense(3), nn.Dense(4)],
    lambda: {"a": [nn.Dense(2), nn.Dense(2)]},
    lambda: ({"deep": (1, [nn.Dense(2)])},),
], ids=["list", "dict-of-list", "nested"])
def test_unregistered_blocks_in_a_container_warn_once(make):
    caught = _container_warnings(make())
    assert len(caught) == 1
    assert caught[0].category is UserWarning
    assert "_Holder.layers" in str(caught[0].message)


def test_containers_without_blocks_and_sequentials_do_not_warn():
    assert _container_warnings({"a": "4", "b": 123}) == []
    seq = nn.Sequential()
    seq.add(nn.Dense(2), nn.Dense(3))
    assert _container_warnings(seq) == []


def test_a_container_of_registered_children_does_not_warn():
    import warnings

    class Net(gluon.Block):
        def __init__(self):
            super().__init__()
            with self.name_scope():
                self.a, self.b = nn.Dense(2), nn.Dense(3)
            self.both = [self.a, self.b]      # the same blocks, registered as children

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Net().collect_params()
    assert [w for w in caught if "unregistered container" in str(w.message)] == []
