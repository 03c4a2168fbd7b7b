"""One worker of the distributed Module test: `Module.fit` with kvstore='dist_sync' on its
shard of a fixed data set, writing its final parameters to OUT/rank<r>.npz."""
import argparse
import os

import numpy as np

import mxnb as mx

GLOBAL_BATCH = 20


def symbol():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=8, name="fc1")
    act = mx.sym.Activation(fc1, act_type="tanh", name="tanh1")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def dataset():
    rng = np.random.RandomState(3)
    x = rng.uniform(-1, 1, (GLOBAL_BATCH * 4, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32) + (x[:, 1] > 0.5)
    return x, y


def shard(x, y, rank, workers):
    """Rows of each global batch that belong to `rank` (so batch i of every worker together is
    global batch i)."""
    per = GLOBAL_BATCH // workers
    rows = np.concatenate([np.arange(b + rank * per, b + (rank + 1) * per)
                           for b in range(0, len(x), GLOBAL_BATCH)])
    return x[rows], y[rows]


def initial_params():
    mx.random.seed(11)
    mod = mx.mod.Module(symbol(), context=mx.cpu())
    mod.bind(data_shapes=[("data", (GLOBAL_BATCH, 6))], label_shapes=[("softmax_label", (GLOBAL_BATCH,))])
    mod.init_params(mx.init.Xavier())
    return mod.get_params()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    args = p.parse_args()
    kv = mx.kv.create("dist_sync")
    x, y = dataset()
    xs, ys = shard(x, y, kv.rank, kv.num_workers)
    arg_params, aux_params = initial_params()
    if kv.rank:          # other workers start elsewhere: the kvstore must broadcast rank 0's
        arg_params = {k: v * 0 + 0.5 for k, v in arg_params.items()}
    it = mx.io.NDArrayIter(xs, ys, batch_size=GLOBAL_BATCH // kv.num_workers, shuffle=False,
                           label_name="softmax_label")
    mod = mx.mod.Module(symbol(), context=mx.cpu())
    mod.fit(it, num_epoch=2, kvstore=kv, optimizer="sgd",
            optimizer_params={"learning_rate": 0.5, "momentum": 0.9},
            arg_params=arg_params, aux_params=aux_params)
    final, _ = mod.get_params()
    np.savez(os.path.join(args.out, "rank%d.npz" % kv.rank),
             **{k: v.asnumpy() for k, v in final.items()})


if __name__ == "__main__":
    main()
