"""Recomputation instead of storage (MXNet's backward mirroring): the weight gradient of a
Convolution reads the im2col columns its forward step kept, which are several times the data's
size; recomputing them from the data in the backward step frees them between the passes.

`recompute_columns(steps, keep)` swaps `_backward_Convolution_weight_columns(ograd, data,
columns)` for `_backward_Convolution_weight(ograd, data)`, the same registered gradient computed
from the data (same calls on the same columns: bit-identical results), except for the
Convolutions in `keep`.

Recomputing costs an im2col per Convolution and step. `columns_to_keep` decides, from the
shapes of one call, which Convolutions may keep their columns: those whose columns keep the
simulated peak of a training step (forward then backward, `step_peak`) at most `budget` times
the peak of the same step run as the imperative tape runs it (every column kept, every saved
value held to the end of the backward pass). The last Convolution's columns usually cost
nothing: its backward runs first and frees them before the earlier Convolutions recompute theirs.
"""
from ...ops import registry
from ..node import Node

__all__ = ["recompute_columns", "columns_to_keep", "step_peak", "BUDGET"]

_FROM_COLUMNS = "_backward_Convolution_weight_columns"

# The hybridized step's peak may be this fraction of the imperative step's: issue 12's target
# is 0.7; the simulation came within 0.06 of tracemalloc's peaks on LeNets (it sees neither
# in-place steps nor what runs outside the program), hence the margin.
BUDGET = 0.66


class _Swapped:
    """A step running another operator on a prefix of the original step's inputs."""
    __slots__ = ("node", "op", "attrs", "ins", "outs", "single", "extras", "original")

    def __init__(self, step, op, ins):
        # a node of its own, for hooks: the operator that runs, on the inputs it reads; the
        # original node stays reachable as `original`
        node = step.node
        self.node = Node(op, node.name, node.attrs, node.inputs[:len(ins)], node.num_outputs,
                         node.user_attrs)
        self.node.forward_node = node.forward_node
        self.original = node
        self.op = op
        self.attrs = step.attrs
        self.ins = ins
        self.outs = step.outs
        self.single = step.single
        self.extras = step.extras


def _reads_columns(step):
    return step.op is not None and getattr(step.op, "name", None) == _FROM_COLUMNS


def recompute_columns(steps, keep=()):
    """`steps` with every columns-reading weight gradient recomputing its columns, except for
    the Convolutions whose node ids are in `keep`."""
    weight = registry.find("_backward_Convolution_weight")
    if weight is None:
        return list(steps)
    out = []
    for step in steps:
        if _reads_columns(step) and id(step.node.forward_node) not in keep:
            step = _Swapped(step, weight, step.ins[:2])
        out.append(step)
    return out


def _value_reads(step):
    """The slots `step` reads as values (not those it reads for their shape only)."""
    declared = getattr(step.op, "unused_inputs", None)
    unused = declared(step.attrs) if declared is not None else ()
    return [s for k, s in enumerate(step.ins) if k not in unused]


def step_peak(forward, backward, nbytes, head_slots, held, consume):
    """The largest number of bytes live at once over `forward` then `backward` steps, counting
    the values the steps make and the head gradients (`nbytes` {slot: bytes}), not the
    program's inputs.

    A value lives from the step that makes it to its last reader (shape-only reads do not
    count); a forward value the backward reads lives to its last backward reader when
    `consume` (a hybridized call's backward drops saved values as it goes), else to the end
    of the backward pass (the imperative tape holds them); values nothing reads die where they
    are made, except those `held` (the program's outputs, the gradients): they live to the end."""
    steps = list(forward) + list(backward)
    end = len(steps)
    born, died = {}, {}
    for s in head_slots:
        born[s] = len(forward)
    for t, step in enumerate(steps):
        for s in _value_reads(step):
            died[s] = t
        for s in step.outs:
            born.setdefault(s, t)
    if not consume:
        for t, step in enumerate(backward, len(forward)):
            for s in _value_reads(step):
                if s in born and born[s] < len(forward):
                    died[s] = end
    delta = [0] * (end + 2)
    for s, b in born.items():
        d = end if s in held else max(died.get(s, b), b)
        delta[b] += nbytes.get(s, 0)
        delta[d + 1] -= nbytes.get(s, 0)
    live = peak = 0
    for change in delta:
        live += change
        peak = max(peak, live)
    return peak


def columns_to_keep(forward, backward, nbytes, head_slots, held, budget=BUDGET):
    """The ids of the forward Convolution nodes that may keep their columns: tried one by one
    in the order their gradients run, each kept when the simulated peak (`step_peak`) stays at
    most `budget` times that of the imperative step."""
    imperative = step_peak(forward, backward, nbytes, head_slots, held, consume=False)
    keep = set()
    for step in backward:
        if not _reads_columns(step):
            continue
        trial = keep | {id(step.node.forward_node)}
        peak = step_peak(forward, recompute_columns(backward, trial), nbytes, head_slots, held,
                         consume=True)
        if peak <= budget * imperative:
            keep = trial
    return frozenset(keep)
