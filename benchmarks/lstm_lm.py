"""LSTM language-model training throughput: mxnb vs MXNet 1.9.1 vs PyTorch CPU, samples/s.

    .venv/bin/python benchmarks/lstm_lm.py [--setup-peers] [--threads 2] [--repeat 3]

A word-level language model as in MXNet's `word_language_model` example: Embedding(vocab, embed)
-> LSTM(hidden, num_layers) -> Dense(vocab), trained with truncated BPTT (the final states of one
batch, detached, start the next), softmax cross-entropy, SGD and gradient clipping, on a synthetic
token stream with structure (a fixed random Markov chain, generated here: no download). A sample
is one sequence of `--bptt` tokens; each framework trains the same sizes for the same number of
batches after a few warm-up batches, with the same thread count. The Gluon code is the same for
mxnb and MXNet (`import mxnb as mx` vs `import mxnet as mx`), imperative and hybridized; PyTorch
uses nn.Embedding / nn.LSTM / nn.Linear. The loss of the first and the last timed batch is
shown, to show that each one learns.

`--openblas-thread-timeout N` sets OPENBLAS_THREAD_TIMEOUT=N for every framework: how long (2^N
cycles; OpenBLAS's default is 2^28, about 0.1 s) an idle OpenBLAS thread spins before it sleeps.
On a machine with more runnable threads than cores, the spinning threads of one GEMM steal the
core the next single-threaded work needs.

`--part lstm` times the recurrent layer alone (forward and backward of LSTM(hidden, num_layers)
on embedded-size random inputs, gradient of the output's sum): the fused RNN operator without
the embedding, decoder and softmax around it.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402

LR, CLIP = 20.0, 0.25          # as MXNet's word_language_model example


def make_corpus(vocab, length, seed=0):
    """A token stream from a sparse random Markov chain: learnable, but not trivially."""
    import numpy as np
    rng = np.random.RandomState(seed)
    successors = rng.randint(0, vocab, size=(vocab, 4))
    tokens = np.empty(length, dtype=np.int64)
    tokens[0] = 0
    choice = rng.randint(0, 4, size=length)
    noise = rng.rand(length) < 0.1
    random_tokens = rng.randint(0, vocab, size=length)
    for i in range(1, length):
        tokens[i] = random_tokens[i] if noise[i] else successors[tokens[i - 1], choice[i]]
    return tokens


def batchify(tokens, batch, bptt):
    """(inputs, targets) pairs of shape (bptt, batch): the stream cut into `batch` columns."""
    columns = len(tokens) // batch
    data = tokens[:columns * batch].reshape(batch, columns).T
    out = []
    for i in range(0, columns - 1 - bptt + 1, bptt):
        out.append((data[i:i + bptt], data[i + 1:i + 1 + bptt]))
    return out


# --------------------------------------------------------------------------- Gluon (mxnet or mxnb)

def gluon_model(mx, vocab, embed, hidden, layers):
    class LM(mx.gluon.HybridBlock):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            with self.name_scope():
                self.embedding = mx.gluon.nn.Embedding(vocab, embed)
                self.rnn = mx.gluon.rnn.LSTM(hidden, num_layers=layers, input_size=embed)
                self.decoder = mx.gluon.nn.Dense(vocab, in_units=hidden, flatten=False)

        def hybrid_forward(self, F, x, h, c):
            out, (h, c) = self.rnn(self.embedding(x), [h, c])
            return self.decoder(out), h, c
    return LM()


def gluon_layer_run(mx, args, hybridize):
    import numpy as np
    mx.random.seed(0)
    ctx = mx.cpu()
    layer = mx.gluon.rnn.LSTM(args.hidden, num_layers=args.layers, input_size=args.embed)
    layer.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridize:
        layer.hybridize()
    x = mx.nd.array(np.random.RandomState(0).uniform(-1, 1, (args.bptt, args.batch, args.embed)),
                    ctx=ctx)
    x.attach_grad()
    states = layer.begin_state(batch_size=args.batch, ctx=ctx)

    def step():
        with mx.autograd.record():
            out, _ = layer(x, states)
        out.backward()
        return out

    for _ in range(args.warmup):
        step()
    mx.nd.waitall()
    t0 = time.perf_counter()
    for _ in range(args.batches):
        out = step()
    mx.nd.waitall()
    seconds = time.perf_counter() - t0
    n = args.batches * args.batch
    return {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
            "loss": "%.4f" % float(out.mean().asscalar())}


def torch_layer_run(torch, args):
    import numpy as np
    torch.manual_seed(0)
    layer = torch.nn.LSTM(args.embed, args.hidden, num_layers=args.layers)
    x = torch.tensor(np.random.RandomState(0).uniform(-1, 1, (args.bptt, args.batch, args.embed)),
                     dtype=torch.float32, requires_grad=True)

    def step():
        out, _ = layer(x)
        out.sum().backward()
        return out

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.batches):
        out = step()
    seconds = time.perf_counter() - t0
    n = args.batches * args.batch
    return {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
            "loss": "%.4f" % float(out.mean().detach())}


def gluon_run(mx, args, pairs, hybridize):
    import numpy as np
    mx.random.seed(0)
    np.random.seed(0)
    ctx = mx.cpu()
    net = gluon_model(mx, args.vocab, args.embed, args.hidden, args.layers)
    net.initialize(mx.init.Xavier(), ctx=ctx)
    if hybridize:
        net.hybridize()
    loss_fn = mx.gluon.loss.SoftmaxCrossEntropyLoss()
    params = net.collect_params()
    trainer = mx.gluon.Trainer(params, "sgd", {"learning_rate": LR})
    h, c = net.rnn.begin_state(batch_size=args.batch, ctx=ctx)
    grads = None

    def step(x, y, h, c):
        nonlocal grads
        data, label = mx.nd.array(x, ctx=ctx), mx.nd.array(y, ctx=ctx)
        with mx.autograd.record():
            out, h, c = net(data, h, c)
            loss = loss_fn(out.reshape((-1, args.vocab)), label.reshape((-1,)))   # per token
        loss.backward()
        if grads is None:
            grads = [p.grad(ctx) for p in params.values() if p.grad_req != "null"]
        mx.gluon.utils.clip_global_norm(grads, CLIP * args.bptt * args.batch)
        trainer.step(args.batch * args.bptt)
        return loss, h.detach(), c.detach()

    for x, y in pairs[:args.warmup]:
        _, h, c = step(x, y, h, c)
    mx.nd.waitall()
    timed = pairs[args.warmup:args.warmup + args.batches]
    t0 = time.perf_counter()
    losses = []
    for x, y in timed:
        loss, h, c = step(x, y, h, c)
        losses.append(loss)
    mx.nd.waitall()
    seconds = time.perf_counter() - t0
    n = len(timed) * args.batch
    result = {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
              "loss": "%.3f -> %.3f" % (float(losses[0].mean().asscalar()),
                                        float(losses[-1].mean().asscalar()))}
    state = [h, c]

    def one_step():
        _, state[0], state[1] = step(timed[0][0], timed[0][1], state[0], state[1])
        mx.nd.waitall()
    result.update(_memory(mx, one_step))
    return result


def _memory(mx, one_step):
    """Peak memory figures of one training step (see the notes under the table)."""
    out = {"rss_mb": _common.rss_peak_mb(), "step_rss_mb": _common.step_rss_peak_mb(one_step)}
    if mx is not None and mx.__name__ == "mxnb":
        out["step_peak_mb"] = _common.step_peak_mb(one_step)
        out["array_peak_mb"] = _common.live_array_peak_mb(mx, one_step)
    return out


# --------------------------------------------------------------------------- PyTorch

def torch_run(torch, args, pairs):
    torch.manual_seed(0)
    nn = torch.nn

    class LM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(args.vocab, args.embed)
            self.rnn = nn.LSTM(args.embed, args.hidden, num_layers=args.layers)
            self.decoder = nn.Linear(args.hidden, args.vocab)

        def forward(self, x, state):
            out, state = self.rnn(self.embedding(x), state)
            return self.decoder(out), state

    net = LM()
    loss_fn = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    zeros = torch.zeros(args.layers, args.batch, args.hidden)
    state = (zeros, zeros.clone())

    def step(x, y, state):
        opt.zero_grad()
        out, state = net(torch.from_numpy(x), state)
        loss = loss_fn(out.reshape(-1, args.vocab), torch.from_numpy(y).reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), CLIP)
        opt.step()
        return loss, tuple(s.detach() for s in state)

    net.train()
    for x, y in pairs[:args.warmup]:
        _, state = step(x, y, state)
    timed = pairs[args.warmup:args.warmup + args.batches]
    t0 = time.perf_counter()
    losses = []
    for x, y in timed:
        loss, state = step(x, y, state)
        losses.append(loss.detach())
    seconds = time.perf_counter() - t0
    n = len(timed) * args.batch
    result = {"samples": n, "seconds": seconds, "samples_per_s": n / seconds,
              "loss": "%.3f -> %.3f" % (float(losses[0]), float(losses[-1]))}
    holder = [state]

    def one_step():
        _, holder[0] = step(timed[0][0], timed[0][1], holder[0])
    result.update(_memory(None, one_step))
    return result


# --------------------------------------------------------------------------- worker / runner

def worker(args):
    tokens = make_corpus(args.vocab, (args.warmup + args.batches + 2) * args.batch * args.bptt + 1)
    pairs = batchify(tokens, args.batch, args.bptt)
    if args.framework == "torch":
        import torch as mod
        _common.set_threads_in_worker("torch", args.threads)
        result = torch_layer_run(mod, args) if args.part == "lstm" else torch_run(mod, args, pairs)
    else:
        import importlib
        mod = importlib.import_module(args.framework)
        hybridize = args.mode == "hybridized"
        result = (gluon_layer_run(mod, args, hybridize) if args.part == "lstm"
                  else gluon_run(mod, args, pairs, hybridize))
    result.update(_common.worker_info(args.framework, mod))
    _common.emit(result)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    _common.add_common_args(parser)
    parser.add_argument("--vocab", type=int, default=2000)
    parser.add_argument("--embed", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=200)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--batches", type=int, default=20, help="timed batches")
    parser.add_argument("--openblas-thread-timeout", type=int, default=None,
                        help="OPENBLAS_THREAD_TIMEOUT for every framework (default: unset)")
    parser.add_argument("--part", default="lm", choices=("lm", "lstm"),
                        help="lm: the whole language model; lstm: the LSTM layer alone")
    parser.add_argument("--warmup", type=int, default=3, help="untimed warm-up batches")
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each configuration, interleaved across frameworks; the "
                             "median samples/s is shown with its range")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds allowed per run")
    parser.add_argument("--mode", default="imperative", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if args.setup_peers:
        _common.setup_peers()

    runs = []
    for key, label, python in _common.frameworks(args.only):
        for mode in (["eager"] if key == "torch" else ["imperative", "hybridized"]):
            runs.append(("%s %s" % (label, mode), key, mode, python))
    sizes = ["--vocab", str(args.vocab), "--embed", str(args.embed), "--hidden", str(args.hidden),
             "--layers", str(args.layers), "--batch", str(args.batch), "--bptt", str(args.bptt),
             "--batches", str(args.batches), "--warmup", str(args.warmup), "--part", args.part]
    results, speeds = {}, {}
    for repeat in range(args.repeat):
        shift = repeat % len(runs)
        for row, key, mode, python in runs[shift:] + runs[:shift]:
            if python is None:
                results[row] = None
                continue
            print("running %s (%d/%d) ..." % (row, repeat + 1, args.repeat), file=sys.stderr,
                  flush=True)
            extra = {"PYTHONPATH": _common.ROOT} if key == "mxnb" else {}
            if args.openblas_thread_timeout is not None:
                extra["OPENBLAS_THREAD_TIMEOUT"] = str(args.openblas_thread_timeout)
            result = _common.run_worker(python, os.path.abspath(__file__),
                                        ["--framework", key, "--mode", mode] + sizes,
                                        args.threads, extra_env=extra, timeout=args.timeout)
            if result is not None and "error" not in result:
                speeds.setdefault(row, []).append(result["samples_per_s"])
            if row not in results or "error" in (result or {}):
                results[row] = result

    versions, seen = [], set()
    for key, label, python in _common.frameworks(args.only):
        found = next((r for row, r in results.items() if row.startswith(label) and r and "version" in r), None)
        if label not in seen:
            seen.add(label)
            versions.append((label, _common.version_line(found) if found or python is None
                             else "error (see below)"))
    if args.part == "lstm":
        title = ("LSTM layer alone: LSTM(%d, %d layers) on (%d, %d, %d) inputs, forward + backward; "
                 "%d timed batches (samples/s = sequences/s, higher is better)"
                 % (args.hidden, args.layers, args.bptt, args.batch, args.embed, args.batches))
    else:
        title = ("LSTM language model: Embedding(%d, %d) -> LSTM(%d, %d layers) -> Dense(%d); "
                 "batch %d x bptt %d, SGD(lr=%g) with clipping; %d timed batches "
                 "(samples/s = sequences/s, higher is better)"
                 % (args.vocab, args.embed, args.hidden, args.layers, args.vocab, args.batch,
                    args.bptt, LR, args.batches))
    if args.openblas_thread_timeout is not None:
        title += "; OPENBLAS_THREAD_TIMEOUT=%d for every framework" % args.openblas_thread_timeout
    _common.header(title, args.threads, versions)
    rows, notes = [], []
    memory = args.part == "lm"
    blank = [""] * (4 if memory else 0)
    for row, key, mode, python in runs:
        r = results.get(row)
        if r is None:
            rows.append([row, "not installed", ""] + blank)
        elif "error" in r:
            rows.append([row, "error*", ""] + blank)
            notes.append("* %s: %s" % (row, r["error"]))
        else:
            runs_of = sorted(speeds[row])
            median = runs_of[len(runs_of) // 2] if len(runs_of) % 2 else \
                (runs_of[len(runs_of) // 2 - 1] + runs_of[len(runs_of) // 2]) / 2
            spread = " (%.1f-%.1f)" % (runs_of[0], runs_of[-1]) if len(runs_of) > 1 else ""
            cells = [row, "%.1f%s" % (median, spread), r["loss"]]
            if memory:
                cells += ["%.0f" % r["rss_mb"]] + [
                    "%.2f" % r[k] if r.get(k) is not None else "-"
                    for k in ("step_rss_mb", "step_peak_mb", "array_peak_mb")]
            rows.append(cells)
    headers = ["framework", "samples/s",
               "mean output" if args.part == "lstm" else "loss first -> last batch"]
    if memory:
        headers += ["RSS MB", "step RSS MB", "step peak MB", "NDArray peak MB"]
        notes.append("RSS: the worker's peak resident memory. step RSS: the most resident memory one "
                     "training step adds above what was resident before it (every framework). step "
                     "peak: the same by tracemalloc (mxnb only: NumPy reports its buffers to it). "
                     "NDArray peak: mxnb's live-array accounting over a step (a hybridized "
                     "program's inner arrays are not NDArrays).")
    _common.table(headers, rows, notes)


if __name__ == "__main__":
    main()
