"""Executor: a Symbol bound to arrays (`bind`, `simple_bind`), run node by node.

Hooks run after every node, forward and backward: `set_monitor_callback` (and `mx.mon.Monitor`)
and the notebook's debugger are clients of them.
"""
from collections import OrderedDict

from ..base import MXNetError, ShapeError, ContextError
from ..ndarray.ndarray import NDArray, _wrap
from ..ndarray import zeros as nd_zeros, ones_like as nd_ones_like
from .program import NodeHooks, Program

__all__ = ["Executor"]

_GRAD_REQS = ("write", "add", "null")


def _by_name(kind, names, values, allow_missing=False):
    """A list in `names` order from a list or dict of arrays."""
    if values is None:
        return [None] * len(names)
    if isinstance(values, dict):
        unknown = [k for k in values if k not in names]
        if unknown and kind != "args_grad":
            raise MXNetError("bind: %s has %s, which the symbol does not take; it takes %s"
                             % (kind, unknown, names))
        missing = [n for n in names if n not in values]
        if missing and not allow_missing:
            raise MXNetError("bind: %s is missing %s" % (kind, missing))
        return [values.get(n) for n in names]
    values = list(values)
    if len(values) != len(names) and not (allow_missing and len(values) < len(names)):
        raise MXNetError("bind: %s has %d arrays, the symbol takes %d: %s"
                         % (kind, len(values), len(names), names))
    return values + [None] * (len(names) - len(values))


