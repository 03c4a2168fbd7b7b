"""CachedOp: a symbol compiled once and run on NDArrays — what a hybridized block calls.

Under `autograd.record()` one call becomes one tape node whose operator is the call itself
(`CachedOpCall`, a tape.TapeOp): it references the CachedOp's program and holds the forward
values of that call its backward program (built from the registered gradients) reads.

A small graph is *inlined* as MXNet does (at most `inline_limit` operators, hybridize's
argument, and no static_alloc): `autograd.get_symbol` then shows its operators in place of the
one `_CachedOp` node (`inline_calls`); the call itself runs and differentiates the same way.

The program runs through the graph passes (graph/optimize.py) unless `optimize=False` is among
the flags (`hybridize(optimize=False)`) or MXNB_GRAPH_PASSES=0: a recorded call keeps only the
values its backward reads, temporaries live in buffers reused across calls (static_alloc).
The first recorded call's input shapes decide which Convolutions recompute their columns in
the backward pass (passes/recompute.py); a backward that frees the graph drops each saved
value after its last reader.
"""
from .. import engine
from ..base import MXNetError, parse_bool, parse_int
from ..graph.recording import STATE
from ..ndarray.ndarray import NDArray, _wrap
from . import tape
from .node import TapeNode, topo_sort
from .optimize import Optimizer, enabled, kept_for_backward, recompute_enabled, stub_shape_only
from .program import NodeHooks, Program

__all__ = ["CachedOp", "inline_calls"]

_DEFAULT_INLINE_LIMIT = 2    # MXNet's CachedOp default (and hybridize's)


