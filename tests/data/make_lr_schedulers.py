"""Writes lr_schedulers.json: MXNet 1.9.1's learning rates for num_update = 0..N of every
scheduler (called in increasing order, as optimizers do).

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_lr_schedulers.py
"""
import json
import os

import mxnet as mx

S = mx.lr_scheduler
CONFIGS = [
    ("factor", "FactorScheduler", {"step": 5, "factor": 0.5, "base_lr": 0.1}),
    ("factor_stop", "FactorScheduler", {"step": 3, "factor": 0.1, "stop_factor_lr": 1e-4,
                                        "base_lr": 1.0}),
    ("factor_warmup", "FactorScheduler", {"step": 4, "factor": 0.9, "base_lr": 0.1,
                                          "warmup_steps": 6, "warmup_begin_lr": 0.01}),
    ("factor_warmup_constant", "FactorScheduler", {"step": 4, "factor": 0.9, "base_lr": 0.1,
                                                   "warmup_steps": 6, "warmup_begin_lr": 0.02,
                                                   "warmup_mode": "constant"}),
    ("multifactor", "MultiFactorScheduler", {"step": [3, 7, 12], "factor": 0.5, "base_lr": 0.2}),
    ("multifactor_warmup", "MultiFactorScheduler", {"step": [8, 14], "factor": 0.1,
                                                    "base_lr": 0.2, "warmup_steps": 5}),
    ("poly", "PolyScheduler", {"max_update": 15, "base_lr": 0.1, "pwr": 2}),
    ("poly_final", "PolyScheduler", {"max_update": 15, "base_lr": 0.1, "pwr": 1.5,
                                     "final_lr": 0.01, "warmup_steps": 4,
                                     "warmup_begin_lr": 0.001}),
    ("cosine", "CosineScheduler", {"max_update": 15, "base_lr": 0.1}),
    ("cosine_final", "CosineScheduler", {"max_update": 15, "base_lr": 0.1, "final_lr": 0.02,
                                         "warmup_steps": 3, "warmup_mode": "constant",
                                         "warmup_begin_lr": 0.005}),
]

out = []
for name, klass, kwargs in CONFIGS:
    sched = getattr(S, klass)(**kwargs)
    out.append({"name": name, "class": klass, "kwargs": kwargs,
                "lrs": [float(sched(n)) for n in range(25)]})
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "lr_schedulers.json"), "w") as f:
    json.dump(out, f, indent=0)
print(len(out), "schedulers")
