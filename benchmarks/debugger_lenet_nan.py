"""The debugger on LeNet over real MNIST digits: plant a NaN, let break_on='nan' find its node.

The plant is a log of a negative number: a `LogActivation` block (log of tanh features, negative
about half the time) inserted after the first dense layer. The debugger runs on 32 digits, once
imperatively and once hybridized, and prints the node it stopped at with its inputs' statistics.

Usage: .venv/bin/python benchmarks/debugger_lenet_nan.py [--data /work/shared/data/mnist]
"""
import argparse
import gzip
import os
import time

import numpy as np

import mxnb as mx
from mxnb import gluon, nd
from mxnb.gluon import nn
from mxnb.notebook.debugger import Debugger


def read_digits(folder, count):
    """The first `count` t10k images (N, 1, 28, 28) in [0, 1] and labels, read with NumPy."""
    with gzip.open(os.path.join(folder, "t10k-images-idx3-ubyte.gz")) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 1, 28, 28)
    with gzip.open(os.path.join(folder, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return (nd.array(images[:count].astype(np.float32) / 255),
            nd.array(labels[:count].astype(np.float32)))


class LogActivation(nn.HybridBlock):
    """The planted bug: log of features that can be negative."""

    def hybrid_forward(self, F, x):
        return F.log(x)


def lenet(plant_log, activation="tanh"):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(20, kernel_size=5, activation=activation), nn.MaxPool2D(2, 2),
                nn.Conv2D(50, kernel_size=5, activation=activation), nn.MaxPool2D(2, 2),
                nn.Flatten(), nn.Dense(500, activation=activation))
        if plant_log:
            net.add(LogActivation())
        net.add(nn.Dense(10))
    net.initialize(mx.init.Xavier())
    return net


def report(title, dbg, seconds):
    stop = dbg.continue_()
    print("== %s (%s, %d forward + %d backward nodes, traced in %.2fs)"
          % (title, dbg.trace.kind, dbg.trace.forward_count, dbg.trace.backward_count, seconds))
    if stop["name"] is None or not dbg.stop_reason.startswith("NaN"):
        print("   no NaN/Inf found")
        return
    print(dbg.where())


def debug(net, x, y, loss, title):
    started = time.perf_counter()
    dbg = Debugger(net, x, label=y, loss=loss, break_on="nan")
    report(title, dbg, time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/work/shared/data/mnist")
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    x, y = read_digits(args.data, args.count)
    loss = gluon.loss.SoftmaxCrossEntropyLoss()
    print("MNIST t10k: %d digits %s" % (x.shape[0], x.shape[1:]))
    for hybridize in (False, True):
        mx.random.seed(0)
        net = lenet(plant_log=True)
        if hybridize:
            net.hybridize()
        debug(net, x[:32], y[:32], loss, "planted log of a negative number"
              + (", hybridized" if hybridize else ""))

if __name__ == "__main__":
    main()