class CachedOp(NodeHooks):
    def __init__(self, sym, flags=()):
        self.flags = dict(flags) if flags else {}
        optimize = enabled(self.flags)
        self._symbol = sym
        self._program = Program(sym._outputs, optimize=optimize,
                                recompute=optimize and recompute_enabled(self.flags))
        self._optimizer = Optimizer(self._program) if optimize else None
        self._input_names = [n.name for n in self._program.variables]
        self._backwards = {}     # which inputs want gradients -> compiled backward
        self._kept = {}          # which inputs want gradients -> forward slots to keep
        self._caller_outputs = {}   # ... -> output slots its backward does not read
        self._node_hooks = ()
        self._inlined = None
        self.num_outputs = len(sym._outputs)
        self._last_specs = None      # ((shape, dtype) per input) of the latest call
        # what the tape keeps of a call (tape.record's cache): the inputs, never the outputs
        count = len(self._program.variables)
        self._call_reads = ((), {(count, self.num_outputs):
                                 ((True,) * count, (False,) * self.num_outputs)})

    @property
    def symbol(self):
        return self._symbol

    @property
    def program(self):
        """The compiled forward graph this CachedOp runs (read-only; an mxnb addition).

        Returns
        -------
        Program
            Its `variables` are the CachedOp's inputs in call order, `nodes` the graph in
            topological order, `outputs` the output entries (mxnb/graph/program.py).

        Example
        -------
        >>> op = CachedOp(mx.sym.relu(mx.sym.var('data')))
        >>> [v.name for v in op.program.variables]
        ['data']
        """
        return self._program

    @property
    def inlined(self):
        """Whether a recorded call reads on the tape as the graph's own operators, as MXNet
        inlines it: at most `inline_limit` operators and no static_alloc (read-only).

        Example
        -------
        >>> CachedOp(mx.sym.relu(mx.sym.var('data'))).inlined
        True
        """
        if self._inlined is None:
            limit = parse_int(self.flags.get("inline_limit", _DEFAULT_INLINE_LIMIT))
            static = parse_bool(self.flags.get("static_alloc", False))
            operators = sum(1 for node in topo_sort(self._symbol._outputs) if node.op is not None)
            self._inlined = not static and operators <= limit
        return self._inlined

    @property
    def optimizer(self):
        """The graph passes' state (graph/optimize.py), or None when they are off."""
        return self._optimizer

    @property
    def last_input_shapes(self):
        """{input name: shape} of the latest call, None before the first (read-only): lets tools
        draw the graph with the shapes it ran with."""
        if self._last_specs is None:
            return None
        return {name: shape for name, (shape, _) in zip(self._input_names, self._last_specs)}

    def __call__(self, *args, **kwargs):
        if engine.asynchronous:     # a threaded engine: the call is pushed as one piece of work
            from .async_programs import call_cached_op, SYNC
            result = call_cached_op(self, args)
            if result is not SYNC:
                return result
        program = self._program
        if len(args) != len(program.variable_slots):
            raise MXNetError("CachedOp of %s takes %d inputs %s, found %d"
                             % (self._symbol.name or "graph", len(program.variable_slots),
                                self._input_names, len(args)))
        ctx = args[0]._ctx
        values = [None] * program.num_slots
        # one walk over the inputs: their arrays, shapes and dtypes (the plan's key), whether
        # any is recorded or sparse
        specs = []
        recorded = storage = False
        for slot, array in zip(program.variable_slots, args):
            if array._ctx != ctx:
                raise MXNetError("CachedOp inputs on different contexts: %s and %s" % (ctx, array._ctx))
            data = values[slot] = array._data
            specs.append((data.shape, data.dtype))
            if array._entry is not None:
                recorded = True
            if array._sparse:
                storage = True     # a CSR batch: every step through storage-type dispatch
        specs = tuple(specs)
        self._last_specs = specs
        is_train = STATE.training
        recording = recorded and STATE.recording
        optimizer = self._optimizer
        wanted = key = None
        if optimizer is None or self._node_hooks or storage:
            program.run(program.forward, values, ctx, is_train, self._node_hooks, storage=storage)
        else:
            wanted = self._wanted(args) if recording else None
            key = (ctx, is_train, wanted, specs)
            optimizer.fill_constants(values, ctx, is_train)
            kept, shape_only = self._kept_for(wanted)
            optimizer.run(("forward",) + key, "forward", optimizer.forward_steps, values, ctx,
                          is_train, kept, shape_only)
            stub_shape_only(values, shape_only)
            for s in optimizer.output_constants:     # never hand out the cached constant itself
                values[s] = values[s].copy()
        wrap = _wrap_payload if storage else _wrap
        outputs = [wrap(values[s], ctx) for s in program.output_slots]
        if recording:
            if key is not None:
                # outputs were kept for the caller only: the tape must not hold them for it
                for s in self._caller_only(wanted):
                    values[s] = None
            self._record(args, outputs, values, is_train, wanted, key, storage)
        return outputs[0] if len(outputs) == 1 else outputs

    def _wanted(self, args):
        program = self._program
        return tuple(i for i, (array, var) in enumerate(zip(args, program.variables))
                     if array._entry is not None and array._entry[0].grad_req != "null"
                     and id(var) not in program.aux_ids)

    def _caller_only(self, wanted):
        """Output slots the backward for `wanted` reads neither as values nor for their shape."""
        only = self._caller_outputs.get(wanted)
        if only is None:
            outputs = set(self._program.output_slots)
            if wanted:
                own = kept_for_backward(self._program, self.backward_for(wanted), outputs=False)[0]
                only = outputs - own
            else:
                only = outputs
            self._caller_outputs[wanted] = only
        return only

    def _kept_for(self, wanted):
        """(forward slots to keep, those kept for their shape only): the outputs, and what the
        backward for `wanted` reads."""
        kept = self._kept.get(wanted)
        if kept is None:
            if wanted:
                kept = kept_for_backward(self._program, self.backward_for(wanted))
            else:
                kept = (set(self._program.output_slots), set())
            self._kept[wanted] = kept
        return kept

    def _record(self, args, outputs, values, is_train, wanted=None, key=None, storage=False):
        call = CachedOpCall(self, values, is_train, wanted, key, storage)
        tape.record(call, call.hint, {}, args, outputs)

    def backward_for(self, wanted_positions):
        key = tuple(wanted_positions)
        backward = self._backwards.get(key)
        if backward is None:
            variables = self._program.variables
            # the shapes of the call that first needs it decide which columns are kept
            inputs = None
            if self._last_specs is not None:
                inputs = dict(zip(self._input_names, self._last_specs))
            backward = self._program.build_backward([variables[i] for i in key], inputs)
            # Steps that make sparse values from dense ones (Embedding's gradient with
            # sparse_grad=True) run through storage-type dispatch; the rest runs planned.
            backward.sparse = any(_makes_sparse(step) for step in backward.steps)
            self._backwards[key] = backward
        return backward


