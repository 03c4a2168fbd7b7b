"""CachedOp: a symbol compiled once and run on NDArrays — what a hybridized block calls.

Under `autograd.record()` one call becomes one tape node whose gradient runs the compiled
backward program (built from the registered gradients) on the values that call kept.
"""
from ..base import MXNetError
from ..graph.recording import STATE
from ..ndarray.ndarray import NDArray, _wrap
from . import tape
from .program import NodeHooks, Program

__all__ = ["CachedOp"]


class CachedOp(NodeHooks):
    def __init__(self, sym, flags=()):
        self._symbol = sym
        self._program = Program(sym._outputs)
        self._input_names = [n.name for n in self._program.variables]
        self._backwards = {}     # which inputs want gradients -> compiled backward
        self._node_hooks = ()
        self.flags = dict(flags) if flags else {}
        self.num_outputs = len(sym._outputs)
        self._tape_op = _CachedOpGradient(self)
        self._last_input_shapes = None

    @property
    def symbol(self):
        return self._symbol

    @property
    def last_input_shapes(self):
        """{input name: shape} of the latest call, None before the first (read-only): lets tools
        draw the graph with the shapes it ran with."""
        if self._last_input_shapes is None:
            return None
        return dict(zip(self._input_names, self._last_input_shapes))

    def __call__(self, *args, **kwargs):
        program = self._program
        if len(args) != len(program.variable_slots):
            raise MXNetError("CachedOp of %s takes %d inputs %s, found %d"
                             % (self._symbol.name or "graph", len(program.variable_slots),
                                self._input_names, len(args)))
        ctx = args[0]._ctx
        values = [None] * program.num_slots
        shapes = []
        for slot, array in zip(program.variable_slots, args):
            if array._ctx != ctx:
                raise MXNetError("CachedOp inputs on different contexts: %s and %s" % (ctx, array._ctx))
            data = values[slot] = array._data
            shapes.append(data.shape)
        self._last_input_shapes = shapes
        is_train = STATE.training
        program.run(program.forward, values, ctx, is_train, self._node_hooks)
        outputs = [_wrap(values[s], ctx) for s in program.output_slots]
        if STATE.recording and any(a._entry is not None for a in args):
            self._record(args, outputs, values, is_train)
        return outputs[0] if len(outputs) == 1 else outputs

    def _record(self, args, outputs, values, is_train):
        # The node keeps every forward value of this call, for the compiled backward to read.
        tape.record(self._tape_op, self._tape_op.hint, {"_values": values, "_is_train": is_train},
                    args, outputs)

    def backward_for(self, wanted_positions):
        key = tuple(wanted_positions)
        backward = self._backwards.get(key)
        if backward is None:
            variables = self._program.variables
            backward = self._program.build_backward([variables[i] for i in key])
            self._backwards[key] = backward
        return backward


class _CachedOpGradient(tape.TapeOp):
    """Stands in for an operator on the tape: one node for one CachedOp call."""
    name = "_CachedOp"
    hint = "_cachedop"

    def __init__(self, cached_op):
        self.cached_op = cached_op
        self.num_outputs = cached_op.num_outputs

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if STATE.recording:
            raise MXNetError("higher-order gradients through a hybridized block are not supported; "
                             "call hybridize(False) on it to differentiate twice")
        cached = self.cached_op
        program = cached._program
        wanted = [i for i, (array, var) in enumerate(zip(inputs, program.variables))
                  if array._entry is not None and array._entry[0].grad_req != "null"
                  and id(var) not in program.aux_ids]
        backward = cached.backward_for(wanted)
        values = list(attrs["_values"])
        values.extend([None] * (program.num_slots - len(values)))
        ctx = inputs[0]._ctx
        for slot, grad in zip(backward.head_slots, out_grads):
            values[slot] = grad._data if isinstance(grad, NDArray) else grad
        program.run(backward.steps, values, ctx, attrs["_is_train"], cached._node_hooks, "backward")
        grads = [None] * len(inputs)
        for i in wanted:
            slot = backward.grad_slots.get(id(program.variables[i]))
            if slot is not None:
                grads[i] = _wrap(values[slot], ctx)
        return grads
