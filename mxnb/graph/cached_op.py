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

    @property
    def symbol(self):
        return self._symbol

    def __call__(self, *args, **kwargs):
        program = self._program
        if len(args) != len(program.variable_slots):
            raise MXNetError("CachedOp of %s takes %d inputs %s, found %d"
                             % (self._symbol.name or "graph", len(program.variable_slots),
                                self._input_names, len(args)))
        ctx = args[0]._ctx
        values = [None] * program.num_slots
        for slot, array in zip(program.variable_slots, args):
            if array._ctx != ctx:
                raise MXNetError("CachedOp inputs on different contexts: %s and %s" % (ctx, array._ctx))
            values[slot] = array._data
        is_train = STATE.training
        # Sparse inputs (a CSR batch): every step goes through storage-type dispatch.
        storage = any(a._sparse for a in args)
        program.run(program.forward, values, ctx, is_train, self._node_hooks, storage=storage)
        wrap = _wrap_payload if storage else _wrap
        outputs = [wrap(values[s], ctx) for s in program.output_slots]
        if STATE.recording and any(a._entry is not None for a in args):
            self._record(args, outputs, values, is_train, storage)
        return outputs[0] if len(outputs) == 1 else outputs

    def _record(self, args, outputs, values, is_train, storage=False):
        # The node keeps every forward value of this call, for the compiled backward to read.
        tape.record(self._tape_op, self._tape_op.hint,
                    {"_values": values, "_is_train": is_train, "_storage": storage}, args, outputs)

    def backward_for(self, wanted_positions):
        key = tuple(wanted_positions)
        backward = self._backwards.get(key)
        if backward is None:
            variables = self._program.variables
            backward = self._program.build_backward([variables[i] for i in key])
            # Steps that may make sparse values from dense ones (Embedding's sparse gradient)
            # run through storage-type dispatch.
            backward.sparse = any(step.op.sparse_from_dense for step in backward.steps)
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
        storage = attrs.get("_storage", False) or backward.sparse
        program.run(backward.steps, values, ctx, attrs["_is_train"], cached._node_hooks, "backward",
                    storage=storage)
        wrap = _wrap_payload if storage else _wrap
        grads = [None] * len(inputs)
        for i in wanted:
            slot = backward.grad_slots.get(id(program.variables[i]))
            if slot is not None:
                grads[i] = wrap(values[slot], ctx)
        return grads


def _wrap_payload(value, ctx):
    from ..ndarray.sparse import wrap_payload
    return wrap_payload(value, ctx)
