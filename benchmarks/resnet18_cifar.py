"""ResNet-18 training on 32x32 images (CIFAR-10's shape, random data): mxnb vs MXNet 1.9.1 vs
PyTorch, samples/s and peak memory.

    .venv/bin/python benchmarks/resnet18_cifar.py [--batch 32] [--batches 4] [--repeat 3]

The CIFAR variant of ResNet-18 (He et al. 2016): a 3x3 stem with 64 filters and no max-pooling,
four stages of two BasicBlocks (64, 128, 256, 512 filters; stride 2 from the second stage on,
with a 1x1 projection shortcut), global average pooling and a 10-way Dense layer, BatchNorm
after every convolution. SGD(lr=0.05, momentum=0.9), softmax cross-entropy. The Gluon code is
the same for mxnb and MXNet. Random data: this measures speed, not learning.
"""
import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

LR, MOMENTUM = 0.05, 0.9


def data(batch, batches, seed=0):
    import numpy as np
    rs = np.random.RandomState(seed)
    x = rs.uniform(-1, 1, (batches, batch, 3, 32, 32)).astype("float32")
    y = rs.randint(0, 10, (batches, batch)).astype("float32")
    return x, y


# --------------------------------------------------------------------------- Gluon (mxnet or mxnb)

def gluon_resnet18(mx):
    nn = mx.gluon.nn

    class BasicBlock(nn.HybridBlock):
        def __init__(self, channels, stride, project, **kwargs):
            super().__init__(**kwargs)
            self.body = nn.HybridSequential()
            self.body.add(nn.Conv2D(channels, 3, stride, 1, use_bias=False), nn.BatchNorm(),
                          nn.Activation("relu"),
                          nn.Conv2D(channels, 3, 1, 1, use_bias=False), nn.BatchNorm())
            self.shortcut = None
            if project:
                self.shortcut = nn.HybridSequential()
                self.shortcut.add(nn.Conv2D(channels, 1, stride, use_bias=False), nn.BatchNorm())

        def hybrid_forward(self, F, x):
            residual = x if self.shortcut is None else self.shortcut(x)
            return F.Activation(self.body(x) + residual, act_type="relu")

    net = nn.HybridSequential()
    net.add(nn.Conv2D(64, 3, 1, 1, use_bias=False), nn.BatchNorm(), nn.Activation("relu"))
    in_channels = 64
    for channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        net.add(BasicBlock(channels, stride, stride != 1 or channels != in_channels),
                BasicBlock(channels, 1, False))
        in_channels = channels
    net.add(nn.GlobalAvgPool2D(), nn.Flatten(), nn.Dense(10))
    return net


def gluon_run(mx, hybridize, x, y, warmup):
    import numpy as np
    mx.random.seed(0)
    np.random.seed(0)
    net = gluon_resnet18(mx)
    net.initialize(mx.init.Xavier(magnitude=2.0))
    if hybridize:
        net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LR, "momentum": MOMENTUM})
    batch = x.shape[1]

    def step(xb, yb):
        data = mx.nd.array(xb)
        label = mx.nd.array(yb)
        with mx.autograd.record():
            loss = loss_fn(net(data), label)
        loss.backward()
        trainer.step(batch)
        return loss

    for i in range(warmup):
        step(x[i % len(x)], y[i % len(y)])
    mx.nd.waitall()
    t0 = time.perf_counter()
    for xb, yb in zip(x, y):
        last = step(xb, yb)
    mx.nd.waitall()
    seconds = time.perf_counter() - t0
    result = {"samples_per_s": x.shape[0] * batch / seconds, "last_loss": float(last.mean().asscalar()),
              "rss_mb": _common.rss_peak_mb()}
    if mx.__name__ == "mxnb":
        def one_step():
            step(x[0], y[0])
            mx.nd.waitall()
        result["step_peak_mb"] = _common.step_peak_mb(one_step, repeat=1)
    return result


# --------------------------------------------------------------------------- PyTorch

