"""Every optimizer of MXNet 1.9.1 against three steps computed by MXNet itself
(tests/data/optimizers.npz, written by tests/data/make_optimizers.py): weights after each step
and the states at the end, through an Updater as Trainer and Module use it (single weights and
the aggregated multi-weight paths, float16 weights with float32 master copies)."""
import json
import pathlib

import numpy as np
import pytest

import mxnb as mx

FIXTURE = np.load(pathlib.Path(__file__).parent / "data" / "optimizers.npz")
META = json.loads(str(FIXTURE["meta"]))
STEPS = 3


def _flatten(state):
    if state is None:
        return []
    if isinstance(state, (tuple, list)):
        return [x for s in state for x in _flatten(s)]
    return [state.asnumpy()]


def _kwargs(meta):
    kwargs = dict(meta["kwargs"])
    if "param_idx2name" in kwargs:
        kwargs["param_idx2name"] = {int(k): v for k, v in kwargs["param_idx2name"].items()}
    return kwargs


@pytest.mark.parametrize("meta", META, ids=[m["name"] for m in META])
def test_optimizer_matches_mxnet(meta):
    name, count, dtype = meta["name"], meta["count"], meta["dtype"]
    opt = mx.optimizer.create(meta["optimizer"], **_kwargs(meta))
    if name == "sgd_lr_wd_mult":
        opt.set_lr_mult({"a_bias": 2.0, 2: 0.5})
        opt.set_wd_mult({"b_gamma": 3.0})
    updater = mx.optimizer.get_updater(opt)
    weights = [mx.nd.array(FIXTURE["%s/w0_%d" % (name, k)], dtype=dtype) for k in range(count)]
    tol = dict(rtol=2e-3, atol=2e-3) if dtype == "float16" else dict(rtol=1e-5, atol=1e-6)
    for step in range(STEPS):
        grads = [mx.nd.array(FIXTURE["%s/g%d_%d" % (name, step, k)], dtype=dtype)
                 for k in range(count)]
        if count == 1:
            updater(0, grads[0], weights[0])
        else:
            updater(list(range(count)), grads, weights)
        for k in range(count):
            assert weights[k].dtype == np.dtype(dtype)
            np.testing.assert_allclose(weights[k].asnumpy(),
                                       FIXTURE["%s/w%d_%d" % (name, step + 1, k)],
                                       err_msg="%s step %d weight %d" % (name, step + 1, k), **tol)
    for k in range(count):
        states = _flatten(updater.states[k])
        assert len(states) == meta["states"][k], (name, k)
        for j, s in enumerate(states):
            expected = FIXTURE["%s/s%d_%d" % (name, k, j)]
            assert s.dtype == expected.dtype, (name, k, j, s.dtype, expected.dtype)
            np.testing.assert_allclose(s, expected, err_msg="%s state %d.%d" % (name, k, j),
                                       rtol=max(tol["rtol"], 1e-5), atol=max(tol["atol"], 1e-5))


def test_every_mxnet_optimizer_is_registered():
    names = {"sgd", "signum", "ftml", "lars", "lbsgd", "lamb", "dcasgd", "nag", "sgld", "ccsgd",
             "adam", "adagrad", "rmsprop", "adadelta", "ftrl", "adamax", "nadam", "test",
             "groupadagrad", "adamw"}
    assert names <= set(mx.optimizer.Optimizer.opt_registry)
    with pytest.raises(mx.MXNetError, match="sdg"):
        mx.optimizer.create("sdg")


def test_sgld_adds_noise_of_the_right_scale():
    mx.random.seed(3)
    opt = mx.optimizer.SGLD(learning_rate=0.01)
    w = mx.nd.zeros((20000,))
    opt.update(0, w, mx.nd.zeros((20000,)), opt.create_state(0, w))
    assert abs(float(w.asnumpy().std()) - 0.1) < 0.005


def test_group_adagrad_and_adamw():
    opt = mx.optimizer.contrib.GroupAdaGrad(learning_rate=0.1)
    w, g = mx.nd.ones((2, 3)), mx.nd.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    state = opt.create_state(0, w)
    assert state.shape == (2, 1)
    opt.update(0, w, g, state)
    hist = np.array([[14.0 / 3], [0.0]])
    np.testing.assert_allclose(state.asnumpy(), hist, rtol=1e-6)
    np.testing.assert_allclose(w.asnumpy(), 1 - 0.1 * g.asnumpy() / np.sqrt(hist + 1e-5),
                               rtol=1e-5)
    adamw = mx.optimizer.create("adamw", learning_rate=0.1, wd=0.5, correct_bias=False)
    w = mx.nd.ones((3,))
    adamw.update(0, w, mx.nd.array([1.0, -1.0, 0.0]), adamw.create_state(0, w))
    # m = 0.1 g, v = 0.001 g^2: m / (sqrt(v) + eps) = sign(g) * 0.1 / 0.0316...; wd decoupled
    step = 0.1 * np.array([0.1, -0.1, 0.0]) / (np.sqrt([0.001, 0.001, 0.0]) + 1e-6)
    np.testing.assert_allclose(w.asnumpy(), 1 - (step + 0.5), rtol=1e-4)


def test_sym_attributes_give_lr_and_wd_multipliers():
    data = mx.sym.var("data")
    w = mx.sym.var("fc_weight", lr_mult=0.0, wd_mult=2.0)
    net = mx.sym.FullyConnected(data, weight=w, num_hidden=2, name="fc")
    opt = mx.optimizer.SGD(learning_rate=1.0, wd=0.1, sym=net,
                           param_idx2name={0: "fc_weight", 1: "fc_bias"})
    assert opt._get_lr(0) == 0.0 and opt._get_wd(0) == pytest.approx(0.2)
    assert opt._get_lr(1) == 1.0 and opt._get_wd(1) == 0.0   # a bias: no weight decay
