"""Elementwise fusion: a chain of elementwise steps, each reading the previous one's result that
nothing else reads, runs as one step that writes every link through one buffer.

On the CPU the fused step is a chain of NumPy `out=` calls through one buffer: no temporaries,
no allocation per link, one Python step instead of several (measured against separate steps in
the notes of issue 12). Where numba is installed (mxnb.compiled), links that NumPy runs as
several passes take one compiled pass instead, bit-equal (kernels.py: an activation's gradient
over its ograd; a FullyConnected -> relu pair, whose bias and relu go in one pass, by
`kernels.chain_links`). On a GPU the same chain runs CuPy's ufuncs with `out=` (a CuPy
ElementwiseKernel variant is not written yet). The fused step keeps its links (`members`) and
stands for a node of its own whose `attrs["_members"]` are the original nodes, so tools can
expand it; a program with node hooks (debugger, monitor) runs the links one by one instead.

A fusion is kept only when the fused kernel reproduces the recorded result exactly on the
recorded inputs (the links run the same calls in the same order, so it does).
"""
from ..node import Node
from .kernels import ELEMENTWISE_KERNELS, chain_links, reproduces

__all__ = ["fuse_elementwise", "FusedStep", "FUSED"]


class _FusedOp:
    """What a fused node's `op` says about it."""
    name = "_fused_elementwise"
    hint = "fused"
    elementwise = True
    single_output = True
    needs_extras = False
    needs_train = False
    inplace = ()

    def num_aux(self, attrs):
        return 0

    def num_outputs(self, attrs):
        return 1

    def num_visible_outputs(self, attrs):
        return 1

    def output_names(self, attrs):
        return ["output"]

    def input_names(self, attrs):
        return ["arg%d" % i for i in range(attrs.get("_num_inputs", 0))]

    def format_attrs(self, attrs, keep_defaults=False):
        return {"members": " -> ".join(n.op.name for n in attrs["_members"])}

    def __repr__(self):
        return "<Operator _fused_elementwise>"


FUSED = _FusedOp()


class _FusedProducerOp(_FusedOp):
    """A fused chain headed by a producer that is not elementwise (FullyConnected)."""
    elementwise = False


FUSED_PRODUCER = _FusedProducerOp()


class FusedStep:
    """A step standing for several elementwise steps (`members`)."""
    __slots__ = ("node", "op", "attrs", "ins", "outs", "single", "extras", "members", "kernel",
                 "inplace", "aliases")

    def __init__(self, members, ins, recipe, inplace, links=None, aliases=()):
        self.members = members
        self.op = FUSED if members[0].op.elementwise else FUSED_PRODUCER
        self.ins = ins
        self.outs = list(members[-1].outs)
        self.single = True
        self.extras = False
        self.inplace = inplace
        nodes = [m.node for m in members]
        self.attrs = {"_members": nodes, "_num_inputs": len(ins)}
        self.node = Node(self.op, "fused_" + "_".join(n.name for n in nodes), self.attrs,
                         [(n, 0) for n in ()], 1)
        if links is None:
            links = [ELEMENTWISE_KERNELS[m.op.name] for m in members]
        kernels = [(link, m.attrs, args) for link, m, args in zip(links, members, recipe)]
        # links' outputs a later reader reads for their shape only: they are given the fused
        # output (same shape and dtype), which the caller then replaces by a shape stub
        self.aliases = tuple(aliases)

        def kernel(xp, inputs, attrs, out):
            for link, link_attrs, args in kernels:
                link(xp, [out if a < 0 else inputs[a] for a in args], link_attrs, out)
        self.kernel = kernel


def fuse_elementwise(steps, values, kept, kernels, shape_only=()):
    """(new steps, new kernels): chains of elementwise steps with kernels fused into FusedSteps.

    `kernels[i]` is step i's validated out= kernel or None; `values` the recorded arrays.
    A chain may start with any single-output step that has an out= kernel (FullyConnected,
    its data gradient): the elementwise links after it (a bias-free activation, the
    activation's gradient) then run in the producer's output buffer. Slots in `shape_only`
    (read later for their shape only) may be fused away: the fused step names them as aliases."""
    readers = {}
    for i, step in enumerate(steps):
        for s in set(step.ins):
            readers.setdefault(s, []).append(i)
    follow = {}     # step index -> the step continuing its chain (one chain through each step)
    continued = set()
    for i, step in enumerate(steps):
        if not (_fusable(step, kernels[i]) or _producer(step, kernels[i])) or len(step.outs) != 1:
            continue
        t = step.outs[0]
        rs = readers.get(t, [])
        if t in kept or len(rs) != 1:
            continue
        j = rs[0]
        if j in continued:
            continue
        nxt = steps[j]
        if not _fusable(nxt, kernels[j]):
            continue
        a, b = values[t], values[nxt.outs[0]]
        if a is None or b is None or a.shape != b.shape or a.dtype != b.dtype:
            continue
        follow[i] = j
        continued.add(j)
    heads = [i for i in follow if i not in set(follow.values())]
    replaced = {}
    for head in heads:
        chain = [head]
        while chain[-1] in follow:
            chain.append(follow[chain[-1]])
        fused = _build(steps, chain, values, kernels, shape_only)
        if fused is not None:
            replaced[chain[-1]] = fused
            for i in chain[:-1]:
                replaced[i] = None
    new_steps, new_kernels = [], []
    for i, step in enumerate(steps):
        if i in replaced:
            if replaced[i] is not None:
                new_steps.append(replaced[i])
                new_kernels.append(replaced[i].kernel)
            continue
        new_steps.append(step)
        new_kernels.append(kernels[i])
    return new_steps, new_kernels


def _fusable(step, kernel):
    return kernel is not None and step.op.name in ELEMENTWISE_KERNELS and step.single


def _producer(step, kernel):
    """A step that may head a chain: one output written whole by a validated out= kernel."""
    return kernel is not None and step.single and step.op.name not in ELEMENTWISE_KERNELS


def _build(steps, chain, values, kernels, shape_only=()):
    members = [steps[i] for i in chain]
    ins, recipe = [], []
    previous = None
    for m in members:
        args = []
        for s in m.ins:
            if s == previous:
                args.append(-1)
            else:
                if s not in ins:
                    ins.append(s)
                args.append(ins.index(s))
        recipe.append(args)
        previous = m.outs[0]
    # the output may overwrite an input that only the first link reads, where the first
    # link's operator declares that it may
    first_only = set(recipe[0]) - {a for args in recipe[1:] for a in args}
    inplace = tuple((recipe[0][k], 0) for k, j in getattr(members[0].op, "inplace", ())
                    if j == 0 and k < len(recipe[0]) and recipe[0][k] in first_only)
    aliases = [m.outs[0] for m in members[:-1] if m.outs[0] in shape_only]
    fused = FusedStep(members, ins, recipe, inplace,
                      chain_links(members, [kernels[i] for i in chain]), aliases)
    # keep the fusion only if it reproduces the recorded result
    from ... import backend
    expected = values[members[-1].outs[0]]
    xp = backend.array_module(expected)
    trial = xp.empty_like(expected)
    try:
        fused.kernel(xp, [values[s] for s in ins], fused.attrs, trial)
    except Exception:
        return None
    if not reproduces(xp, trial, expected):
        return None
    return fused
