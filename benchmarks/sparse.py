"""Sparse data: sparse.dot and one training step of a sparse linear classifier at 0.1% and 1%
density, against the same computation on dense arrays, in mxnb and MXNet 1.9.1 side by side.

    .venv/bin/python benchmarks/sparse.py [--setup-peers] [--threads 2] [--repeat 7]
        [--rounds 2] [--batch 256] [--features 20000] [--classes 8]

The model is MXNet's sparse linear classification: scores = dot(X, W) + b for a CSR batch X
(batch x features), softmax cross-entropy, W's gradient row_sparse (attach_grad(stype=
'row_sparse')), and an SGD step through mx.optimizer's updater, lazy on W's rows. The dense
step is the same code with X dense and W's gradient dense. Each framework runs in its own
interpreter (see _common.py), taking turns for --rounds rounds; a timing is the median over
--repeat loops, each ending with mx.nd.waitall(), in the fastest round.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

DENSITIES = (0.001, 0.01)
CASES = [("sparse.dot  csr . W", "dot_sparse"), ("dot  dense . W", "dot_dense"),
         ("train step, csr X", "step_sparse"), ("train step, dense X", "step_dense")]


def _data(np, batch, features, classes, density, seed=0):
    """The same batch in every framework (NumPy's legacy RandomState is version-stable)."""
    rng = np.random.RandomState(seed)
    nnz_per_row = max(1, int(round(features * density)))
    cols = np.stack([np.sort(rng.choice(features, nnz_per_row, replace=False)) for _ in range(batch)])
    values = rng.uniform(0.0, 1.0, cols.shape).astype(np.float32)
    indptr = np.arange(0, batch * nnz_per_row + 1, nnz_per_row, dtype=np.int64)
    labels = rng.randint(0, classes, batch).astype(np.float32)
    weight = (rng.uniform(-0.1, 0.1, (features, classes))).astype(np.float32)
    return values.ravel(), cols.ravel().astype(np.int64), indptr, labels, weight


def mxnet_like_cases(mx, batch, features, classes, density):
    """The same code for mxnet and mxnb (`mx` is the module)."""
    import numpy as np
    nd, autograd = mx.nd, mx.autograd
    values, indices, indptr, labels, weight = _data(np, batch, features, classes, density)
    x_csr = nd.sparse.csr_matrix((values, indices, indptr), shape=(batch, features))
    x_dense = x_csr.tostype("default")
    y = nd.array(labels)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def model(x, stype):
        w = nd.array(weight)
        w.attach_grad(stype=stype)
        b = nd.zeros((classes,))
        b.attach_grad()
        updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, lazy_update=True))
        dot = nd.sparse.dot if stype == "row_sparse" else nd.dot

        def step():
            with autograd.record():
                loss = loss_fn(nd.broadcast_add(dot(x, w), b.reshape((1, classes))), y)
            loss.backward()
            updater(0, w.grad, w)
            updater(1, b.grad, b)
            return loss
        return step

    w_fixed = nd.array(weight)
    return {
        "dot_sparse": lambda: nd.sparse.dot(x_csr, w_fixed),
        "dot_dense": lambda: nd.dot(x_dense, w_fixed),
        "step_sparse": model(x_csr, "row_sparse"),
        "step_dense": model(x_dense, "default"),
    }, mx.nd.waitall, lambda out: out.asnumpy()


def time_case(fn, sync, repeat, target_s):
    fn()
    sync()
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        dt = time.perf_counter() - t0
        if dt >= target_s / 4 or n >= 1 << 16:
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
    return statistics.median(times) * 1e3, n


def worker(framework, args):
    import importlib
    import warnings
    warnings.simplefilter("ignore")   # MXNet's lazy-update notice
    mod = importlib.import_module(framework)     # "mxnet" or "mxnb"
    result = _common.worker_info(framework, mod)
    result["cases"] = {}
    for density in DENSITIES:
        cases, sync, to_numpy = mxnet_like_cases(mod, args.batch, args.features, args.classes, density)
        for _, key in CASES:
            name = "%s@%g" % (key, density)
            try:
                # the check: the first call's result (dot output, or the first step's losses)
                check = float(to_numpy(cases[key]()).astype("float64").sum())
                ms, n = time_case(cases[key], sync, args.repeat, args.target_ms / 1000.0)
                result["cases"][name] = {"ms": ms, "n": n, "check": check}
            except Exception as e:
                result["cases"][name] = {"error": "%s: %s" % (type(e).__name__, str(e).splitlines()[0][:160] if str(e) else "")}
    _common.emit(result)


