"""DataLoader throughput with a Python-heavy augmentation of 32x32 images: mxnb vs MXNet 1.9.1
vs PyTorch, at num_workers=0 and 2 (samples per second, higher is better).

    .venv/bin/python benchmarks/dataloader.py [--setup-peers] [--samples 2048] [--epochs 3]

Every framework loads the same synthetic dataset (uint8 32x32x3 images made from a fixed seed)
through its own DataLoader, with the same per-sample augmentation written in NumPy and Python:
pad-and-random-crop, random flip, brightness/contrast jitter, cutout, normalize, HWC -> CHW.
Worker processes are kept across epochs (PyTorch: persistent_workers=True; MXNet and mxnb keep
theirs); one warm-up epoch starts them, then --epochs epochs are timed. Each framework runs in
its own interpreter (see _common.py).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def make_images(n):
    import numpy as np
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, size=(n, 32, 32, 3)).astype(np.uint8), \
        rng.randint(0, 10, size=n).astype(np.int32)


def augment(img, rng):
    """The same Python-heavy augmentation for every framework (NumPy in, NumPy out)."""
    import numpy as np
    padded = np.pad(img, ((4, 4), (4, 4), (0, 0)), mode="reflect")
    y, x = rng.randint(0, 9), rng.randint(0, 9)
    out = padded[y:y + 32, x:x + 32].astype(np.float32) / 255.0
    if rng.rand() < 0.5:
        out = out[:, ::-1]
    brightness = 1.0 + rng.uniform(-0.2, 0.2)
    contrast = 1.0 + rng.uniform(-0.2, 0.2)
    gray = float((out @ np.array([0.299, 0.587, 0.114], dtype=np.float32)).mean())
    out = np.clip((out * brightness - gray) * contrast + gray, 0.0, 1.0)
    for _ in range(2):  # two cutout holes, placed in Python
        cy, cx = rng.randint(0, 32), rng.randint(0, 32)
        out[max(0, cy - 4):cy + 4, max(0, cx - 4):cx + 4] = 0.0
    out = (out - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return np.ascontiguousarray(out.transpose(2, 0, 1))


class AugmentedImages:
    """A map-style dataset: (augmented image, label); each sample draws from its own stream."""

    def __init__(self, n):
        self.images, self.labels = make_images(n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        import numpy as np
        rng = np.random.RandomState((i * 7919 + int(np.random.randint(1 << 30))) % (1 << 31))
        return augment(self.images[i], rng), self.labels[i]


def make_loader(framework, dataset, batch_size, workers):
    if framework == "torch":
        import torch.utils.data as tud

        class TorchSet(tud.Dataset):
            def __len__(self):
                return len(dataset)

            def __getitem__(self, i):
                return dataset[i]
        return tud.DataLoader(TorchSet(), batch_size=batch_size, shuffle=True,
                              num_workers=workers, persistent_workers=workers > 0)
    import importlib
    mx = importlib.import_module(framework)

    class MxSet(mx.gluon.data.Dataset):
        def __len__(self):
            return len(dataset)

        def __getitem__(self, i):
            return dataset[i]
    return mx.gluon.data.DataLoader(MxSet(), batch_size=batch_size, shuffle=True,
                                    num_workers=workers)


def cpu_seconds():
    """CPU time (user + system) of this process and its live child processes (Linux /proc):
    what the loader's workers really got, which a busy machine can hold below the wall time."""
    pid, total = os.getpid(), 0.0
    tick = os.sysconf("SC_CLK_TCK")
    try:
        names = [n for n in os.listdir("/proc") if n.isdigit()]
    except OSError:
        return None
    for name in names:
        try:
            with open("/proc/%s/stat" % name) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(name) == pid or int(fields[1]) == pid:  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def worker(framework, samples, epochs, batch_size, workers, threads):
    import numpy as np
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
    else:
        import importlib
        mod = importlib.import_module(framework)
    result = _common.worker_info(framework, mod)
    loader = make_loader(framework, AugmentedImages(samples), batch_size, workers)
    checksum = 0.0
    for x, y in loader:  # warm-up epoch: starts the workers
        pass
    cpu_start = cpu_seconds()
    start = time.perf_counter()
    seen = 0
    for _ in range(epochs):
        for x, y in loader:
            x = x.asnumpy() if hasattr(x, "asnumpy") else x.numpy()
            seen += x.shape[0]
            checksum += float(np.abs(x[:, :, 16, 16]).mean())
    elapsed = time.perf_counter() - start
    cpu_end = cpu_seconds()
    result.update({"samples_per_s": seen / elapsed, "seen": seen, "checksum": checksum,
                   "cores": (cpu_end - cpu_start) / elapsed if cpu_start is not None else None})
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--workers", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--num-workers", default="0,2", help="comma-separated worker counts")
    parser.add_argument("--repeat", type=int, default=1,
                        help="interleaved runs of every configuration; the best is shown")
    args = parser.parse_args()
    if args.worker:
        return worker(args.framework, args.samples, args.epochs, args.batch_size, args.workers,
                      args.threads)
    if args.setup_peers:
        _common.setup_peers()
    counts = [int(c) for c in args.num_workers.split(",")]
    frameworks = _common.frameworks(args.only)
    runs = {}
    for _ in range(args.repeat):  # interleaved, so that load changes hit every framework
        for key, label, python in frameworks:
            for count in counts:
                if python is None:
                    continue
                print("running %s, num_workers=%d ..." % (label, count), file=sys.stderr,
                      flush=True)
                extra = {"PYTHONPATH": _common.ROOT} if key == "mxnb" else None
                runs.setdefault((key, count), []).append(_common.run_worker(
                    python, os.path.abspath(__file__),
                    ["--framework", key, "--workers", str(count), "--samples",
                     str(args.samples), "--epochs", str(args.epochs), "--batch-size",
                     str(args.batch_size)], args.threads, extra_env=extra))
    results = {}
    for key, _, python in frameworks:
        for count in counts:
            done = [r for r in runs.get((key, count), []) if "error" not in r]
            if python is None:
                results[key, count] = None
            elif not done:
                results[key, count] = runs[key, count][-1]
            else:
                # best of the runs: other work on the machine only ever slows a run down
                rates = sorted(r["samples_per_s"] for r in done)
                best = max(done, key=lambda r: r["samples_per_s"])
                results[key, count] = dict(best, low=rates[0], high=rates[-1])
    _common.header("DataLoader throughput, %d augmented 32x32x3 images, batch %d, %d timed "
                   "epochs (samples/s, best of %d runs, higher is better)"
                   % (args.samples, args.batch_size, args.epochs, args.repeat),
                   args.threads, [(label, _common.version_line(results[key, counts[0]]))
                                  for key, label, _ in frameworks])

    def cell(key, count):
        r = results[key, count]
        if r is None:
            return "not installed"
        if "error" in r:
            return "error: " + r["error"][:60]
        cores = (" [%.2f cores, %.0f/cpu-s]" % (r["cores"], r["samples_per_s"] / r["cores"])
                 if r.get("cores") else "")
        if args.repeat > 1:
            return "%.0f (from %.0f)%s" % (r["samples_per_s"], r["low"], cores)
        return "%.0f%s" % (r["samples_per_s"], cores)

    def speedup(key):
        try:
            return "%.2fx" % (results[key, counts[-1]]["samples_per_s"]
                              / results[key, counts[0]]["samples_per_s"])
        except (KeyError, TypeError):
            return "-"

    headers = ["framework"] + ["num_workers=%d" % c for c in counts]
    if len(counts) > 1:
        headers.append("speed-up %d->%d" % (counts[0], counts[-1]))
    rows = [[label] + [cell(key, c) for c in counts] + ([speedup(key)] if len(counts) > 1 else [])
            for key, label, _ in frameworks]
    _common.table(headers, rows, notes=[
        "The augmentation is the same NumPy/Python function in every framework; the loaders "
        "differ in how they run it (worker processes, batching, hand-over to the main process).",
        "(from N): the slowest run. [cores]: CPU seconds used by the loader's process and its "
        "workers per wall second in the best run; on a busy machine it stays below 1 + workers. "
        "/cpu-s: samples per CPU second, what the loader costs whatever share of the machine it "
        "gets."])


if __name__ == "__main__":
    main()
