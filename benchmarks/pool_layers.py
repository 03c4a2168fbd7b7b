"""Pooling layers one by one: mxnb (compiled kernels and NumPy form) vs MXNet 1.9.1 vs PyTorch.

    .venv/bin/python benchmarks/pool_layers.py [--threads 2] [--repeat 20] [--layers lenet1,...]
    .venv/bin/python benchmarks/pool_layers.py --ab [--scale 4]

LeNet's two 2x2 max poolings (batch 64), a ResNet stem's 3x3/stride-2/pad-1 max pooling and the
same as an average, a 2x2 average pooling and a global max pooling of 7x7 maps ("0/0/0"). Each layer's forward, then forward plus backward
(the data gradient), is timed `--repeat` times and the minimum shown in ms. mxnb runs twice: with
its compiled kernels (numba, mxnb[fast]) and with MXNB_NUMBA=0 (the NumPy form).

`--ab` times only mxnb's two operators, Pooling and _backward_Pooling, in one process with the
compiled kernels on and off in turn (interleaved rounds, minimum of each), in microseconds, with
the NumPy form / compiled ratio; `--scale N` divides the batch by N (shorter calls are disturbed
less on a shared machine).
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

# name -> (data shape, pool type, kernel, stride, pad)
LAYERS = {
    "lenet1": ((64, 20, 24, 24), "max", 2, 2, 0),
    "lenet2": ((64, 50, 8, 8), "max", 2, 2, 0),
    "stem_max": ((32, 64, 32, 32), "max", 3, 2, 1),
    "stem_avg": ((32, 64, 32, 32), "avg", 3, 2, 1),
    "avg2x2": ((64, 20, 24, 24), "avg", 2, 2, 0),
    "global_max": ((32, 512, 7, 7), "max", 0, 0, 0),       # kernel 0: global pooling
}


def _data(shape):
    import numpy as np
    return np.random.RandomState(0).uniform(-1, 1, shape).astype("float32")


def _attrs(spec):
    _, kind, kernel, stride, pad = spec
    if not kernel:
        return dict(kernel=(1, 1), global_pool=True, pool_type=kind)
    return dict(kernel=(kernel, kernel), stride=(stride, stride), pad=(pad, pad), pool_type=kind)


def gluon_layer(mx, spec, repeat):
    data = mx.nd.array(_data(spec[0]))
    data.attach_grad()
    attrs = _attrs(spec)

    def forward():
        mx.nd.Pooling(data, **attrs).wait_to_read()

    def both():
        with mx.autograd.record():
            y = mx.nd.Pooling(data, **attrs)
        y.backward()
        mx.nd.waitall()
    return {"forward_ms": _common.best_ms(forward, repeat), "both_ms": _common.best_ms(both, repeat)}


def torch_layer(torch, spec, repeat):
    shape, kind, kernel, stride, pad = spec
    data = torch.tensor(_data(shape), requires_grad=True)
    F = torch.nn.functional

    def pool(x):
        if not kernel:
            return (F.adaptive_max_pool2d if kind == "max" else F.adaptive_avg_pool2d)(x, 1)
        if kind == "max":
            return F.max_pool2d(x, kernel, stride, pad)
        return F.avg_pool2d(x, kernel, stride, pad, count_include_pad=True)

    def forward():
        with torch.no_grad():
            pool(data)

    def both():
        pool(data).sum().backward()
    return {"forward_ms": _common.best_ms(forward, repeat), "both_ms": _common.best_ms(both, repeat)}


def worker(framework, layers, repeat, threads):
    import importlib
    if framework == "torch":
        _common.set_threads_in_worker("torch", threads)
    mod = importlib.import_module(framework)
    run = torch_layer if framework == "torch" else gluon_layer
    result = {"layers": {name: run(mod, LAYERS[name], repeat) for name in layers}}
    result.update(_common.worker_info(framework, mod))
    if framework == "mxnb":
        from mxnb import compiled
        result["version"] += " (compiled kernels %s)" % ("on" if compiled.enabled() else "off")
    _common.emit(result)


def ab(layers, scale, rounds=5, calls=5):
    """mxnb's Pooling and _backward_Pooling with compiled kernels on and off, in this process."""
    import numpy as np
    sys.path.insert(0, _common.ROOT)
    from mxnb import compiled
    from mxnb.ops import registry
    if not compiled.available():
        sys.exit("numba is not installed here (pip install 'mxnb[fast]')")
    forward, backward = registry.get("Pooling"), registry.get("_backward_Pooling")

    def best(fn):
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times) * 1e6
    rows = []
    for name in layers:
        spec = LAYERS[name]
        shape = (max(1, spec[0][0] // scale),) + spec[0][1:]
        attrs = forward.parse_attrs(_attrs(spec))
        x = _data(shape)
        y = forward.compute(np, [x], attrs)
        head = _data(y.shape)
        figures = {}
        for _ in range(rounds):
            for flag in (False, True):
                with compiled.use_compiled(flag):
                    f = best(lambda: forward.compute(np, [x], attrs))
                    b = best(lambda: backward.compute(np, [head, x, y], attrs))
                old = figures.get(flag, (f, b))
                figures[flag] = (min(old[0], f), min(old[1], b))
        (nf, nb), (cf, cb) = figures[False], figures[True]
        rows.append(["%s %s %s %d/%d/%d" % (name, "x".join(map(str, shape)), spec[1], spec[2],
                                            spec[3], spec[4]),
                     "%.0f" % nf, "%.0f" % cf, "x%.1f" % (nf / cf),
                     "%.0f" % nb, "%.0f" % cb, "x%.1f" % (nb / cb)])
    print("mxnb pooling operators, NumPy form vs compiled kernels (us, minimum of %d rounds of %d "
          "calls, interleaved; lower is better)" % (rounds, calls))
    _common.table(["layer (data, type, kernel/stride/pad)", "fwd numpy", "fwd compiled", "ratio",
                   "bwd numpy", "bwd compiled", "ratio"], rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per layer and pass")
    _common.add_layers_arg(parser, LAYERS)
    parser.add_argument("--ab", action="store_true", help="mxnb compiled vs NumPy form only, "
                        "operator by operator in one process")
    parser.add_argument("--scale", type=int, default=1, help="with --ab: divide batches by this")
    parser.add_argument("--timeout", type=int, default=1800)
    args = parser.parse_args()
    layers = _common.chosen_layers(parser, args, LAYERS)
    if args.worker:
        return worker(args.framework, layers, args.repeat, args.threads)
    if args.ab:
        return ab(layers, args.scale)
    if args.setup_peers:
        _common.setup_peers()
    results, versions = _common.run_layer_workers(__file__, args, layers,
                                                  [("mxnb NumPy", {"MXNB_NUMBA": "0"})])
    _common.header("Pooling layers, forward and forward+backward (ms, minimum of %d; lower is "
                   "better)" % args.repeat, args.threads, versions)
    def describe(name):
        shape, kind, kernel, stride, pad = LAYERS[name]
        return "%s %s %s %d/%d/%d" % (name, "x".join(map(str, shape)), kind, kernel, stride, pad)
    _common.layers_table(["layer (data, type, kernel/stride/pad)"], describe, layers, results)


if __name__ == "__main__":
    main()
