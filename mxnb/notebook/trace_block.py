"""Recording a Gluon block's forward and backward node by node.

The block (and the loss) run once under `autograd.record()`, as in an ordinary training step:
- a hybridized block runs its CachedOp, whose node hooks record each node, forward and backward;
- an imperative block leaves a tape; its nodes' recorded inputs and outputs are the forward
  events, named after the blocks that made them (found with forward hooks on every block).

The backward runs autograd's own gradient pass (`graph.gradient.gradient_pass`, F = nd) over a
shadow copy of the tape whose operators record what they do: a registered operator's gradient is
built with F = sym and run as a small program with a node hook (the same registered operators
the eager pass would call, on the same arrays); a CachedOp's gradient runs its own backward with
its hooks. The sum of the gradients of an array used more than once (a shared weight) is run the
same way, as the `elemwise_add` the eager pass computes. So every backward node is a registered
operator, as in an executor's backward, and the last step writing a gradient shows, bit for bit,
what `backward()` leaves in it.

Only public accessors of the core are used: `HybridBlock.get_cached_op`, `Block.named_children`,
`NDArray.tape_entry`, `Symbol.output_entries`, `CachedOp.add_node_hook`.
"""
from .. import autograd
from .. import ndarray as nd
from ..base import MXNetError
from ..graph.gradient import gradient_pass
from ..graph import tape
from ..graph.node import clone_graph, topo_sort
from ..graph.program import Program
from ..graph.tape import WrappedOp
from ..ndarray.ndarray import NDArray, from_handle
from ..ops.registry import Operator
from .trace import Recorder, Trace, TraceEvent, host_copy, set_owners, source_name as _entry_name

__all__ = ["trace_block"]


class _BlockWatch:
    """Forward hooks on a block tree: which block made each tape node, and what CachedOps ran."""

    def __init__(self, roots):
        from ..gluon.block import HybridBlock
        self._hybrid = HybridBlock
        self.handles = []
        self.block_names = []
        self.owner = {}               # id(tape node) -> name of the innermost block that made it
        self.cached_forward = {}      # id(_CachedOp tape node) -> [TraceEvent]
        self._recorders = {}          # id(CachedOp) -> (CachedOp, Recorder)
        self._boundaries = []         # stack of the input entries of the blocks being run
        for root in roots:
            self._watch(root)

    def _watch(self, block):
        if block.name:
            self.block_names.append(block.name)
        if isinstance(block, self._hybrid) and block.active:
            # Its children are inlined into its graph: their names prefix the graph's nodes.
            block.apply(lambda b: b is not block and b.name and self.block_names.append(b.name))
            self.handles.append(block.register_forward_pre_hook(self._enter_cached))
            self.handles.append(block.register_forward_hook(self._leave_cached))
            return
        self.handles.append(block.register_forward_pre_hook(self._enter))
        self.handles.append(block.register_forward_hook(self._claim))
        for _, child in block.named_children():
            self._watch(child)

    def recorder_of(self, cached_op):
        return self._recorders[id(cached_op)][1]

    def _enter_cached(self, block, args):
        cached = block.get_cached_op(*args)
        if id(cached) not in self._recorders:
            recorder = Recorder()
            cached.add_node_hook(recorder)
            self._recorders[id(cached)] = (cached, recorder)
        self._recorders[id(cached)][1].events = []

    def _leave_cached(self, block, args, out):
        recorder = self.recorder_of(block.cached_op)
        for array in _flat(out):
            if array.tape_entry is not None:
                node = array.tape_entry[0]
                self.cached_forward[id(node)] = recorder.events
                self.owner.setdefault(id(node), block.name)
        recorder.events = []

    def _enter(self, block, args):
        self._boundaries.append({id(a.tape_entry[0]) for a in _flat(args) if a.tape_entry is not None})

    def _claim(self, block, args, out):
        """Marks the tape nodes between this block's inputs and outputs that no child claimed."""
        boundary = self._boundaries.pop() if self._boundaries else set()
        stack = [a.tape_entry[0] for a in _flat(out) if a.tape_entry is not None]
        seen = set()
        while stack:
            node = stack.pop()
            if node.op is None or id(node) in seen or id(node) in boundary:
                continue
            seen.add(id(node))
            self.owner.setdefault(id(node), block.name)
            stack.extend(child for child, _ in node.inputs)

    def detach_blocks(self):
        """Removes the forward hooks; the CachedOps' node hooks stay on for their backward."""
        for handle in self.handles:
            handle.detach()
        self.handles = []

    def detach(self):
        self.detach_blocks()
        for cached, recorder in self._recorders.values():
            cached.remove_node_hook(recorder)
        self._recorders = {}


def _flat(value):
    if isinstance(value, NDArray):
        return [value]
    if isinstance(value, (list, tuple)):
        return [a for v in value for a in _flat(v)]
    return []


