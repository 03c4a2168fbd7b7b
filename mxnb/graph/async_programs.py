"""Programs under a threaded engine: a CachedOp call, an Executor's forward or backward is pushed
as ONE piece of engine work, as MXNet pushes a cached graph.

The caller allocates the outputs up front (Pending placeholders, ndarray/async_dispatch.py) from
shapes the program knows, pushes the run and returns at once. The work reads the inputs' (and
head gradients') variables, writes the outputs' (and gradients') variables, the auxiliary
states' (BatchNorm's running statistics are written in place), the random generator's when a
step draws (Dropout draws in push order, as under the naive engine), and one variable of the
program itself: the passes' pooled buffers and plans are shared by its runs, so runs of one
program never overlap, and a synchronous run of it first waits for the pushed ones.

What is not pushed runs as before (`SYNC`): the first run with given input shapes, dtypes and
mode (it plans, and its outputs' shapes are inferred then), programs without the graph passes,
with node hooks (the debugger, a monitor) or while anything watches operators (instrument),
sparse storage, steps that run Python code reading NDArrays (Custom operators, control flow), outputs whose shapes inference cannot tell, and a program once a pushed run's
result disagreed with inference (it runs synchronously from then on).

MXNB_PUSH_PROGRAMS=0 (read at import; `ENABLED` later) keeps every program synchronous, as before.

Errors inside pushed work are worded by the interpreter (`op_error`, with the node's name) and
raised at the next wait on what the work writes. Engine workers read the `_raw` buffers only.
"""
import os
import weakref

import numpy as np

from .. import engine, instrument
from ..engine import Var, var_of, rng_var
from ..ndarray.async_dispatch import Pending, _pending_array, _runs_synchronously
from ..ndarray.ndarray import NDArray
from .cached_op import CachedOpCall
from .executor import write_gradients_into
from .infer import infer_shapes, infer_types
from .optimize import stub_shape_only
from .recording import STATE
from . import tape

__all__ = ["SYNC", "ENABLED", "call_cached_op", "executor_forward", "executor_backward", "quiesce",
           "PushedCachedOpCall"]

SYNC = object()     # "run it synchronously, as before"
#: whether programs are pushed at all under a threaded engine (MXNB_PUSH_PROGRAMS=0: never)
ENABLED = os.environ.get("MXNB_PUSH_PROGRAMS", "1") != "0"
_UNSEEN = object()


class _State:
    """What pushing needs to remember about one program (CachedOp or Executor)."""
    __slots__ = ("var", "specs", "seen", "draws", "broken", "__weakref__")

    def __init__(self, name):
        self.var = Var(name)    # written by every pushed run: runs of one program never overlap
        self.specs = {}         # forward key -> [(shape, dtype)] of the outputs, None: not known
        self.seen = set()       # keys (backward too) that already ran once synchronously
        self.draws = {}         # id(steps) -> whether a step draws; ("caller", id) -> _stays_in_caller
        self.broken = False     # a pushed result disagreed with inference: run synchronously


_STATES = weakref.WeakKeyDictionary()


def _state_of(program_owner, name):
    state = _STATES.get(program_owner)
    if state is None:
        state = _STATES[program_owner] = _State(name)
    return state


def quiesce(owner):
    """Before a synchronous run of `owner`: its pushed runs (which share its buffers) finish."""
    state = _STATES.get(owner)
    if state is not None and state.var.pending:
        engine.get().wait_var(state.var, raise_error=False)


def _draws(state, steps):
    """Whether a step may draw random numbers: operators taking extras get the generator
    (Dropout declares only that it needs the training flag, yet draws)."""
    key = id(steps)
    draws = state.draws.get(key)
    if draws is None:
        draws = state.draws[key] = any(getattr(s.op, "needs_extras", False) for s in steps)
    return draws


def _stays_in_caller(state, steps):
    """Whether a step must run in the calling thread: user code (Custom), control-flow
    subgraphs and storage dispatch read NDArrays themselves, which on a worker would wait on
    work queued behind it (the eager dispatcher runs such operators synchronously too)."""
    key = ("caller", id(steps))
    found = state.draws.get(key)
    if found is None:
        found = state.draws[key] = any(
            s.op is not None and _runs_synchronously(s.op)
            for s in steps)
    return found


def _infer_outputs(program, names_shapes, names_types):
    """[(shape, dtype)] of the program's outputs from its inputs', or None when unknown."""
    try:
        shapes = infer_shapes(program.nodes, names_shapes)
        types = infer_types(program.nodes, names_types)
    except Exception:
        return None
    specs = []
    for node, i in program.outputs:
        shape, dtype = shapes.get((id(node), i)), types.get((id(node), i))
        if shape is None or dtype is None or 0 in shape or min(shape, default=1) < 0:
            return None
        specs.append((tuple(shape), np.dtype(dtype)))
    return specs


