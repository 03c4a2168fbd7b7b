"""Runs a Program through the graph passes (mxnb/graph/passes): what CachedOp and Executor call.

At construction the node passes decide what runs every time: duplicates (CSE) and constants
(constant folding, computed once per context) leave the per-run step list, and DCE drops what
nothing needs. The first run with a given key (input shapes and dtypes, mode, which gradients
are wanted) runs the steps plainly and records every value; from it the step passes build a
plan (elementwise fusion, out= kernels, memory plan), used by every later run with that key.

A run with node hooks (the debugger, the monitor) runs the program as written instead, node by
node, so the hooks see every node; the values the backward pass reads are the same either way.
"""
import os
from time import perf_counter

from .. import backend, instrument
from ..ops.quiet import silence, restore, SILENT
from .passes import bn_relu, dce, fold, fusion, kernels as out_kernels, liveness, memory
from .interpreter import notify, op_error
from .program import Program

__all__ = ["Optimizer", "enabled", "recompute_enabled", "PlanReport", "kept_for_backward"]


def kept_for_backward(program, backward, outputs=True):
    """(kept, shape_only): the forward slots a run must keep for `backward` (and, with
    `outputs`, the program's outputs), and those among them the backward reads for their shape
    only (replaced by stubs)."""
    own = {s for step in backward.all_steps for s in step.outs}
    own.update(backward.head_slots)
    values, shapes = liveness.backward_reads(backward.all_steps, own)
    outputs = set(program.output_slots) if outputs else set()
    return values | shapes | outputs, shapes - outputs


def stub_shape_only(values, shape_only):
    """Stubs for shape-only slots a run kept as values (outputs, inputs of the program)."""
    for s in shape_only:
        value = values[s]
        if value is not None and value.strides and 0 not in value.strides:
            values[s] = liveness.shape_stub(value)


def recompute_enabled(flags=None):
    """Whether backward passes recompute Convolution columns rather than keep them from the
    forward pass (passes/recompute.py): flags' `recompute`, else MXNet's
    MXNET_BACKWARD_DO_MIRROR, else on."""
    if flags and "recompute" in flags:
        return bool(flags["recompute"])
    return os.environ.get("MXNET_BACKWARD_DO_MIRROR", "1") != "0"


def enabled(flags=None):
    """Whether programs run through the passes: flags' `optimize` (hybridize(optimize=False)),
    else the MXNB_GRAPH_PASSES environment variable ('0' turns them off), else on."""
    if flags and "optimize" in flags:
        return bool(flags["optimize"])
    return os.environ.get("MXNB_GRAPH_PASSES", "1") != "0"


class PlanReport:
    """What the passes did to one plan, for people (notebooks, benchmarks)."""
    def __init__(self, phase, before, steps, plan):
        self.phase = phase
        self.nodes_before = before
        self.steps = steps
        self.plan = plan

    @property
    def nodes_after(self):
        return len(self.steps)

    def summary(self):
        fused = [s for s in self.steps if hasattr(s, "members")]
        return {"phase": self.phase, "steps before": self.nodes_before,
                "steps after": len(self.steps), "fused steps": len(fused),
                "in-place steps": len(self.plan.inplace_steps),
                "planned values (bytes)": self.plan.planned_bytes,
                "pooled buffers (bytes)": self.plan.buffer_bytes,
                "fresh values (bytes)": self.plan.unplanned_bytes}


class _Entry:
    __slots__ = ("steps", "kernels", "plan", "specs", "report", "into", "table")


