"""Activations and BatchNorm, forward and backward through autograd, on the benchmark models'
shapes: mxnb (compiled loops, and its NumPy form with MXNB_NUMBA=0) vs MXNet 1.9.1 vs PyTorch,
us per forward+backward.

    .venv/bin/python benchmarks/activation_batchnorm.py [--setup-peers] [--threads 2] [--repeat 7]
    .venv/bin/python benchmarks/activation_batchnorm.py --ab   # mxnb only, in one process

Shapes: LeNet's tanh layers (batch 64), ResNet-18/32x32's relu and BatchNorm layers (batch 32),
a gelu and a prelu on a convolution's output. --ab runs each operator and its backward kernel
with the compiled loops and with the NumPy form alternately in one process (the machine may be
shared) and prints the best of each, with the ratio.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

# (label, kind, attribute, shape)
CASES = [
    ("tanh, LeNet conv1 64x20x24x24", "act", "tanh", (64, 20, 24, 24)),
    ("tanh, LeNet conv2 64x50x8x8", "act", "tanh", (64, 50, 8, 8)),
    ("relu, ResNet 32x64x32x32", "act", "relu", (32, 64, 32, 32)),
    ("relu, ResNet 32x256x8x8", "act", "relu", (32, 256, 8, 8)),
    ("sigmoid 64x50x8x8", "act", "sigmoid", (64, 50, 8, 8)),
    ("LeakyReLU gelu 64x50x8x8", "leaky", "gelu", (64, 50, 8, 8)),
    ("LeakyReLU prelu 64x50x8x8", "leaky", "prelu", (64, 50, 8, 8)),
    ("BatchNorm train, ResNet 32x64x32x32", "bn", None, (32, 64, 32, 32)),
    ("BatchNorm train, ResNet 32x256x8x8", "bn", None, (32, 256, 8, 8)),
]


def _data(shape):
    import numpy as np
    r = np.random.RandomState(0)
    return (r.standard_normal(shape).astype("float32"),
            r.standard_normal(shape).astype("float32"),
            r.uniform(0.5, 1.5, shape[1]).astype("float32"))


def mxnet_like(mx, kind, attr, shape):
    x_np, og_np, g_np = _data(shape)
    x, og = mx.nd.array(x_np), mx.nd.array(og_np)
    x.attach_grad()
    params = []
    if kind == "act":
        f = lambda: mx.nd.Activation(x, act_type=attr)
    elif kind == "leaky" and attr == "prelu":
        gamma = mx.nd.array(g_np * 0.25)
        params = [gamma]
        f = lambda: mx.nd.LeakyReLU(x, gamma, act_type="prelu")
    elif kind == "leaky":
        f = lambda: mx.nd.LeakyReLU(x, act_type=attr)
    else:
        gamma, beta = mx.nd.array(g_np), mx.nd.zeros(shape[1])
        stats = [mx.nd.zeros(shape[1]), mx.nd.ones(shape[1])]
        params = [gamma, beta]
        f = lambda: mx.nd.BatchNorm(x, gamma, beta, *stats, fix_gamma=False, eps=1e-3)
    for p in params:
        p.attach_grad()

    def step():
        with mx.autograd.record():
            y = f()
        y.backward(og)
        mx.nd.waitall()
    return step, (lambda: float(x.grad.asnumpy().reshape(-1)[:64].sum()))


def torch_like(torch, kind, attr, shape):
    x_np, og_np, g_np = _data(shape)
    x = torch.tensor(x_np, requires_grad=True)
    og = torch.tensor(og_np)
    F = torch.nn.functional
    if kind == "act":
        f = {"tanh": lambda: torch.tanh(x), "relu": lambda: F.relu(x),
             "sigmoid": lambda: torch.sigmoid(x)}[attr]
    elif kind == "leaky" and attr == "prelu":
        gamma = torch.tensor(g_np * 0.25, requires_grad=True)
        f = lambda: F.prelu(x, gamma)
    elif kind == "leaky":
        f = lambda: F.gelu(x)
    else:
        gamma = torch.tensor(g_np, requires_grad=True)
        beta = torch.zeros(shape[1], requires_grad=True)
        mean, var = torch.zeros(shape[1]), torch.ones(shape[1])
        f = lambda: F.batch_norm(x, mean, var, gamma, beta, training=True, momentum=0.1, eps=1e-3)

    def step():
        x.grad = None
        f().backward(og)
    return step, (lambda: float(x.grad.numpy().reshape(-1)[:64].sum()))


def time_loop(fn, repeat, target_s):
    return _common.median_loop_seconds(fn, repeat, target_s) * 1e6


def worker(framework, repeat, target_s, threads):
    import importlib
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
    else:
        mod = importlib.import_module("mxnb" if framework == "mxnb_numpy" else framework)
    result = _common.worker_info(framework, mod)
    result["cases"] = {}
    for label, kind, attr, shape in CASES:
        try:
            make = torch_like if framework == "torch" else mxnet_like
            step, check = make(mod, kind, attr, shape)
            step()
            result["cases"][label] = {"us": time_loop(step, repeat, target_s), "check": check()}
        except Exception as e:  # noqa: BLE001 (reported, not fatal)
            result["cases"][label] = {"error": "%s: %s" % (type(e).__name__, str(e)[:120])}
    _common.emit(result)


def ab(repeat):
    """mxnb only: each operator's forward and backward kernel, compiled loops against the NumPy
    form, alternating in one process; the best of `repeat` rounds of each (us per call)."""
    sys.path.insert(0, _common.ROOT)
    import numpy as np
    from mxnb import compiled
    from mxnb.ops import registry
    if not compiled.available():
        print("numba is not installed: nothing to compare (pip install 'mxnb[fast]')")
        return
    print("mxnb operator kernels, compiled loops vs NumPy form (best of %d, us per call):" % repeat)
    print("  %-44s %10s %10s %7s" % ("case", "NumPy", "compiled", "ratio"))
    for label, kind, attr, shape in CASES:
        x, og, g = _data(shape)
        if kind == "bn":
            op, back = registry.get("BatchNorm"), registry.get("_backward_BatchNorm")
            attrs = op.parse_attrs({"fix_gamma": False, "eps": 1e-3})
            stats = [np.zeros(shape[1], "float32"), np.ones(shape[1], "float32")]
            beta = np.zeros(shape[1], "float32")
            fwd = lambda: op.compute(np, [x, g, beta] + stats, attrs, is_train=True)
            outs = fwd()
            battrs = back.parse_attrs({"fix_gamma": False, "eps": 1e-3})
            bwd = lambda: back.compute(np, [og, x, g, outs[1], outs[2]], battrs)
        else:
            name = "Activation" if kind == "act" else "LeakyReLU"
            op, back = registry.get(name), registry.get("_backward_" + name)
            attrs = op.parse_attrs({"act_type": attr})
            ins = [x, g * 0.25] if attr == "prelu" else [x]
            fwd = lambda: op.compute(np, ins, attrs)
            y = fwd()
            if kind == "act":
                bwd = lambda: back.compute(np, [og, y, x], attrs)
            else:
                bwd = lambda: back.compute(np, [og] + ins, attrs)
        for part, fn in (("forward", fwd), ("backward", bwd)):
            best = {True: float("inf"), False: float("inf")}
            for _ in range(repeat):
                for flag in (False, True):
                    with compiled.use_compiled(flag):
                        fn()
                        t0 = time.perf_counter()
                        fn()
                        best[flag] = min(best[flag], time.perf_counter() - t0)
            print("  %-44s %10.0f %10.0f %7.2f" % ("%s %s" % (label, part), best[False] * 1e6,
                                                  best[True] * 1e6, best[False] / best[True]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    _common.add_timed_loop_args(parser, 200.0)
    parser.add_argument("--ab", action="store_true",
                        help="mxnb only: compiled loops against the NumPy form, per kernel")
    args = parser.parse_args()
    if args.ab:
        return ab(args.repeat)
    if args.worker:
        return worker(args.framework, args.repeat, args.target_ms / 1000.0, args.threads)
    if args.setup_peers:
        _common.setup_peers()
    rows = []
    for key, label, python in _common.frameworks(args.only):
        rows.append((key, label, python, None))
        if key == "mxnb":
            rows.append(("mxnb_numpy", "mxnb NumPy form", python, {"MXNB_NUMBA": "0"}))
    results = {}
    for key, label, python, env in rows:
        if python is None:
            results[key] = None
            continue
        print("running %s ..." % label, file=sys.stderr, flush=True)
        extra = dict(env or {})
        if key.startswith("mxnb"):
            extra["PYTHONPATH"] = _common.ROOT
        results[key] = _common.run_worker(
            python, os.path.abspath(__file__),
            ["--framework", key, "--repeat", str(args.repeat), "--target-ms", str(args.target_ms)],
            args.threads, extra_env=extra)
    _common.header("Activations and BatchNorm, forward + backward through autograd (median of %d "
                   "loops; us per call, lower is better)" % args.repeat, args.threads,
                   [(label, _common.version_line(results[key])) for key, label, _, _ in rows])
    notes = []

    def cell(key, label, case):
        r = results.get(key)
        if r is None:
            return "not installed"
        value = r.get("cases", {}).get(case, {"error": r.get("error", "?")})
        if "error" in value:
            notes.append("%s %s: %s" % (label, case, value["error"]))
            return "n/a*"
        return "%.0f" % value["us"]

    table = [[case] + [cell(key, label, case) for key, label, _, _ in rows]
             for case, _, _, _ in CASES]
    _common.table(["case"] + ["%s us" % label for _, label, _, _ in rows], table, notes)


if __name__ == "__main__":
    main()
