"""What a live Dashboard costs a training loop: samples/s with and without one, and what it showed.

    .venv/bin/python benchmarks/dashboard_overhead.py [--model lenet|mlp] [--seconds 3] [--rounds 5]
                                                      [--data DIR] [--hybridize] [--no-widgets]

Trains the model of benchmarks/train_mnist.py (LeNet or MLP, Gluon, SGD(momentum), batch 64) on
the MNIST test digits (t10k-*.gz, read with NumPy) in this one process, for --seconds per timing,
with: no dashboard; a Dashboard(interval=0.5); a Dashboard(interval=--tight, default 0.05). Each
round times the three in a rotated order and the median over --rounds rounds is reported, so drift
of the machine hits all three alike. The dashboard's widget panel is built (its values are updated
on every sample, as in a notebook; here no frontend receives them) unless --no-widgets. BLAS runs
--threads threads (default 1), so the sampling thread and BLAS do not fight over the cores.

At the end a Dashboard(interval=0.5) is started first, then a fresh network is made and trained
for --seconds, as in a notebook, and what the dashboard showed is printed: live NDArray count,
bytes and peak (parameters, gradients, optimizer state, activations), process memory and CPU,
operators per second and the slowest operators, and the ranges its history went through.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
from train_mnist import BATCH, gluon_net, read_idx  # noqa: E402  the same data reader and models


def load_digits(data_dir, seed=0):
    import numpy as np
    images = read_idx(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"))
    order = np.random.RandomState(seed).permutation(len(images))
    x = (images[order].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    return x, labels[order].astype(np.float32)


class Training:
    """One network trained on and on; `run(n)` trains n more batches and returns samples/s."""

    def __init__(self, mx, model, hybridize, x, y):
        mx.random.seed(0)
        self.mx, self.x, self.y = mx, x, y
        self.net = gluon_net(mx, model)
        self.net.initialize(mx.init.Xavier(), ctx=mx.cpu())
        if hybridize:
            self.net.hybridize()
        self.loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
        self.trainer = mx.gluon.Trainer(self.net.collect_params(), "sgd",
                                        {"learning_rate": 0.1, "momentum": 0.9})
        self.position = 0
        self.last_loss = None

    def _next_batch(self):
        if self.position + BATCH > len(self.x):
            self.position = 0
        i = self.position
        self.position += BATCH
        return self.x[i:i + BATCH], self.y[i:i + BATCH]

    def run(self, batches=None, seconds=None):
        """Trains `batches` batches, or for `seconds`; returns (samples/s, samples per CPU-second)."""
        mx = self.mx
        cpu_started = _process_cpu_seconds()
        started = time.perf_counter()
        done = 0
        while (done < batches) if batches is not None else (time.perf_counter() - started < seconds):
            done += 1
            xb, yb = self._next_batch()
            data, label = mx.nd.array(xb), mx.nd.array(yb)
            with mx.autograd.record():
                loss = self.loss_fn(self.net(data), label)
            loss.backward()
            self.trainer.step(BATCH)
        mx.nd.waitall()
        self.last_loss = float(loss.mean().asnumpy().reshape(-1)[0])
        wall = time.perf_counter() - started
        return done * BATCH / wall, done * BATCH / (_process_cpu_seconds() - cpu_started)


def _process_cpu_seconds():
    """CPU time of the whole process: the training thread plus the dashboard's sampling thread."""
    times = os.times()
    return times.user + times.system


