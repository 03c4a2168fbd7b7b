"""One worker of the distributed tests: trains a small MLP with a 'dist_*' kvstore.

Run under MPI (mpirun or `python -m mxnb.tools.launch`). Each worker initializes its network
with its own seed (the kvstore must broadcast rank 0's weights), trains on its shard of a fixed
global batch, and writes its final parameters to OUT/rank<r>.npz.
"""
import argparse
import os
import signal

import numpy as np

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.gluon import nn

GLOBAL_BATCH = 24


def make_net(seed):
    mx.random.seed(seed)
    net = nn.HybridSequential()
    net.add(nn.Dense(8, activation="tanh", in_units=5), nn.Dense(3, in_units=8))
    net.initialize(mx.init.Xavier())
    return net


def batches(steps):
    rng = np.random.RandomState(42)
    for _ in range(steps):
        yield (rng.uniform(-1, 1, (GLOBAL_BATCH, 5)).astype(np.float32),
               rng.randint(0, 3, GLOBAL_BATCH).astype(np.float32))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kvstore", default="dist_sync")
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--optimizer", default="sgd")
    p.add_argument("--die-rank", type=int, default=-1)
    p.add_argument("--mismatch-rank", type=int, default=-1)
    args = p.parse_args()

    kv = mx.kv.create(args.kvstore)
    rank, workers = kv.rank, kv.num_workers
    net = make_net(seed=100 + rank)
    params = {"sgd": {"learning_rate": 0.1, "momentum": 0.9}, "adam": {"learning_rate": 0.01}}
    trainer = gluon.Trainer(net.collect_params(), args.optimizer, params[args.optimizer],
                            kvstore=kv)
    if args.mismatch_rank == rank:
        kv.init(1000, nd.zeros((3 + rank,)))
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    shard = GLOBAL_BATCH // workers
    for step, (x, y) in enumerate(batches(args.steps)):
        if step == 1 and rank == args.die_rank:
            os.kill(os.getpid(), signal.SIGKILL)
        xs = nd.array(x[rank * shard:(rank + 1) * shard])
        ys = nd.array(y[rank * shard:(rank + 1) * shard])
        with autograd.record():
            loss = loss_fn(net(xs), ys)
        loss.backward()
        trainer.step(GLOBAL_BATCH)
    values = [param.data().asnumpy() for param in net.collect_params().values()]
    np.savez(os.path.join(args.out, "rank%d.npz" % rank), *values)
    print("rank %d of %d done" % (rank, workers), flush=True)


if __name__ == "__main__":
    main()
