"""Optimizers against NumPy references of MXNet 1.x's update formulas."""
import math

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

W0 = np.array([0.5, -1.2, 2.0, 0.1], dtype=np.float32)
G0 = np.array([0.3, 4.0, -6.0, 0.05], dtype=np.float32)


def run(opt, steps=3, w0=W0):
    w = mx.nd.array(w0)
    state = opt.create_state(0, w)
    for step in range(steps):
        opt.update(0, w, mx.nd.array(G0 * (step + 1)), state)
    return w.asnumpy(), state


def grads(steps=3):
    return [G0.astype(np.float64) * (s + 1) for s in range(steps)]


def test_sgd_plain_matches_reference():
    opt = mx.optimizer.create("sgd", learning_rate=0.1, wd=0.01, rescale_grad=0.5)
    w, state = run(opt)
    ref = W0.astype(np.float64)
    for g in grads():
        ref = (1 - 0.1 * 0.01) * ref - 0.1 * (0.5 * g)
    assert state is None
    np.testing.assert_allclose(w, ref, rtol=1e-5)


def test_sgd_momentum_clip_matches_reference():
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, wd=0.01, rescale_grad=0.5,
                           clip_gradient=1.0)
    w, mom = run(opt)
    ref, ref_mom = W0.astype(np.float64), np.zeros(4)
    for g in grads():
        ref_mom = 0.9 * ref_mom - 0.1 * 0.01 * ref - 0.1 * np.clip(0.5 * g, -1, 1)
        ref = ref + ref_mom
    np.testing.assert_allclose(w, ref, rtol=1e-5)
    np.testing.assert_allclose(mom.asnumpy(), ref_mom, rtol=1e-5)


def test_adam_bias_correction_in_learning_rate():
    opt = mx.optimizer.create("Adam", learning_rate=0.1, wd=0.01, rescale_grad=0.5,
                              clip_gradient=1.0)
    w, (mean, var) = run(opt)
    ref, m, v = W0.astype(np.float64), np.zeros(4), np.zeros(4)
    for t, g in enumerate(grads(), start=1):
        g = np.clip(0.5 * g + 0.01 * ref, -1, 1)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        lr = 0.1 * math.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t)
        ref = ref - lr * m / (np.sqrt(v) + 1e-8)
    np.testing.assert_allclose(w, ref, rtol=2e-5)
    np.testing.assert_allclose(mean.asnumpy(), m, rtol=2e-5)
    np.testing.assert_allclose(var.asnumpy(), v, rtol=2e-5)
    assert opt._index_update_count[0] == 3


def test_nag_matches_mxnet_kernel():
    opt = mx.optimizer.NAG(learning_rate=0.1, momentum=0.9, wd=0.01, rescale_grad=0.5,
                           clip_gradient=1.0)
    w, mom = run(opt)
    ref, m = W0.astype(np.float64), np.zeros(4)
    for g in grads():
        g = np.clip(0.5 * g, -1, 1)
        m = 0.9 * m
        ref = ref - m + 1.9 * (m - 0.1 * (g + 0.01 * ref))
        m = m - 0.1 * (g + 0.01 * ref)  # MXNet's kernel reads the weight it just wrote
    np.testing.assert_allclose(w, ref, rtol=1e-5)
    np.testing.assert_allclose(mom.asnumpy(), m, rtol=1e-5)


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop(centered):
    opt = mx.optimizer.RMSProp(learning_rate=0.1, wd=0.01, rescale_grad=0.5, clip_gradient=1.0,
                               centered=centered, clip_weights=1.5)
    w, state = run(opt)
    ref, n, mg, delta = W0.astype(np.float64), np.zeros(4), np.zeros(4), np.zeros(4)
    for g in grads():
        g = np.clip(0.5 * g + 0.01 * ref, -1, 1)
        n = 0.1 * g * g + 0.9 * n
        if centered:
            mg = 0.1 * g + 0.9 * mg
            delta = 0.9 * delta - 0.1 * g / np.sqrt(n - mg * mg + 1e-8)
            ref = ref + delta
        else:
            ref = ref - 0.1 * g / np.sqrt(n + 1e-8)
        ref = np.clip(ref, -1.5, 1.5)
    np.testing.assert_allclose(w, ref, rtol=1e-5)
    assert len(state) == (3 if centered else 1)
    np.testing.assert_allclose(state[0].asnumpy(), n, rtol=1e-5)


