"""Learning-rate schedules against their closed forms."""
import math

import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb import lr_scheduler as lrs


def test_factor_scheduler_steps_and_floor():
    s = lrs.FactorScheduler(step=10, factor=0.5, stop_factor_lr=0.1, base_lr=1.0)
    assert [s(n) for n in (1, 10, 11, 20, 21, 31, 41, 100)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.125,
                                                                 0.1, 0.1]


def test_multifactor_scheduler():
    s = lrs.MultiFactorScheduler(step=[5, 8], factor=0.1, base_lr=1.0)
    got = [s(n) for n in range(1, 11)]
    assert got[:5] == [1.0] * 5
    assert got[5:8] == pytest.approx([0.1] * 3)
    assert got[8:] == pytest.approx([0.01] * 2)


def test_linear_and_constant_warmup():
    s = lrs.FactorScheduler(step=100, base_lr=1.0, warmup_steps=4, warmup_begin_lr=0.2)
    assert [s(n) for n in range(4)] == pytest.approx([0.2, 0.4, 0.6, 0.8])
    assert s(4) == 1.0
    c = lrs.CosineScheduler(10, base_lr=1.0, warmup_steps=2, warmup_begin_lr=0.5,
                            warmup_mode="constant")
    assert c(0) == c(1) == 0.5


def test_poly_scheduler():
    s = lrs.PolyScheduler(max_update=10, base_lr=2.0, pwr=2, final_lr=0.5, warmup_steps=2)
    for n in (2, 5, 10):
        assert s(n) == pytest.approx(0.5 + 1.5 * (1 - (n - 2) / 8) ** 2)
    assert s(50) == pytest.approx(0.5)


def test_cosine_scheduler():
    s = lrs.CosineScheduler(max_update=20, base_lr=1.0, final_lr=0.1)
    for n in (0, 7, 20):
        assert s(n) == pytest.approx(0.1 + 0.9 * (1 + math.cos(math.pi * n / 20)) / 2)


@pytest.mark.parametrize("make", [
    lambda: lrs.FactorScheduler(step=0),
    lambda: lrs.FactorScheduler(step=2, factor=1.5),
    lambda: lrs.MultiFactorScheduler(step=[5, 3]),
    lambda: lrs.PolyScheduler(max_update=0),
    lambda: lrs.LRScheduler(base_lr=0.1, warmup_begin_lr=0.5),
    lambda: lrs.LRScheduler(warmup_mode="cubic"),
])
def test_bad_settings_raise(make):
    with pytest.raises(MXNetError):
        make()
    with pytest.raises(ValueError):
        make()


def test_optimizer_learning_rate_overrides_scheduler_base():
    s = lrs.FactorScheduler(step=5, base_lr=1.0)
    with pytest.warns(UserWarning):
        opt = mx.optimizer.SGD(learning_rate=0.3, lr_scheduler=s)
    assert s.base_lr == 0.3 and opt.learning_rate == 0.3