def _fresh(value, taken):
    """`value`, copied when it is (a view of) a buffer in `taken` (a program input returned as an
    output, one entry returned twice): each array keeps memory of its own, so each engine
    variable stands for its own buffer, as eager calls guarantee."""
    base = getattr(value, "base", None)
    for d in taken:
        if value is d or (base is not None and (base is d or base is getattr(d, "base", None))):
            return value.copy()
    return value


def _check_spec(state, array, value):
    """Notes a result whose shape or dtype differs from what was allocated (inference was
    wrong: the program runs synchronously from then on); the array takes the result anyway."""
    spec = array._raw
    if isinstance(spec, Pending) and (tuple(value.shape) != spec.shape or value.dtype != spec.dtype):
        state.broken = True


# --- CachedOp ------------------------------------------------------------------------------------
def call_cached_op(op, args):
    """A CachedOp call, pushed: returns its output(s), or SYNC for the synchronous path."""
    program, optimizer = op._program, op._optimizer
    if (not ENABLED or optimizer is None or op._node_hooks or instrument.hooked
            or len(args) != len(program.variable_slots)):
        quiesce(op)
        return SYNC
    ctx = args[0]._ctx
    for a in args:
        if a._sparse or a._ctx != ctx:
            quiesce(op)
            return SYNC
    state = _state_of(op, "CachedOp(%s)" % (op._symbol.name or "graph"))
    is_train = STATE.training
    recording = STATE.recording and any(a._entry is not None for a in args)
    wanted = op._wanted(args) if recording else None
    raws = [a._raw for a in args]
    key = (ctx, is_train, wanted, tuple((r.shape, r.dtype) for r in raws))
    specs = state.specs.get(key, _UNSEEN)
    if specs is _UNSEEN:        # the first run with these shapes plans; it runs synchronously
        names = op._input_names
        state.specs[key] = _infer_outputs(program, {n: r.shape for n, r in zip(names, raws)},
                                          {n: r.dtype for n, r in zip(names, raws)})
        quiesce(op)
        return SYNC
    if specs is None or state.broken or _stays_in_caller(state, program.forward):
        quiesce(op)
        return SYNC
    op._last_specs = key[3]
    outputs = [_pending_array(shape, dtype, ctx) for shape, dtype in specs]
    kept, shape_only = op._kept_for(wanted)
    caller_only = op._caller_only(wanted) if recording else ()
    values = [None] * program.num_slots
    aux = program.aux_ids
    reads, writes = [], [o._var for o in outputs]
    for a, node in zip(args, program.variables):
        (writes if id(node) in aux else reads).append(var_of(a))
    done = Var("call") if recording else None
    errors_to = list(writes[:len(outputs)])     # an error is stored on what the call made
    if done is not None:
        writes.append(done)
        errors_to.append(done)
    writes.append(state.var)
    steps = optimizer.forward_steps
    if _draws(state, steps) or _draws(state, optimizer.constant_steps):
        writes.append(rng_var(ctx))
    variable_slots, output_slots = program.variable_slots, program.output_slots
    plan_key = ("forward",) + key

    def run():
        inputs = [a._raw for a in args]
        for slot, data in zip(variable_slots, inputs):
            values[slot] = data
        optimizer.fill_constants(values, ctx, is_train)
        optimizer.run(plan_key, "forward", steps, values, ctx, is_train, kept, shape_only)
        stub_shape_only(values, shape_only)
        for s in optimizer.output_constants:     # never hand out the cached constant itself
            values[s] = values[s].copy()
        taken = list(inputs)
        for o, s in zip(outputs, output_slots):
            value = _fresh(values[s], taken)
            taken.append(value)
            _check_spec(state, o, value)
            o._raw = value
        for s in caller_only:       # kept for the caller only: the tape must not hold them
            values[s] = None

    engine.get().push(run, reads, writes, ctx, state.var.name, errors_to=errors_to)
    if recording:
        call = PushedCachedOpCall(op, values, is_train, wanted, key, False)
        call.pushed = (state, done, [o._var for o in outputs])
        tape.record(call, call.hint, {}, args, outputs)
    return outputs[0] if len(outputs) == 1 else outputs


