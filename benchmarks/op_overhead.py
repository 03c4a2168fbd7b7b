"""Eager per-operator overhead on tiny arrays: mxnb vs MXNet 1.9.1 vs PyTorch, microseconds per op.

    .venv/bin/python benchmarks/op_overhead.py [--setup-peers] [--threads 2] [--repeat 7] [--stat min]

Each framework runs in its own interpreter (see _common.py). A timing is the median, over
--repeat repeats, of a loop of N calls divided by N, with N chosen so a loop lasts ~--target-ms.
On a busy machine `--stat min` (the best loop, as timeit advises) with a short --target-ms (5)
and more repeats (30) is steadier: a loop that other work preempted only ever reads slower.
MXNet is asynchronous: every timed loop ends with mx.nd.waitall() (and so does mxnb's, which
must sync the same way), so pushed-but-unfinished work is counted.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

OPS = [
    ("add (2,2)+(2,2)", "add"),
    ("scalar mul (2,2)*2", "mul_scalar"),
    ("relu (2,2)", "relu"),
    ("  b.relu()", "relu_method"),
    ("sum (2,2)", "sum"),
    ("  a.sum()", "sum_method"),
    ("  nd.sum(a, axis=1)", "sum_axis"),
    ("  a.sum(axis=1)", "sum_axis_method"),
    ("mean (2,2)", "mean"),
    ("dot 4x4 . 4x4", "dot"),
    ("FullyConnected 1x4, w 4x4", "fc"),
    ("  inputs by keyword", "fc_kw"),
    ("Convolution 1x1x4x4, k 2x1x3x3", "conv"),
    ("Pooling max 1x1x4x4, 2x2", "pool"),
    ("Activation tanh (2,2)", "act"),
    ("swapaxes(a, 0, 1) (2,2)", "swapaxes"),
    ("array from list (2,2)", "array"),
    ("autograd y=(x*2)*x + backward", "autograd"),
]
# Rows indented under an operator call it another way: the NDArray method (the same generated
# function in mxnb), attributes by keyword, inputs by keyword (torch: the Tensor method, dim=,
# F.linear(input=, weight=, bias=)).


# --------------------------------------------------------------------------- workloads

def mxnet_like_arrays(nd):
    """The small arrays of the mxnet/mxnb cases (the generated-function rows call invoke on the
    very same values)."""
    return dict(
        a=nd.array([[1.0, 2.0], [3.0, 4.0]]), b=nd.array([[0.5, -1.0], [2.0, -3.0]]),
        x4=nd.array([[0.1 * (i + j) for j in range(4)] for i in range(4)]),
        w4=nd.array([[0.2 * i - 0.1 * j for j in range(4)] for i in range(4)]),
        d14=nd.array([[1.0, -2.0, 3.0, -4.0]]), bias=nd.array([0.1, 0.2, 0.3, 0.4]),
        img=nd.array([[[[0.1 * (i * 4 + j) for j in range(4)] for i in range(4)]]]),
        kern=nd.array([[[[0.1 * (i - j) for j in range(3)] for i in range(3)]]] * 2),
        kbias=nd.array([0.1, -0.1]))


def mxnet_like_cases(mx):
    """The same code for mxnet and mxnb (`mx` is the module)."""
    nd, autograd = mx.nd, mx.autograd
    arrays = mxnet_like_arrays(nd)
    a, b, x4, w4, d14, bias, img, kern, kbias = (arrays[k] for k in (
        "a", "b", "x4", "w4", "d14", "bias", "img", "kern", "kbias"))
    xg = nd.array([[1.0, 2.0], [3.0, 4.0]])
    xg.attach_grad()
    lst = [[1.0, 2.0], [3.0, 4.0]]

    def grad_step():
        with autograd.record():
            y = (xg * 2) * xg
        y.backward()
        return xg.grad

    return {
        "add": lambda: a + b,
        "mul_scalar": lambda: a * 2,
        "relu": lambda: nd.relu(b),
        "relu_method": lambda: b.relu(),
        "sum": lambda: nd.sum(a),
        "sum_method": lambda: a.sum(),
        "sum_axis": lambda: nd.sum(a, axis=1),
        "sum_axis_method": lambda: a.sum(axis=1),
        "mean": lambda: nd.mean(a),
        "dot": lambda: nd.dot(x4, w4),
        "fc": lambda: nd.FullyConnected(d14, w4, bias, num_hidden=4),
        "fc_kw": lambda: nd.FullyConnected(data=d14, weight=w4, bias=bias, num_hidden=4),
        "swapaxes": lambda: nd.swapaxes(a, 0, 1),
        "conv": lambda: nd.Convolution(img, kern, kbias, kernel=(3, 3), num_filter=2),
        "pool": lambda: nd.Pooling(img, kernel=(2, 2), stride=(2, 2), pool_type="max"),
        "act": lambda: nd.Activation(b, act_type="tanh"),
        "array": lambda: nd.array(lst),
        "autograd": grad_step,
    }, mx.nd.waitall, lambda out: out.asnumpy()


def torch_cases(torch):
    a = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    b = torch.tensor([[0.5, -1.0], [2.0, -3.0]])
    x4 = torch.tensor([[0.1 * (i + j) for j in range(4)] for i in range(4)])
    w4 = torch.tensor([[0.2 * i - 0.1 * j for j in range(4)] for i in range(4)])
    d14 = torch.tensor([[1.0, -2.0, 3.0, -4.0]])
    bias = torch.tensor([0.1, 0.2, 0.3, 0.4])
    xg = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    head = torch.ones(2, 2)
    lst = [[1.0, 2.0], [3.0, 4.0]]
    linear = torch.nn.functional.linear
    img = torch.tensor([[[[0.1 * (i * 4 + j) for j in range(4)] for i in range(4)]]])
    kern = torch.tensor([[[[0.1 * (i - j) for j in range(3)] for i in range(3)]]] * 2)
    kbias = torch.tensor([0.1, -0.1])
    functional = torch.nn.functional

    def grad_step():
        xg.grad = None  # MXNet's default grad_req='write'
        y = (xg * 2) * xg
        y.backward(head)
        return xg.grad

    return {
        "add": lambda: a + b,
        "mul_scalar": lambda: a * 2,
        "relu": lambda: torch.relu(b),
        "relu_method": lambda: b.relu(),
        "sum": lambda: torch.sum(a),
        "sum_method": lambda: a.sum(),
        "sum_axis": lambda: torch.sum(a, dim=1),
        "sum_axis_method": lambda: a.sum(dim=1),
        "mean": lambda: torch.mean(a),
        "dot": lambda: torch.mm(x4, w4),
        "fc": lambda: linear(d14, w4, bias),  # FullyConnected: data . weight^T + bias
        "fc_kw": lambda: linear(input=d14, weight=w4, bias=bias),
        "swapaxes": lambda: torch.swapaxes(a, 0, 1),   # a view, as mxnb's (MXNet copies)
        "conv": lambda: functional.conv2d(img, kern, kbias),
        "pool": lambda: functional.max_pool2d(img, 2, 2),
        "act": lambda: torch.tanh(b),
        "array": lambda: torch.tensor(lst),
        "autograd": grad_step,
    }, (lambda: None), lambda out: out.detach().numpy()


GENERATED = ["fc", "fc_kw", "conv", "pool", "act", "relu", "sum", "sum_axis", "sum_method", "dot",
             "swapaxes"]


def generated_vs_invoke(mx, repeat, target_s):
    """mxnb only: each generated `nd.X(...)` call against `invoke(op, inputs, attrs)` with the
    attributes parsed beforehand (what operators such as `a + b` reach; NDArray methods are the
    generated functions themselves)."""
    from mxnb.ndarray.ndarray import invoke
    from mxnb.ops import registry
    nd = mx.nd
    cases, _, _ = mxnet_like_cases(mx)
    arrays = mxnet_like_arrays(nd)
    a, b, x4, w4, d14, bias, img, kern, kbias = (arrays[k] for k in (
        "a", "b", "x4", "w4", "d14", "bias", "img", "kern", "kbias"))

    def direct(name, inputs, **kwargs):
        op = registry.get(name)
        attrs = op.parse_attrs(kwargs)
        return lambda: invoke(op, inputs, attrs)

    methods = {
        "fc": direct("FullyConnected", [d14, w4, bias], num_hidden=4),
        "fc_kw": direct("FullyConnected", [d14, w4, bias], num_hidden=4),
        "conv": direct("Convolution", [img, kern, kbias], kernel=(3, 3), num_filter=2),
        "pool": direct("Pooling", [img], kernel=(2, 2), stride=(2, 2), pool_type="max"),
        "act": direct("Activation", [b], act_type="tanh"),
        "relu": direct("relu", [b]),
        "sum": direct("sum", [a]),
        "sum_axis": direct("sum", [a], axis=1),
        "sum_method": direct("sum", [a]),
        "dot": direct("dot", [x4, w4]),
        "swapaxes": direct("SwapAxis", [a], dim1=0, dim2=1),
    }
    out = {}
    for key in GENERATED:
        # Alternating loops of the two, so load on a shared machine falls on both alike.
        gen, inv = [], []
        for _ in range(repeat):
            gen.append(time_case(cases[key], mx.nd.waitall, 1, target_s)[0])
            inv.append(time_case(methods[key], mx.nd.waitall, 1, target_s)[0])
        out[key] = {"generated": STAT[0](gen), "invoke": STAT[0](inv)}
    return out


STATS = {"median": statistics.median, "min": min}
STAT = [statistics.median]      # set by the worker from --stat


def time_case(fn, sync, repeat, target_s):
    fn()
    sync()
    n = 1
    while True:  # calibrate N so one loop lasts about target_s
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        dt = time.perf_counter() - t0
        if dt >= target_s / 4 or n >= 1 << 20:
            break
        n *= 4
    n = max(1, int(n * target_s / max(dt, 1e-9)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / n)
    return STAT[0](times) * 1e6, n


def worker(framework, repeat, target_s, threads, stat="median"):
    STAT[0] = STATS[stat]
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
        cases, sync, to_numpy = torch_cases(mod)
    else:
        import importlib
        mod = importlib.import_module(framework)  # "mxnet" or "mxnb"
        cases, sync, to_numpy = mxnet_like_cases(mod)
    result = _common.worker_info(framework, mod)
    result["ops"] = {}
    if framework == "mxnb":
        result["generated"] = generated_vs_invoke(mod, repeat, target_s)
    for _, key in OPS:
        try:
            value = to_numpy(cases[key]()).astype("float64")
            us, n = time_case(cases[key], sync, repeat, target_s)
            result["ops"][key] = {"us": us, "n": n, "check": value.ravel().tolist()}
        except Exception as e:  # an operator a framework lacks is reported, not fatal
            result["ops"][key] = {"error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:120] if str(e) else "")}
    _common.emit(result)


# --------------------------------------------------------------------------- runner

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    _common.add_timed_loop_args(parser, 60.0)
    parser.add_argument("--stat", choices=sorted(STATS), default="median",
                        help="statistic over the repeats (min: the best loop; steadier on a busy machine)")
    args = parser.parse_args()
    if args.worker:
        return worker(args.framework, args.repeat, args.target_ms / 1000.0, args.threads, args.stat)
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
            ["--framework", key, "--repeat", str(args.repeat), "--target-ms", str(args.target_ms),
             "--stat", args.stat],
            args.threads, extra_env=extra)

    keys = [k for k, _, _ in _common.frameworks(args.only)]
    labels = dict((k, l) for k, l, _ in _common.frameworks(args.only))
    _common.header("Eager operator overhead, tiny arrays (%s of %d loops; µs per op, lower is better)"
                   % ("best" if args.stat == "min" else "median", args.repeat), args.threads, [(labels[k], _common.version_line(results[k])) for k in keys])

    notes, reference = [], results.get("mxnet")

    def cell(key, op):
        r = results.get(key)
        if r is None:
            return "not installed"
        if "error" in r:
            return "error"
        o = r["ops"].get(op, {})
        if "error" in o:
            note = "%s %s: %s" % (labels[key], op, o["error"])
            if note not in notes:
                notes.append(note)
            return "n/a*"
        mark = ""
        if reference and "ops" in reference and key != "mxnet" and "check" in reference["ops"].get(op, {}):
            ref = reference["ops"][op]["check"]
            if len(ref) != len(o["check"]) or any(abs(p - q) > 1e-4 * (1 + abs(q)) for p, q in zip(o["check"], ref)):
                mark = " !"
                notes.append("! %s %s: result %s differs from MXNet's %s" % (labels[key], op, o["check"], ref))
        return "%.1f%s" % (o["us"], mark)

    def ratio(key, op, base):
        try:
            return "%.1fx" % (results[key]["ops"][op]["us"] / results[base]["ops"][op]["us"])
        except (KeyError, TypeError, ZeroDivisionError):
            return "-"

    headers = ["operator"] + ["%s µs" % labels[k] for k in keys]
    if "mxnb" in keys and "mxnet" in keys:
        headers.append("mxnb/MXNet")
    if "mxnb" in keys and "torch" in keys:
        headers.append("mxnb/PyTorch")
    rows = []
    for name, op in OPS:
        row = [name] + [cell(k, op) for k in keys]
        if "mxnb" in keys and "mxnet" in keys:
            row.append(ratio("mxnb", op, "mxnet"))
        if "mxnb" in keys and "torch" in keys:
            row.append(ratio("mxnb", op, "torch"))
        rows.append(row)
    for k in keys:
        r = results[k]
        if r is not None and "error" in r:
            notes.append("%s failed: %s" % (labels[k], r["error"]))
    notes = [n if n.startswith("!") else "* " + n for n in notes]
    _common.table(headers, rows, notes)

    generated = (results.get("mxnb") or {}).get("generated")
    if generated:
        print("mxnb: generated nd.* functions against invoke() with attributes parsed beforehand "
              "(µs per call; the difference is the generated function's own cost)")
        rows = [[dict((k, n) for n, k in OPS)[key], "%.1f" % v["generated"], "%.1f" % v["invoke"],
                 "%+.2f" % (v["generated"] - v["invoke"])] for key, v in generated.items()]
        _common.table(["operator", "nd.X(...) µs", "invoke µs", "difference µs"], rows)


if __name__ == "__main__":
    main()
