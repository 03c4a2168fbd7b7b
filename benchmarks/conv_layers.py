"""Convolution layers one by one: mxnb vs MXNet 1.9.1 vs PyTorch, forward and forward+backward.

    .venv/bin/python benchmarks/conv_layers.py [--threads 2] [--repeat 20] [--layers lenet1,...]
    .venv/bin/python benchmarks/conv_layers.py --kernels [--threads 2] [--layers ...]

LeNet's two layers (batch 64), ResNet-18 CIFAR layers (batch 32) and a tiny convolution (the cost
of one call). Each layer's forward, then forward plus backward (weight, bias where the layer has
one, and the data gradient except for first layers, whose input needs none), is timed `--repeat`
times; the minimum is shown in ms (shared machines are noisy: the minimum is the least disturbed).
Each framework runs in its own interpreter with the same thread count.

`--kernels` times mxnb's own kernels instead (forward, data gradient, weight gradient from the
kept columns, or recomputed where the forward keeps none), each with its compiled loops
(mxnb.compiled) and with its NumPy form, interleaved in one interpreter: the minimum in us.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

# name -> (data shape, filters, kernel, stride, pad, bias, data needs a gradient)
LAYERS = {
    "tiny": ((1, 1, 4, 4), 2, 3, 1, 0, True, True),
    "lenet1": ((64, 1, 28, 28), 20, 5, 1, 0, True, False),
    "lenet2": ((64, 20, 12, 12), 50, 5, 1, 0, True, True),
    "resnet_stem": ((32, 3, 32, 32), 64, 3, 1, 1, False, False),
    "resnet_64": ((32, 64, 32, 32), 64, 3, 1, 1, False, True),
    "resnet_128s2": ((32, 64, 32, 32), 128, 3, 2, 1, False, True),
    "resnet_128s2_1x1": ((32, 64, 32, 32), 128, 1, 2, 0, False, True),    # its shortcut
    "resnet_256s2": ((32, 128, 16, 16), 256, 3, 2, 1, False, True),
    "resnet_256": ((32, 256, 8, 8), 256, 3, 1, 1, False, True),
    "resnet_512": ((32, 512, 4, 4), 512, 3, 1, 1, False, True),
}


def _arrays(shape, filters, kernel, bias):
    import numpy as np
    rs = np.random.RandomState(0)
    x = rs.uniform(-1, 1, shape).astype("float32")
    w = rs.uniform(-0.1, 0.1, (filters, shape[1], kernel, kernel)).astype("float32")
    b = rs.uniform(-0.1, 0.1, (filters,)).astype("float32") if bias else None
    return x, w, b


def gluon_layer(mx, spec, repeat):
    shape, filters, kernel, stride, pad, bias, data_grad = spec
    x, w, b = _arrays(shape, filters, kernel, bias)
    data, weight = mx.nd.array(x), mx.nd.array(w)
    params = [weight] + ([mx.nd.array(b)] if bias else [])
    for p in params + ([data] if data_grad else []):
        p.attach_grad()
    attrs = dict(kernel=(kernel, kernel), stride=(stride, stride), pad=(pad, pad),
                 num_filter=filters, no_bias=not bias)

    def forward():
        mx.nd.Convolution(data, *params, **attrs).wait_to_read()

    def both():
        with mx.autograd.record():
            y = mx.nd.Convolution(data, *params, **attrs)
        y.backward()
        mx.nd.waitall()
    return {"forward_ms": _common.best_ms(forward, repeat), "both_ms": _common.best_ms(both, repeat)}


def torch_layer(torch, spec, repeat):
    shape, filters, kernel, stride, pad, bias, data_grad = spec
    x, w, b = _arrays(shape, filters, kernel, bias)
    data = torch.tensor(x, requires_grad=data_grad)
    weight = torch.tensor(w, requires_grad=True)
    bias_t = torch.tensor(b, requires_grad=True) if bias else None
    conv = torch.nn.functional.conv2d

    def forward():
        with torch.no_grad():
            conv(data, weight, bias_t, stride, pad)

    def both():
        conv(data, weight, bias_t, stride, pad).sum().backward()
    return {"forward_ms": _common.best_ms(forward, repeat), "both_ms": _common.best_ms(both, repeat)}


def kernel_layer(mx, spec, repeat):
    """{kernel: {"numpy_us", "compiled_us"}} for one layer's three registered kernels, called
    as a training step calls them (the weight gradient reads the forward's hidden output)."""
    import numpy as np
    from mxnb import compiled
    from mxnb.ops import registry
    shape, filters, kernel, stride, pad, bias, data_grad = spec
    x, w, b = _arrays(shape, filters, kernel, bias)
    inputs = [x, w] + ([b] if bias else [])
    raw = dict(kernel=(kernel, kernel), stride=(stride, stride), pad=(pad, pad),
               num_filter=filters, no_bias=not bias)
    ops = {name: registry.get(name) for name in
           ("Convolution", "_backward_Convolution_data", "_backward_Convolution_weight_columns")}
    attrs = ops["Convolution"].parse_attrs(raw)
    out, hidden = ops["Convolution"].compute(np, inputs, attrs)
    head = np.random.RandomState(1).uniform(-1, 1, out.shape).astype(out.dtype)
    calls = {"forward": lambda: ops["Convolution"].compute(np, inputs, attrs),
             "data_grad": lambda: ops["_backward_Convolution_data"].compute(np, [head, x, w],
                                                                             attrs),
             "weight_grad": lambda: ops["_backward_Convolution_weight_columns"].compute(
                 np, [head, x, hidden], attrs)}
    best = {name: {True: float("inf"), False: float("inf")} for name in calls}
    for flag in (True, False):      # compile and warm both forms first
        with compiled.use_compiled(flag):
            for call in calls.values():
                call()
    for k in range(repeat):
        for name, call in calls.items():
            for flag in ((True, False) if k % 2 else (False, True)):   # neither always first
                with compiled.use_compiled(flag):
                    start = time.perf_counter()
                    call()
                    best[name][flag] = min(best[name][flag], time.perf_counter() - start)
    return {name: {"numpy_us": t[False] * 1e6, "compiled_us": t[True] * 1e6}
            for name, t in best.items()}


def kernels_main(args, layers):
    python = _common.mxnb_python()
    result = _common.run_worker(python, os.path.abspath(__file__),
                                ["--framework", "kernels", "--repeat", str(args.repeat),
                                 "--layers", ",".join(layers)],
                                args.threads, extra_env={"PYTHONPATH": _common.ROOT},
                                timeout=args.timeout)
    _common.header("mxnb's convolution kernels, compiled vs NumPy form (us, minimum of %d; "
                   "lower is better)" % args.repeat, args.threads,
                   [("mxnb", _common.version_line(result))])
    if "error" in result:
        print("error: %s" % result["error"])
        return
    rows = []
    for name in layers:
        for kernel, cell in result["kernels"][name].items():
            rows.append([name, kernel, "%.0f" % cell["numpy_us"], "%.0f" % cell["compiled_us"],
                         "%.2f" % (cell["numpy_us"] / cell["compiled_us"])])
    _common.table(["layer", "kernel", "NumPy form", "compiled", "speed-up"], rows)


def worker(framework, layers, repeat, threads):
    import importlib
    if framework == "kernels":
        mod = importlib.import_module("mxnb")
        result = {"kernels": {name: kernel_layer(mod, LAYERS[name], repeat) for name in layers}}
        result.update(_common.worker_info("mxnb", mod))
        _common.emit(result)
        return
    if framework == "torch":
        _common.set_threads_in_worker("torch", threads)
    mod = importlib.import_module(framework)
    run = torch_layer if framework == "torch" else gluon_layer
    result = {name: run(mod, LAYERS[name], repeat) for name in layers}
    result = {"layers": result}
    result.update(_common.worker_info(framework, mod))
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per layer and pass")
    _common.add_layers_arg(parser, LAYERS)
    parser.add_argument("--timeout", type=int, default=1800)
    parser.add_argument("--kernels", action="store_true",
                        help="mxnb's kernels with and without their compiled loops, instead")
    args = parser.parse_args()
    layers = _common.chosen_layers(parser, args, LAYERS)
    if args.worker:
        return worker(args.framework, layers, args.repeat, args.threads)
    if args.kernels:
        return kernels_main(args, layers)
    if args.setup_peers:
        _common.setup_peers()
    results, versions = _common.run_layer_workers(__file__, args, layers)
    _common.header("Convolution layers, forward and forward+backward (ms, minimum of %d; lower "
                   "is better)" % args.repeat, args.threads, versions)
    def describe(name):
        shape, filters, kernel, stride, pad, _, _ = LAYERS[name]
        return "%s %s -> %d, %d/%d/%d" % (name, "x".join(map(str, shape)), filters, kernel,
                                          stride, pad)
    _common.layers_table(["layer (data -> filters, kernel/stride/pad)"], describe, layers, results)


if __name__ == "__main__":
    main()
