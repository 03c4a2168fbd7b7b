"""Peak live NDArray memory of one MLP training step (record, backward, Trainer.step), as counted
by mxnb's own accounting (`mx.instrument.array_stats` peaks), with the autograd tape keeping only
what gradients read (the default) and keeping every recorded value (`tape.keep_values()`, what
the tape did before it learned operators' backward dependencies).

    .venv/bin/python benchmarks/tape_memory.py [--batch 2048] [--hidden 256] [--layers 4]

mxnb only: MXNet and PyTorch allocate outside this accounting.
"""
import argparse
import contextlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402


def mlp_step(mx, batch, hidden, layers):
    from mxnb.gluon import nn
    net = nn.Sequential()
    for _ in range(layers):
        net.add(nn.Dense(hidden, activation="relu"))
    net.add(nn.Dense(10))
    net.initialize(mx.init.Xavier())
    trainer = mx.gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.01})
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    x = mx.nd.random.uniform(shape=(batch, hidden))
    label = mx.nd.array([i % 10 for i in range(batch)])

    def step():
        with mx.autograd.record():
            loss = loss_fn(net(x), label)
        loss.backward()
        trainer.step(batch)
        return loss
    return step


def measure(args):
    import mxnb as mx
    scope = contextlib.nullcontext
    if args.keep_values:
        from mxnb.graph.tape import keep_values as scope
    step = mlp_step(mx, args.batch, args.hidden, args.layers)
    with scope():
        return _common.live_array_peak_mb(mx, step)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=2048)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--keep-values", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--threads", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _common.emit({"peak_mb": measure(args)})
    rows = []
    for label, extra in (("only what gradients read", []),
                         ("every value (tape.keep_values())", ["--keep-values"])):
        result = _common.run_worker(
            _common.mxnb_python(), os.path.abspath(__file__),
            ["--batch", str(args.batch), "--hidden", str(args.hidden),
             "--layers", str(args.layers)] + extra, 1, extra_env={"PYTHONPATH": _common.ROOT})
        rows.append([label, "%.1f" % result["peak_mb"]])
    print("MLP step, batch %d, %d x Dense(%d, relu) + Dense(10): peak live NDArray MB "
          "(mx.instrument.array_stats)" % (args.batch, args.layers, args.hidden))
    _common.table(["the tape keeps", "peak MB"], rows)


if __name__ == "__main__":
    main()
