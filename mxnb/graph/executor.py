"""Executor: a Symbol bound to arrays (`bind`, `simple_bind`), run node by node.

Hooks run after every node, forward and backward: `set_monitor_callback` (and `mx.mon.Monitor`)
and the notebook's debugger are clients of them.
"""
from collections import OrderedDict

from .. import engine
from ..base import MXNetError, ShapeError, ContextError, InvalidArgumentError
from ..ndarray.ndarray import NDArray, _wrap
from ..ndarray import zeros as nd_zeros, ones_like as nd_ones_like, zeros_like as nd_zeros_like
from .optimize import Optimizer, enabled, kept_for_backward, recompute_enabled, stub_shape_only
from .program import NodeHooks, Program
from .monitor_names import (monitored_backward_names, monitored_input_names,
                            monitored_output_names)

__all__ = ["Executor"]

_GRAD_REQS = ("write", "add", "null")
_CREATION_OPS = ("_zeros", "_ones", "_full", "_zeros_without_dtype")


def _by_name(kind, names, values, allow_missing=False):
    """A list in `names` order from a list or dict of arrays."""
    if values is None:
        return [None] * len(names)
    if isinstance(values, dict):
        # names the symbol does not take are ignored, as MXNet's bind does
        missing = [n for n in names if n not in values]
        if missing and not allow_missing:    # a ValueError, as MXNet's
            raise InvalidArgumentError("bind: %s is missing %s" % (kind, missing))
        return [values.get(n) for n in names]
    values = list(values)
    if len(values) != len(names) and not (allow_missing and len(values) < len(names)):
        raise MXNetError("bind: %s has %d arrays, the symbol takes %d: %s"
                         % (kind, len(values), len(names), names))
    return values + [None] * (len(names) - len(values))


def _check_reqs(where, reqs, arg_names):
    """One of 'write', 'add', 'null' per argument, or an MXNetError saying which is wrong."""
    if len(reqs) != len(arg_names):
        raise MXNetError("%s: grad_req has %d entries, the symbol has %d arguments %s"
                         % (where, len(reqs), len(arg_names), arg_names))
    for name, r in zip(arg_names, reqs):
        if r not in _GRAD_REQS:
            raise MXNetError("%s: grad_req of argument %s must be one of %s, found %r"
                             % (where, name, _GRAD_REQS, r))