class CachedOpCall(tape.TapeOp):
    """One CachedOp call on the autograd tape, in the operator protocol (tape.TapeOp).

    Parameters
    ----------
    cached_op : CachedOp
        Whose program ran; `program` is that program.
    values : list
        The call's forward values by slot (those its backward reads; others None or stubs).
    is_train : bool
        The mode the call ran in.
    wanted, key, storage
        Which inputs wanted gradients when the forward ran (None: found at backward), the
        optimizer's plan key, and whether values may be sparse.
    """
    name = "_CachedOp"
    hint = "_cachedop"

    def __init__(self, cached_op, values=None, is_train=False, wanted=None, key=None,
                 storage=False):
        self.cached_op = cached_op
        self.outputs_count = cached_op.num_outputs
        self.values = values
        self.is_train = is_train
        self.wanted = wanted
        self.key = key
        self.storage = storage
        # Its gradient reads the call's saved `values`, never the outputs' arrays: the tape keeps
        # the inputs only, so an output no later gradient reads is freed as in imperative mode.
        self._tape_reads = cached_op._call_reads

    @property
    def program(self):
        return self.cached_op._program

    def input_names(self, attrs):
        return list(self.cached_op._input_names)

    def inline(self, inputs):
        """The output entries of a copy of the call's graph whose variables are `inputs` (the
        entries feeding the call), its operators as tape nodes without recorded values."""
        cached = self.cached_op
        entries = {id(var): entry for var, entry in zip(self.program.variables, inputs)}
        copies = {}
        for node in topo_sort(cached.symbol._outputs):
            if node.op is None:
                continue
            ins = [entries.get(id(child)) if child.op is None else (copies[id(child)], index)
                   for child, index in node.inputs]
            copies[id(node)] = _tape_copy(node, ins)
        return [entries[id(node)] if node.op is None else (copies[id(node)], index)
                for node, index in cached.symbol._outputs]

    def compute(self, xp, inputs, attrs):
        """Runs the call's program again on raw arrays (a tape converted to a Symbol)."""
        from ..context import context_of_module
        program = self.program
        ctx = context_of_module(xp)
        values = [None] * program.num_slots
        for slot, data in zip(program.variable_slots, inputs):
            values[slot] = data
        program.run(program.forward, values, ctx, self.is_train, storage=self.storage)
        outs = [values[s] for s in program.output_slots]
        return outs[0] if len(outs) == 1 else outs

    def release(self, node):
        """Drops the forward values a call kept once a backward without retain_graph ran: a
        loss kept after its step (a list of losses) must not keep a whole forward pass alive."""
        self.values = None

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        if STATE.recording:
            raise MXNetError("higher-order gradients through a hybridized block are not supported; "
                             "call hybridize(False) on it to differentiate twice")
        cached = self.cached_op
        if engine.asynchronous:     # pushed runs of this program share its buffers: let them end
            from .async_programs import quiesce
            quiesce(cached)
        program = self.program
        wanted = self.wanted
        if wanted is None:     # the forward ran as written (hooks) or without the passes
            wanted = cached._wanted(inputs)
        backward = cached.backward_for(wanted)
        saved = self.values
        if saved is None:
            raise MXNetError("the graph of hybridized %s was freed by an earlier backward; pass "
                             "retain_graph=True to backward more than once"
                             % (cached._symbol.name or "block"))
        if STATE.consuming:
            # the graph is freed after this pass: the backward owns the saved values, so the plan
            # drops each after its last reader (a forward value held to the end of the pass
            # would stand beside the columns a later step recomputes)
            values, self.values = saved, None
        else:
            values = list(saved)
        values.extend([None] * (program.num_slots - len(values)))
        ctx = inputs[0]._ctx
        for slot, head in zip(backward.head_slots, out_grads):
            values[slot] = head._data if isinstance(head, NDArray) else head
        # The head gradients now live in `values` only, so the plan frees each after its last
        # reader (the caller's list would hold a language model's logits gradient to the end).
        out_grads[:] = [None] * len(out_grads)
        head = None
        optimizer, key = cached._optimizer, self.key
        storage = self.storage or backward.sparse
        if optimizer is None or cached._node_hooks or key is None or storage:
            program.run(backward.all_steps, values, ctx, self.is_train, cached._node_hooks,
                        "backward", storage=storage)
        else:
            heads = tuple((None if v is None else (v.shape, v.dtype))
                          for v in (values[s] for s in backward.head_slots))
            optimizer.run(("backward", heads) + key, "backward", backward.steps, values, ctx,
                          self.is_train, backward.grad_slot_set,
                          targets=_grad_targets(backward, program, inputs, wanted))
        wrap = _wrap_payload if storage else _wrap
        grads = [None] * len(inputs)
        for i in wanted:
            slot = backward.grad_slots.get(id(program.variables[i]))
            if slot is not None:
                grads[i] = wrap(values[slot], ctx)
        return grads