class PushedCachedOpCall(CachedOpCall):
    """A pushed CachedOp call on the autograd tape: its backward is pushed too, reading what the
    forward wrote (so it runs after it), or waits for the forward and runs as before."""
    pushed = None
    _values = None

    @property
    def values(self):
        """The call's saved forward values, once the pushed forward filled them (waits, as an
        NDArray's `_data` does; engine work holds the list itself)."""
        if self.pushed is not None and self._values is not None and not engine.in_worker():
            engine.get().wait_var(self.pushed[1], raise_error=False)
        return self._values

    @values.setter
    def values(self, values):
        self._values = values

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        state, done, out_vars = self.pushed
        cached = self.cached_op
        result = SYNC
        if not STATE.recording and self._values is not None and not state.broken:
            result = _push_call_backward(self, state, done, out_vars, inputs, out_grads)
        if result is SYNC:
            eng = engine.get()
            eng.wait_var(done)          # the forward's values are complete (or its error raised)
            for a in inputs:
                a._data                 # noqa: B018  (waits for work pushed on the inputs)
            return CachedOpCall.gradient(self, F, attrs, inputs, outputs, out_grads)
        return result


def _push_call_backward(call, state, done, out_vars, inputs, out_grads):
    cached = call.cached_op
    optimizer, key = cached._optimizer, call.key
    if (optimizer is None or cached._node_hooks or key is None or instrument.hooked
            or any(g is not None and (not isinstance(g, NDArray) or g._sparse) for g in out_grads)):
        return SYNC
    program = call.program
    wanted = call.wanted
    backward = cached.backward_for(wanted)
    if backward.sparse or _stays_in_caller(state, backward.all_steps):
        return SYNC
    heads = list(out_grads)
    head_specs = tuple(None if g is None else (g._raw.shape, g._raw.dtype) for g in heads)
    plan_key = ("backward", head_specs) + key
    if plan_key not in state.seen:
        state.seen.add(plan_key)
        return SYNC
    ctx = inputs[0]._ctx
    grads = [None] * len(inputs)
    slots = []
    targets = {}        # gradient slot -> the parameter's .grad array it is written into
    for i in wanted:
        slot = backward.grad_slots.get(id(program.variables[i]))
        if slot is not None:
            raw = inputs[i]._raw
            grads[i] = _pending_array(raw.shape, raw.dtype, ctx)
            target = _grad_target(inputs[i], raw)
            if target is not None:      # the result is that buffer: it shares its variable
                grads[i]._var = var_of(target)
                targets[slot] = target
            slots.append((slot, grads[i]))
    reads = [done] + out_vars + [var_of(a) for a in inputs] + [var_of(g) for g in heads if g is not None]
    errors_to = [g._var for _, g in slots]
    writes = errors_to + [state.var]
    if _draws(state, backward.steps):
        writes.append(rng_var(ctx))
    saved = call._values
    consuming = STATE.consuming
    if consuming:
        # the graph is freed after this pass (as CachedOpCall.gradient): the pushed work owns
        # the saved values, and the plan drops each after its last reader
        call._values = None
    is_train = call.is_train
    head_slots, steps = backward.head_slots, backward.steps
    grad_slots = set(backward.grad_slots.values())
    out_grads[:] = [None] * len(out_grads)      # the heads live in the pushed work only

    def run():
        values = saved if consuming else list(saved)
        values.extend([None] * (program.num_slots - len(values)))
        for slot, head in zip(head_slots, heads):
            values[slot] = None if head is None else head._raw
        into = {slot: t._raw for slot, t in targets.items()} if targets else None
        optimizer.run(plan_key, "backward", steps, values, ctx, is_train, grad_slots, targets=into)
        for slot, g in slots:
            value = values[slot]
            _check_spec(state, g, value)
            g._raw = value

    engine.get().push(run, reads, writes, ctx, state.var.name + " backward", errors_to=errors_to)
    return grads


def _grad_target(array, raw):
    """The .grad array a pushed backward may write `array`'s gradient into (as cached_op's
    _grad_targets, deciding from shapes without waiting): under autograd.backward() only, for a
    variable with grad_req 'write' and a dense, contiguous .grad of its shape and dtype that no
    other hybridized call of this pass writes."""
    writes = STATE.grad_writes
    entry = array._entry
    node = entry[0] if entry is not None else None
    if (writes is None or node is None or node.op is not None or node.grad_req != "write"
            or node.array is not array):
        return None
    grad = array._grad
    if grad is None or grad._sparse:
        return None
    data = grad._raw
    if (isinstance(data, Pending) or id(data) in writes or data.shape != raw.shape
            or data.dtype != raw.dtype or not data.flags.c_contiguous):
        return None     # (a .grad still being made is not known to be the buffer it will be)
    writes.add(id(data))
    return grad


