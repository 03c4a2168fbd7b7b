"""Shared plumbing for the benchmarks: find each framework's interpreter, run one worker per
framework in its own subprocess, and print the header and a side-by-side table.

Standard library only: the peers' interpreters (MXNet 1.9.1, PyTorch) import this file too.
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS_DIR = os.path.join(HERE, ".peers")
try:
    LOAD_AT_START = os.getloadavg()
except OSError:
    LOAD_AT_START = None

# name -> (label, env variable, pip requirements for --setup-peers)
PEERS = {
    "mxnet": ("MXNet 1.9.1", "MXNB_PEER_MXNET", ["mxnet==1.9.1", "numpy<1.24"]),
    "torch": ("PyTorch", "MXNB_PEER_TORCH", ["torch==2.13.0", "numpy"]),
}


def mxnb_python():
    """This repository's .venv interpreter (the one `make test` sets up), else the current one."""
    venv = os.path.join(ROOT, ".venv", "bin", "python")
    return venv if os.path.exists(venv) else sys.executable


def peer_python(name):
    """The interpreter for peer `name`, or None when it is not installed."""
    _, env, _ = PEERS[name]
    path = os.environ.get(env)
    if path:
        return path if os.path.exists(path) else None
    path = os.path.join(PEERS_DIR, name, "bin", "python")
    return path if os.path.exists(path) else None


def setup_peers(names=None):
    """Create benchmarks/.peers/<name> with `python3 -m venv` and pip-install the peer into it
    (again into an existing one: quick when everything is there). A peer given by its environment
    variable is left as it is."""
    for name in names or PEERS:
        label, env, requirements = PEERS[name]
        if os.environ.get(env):
            print("%s: %s=%s%s" % (label, env, os.environ[env],
                                   "" if peer_python(name) else " (does not exist; not creating it)"))
            continue
        venv = os.path.join(PEERS_DIR, name)
        py = os.path.join(venv, "bin", "python")
        if not os.path.exists(py):
            print("%s: creating %s" % (label, venv), flush=True)
            base = "python3" if sys.prefix == sys.base_prefix else os.path.join(sys.base_prefix, "bin", "python3")
            subprocess.check_call([base, "-m", "venv", venv])
        print("%s: pip install %s" % (label, " ".join(requirements)), flush=True)
        subprocess.check_call([py, "-m", "pip", "install", "-q", "--disable-pip-version-check"] + requirements)


def thread_env(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MXNET_CPU_WORKER_NTHREADS"):
        env[var] = str(threads)
    env["MXNET_ENGINE_TYPE"] = env.get("MXNET_ENGINE_TYPE", "ThreadedEnginePerDevice")
    return env


def run_worker(python, script, args, threads, extra_env=None, timeout=1800):
    """Run `python script --worker ...` and return its JSON result, or {"error": ...}."""
    env = thread_env(threads)
    if python == mxnb_python() and "MXNET_ENGINE_TYPE" not in os.environ:
        env.pop("MXNET_ENGINE_TYPE")    # mxnb honours it: leave mxnb its default (NaiveEngine)
    if extra_env:
        env.update(extra_env)
    cmd = [python, script, "--worker"] + list(args) + ["--threads", str(threads)]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": "timed out after %d s" % timeout}
    wall = time.perf_counter() - start
    lines = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["exit %d" % proc.returncode]
        return {"error": tail[0][:200]}
    result = json.loads(lines[-1][len("RESULT "):])
    result["wall_s"] = wall
    return result


def emit(result):
    """Worker side: hand the result back to the runner."""
    print("RESULT " + json.dumps(result), flush=True)


def set_threads_in_worker(framework, threads):
    if framework == "torch":
        import torch
        torch.set_num_threads(threads)
        try:
            torch.set_num_interop_threads(threads)
        except RuntimeError:
            pass


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(title, threads, versions):
    print(title)
    print("CPU: %s, %d cores; threads per framework: %d (OMP_NUM_THREADS=MKL_NUM_THREADS=%d, "
          "torch.set_num_threads(%d))" % (cpu_model(), os.cpu_count() or 0, threads, threads, threads))
    if LOAD_AT_START is not None:
        print("load average before the run: %.2f %.2f %.2f (other work on the machine skews timings)"
              % LOAD_AT_START)
    for label, v in versions:
        print("  %-12s %s" % (label, v))
    print()


def table(headers, rows, notes=()):
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = lambda cells: "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                                  for i, (c, w) in enumerate(zip(cells, widths)))
    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(fmt(row))
    for note in notes:
        print(note)
    print()


def version_line(result):
    if result is None:
        return "not installed"
    if "error" in result and "version" not in result:
        return "error: " + result["error"]
    line = "%s (python %s, numpy %s" % (result.get("version"), result.get("python"), result.get("numpy"))
    if result.get("numba"):
        line += ", numba %s" % result["numba"]
    return line + ")"


def worker_info(framework, mod):
    import numpy
    info = {"framework": framework, "version": getattr(mod, "__version__", "?"),
            "python": platform.python_version(), "numpy": numpy.__version__}
    if framework == "mxnb":
        from mxnb import compiled       # its numba kernels, when in use
        if compiled.enabled():
            import numba
            info["numba"] = numba.__version__
    return info


def rss_peak_mb():
    """The worker's peak resident set size (MB): data, framework and model together."""
    import resource
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024.0 * 1024.0) if sys.platform == "darwin" else peak / 1024.0