class Executor(NodeHooks):
    def __init__(self, symbol, ctx, args, grads, reqs, aux):
        self._symbol = symbol
        self._ctx = ctx
        optimize = enabled()
        self._program = program = Program(symbol._outputs, optimize=optimize,
                                          recompute=optimize and recompute_enabled())
        arg_names = symbol.list_arguments()
        aux_names = symbol.list_auxiliary_states()
        if len(set(arg_names + aux_names)) != len(arg_names) + len(aux_names):
            raise MXNetError("bind: the symbol has several inputs with one name: %s" % (arg_names + aux_names))
        self.arg_arrays, self.grad_arrays, self.aux_arrays = args, grads, aux
        self.arg_dict = OrderedDict(zip(arg_names, args))
        self.grad_dict = OrderedDict((n, g) for n, g in zip(arg_names, grads) if g is not None)
        self.aux_dict = OrderedDict(zip(aux_names, aux))
        self._grad_req = OrderedDict(zip(arg_names, reqs))
        by_name = dict(self.arg_dict, **self.aux_dict)
        self._inputs = [(slot, by_name[n.name]) for slot, n in zip(program.variable_slots, program.variables)]
        wanted = [n for n in program.variables if n.name in self.grad_dict
                  and self._grad_req[n.name] != "null"]
        self._backward = program.build_backward(wanted) if wanted else None
        self._plain_backward = self._backward       # the one run without a monitor
        self._monitored = None          # the one run with a monitor, built when first needed
        self._wanted = [(n, self.grad_dict[n.name], self._grad_req[n.name]) for n in wanted]
        self._values = [None] * program.num_slots
        self._resolve_creation_shapes(program, dict(self.arg_dict, **self.aux_dict))
        # graph passes (graph/optimize.py); the forward keeps what the backward reads
        self._optimizer = Optimizer(program) if optimize else None
        self._kept, self._shape_only = set(program.output_slots), set()
        if self._backward is not None:
            self._kept, self._shape_only = kept_for_backward(program, self._backward)
        # Bound to sparse arrays: every step goes through storage-type dispatch.
        self._storage = any(a is not None and a._sparse for a in list(args) + list(grads))
        self._node_hooks = ()
        self._monitor = None
        self.outputs = self._allocate_outputs()
        # set by reshape: forward writes into the output arrays' memory, which views share
        self._outputs_shared = False
        self._forwarded = False
        self._heads_read = self._heads_the_backward_reads()

    def _heads_the_backward_reads(self):
        """The positions of the outputs whose head gradients the backward pass reads. The
        others (integer outputs such as shape_array's, or outputs no wanted argument depends
        on) contribute nothing, and MXNet neither reads nor checks their head gradients."""
        backward = self._backward
        if backward is None:
            return frozenset()
        read = set(backward.grad_slots.values())
        for step in backward.all_steps:
            read.update(step.ins)
        return frozenset(i for i, slot in enumerate(backward.head_slots) if slot in read)

    def _allocate_outputs(self):
        """The output arrays, allocated at bind as MXNet's executor does (forward fills them);
        [] when inference cannot tell their shapes yet."""
        symbol = self._symbol
        known = {n: a.shape for n, a in list(self.arg_dict.items()) + list(self.aux_dict.items())}
        types = {n: a.dtype for n, a in list(self.arg_dict.items()) + list(self.aux_dict.items())}
        try:
            _, shapes, _ = symbol.infer_shape(**known)
            _, dtypes, _ = symbol.infer_type(**types)
        except MXNetError:
            return []
        if shapes is None or dtypes is None:
            return []
        return [nd_zeros(s, ctx=self._ctx, dtype=t) for s, t in zip(shapes, dtypes)]

    @staticmethod
    def _resolve_creation_shapes(program, arrays):
        """Creation operators whose `shape` has unknown (0) dims — the `begin_state` zeros of
        MXNet's RNN cells, `sym.zeros((0, H))` — take the shape inference found for them, as
        MXNet's executor allocates them."""
        partial = [step for step in program.forward
                   if step.op.name in _CREATION_OPS and 0 in tuple(step.attrs.get("shape") or ())]
        if not partial:
            return
        from .infer import infer_shapes
        table = infer_shapes(program.nodes, {n: a.shape for n, a in arrays.items()})
        for step in partial:
            shape = table.get((id(step.node), 0))
            if shape is None or 0 in shape:
                raise ShapeError("%s (operator %s) has shape %s with unknown dimensions that "
                                 "shape inference cannot fill" % (step.node.name, step.op.name,
                                                                  tuple(step.attrs["shape"])))
            step.attrs = dict(step.attrs, shape=tuple(shape))

    # --- construction ------------------------------------------------------------------------
    @classmethod
    def bind(cls, symbol, ctx, args, args_grad=None, grad_req="write", aux_states=None):
        arg_names = symbol.list_arguments()
        args = _by_name("args", arg_names, args)
        for name, arr in zip(arg_names, args):
            if not isinstance(arr, NDArray):
                raise MXNetError("bind: argument %s must be an NDArray, found %s" % (name, type(arr).__name__))
            if arr.context != ctx:
                raise ContextError("bind: argument %s is on %s, the executor on %s" % (name, arr.context, ctx))
        grads = _by_name("args_grad", arg_names, args_grad, allow_missing=True)
        if isinstance(grad_req, str):
            reqs = [grad_req if g is not None else "null" for g in grads]
        elif isinstance(grad_req, dict):
            reqs = [grad_req.get(n, "null") if g is not None else "null" for n, g in zip(arg_names, grads)]
        else:
            reqs = list(grad_req)
        _check_reqs("bind", reqs, arg_names)
        aux = _by_name("aux_states", symbol.list_auxiliary_states(), aux_states or [])
        cls._check_shapes(symbol, arg_names, args, aux)
        return cls(symbol, ctx, args, grads, reqs, aux)

    @staticmethod
    def _check_shapes(symbol, arg_names, args, aux):
        known = {n: a.shape for n, a in zip(arg_names, args)}
        known.update({n: a.shape for n, a in zip(symbol.list_auxiliary_states(), aux)})
        arg_shapes, _, aux_shapes = symbol._infer_shape((), known)
        for name, given, inferred in zip(arg_names + symbol.list_auxiliary_states(),
                                         [a.shape for a in args] + [a.shape for a in aux],
                                         arg_shapes + aux_shapes):
            if inferred is not None and tuple(inferred) != tuple(given):
                raise ShapeError("bind: argument %s has shape %s, the symbol expects %s"
                                 % (name, tuple(given), tuple(inferred)))

    @classmethod
    def simple_bind(cls, symbol, ctx, grad_req="write", type_dict=None, shared_exec=None, shapes=None,
                    stype_dict=None):
        arg_shapes, _, aux_shapes = symbol._infer_shape((), shapes or {})
        arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
        # a 0 is an unknown dimension, unless NumPy shape semantics make it a zero-size one
        zero_unknown = symbol._zero_is_unknown((), shapes or {})
        unknown = [n for n, s in zip(arg_names + aux_names, arg_shapes + aux_shapes)
                   if s is None or (zero_unknown and 0 in s)]
        if unknown:
            raise MXNetError("simple_bind: cannot infer the shapes of %s from %s; give them as "
                             "keyword arguments" % (unknown, shapes))
        arg_types, _, aux_types = symbol.infer_type(**(type_dict or {}))
        # With shared_exec, arrays of the same name, shape and dtype are shared (MXNet shares
        # its memory; bucketing modules share their parameters this way).
        shared = shared_exec.arg_dict if shared_exec is not None else {}
        shared_grads = shared_exec.grad_dict if shared_exec is not None else {}
        shared_aux = shared_exec.aux_dict if shared_exec is not None else {}

        def alloc(table, name, shape, dtype):
            old = table.get(name)
            if old is not None and old.shape == tuple(shape) and old.dtype == dtype and old.context == ctx:
                return old
            return nd_zeros(shape, ctx=ctx, dtype=dtype)
        args = [alloc(shared, n, s, t) for n, s, t in zip(arg_names, arg_shapes, arg_types)]
        if isinstance(grad_req, str):
            reqs = [grad_req] * len(arg_names)
        elif isinstance(grad_req, dict):
            reqs = [grad_req.get(n, "null") for n in arg_names]
        else:
            reqs = list(grad_req)
        _check_reqs("simple_bind", reqs, arg_names)
        grads = [alloc(shared_grads, n, s, t) if r != "null" else None
                 for n, s, t, r in zip(arg_names, arg_shapes, arg_types, reqs)]
        from .storage import declares_sparse, sparse_arrays
        if stype_dict or declares_sparse(symbol):
            # sparse arguments (stype_dict, or the variables' own stype), and the gradients'
            # storage types they imply
            args, grads = sparse_arrays(symbol, ctx, stype_dict or {}, args, grads, reqs)
        aux = [alloc(shared_aux, n, s, t) for n, s, t in zip(aux_names, aux_shapes, aux_types)]
        return cls(symbol, ctx, args, grads, reqs, aux)

    # --- running -------------------------------------------------------------------------------
    def forward(self, is_train=False, **kwargs):
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError("forward: %r is not an argument; arguments are %s" % (name, list(self.arg_dict)))
            self.arg_dict[name][:] = value
        if engine.asynchronous:     # a threaded engine: the forward is pushed as one piece of work
            from .async_programs import executor_forward, quiesce
            if self._outputs_shared:
                # a pushed run gives the outputs new memory: run here, writing into the shared one
                quiesce(self)
            elif executor_forward(self, is_train):
                return self.outputs
        values = self._values
        for slot, array in self._inputs:
            values[slot] = array._data
        optimizer = self._optimizer
        if optimizer is None or self._node_hooks or self._storage:
            self._program.run(self._program.forward, values, self._ctx, is_train, self._node_hooks,
                              storage=self._storage)
        else:
            key = ("forward", is_train, tuple((values[s].shape, values[s].dtype)
                                             for s in self._program.variable_slots))
            optimizer.fill_constants(values, self._ctx, is_train)
            optimizer.run(key, "forward", optimizer.forward_steps, values, self._ctx, is_train,
                          self._kept, self._shape_only)
            stub_shape_only(values, self._shape_only)
            for s in optimizer.output_constants:
                values[s] = values[s].copy()
        slots = self._program.output_slots
        if self._storage:
            from ..ndarray.sparse import wrap_payload
            self.outputs = [wrap_payload(values[s], self._ctx) for s in slots]
        elif not self.outputs:
            self.outputs = [_wrap(values[s], self._ctx) for s in slots]
        elif self._outputs_shared:      # views of them are another executor's (reshape)
            for out, s in zip(self.outputs, slots):
                value = values[s]
                if out._data.shape == value.shape and out._data.dtype == value.dtype:
                    out._data[...] = value
                else:
                    out._data = value
        else:
            for out, s in zip(self.outputs, slots):
                out._data = values[s]
        self._forwarded = True
        return self.outputs

    def backward(self, out_grads=None, is_train=True):
        """Computes the gradients of the bound arguments into their gradient arrays.

        Parameters
        ----------
        out_grads : NDArray, list or dict of NDArray, optional
            Gradients of the outputs (head gradients); ones when not given. A head gradient
            the backward pass does not read (an integer output such as `shape_array`'s) may
            have any shape, as in MXNet.
        is_train : bool, default True
            Whether the backward pass runs in training mode.

        Notes
        -----
        Without an earlier `forward`, the forward pass runs first (training mode) on the bound
        arrays: MXNet then reads whatever its output buffers hold, which equals the forward
        pass wherever its gradient is defined.

        Examples
        --------
        >>> x = mx.sym.var('x')
        >>> exe = mx.sym.repeat(x, repeats=2, axis=0).bind(
        ...     mx.cpu(), {'x': mx.nd.ones((2, 2))}, args_grad={'x': mx.nd.zeros((2, 2))})
        >>> exe.backward(mx.nd.ones((4, 2)))
        >>> exe.grad_dict['x'].asnumpy()
        array([[2., 2.],
               [2., 2.]], dtype=float32)
        """
        if self._backward is None:
            return
        if not self._forwarded:
            self.forward(is_train=True)
        if out_grads is None:
            out_grads = [nd_ones_like(o) for o in self.outputs]
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, dict):
            names = self._symbol.list_outputs()
            out_grads = [out_grads[n] for n in names]
        if len(out_grads) != len(self.outputs):
            raise MXNetError("backward got %d head gradients for %d outputs" % (len(out_grads), len(self.outputs)))
        for i, (grad, out) in enumerate(zip(out_grads, self.outputs)):
            if i in self._heads_read and tuple(grad.shape) != tuple(out.shape):
                raise ShapeError("backward: head gradient %d has shape %s, its output %s"
                                 % (i, tuple(grad.shape), tuple(out.shape)))
        if engine.asynchronous:     # a threaded engine: the backward is pushed as one piece of work
            from .async_programs import executor_backward
            if executor_backward(self, out_grads, is_train):
                return
        values = self._values
        for slot, grad in zip(self._backward.head_slots, out_grads):
            if grad._sparse:
                # read as dense, as MXNet's backward kernels do (most fall back to dense):
                # og * f'(x) is then NaN where f'(x) is, even in rows og does not store
                grad = grad.tostype("default")
            values[slot] = grad._data
        optimizer = self._optimizer
        if optimizer is None or self._node_hooks or self._storage:
            self._program.run(self._backward.all_steps, values, self._ctx, is_train,
                              self._node_hooks, "backward", storage=self._storage)
        else:
            key = ("backward", is_train, tuple((values[s].shape, values[s].dtype) for s in
                                               self._program.variable_slots + self._backward.head_slots
                                               if values[s] is not None))
            optimizer.run(key, "backward", self._backward.steps, values, self._ctx, is_train,
                          set(self._backward.grad_slots.values()))
        grad_slots = self._backward.grad_slots
        if self._storage:
            from .storage import write_gradients
            write_gradients(self._wanted, grad_slots, values, self._ctx)
            return
        write_gradients_into(self._wanted, grad_slots, values, lambda target: target._data)

    # --- inspection ----------------------------------------------------------------------------
    def set_monitor_callback(self, callback, monitor_all=False):
        """Calls `callback(name, NDArray)` with every node's outputs (and inputs if monitor_all).

        Parameters
        ----------
        callback : callable or None
            Called as `callback(name, array)`; None removes the monitor.
        monitor_all : bool, default False
            Also report every node's inputs (a variable input under its own name first).

        Notes
        -----
        Names are MXNet 1.9.1's: a forward node's `<node>_<output name>`; the backward pass
        reports one backward node per forward node, `<node>_backward_output<i>` being the
        gradient of the forward node's i-th input (`<node>_backward_output` when it has one),
        whichever backward steps mxnb computes it in. Steps that compute a part of a
        gradient, and a gradient mxnb does not compute, are not reported.

        Examples
        --------
        >>> exe = mx.sym.FullyConnected(mx.sym.var('data'), num_hidden=2, name='fc').simple_bind(
        ...     mx.cpu(), data=(1, 3))
        >>> seen = []
        >>> exe.set_monitor_callback(lambda name, arr: seen.append(name))
        >>> _ = exe.forward(is_train=True); exe.backward(mx.nd.ones((1, 2)))
        >>> seen
        ['fc_output', 'fc_backward_output0', 'fc_backward_output1', 'fc_backward_output2']
        """
        if self._monitor is not None:
            self.remove_node_hook(self._monitor)
            self._monitor = None
        self._backward = self._plain_backward
        if callback is None:
            return
        ctx = self._ctx
        self._backward = self._monitored_backward()
        backward_names = (monitored_backward_names(self._backward)
                          if self._backward is not None else {})

        def report_inputs(node, names, ins):
            # as MXNet: a variable input is reported under its own name first
            for (child, _), name, value in zip(node.inputs, names, ins):
                array = _wrap(value, ctx)
                if child.op is None:
                    callback(child.name, array)
                callback(name, array)

        pending = {}    # {forward node id: its input gradients so far}, till its last step

        def report_backward(node, ins, outs):
            named = backward_names.get(id(node))
            if named is None:       # a part of a gradient: MXNet has no such node
                return
            forward_id, prefix, outputs, last = named
            if monitor_all:
                report_inputs(node, ["%s_input%d" % (prefix, i) for i in range(len(ins))], ins)
            for k, position, name, zeros_of in outputs:
                value = (_wrap(outs[k], ctx) if zeros_of is None
                         else nd_zeros_like(self.arg_dict[zeros_of]))
                pending.setdefault(forward_id, []).append((position, name, value))
            if last:            # in input order, as MXNet's one backward node gives them
                for _, name, value in sorted(pending.pop(forward_id), key=lambda item: item[0]):
                    callback(name, value)

        def monitor(phase, node, ins, outs):
            if phase == "backward":
                report_backward(node, ins, outs)
                return
            pending.clear()         # (what a failed backward pass left)
            if monitor_all:
                report_inputs(node, ["%s_%s" % (node.name, n) for n in monitored_input_names(node)],
                              ins)
            for name, value in zip(monitored_output_names(node), outs):
                callback("%s_%s" % (node.name, name), _wrap(value, ctx))
        self._monitor = self.add_node_hook(monitor)

    def _monitored_backward(self):
        """The backward pass computing every input gradient of the nodes it differentiates,
        as MXNet's backward nodes do, for a monitor to report; the plain one where the
        gradient pass cannot give those (an operator without a gradient on the way)."""
        if self._plain_backward is None or self._storage:
            return self._plain_backward
        if self._monitored is None:
            try:
                self._monitored = self._program.build_backward(
                    [node for node, _, _ in self._wanted], every_input=True)
            except MXNetError:
                self._monitored = self._plain_backward
            self._values.extend([None] * (self._program.num_slots - len(self._values)))
        return self._monitored

    @property
    def program(self):
        """The compiled forward graph this executor runs (read-only; an mxnb addition).

        Returns
        -------
        Program
            Its `variables` are the bound arguments and auxiliary states, `nodes` the graph in
            topological order, `outputs` the output entries (mxnb/graph/program.py). The nodes
            of the backward pass carry `forward_node`, the forward node they differentiate.

        Example
        -------
        >>> exe = mx.sym.relu(mx.sym.var('x')).simple_bind(mx.cpu(), x=(2,))
        >>> [n.name for n in exe.program.nodes]
        ['x', 'relu0']
        """
        return self._program

    @property
    def output_dict(self):
        return OrderedDict(zip(self._symbol.list_outputs(), self.outputs))

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        """Copies parameters into the executor's arrays (cast to their dtypes).

        Parameters
        ----------
        arg_params : dict of str to NDArray
            Values of the arguments, by name.
        aux_params : dict of str to NDArray, optional
            Values of the auxiliary states, by name.
        allow_extra_params : bool, default False
            Ignore names the executor does not have instead of raising.

        Example
        -------
        >>> exe.copy_params_from({'fc_weight': mx.nd.ones((2, 3))})
        """
        for kind, params, table in (("argument", arg_params, self.arg_dict),
                                    ("auxiliary state", aux_params or {}, self.aux_dict)):
            for name, value in params.items():
                target = table.get(name)
                if target is None:
                    if allow_extra_params:
                        continue
                    raise InvalidArgumentError(
                        "copy_params_from: found name %r that is not an %s of this executor; "
                        "its %ss are %s" % (name, kind, kind, list(table)))
                if tuple(value.shape) != tuple(target.shape):
                    raise ShapeError("copy_params_from: %s %s has shape %s, the executor's "
                                     "array has shape %s" % (kind, name, tuple(value.shape),
                                                             tuple(target.shape)))
                if value.dtype != target.dtype:
                    value = value.astype(target.dtype)
                value.copyto(target)

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        """A new executor for new input shapes, sharing this one's arrays where it can.

        Parameters
        ----------
        partial_shaping : bool, default False
            Allow arguments not named in `kwargs` to change shape as well.
        allow_up_sizing : bool, default False
            Allow arrays to grow (new memory); smaller arrays reuse this executor's memory.
        **kwargs
            New shapes of inputs, by name (``data=(64, 784)``).

        Returns
        -------
        Executor
            Parameters whose shapes do not change are the same NDArrays as in this executor.

        Example
        -------
        >>> exe2 = exe.reshape(data=(8, 784))
        """
        from ..base import parse_shape
        symbol = self._symbol
        arg_names, aux_names = symbol.list_arguments(), symbol.list_auxiliary_states()
        try:
            arg_shapes, _, aux_shapes = symbol._infer_shape((), {k: parse_shape(v) for k, v in kwargs.items()})
        except MXNetError as exc:
            raise ShapeError("reshape %s: %s" % (kwargs, exc)) from None
        unknown = [n for n, s in zip(arg_names + aux_names, arg_shapes + aux_shapes) if s is None or 0 in s]
        if unknown:
            raise MXNetError("reshape: cannot infer the shapes of %s from %s" % (unknown, kwargs))

        def renew(kind, name, old, shape):
            shape = tuple(shape)
            if old is None or tuple(old.shape) == shape:
                return old
            if name not in kwargs and not partial_shaping:
                raise MXNetError("reshape: the shape of %s %s, which was not given, changes from "
                                 "%s to %s; pass partial_shaping=True if that is intended"
                                 % (kind, name, tuple(old.shape), shape))
            size = _size(shape)
            if size > old.size:
                if not allow_up_sizing:
                    raise MXNetError("reshape: the new shape %s of %s %s is larger than the "
                                     "original %s; pass allow_up_sizing=True to allocate new "
                                     "memory" % (shape, kind, name, tuple(old.shape)))
                return nd_zeros(shape, ctx=self._ctx, dtype=old.dtype)
            # Smaller: a view of the old memory, as MXNet shares it.
            return _wrap(old._data.reshape(-1)[:size].reshape(shape), self._ctx)

        args = [renew("argument", n, a, s) for n, a, s in zip(arg_names, self.arg_arrays, arg_shapes)]
        grads = [renew("gradient", n, g, s) for n, g, s in zip(arg_names, self.grad_arrays, arg_shapes)]
        aux = [renew("auxiliary state", n, a, s) for n, a, s in zip(aux_names, self.aux_arrays, aux_shapes)]
        reqs = [self._grad_req[n] for n in arg_names]
        new = Executor(symbol, self._ctx, args, grads, reqs, aux)
        self._share_outputs_with(new)
        for hook in self._node_hooks:
            if hook is not self._monitor:
                new.add_node_hook(hook)
        return new

    def _share_outputs_with(self, new):
        """`new`'s outputs as views of this executor's output memory where they are no larger
        (MXNet's reshape shares it); both then write their results into that memory."""
        if self._storage or new._storage or not self.outputs or not new.outputs:
            return
        shared = False
        for i, (old, fresh) in enumerate(zip(self.outputs, new.outputs)):
            memory = old._data
            if (fresh.dtype != old.dtype or fresh.size > old.size
                    or not memory.flags.c_contiguous):     # (a larger one is new memory)
                continue
            new.outputs[i] = _wrap(memory.reshape(-1)[:fresh.size].reshape(fresh.shape),
                                   self._ctx)
            shared = True
        self._outputs_shared = self._outputs_shared or shared
        new._outputs_shared = shared

    def debug_str(self):
        return self._symbol.debug_str()


def _size(shape):
    size = 1
    for dim in shape:
        size *= int(dim)
    return size


def write_gradients_into(wanted, grad_slots, values, buffer_of):
    """Writes (grad_req 'write') or adds ('add') each wanted gradient into its target's buffer,
    `buffer_of(target)`; a gradient the backward does not make is zero. (Engine workers pass
    the raw buffer; the calling thread the waiting `_data`.)"""
    for node, target, req in wanted:
        slot = grad_slots.get(id(node))
        buffer = buffer_of(target)
        if slot is None:
            if req == "write":
                buffer[...] = 0
        elif req == "add":
            buffer += values[slot]
        else:
            buffer[...] = values[slot]
