"""mx.contrib.svrg_optimization: SVRGModule and its optimizers, checked against NumPy.

The model is linear regression, y = x.w + b through FullyConnected + LinearRegressionOutput,
whose gradient (for one batch, summed over it, as the executors give it) is
dW = sum_i (x_i.w + b - y_i) x_i and db = sum_i (x_i.w + b - y_i).
"""
import logging

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.contrib.svrg_optimization.svrg_module import SVRGModule
from mxnb.contrib.svrg_optimization.svrg_optimizer import _AssignmentOptimizer, _SVRGOptimizer

LABEL = "lin_reg_label"


def _data(n=20, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randint(1, 5, (n, 2)).astype(np.float32)
    y = (x.dot([1.0, 2.0]) + 0.5).astype(np.float32)
    return x, y


def _net():
    fc = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=1, name="fc1")
    return mx.sym.LinearRegressionOutput(fc, mx.sym.var(LABEL), name="lro")


def _iter(x, y, batch_size=5):
    return mx.io.NDArrayIter(x, y, batch_size=batch_size, shuffle=False, label_name=LABEL)


def _module(x, y, batch_size=5, context=mx.cpu(), update_freq=2, init=mx.init.One(),
            kvstore="local", optimizer="sgd", optimizer_params=(("learning_rate", 0.01),),
            **kwargs):
    it = _iter(x, y, batch_size)
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], context=context,
                     update_freq=update_freq, **kwargs)
    mod.bind(data_shapes=it.provide_data, label_shapes=it.provide_label)
    mod.init_params(initializer=init)
    mod.init_optimizer(kvstore=kvstore, optimizer=optimizer, optimizer_params=optimizer_params)
    return it, mod


def _grads(x, y, w, b):
    """(dW, db) of the summed squared-error / 2 over the rows of x."""
    err = x.dot(w.ravel()) + b - y
    return err.dot(x)[None, :], np.array([err.sum()])


def _params(mod):
    arg = mod.get_params()[0]
    return arg["fc1_weight"].asnumpy(), arg["fc1_bias"].asnumpy()


# --- the optimizers --------------------------------------------------------------------------
def test_assignment_optimizer_stores_the_pushed_value():
    assign = mx.optimizer.create("_AssignmentOptimizer", learning_rate=0.5, wd=0.1)
    assert isinstance(assign, _AssignmentOptimizer)
    weight = mx.nd.array([1.0, 2.0, 3.0])
    assign.update(0, weight, mx.nd.array([4.0, -5.0, 6.0]), assign.create_state(0, weight))
    np.testing.assert_array_equal(weight.asnumpy(), [4.0, -5.0, 6.0])


