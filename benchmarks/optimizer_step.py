"""One optimizer step over an MLP's parameters: mxnb vs MXNet 1.9.1 vs PyTorch, ms per step.

    .venv/bin/python benchmarks/optimizer_step.py [--setup-peers] [--threads 2] [--repeat 7]

Parameters of a 784-256-128-10 MLP (weights and biases, float32). mxnb and MXNet run the same
code: an Updater (what Trainer and Module call) over all parameters, which aggregates SGD into
multi_sgd_mom_update calls; PyTorch runs torch.optim with the same hyper-parameters (its Adam
folds the bias correction differently; results are compared with MXNet's only for mxnb). Every
timed loop ends with a synchronisation (mx.nd.waitall).
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
OPTIMIZERS = [("SGD, momentum 0.9, wd 1e-4", "sgd"), ("Adam, wd 1e-4", "adam"),
              ("RMSProp centered", "rmsprop"), ("LAMB", "lamb")]
KWARGS = {"sgd": {"learning_rate": 0.01, "momentum": 0.9, "wd": 1e-4},
          "adam": {"learning_rate": 0.001, "wd": 1e-4},
          "rmsprop": {"learning_rate": 0.001, "centered": True},
          "lamb": {"learning_rate": 0.001, "wd": 1e-4}}


def _data():
    import numpy as np
    r = np.random.RandomState(0)
    weights = [r.uniform(-0.1, 0.1, s).astype("float32") for s in SHAPES]
    grads = [r.uniform(-1, 1, s).astype("float32") for s in SHAPES]
    return weights, grads


def mxnet_like(mx, name):
    weights, grads = _data()
    w = [mx.nd.array(x) for x in weights]
    g = [mx.nd.array(x) for x in grads]
    updater = mx.optimizer.get_updater(mx.optimizer.create(name, **KWARGS[name]))
    idx = list(range(len(w)))
    return (lambda: updater(idx, g, w)), mx.nd.waitall, (lambda: float(w[0].asnumpy()[0, :8].sum()))


def torch_like(torch, name):
    weights, grads = _data()
    params = [torch.nn.Parameter(torch.tensor(x)) for x in weights]
    for p, x in zip(params, grads):
        p.grad = torch.tensor(x)
    kw = KWARGS[name]
    if name == "sgd":
        opt = torch.optim.SGD(params, lr=kw["learning_rate"], momentum=0.9, weight_decay=1e-4)
    elif name == "adam":
        opt = torch.optim.Adam(params, lr=kw["learning_rate"], weight_decay=1e-4)
    elif name == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=kw["learning_rate"], alpha=0.9, centered=True,
                                  momentum=0.9)
    else:
        return None
    return opt.step, (lambda: None), (lambda: float(params[0].detach().numpy()[0, :8].sum()))


def time_loop(fn, sync, repeat, target_s):
    fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    n = max(1, int(target_s / max(time.perf_counter() - t0, 1e-6)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times) * 1e3


def worker(framework, repeat, target_s, threads):
    import importlib
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
    else:
        mod = importlib.import_module(framework)
    result = _common.worker_info(framework, mod)
    result["steps"] = {}
    for _, name in OPTIMIZERS:
        try:
            case = torch_like(mod, name) if framework == "torch" else mxnet_like(mod, name)
            if case is None:
                result["steps"][name] = {"error": "no equivalent optimizer"}
                continue
            step, sync, check = case
            step()                        # two steps, then a checksum to compare frameworks
            step()
            sync()
            value = check()
            result["steps"][name] = {"ms": time_loop(step, sync, repeat, target_s),
                                     "check": value}
        except Exception as e:  # noqa: BLE001 (reported, not fatal)
            result["steps"][name] = {"error": "%s: %s" % (type(e).__name__, str(e)[:120])}
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--framework", default="", help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=7, help="timed loops; the median is shown")
    parser.add_argument("--target-ms", type=float, default=200.0, help="duration of one loop")
    args = parser.parse_args()
    if args.worker:
        return worker(args.framework, args.repeat, args.target_ms / 1000.0, args.threads)
    if args.setup_peers:
        _common.setup_peers()
    results = {}
    for key, label, python in _common.frameworks(args.only):
        if python is None:
            results[key] = None
            continue
        print("running %s ..." % label, file=sys.stderr, flush=True)
        extra = {"PYTHONPATH": _common.ROOT} if key == "mxnb" else None
        results[key] = _common.run_worker(
            python, os.path.abspath(__file__),
            ["--framework", key, "--repeat", str(args.repeat), "--target-ms", str(args.target_ms)],
            args.threads, extra_env=extra)
    keys = [k for k, _, _ in _common.frameworks(args.only)]
    labels = dict((k, l) for k, l, _ in _common.frameworks(args.only))
    _common.header("Optimizer step over a 784-256-128-10 MLP's parameters (median of %d loops; "
                   "ms per step, lower is better)" % args.repeat, args.threads,
                   [(labels[k], _common.version_line(results[k])) for k in keys])
    notes = []
    reference = (results.get("mxnet") or {}).get("steps", {})

    def cell(key, name):
        r = results.get(key)
        if r is None:
            return "not installed"
        step = r.get("steps", {}).get(name, {"error": r.get("error", "?")})
        if "error" in step:
            notes.append("%s %s: %s" % (labels[key], name, step["error"]))
            return "n/a*"
        mark = ""
        ref = reference.get(name, {}).get("check")
        if key == "mxnb" and ref is not None and abs(step["check"] - ref) > 1e-5 * (1 + abs(ref)):
            mark = " !"
            notes.append("! mxnb %s: weights differ from MXNet's after two steps (%r vs %r)"
                         % (name, step["check"], ref))
        return "%.3f%s" % (step["ms"], mark)

    rows = [[label] + [cell(k, name) for k in keys] for label, name in OPTIMIZERS]
    _common.table(["optimizer"] + ["%s ms" % labels[k] for k in keys], rows, notes)


if __name__ == "__main__":
    main()