def torch_resnet18(torch):
    nn = torch.nn

    class BasicBlock(nn.Module):
        def __init__(self, cin, channels, stride):
            super().__init__()
            self.body = nn.Sequential(
                nn.Conv2d(cin, channels, 3, stride, 1, bias=False), nn.BatchNorm2d(channels),
                nn.ReLU(), nn.Conv2d(channels, channels, 3, 1, 1, bias=False), nn.BatchNorm2d(channels))
            self.shortcut = None
            if stride != 1 or cin != channels:
                self.shortcut = nn.Sequential(nn.Conv2d(cin, channels, 1, stride, bias=False),
                                              nn.BatchNorm2d(channels))

        def forward(self, x):
            residual = x if self.shortcut is None else self.shortcut(x)
            return torch.relu(self.body(x) + residual)

    layers = [nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()]
    cin = 64
    for channels, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(cin, channels, stride), BasicBlock(channels, channels, 1)]
        cin = channels
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def torch_run(torch, x, y, warmup):
    torch.manual_seed(0)
    net = torch_resnet18(torch)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
    net.train()

    def step(xb, yb):
        opt.zero_grad()
        loss = loss_fn(net(torch.tensor(xb)), torch.tensor(yb).long())
        loss.backward()
        opt.step()
        return loss

    for i in range(warmup):
        step(x[i % len(x)], y[i % len(y)])
    t0 = time.perf_counter()
    for xb, yb in zip(x, y):
        last = step(xb, yb)
    seconds = time.perf_counter() - t0
    return {"samples_per_s": x.shape[0] * x.shape[1] / seconds, "last_loss": float(last.detach()),
            "rss_mb": _common.rss_peak_mb()}


# --------------------------------------------------------------------------- worker / runner

def worker(framework, mode, batch, batches, warmup, threads):
    x, y = data(batch, batches)
    if framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", threads)
        result = torch_run(mod, x, y, warmup)
    else:
        import importlib
        mod = importlib.import_module(framework)
        result = gluon_run(mod, mode == "hybridized", x, y, warmup)
    result.update(_common.worker_info(framework, mod))
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--batches", type=int, default=4, help="timed batches per run")
    parser.add_argument("--warmup", type=int, default=1, help="untimed warm-up batches")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration, interleaved; "
                        "the median is shown with its range")
    parser.add_argument("--timeout", type=int, default=1800)
    _common.add_variant_args(parser)
    parser.add_argument("--mode", default="imperative", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.framework, args.mode, args.batch, args.batches, args.warmup, args.threads)
    if args.setup_peers:
        _common.setup_peers()
    runs = []
    for key, label, python in _common.frameworks(args.only):
        if key == "mxnb":
            runs += [(row, key, mode, python, env) for row, mode, env in
                     _common.mxnb_runs(label, ["imperative", "hybridized"], args)]
            continue
        for mode in (["eager"] if key == "torch" else ["imperative", "hybridized"]):
            runs.append(("%s %s" % (label, mode), key, mode, python, None))
    results, speeds = {}, {}
    for repeat in range(args.repeat):
        shift = repeat % len(runs)
        for row, key, mode, python, extra in runs[shift:] + runs[:shift]:
            if python is None:
                results[row] = None
                continue
            print("running %s (%d/%d) ..." % (row, repeat + 1, args.repeat), file=sys.stderr, flush=True)
            result = _common.run_worker(
                python, os.path.abspath(__file__),
                ["--framework", key, "--mode", mode, "--batch", str(args.batch),
                 "--batches", str(args.batches), "--warmup", str(args.warmup)],
                args.threads, extra_env=extra, timeout=args.timeout)
            if "error" not in result:
                speeds.setdefault(row, []).append(result["samples_per_s"])
            if row not in results or "error" in (result or {}):
                results[row] = result
    versions = []
    for key, label, python in _common.frameworks(args.only):
        found = next((r for row, r in results.items() if row.startswith(label) and r and "version" in r), None)
        versions.append((label, _common.version_line(found) if found or python is None else "error"))
    _common.header("ResNet-18 (CIFAR variant) training on random 32x32 images, batch %d, %d timed "
                   "batches, SGD(lr=%g, momentum=%g) (samples/s, higher is better)"
                   % (args.batch, args.batches, LR, MOMENTUM), args.threads, versions)
    rows, notes = [], []
    for row, key, mode, python, _ in runs:
        r = results.get(row)
        if r is None:
            rows.append([row, "not installed", "", "", ""])
        elif "error" in r:
            rows.append([row, "error*", "", "", ""])
            notes.append("* %s: %s" % (row, r["error"]))
        else:
            s = speeds[row]
            spread = " (%.1f-%.1f)" % (min(s), max(s)) if len(s) > 1 else ""
            rows.append([row, "%.1f%s" % (statistics.median(s), spread), "%.3f" % r["last_loss"],
                         "%.0f" % r["rss_mb"],
                         "%.1f" % r["step_peak_mb"] if "step_peak_mb" in r else "-"])
    notes.append("RSS: the worker's peak resident memory. step peak: what one mxnb training step "
                 "holds above what was held before it (tracemalloc).")
    _common.table(["framework", "samples/s", "last loss", "RSS MB", "step peak MB"], rows, notes)


if __name__ == "__main__":
    main()