class _TapeNames:
    """Unique names for tape nodes (`block_` + operator hint + count) and for their variables."""

    def __init__(self, nodes, owner, variables):
        self._names = {}
        counts = {}
        for node in nodes:
            if node.op is None:
                self._names[id(node)] = variables.get(id(node.array), node.name)
                continue
            block = owner.get(id(node), "")
            prefix = block + "_" if block else ""
            key = (prefix, node.op.hint)
            count = counts.get(key, 0)
            counts[key] = count + 1
            self._names[id(node)] = "%s%s%d" % (prefix, node.op.hint, count)

    def __call__(self, node):
        return self._names.get(id(node), node.name)

    def entry(self, node, index):
        """An entry's name; a CachedOp call's outputs are named after its graph's output nodes."""
        cached = _called_cached_op(node)
        if cached is not None:
            inner, inner_index = cached.symbol.output_entries[index]
            return _entry_name(inner.name, inner_index)
        return _entry_name(self(node), index)


def _variable_names(blocks, inputs, label):
    """{id(NDArray): name} for parameters, inputs ('data', 'data1', ...) and the label."""
    from ..gluon.block import Block
    names = {}
    for block in blocks:
        if isinstance(block, Block):
            for param in block.collect_params().values():
                for array in param.list_data():
                    names[id(array)] = param.name
    for i, array in enumerate(inputs):
        names[id(array)] = "data" if len(inputs) == 1 else "data%d" % i
    if label is not None:
        names[id(label)] = "label"
    return names


def _called_cached_op(node):
    """The CachedOp a tape node calls (a hybridized block's call), or None."""
    return getattr(node.op, "cached_op", None)


class _TracedGradient(WrappedOp):
    """Stands in for a tape node's operator in the gradient pass and records its backward nodes."""

    def __init__(self, node, names, watch, events):
        super().__init__(node.op)
        self.node = node
        self._names = names
        self._watch = watch
        self._events = events
        self.gradient = None if node.op.gradient is None else self._gradient

    def _gradient(self, F, attrs, inputs, outputs, out_grads, **needs):
        op = self.node.op
        if isinstance(op, Operator):
            return self._registered(op, attrs, inputs, outputs, out_grads, needs)
        if _called_cached_op(self.node) is not None:
            # its backward nodes carry their forward nodes (`forward_node`): owners come with them
            recorder = self._watch.recorder_of(op.cached_op)
            recorder.events = []
            try:
                grads = op.gradient(F, attrs, inputs, outputs, out_grads, **needs)
            finally:
                events, recorder.events = recorder.events, []
            self._events.extend(events)
            return grads
        return self._opaque(op, F, attrs, inputs, outputs, out_grads, needs)

    def _registered(self, op, attrs, inputs, outputs, out_grads, needs):
        """The node's gradient built with F = sym, run on these arrays with a node hook."""
        from .. import symbol as sym
        from ..name import Prefix
        node, name = self.node, self._names(self.node)
        in_vars = [sym.var(self._names.entry(child, index)) for child, index in node.inputs]
        out_vars = [sym.var(_entry_name(name, i)) for i in range(node.num_outputs)]
        grad_vars = [sym.var(_entry_name(name, i) + "_grad") for i in range(node.num_outputs)]
        with Prefix(name + "_grad_"):
            grads = op.gradient(sym, attrs, in_vars, out_vars, grad_vars, **needs)
        return _run_recorded(grads, in_vars + out_vars + grad_vars, inputs + outputs + out_grads,
                             name, self._events)

    def _opaque(self, op, F, attrs, inputs, outputs, out_grads, needs):
        """A custom Function's backward is Python code, not a graph: one event for all of it."""
        grads = op.gradient(F, attrs, inputs, outputs, out_grads, **needs)
        name = self._names(self.node)
        event = TraceEvent(
            "backward", name + "_backward", op.name + ".backward", {},
            [("out_grad%d" % i, _entry_name(name, i) + "_grad", host_copy(g.handle))
             for i, g in enumerate(out_grads)],
            [("in_grad%d" % i, host_copy(g.handle)) for i, g in enumerate(grads) if g is not None])
        event.owner = name
        self._events.append(event)
        return grads


def _run_recorded(results, variables, arrays, owner, events):
    """Runs the symbols `results` (None: no result) on `arrays` given for `variables`, as one
    program with a node hook; appends its backward events (owned by `owner`) to `events` and
    returns the results as NDArrays."""
    wanted = [(i, r.output_entries[0]) for i, r in enumerate(results) if r is not None]
    program = Program([entry for _, entry in wanted])
    given = {}
    for var, array in zip(variables, arrays):
        if array is not None:   # hidden outputs (Convolution's columns) get no gradient
            given[id(var.output_entries[0][0])] = array.handle
    values = [None] * program.num_slots
    for slot, var in zip(program.variable_slots, program.variables):
        values[slot] = given[id(var)]
    recorder = Recorder()
    ctx = next(a for a in arrays if a is not None).context
    Program.run(program.forward, values, ctx, True, (recorder,), "backward")
    set_owners(recorder.events, {e.name: owner for e in recorder.events})
    events.extend(recorder.events)
    out = [None] * len(results)
    for (i, _), slot in zip(wanted, program.output_slots):
        out[i] = from_handle(values[slot], ctx)
    return out