class Optimizer:
    def __init__(self, program):
        self.program = program
        dups = program.duplicates
        constants = fold.constant_nodes(program.nodes)
        self.constant_steps = [s for s in program.forward
                               if id(s.node) in constants and id(s.node) not in dups]
        rest = [s for s in program.forward if id(s.node) not in constants and id(s.node) not in dups]
        self.constant_slots = [o for s in self.constant_steps for o in s.outs]
        self.forward_steps = dce.live_steps(rest, set(program.output_slots) | set(self.constant_slots)
                                            | _all_reads(rest))
        self.output_constants = [s for s in program.output_slots if s in set(self.constant_slots)]
        self._constants = {}      # ctx -> [(slot, array)]
        self._entries = {}
        self.reports = {}

    @property
    def removed(self):
        """{'duplicates': n, 'constants': n}: nodes the node passes took out of every run."""
        return {"duplicates": len(self.program.duplicates), "constants": len(self.constant_steps)}

    # --- running -------------------------------------------------------------------------
    def fill_constants(self, values, ctx, is_train):
        if not self.constant_steps:
            return
        cached = self._constants.get(ctx)
        if cached is None:
            Program.run(self.constant_steps, values, ctx, is_train)
            cached = self._constants[ctx] = [(s, values[s]) for s in self.constant_slots]
        for s, array in cached:
            values[s] = array

    def run(self, key, phase, steps, values, ctx, is_train, kept, shape_only=(), targets=None):
        """Runs `steps` on `values`; afterwards only `kept` slots (and inputs) hold values, and
        `shape_only` slots hold stubs with their shape and dtype (liveness.shape_stub).

        `targets` {slot: array}: arrays that kept slots may be written into (the parameters'
        .grad arrays of a backward run) where a step has a kernel for it; a slot's value is
        then that array."""
        entry = self._entries.get(key)
        if entry is None:
            Program.run(steps, values, ctx, is_train, (), phase)
            quiet = silence(SILENT)    # planning tries kernels on the recorded values
            try:
                self._entries[key] = entry = self._plan(phase, steps, values, kept, ctx, shape_only,
                                                        is_train)
            finally:
                restore(quiet)
            for slot in entry.plan.release_all:
                values[slot] = liveness.shape_stub(values[slot]) if slot in shape_only else None
            return
        quiet = silence(SILENT)     # no NumPy RuntimeWarnings from operators, as Program.run
        try:
            with backend.device_scope(ctx):     # every step on the program's own device
                _run_planned(entry, values, ctx, is_train, phase, targets)
        finally:
            restore(quiet)

    def _plan(self, phase, steps, values, kept, ctx, shape_only=(), is_train=False):
        shape_only = set(shape_only)
        kept = set(kept) - shape_only
        xp = backend.xp_of(ctx)
        before = len(steps)
        steps = bn_relu.fuse_batch_norm_relu(steps, values, kept, shape_only, is_train)
        kernels = []
        for step in steps:
            kernel = None
            if step.single and step.op is not None and hasattr(step.op, "inplace"):
                out = values[step.outs[0]]
                if out is not None:
                    kernel = out_kernels.out_kernel(step.op, step.attrs,
                                                    [values[s] for s in step.ins], out)
            kernels.append(kernel)
        fused_steps, kernels = fusion.fuse_elementwise(steps, values, kept, kernels, shape_only)
        plan = memory.plan_memory(fused_steps, values, kept, [k is not None for k in kernels], xp)
        produced = {s for step in steps for s in step.outs}
        plan.release_all = [s for s in produced | shape_only if s not in kept]
        plan.stubs = [tuple(s for s in r if s in shape_only) for r in plan.release]
        plan.release = [tuple(s for s in r if s not in shape_only) for r in plan.release]
        entry = _Entry()
        entry.steps = fused_steps
        entry.kernels = kernels
        entry.plan = plan
        entry.specs = [(values[st.outs[0]].shape, values[st.outs[0]].dtype) if k is not None else None
                       for st, k in zip(fused_steps, kernels)]
        entry.into = _gradient_kernels(fused_steps, kernels, values, kept)
        entry.report = PlanReport(phase, before, fused_steps, plan)
        entry.table = None
        self.reports[phase] = entry.report
        return entry


def _all_reads(steps):
    return {s for step in steps for s in step.ins}