def timed_with(training, seconds, interval, widgets):
    """(samples/s, samples per CPU-second) over `seconds` of training with a Dashboard(interval)
    running; interval None: without one; "tracking" / "observer": only that part of the core's
    instrumentation switched on, to see where the cost comes from."""
    from mxnb import instrument
    from mxnb.notebook import Dashboard
    from mxnb.notebook.opwindow import OpWindow
    if interval is None:
        return training.run(seconds=seconds)
    if interval == "tracking":
        instrument.start_array_tracking()
        try:
            return training.run(seconds=seconds)
        finally:
            instrument.stop_array_tracking()
    if interval == "observer":
        observer = OpWindow().observe
        instrument.add_op_observer(observer)
        try:
            return training.run(seconds=seconds)
        finally:
            instrument.remove_op_observer(observer)
    dash = Dashboard(interval=interval)
    if widgets:
        dash.widget  # built, so every sample also renders sparklines and assigns widget values
    try:
        return training.run(seconds=seconds)
    finally:
        dash.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=os.path.join(_common.ROOT, "..", "shared", "data", "mnist"),
                        help="folder with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz")
    parser.add_argument("--model", default="lenet", choices=("lenet", "mlp"))
    parser.add_argument("--hybridize", action="store_true", help="hybridize the network")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds of training per timing")
    parser.add_argument("--rounds", type=int, default=5, help="timings per configuration (median kept)")
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads (default 1)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches first")
    parser.add_argument("--tight", type=float, default=0.05, help="the tighter dashboard interval (s)")
    parser.add_argument("--no-widgets", action="store_true", help="do not build the widget panel")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the core's array accounting alone and the op observer alone")
    args = parser.parse_args()
    data_dir = os.path.abspath(args.data)
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        if not os.path.exists(os.path.join(data_dir, name)):
            parser.error("%s not found in %s (use --data)" % (name, data_dir))

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(args.threads)  # before NumPy loads its BLAS
    import mxnb as mx
    from mxnb.notebook import Dashboard
    from mxnb.notebook.dashboard_text import snapshot_text

    widgets = not args.no_widgets
    if widgets:
        try:
            import ipywidgets  # noqa: F401
        except ImportError:
            widgets = False
    x, y = load_digits(data_dir)
    training = Training(mx, args.model, args.hybridize, x, y)
    training.run(args.warmup)

    configs = [("no dashboard", None), ("Dashboard(interval=0.5)", 0.5),
               ("Dashboard(interval=%g)" % args.tight, args.tight)]
    if args.breakdown:
        configs += [("array accounting only", "tracking"), ("op observer only", "observer")]
    timings = {label: [] for label, _ in configs}
    for round_index in range(args.rounds):
        shift = round_index % len(configs)
        for label, interval in configs[shift:] + configs[:shift]:
            timings[label].append(timed_with(training, args.seconds, interval, widgets))
            print("round %d: %-28s %8.1f samples/s, %8.1f samples/CPU-s"
                  % ((round_index + 1, label) + timings[label][-1]), file=sys.stderr, flush=True)

    print("Dashboard overhead: %s%s on MNIST digits, batch %d, %g s per timing, median of %d rounds "
          "(samples/s, higher is better); widget panel %s"
          % (args.model, " (hybridized)" if args.hybridize else "", BATCH, args.seconds, args.rounds,
             "built" if widgets else "not built"))
    print("CPU: %s, %d cores, BLAS threads %d; mxnb %s, numpy %s\n"
          % (_common.cpu_model(), os.cpu_count() or 0, args.threads, mx.__version__,
             __import__("numpy").__version__))
    wall = {label: [t[0] for t in runs] for label, runs in timings.items()}
    cpu = {label: [t[1] for t in runs] for label, runs in timings.items()}
    base_wall = statistics.median(wall["no dashboard"])
    base_cpu = statistics.median(cpu["no dashboard"])
    rows = []
    for label, _ in configs:
        row = [label]
        for values, base in ((wall[label], base_wall), (cpu[label], base_cpu)):
            median = statistics.median(values)
            row += ["%.1f" % median, "%.0f-%.0f" % (min(values), max(values)),
                    "" if label == "no dashboard" else "%+.1f%%" % (100.0 * (base - median) / base)]
        rows.append(row)
    _common.table(["configuration", "samples/s", "range", "overhead", "samples/CPU-s", "range", "overhead"],
                  rows, ["overhead = how much slower than without a dashboard (negative: faster, i.e. noise)",
                         "samples/CPU-s counts the CPU time of the whole process (training and sampling "
                         "threads): it is what the dashboard costs even where other programs share the cores"])

    # What a dashboard showed while it watched a network made and trained after it started.
    dash = Dashboard(interval=0.5)
    if widgets:
        dash.widget
    fresh = Training(mx, args.model, args.hybridize, x, y)
    samples_per_s, _ = fresh.run(seconds=args.seconds)
    snapshot = dash.refresh()
    dash.close()
    history = snapshot["history"]
    live = [v for v in history["contexts"]["cpu(0)"]["live_bytes"] if v is not None]
    rss = [v for v in history["process"]["rss_bytes"] if v is not None]
    print("What Dashboard(interval=0.5) showed, started before a fresh %s was made and trained for "
          "%g s (%.0f samples/s, last loss %.3f):" % (args.model, args.seconds, samples_per_s, fresh.last_loss))
    print(snapshot_text(snapshot))
    print("history: %d samples; cpu(0) live NDArray bytes %.2f-%.2f MiB; process RSS %.1f-%.1f MiB; "
          "operators/s %.0f-%.0f" % (len(history["time"]), min(live) / 2**20, max(live) / 2**20,
                                     min(rss) / 2**20, max(rss) / 2**20,
                                     min(history["ops_per_second"]), max(history["ops_per_second"])))

if __name__ == "__main__":
    main()