class _GradientSum:
    """Sums two gradients of one entry as the eager pass does (`previous + grad`: elemwise_add)
    and records the sum as a backward step of the entry's node."""

    def __init__(self, names, originals, events):
        self._names = names
        self._originals = originals
        self._events = events

    def __call__(self, node, index, previous, grad):
        from .. import symbol as sym
        from ..name import Prefix
        if previous.stype != "default" or grad.stype != "default":
            return previous + grad      # sparse sums dispatch on storage types: not a graph step
        original = self._originals[id(node)]
        owner = self._names(original)
        entry = self._names.entry(original, index)
        acc, new = sym.var(entry + "_grad_acc"), sym.var(entry + "_grad_new")
        with Prefix(owner + "_grad_"):
            total = acc + new
        return _run_recorded([total], [acc, new], [previous, grad], owner, self._events)[0]


def _shadow_tape(nodes, names, watch, events):
    """Copies of the tape nodes whose operators record their gradients; {id(shadow): original}."""
    shadows = clone_graph(nodes, lambda node: None if node.op is None else
                          _TracedGradient(node, names, watch, events))
    originals = {id(shadows[id(node)]): node for node in nodes}
    return shadows, originals


def _forward_events(nodes, names, watch):
    recorder = Recorder(rename=names, entry_name=names.entry)
    events = []
    for node in nodes:
        if node.op is None:
            continue
        if _called_cached_op(node) is not None:
            events.extend(watch.cached_forward[id(node)])
        elif isinstance(node.op, Operator):
            events.append(recorder.event("forward", node, [v.handle for v in node.in_values],
                                         [v.handle for v in node.out_values]))
        else:
            name = names(node)
            events.append(TraceEvent(
                "forward", name, node.op.name, {},
                [("arg%d" % i, names.entry(c, k), host_copy(v.handle))
                 for i, ((c, k), v) in enumerate(zip(node.inputs, node.in_values))],
                [("output%d" % i, host_copy(v.handle)) for i, v in enumerate(node.out_values)], node))
    return events


def _backward(nodes, heads, names, watch):
    """Runs autograd's gradient pass over a recording copy of the tape; (events, {name: grad})."""
    events = []
    shadows, originals = _shadow_tape(nodes, names, watch, events)
    head_grads = {}
    for head in heads:
        node, index = head.tape_entry
        head_grads[(shadows[id(node)], index)] = nd.ones_like(head)
    order = [shadows[id(n)] for n in nodes]
    # The same switches and the same variables as autograd.backward.
    with autograd.pause(train_mode=True):
        grads = gradient_pass(nd, order, head_grads, lambda node, i: node.value(i),
                              lambda node: node.grad_req != "null" and node.array is not None
                              and node.array.grad is not None,
                              accumulate=_GradientSum(names, originals, events))
    result = {}
    for shadow, value in grads.items():
        target = shadow.array.grad
        if value.dtype != target.dtype:
            value = value.astype(target.dtype)
        result[names(originals[id(shadow)])] = host_copy(value.handle)
    return events, result


def trace_block(net, inputs, label=None, loss=None):
    """Runs `net` (and `loss(out, label)`) once under autograd.record(), then backward; records all."""
    from ..gluon.block import Block
    from ..ndarray.ndarray import array as nd_array
    inputs = [x if isinstance(x, NDArray) else nd_array(x) for x in inputs]
    if label is not None and not isinstance(label, NDArray):
        label = nd_array(label)
    watch = _BlockWatch([net] + ([loss] if isinstance(loss, Block) else []))
    try:
        try:
            with autograd.record(), tape.keep_values():     # every value, for the events
                out = net(*inputs)
                head = out if loss is None else (loss(out, label) if label is not None else loss(out))
        finally:
            watch.detach_blocks()
        heads = _flat(head)
        if not heads or any(h.tape_entry is None for h in heads):
            raise MXNetError("Debugger: nothing was recorded for the backward pass; the block needs "
                             "initialized parameters (or inputs with attach_grad())")
        nodes = topo_sort([h.tape_entry for h in heads])
        names = _TapeNames(nodes, watch.owner, _variable_names([net, loss], inputs, label))
        forward = _forward_events(nodes, names, watch)
        backward, grads = _backward(nodes, heads, names, watch)
    finally:
        watch.detach()
    kind = "hybridized" if watch.cached_forward else "imperative"
    roots = [b.name for b in (net, loss) if isinstance(b, Block)]
    return Trace(kind, forward + backward, [host_copy(h.handle) for h in heads], grads,
                 watch.block_names, roots)