def step_peak_mb(step, repeat=2):
    """The most memory one call of `step()` holds above what was held before it (MB), traced
    with tracemalloc: NumPy reports its array buffers to it, so this is what an mxnb step
    allocates, intermediates of hybridized programs included. (MXNet and PyTorch allocate
    outside Python's view: their steps are not measured this way.)"""
    import tracemalloc
    step()
    tracemalloc.start()
    peaks = []
    try:
        for _ in range(repeat):
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            step()
            peaks.append(tracemalloc.get_traced_memory()[1] - base)
    finally:
        tracemalloc.stop()
    return max(peaks) / 1e6


def _proc_status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError("%s not in /proc/self/status" % field)


def step_rss_peak_mb(step, repeat=2):
    """The most resident memory one call of `step()` adds above what was resident before it (MB),
    for any framework (Linux): the kernel's high-water mark (VmHWM) is reset before each call by
    writing 5 to /proc/self/clear_refs. Memory an allocator keeps from earlier steps (MXNet's and
    PyTorch's pools) is resident already and not counted again; glibc's free heap memory is
    handed back first (malloc_trim), so what malloc reuses counts. None where /proc does not
    allow it."""
    import ctypes
    import gc
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        trim = None
    try:
        step()
        peaks = []
        for _ in range(repeat):
            gc.collect()
            if trim is not None:
                trim(0)
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")
            base = _proc_status_kb("VmRSS")
            step()
            peaks.append(_proc_status_kb("VmHWM") - base)
    except OSError:
        return None
    return max(peaks) / 1024.0


def live_array_peak_mb(mx, step, repeat=2):
    """mxnb's own accounting (mx.instrument): the peak bytes of live NDArrays over `step()` calls
    (MB). Arrays inside a hybridized program are not NDArrays and are not counted here."""
    from mxnb import instrument
    instrument.start_array_tracking()
    try:
        step()
        instrument.reset_peaks()
        for _ in range(repeat):
            step()
        stats = instrument.array_stats()
        return max((v["peak_bytes"] for v in stats.values()), default=0) / 1e6
    finally:
        instrument.stop_array_tracking()


def add_common_args(parser):
    parser.add_argument("--threads", type=int, default=2, help="threads for every framework (default 2)")
    parser.add_argument("--setup-peers", action="store_true",
                        help="create benchmarks/.peers/{mxnet,torch} venvs where missing, then run")
    parser.add_argument("--only", default="", help="comma-separated subset of: mxnb,mxnet,torch")
    parser.add_argument("--worker", action="store_true", help=argparse_suppress())
    parser.add_argument("--framework", default="", help=argparse_suppress())   # a worker's


def add_timed_loop_args(parser, target_ms):
    """--repeat and --target-ms of the benchmarks that time calibrated loops of calls."""
    parser.add_argument("--repeat", type=int, default=7, help="timed loops; the median is shown")
    parser.add_argument("--target-ms", type=float, default=target_ms,
                        help="duration of one timed loop (ms)")


def argparse_suppress():
    import argparse
    return argparse.SUPPRESS


