"""Every lr_scheduler of MXNet 1.9.1 (with linear and constant warm-up) against the rates MXNet
itself gives for num_update = 0..24 (tests/data/lr_schedulers.json, written by
tests/data/make_lr_schedulers.py)."""
import json
import pathlib

import pytest

import mxnb as mx

CONFIGS = json.loads((pathlib.Path(__file__).parent / "data" / "lr_schedulers.json").read_text())


@pytest.mark.parametrize("config", CONFIGS, ids=[c["name"] for c in CONFIGS])
def test_scheduler_matches_mxnet(config):
    sched = getattr(mx.lr_scheduler, config["class"])(**config["kwargs"])
    got = [sched(n) for n in range(len(config["lrs"]))]
    assert got == pytest.approx(config["lrs"], rel=1e-9, abs=1e-12)


def test_optimizer_reads_its_scheduler():
    sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    opt = mx.optimizer.SGD(lr_scheduler=sched)
    w = mx.nd.ones((1,))
    lrs = []
    for _ in range(5):
        opt.update(0, w, mx.nd.zeros((1,)), None)
        lrs.append(opt.learning_rate)
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25]