def test_svrg_optimizer_sends_full_keys_to_assignment_and_others_to_default():
    svrg = _SVRGOptimizer(default_optimizer="sgd", learning_rate=0.1, momentum=0.9,
                          rescale_grad=0.5, param_idx2name={0: "w", 1: "w_full"})
    assert isinstance(svrg.default_opt, mx.optimizer.SGD)
    assert svrg.default_opt.momentum == 0.9 and svrg.default_opt.lr == 0.1
    assert not hasattr(svrg, "momentum")       # the default optimizer's own argument
    assert svrg.lr == 0.1 and svrg.rescale_grad == 0.5
    w0 = np.array([1.0, -2.0], np.float32)
    g = np.array([0.4, 0.6], np.float32)
    w, w_full = mx.nd.array(w0), mx.nd.array(w0)
    state = svrg.create_state(0, w)
    assert svrg.create_state(1, w_full) is None
    mom, expected = np.zeros(2, np.float32), w0.copy()
    for _ in range(2):
        svrg.update(0, w, mx.nd.array(g), state)
        svrg.update(1, w_full, mx.nd.array(g), None)
        mom = 0.9 * mom - 0.1 * 0.5 * g        # SGD with momentum, rescaled gradient
        expected += mom
    np.testing.assert_allclose(w.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(w_full.asnumpy(), g)


def test_svrg_optimizer_takes_names_as_indices_through_a_kvstore():
    svrg = _SVRGOptimizer(default_optimizer="sgd", learning_rate=1.0,
                          param_idx2name={0: "weight", 1: "weight_full"})
    kv = mx.kv.create("local")
    kv.set_optimizer(svrg)
    kv.init(["weight", "weight_full"], [mx.nd.zeros(3), mx.nd.ones(3)])
    kv.push("weight", [mx.nd.ones(3), mx.nd.ones(3)])
    kv.push("weight_full", [mx.nd.ones(3) * 2, mx.nd.ones(3) * 3])
    out = [mx.nd.zeros(3), mx.nd.zeros(3)]
    kv.pull(["weight", "weight_full"], out=out)
    np.testing.assert_array_equal(out[0].asnumpy(), [-2.0] * 3)    # 0 - 1.0 * (1 + 1)
    np.testing.assert_array_equal(out[1].asnumpy(), [5.0] * 3)     # 2 + 3, assigned


def test_svrg_optimizer_routes_only_the_full_suffix():
    # MXNet 1.9.1 routes any name containing "full" (e.g. a default-named FullyConnected's
    # "fullyconnected0_weight") to the assignment; only "<param>_full" keys are full gradients.
    svrg = _SVRGOptimizer(default_optimizer="sgd", learning_rate=1.0,
                          param_idx2name={0: "fullyconnected0_weight"})
    w = mx.nd.ones(2)
    svrg.update(0, w, mx.nd.ones(2) * 0.25, svrg.create_state(0, w))
    np.testing.assert_array_equal(w.asnumpy(), [0.75, 0.75])


def test_svrg_optimizer_wraps_a_given_optimizer_instance():
    sgd = mx.optimizer.SGD(learning_rate=0.3)
    svrg = mx.optimizer.create("_SVRGOptimizer", default_optimizer=sgd, learning_rate=0.5)
    assert svrg.default_opt is sgd and svrg.lr == 0.5


def test_svrg_optimizer_errors():
    svrg = _SVRGOptimizer(default_optimizer="sgd", param_idx2name={0: "w"})
    with pytest.raises(KeyError) as info:
        svrg.update(3, mx.nd.ones(1), mx.nd.ones(1), None)
    assert isinstance(info.value, MXNetError) and "index 3" in str(info.value)
    with pytest.raises(TypeError) as info:
        _SVRGOptimizer(default_optimizer=3)
    assert isinstance(info.value, MXNetError) and "default_optimizer" in str(info.value)
    with pytest.raises(TypeError):
        mx.optimizer.create("_SVRGOptimizer")       # default_optimizer is required


# --- the module ------------------------------------------------------------------------------
@pytest.mark.parametrize("update_freq,error", [(0, ValueError), (-2, ValueError),
                                               (1.5, TypeError), (None, TypeError),
                                               ("2", TypeError)])
def test_update_freq_must_be_a_positive_int(update_freq, error):
    with pytest.raises(error) as info:
        SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=update_freq)
    assert isinstance(info.value, MXNetError) and "update_freq" in str(info.value)


@pytest.mark.filterwarnings("ignore:Data provided by label_shapes")
def test_bind_and_reshape_cover_the_snapshot_module():
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=1)
    mod.bind(data_shapes=[("data", (5, 2))], label_shapes=[(LABEL, (5,))])
    assert mod.binded and mod._mod_aux.binded
    mod.reshape([("data", (3, 2))], [(LABEL, (3,))])
    assert mod._mod_aux.data_shapes[0].shape == (3, 2)
    predict = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=1)
    predict.bind(data_shapes=[("data", (5, 2))], for_training=False)
    assert predict.binded and not predict._mod_aux.binded


def test_init_optimizer_installs_the_svrg_optimizer():
    x, y = _data(20)
    _, mod = _module(x, y, batch_size=5)
    svrg = mod._optimizer
    assert type(svrg).__name__ == "_SVRGOptimizer"
    assert svrg.rescale_grad == pytest.approx(1 / 5.0)
    assert svrg.idx2name == {0: "fc1_weight", 1: "fc1_bias", 2: "fc1_weight_full",
                             3: "fc1_bias_full"}
    assert len(mod._param_dict) == 1
    for name, value in mod._param_dict[0].items():
        np.testing.assert_array_equal(value.asnumpy(), np.zeros(mod._arg_params[name].shape))