def _fastest(best, result):
    """`result`, with each case's time the lower of its own and `best`'s."""
    if best is None or "error" in best:
        return result
    if "error" in result:
        return best
    for name, case in result["cases"].items():
        old = best["cases"].get(name, {})
        if "ms" in old and ("ms" not in case or old["ms"] < case["ms"]):
            result["cases"][name] = old
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    _common.add_timed_loop_args(parser, 150.0)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--features", type=int, default=20000)
    parser.add_argument("--classes", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2,
                        help="runs of every framework, taking turns; each case shows its fastest")
    args = parser.parse_args()
    if args.worker:
        return worker(args.framework, args)
    if args.setup_peers:
        _common.setup_peers(["mxnet"])

    only = args.only or "mxnb,mxnet"
    results = {}
    # Frameworks take turns for --rounds rounds and each case keeps its fastest round, so load
    # from other work on the machine weighs on every framework alike.
    for round_number in range(args.rounds):
        for key, label, python in _common.frameworks(only):
            if python is None:
                results[key] = None
                continue
            print("running %s (round %d of %d) ..." % (label, round_number + 1, args.rounds),
                  file=sys.stderr, flush=True)
            extra = {"PYTHONPATH": _common.ROOT} if key == "mxnb" else None
            result = _common.run_worker(
                python, os.path.abspath(__file__),
                ["--framework", key, "--repeat", str(args.repeat), "--target-ms", str(args.target_ms),
                 "--batch", str(args.batch), "--features", str(args.features),
                 "--classes", str(args.classes)], args.threads, extra_env=extra)
            results[key] = _fastest(results.get(key), result)

    keys = [k for k, _, _ in _common.frameworks(only)]
    labels = dict((k, l) for k, l, _ in _common.frameworks(only))
    _common.header("Sparse linear classifier, batch %d x %d features, %d classes (median of %d loops, "
                   "fastest of %d rounds; ms per call, lower is better)"
                   % (args.batch, args.features, args.classes, args.repeat, args.rounds),
                   args.threads, [(labels[k], _common.version_line(results[k])) for k in keys])
    notes = []

    def ms(key, name):
        r = results.get(key)
        if r is None or "error" in r:
            return None
        return r["cases"].get(name, {}).get("ms")

    def cell(key, name):
        r = results.get(key)
        if r is None:
            return "not installed"
        if "error" in r:
            return "error"
        case = r["cases"].get(name, {})
        if "error" in case:
            notes.append("* %s %s: %s" % (labels[key], name, case["error"]))
            return "n/a*"
        ref = (results.get("mxnet") or {}).get("cases", {}).get(name, {})
        mark = ""
        if key != "mxnet" and "check" in ref and abs(case["check"] - ref["check"]) > 1e-3 * (1 + abs(ref["check"])):
            mark = " !"
            notes.append("! %s %s: checksum %.6g differs from MXNet's %.6g"
                         % (labels[key], name, case["check"], ref["check"]))
        return "%.3f%s" % (case["ms"], mark)

    def ratio(a, b):
        return "%.2fx" % (a / b) if a and b else "-"

    headers = ["case", "density"] + ["%s ms" % labels[k] for k in keys]
    if "mxnb" in keys and "mxnet" in keys:
        headers.append("mxnb/MXNet")
    headers += ["%s dense/sparse" % labels[k] for k in keys]
    rows = []
    for density in DENSITIES:
        for title, key in CASES:
            name = "%s@%g" % (key, density)
            row = [title, "%g%%" % (density * 100)] + [cell(k, name) for k in keys]
            if "mxnb" in keys and "mxnet" in keys:
                row.append(ratio(ms("mxnb", name), ms("mxnet", name)))
            for k in keys:
                if key.endswith("_sparse"):
                    dense = name.replace("_sparse@", "_dense@")
                    row.append(ratio(ms(k, dense), ms(k, name)))
                else:
                    row.append("")
            rows.append(row)
    for k in keys:
        r = results[k]
        if r is not None and "error" in r:
            notes.append("%s failed: %s" % (labels[k], r["error"]))
    _common.table(headers, rows, notes + ["dense/sparse > 1: the sparse version is faster; "
                                          "mxnb/MXNet < 1: mxnb is faster"])


if __name__ == "__main__":
    main()
