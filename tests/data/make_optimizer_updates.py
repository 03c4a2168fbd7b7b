"""Writes optimizer_updates.npz: inputs and results of MXNet 1.9.1's optimizer update operators.

Run with the MXNet venv:  /work/peers/mxnet/bin/python tests/data/make_optimizer_updates.py
Each case runs one operator on seeded inputs; the file keeps the inputs, the returned arrays and
every input after the call (the states the operator updated in place).
"""
import json
import os

import numpy as np
import mxnet as mx

R = np.random.RandomState(42)
SHAPE = (3, 4)


def u(*args, dtype=np.float32):
    """u(), u(shape), u(lo, hi), u(shape, lo, hi): uniform values of `dtype`."""
    shape = args[0] if args and isinstance(args[0], tuple) else SHAPE
    bounds = [a for a in args if not isinstance(a, tuple)] or [-1.0, 1.0]
    return R.uniform(bounds[0], bounds[1], shape).astype(dtype)


def pos(shape=SHAPE):
    return u(shape, 0.01, 1.0)


CASES = []


def case(name, op, inputs, attrs):
    CASES.append((name, op, inputs, attrs))


w16 = u(dtype=np.float16)
base = {"rescale_grad": 0.5, "wd": 0.01}
for clip in (-1.0, 0.3):
    tag = "_clip" if clip >= 0 else ""
    a = dict(base, clip_gradient=clip)
    case("sgd" + tag, "sgd_update", [u(), u(-3, 3)], dict(a, lr=0.1))
    case("sgd_mom" + tag, "sgd_mom_update", [u(), u(-3, 3), u()], dict(a, lr=0.1, momentum=0.9))
    case("mp_sgd" + tag, "mp_sgd_update", [w16, u(-3, 3, dtype=np.float16), w16.astype(np.float32)],
         dict(a, lr=0.1))
    case("mp_sgd_mom" + tag, "mp_sgd_mom_update",
         [w16, u(-3, 3, dtype=np.float16), u(), w16.astype(np.float32)], dict(a, lr=0.1, momentum=0.9))
    case("nag" + tag, "nag_mom_update", [u(), u(-3, 3), u()], dict(a, lr=0.1, momentum=0.9))
    case("mp_nag" + tag, "mp_nag_mom_update",
         [w16, u(-3, 3, dtype=np.float16), u(), w16.astype(np.float32)], dict(a, lr=0.1, momentum=0.9))
    case("signsgd" + tag, "signsgd_update", [u(), u(-3, 3)], dict(a, lr=0.1))
    case("signum" + tag, "signum_update", [u(), u(-3, 3), u()], dict(a, lr=0.1, momentum=0.9, wd_lh=0.2))
    case("adam" + tag, "adam_update", [u(), u(-3, 3), u(), pos()],
         dict(a, lr=0.01, beta1=0.8, beta2=0.99, epsilon=1e-6))
    case("rmsprop" + tag, "rmsprop_update", [u(), u(-3, 3), pos()],
         dict(a, lr=0.01, gamma1=0.9, epsilon=1e-6, clip_weights=0.9 if clip >= 0 else -1.0))
    case("rmspropalex" + tag, "rmspropalex_update", [u(), u(-3, 3), pos() + 1.0, u(-0.1, 0.1), u()],
         dict(a, lr=0.01, gamma1=0.9, gamma2=0.8, epsilon=1e-6))
    case("ftrl" + tag, "ftrl_update", [u(), u(-3, 3), u(), pos()],
         dict(a, lr=0.1, lamda1=0.2, beta=1.5))
    case("ftml" + tag, "ftml_update", [u(), u(-3, 3), pos(), pos(), u()],
         {"lr": 0.1, "beta1": 0.6, "beta2": 0.99, "epsilon": 1e-6, "t": 3, "wd": 0.01,
          "rescale_grad": 0.5, "clip_grad": clip})
    case("lamb1" + tag, "lamb_update_phase1", [u(), u(-3, 3), u(), pos()],
         dict(a, beta1=0.8, beta2=0.99, epsilon=1e-6, t=3))
    case("lamb1_nobias" + tag, "lamb_update_phase1", [u(), u(-3, 3), u(), pos()],
         dict(a, beta1=0.8, beta2=0.99, epsilon=1e-6, t=3, bias_correction=False))
    case("mp_lamb1" + tag, "mp_lamb_update_phase1",
         [w16, u(-3, 3, dtype=np.float16), u(), pos(), w16.astype(np.float32)],
         dict(a, beta1=0.8, beta2=0.99, epsilon=1e-6, t=3))
    case("adamw" + tag, "_adamw_update", [u(), u(-3, 3), u(), pos(), np.array([0.5], np.float32)],
         {"lr": 0.01, "eta": 0.5, "wd": 0.1, "clip_gradient": clip, "beta1": 0.8, "beta2": 0.99})
    case("mp_adamw" + tag, "_mp_adamw_update",
         [w16, u(-3, 3, dtype=np.float16), u(), pos(), w16.astype(np.float32),
          np.array([0.5], np.float32)],
         {"lr": 0.01, "eta": 0.5, "wd": 0.1, "clip_gradient": clip})
    m = dict(rescale_grad=0.5, clip_gradient=clip, num_weights=2)
    case("multi_sgd" + tag, "multi_sgd_update", [u(), u(-3, 3), u((5,)), u((5,), -3, 3)],
         dict(m, lrs=(0.1, 0.2), wds=(0.01, 0.0)))
    case("multi_sgd_mom" + tag, "multi_sgd_mom_update",
         [u(), u(-3, 3), u(), u((5,)), u((5,), -3, 3), u((5,))],
         dict(m, lrs=(0.1, 0.2), wds=(0.01, 0.0), momentum=0.9))
    case("multi_mp_sgd" + tag, "multi_mp_sgd_update",
         [w16, u(-3, 3, dtype=np.float16), w16.astype(np.float32)] * 2,
         dict(m, lrs=(0.1, 0.2), wds=(0.01, 0.0)))
    case("multi_mp_sgd_mom" + tag, "multi_mp_sgd_mom_update",
         [w16, u(-3, 3, dtype=np.float16), u(), w16.astype(np.float32)] * 2,
         dict(m, lrs=(0.1, 0.2), wds=(0.01, 0.0), momentum=0.9))
    lw = [np.array([0.1, 0.2], np.float32), np.array([0.01, 0.0], np.float32)]
    case("preloaded_sgd" + tag, "preloaded_multi_sgd_update", [u(), u(-3, 3), u((5,)), u((5,), -3, 3)] + lw, m)
    case("preloaded_sgd_mom" + tag, "preloaded_multi_sgd_mom_update",
         [u(), u(-3, 3), u(), u((5,)), u((5,), -3, 3), u((5,))] + lw, dict(m, momentum=0.9))
    case("preloaded_mp_sgd" + tag, "preloaded_multi_mp_sgd_update",
         [w16, u(-3, 3, dtype=np.float16), w16.astype(np.float32)] * 2 + lw, m)
    case("preloaded_mp_sgd_mom" + tag, "preloaded_multi_mp_sgd_mom_update",
         [w16, u(-3, 3, dtype=np.float16), u(), w16.astype(np.float32)] * 2 + lw, dict(m, momentum=0.9))
    case("multi_adamw" + tag, "_multi_adamw_update",
         [u(), u(-3, 3), u(), pos(), u((5,)), u((5,), -3, 3), u((5,)), pos((5,)),
          np.array([0.5], np.float32)],
         {"lrs": (0.01, 0.02), "wds": (0.1, 0.0), "etas": (0.5, 1.0), "clip_gradient": clip,
          "num_weights": 2})
    case("multi_mp_adamw" + tag, "_multi_mp_adamw_update",
         [w16, u(-3, 3, dtype=np.float16), u(), pos(), w16.astype(np.float32)] * 2 +
         [np.array([0.5], np.float32)],
         {"lrs": (0.01, 0.02), "wds": (0.1, 0.0), "etas": (0.5, 1.0), "clip_gradient": clip,
          "num_weights": 2})
    case("multi_lamb" + tag, "_multi_lamb_update",
         [u(), u(-3, 3), u(), pos(), u((5,)), u((5,), -3, 3), u((5,)), pos((5,))],
         {"learning_rates": (0.01, 0.02), "wds": (0.1, 0.0), "step_count": (3, 1),
          "clip_gradient": clip, "rescale_grad": 0.5, "num_tensors": 2})
    case("multi_mp_lamb" + tag, "_multi_mp_lamb_update",
         [w16, u(-3, 3, dtype=np.float16), u(), pos(), w16.astype(np.float32)] * 2,
         {"learning_rates": (0.01, 0.02), "wds": (0.1, 0.0), "step_count": (3, 1),
          "clip_gradient": clip, "rescale_grad": 0.5, "num_tensors": 2, "lower_bound": 0.5,
          "upper_bound": 1.0})

