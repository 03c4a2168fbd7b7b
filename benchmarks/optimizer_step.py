"""One optimizer step over an MLP's parameters: mxnb vs MXNet 1.9.1 vs PyTorch, ms per step.

    .venv/bin/python benchmarks/optimizer_step.py [--setup-peers] [--threads 2] [--repeat 7]
    .venv/bin/python benchmarks/optimizer_step.py --ab     # mxnb only: nd, in place, compiled
    .venv/bin/python benchmarks/optimizer_step.py --memory # mxnb only: a training step's peak

Parameters of a 784-256-128-10 MLP (weights and biases, float32). mxnb and MXNet run the same
code: an Updater (what Trainer and Module call) over all parameters, which aggregates SGD into
multi_sgd_mom_update calls; PyTorch runs torch.optim with the same hyper-parameters (its Adam
folds the bias correction differently; results are compared with MXNet's only for mxnb). Every
timed loop ends with a synchronisation (mx.nd.waitall).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

SHAPES = [(256, 784), (256,), (128, 256), (128,), (10, 128), (10,)]
OPTIMIZERS = [("SGD, momentum 0.9, wd 1e-4", "sgd"),
              ("gluon.Trainer.step, SGD momentum 0.9", "trainer"), ("Adam, wd 1e-4", "adam"),
              ("RMSProp centered", "rmsprop"), ("LAMB", "lamb")]
KWARGS = {"sgd": {"learning_rate": 0.01, "momentum": 0.9, "wd": 1e-4},
          "trainer": {"learning_rate": 0.1, "momentum": 0.9},
          "adam": {"learning_rate": 0.001, "wd": 1e-4},
          "rmsprop": {"learning_rate": 0.001, "centered": True},
          "lamb": {"learning_rate": 0.001, "wd": 1e-4}}


def _data():
    import numpy as np
    r = np.random.RandomState(0)
    weights = [r.uniform(-0.1, 0.1, s).astype("float32") for s in SHAPES]
    grads = [r.uniform(-1, 1, s).astype("float32") for s in SHAPES]
    return weights, grads


def trainer_like(mx):
    """gluon.Trainer.step(64) over a Dense MLP's six parameters, their gradients set once."""
    weights, grads = _data()
    params = []
    for i, (w, g) in enumerate(zip(weights, grads)):
        p = mx.gluon.Parameter("p%d_%s" % (i, "weight" if w.ndim == 2 else "bias"), shape=w.shape)
        p.initialize(ctx=mx.cpu())
        p.set_data(mx.nd.array(w))
        p.grad()[:] = mx.nd.array(g)
        params.append(p)
    trainer = mx.gluon.Trainer(params, "sgd", KWARGS["trainer"], kvstore=None)
    arrays = [p.data() for p in params]

    def step():
        for arr in arrays:
            arr._fresh_grad = True       # as a backward pass leaves them
        trainer.step(64)
    return step, mx.nd.waitall, (lambda: float(arrays[0].asnumpy()[0, :8].sum()))


def mxnet_like(mx, name):
    if name == "trainer":
        return trainer_like(mx)
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
    elif name == "trainer":           # Trainer.step(64) rescales by 1/64: the same numbers
        for p in params:
            p.grad /= 64
        opt = torch.optim.SGD(params, lr=kw["learning_rate"], momentum=0.9)
    elif name == "adam":
        opt = torch.optim.Adam(params, lr=kw["learning_rate"], weight_decay=1e-4)
    elif name == "rmsprop":
        opt = torch.optim.RMSprop(params, lr=kw["learning_rate"], alpha=0.9, centered=True,
                                  momentum=0.9)
    else:
        return None
    return opt.step, (lambda: None), (lambda: float(params[0].detach().numpy()[0, :8].sum()))


def time_loop(fn, sync, repeat, target_s):
    return _common.median_loop_seconds(fn, repeat, target_s, sync) * 1e3


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


