"""Training throughput on MNIST: MLP and LeNet, mxnb vs MXNet 1.9.1 vs PyTorch, samples/s.

    .venv/bin/python benchmarks/train_mnist.py [--setup-peers] [--data DIR] [--samples 10000]

One epoch over the 10,000 MNIST test digits (t10k-*.gz, read here with NumPy) is timed after a few
warm-up batches, with SGD(lr=0.1, momentum=0.9), SoftmaxCrossEntropyLoss and batch 64, for:
mxnb imperative and hybridized, MXNet 1.9.1 imperative and hybridized, PyTorch eager. The Gluon
code is the same for mxnb and MXNet (`import mxnb as mx` vs `import mxnet as mx`). After the timed
epoch each framework's accuracy on the digits it trained on is shown, to show that it learns.
Every framework runs in its own interpreter with the same thread count.
"""
import argparse
import gzip
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

MODELS = ("mlp", "lenet")
BATCH = 64
LR, MOMENTUM = 0.1, 0.9


# --------------------------------------------------------------------------- data

def read_idx(path):
    """An IDX file (gzip'd or not) as a NumPy array."""
    import numpy as np
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file (magic %r)" % (path, data[:4]))
    shape = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if array.size != int(np.prod(shape)):
        raise ValueError("%s: %d values for shape %s" % (path, array.size, shape))
    return array.reshape(shape)


def load_mnist(data_dir, samples, seed=0):
    import numpy as np
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    order = np.random.RandomState(seed).permutation(len(images))[:samples]
    x = (images[order].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = labels[order].astype(np.float32)
    return x, y


def batches(x, y):
    """Full batches only, so a hybridized graph sees one shape."""
    for i in range(0, len(x) - BATCH + 1, BATCH):
        yield x[i:i + BATCH], y[i:i + BATCH]


# --------------------------------------------------------------------------- Gluon (mxnet or mxnb)

def gluon_net(mx, model):
    nn = mx.gluon.nn
    net = nn.HybridSequential()
    if model == "mlp":
        net.add(nn.Dense(128, activation="relu"), nn.Dense(64, activation="relu"), nn.Dense(10))
    else:
        net.add(nn.Conv2D(20, kernel_size=5, activation="tanh"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Conv2D(50, kernel_size=5, activation="tanh"),
                nn.MaxPool2D(pool_size=2, strides=2),
                nn.Flatten(),
                nn.Dense(500, activation="tanh"),
                nn.Dense(10))
    return net


def gluon_run(mx, model, hybridize, x, y, warmup):
    import numpy as np
    mx.random.seed(0)
    np.random.seed(0)
    ctx = mx.cpu()
    net = gluon_net(mx, model)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridize:
        net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LR, "momentum": MOMENTUM})

    def step(xb, yb):
        data = mx.nd.array(xb, ctx=ctx)
        label = mx.nd.array(yb, ctx=ctx)
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(BATCH)
        return loss

    for i, (xb, yb) in enumerate(batches(x, y)):  # warm-up: allocation, shape inference, graph build
        if i >= warmup:
            break
        step(xb, yb)
    mx.nd.waitall()

    n, t0 = 0, time.perf_counter()
    last = None
    for xb, yb in batches(x, y):
        last = step(xb, yb)
        n += len(xb)
    mx.nd.waitall()
    seconds = time.perf_counter() - t0
    final_loss = float(last.mean().asscalar())

    correct = total = 0
    for xb, yb in batches(x, y):
        pred = net(mx.nd.array(xb, ctx=ctx)).asnumpy().argmax(axis=1)
        correct += int((pred == yb).sum())
        total += len(yb)
    result = {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
              "accuracy": correct / total, "last_loss": final_loss, "rss_mb": _common.rss_peak_mb()}
    xb, yb = next(batches(x, y))

    def one_step():
        step(xb, yb)
        mx.nd.waitall()
    result["step_rss_mb"] = _common.step_rss_peak_mb(one_step)
    if mx.__name__ == "mxnb":
        result["step_peak_mb"] = _common.step_peak_mb(one_step)
        result["array_peak_mb"] = _common.live_array_peak_mb(mx, one_step)
    return result