class Executor(NodeHooks):
    def __init__(self, symbol, ctx, args, grads, reqs, aux):
        self._symbol = symbol
        self._ctx = ctx
        self._program = program = Program(symbol._outputs)
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
        self._wanted = [(n, self.grad_dict[n.name], self._grad_req[n.name]) for n in wanted]
        self._values = [None] * program.num_slots
        # Bound to sparse arrays: every step goes through storage-type dispatch.
        self._storage = any(a is not None and a._sparse for a in list(args) + list(grads))
        self._node_hooks = ()
        self._monitor = None
        self.outputs = []

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
        for r in reqs:
            if r not in _GRAD_REQS:
                raise MXNetError("grad_req must be one of %s, found %r" % (_GRAD_REQS, r))
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
        unknown = [n for n, s in zip(arg_names + aux_names, arg_shapes + aux_shapes)
                   if s is None or 0 in s]
        if unknown:
            raise MXNetError("simple_bind: cannot infer the shapes of %s from %s; give them as "
                             "keyword arguments" % (unknown, shapes))
        arg_types, _, aux_types = symbol.infer_type(**(type_dict or {}))
        shared = shared_exec.arg_dict if shared_exec is not None else {}

        def alloc(name, shape, dtype):
            old = shared.get(name)
            if old is not None and old.shape == tuple(shape) and old.dtype == dtype:
                return old
            return nd_zeros(shape, ctx=ctx, dtype=dtype)
        args = [alloc(n, s, t) for n, s, t in zip(arg_names, arg_shapes, arg_types)]
        if isinstance(grad_req, str):
            reqs = [grad_req] * len(arg_names)
        elif isinstance(grad_req, dict):
            reqs = [grad_req.get(n, "null") for n in arg_names]
        else:
            reqs = list(grad_req)
        grads = [nd_zeros(s, ctx=ctx, dtype=t) if r != "null" else None
                 for s, t, r in zip(arg_shapes, arg_types, reqs)]
        if stype_dict:      # sparse arguments, and the gradients' storage types they imply
            from .storage import sparse_arrays
            args, grads = sparse_arrays(symbol, ctx, stype_dict, args, grads, reqs)
        aux = [nd_zeros(s, ctx=ctx, dtype=t) for s, t in zip(aux_shapes, aux_types)]
        return cls(symbol, ctx, args, grads, reqs, aux)

    # --- running -------------------------------------------------------------------------------
    def forward(self, is_train=False, **kwargs):
        for name, value in kwargs.items():
            if name not in self.arg_dict:
                raise MXNetError("forward: %r is not an argument; arguments are %s" % (name, list(self.arg_dict)))
            self.arg_dict[name][:] = value
        values = self._values
        for slot, array in self._inputs:
            values[slot] = array._data
        self._is_train = is_train
        self._program.run(self._program.forward, values, self._ctx, is_train, self._node_hooks,
                          storage=self._storage)
        slots = self._program.output_slots
        if self._storage:
            from ..ndarray.sparse import wrap_payload
            self.outputs = [wrap_payload(values[s], self._ctx) for s in slots]
        elif not self.outputs:
            self.outputs = [_wrap(values[s], self._ctx) for s in slots]
        else:
            for out, s in zip(self.outputs, slots):
                out._data = values[s]
        return self.outputs

    def backward(self, out_grads=None, is_train=True):
        if self._backward is None:
            return
        if not self.outputs:
            raise MXNetError("backward called before forward")
        if out_grads is None:
            out_grads = [nd_ones_like(o) for o in self.outputs]
        elif isinstance(out_grads, NDArray):
            out_grads = [out_grads]
        elif isinstance(out_grads, dict):
            names = self._symbol.list_outputs()
            out_grads = [out_grads[n] for n in names]
        if len(out_grads) != len(self.outputs):
            raise MXNetError("backward got %d head gradients for %d outputs" % (len(out_grads), len(self.outputs)))
        values = self._values
        for slot, grad, out in zip(self._backward.head_slots, out_grads, self.outputs):
            if tuple(grad.shape) != tuple(out.shape):
                raise ShapeError("backward: head gradient has shape %s, its output %s"
                                 % (tuple(grad.shape), tuple(out.shape)))
            values[slot] = grad._data
        self._program.run(self._backward.steps, values, self._ctx, is_train, self._node_hooks,
                          "backward", storage=self._storage)
        grad_slots = self._backward.grad_slots
        if self._storage:
            from .storage import write_gradients
            write_gradients(self._wanted, grad_slots, values, self._ctx)
            return
        for node, target, req in self._wanted:
            slot = grad_slots.get(id(node))
            if slot is None:
                if req == "write":
                    target._data[...] = 0
                continue
            if req == "add":
                target._data += values[slot]
            else:
                target._data[...] = values[slot]

    # --- inspection ----------------------------------------------------------------------------
    def set_monitor_callback(self, callback, monitor_all=False):
        """Calls `callback(name, NDArray)` with every node's outputs (and inputs if monitor_all)."""
        if self._monitor is not None:
            self.remove_node_hook(self._monitor)
            self._monitor = None
        if callback is None:
            return
        ctx = self._ctx

        def monitor(phase, node, ins, outs):
            if monitor_all:
                for name, value in zip(node.op.input_names(node.attrs), ins):
                    callback("%s_%s" % (node.name, name), _wrap(value, ctx))
            names = node.op.output_names(node.attrs)
            for i in range(node.op.num_visible_outputs(node.attrs)):
                callback("%s_%s" % (node.name, names[i]), _wrap(outs[i], ctx))
        self._monitor = self.add_node_hook(monitor)

    @property
    def output_dict(self):
        return OrderedDict(zip(self._symbol.list_outputs(), self.outputs))

    def copy_params_from(self, arg_params, aux_params=None, allow_extra_params=False):
        for name, value in arg_params.items():
            if name in self.arg_dict:
                value.copyto(self.arg_dict[name])
            elif not allow_extra_params:
                raise MXNetError("copy_params_from: %r is not an argument of this executor" % name)
        for name, value in (aux_params or {}).items():
            if name in self.aux_dict:
                value.copyto(self.aux_dict[name])
            elif not allow_extra_params:
                raise MXNetError("copy_params_from: %r is not an auxiliary state of this executor" % name)

    def reshape(self, partial_shaping=False, allow_up_sizing=False, **kwargs):
        shapes = {n: a.shape for n, a in self.arg_dict.items()}
        shapes.update(kwargs)
        reqs = [self._grad_req[n] for n in self.arg_dict]
        new = Executor.simple_bind(self._symbol, self._ctx, reqs, None, self, shapes)
        return new

    def debug_str(self):
        return self._symbol.debug_str()
