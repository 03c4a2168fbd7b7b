"""Data-parallel training across processes: mxnb's MPI 'dist_sync' kvstore vs PyTorch's
torch.distributed (gloo), side by side in one run.

1. LeNet on the MNIST digits: one process against N processes (each with one thread and its
   shard of every global batch), samples/s and scaling efficiency (N-process throughput over N
   times the one-process throughput).
2. All-reduce bandwidth of one float32 array of 1, 10 and 100 MB across N processes: mxnb's
   `kv.pushpull` against `torch.distributed.all_reduce`.

MXNet 1.9.1's own dist_sync needs its parameter-server launcher (scheduler and servers), which
this benchmark does not start; it is not among the peers here.

    .venv/bin/python benchmarks/data_parallel.py --processes 2 --repeat 3
"""
import argparse
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
from train_mnist import load_mnist, gluon_net, torch_net, LR, MOMENTUM  # noqa: E402

GLOBAL_BATCH = 64
SIZES_MB = (1, 10, 100)


# --------------------------------------------------------------------------- workers

def _shards(x, y, rank, size):
    """Each global batch of GLOBAL_BATCH digits, cut into `size` shards; this rank's shard."""
    shard = GLOBAL_BATCH // size
    for i in range(0, len(x) - GLOBAL_BATCH + 1, GLOBAL_BATCH):
        lo = i + rank * shard
        yield x[lo:lo + shard], y[lo:lo + shard]


def mxnb_train(x, y, warmup):
    import numpy as np
    import mxnb as mx
    kv = mx.kv.create("dist_sync")
    rank, size = kv.rank, kv.num_workers
    mx.random.seed(0)
    net = gluon_net(mx, "lenet")
    net.initialize(mx.init.Xavier())
    net.hybridize()
    net(mx.nd.array(x[:2]))                       # resolve shapes, so the kvstore starts equal
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd",
                               {"learning_rate": LR, "momentum": MOMENTUM},
                               kvstore=kv if size > 1 else None)
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def step(xb, yb):
        with mx.autograd.record():
            loss = loss_fn(net(mx.nd.array(xb)), mx.nd.array(yb))
        loss.backward()
        trainer.step(GLOBAL_BATCH)

    batches = list(_shards(x, y, rank, size))
    for xb, yb in batches[:warmup]:
        step(xb, yb)
    if size > 1:
        kv.barrier()
    t0 = time.perf_counter()
    for xb, yb in batches:
        step(xb, yb)
    mx.nd.waitall()
    if size > 1:
        kv.barrier()
    seconds = time.perf_counter() - t0
    samples = len(batches) * GLOBAL_BATCH
    return rank, {"samples_per_s": samples / seconds, "seconds": seconds,
                  "checksum": float(np.abs(net[0].weight.data().asnumpy()).sum())}


def mxnb_allreduce(repeats):
    import numpy as np
    import mxnb as mx
    kv = mx.kv.create("dist_sync")
    out = {}
    for mb in SIZES_MB:
        n = mb * 1024 * 1024 // 4
        key = "buf%d" % mb
        kv.init(key, mx.nd.zeros((n,)))
        value = mx.nd.ones((n,))
        kv.pushpull(key, value)                   # warm-up
        kv.barrier()
        t0 = time.perf_counter()
        for _ in range(repeats):
            kv.pushpull(key, value)
        out[mb] = mb * repeats / (time.perf_counter() - t0)
        assert np.isfinite(value.asnumpy()[0])
    return kv.rank, out


def torch_setup():
    import torch
    import torch.distributed as dist
    size = int(os.environ["WORLD_SIZE"])
    if size > 1:
        dist.init_process_group("gloo", rank=int(os.environ["RANK"]), world_size=size)
    return torch, dist, int(os.environ["RANK"]), size


def torch_train(x, y, warmup):
    torch, dist, rank, size = torch_setup()
    torch.manual_seed(0)
    net = torch_net(torch, "lenet")
    if size > 1:
        net = torch.nn.parallel.DistributedDataParallel(net)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)

    def step(xb, yb):
        opt.zero_grad()
        # DDP averages gradients over processes: the mean of per-shard means is the global mean.
        loss_fn(net(torch.tensor(xb)), torch.tensor(yb).long()).backward()
        opt.step()

    batches = list(_shards(x, y, rank, size))
    for xb, yb in batches[:warmup]:
        step(xb, yb)
    if size > 1:
        dist.barrier()
    t0 = time.perf_counter()
    for xb, yb in batches:
        step(xb, yb)
    if size > 1:
        dist.barrier()
    seconds = time.perf_counter() - t0
    return rank, {"samples_per_s": len(batches) * GLOBAL_BATCH / seconds, "seconds": seconds}


