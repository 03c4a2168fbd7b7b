"""BatchNorm then relu as one step: MXNet's fused BatchNormWithReLU, in both passes.

A hybridized ResNet normalizes and then rectifies most of its convolutions' outputs. As two
steps, the forward writes BatchNorm's result and reads it back for relu, and the backward
writes relu's gradient and reads it back into BatchNorm's: one pass over the activations more
each way. Where BatchNorm's result is read by that relu alone and nothing keeps it,
`_contrib_BatchNormWithReLU` takes both forward steps (relu applied as the result is written);
where relu's gradient is read by BatchNorm's backward alone, `_backward_BatchNormWithReLU`
takes both backward steps (relu's gradient taken as the output gradient is read). The
backward rewrite needs no forward one: it is the same arithmetic whatever produced relu's
output.

As elementwise fusion (fusion.py), a rewrite is kept only where the fused step reproduces the
recorded results bit for bit on the recorded inputs (the same operations in the same order, so
it does); the fused step's node names the two it stands for (`attrs["_members"]`), and a
program with node hooks runs the original steps.
"""
from ...ops import registry
from ..node import Node
from .kernels import reproduces

__all__ = ["fuse_batch_norm_relu", "BatchNormReluStep"]


class BatchNormReluStep:
    """A step standing for a BatchNorm step and a relu step (or their backward steps)."""
    __slots__ = ("node", "op", "attrs", "ins", "outs", "single", "extras", "members", "aliases")

    def __init__(self, op_name, members, attrs, ins, outs, aliases=()):
        self.op = registry.get(op_name)
        self.members = members
        self.attrs = dict(attrs, _members=[m.node for m in members])
        self.node = Node(self.op, "fused_" + "_".join(m.node.name for m in members), self.attrs,
                         num_outputs=len(outs))
        self.ins = list(ins)
        self.outs = list(outs)
        self.single = False
        self.extras = self.op.needs_extras
        # BatchNorm's own result, fused away, where a later step reads it for its shape: given
        # the fused output (same shape and dtype), which the caller then replaces by a stub
        self.aliases = tuple(aliases)


def _is_relu(step):
    return (step.op is not None and step.op.name == "Activation"
            and step.attrs["act_type"] == "relu")


def _is_relu_gradient(step):
    return (step.op is not None and step.op.name == "_backward_Activation"
            and step.attrs["act_type"] == "relu")


def fuse_batch_norm_relu(steps, values, kept, shape_only, is_train):
    """`steps` with each BatchNorm -> relu pair, and each relu gradient -> BatchNorm gradient
    pair, replaced by one step where that reproduces the recorded results (`values`). Slots in
    `kept` must keep their values; those in `shape_only` are read later for their shape only."""
    readers = {}
    for i, step in enumerate(steps):
        for s in set(step.ins):
            readers.setdefault(s, []).append(i)
    replaced = {}       # index of the pair's second step -> the fused step; first -> None
    for i, step in enumerate(steps):
        if step.op is None or step.op.name not in ("BatchNorm", "_backward_Activation"):
            continue
        middle = step.outs[0]
        if middle in kept or len(readers.get(middle, ())) != 1 or i in replaced:
            continue
        j = readers[middle][0]
        if j in replaced:
            continue
        after = steps[j]
        if step.op.name == "BatchNorm" and _is_relu(after) and after.ins == [middle]:
            fused = BatchNormReluStep(
                "_contrib_BatchNormWithReLU", [step, after], step.attrs, step.ins,
                [after.outs[0]] + list(step.outs[1:]),
                aliases=[middle] if middle in shape_only else ())
        elif (_is_relu_gradient(step) and after.op is not None
              and after.op.name == "_backward_BatchNorm" and after.ins[0] == middle
              and middle not in after.ins[1:]):
            fused = BatchNormReluStep(
                "_backward_BatchNormWithReLU", [step, after], after.attrs,
                [step.ins[0]] + list(after.ins[1:]) + [step.ins[1]], after.outs)
        else:
            continue
        if _reproduces(fused, values, is_train):
            replaced[i], replaced[j] = None, fused
    if not replaced:
        return steps
    return [replaced.get(i, step) for i, step in enumerate(steps)
            if not (i in replaced and replaced[i] is None)]


def _reproduces(fused, values, is_train):
    """Whether `fused` gives the recorded outputs bit for bit on the recorded inputs. The
    moving statistics (BatchNorm's auxiliary inputs, updated in place) are given copies."""
    from ... import backend
    ins = [values[s] for s in fused.ins]
    outs = [values[s] for s in fused.outs]
    if any(a is None for a in ins + outs):
        return False
    if fused.op.name == "_contrib_BatchNormWithReLU":
        ins = ins[:3] + [a.copy() for a in ins[3:]]
        ins[1] = ins[1].copy()          # fix_gamma resets gamma in place
        got = fused.op.compute(backend.array_module(ins[0]), ins, fused.attrs, is_train=is_train)
    else:
        got = fused.op.compute(backend.array_module(ins[0]), ins, fused.attrs)
    xp = backend.array_module(outs[0])
    return all(reproduces(xp, g, o) for g, o in zip(got, outs))