def median_loop_seconds(fn, repeat, target_s, sync=None):
    """Median over `repeat` loops of the seconds per call of `fn`, each loop as many calls as
    take about `target_s` (`sync` waits for queued work, after each loop)."""
    sync = sync or (lambda: None)
    fn()
    sync()
    t0 = time.perf_counter()
    fn()
    sync()
    n = max(1, int(target_s / max(time.perf_counter() - t0, 1e-6)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / n)
    return statistics.median(times)


def best_ms(fn, repeat):
    """The quickest of `repeat` calls of `fn` (after one untimed call), in ms."""
    fn()
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def add_layers_arg(parser, layers):
    parser.add_argument("--layers", default=",".join(layers), help="comma-separated subset of: "
                        + ",".join(layers))


def chosen_layers(parser, args, layers):
    """The --layers asked for, in order; a clear error names any that is not in `layers`."""
    chosen = [name.strip() for name in args.layers.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in layers]
    if unknown:
        parser.error("unknown layers %s; choose from %s" % (unknown, ",".join(layers)))
    return chosen


def run_layer_workers(script, args, layers, mxnb_variants=()):
    """({run label: worker result}, [(label, version line)]) of `script`'s workers for each
    framework `args.only` selects, timing `layers`; mxnb runs again with each of
    `mxnb_variants` [(label, extra environment)]."""
    results, versions = {}, []
    for key, label, python in frameworks(args.only):
        if python is None:
            versions.append((label, "not installed"))
            continue
        runs = [(label, None)]
        if key == "mxnb":
            runs += list(mxnb_variants)
        for run_label, env in runs:
            print("running %s ..." % run_label, file=sys.stderr, flush=True)
            extra = dict(env or {}, PYTHONPATH=ROOT) if key == "mxnb" else None
            results[run_label] = run_worker(
                python, os.path.abspath(script),
                ["--framework", key, "--repeat", str(args.repeat), "--layers", ",".join(layers)],
                args.threads, extra_env=extra, timeout=args.timeout)
            versions.append((run_label, version_line(results[run_label])))
    return results, versions


def layers_table(headers, describe, layers, results):
    """Prints a table of layers (rows, `describe(name)` naming one) against runs (`results`,
    label -> worker result with "layers" {name: {"forward_ms", "both_ms"}} or "error")."""
    labels = list(results)
    for label in labels:
        headers = headers + ["%s fwd" % label, "%s fwd+bwd" % label]
    rows, notes = [], []
    for name in layers:
        row = [describe(name)]
        for label in labels:
            r = results[label]
            if "error" in r:
                row += ["error*", ""]
                notes.append("* %s: %s" % (label, r["error"]))
            else:
                cell = r["layers"][name]
                row += ["%.3f" % cell["forward_ms"], "%.3f" % cell["both_ms"]]
        rows.append(row)
    table(headers, rows, sorted(set(notes)))


def mxnb_runs(label, modes, args):
    """mxnb's rows [(row label, mode, extra env)]: each mode as installed (compiled kernels with
    numba, mxnb[fast]) and again, as `add_variant_args`' options ask, with NumPy's kernels alone
    (MXNB_NUMBA=0) or with OpenBLAS's own spin wait (OPENBLAS_THREAD_TIMEOUT=28, which
    mxnb.blas_threads leaves alone), so a table shows what each gives."""
    plain = {"PYTHONPATH": ROOT}
    rows = [("%s %s" % (label, mode), mode, plain) for mode in modes]
    variants = []
    if args.numpy_kernels:
        variants.append(("NumPy kernels", {"MXNB_NUMBA": "0"}))
    if args.openblas_spin:
        variants.append(("OpenBLAS's spin", {"OPENBLAS_THREAD_TIMEOUT": "28"}))
    for name, env in variants:
        rows += [("%s %s, %s" % (label, mode, name), mode, dict(plain, **env)) for mode in modes]
    return rows


def add_variant_args(parser):
    """The options that add mxnb rows measured another way (see mxnb_runs)."""
    parser.add_argument("--numpy-kernels", action="store_true",
                        help="also run mxnb with NumPy's kernels only (MXNB_NUMBA=0), beside its "
                             "compiled ones")
    parser.add_argument("--openblas-spin", action="store_true",
                        help="also run mxnb with OpenBLAS's own spin wait after each product "
                             "(OPENBLAS_THREAD_TIMEOUT=28) instead of the short one mxnb sets")


def frameworks(only):
    """[(key, label, python or None)] in table order."""
    rows = [("mxnb", "mxnb", mxnb_python()),
            ("mxnet", PEERS["mxnet"][0], peer_python("mxnet")),
            ("torch", PEERS["torch"][0], peer_python("torch"))]
    wanted = {x.strip() for x in only.split(",") if x.strip()}
    return [r for r in rows if not wanted or r[0] in wanted]