def torch_allreduce(repeats):
    torch, dist, rank, size = torch_setup()
    out = {}
    for mb in SIZES_MB:
        value = torch.ones(mb * 1024 * 1024 // 4)
        dist.all_reduce(value)
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(repeats):
            dist.all_reduce(value)
        out[mb] = mb * repeats / (time.perf_counter() - t0)
    return rank, out


def worker(args):
    _common.set_threads_in_worker(args.framework, 1)
    if args.task == "train":
        x, y = load_mnist(args.data, args.samples)
        rank, result = (mxnb_train if args.framework == "mxnb" else torch_train)(x, y, args.warmup)
    else:
        rank, result = (mxnb_allreduce if args.framework == "mxnb" else torch_allreduce)(args.reps)
    if rank == 0:
        import importlib
        mod = importlib.import_module("mxnb" if args.framework == "mxnb" else "torch")
        result.update(_common.worker_info(args.framework, mod))
        _common.emit(result)


# --------------------------------------------------------------------------- runner

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(framework, python, nproc, worker_args, timeout):
    """Runs `nproc` workers (MPI for mxnb, gloo over TCP for torch); rank 0's result."""
    import json
    env = _common.thread_env(1)
    script = [os.path.abspath(__file__), "--worker", "--framework", framework] + worker_args
    if framework == "mxnb":
        env["PYTHONPATH"] = _common.ROOT
        cmd = [python, "-m", "mxnb.tools.launch", "-n", str(nproc), "--timeout", "300",
               python] + script
        procs = [subprocess.Popen(cmd, env=env, cwd=_common.ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True)]
    else:
        port = str(_free_port())
        procs = []
        for rank in range(nproc):
            penv = dict(env, RANK=str(rank), WORLD_SIZE=str(nproc), MASTER_ADDR="127.0.0.1",
                        MASTER_PORT=port)
            procs.append(subprocess.Popen([python] + script, env=penv, cwd=_common.ROOT,
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    outputs = []
    for p in procs:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            return {"error": "timed out after %d s" % timeout}
        outputs.append((p.returncode, out, err))
    for code, out, err in outputs:
        lines = [l for l in out.splitlines() if l.startswith("RESULT ")]
        if lines:
            return json.loads(lines[-1][len("RESULT "):])
    code, out, err = outputs[0]
    tail = (err or out).strip().splitlines()[-1:] or ["exit %d" % code]
    return {"error": tail[0][:200]}


def _median(values):
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--data", default=os.path.join(_common.ROOT, "..", "shared", "data", "mnist"))
    parser.add_argument("--samples", type=int, default=4096, help="digits per timed epoch")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up batches")
    parser.add_argument("--processes", type=int, default=2, help="processes of the parallel run")
    parser.add_argument("--reps", type=int, default=5, help="all-reduces timed per size")
    parser.add_argument("--repeat", type=int, default=1, help="interleaved runs; median shown")
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--task", default="train", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.data = os.path.abspath(args.data)
    if args.worker:
        return worker(args)
    if args.setup_peers:
        _common.setup_peers(["torch"])
    peers = [(key, label, py) for key, label, py in _common.frameworks(args.only or "mxnb,torch")
             if key in ("mxnb", "torch")]
    common = ["--data", args.data, "--samples", str(args.samples), "--warmup", str(args.warmup),
              "--reps", str(args.reps)]
    speeds, bandwidth, versions = {}, {}, {}
    for repeat in range(args.repeat):
        for key, label, python in peers:
            if python is None:
                continue
            for n in (1, args.processes):
                print("running %s LeNet on %d process(es) (%d/%d) ..." % (label, n, repeat + 1,
                      args.repeat), file=sys.stderr, flush=True)
                r = run(key, python, n, common + ["--task", "train"], args.timeout)
                speeds.setdefault((key, n), []).append(r)
                versions.setdefault(label, r)
            print("running %s all-reduce ..." % label, file=sys.stderr, flush=True)
            bandwidth.setdefault(key, []).append(
                run(key, python, args.processes, common + ["--task", "allreduce"], args.timeout))

    _common.header("Data-parallel LeNet on MNIST (global batch %d, SGD(lr=%g, momentum=%g), one "
                   "thread per process) and all-reduce bandwidth across %d processes"
                   % (GLOBAL_BATCH, LR, MOMENTUM, args.processes), 1,
                   [(label, _common.version_line(r)) for label, r in versions.items()])
    rows, notes = [], []
    for key, label, python in peers:
        if python is None:
            rows.append([label, "not installed", "", ""])
            continue
        cells = [label]
        medians = {}
        for n in (1, args.processes):
            ok = [r["samples_per_s"] for r in speeds[key, n] if "error" not in r]
            if not ok:
                cells.append("error*")
                notes.append("* %s, %d process(es): %s" % (label, n, speeds[key, n][0]["error"]))
                continue
            medians[n] = _median(ok)
            cells.append("%.0f" % medians[n])
        eff = medians.get(args.processes, 0) / (args.processes * medians[1]) if 1 in medians else 0
        cells.append("%.0f%%" % (100 * eff) if eff else "")
        rows.append(cells)
    _common.table(["framework", "1 process samples/s", "%d processes samples/s" % args.processes,
                   "scaling efficiency"], rows, notes)
    rows, notes = [], []
    for key, label, python in peers:
        if python is None:
            continue
        ok = [r for r in bandwidth[key] if "error" not in r]
        if not ok:
            notes.append("* %s all-reduce: %s" % (label, bandwidth[key][0]["error"]))
            continue
        rows.append([label] + ["%.2f" % _median([r[str(mb)] for r in ok]) for mb in SIZES_MB])
    _common.table(["all-reduce across %d processes" % args.processes]
                  + ["%d MB (GB/s)" % mb for mb in SIZES_MB],
                  [[r[0]] + ["%.2f" % (float(c) / 1024) for c in r[1:]] for r in rows], notes)


if __name__ == "__main__":
    main()