for lo, hi in ((-1.0, -1.0), (2.5, -1.0), (-1.0, 0.5)):
    case("lamb2_%g_%g" % (lo, hi), "lamb_update_phase2",
         [u(), u(-3, 3), np.array([2.0], np.float32), np.array([3.0], np.float32)],
         {"lr": 0.1, "lower_bound": lo, "upper_bound": hi})
case("lamb2_zero", "lamb_update_phase2",
     [u(), u(-3, 3), np.array([0.0], np.float32), np.array([3.0], np.float32)], {"lr": 0.1})
case("mp_lamb2", "mp_lamb_update_phase2",
     [w16, u(-3, 3), np.array([2.0], np.float32), np.array([3.0], np.float32),
      w16.astype(np.float32)], {"lr": 0.1})
case("adamw_skip", "_adamw_update", [u(), u(-3, 3), u(), pos(), np.array([np.inf], np.float32)],
     {"lr": 0.01, "eta": 0.5, "wd": 0.1})
case("all_finite", "all_finite", [u()], {})
case("all_finite_nan", "all_finite", [np.array([1.0, np.nan], np.float32)], {})
case("multi_all_finite", "multi_all_finite", [u(), np.array([1.0, np.inf], np.float32)],
     {"num_arrays": 2})
case("reset_arrays", "reset_arrays", [u(), u((5,))], {"num_arrays": 2})
case("multi_sum_sq", "multi_sum_sq", [u(), u((5,)), u((2,))], {"num_arrays": 3})
case("multi_lars", "multi_lars",
     [np.array([0.1, 0.2, 0.3], np.float32), np.array([4.0, 0.0, 9.0], np.float32),
      np.array([1.0, 1.0, 0.25], np.float32), np.array([0.01, 0.0, 0.1], np.float32)],
     {"eta": 0.01, "eps": 1e-8, "rescale_grad": 0.5})


