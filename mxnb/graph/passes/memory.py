"""Memory planning for a step list, from one recorded run (shapes, dtypes, which values are
views of which): MXNet's static memory allocation.

- A value read by nothing after step i is dropped after step i (the program stops holding it).
- A step with an out= kernel (`kernels.out_kernel`) writes into a planned buffer. A buffer
  returns to the pool when every value stored in it (the value and its views) is dead, and the
  next planned value of the same dtype that fits takes it. Buffers belong to the plan, so the
  next iteration reuses them too.
- In place: when an operator declares that its output may overwrite input k
  (`Operator.inplace`), and input k's buffer dies at that step, the output takes that buffer.
- Values that outlive the run (program outputs, values kept for the backward pass, gradients)
  and values shared with them are never planned: they are fresh arrays every run.

`check_plan` proves a plan sound: no two values live at the same time share a buffer.
"""
from ...base import MXNetError
from .liveness import NEVER, last_uses, storage_groups

__all__ = ["MemoryPlan", "plan_memory", "check_plan"]


class MemoryPlan:
    """Per step: the planned output array (a view of a pooled buffer) or None, and the slots to
    drop after it. `intervals` [(slot, first step, last step, buffer id, in-place step)] is
    what `check_plan` checks."""
    __slots__ = ("out_views", "release", "buffers", "intervals", "inplace_steps", "planned_bytes",
                 "unplanned_bytes", "release_all", "stubs")

    def __init__(self, n):
        self.out_views = [None] * n
        self.release = [()] * n
        self.buffers = []
        self.intervals = []
        self.inplace_steps = {}     # step index -> id of the buffer it overwrites
        self.planned_bytes = 0      # bytes of planned values (what they would have allocated)
        self.unplanned_bytes = 0
        self.release_all = ()       # slots to drop after the recording run
        self.stubs = [()] * n       # per step: slots replaced by shape stubs after it

    @property
    def buffer_bytes(self):
        return sum(b.nbytes for b in self.buffers)


def _inplace_pairs(step):
    op = step.op
    pairs = getattr(step, "inplace", None)
    if pairs is None:
        pairs = getattr(op, "inplace", ())
    return pairs


def plan_memory(steps, values, kept, has_kernel, xp):
    """A MemoryPlan for `steps` given the arrays of one recorded run (`values` by slot), the
    slots that must outlive the run (`kept`) and which steps have out= kernels."""
    n = len(steps)
    plan = MemoryPlan(n)
    last = last_uses(steps, kept)
    produced = {}
    for i, step in enumerate(steps):
        for s in step.outs:
            produced[s] = i
    slots = set(last)
    group = storage_groups(slots, values)
    group_end = {}
    for s in slots:
        g = group.get(s)
        if g is None:
            continue
        end = last[s] if s in produced else NEVER      # inputs to the program are not ours
        if end > group_end.get(g, -1):
            group_end[g] = end
    members = {}
    for s, g in group.items():
        members.setdefault(g, []).append(s)

    free = {}             # dtype -> [buffer]
    owner = {}            # group -> buffer it lives in
    view_of = {}          # slot -> planned view
    release = [[] for _ in range(n)]
    for s, end in last.items():
        if end != NEVER and end < n:
            release[int(end)].append(s)

    def take(nbytes, dtype):
        pool = free.get(dtype)
        if pool:
            best = None
            for k, buf in enumerate(pool):
                if buf.nbytes >= nbytes and (best is None or buf.nbytes < pool[best].nbytes):
                    best = k
            if best is not None:
                return pool.pop(best)    # by position: list.remove would compare arrays
        buf = xp.empty(max(nbytes // dtype.itemsize, 1), dtype=dtype)
        plan.buffers.append(buf)
        return buf

    for i, step in enumerate(steps):
        out_slot = step.outs[0] if len(step.outs) == 1 else None
        array = values[out_slot] if out_slot is not None else None
        g = group.get(out_slot)
        plannable = (has_kernel[i] and array is not None and getattr(array, "base", 1) is None
                     and g is not None and group_end.get(g, NEVER) != NEVER)
        if array is not None:
            if plannable:
                plan.planned_bytes += array.nbytes
            else:
                plan.unplanned_bytes += array.nbytes
        if plannable:
            buf = None
            for k, j in _inplace_pairs(step):
                if j != 0 or k >= len(step.ins):
                    continue
                s = step.ins[k]
                view = view_of.get(s)
                gs = group.get(s)
                if (view is not None and group_end.get(gs) == i and gs in owner
                        and view.shape == array.shape and view.dtype == array.dtype
                        and step.ins.count(s) == 1):
                    buf = owner.pop(gs)
                    plan.out_views[i] = view
                    plan.inplace_steps[i] = id(buf)
                    break
            if buf is None:
                buf = take(array.nbytes, array.dtype)
                plan.out_views[i] = buf[:array.size].reshape(array.shape)
            owner[g] = buf
            view_of[out_slot] = plan.out_views[i]
            plan.intervals.append((out_slot, i, group_end[g], id(buf), i in plan.inplace_steps))
        # buffers whose every value is dead after this step go back to the pool
        for s in set(step.ins) | set(step.outs):
            gs = group.get(s)
            if gs in owner and group_end.get(gs) == i:
                buf = owner.pop(gs)
                free.setdefault(buf.dtype, []).append(buf)
    plan.release = [tuple(r) for r in release]
    check_plan(plan, steps)
    return plan


def check_plan(plan, steps=None):
    """Raises MXNetError when two planned values that are live at the same time share a buffer.

    A value is live from the step that writes it to the last step that reads it (or a view of
    it). Two values may meet at one step only where that step writes its output in place over
    the other (the one read there for the last time)."""
    by_buffer = {}
    for slot, start, end, buf, _ in plan.intervals:
        by_buffer.setdefault(buf, []).append((start, end, slot))
    for buf, spans in by_buffer.items():
        spans.sort()
        for (s0, e0, a), (s1, e1, b) in zip(spans, spans[1:]):
            if s1 > e0:
                continue
            if s1 == e0 and plan.inplace_steps.get(s1) == buf:
                continue
            name = (lambda i: steps[i].node.name) if steps is not None else str
            raise MXNetError("memory plan: values of slots %d (written at %s, live until %s) and %d "
                             "(written at %s) share one buffer while both are live"
                             % (a, name(s0), name(e0), b, name(s1)))
    return True