def ab(repeat, target_s):
    """mxnb only, in one process with the paths interleaved (the machine may be shared): the
    update operators called as `nd.<op>(..., out=weight)` (a fresh result copied into the
    weight), the optimizers' in-place path (optimizer/inplace.py) with the NumPy kernels, and
    the same with the compiled ones (mxnb.compiled, when numba is installed)."""
    sys.path.insert(0, _common.ROOT)
    import mxnb as mx
    from mxnb import compiled
    from mxnb.optimizer.inplace import update
    weights, grads = _data()
    w = [mx.nd.array(x) for x in weights]
    g = [mx.nd.array(x) for x in grads]
    m = [mx.nd.zeros(x.shape) for x in weights]
    v = [mx.nd.ones(x.shape) for x in weights]
    kw = {"momentum": 0.9, "rescale_grad": 1 / 64, "lr": 0.1, "wd": 1e-4}
    adam = {"rescale_grad": 1 / 64, "lr": 0.001, "wd": 1e-4}

    def multi(ws, gs, ms):
        n = len(ws)
        return ([x for t in zip(ws, gs, ms) for x in t],
                dict(num_weights=n, lrs=(0.1,) * n, wds=(1e-4,) * n, momentum=0.9,
                     rescale_grad=1 / 64))
    groups = [multi(w[:4], g[:4], m[:4]), multi(w[4:], g[4:], m[4:])]
    trainer_step = trainer_like(mx)[0]
    cases = [
        ("sgd_mom_update 256x784", lambda: mx.nd.sgd_mom_update(w[0], g[0], m[0], out=w[0], **kw),
         lambda: update("sgd_mom_update", [w[0], g[0], m[0]], [w[0]], kw, 3)),
        ("sgd_mom_update (10,)", lambda: mx.nd.sgd_mom_update(w[5], g[5], m[5], out=w[5], **kw),
         lambda: update("sgd_mom_update", [w[5], g[5], m[5]], [w[5]], kw, 3)),
        ("adam_update 256x784",
         lambda: mx.nd.adam_update(w[0], g[0], m[0], v[0], out=w[0], **adam),
         lambda: update("adam_update", [w[0], g[0], m[0], v[0]], [w[0]], adam, 4)),
        ("6 params, multi_sgd_mom (4+2)",
         lambda: [mx.nd.multi_sgd_mom_update(*a, out=a[0::3], **k) for a, k in groups],
         lambda: [update("multi_sgd_mom_update", a, a[0::3], k, 3) for a, k in groups]),
        ("Trainer.step, SGD momentum", None, trainer_step),
    ]

    def timed(fn, flag, n):
        with compiled.use_compiled(flag):
            t0 = time.perf_counter()
            for _ in range(n):
                fn()
            return (time.perf_counter() - t0) / n * 1e6
    print("mxnb update paths, interleaved (minimum of %d loops, us per call; numba %s):"
          % (repeat, "available" if compiled.available() else "missing: no compiled column"))
    print("  %-30s %12s %12s %12s %8s" % ("case", "nd(out=w)", "in place", "compiled",
                                          "speedup"))
    for label, old, new in cases:
        n = max(1, int(target_s / max(_once(new), 1e-6)))
        runs = [(old, False), (new, False)] if old is not None else [(new, False)]
        if compiled.available():
            runs.append((new, True))
        times = {run: [] for run in runs}
        for _ in range(repeat):
            for fn, flag in runs:
                times[(fn, flag)].append(timed(fn, flag, n))
        best = {run: min(t) for run, t in times.items()}
        cells = ["%.1f" % best[(old, False)] if old is not None else "-",
                 "%.1f" % best[(new, False)],
                 "%.1f" % best[(new, True)] if (new, True) in best else "-"]
        ratio = ("%.2fx" % (best[(new, False)] / best[(new, True)])
                 if (new, True) in best else "-")
        print("  %-30s %12s %12s %12s %8s" % tuple([label] + cells + [ratio]))
    print("  speedup: the in-place NumPy kernels' time over the compiled ones'")


def memory():
    """tracemalloc's peak over one MLP training step (forward, backward, Trainer.step; batch 64,
    SGD momentum 0.9), imperative and hybridized, split into forward+backward and the step."""
    import tracemalloc
    sys.path.insert(0, _common.ROOT)
    import numpy as np
    import mxnb as mx
    from mxnb.gluon import nn

    def peaks(hybridize):
        mx.random.seed(0)
        net = nn.HybridSequential()
        net.add(nn.Dense(256, activation="relu"), nn.Dense(128, activation="relu"), nn.Dense(10))
        net.initialize(mx.init.Xavier())
        if hybridize:
            net.hybridize()
        trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                                   {"learning_rate": 0.1, "momentum": 0.9})
        loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        r = np.random.RandomState(0)
        x, y = mx.nd.array(r.rand(64, 784)), mx.nd.array(r.randint(0, 10, 64))

        def backward():
            with mx.autograd.record():
                loss = loss_fn(net(x), y)
            loss.backward()
        for _ in range(2):
            backward()
            trainer.step(64)
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            backward()
            fb = tracemalloc.get_traced_memory()[1] - base
            tracemalloc.reset_peak()
            trainer.step(64)
            st = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        return max(fb, st), fb, st
    imperative, hybrid = peaks(False), peaks(True)
    print("MLP 784-256-128-10 training step, tracemalloc peak above the live arrays (MB):")
    print("  %-12s %8s %18s %14s" % ("", "step", "forward+backward", "Trainer.step"))
    for label, p in (("imperative", imperative), ("hybridized", hybrid)):
        print("  %-12s %8.3f %18.3f %14.3f" % ((label,) + tuple(v / 1e6 for v in p)))
    print("  hybridized / imperative: %.2f" % (hybrid[0] / imperative[0]))


def _once(fn):
    fn()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    _common.add_timed_loop_args(parser, 200.0)
    parser.add_argument("--ab", action="store_true",
                        help="mxnb only: the nd operator path, the in-place path and its "
                             "compiled kernels")
    parser.add_argument("--memory", action="store_true",
                        help="mxnb only: tracemalloc peak of an MLP training step")
    args = parser.parse_args()
    if args.ab:
        return ab(args.repeat, args.target_ms / 1000.0)
    if args.memory:
        return memory()
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
