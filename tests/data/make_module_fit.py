"""Writes mxnet191_module_fit.npz: a small MLP trained by MXNet 1.9.1's Module.fit (SGD with
momentum and weight decay, 2 epochs, no shuffling) from given parameters, on one context and
on two (cpu(0), cpu(1), kvstore 'local'). Run with the MXNet venv:
    /work/peers/mxnet/bin/python tests/data/make_module_fit.py
"""
import os

import mxnet as mx
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def net():
    data = mx.sym.var("data")
    fc1 = mx.sym.FullyConnected(data, num_hidden=4, name="fc1")
    act = mx.sym.Activation(fc1, act_type="tanh", name="act")
    fc2 = mx.sym.FullyConnected(act, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(fc2, name="softmax")


def main():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 5).astype(np.float32)
    y = rng.randint(0, 3, 40).astype(np.float32)
    init = {"fc1_weight": rng.randn(4, 5) * 0.5, "fc1_bias": rng.randn(4) * 0.1,
            "fc2_weight": rng.randn(3, 4) * 0.5, "fc2_bias": rng.randn(3) * 0.1}
    out = {"X": X, "y": y}
    out.update({"init:" + k: v.astype(np.float32) for k, v in init.items()})
    for tag, ctx in (("one", [mx.cpu(0)]), ("two", [mx.cpu(0), mx.cpu(1)])):
        mod = mx.mod.Module(net(), context=ctx)
        it = mx.io.NDArrayIter(X, y, batch_size=10, shuffle=False)
        mod.fit(it, num_epoch=2, optimizer="sgd",
                optimizer_params={"learning_rate": 0.2, "momentum": 0.9, "wd": 0.01},
                arg_params={k: mx.nd.array(v) for k, v in init.items()}, eval_metric="acc")
        arg, _ = mod.get_params()
        out.update({"%s:%s" % (tag, k): v.asnumpy() for k, v in arg.items()})
        out["%s:score" % tag] = np.array(mod.score(it, ["acc", "ce"])[1][1])
        out["%s:predict" % tag] = mod.predict(it).asnumpy()
    np.savez(os.path.join(HERE, "mxnet191_module_fit.npz"), **out)


if __name__ == "__main__":
    main()