# --------------------------------------------------------------------------- PyTorch

def torch_net(torch, model):
    nn = torch.nn
    if model == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(),
                             nn.Linear(64, 10))
    return nn.Sequential(nn.Conv2d(1, 20, 5), nn.Tanh(), nn.MaxPool2d(2, 2),
                         nn.Conv2d(20, 50, 5), nn.Tanh(), nn.MaxPool2d(2, 2),
                         nn.Flatten(), nn.Linear(800, 500), nn.Tanh(), nn.Linear(500, 10))


def torch_run(torch, model, x, y, warmup):
    torch.manual_seed(0)
    net = torch_net(torch, model)
    for m in net.modules():  # Xavier, as in the Gluon version
        if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)
    loss_fn = torch.nn.CrossEntropyLoss()  # mean over the batch == Gluon's sum / trainer.step(batch)
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(xb, yb):
        data = torch.tensor(xb)
        label = torch.tensor(yb).long()
        opt.zero_grad()
        loss = loss_fn(net(data), label)
        loss.backward()
        opt.step()
        return loss

    net.train()
    for i, (xb, yb) in enumerate(batches(x, y)):
        if i >= warmup:
            break
        step(xb, yb)

    n, t0 = 0, time.perf_counter()
    last = None
    for xb, yb in batches(x, y):
        last = step(xb, yb)
        n += len(xb)
    seconds = time.perf_counter() - t0
    final_loss = float(last.detach())

    net.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in batches(x, y):
            pred = net(torch.tensor(xb)).argmax(dim=1).numpy()
            correct += int((pred == yb).sum())
            total += len(yb)
    net.train()
    xb, yb = next(batches(x, y))
    return {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
            "accuracy": correct / total, "last_loss": final_loss, "rss_mb": _common.rss_peak_mb(),
            "step_rss_mb": _common.step_rss_peak_mb(lambda: step(xb, yb))}


# --------------------------------------------------------------------------- worker / runner