def test_adagrad():
    opt = mx.optimizer.create("adagrad", learning_rate=0.1, wd=0.01, rescale_grad=0.5,
                              clip_gradient=1.0)
    w, history = run(opt)
    ref, h = W0.astype(np.float64), np.zeros(4)
    for g in grads():
        g = np.clip(0.5 * g, -1, 1)
        h = h + g * g
        ref = ref - 0.1 * (g / np.sqrt(h + 1e-7) + 0.01 * ref)
    np.testing.assert_allclose(w, ref, rtol=1e-5)
    np.testing.assert_allclose(history.asnumpy(), h, rtol=1e-5)


def test_registry_is_case_insensitive_and_reports_unknown_names():
    assert type(mx.optimizer.create("SgD")) is mx.optimizer.SGD
    assert type(mx.optimizer.Optimizer.create_optimizer("nag")) is mx.optimizer.NAG
    with pytest.raises(ValueError, match="Cannot find optimizer nosuch"):
        mx.optimizer.create("nosuch")


def test_register_custom_optimizer():
    @mx.optimizer.Optimizer.register
    class HalfStep(mx.optimizer.Optimizer):
        def update(self, index, weight, grad, state):
            weight[:] = weight.asnumpy() - 0.5 * grad.asnumpy()

    opt = mx.optimizer.create("halfstep")
    w = mx.nd.array([1.0, 2.0])
    opt.update(0, w, mx.nd.array([2.0, 2.0]), None)
    np.testing.assert_allclose(w.asnumpy(), [0.0, 1.0])
    del mx.optimizer.Optimizer.opt_registry["halfstep"]


class FakeParam:
    def __init__(self, lr_mult, wd_mult):
        self.lr_mult, self.wd_mult = lr_mult, wd_mult


def test_lr_and_wd_multipliers():
    opt = mx.optimizer.SGD(learning_rate=1.0, wd=0.1, param_idx2name={0: "fc_weight", 1: "fc_bias"},
                           param_dict={2: FakeParam(0.5, 3.0)})
    assert opt._get_wd(0) == pytest.approx(0.1)
    assert opt._get_wd(1) == 0.0  # named non-weights get no decay
    assert opt._get_lr(2) == pytest.approx(0.5) and opt._get_wd(2) == pytest.approx(0.3)
    opt.set_lr_mult({"fc_weight": 0.1})
    assert opt._get_lr(0) == pytest.approx(0.1)
    w = mx.nd.array([1.0])
    opt.update(2, w, mx.nd.array([1.0]), None)
    np.testing.assert_allclose(w.asnumpy(), [1.0 - 0.5 * (1.0 + 0.3 * 1.0)], rtol=1e-6)


def test_list_update_equals_separate_updates():
    a = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    b = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9)
    ws_a = [mx.nd.array(W0), mx.nd.array(W0 * 2)]
    ws_b = [mx.nd.array(W0), mx.nd.array(W0 * 2)]
    states_a = [a.create_state(i, w) for i, w in enumerate(ws_a)]
    states_b = [b.create_state(i, w) for i, w in enumerate(ws_b)]
    for _ in range(2):
        gs = [mx.nd.array(G0), mx.nd.array(-G0)]
        a.update([0, 1], ws_a, gs, states_a)
        for i in range(2):
            b.update(i, ws_b[i], gs[i], states_b[i])
    for wa, wb in zip(ws_a, ws_b):
        np.testing.assert_array_equal(wa.asnumpy(), wb.asnumpy())
    assert a.num_update == b.num_update == 2