def op_function(name):
    for ns, key in ((mx.nd, name), (mx.nd._internal, name),
                    (mx.nd.contrib, name.replace("_contrib_", ""))):
        fn = getattr(ns, key, None)
        if fn is not None:
            return fn
    raise KeyError(name)


arrays, meta = {}, []
for name, op, inputs, attrs in CASES:
    nds = [mx.nd.array(x, dtype=x.dtype) for x in inputs]
    count = attrs.get("num_weights", attrs.get("num_tensors"))
    if count is not None:  # MXNet's aggregated updates only infer their shapes given out=
        group = (len(inputs) - (2 if op.startswith("preloaded") else 0)) // count
        out = [mx.nd.zeros(x.shape, dtype=x.dtype) for x in inputs[::group][:count]]
        result = op_function(op)(*nds, out=out, **attrs)
    elif name == "adamw_skip":  # a skipped update leaves out= as it was: give it the weight
        result = op_function(op)(*nds, out=nds[0], **attrs)
    else:
        result = op_function(op)(*nds, **attrs)
    result = result if isinstance(result, list) else [result]
    for i, x in enumerate(inputs):
        arrays["%s/in%d" % (name, i)] = x
        arrays["%s/after%d" % (name, i)] = nds[i].asnumpy()
    for i, r in enumerate(result):
        arrays["%s/out%d" % (name, i)] = r.asnumpy()
    meta.append({"name": name, "op": op, "attrs": attrs, "inputs": len(inputs),
                 "outputs": len(result)})
arrays["meta"] = np.array(json.dumps(meta))
here = os.path.dirname(os.path.abspath(__file__))
np.savez_compressed(os.path.join(here, "optimizer_updates.npz"), **arrays)
print("%d cases" % len(meta))