def _gradient_kernels(steps, kernels, values, kept):
    """{step index: (kernel, [(shape, dtype) per output])} for steps writing a kept slot that
    can write their outputs into given arrays (passes/kernels.gradient_kernel)."""
    into = {}
    for i, step in enumerate(steps):
        if kernels[i] is not None or step.op is None or not any(s in kept for s in step.outs):
            continue
        outs = [values[s] for s in step.outs]
        kernel = out_kernels.gradient_kernel(step.op, step.attrs, [values[s] for s in step.ins],
                                             outs)
        if kernel is not None:
            into[i] = (kernel, [(a.shape, a.dtype) for a in outs])
    return into


def _compile(entry):
    """The plan as one tuple per step, made once per plan: what the runner reads per step
    without re-walking the plan's lists. (kind, step, kernel, planned out or spec, slots to
    drop, slots to stub); kind 0: an out= kernel, 1: a kernel that may write into .grad
    arrays, 2: the operator's own compute, 3: an out= kernel of a fused step whose fused-away
    links are read later for their shape (they are given its output until stubbed), 4: the
    compute of such a step (passes/bn_relu.py)."""
    plan = entry.plan
    table = []
    for i, step in enumerate(entry.steps):
        kernel = entry.kernels[i]
        if kernel is not None:
            out = plan.out_views[i]
            kind = 3 if getattr(step, "aliases", ()) else 0
            row = (kind, step, kernel, out if out is not None else entry.specs[i])
        elif i in entry.into:
            writer, specs = entry.into[i]
            row = (1, step, writer, tuple(zip(step.outs, specs)))
        else:
            row = (4 if getattr(step, "aliases", ()) else 2, step, None, None)
        table.append(row + (plan.release[i], plan.stubs[i]))
    return table


def _run_planned(entry, values, ctx, is_train, phase, targets=None):
    xp = backend.xp_of(ctx)
    rng = None
    table = entry.table
    if table is None:
        table = entry.table = _compile(entry)
    shape_stub = liveness.shape_stub
    watched = instrument.hooked
    for kind, step, kernel, out, release, stubs in table:
        ins = [values[s] for s in step.ins]
        if watched:
            started = perf_counter()
        try:
            if kind == 0 or kind == 3:
                if out.__class__ is tuple:        # (shape, dtype): a fresh array
                    out = xp.empty(*out)
                kernel(xp, ins, step.attrs, out)
                values[step.outs[0]] = out
                if kind == 3:                     # fused-away links read for their shape
                    for s in step.aliases:
                        values[s] = out
            elif kind == 1 and targets:
                # the .grad arrays of matching shape and dtype, else fresh results
                outs = []
                for slot, (shape, dtype) in out:
                    t = targets.get(slot)
                    outs.append(t if t is not None and t.shape == shape and t.dtype == dtype
                                else None)
                for slot, value in zip(step.outs, kernel(xp, ins, step.attrs, outs)):
                    values[slot] = value
                value = outs = None
            else:
                if step.extras:
                    if rng is None:
                        rng = backend.rng(ctx)
                    result = step.op.compute(xp, ins, step.attrs, is_train=is_train, rng=rng)
                else:
                    result = step.op.compute(xp, ins, step.attrs)
                if step.single:
                    values[step.outs[0]] = result
                else:
                    for slot, value in zip(step.outs, result):
                        values[slot] = value
                    value = None
                if kind == 4:                     # fused-away results read for their shape
                    for s in step.aliases:
                        values[s] = values[step.outs[0]]
                result = None
        except Exception as exc:
            raise op_error(step.op, ins, step.attrs, exc, step.node.name) from None
        if watched:     # the global node hooks see the step that ran (a fused one, say)
            notify(phase, step.node, ins,
                   [values[s] for s in step.outs], perf_counter() - started)
        # locals must not outlive the values the plan frees (a Convolution's columns were kept
        # through the next step by the loop's last `value`, its dead inputs by `ins`)
        ins = out = None
        for s in release:
            values[s] = None
        for s in stubs:
            values[s] = shape_stub(values[s])