def test_multi_precision_keeps_float32_master_copy():
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, multi_precision=True)
    w = mx.nd.array(W0, dtype="float16")
    state = opt.create_state_multi_precision(0, w)
    mom, master = state
    assert master.dtype == np.float32 and mom.dtype == np.float32
    opt.update_multi_precision(0, w, mx.nd.array(G0, dtype="float16"), state)
    ref = W0.astype(np.float16).astype(np.float64) - 0.1 * G0.astype(np.float16).astype(np.float64)
    np.testing.assert_allclose(master.asnumpy(), ref, rtol=1e-6)
    assert w.dtype == np.float16
    np.testing.assert_array_equal(w.asnumpy(), master.asnumpy().astype(np.float16))


def test_float16_without_multi_precision_warns():
    opt = mx.optimizer.Adam()
    with pytest.warns(UserWarning, match="multi_precision"):
        opt.create_state_multi_precision(0, mx.nd.array(W0, dtype="float16"))


def test_learning_rate_property_and_scheduler():
    opt = mx.optimizer.SGD(learning_rate=0.5)
    assert opt.learning_rate == 0.5
    opt.set_learning_rate(0.25)
    assert opt.learning_rate == 0.25
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    w = mx.nd.array([0.0])
    lrs = []
    for _ in range(5):
        before = w.asnumpy()[0]
        opt.update(0, w, mx.nd.array([1.0]), None)
        lrs.append(before - w.asnumpy()[0])
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.5, 0.5, 0.25], rtol=1e-6)
    with pytest.raises(UserWarning):
        opt.set_learning_rate(0.1)


def test_wrong_argument_types_raise_mxnet_error():
    opt = mx.optimizer.SGD()
    with pytest.raises(MXNetError, match="NDArray weight"):
        opt.update(0, W0, mx.nd.array(G0), None)
    with pytest.raises(MXNetError, match="param_idx2name"):
        mx.optimizer.SGD(param_idx2name=["a"])


def test_updater_states_roundtrip_without_pickle():
    opt = mx.optimizer.Adam(learning_rate=0.01)
    updater = mx.optimizer.get_updater(opt)
    w = mx.nd.array(W0)
    for _ in range(2):
        updater(0, mx.nd.array(G0), w)
    blob = updater.get_states(dump_optimizer=True)
    assert isinstance(blob, bytes) and b"pickle" not in blob[:16]

    restored = mx.optimizer.get_updater(mx.optimizer.SGD())
    restored.set_states(blob)
    assert isinstance(restored.optimizer, mx.optimizer.Adam)
    assert restored.optimizer.lr == 0.01 and restored.optimizer._index_update_count == {0: 2}
    mean, var = restored.states[0]
    np.testing.assert_array_equal(mean.asnumpy(), updater.states[0][0].asnumpy())

    w2 = w.copy()
    updater(0, mx.nd.array(G0), w)
    restored(0, mx.nd.array(G0), w2)
    np.testing.assert_array_equal(w.asnumpy(), w2.asnumpy())


def test_updater_states_only_and_bad_bytes():
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
    updater(3, mx.nd.array(G0), mx.nd.array(W0))
    updater("fc_bias", mx.nd.array(G0), mx.nd.array(W0))
    other = mx.optimizer.get_updater(mx.optimizer.SGD(momentum=0.9))
    other.set_states(updater.get_states())
    assert sorted(map(str, other.states)) == ["3", "fc_bias"]
    np.testing.assert_array_equal(other.states[3].asnumpy(), updater.states[3].asnumpy())
    with pytest.raises(MXNetError, match="get_states"):
        other.set_states(b"not a state blob at all")
    with pytest.raises(MXNetError, match="truncated"):
        other.set_states(updater.get_states()[:-4])