# --- Executor ------------------------------------------------------------------------------------
def executor_forward(exe, is_train):
    """An Executor's forward, pushed: True when it was (exe.outputs are being filled)."""
    program, optimizer = exe._program, exe._optimizer
    if not ENABLED or optimizer is None or exe._node_hooks or exe._storage or instrument.hooked or not exe.outputs:
        quiesce(exe)
        return False
    state = _state_of(exe, "Executor(%s)" % (exe._symbol.name or "graph"))
    arrays = [a for _, a in exe._inputs]
    key = ("forward", is_train, tuple((a._raw.shape, a._raw.dtype) for a in arrays))
    if (state.broken or key not in state.seen or any(a._sparse for a in arrays)
            or _stays_in_caller(state, program.forward)):
        state.seen.add(key)
        quiesce(exe)
        return False
    ctx = exe._ctx
    values = exe._values
    aux = program.aux_ids
    reads, writes = [], [var_of(o) for o in exe.outputs]
    errors_to = list(writes)        # an error is stored on the outputs
    for a, node in zip(arrays, program.variables):
        (writes if id(node) in aux else reads).append(var_of(a))
    writes.append(state.var)
    steps = optimizer.forward_steps
    if _draws(state, steps) or _draws(state, optimizer.constant_steps):
        writes.append(rng_var(ctx))
    inputs, outputs = exe._inputs, list(exe.outputs)
    kept, shape_only = exe._kept, exe._shape_only
    output_slots = program.output_slots

    def run():
        taken = []
        for slot, array in inputs:
            values[slot] = array._raw
            taken.append(values[slot])
        optimizer.fill_constants(values, ctx, is_train)
        optimizer.run(key, "forward", steps, values, ctx, is_train, kept, shape_only)
        stub_shape_only(values, shape_only)
        for s in optimizer.output_constants:
            values[s] = values[s].copy()
        for out, s in zip(outputs, output_slots):
            value = values[s]
            if tuple(value.shape) != tuple(out._raw.shape) or value.dtype != out._raw.dtype:
                state.broken = True
            value = _fresh(value, taken)
            taken.append(value)
            out._raw = value

    engine.get().push(run, reads, writes, ctx, state.var.name, errors_to=errors_to)
    exe._forwarded = True
    return True


def executor_backward(exe, out_grads, is_train):
    """An Executor's backward, pushed: True when it was (the gradient arrays are being written)."""
    program, optimizer, backward = exe._program, exe._optimizer, exe._backward
    state = _STATES.get(exe)
    if (state is None or state.broken or optimizer is None or exe._node_hooks or exe._storage
            or instrument.hooked or not exe._forwarded
            or _stays_in_caller(state, backward.all_steps)):
        quiesce(exe)
        return False
    for g, out in zip(out_grads, exe.outputs):
        if not isinstance(g, NDArray) or g._sparse or tuple(g.shape) != tuple(out.shape):
            quiesce(exe)
            return False        # the synchronous path words the error
    arrays = [a for _, a in exe._inputs]
    heads = list(out_grads)
    variable_slots, head_slots = program.variable_slots, backward.head_slots
    key = ("backward", is_train, tuple((a._raw.shape, a._raw.dtype) for a in arrays)
           + tuple((g._raw.shape, g._raw.dtype) for g in heads))
    if key not in state.seen:
        state.seen.add(key)
        quiesce(exe)
        return False
    ctx = exe._ctx
    values = exe._values
    grad_slots = backward.grad_slots
    wanted = exe._wanted
    reads = [var_of(a) for a in arrays] + [var_of(g) for g in heads] + [var_of(o) for o in exe.outputs]
    errors_to = [var_of(t) for _, t, _ in wanted]
    writes = errors_to + [state.var]
    if _draws(state, backward.steps):
        writes.append(rng_var(ctx))
    steps = backward.steps
    kept = set(grad_slots.values())
    # the key the synchronous path plans under: shapes of the inputs and heads that hold values
    sync_key_parts = variable_slots + head_slots

    def run():
        for slot, head in zip(head_slots, heads):
            values[slot] = head._raw
        plan_key = ("backward", is_train, tuple((values[s].shape, values[s].dtype)
                                                for s in sync_key_parts if values[s] is not None))
        optimizer.run(plan_key, "backward", steps, values, ctx, is_train, kept)
        write_gradients_into(wanted, grad_slots, values, lambda target: target._raw)

    engine.get().push(run, reads, writes, ctx, state.var.name + " backward", errors_to=errors_to)
    return True
