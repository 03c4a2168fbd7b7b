"""The debugger's engine: one real forward + backward run, recorded node by node.

Every node that runs (forward, then backward) becomes a `TraceEvent` holding host copies of the
arrays it read and wrote: the node hooks hand over live buffers that later steps may reuse, and
copies keep what the debugger shows equal, bit for bit, to what the run computed at that moment.

Symbols run through an `Executor` and its node hooks; blocks run under `autograd.record()` (see
`trace_block`). The debugger only navigates the finished `Trace`.
"""
import numpy as np

from .. import backend
from ..base import MXNetError
from .trace_owners import owner_name

__all__ = ["TraceEvent", "Trace", "Recorder", "trace", "trace_symbol", "host_copy", "set_owners",
           "source_name"]


def host_copy(data):
    """A NumPy copy of a raw NumPy/CuPy array (never a view of a buffer the run may reuse)."""
    return np.array(backend.to_host(data), copy=True)


class TraceEvent:
    """One node as it ran: phase, names, operator, attributes, inputs and outputs (NumPy)."""
    __slots__ = ("index", "phase", "name", "op", "attrs", "inputs", "outputs", "blocks", "node",
                 "owner")

    def __init__(self, phase, name, op, attrs, inputs, outputs, node=None):
        self.index = None
        self.phase = phase            # 'forward' or 'backward'
        self.name = name
        self.op = op                  # operator name
        self.attrs = attrs            # {name: value as MXNet writes it}
        self.inputs = inputs          # [(input name, source name, array)]
        self.outputs = outputs        # [(output name, array)]; in backward: gradients
        self.blocks = ()              # full names of the Gluon blocks it belongs to, outermost first
        self.node = node              # the graph IR node (None for a custom Function's gradient)
        self.owner = None             # backward: the forward node whose gradient this computes

    @property
    def layer(self):
        """The innermost block holding this node ('' when it belongs to none)."""
        return self.blocks[-1] if self.blocks else ""

    def has_nonfinite_output(self):
        return any(a.dtype.kind in "fc" and not np.isfinite(a).all() for _, a in self.outputs)

    def __repr__(self):
        return "<TraceEvent %d %s %s (%s)>" % (self.index, self.phase, self.name, self.op)


def _formatted_attrs(node):
    op = node.op
    if hasattr(op, "format_attrs"):
        return op.format_attrs(node.attrs, keep_defaults=True)
    return {k: str(v) for k, v in node.attrs.items() if not k.startswith("_")}


def source_name(name, index):
    """How an entry is shown: its node's name, with `[i]` past the node's first output."""
    return name if index == 0 else "%s[%d]" % (name, index)


class Recorder:
    """A node hook (`hook(phase, node, inputs, outputs)`) that appends TraceEvents."""

    def __init__(self, rename=None, entry_name=None):
        self.events = []
        self._rename = rename or (lambda node: node.name)
        self._entry_name = entry_name or (lambda node, index: source_name(self._rename(node), index))

    def event(self, phase, node, ins, outs):
        op = node.op
        names = op.input_names(node.attrs) if hasattr(op, "input_names") else []
        inputs = []
        for i, ((child, index), value) in enumerate(zip(node.inputs, ins)):
            label = names[i] if i < len(names) else "arg%d" % i
            inputs.append((label, self._entry_name(child, index), host_copy(value)))
        out_names = op.output_names(node.attrs) if hasattr(op, "output_names") else []
        outputs = [(out_names[i] if i < len(out_names) else "output%d" % i, host_copy(value))
                   for i, value in enumerate(outs)]
        event = TraceEvent(phase, self._rename(node), op.name, _formatted_attrs(node), inputs,
                           outputs, node)
        if phase == "backward":
            event.owner = owner_name(node)
        return event

    def __call__(self, phase, node, ins, outs):
        self.events.append(self.event(phase, node, ins, outs))


class Trace:
    """A finished run: its events in order, final outputs and gradients (NumPy), and its blocks."""

    def __init__(self, kind, events, outputs, grads, block_names=(), root_names=()):
        self.kind = kind                  # 'symbol', 'hybridized' or 'imperative'
        self.events = events
        self.outputs = outputs            # [array]: the forward outputs (the loss when one is given)
        self.grads = grads                # {argument or parameter name: gradient}
        self.block_names = list(block_names)
        self.root_names = list(root_names)   # the network's (and the loss's) own block names
        for i, event in enumerate(events):
            event.index = i
        self.forward_count = sum(1 for e in events if e.phase == "forward")
        self.backward_count = len(events) - self.forward_count
        _assign_blocks(events, self.block_names)

    def __len__(self):
        return len(self.events)

    def first_nonfinite(self, start=0):
        """The first event at or after `start` whose outputs hold a NaN or an Inf, or None."""
        for event in self.events[start:]:
            if event.has_nonfinite_output():
                return event
        return None


