"""Before/after for op_overhead.py on a busy machine: this checkout's mxnb against another
checkout's (--baseline, e.g. `git archive <commit> | tar -x -C /tmp/base`), with PyTorch, in
alternating rounds; per operator the best over rounds of each worker's best loop.

    .venv/bin/python benchmarks/op_overhead_ab.py --baseline /tmp/base [--rounds 3]

One op_overhead.py table is a single pass per framework, so load that comes and goes on a
shared machine lands on one framework and not another; alternating rounds and keeping the best
lets each side show what it costs when it is not preempted.
"""
import argparse
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common  # noqa: E402
import op_overhead  # noqa: E402

SCRIPT = os.path.join(_common.HERE, "op_overhead.py")


def _best(into, name, result):
    for op, value in result.get("ops", {}).items():
        if "us" in value:
            into.setdefault(name, {})[op] = min(into.get(name, {}).get(op, math.inf), value["us"])


def _best_generated(into, name, result):
    for op, value in (result.get("generated") or {}).items():
        best = into.setdefault(name, {}).setdefault(op, [math.inf, math.inf])
        best[0] = min(best[0], value["generated"])
        best[1] = min(best[1], value["invoke"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", required=True, help="root of the other checkout (holds mxnb/)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    worker_args = ["--repeat", "30", "--target-ms", "5", "--stat", "min"]
    runs = [("before", "mxnb", _common.mxnb_python(), {"PYTHONPATH": os.path.abspath(args.baseline)}),
            ("after", "mxnb", _common.mxnb_python(), {"PYTHONPATH": _common.ROOT})]
    torch = _common.peer_python("torch")
    if torch:
        runs.append(("torch", "torch", torch, None))
    best, generated = {}, {}
    for _ in range(args.rounds):
        for name, framework, python, env in runs:
            print("running %s ..." % name, file=sys.stderr, flush=True)
            result = _common.run_worker(python, SCRIPT, ["--framework", framework] + worker_args,
                                        args.threads, extra_env=env)
            if "error" in result:
                print("%s failed: %s" % (name, result["error"]), file=sys.stderr)
                continue
            _best(best, name, result)
            _best_generated(generated, name, result)

    def cell(name, op):
        value = best.get(name, {}).get(op)
        return "-" if value is None else "%.2f" % value

    load = "" if _common.LOAD_AT_START is None else "; load average at start %.2f %.2f %.2f" % _common.LOAD_AT_START
    print("Eager operator overhead, best of %d alternating rounds (µs per op%s)" % (args.rounds, load))
    rows = []
    for label, op in op_overhead.OPS:
        row = [label, cell("before", op), cell("after", op), cell("torch", op)]
        try:
            row.append("%.2fx" % (best["after"][op] / best["torch"][op]))
        except (KeyError, ZeroDivisionError):
            row.append("-")
        rows.append(row)
    _common.table(["operator", "before µs", "after µs", "PyTorch µs", "after/PyTorch"], rows)
    labels = dict((key, label) for label, key in op_overhead.OPS)
    rows = []
    for op in op_overhead.GENERATED:
        row = [labels[op]]
        for name in ("before", "after"):
            gen, inv = generated.get(name, {}).get(op, (math.nan, math.nan))
            row += ["%.2f" % gen, "%.2f" % inv, "%+.2f" % (gen - inv)]
        rows.append(row)
    _common.table(["nd.X(...) against invoke()", "before", "invoke", "diff", "after", "invoke",
                   "diff"], rows)


if __name__ == "__main__":
    main()