def test_full_grads_are_the_average_of_the_batch_gradients():
    x, y = _data(20)
    it, mod = _module(x, y, batch_size=5)
    w, b = _params(mod)
    mod.update_full_grads(it)
    parts = [_grads(x[i:i + 5], y[i:i + 5], w, b) for i in range(0, 20, 5)]
    np.testing.assert_allclose(mod._param_dict[0]["fc1_weight"].asnumpy(),
                               np.mean([p[0] for p in parts], axis=0), rtol=1e-5)
    np.testing.assert_allclose(mod._param_dict[0]["fc1_bias"].asnumpy(),
                               np.mean([p[1] for p in parts], axis=0), rtol=1e-5)


def test_full_grads_count_a_padded_batch_by_its_data():
    x, y = _data(7)
    it, mod = _module(x, y, batch_size=5)      # batches: rows 0-4, then 5, 6 and padding 0-2
    w, b = _params(mod)
    mod.update_full_grads(it)
    rows = [0, 1, 2, 3, 4, 5, 6, 0, 1, 2]
    expected = _grads(x[rows], y[rows], w, b)[0] / (2 - 3 / 5.0)
    np.testing.assert_allclose(mod._param_dict[0]["fc1_weight"].asnumpy(), expected, rtol=1e-5)


def test_a_second_full_grad_pass_adds_the_previous_average_as_mxnet():
    x, y = _data(20)
    it, mod = _module(x, y, batch_size=5)
    w, b = _params(mod)
    mod.update_full_grads(it)
    mod.update_full_grads(it)
    average = _grads(x, y, w, b)[0] / 4
    np.testing.assert_allclose(mod._param_dict[0]["fc1_weight"].asnumpy(),
                               average + average / 4, rtol=1e-5)


def test_update_applies_the_svrg_rule():
    x, y = _data(20)
    lr, bs = 0.01, 5
    it, mod = _module(x, y, batch_size=bs, optimizer_params=(("learning_rate", lr),))
    w0, b0 = _params(mod)
    mod.update_full_grads(it)
    full_w, full_b = (g / 4 for g in _grads(x, y, w0, b0))
    it.reset()
    batches = iter(it)
    # Step 1: the weights are the snapshot, so the step is the full gradient's.
    mod.forward_backward(next(batches))
    mod.update()
    w1, b1 = w0 - lr / bs * full_w, b0 - lr / bs * full_b
    np.testing.assert_allclose(_params(mod)[0], w1, rtol=1e-5)
    np.testing.assert_allclose(_params(mod)[1], b1, rtol=1e-5)
    # Step 2: g(w1, batch) - g(w0, batch) + full gradient.
    mod.forward_backward(next(batches))
    mod.update()
    xb, yb = x[5:10], y[5:10]
    (gw1, gb1), (gw0, gb0) = _grads(xb, yb, w1, b1), _grads(xb, yb, w0, b0)
    np.testing.assert_allclose(_params(mod)[0], w1 - lr / bs * (gw1 - gw0 + full_w), rtol=1e-5)
    np.testing.assert_allclose(_params(mod)[1], b1 - lr / bs * (gb1 - gb0 + full_b), rtol=1e-5)


def test_svrg_grads_update_rule_in_place():
    cur, snap, full = mx.nd.array([5.0, 1.0]), mx.nd.array([2.0, 3.0]), mx.nd.array([0.5, 0.5])
    out = SVRGModule._svrg_grads_update_rule([cur], [snap], [full])
    assert out[0] is cur
    np.testing.assert_array_equal(cur.asnumpy(), [3.5, -1.5])


def test_training_steps_need_the_snapshot_first():
    x, y = _data(10)
    it, mod = _module(x, y)
    with pytest.raises(AssertionError) as info:
        mod.forward_backward(next(iter(it)))
    assert isinstance(info.value, MXNetError) and "update_full_grads" in str(info.value)


def test_full_grads_need_init_optimizer():
    x, y = _data(10)
    it = _iter(x, y)
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=1)
    mod.bind(it.provide_data, it.provide_label)
    mod.init_params()
    with pytest.raises(MXNetError, match="init_optimizer"):
        mod.update_full_grads(it)