def _assign_blocks(events, block_names):
    """Which blocks each node belongs to: by its name's prefix; a backward node, by its owner's
    (a forward node's blocks, or for a parameter's gradient sum, the parameter name's prefix)."""
    prefixes = sorted((b for b in block_names if b), key=len)

    def blocks_of(name):
        return tuple(b for b in prefixes if name.startswith(b + "_"))

    forward_blocks = {}
    for event in events:
        if event.phase == "forward":
            event.blocks = blocks_of(event.name)
            forward_blocks[event.name] = event.blocks
    for event in events:
        if event.phase == "backward" and event.owner:
            blocks = forward_blocks.get(event.owner)
            event.blocks = blocks if blocks is not None else blocks_of(event.owner)


def set_owners(events, owners):
    """Marks each backward event with the forward node it differentiates ({name: owner name})."""
    for event in events:
        if event.phase == "backward" and event.owner is None:
            event.owner = owners.get(event.name)


# --- symbols --------------------------------------------------------------------------------------
def _symbol_arrays(symbol, inputs, label):
    """{argument or auxiliary name: NDArray} from positional arrays or one dict, plus the label."""
    from ..ndarray.ndarray import NDArray, array as nd_array
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    if len(inputs) == 1 and isinstance(inputs[0], dict):
        given = dict(inputs[0])
    else:
        given = dict(zip(arg_names, inputs))
        if len(inputs) > len(arg_names):
            raise MXNetError("Debugger: the symbol takes %d arguments %s, found %d arrays"
                             % (len(arg_names), arg_names, len(inputs)))
    labels = [n for n in arg_names if n.endswith("label")]
    if label is not None:
        free = [n for n in labels if n not in given]
        if not free:
            raise MXNetError("Debugger: label= was given but the symbol has no free label argument "
                             "(arguments %s)" % arg_names)
        given[free[0]] = label
    unknown = [n for n in given if n not in arg_names and n not in aux_names]
    if unknown:
        raise MXNetError("Debugger: %s are not arguments of the symbol; it takes %s (auxiliary %s)"
                         % (unknown, arg_names, aux_names))
    missing = [n for n in arg_names if n not in given]
    if missing:
        raise MXNetError("Debugger: no arrays for the symbol's arguments %s; pass every argument "
                         "(a dict name -> array, or arrays in list_arguments() order)" % missing)
    arrays = {n: v if isinstance(v, NDArray) else nd_array(v) for n, v in given.items()}
    return arrays, labels


def trace_symbol(symbol, inputs, label=None, ctx=None):
    """Binds `symbol` to the arrays, runs forward(is_train=True) and backward, recording each node."""
    from ..ndarray import zeros_like
    arrays, labels = _symbol_arrays(symbol, inputs, label)
    arg_names = symbol.list_arguments()
    aux_names = symbol.list_auxiliary_states()
    ctx = ctx or arrays[arg_names[0]].context
    args = {n: arrays[n] for n in arg_names}
    # Labels are class indices: no gradient for them, as Module binds them.
    grads = {n: zeros_like(a) for n, a in args.items() if n not in labels}
    aux = [arrays[n].copy() if n in arrays else None for n in aux_names]
    if any(a is None for a in aux):
        from ..ndarray import zeros
        _, _, aux_shapes = symbol.infer_shape(**{n: a.shape for n, a in args.items()})
        aux = [a if a is not None else zeros(s, ctx=ctx) for a, s in zip(aux, aux_shapes)]
    executor = symbol.bind(ctx, args, args_grad=grads, aux_states=aux)
    recorder = Recorder()
    executor.add_node_hook(recorder)
    try:
        outputs = executor.forward(is_train=True)
        executor.backward()
    finally:
        executor.remove_node_hook(recorder)
    return Trace("symbol", recorder.events, [host_copy(o.handle) for o in outputs],
                 {n: host_copy(g.handle) for n, g in grads.items()})


def trace(net_or_symbol, *inputs, label=None, loss=None):
    """Runs a Symbol or a Gluon Block forward and backward once and records every node."""
    from ..symbol.symbol import Symbol
    if isinstance(net_or_symbol, Symbol):
        if loss is not None:
            raise MXNetError("Debugger: loss= is for Gluon blocks; a symbol carries its loss "
                             "(e.g. SoftmaxOutput) and takes its label as an argument")
        return trace_symbol(net_or_symbol, inputs, label)
    from ..gluon.block import Block
    if isinstance(net_or_symbol, Block):
        from .trace_block import trace_block
        return trace_block(net_or_symbol, inputs, label, loss)
    raise MXNetError("Debugger takes a Symbol or a Gluon Block, found %s" % type(net_or_symbol).__name__)