def worker(framework, mode, model, data_dir, samples, warmup, threads):
    x, y = load_mnist(data_dir, samples)
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
        result = torch_run(mod, model, x, y, warmup)
    else:
        import importlib
        mod = importlib.import_module(framework)  # "mxnet" or "mxnb": the same Gluon code
        result = gluon_run(mod, model, mode == "hybridized", x, y, warmup)
    result.update(_common.worker_info(framework, mod))
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--data", default=os.path.join(_common.ROOT, "..", "shared", "data", "mnist"),
                        help="folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz "
                             "(default: ../shared/data/mnist relative to the repository root)")
    parser.add_argument("--samples", type=int, default=10000, help="digits in the timed epoch (max 10000)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed warm-up batches")
    parser.add_argument("--models", default="mlp,lenet", help="comma-separated: mlp,lenet")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each configuration, interleaved across frameworks; the median "
                             "samples/s is shown with its range (shared machines are noisy)")
    _common.add_variant_args(parser)
    parser.add_argument("--mode", default="imperative", help=argparse.SUPPRESS)
    parser.add_argument("--model", default="mlp", help=argparse.SUPPRESS)
    args = parser.parse_args()
    data_dir = os.path.abspath(args.data)
    if args.worker:
        return worker(args.framework, args.mode, args.model, data_dir, args.samples, args.warmup, args.threads)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(data_dir, name)):
            parser.error("%s not found in %s (use --data)" % (name, data_dir))
    if args.setup_peers:
        _common.setup_peers()

    runs = []  # (row label, framework key, mode, python, extra environment)
    for key, label, python in _common.frameworks(args.only):
        if key == "mxnb":
            runs += [(row, key, mode, python, env) for row, mode, env in
                     _common.mxnb_runs(label, ["imperative", "hybridized"], args)]
            continue
        modes = ["eager"] if key == "torch" else ["imperative", "hybridized"]
        for mode in modes:
            runs.append(("%s %s" % (label, mode), key, mode, python, None))
    models = [m.strip() for m in args.models.split(",") if m.strip()]

    results, speeds = {}, {}
    for model in models:
        # Round-robin over the configurations, starting one further each round, so a noisy
        # stretch of time hits all of them alike.
        for repeat in range(args.repeat):
            shift = repeat % len(runs)
            for row, key, mode, python, extra in runs[shift:] + runs[:shift]:
                if python is None:
                    results[row, model] = None
                    continue
                print("running %s, %s (%d/%d) ..." % (row, model, repeat + 1, args.repeat),
                      file=sys.stderr, flush=True)
                result = _common.run_worker(
                    python, os.path.abspath(__file__),
                    ["--framework", key, "--mode", mode, "--model", model, "--data", data_dir,
                     "--samples", str(args.samples), "--warmup", str(args.warmup)],
                    args.threads, extra_env=extra, timeout=args.timeout)
                if result is not None and "error" not in result:
                    speeds.setdefault((row, model), []).append(result["samples_per_s"])
                if (row, model) not in results or "error" in (result or {}):
                    results[row, model] = result

    versions, seen = [], set()
    for key, label, python in _common.frameworks(args.only):
        found = next((r for (row, _), r in results.items() if row.startswith(label) and r and "version" in r), None)
        if label not in seen:
            seen.add(label)
            versions.append((label, _common.version_line(found) if found or python is None
                             else "error (see below)"))
    _common.header("MNIST training, one epoch of %d digits, batch %d, SGD(lr=%g, momentum=%g) "
                   "(samples/s, higher is better; accuracy on the trained digits after the epoch)"
                   % (args.samples // BATCH * BATCH, BATCH, LR, MOMENTUM), args.threads, versions)

    headers = ["framework"]
    for model in models:
        headers += ["%s samples/s" % model, "%s acc" % model, "%s RSS MB" % model,
                    "%s step RSS MB" % model, "%s step peak MB" % model,
                    "%s NDArray peak MB" % model]
    rows, notes = [], []
    for row, key, mode, python, _ in runs:
        cells = [row]
        for model in models:
            r = results[row, model]
            if r is None:
                cells += ["not installed", "", "", "", "", ""]
            elif "error" in r:
                cells += ["error*", "", "", "", "", ""]
                notes.append("* %s, %s: %s" % (row, model, r["error"]))
            else:
                runs_of = sorted(speeds[row, model])
                median = runs_of[len(runs_of) // 2] if len(runs_of) % 2 else \
                    (runs_of[len(runs_of) // 2 - 1] + runs_of[len(runs_of) // 2]) / 2
                spread = " (%.0f-%.0f)" % (runs_of[0], runs_of[-1]) if len(runs_of) > 1 else ""
                cells += ["%.0f%s" % (median, spread), "%.1f%%" % (100 * r["accuracy"]),
                          "%.0f" % r.get("rss_mb", 0),
                          "%.2f" % r["step_rss_mb"] if r.get("step_rss_mb") is not None else "-",
                          "%.2f" % r["step_peak_mb"] if "step_peak_mb" in r else "-",
                          "%.2f" % r["array_peak_mb"] if "array_peak_mb" in r else "-"]
        rows.append(cells)
    notes.append("RSS: the worker's peak resident memory (data, framework, model). step RSS: the "
                 "most resident memory one training step adds above what was resident before it "
                 "(every framework; /proc/self high-water mark reset before the step). step peak: the "
                 "most one training step holds above what was held before it, by tracemalloc "
                 "(mxnb only: NumPy reports its buffers to it). NDArray peak: mxnb's live-array "
                 "accounting over a step (a hybridized program's inner arrays are not NDArrays).")
    _common.table(headers, rows, notes)


if __name__ == "__main__":
    main()