def _fit(x, y, context, kvstore, num_epoch=3, init=mx.init.Zero()):
    it = _iter(x, y, batch_size=6)
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], context=context,
                     update_freq=2)
    mod.fit(it, eval_metric="mse", optimizer="sgd", kvstore=kvstore, initializer=init,
            optimizer_params=(("learning_rate", 0.01), ("momentum", 0.5)), num_epoch=num_epoch)
    return mod


@pytest.mark.parametrize("kvstore", ["local", "device"])
def test_several_contexts_train_as_one(kvstore):
    x, y = _data(24)
    one = _fit(x, y, mx.cpu(), "local")
    two = _fit(x, y, [mx.cpu(0), mx.cpu(1)], kvstore)
    for a, b in zip(_params(one), _params(two)):
        np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-5)
    if kvstore is not None:
        assert two._kvstore is not None
    for ctx in range(2):
        np.testing.assert_allclose(two._param_dict[ctx]["fc1_weight"].asnumpy(),
                                   one._param_dict[0]["fc1_weight"].asnumpy() / 2, rtol=1e-4)


def test_a_kvstore_object_keeps_the_initial_weights():
    # MXNet 1.9.1 pulls the zero '<param>_full' keys into the weights here; we do not.
    x, y = _data(10)
    _, mod = _module(x, y, kvstore=mx.kv.create("local"))
    np.testing.assert_array_equal(_params(mod)[0], [[1.0, 1.0]])
    assert mod._kvstore is not None and mod._update_on_kvstore


def test_accumulate_kvstore_sums_and_shares_the_full_grads():
    x, y = _data(10)
    _, mod = _module(x, y, kvstore=mx.kv.create("local"))
    parts = [mx.nd.ones((1, 2)) * k for k in (1, 2, 3)]
    mod._accumulate_kvstore("fc1_weight", parts)
    np.testing.assert_array_equal(mod._param_dict[0]["fc1_weight"].asnumpy(), [[6.0, 6.0]])


def test_fixed_parameters_stay_fixed():
    x, y = _data(20)
    it, mod = _module(x, y, fixed_param_names=["fc1_bias"])
    mod.set_params({"fc1_weight": mx.nd.ones((1, 2)) * 0.3, "fc1_bias": mx.nd.array([0.3])}, {})
    mod.update_full_grads(it)
    it.reset()
    for batch in it:
        mod.forward_backward(batch)
        mod.update()
    assert _params(mod)[1] == pytest.approx([0.3])
    assert not np.allclose(_params(mod)[0], 0.3)


def test_fit_converges_on_linear_regression(caplog):
    x, y = _data(200, seed=1)
    y = x.dot([1.0, 2.0]).astype(np.float32)
    it = mx.io.NDArrayIter(x, y, batch_size=10, shuffle=True, label_name=LABEL)
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=2)
    metric = mx.metric.create("mse")
    with caplog.at_level(logging.INFO):
        mod.fit(it, eval_metric=metric, optimizer="sgd", initializer=mx.init.Zero(),
                optimizer_params=(("learning_rate", 0.025),), num_epoch=60)
    train_mse = [float(r.getMessage().split("=")[-1]) for r in caplog.records
                 if "Train-mse" in r.getMessage()]
    assert len(train_mse) == 60 and train_mse[-1] < train_mse[0] / 100
    w, b = _params(mod)
    pred = x.dot(w.ravel()) + b
    assert np.mean((pred - y) ** 2) < 1e-3
    np.testing.assert_allclose(w.ravel(), [1.0, 2.0], atol=0.05)


def test_fit_recomputes_full_grads_every_update_freq_epochs(monkeypatch):
    x, y = _data(12)
    it = _iter(x, y, batch_size=4)
    mod = SVRGModule(_net(), data_names=["data"], label_names=[LABEL], update_freq=3)
    calls = []
    original = SVRGModule.update_full_grads
    monkeypatch.setattr(SVRGModule, "update_full_grads",
                        lambda self, data: calls.append(1) or original(self, data))
    epochs = []
    mod.fit(it, eval_metric="mse", num_epoch=7,
            epoch_end_callback=lambda epoch, *args: epochs.append(epoch))
    assert len(calls) == 3          # epochs 0, 3 and 6
    assert epochs == list(range(7))
    with pytest.raises(MXNetError, match="num_epoch"):
        mod.fit(it)
