"""The dependency engine: naive vs threaded, mxnb vs MXNet 1.9.1 vs PyTorch, side by side.

    .venv/bin/python benchmarks/engine.py [--setup-peers] [--data DIR] [--samples 1280]

Rows are a framework and an engine (MXNET_ENGINE_TYPE=NaiveEngine or ThreadedEnginePerDevice,
for mxnb and MXNet alike; PyTorch is eager; one more mxnb row runs the threaded engine with
MXNB_PUSH_PROGRAMS=0, hybridized calls synchronous, to show what pushing programs does). Columns:

- eager overhead: µs per `c = a + b` on (2,2) arrays, a loop ended by mx.nd.waitall();
- MLP and LeNet training, imperative and hybridized: samples/s over --samples MNIST digits
  (batch 64, SGD with momentum; benchmarks/train_mnist.py's models and data);
- data parallel: LeNet samples/s with each batch split over cpu(0) and cpu(1) (one copy of the
  parameters per context, gradients summed by the Trainer) against the whole batch on cpu(0);
  the threaded engine runs the two contexts' work on their own workers. (PyTorch: no cpu(1).)

Every configuration runs in its own interpreter with the same thread count.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
import train_mnist  # noqa: E402

ENGINES = ("NaiveEngine", "ThreadedEnginePerDevice")
# mxnb only: the threaded engine with hybridized calls run synchronously (MXNB_PUSH_PROGRAMS=0),
# as before programs were pushed as one piece of work: the A/B for that change.
SYNC_PROGRAMS = "ThreadedEnginePerDevice, programs synchronous"


# --------------------------------------------------------------------------- workloads

def overhead_us(mx, repeat=5, calls=2000):
    a = mx.nd.array([[1.0, 2.0], [3.0, 4.0]])
    b = mx.nd.array([[0.5, -1.0], [2.0, -3.0]])
    best = []
    for _ in range(repeat):
        mx.nd.waitall()
        t0 = time.perf_counter()
        for _ in range(calls):
            c = a + b
        mx.nd.waitall()
        best.append((time.perf_counter() - t0) / calls * 1e6)
    del c
    best.sort()
    return best[len(best) // 2]


def data_parallel(mx, x, y, contexts, warmup=3):
    """LeNet samples/s, each batch split evenly over `contexts`."""
    mx.random.seed(0)
    net = train_mnist.gluon_net(mx, "lenet")
    net.initialize(mx.init.Xavier(), ctx=contexts)
    net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                               {"learning_rate": train_mnist.LR, "momentum": train_mnist.MOMENTUM})
    batch = train_mnist.BATCH

    def step(xb, yb):
        shard = len(xb) // len(contexts)
        datas = [mx.nd.array(xb[i * shard:(i + 1) * shard], ctx=c) for i, c in enumerate(contexts)]
        labels = [mx.nd.array(yb[i * shard:(i + 1) * shard], ctx=c) for i, c in enumerate(contexts)]
        with mx.autograd.record():
            losses = [loss_fn(net(d), l) for d, l in zip(datas, labels)]
        for loss in losses:
            loss.backward()
        trainer.step(batch)

    for i, (xb, yb) in enumerate(train_mnist.batches(x, y)):
        if i >= warmup:
            break
        step(xb, yb)
    mx.nd.waitall()
    n, t0 = 0, time.perf_counter()
    for xb, yb in train_mnist.batches(x, y):
        step(xb, yb)
        n += len(xb)
    mx.nd.waitall()
    return n / (time.perf_counter() - t0)


def worker(framework, data_dir, samples, threads):
    x, y = train_mnist.load_mnist(data_dir, samples)
    result = {}
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
        a = mod.tensor([[1.0, 2.0], [3.0, 4.0]])
        b = mod.tensor([[0.5, -1.0], [2.0, -3.0]])
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(2000):
                a + b
            times.append((time.perf_counter() - t0) / 2000 * 1e6)
        result["overhead_us"] = sorted(times)[2]
        for model in train_mnist.MODELS:
            result["%s eager" % model] = train_mnist.torch_run(mod, model, x, y, 3)["samples_per_s"]
    else:
        import importlib
        mod = importlib.import_module(framework)
        if framework == "mxnb":
            result["engine"] = type(mod.engine.get()).__name__
        result["overhead_us"] = overhead_us(mod)
        for model in train_mnist.MODELS:
            for mode in ("imperative", "hybridized"):
                run = train_mnist.gluon_run(mod, model, mode == "hybridized", x, y, 3)
                result["%s %s" % (model, mode)] = run["samples_per_s"]
        result["dp one"] = data_parallel(mod, x, y, [mod.cpu(0)])
        result["dp two"] = data_parallel(mod, x, y, [mod.cpu(0), mod.cpu(1)])
    result.update(_common.worker_info(framework, mod))
    _common.emit(result)


# --------------------------------------------------------------------------- runner

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--data", default=os.path.join(_common.ROOT, "..", "shared", "data", "mnist"),
                        help="folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz")
    parser.add_argument("--samples", type=int, default=1280, help="digits per timed epoch")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per run")
    args = parser.parse_args()
    data_dir = os.path.abspath(args.data)
    if args.worker:
        return worker(args.framework, data_dir, args.samples, args.threads)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(data_dir, name)):
            parser.error("%s not found in %s (use --data)" % (name, data_dir))
    if args.setup_peers:
        _common.setup_peers()

    rows, versions = [], []
    for key, label, python in _common.frameworks(args.only):
        engines = ("eager",) if key == "torch" else ENGINES
        if key == "mxnb":
            engines = ENGINES + (SYNC_PROGRAMS,)
        found = None
        for eng in engines:
            name = "%s %s" % (label, eng)
            if python is None:
                rows.append((name, None))
                continue
            print("running %s ..." % name, file=sys.stderr, flush=True)
            extra = {"MXNET_ENGINE_TYPE": eng} if key != "torch" else {}
            if eng == SYNC_PROGRAMS:
                extra = {"MXNET_ENGINE_TYPE": "ThreadedEnginePerDevice", "MXNB_PUSH_PROGRAMS": "0"}
            if key == "mxnb":
                extra["PYTHONPATH"] = _common.ROOT
            result = _common.run_worker(python, os.path.abspath(__file__),
                                        ["--framework", key, "--data", data_dir,
                                         "--samples", str(args.samples)],
                                        args.threads, extra_env=extra, timeout=args.timeout)
            rows.append((name, result))
            found = found or (result if "version" in result else None)
        versions.append((label, _common.version_line(found) if found or python is None
                         else "error (see below)"))
    _common.header("Engines: eager overhead (µs per add, lower is better) and training samples/s "
                   "(higher is better), %d MNIST digits, batch %d" % (args.samples, train_mnist.BATCH),
                   args.threads, versions)
    cols = [("overhead_us", "add µs", "%.1f")]
    for model in train_mnist.MODELS:
        cols += [("%s imperative" % model, "%s imp" % model, "%.0f"),
                 ("%s hybridized" % model, "%s hyb" % model, "%.0f")]
    cols += [("mlp eager", "mlp eager", "%.0f"), ("lenet eager", "lenet eager", "%.0f"),
             ("dp one", "LeNet cpu0", "%.0f"), ("dp two", "LeNet cpu0+1", "%.0f")]
    table_rows, notes = [], []
    for name, result in rows:
        if result is None:
            table_rows.append([name] + ["not installed"] + [""] * (len(cols) - 1))
        elif "error" in result:
            table_rows.append([name] + ["error*"] + [""] * (len(cols) - 1))
            notes.append("* %s: %s" % (name, result["error"]))
        else:
            table_rows.append([name] + [fmt % result[k] if k in result else "-" for k, _, fmt in cols])
    _common.table(["framework / engine"] + [h for _, h, _ in cols], table_rows, notes)
    try:
        print("load average after the run: %.2f %.2f %.2f" % os.getloadavg())
    except OSError:
        pass


if __name__ == "__main__":
    main()
