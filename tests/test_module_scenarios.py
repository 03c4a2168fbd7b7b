"""Module behaviours MXNet's own tests rely on: time-major layouts split along N on several
contexts, input gradients in data_names order, reshape keeping parameters, states set and read
per context, set_params' missing/extra rules, float16 modules, the Monitor's statistics."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd


def _two():
    return [mx.cpu(0), mx.cpu(1)]


def test_time_major_layout_splits_the_batch_axis():
    net = mx.sym.Activation(mx.sym.var("data"), act_type="relu", __layout__="TNC")
    mod = mx.mod.Module(net, ("data",), None, context=_two())
    mod.bind(data_shapes=[mx.io.DataDesc("data", (3, 8, 7), layout="TNC")])
    mod.init_params()
    mod.forward(mx.io.DataBatch(data=[nd.ones((3, 8, 7))], label=None))
    mod.backward([nd.ones((3, 8, 7))])
    assert mod.get_outputs()[0].shape == (3, 8, 7)
    assert [x.shape for x in mod.get_outputs(merge_multi_context=False)[0]] == [(3, 4, 7)] * 2


def test_float16_module():
    net = mx.sym.Activation(mx.sym.var("data"), act_type="relu")
    mod = mx.mod.Module(net, ("data",), None, context=_two())
    mod.bind(data_shapes=[mx.io.DataDesc("data", (4, 5), np.float16)])
    mod.init_params()
    mod.forward(mx.io.DataBatch(data=[nd.ones((4, 5), dtype=np.float16)], label=None))
    mod.backward([nd.ones((4, 5), dtype=np.float16)])
    assert all(x.dtype == np.float16 for x in mod.get_outputs())


def test_input_grads_follow_data_names():
    a, b, c = mx.sym.var("a"), mx.sym.var("b"), mx.sym.var("c")
    mod = mx.mod.Module(a + 2 * b + 3 * c, data_names=["b", "c", "a"], label_names=None,
                        context=_two())
    mod.bind(data_shapes=[["b", (5, 5)], ["c", (5, 5)], ["a", (5, 5)]], inputs_need_grad=True)
    mod.init_params()
    mod.forward(mx.io.DataBatch(data=[nd.ones((5, 5))] * 3))
    mod.backward(out_grads=[nd.ones((5, 5))])
    b_grad, c_grad, a_grad = [g.asnumpy() for g in mod.get_input_grads()]
    assert (a_grad == 1).all() and (b_grad == 2).all() and (c_grad == 3).all()


def test_reshape_keeps_parameters_and_rescaling():
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=20, name="fc")
    mod = mx.mod.Module(net, ("data",), None, context=_two())
    mod.bind(data_shapes=[("data", (7, 20))])
    mod.init_params()
    mod.init_optimizer(optimizer_params={"learning_rate": 1})
    for shape, bias in (((7, 20), -1), ((14, 20), -3)):
        if shape[0] != 7:
            mod.reshape(data_shapes=[("data", shape)])
        mod.forward(mx.io.DataBatch(data=[nd.ones(shape)], label=None))
        mod.backward([nd.ones(shape)])
        mod.update()
        assert mod.get_outputs()[0].shape == shape
        assert (mod.get_params()[0]["fc_bias"].asnumpy() == bias).all()


def test_states_are_set_and_read_per_context():
    stack = mx.rnn.SequentialRNNCell()
    for i in range(2):
        stack.add(mx.rnn.LSTMCell(num_hidden=6, prefix="lstm_l%d_" % i))
    begin_state = stack.begin_state(func=mx.sym.Variable)
    _, states = stack.unroll(3, begin_state=begin_state, inputs=mx.sym.Variable("data"))
    mod = mx.mod.Module(mx.sym.Group(states), context=_two(), label_names=None,
                        state_names=[s.name for s in begin_state])
    mod.bind(data_shapes=[("data", (5, 3, 4))], for_training=False)
    mod.init_params(mx.init.Uniform(0.5))
    batch = mx.io.DataBatch(data=[nd.zeros((5, 3, 4))], label=[])
    mod.set_states(value=1)
    mod.forward(batch)
    per_context = mod.get_outputs(merge_multi_context=False)
    first = mod.get_outputs()
    assert [o.shape for o in per_context[0]] == [(2, 6), (3, 6)]   # round(2.5) == 2, as MXNet splits
    mod.set_states(states=per_context)
    mod.forward(batch)
    second = mod.get_outputs()
    for x1, x2 in zip(first, second):
        assert not mx.test_utils.almost_equal(x1.asnumpy(), x2.asnumpy(), rtol=1e-3)


def _regression_module():
    x = mx.sym.Variable("data")
    x = mx.sym.FullyConnected(name="fc_0", data=x, num_hidden=2)
    x = mx.sym.Activation(name="act_0", data=x, act_type="sigmoid")
    x = mx.sym.FullyConnected(name="fc_1", data=x, num_hidden=2)
    x = mx.sym.Activation(name="act_1", data=x, act_type="sigmoid")
    x = mx.sym.LinearRegressionOutput(data=x, name="softmax", grad_scale=2)
    train = mx.io.NDArrayIter(nd.array([[0.05, .10]]), nd.array([[.01, 0.99]]), batch_size=1)
    mod = mx.mod.Module(x, context=[mx.cpu()])
    mod.bind(train.provide_data, label_shapes=train.provide_label, for_training=True)
    params = {"fc_0_weight": nd.array([[.15, .20], [.25, .30]]), "fc_0_bias": nd.array([.35, .35]),
              "fc_1_weight": nd.array([[.40, .45], [.50, .55]]), "fc_1_bias": nd.array([.60, .60])}
    return mod, train, params


def test_set_params_missing_and_extra_rules():
    mod, _, correct = _regression_module()
    missing = {k: v for k, v in correct.items() if k != "fc_1_bias"}
    extra = dict(correct, fc_2_weight=nd.array([.6, .6]))
    mod.set_params(force_init=True, arg_params=correct, aux_params={})
    mod.set_params(force_init=True, arg_params=missing, aux_params={}, allow_missing=True)
    with pytest.raises(RuntimeError):
        mod.set_params(force_init=True, arg_params=missing, aux_params={}, allow_missing=False)
    mod.set_params(force_init=True, arg_params=extra, aux_params={}, allow_missing=True,
                   allow_extra=True)
    with pytest.raises(ValueError):
        mod.set_params(force_init=True, arg_params=extra, aux_params={}, allow_missing=True,
                       allow_extra=False)
    with pytest.raises(RuntimeError):
        mod.set_params(force_init=True, arg_params={"fc_2_weight": nd.array([.6, .6])},
                       aux_params={}, allow_missing=False)


def test_monitor_statistics_of_a_training_step():
    mod, train, params = _regression_module()

    def mean_abs(x):
        return nd.sum(nd.abs(x)) / float(np.prod(x.shape))
    mon = mx.mon.Monitor(1, stat_func=mean_abs, pattern=".*", sort=True)
    mod.install_monitor(mon)
    mod.init_params(arg_params=params)
    mon.tic()
    mod.forward_backward(next(iter(train)))
    res = mon.toc()
    names = [name for _, name, _ in res]
    assert names == sorted(names)
    forward = ["act_0_output", "act_1_output", "data", "fc_0_bias", "fc_0_output",
               "fc_0_weight", "fc_1_bias", "fc_1_output", "fc_1_weight", "softmax_label",
               "softmax_output"]
    assert [n for n in names if "_backward_" not in n] == forward
    stats = dict((name, value) for _, name, value in res)
    x = np.array([0.05, .10])
    h = 1 / (1 + np.exp(-(params["fc_0_weight"].asnumpy() @ x + .35)))
    assert float(stats["act_0_output"]) == pytest.approx(np.abs(h).mean(), rel=1e-5)


def test_without_a_kvstore_each_context_updates_on_its_own_gradient():
    """kvstore=None: no reduction; each context applies its own half-batch gradient (and
    get_params averages the copies), as MXNet's Module does."""
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=1, name="fc")
    mod = mx.mod.Module(net, ("data",), None, context=_two())
    mod.bind(data_shapes=[("data", (4, 1))])
    mod.init_params(mx.init.Zero())
    mod.init_optimizer(kvstore=None, optimizer_params={"learning_rate": 1.0})
    mod.forward(mx.io.DataBatch(data=[nd.array([[1], [1], [3], [3]])], label=None))
    mod.backward([nd.ones((4, 1))])
    mod.update()
    biases = [e.arg_dict["fc_bias"].asscalar() for e in mod._exec_group.execs]
    weights = [e.arg_dict["fc_weight"].asscalar() for e in mod._exec_group.execs]
    assert biases == [-0.5, -0.5]                  # 2 ones per context, rescaled by 1/4
    assert weights == [-0.5, -1.5]                 # each context's own data
    assert mod.get_params()[0]["fc_weight"].asscalar() == pytest.approx(-1.0)