def _tape_copy(node, inputs):
    """A tape node applying `node`'s operator, attributes and name to the entries `inputs`."""
    copy = TapeNode(node.op, node.name, node.attrs, inputs, node.num_outputs,
                    dict(node.user_attrs))
    copy.given = node.given
    return copy


def inline_calls(entries):
    """`entries` of a recorded graph with every inlined CachedOp call (CachedOp.inlined)
    replaced by its graph's operators; nodes that do not depend on such a call are the tape's
    own, and the graph is returned as it is when there is none."""
    nodes = topo_sort(entries)
    if not any(isinstance(n.op, CachedOpCall) and n.op.cached_op.inlined for n in nodes):
        return list(entries)
    replaced = {}     # id(node) -> [entry per output] in the new graph

    def resolve(node, index):
        outs = replaced.get(id(node))
        return (node, index) if outs is None else outs[index]

    for node in nodes:
        if node.op is None:
            continue
        ins = [resolve(child, index) for child, index in node.inputs]
        if isinstance(node.op, CachedOpCall) and node.op.cached_op.inlined:
            replaced[id(node)] = node.op.inline(ins)
        elif any(id(child) in replaced for child, _ in node.inputs):
            copy = _tape_copy(node, ins)
            # the same recorded step on new inputs: its values stay readable (shapes to draw)
            copy.in_values, copy.out_values, copy.versions = \
                node.in_values, node.out_values, node.versions
            replaced[id(node)] = [(copy, i) for i in range(node.num_outputs)]
    return [resolve(node, index) for node, index in entries]


def _grad_targets(backward, program, inputs, wanted):
    """{gradient slot: the .grad array it may be written into}, under autograd.backward() only:
    parameters with grad_req 'write' and a dense, contiguous .grad of their own shape and dtype,
    each written by one hybridized call per pass (a second call's gradient is added to the
    first's, so it must not overwrite it)."""
    writes = STATE.grad_writes
    if writes is None:
        return None
    targets = {}
    for i in wanted:
        array = inputs[i]
        entry = array._entry
        node = entry[0] if entry is not None else None
        if node is None or node.op is not None or node.grad_req != "write" or node.array is not array:
            continue
        grad = array._grad
        if grad is None or grad._sparse:
            continue
        data = grad._data
        if (id(data) in writes or data.shape != array._data.shape or data.dtype != array._data.dtype
                or not data.flags.c_contiguous):
            continue
        slot = backward.grad_slots.get(id(program.variables[i]))
        if slot is not None:
            writes.add(id(data))
            targets[slot] = data
    return targets


def _makes_sparse(step):
    """Whether `step` gives a sparse output for dense inputs with its attributes (an Embedding
    with sparse_grad=False has a dense gradient: its backward needs no storage dispatch)."""
    op = step.op
    if op is None or not getattr(op, "sparse_from_dense", False):
        return False
    infer = getattr(op, "infer_storage", None)
    if infer is None:
        return True
    try:
        stypes = infer(step.attrs, ["default"] * len(step.ins))
    except Exception:      # undecidable here: dispatch by storage type, as before
        return True
    return stypes is None or any(s != "default" for s in stypes)



def _wrap_payload(value, ctx):
    from ..ndarray.sparse import wrap_payload
    return wrap_payload(value, ctx)
