"""`mx.operator`: operators written in Python (`CustomOp`, `CustomOpProp`, `register`).

A registered prop is run by the `Custom` operator (`nd.Custom`, `sym.Custom`) of the registry
(mxnb/ops/custom.py), so a custom operator works eagerly, under autograd, in symbols,
executors, Modules and hybridized Gluon blocks alike. This module supplies the runtime that
operator calls: it builds the prop's operator for the input shapes, wraps the arrays as NDArrays,
and calls `forward` / `backward` with MXNet's `req` strings.
"""
import collections
import warnings

import numpy as np

from .base import MXNetError, ShapeError, DTYPE_TO_FLAG, format_attr
from .context import context_of_module, cpu, gpu
from .ops import custom as _custom, registry as _registry
from .ops.registry import REQUIRED

__all__ = ["CustomOp", "CustomOpProp", "register", "get_all_registered_operators",
           "get_operator_arguments", "OperatorArguments", "PythonOp", "NumpyOp", "NDArrayOp",
           "set_user_code_scope"]


class CustomOp:
    """Base class for operators implemented in Python.

    Subclasses override `forward` and `backward` and write their results with `assign`.

    Example
    -------
    >>> class Sqr(mx.operator.CustomOp):
    ...     def forward(self, is_train, req, in_data, out_data, aux):
    ...         self.assign(out_data[0], req[0], in_data[0] * in_data[0])
    ...     def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
    ...         self.assign(in_grad[0], req[0], 2 * in_data[0] * out_grad[0])
    """

    def __init__(self):
        pass

    def forward(self, is_train, req, in_data, out_data, aux):
        """Computes `out_data` from `in_data`.

        Parameters
        ----------
        is_train : bool
            Whether this is a training pass.
        req : list of str
            How to write each output: 'null', 'write', 'inplace' or 'add' (see `assign`).
        in_data, out_data, aux : list of NDArray
            Inputs, outputs (to be written) and auxiliary states.
        """

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        """Computes `in_grad` from `out_grad` (and the forward's data).

        Parameters
        ----------
        req : list of str
            How to write each input gradient.
        out_grad, in_data, out_data, in_grad, aux : list of NDArray
        """

    def assign(self, dst, req, src):
        """Writes `src` into `dst` as `req` says ('null': nothing, 'write'/'inplace': copy,
        'add': accumulate)."""
        if req == "null":
            return
        if req not in ("write", "inplace", "add"):
            raise MXNetError("assign: req must be 'null', 'write', 'inplace' or 'add', found %r" % (req,))
        src_shape = tuple(getattr(src, "shape", ()))
        dst_shape = tuple(dst.shape)
        if src_shape != dst_shape and not _broadcasts(src_shape, dst_shape):
            op_type = getattr(self, "_mxnb_op_type", type(self).__name__)
            raise ShapeError("Custom operator %r: an output was declared with shape %s (by its "
                             "CustomOpProp.infer_shape) but %s assigns a value of shape %s"
                             % (op_type, dst_shape, type(self).__name__, src_shape))
        if req == "add":
            dst[:] += src
        else:
            dst[:] = src


def _broadcasts(src, dst):
    if len(src) > len(dst):
        return False
    return all(s in (1, d) for s, d in zip(src[::-1], dst[::-1]))


class CustomOpProp:
    """Describes a Python operator: its inputs, outputs, shapes and types, and creates it.

    Parameters
    ----------
    need_top_grad : bool, default True
        Whether `backward` reads the gradient of the outputs (False for losses).

    Example
    -------
    >>> @mx.operator.register("sqr")
    ... class SqrProp(mx.operator.CustomOpProp):
    ...     def create_operator(self, ctx, shapes, dtypes):
    ...         return Sqr()
    """

    def __init__(self, need_top_grad=True):
        self.need_top_grad_ = need_top_grad

    def infer_shape(self, in_shape):
        """(in_shapes, out_shapes[, aux_shapes]); by default every output has in_shape[0]."""
        return in_shape, (in_shape[0],) * len(self.list_outputs()), ()

    def infer_type(self, in_type):
        """(in_types, out_types[, aux_types]); by default all are in_type[0]."""
        return (in_type, [in_type[0]] * len(self.list_outputs()),
                [in_type[0]] * len(self.list_auxiliary_states()))

    def infer_storage_type(self, in_stype):
        """Storage types: only 'default' (dense) is supported."""
        for i, stype in enumerate(in_stype):
            if stype != "default":
                raise MXNetError("Default infer_storage_type implementation doesnt allow non "
                                 "default stypes: found non default stype '%s' for in_stype[%d]"
                                 % (stype, i))
        return (in_stype, ["default"] * len(self.list_outputs()),
                ["default"] * len(self.list_auxiliary_states()))

    def infer_storage_type_backward(self, ograd_stype, in_stype, out_stype, igrad_stype, aux_stype):
        lists = [ograd_stype, in_stype, out_stype, igrad_stype, aux_stype]
        return tuple(["default"] * len(x) for x in lists)

    def list_outputs(self):
        """Names of the outputs (default ['output'])."""
        return ["output"]

    def list_arguments(self):
        """Names of the inputs (default ['data'])."""
        return ["data"]

    def list_auxiliary_states(self):
        """Names of the auxiliary states (default [])."""
        return []

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """The arrays `backward` reads (out_grad only when need_top_grad)."""
        deps = []
        if self.need_top_grad_:
            deps.extend(out_grad)
        deps.extend(in_data)
        deps.extend(out_data)
        return deps

    def create_operator(self, ctx, in_shapes, in_dtypes):
        """The CustomOp for these input shapes and dtypes (MXNet type flags) on `ctx`."""
        return CustomOp()


def register(reg_name):
    """Registers a CustomOpProp subclass under `reg_name` (a decorator).

    Example
    -------
    >>> @mx.operator.register("sqr")          # doctest: +SKIP
    ... class SqrProp(mx.operator.CustomOpProp): ...
    >>> y = mx.nd.Custom(x, op_type='sqr')    # doctest: +SKIP
    """
    def do_register(prop_cls):
        if not (isinstance(prop_cls, type) and issubclass(prop_cls, CustomOpProp)):
            raise MXNetError("mx.operator.register(%r) decorates a CustomOpProp subclass, found %r"
                             % (reg_name, prop_cls))
        _custom.PROPS[reg_name] = prop_cls
        return prop_cls
    return do_register


OperatorArguments = collections.namedtuple("OperatorArguments", ["narg", "names", "types"])


_KINDS = {"parse_int": "int", "parse_float": "float", "parse_bool": "boolean",
          "parse_shape": "Shape(tuple)", "dtype_np": "{dtype}"}


def get_operator_arguments(op_name):
    """The inputs and attributes of a registered operator, with MXNet-style type strings.

    Example
    -------
    >>> mx.operator.get_operator_arguments('FullyConnected').names[:3]
    ['data', 'weight', 'bias']
    """
    op = _registry.get(op_name)
    names, types = [], []
    try:
        inputs = op.input_names(op.defaults) if op.static_inputs is not None or not op.variadic else []
    except Exception:   # inputs that depend on required attributes
        inputs = []
    for name in inputs:
        names.append(name)
        types.append("NDArray-or-Symbol")
    for name, param in op.params.items():
        kind = _KINDS.get(getattr(param.parse, "__name__", ""), "string")
        names.append(name)
        if param.default is REQUIRED:
            types.append("%s, required" % kind)
        else:
            types.append("%s, optional, default=%s" % (kind, format_attr(param.default)))
    return OperatorArguments(len(names), names, types)


def get_all_registered_operators():
    """Every registered operator name (aliases included), sorted."""
    return sorted(_registry.all_names())


class PythonOp:
    """Base class of MXNet's first (deprecated) Python operators, NumpyOp's and NDArrayOp's:
    override `forward`, `backward`, `infer_shape`, `list_arguments` and `list_outputs`, and
    build symbols with `get_symbol` (or by calling the instance).

    Parameters
    ----------
    need_top_grad : bool, default True
        What `need_top_grad()` returns: whether `backward` reads the outputs' gradients
        (False for loss layers).
    """
    _ref_holder = []        # instances whose symbols exist (MXNet keeps them alive the same way)
    _registered = collections.Counter()     # Custom registrations made, per op_type prefix

    def __init__(self, need_top_grad=True):
        self.info_ = None
        self.need_top_grad_ = need_top_grad
        warnings.warn("PythonOp has been deprecated. Please use CustomOp")

    def __call__(self, *args, **kwargs):
        return self.get_symbol(*args, **kwargs)

    def get_symbol(self, *args, **kwargs):
        """A symbol applying this operator to `args` (symbols; `name=` names it)."""
        raise NotImplementedError("Must override this")

    def forward(self, in_data, out_data):
        """Writes `out_data` (lists of arrays) from `in_data`; by default a copy."""
        out_data[0][:] = in_data[0]

    def backward(self, out_grad, in_data, out_data, in_grad):
        """Writes `in_grad`; by default ones (as MXNet's)."""
        in_grad[0][:] = 1.0

    def infer_shape(self, in_shape):
        """(input shapes, output shapes); by default one output shaped as the first input."""
        return in_shape, [in_shape[0]]

    def list_outputs(self):
        """Names of the outputs (default ['output'])."""
        return ["output"]

    def list_arguments(self):
        """Names of the inputs (default ['data'])."""
        return ["data"]

    def need_top_grad(self):
        """Whether `backward` reads the outputs' gradients."""
        return self.need_top_grad_

    def _register_custom(self, prefix, runner_class):
        """This instance's Custom op_type (`prefix_N`, numbered per prefix), registered on
        first use with a prop running it through `runner_class`."""
        if self.info_ is None:          # one Custom registration per instance
            PythonOp._registered[prefix] += 1
            self.info_ = "%s_%d" % (prefix, PythonOp._registered[prefix])
            register(self.info_)(_python_op_prop(self, runner_class))
            PythonOp._ref_holder.append(self)
        return self.info_


class NumpyOp(PythonOp):
    """An operator written with NumPy arrays (MXNet 1.x's deprecated NumpyOp): `forward(in_data,
    out_data)` and `backward(out_grad, in_data, out_data, in_grad)` read and write lists of
    NumPy arrays in place. `get_symbol(*args, **kwargs)` gives the symbol; it runs as a Custom
    operator (see CustomOp, the interface to prefer).

    Parameters
    ----------
    need_top_grad : bool, default True
        Whether `backward` reads the outputs' gradients (False for loss layers, whose
        `out_grad` is then empty).

    Examples
    --------
    >>> class Double(mx.operator.NumpyOp):
    ...     def forward(self, in_data, out_data):
    ...         out_data[0][:] = 2 * in_data[0]
    ...     def backward(self, out_grad, in_data, out_data, in_grad):
    ...         in_grad[0][:] = 2 * out_grad[0]
    >>> y = Double()(mx.sym.var('x'), name='double')       # doctest: +SKIP
    >>> exe = y.bind(mx.cpu(), {'x': mx.nd.ones(2)})        # doctest: +SKIP
    >>> exe.forward()[0].asnumpy()                         # doctest: +SKIP
    array([2., 2.], dtype=float32)
    """

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)
        warnings.warn("NumpyOp has been deprecated. Please use CustomOp")

    def get_symbol(self, *args, **kwargs):
        """A symbol applying this operator to the input symbols `args` (or `kwargs` named as
        `list_arguments`); `name=` names the node.

        Returns
        -------
        Symbol
        """
        from . import symbol
        op_type = self._register_custom("_numpy_op", _NumpyOpRunner)
        return symbol.Custom(*args, op_type=op_type, **kwargs)


def _python_op_prop(python_op, runner_class):
    """A CustomOpProp class running `python_op` (a NumpyOp or NDArrayOp instance) through a
    `runner_class(python_op, need_top_grad)` CustomOp."""
    class PythonOpProp(CustomOpProp):
        def __init__(self):
            super().__init__(need_top_grad=python_op.need_top_grad())

        def list_arguments(self):
            return list(python_op.list_arguments())

        def list_outputs(self):
            return list(python_op.list_outputs())

        def infer_shape(self, in_shape):
            in_shapes, out_shapes = python_op.infer_shape([list(s) for s in in_shape])
            return in_shapes, out_shapes, []

        def declare_backward_dependency(self, out_grad, in_data, out_data):
            declare = getattr(python_op, "declare_backward_dependency", None)
            if declare is None:
                return super().declare_backward_dependency(out_grad, in_data, out_data)
            return declare(out_grad, in_data, out_data)

        def create_operator(self, ctx, in_shapes, in_dtypes):
            return runner_class(python_op, self.need_top_grad_)

    return PythonOpProp


class _PythonOpRunner(CustomOp):
    """The CustomOp running a NumpyOp's or NDArrayOp's `python_op` forward / backward."""

    def __init__(self, python_op, need_top_grad):
        super().__init__()
        self.python_op = python_op
        self.need_top_grad = need_top_grad


class _NumpyOpRunner(_PythonOpRunner):
    """Calls a NumpyOp's forward / backward on NumPy arrays and writes back what they wrote."""

    def forward(self, is_train, req, in_data, out_data, aux):
        outs = [np.zeros(o.shape, dtype=o.dtype) for o in out_data]
        self.python_op.forward(in_data=[a.asnumpy() for a in in_data], out_data=outs)
        for dst, r, src in zip(out_data, req, outs):
            self.assign(dst, r, src)

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        grads = [np.zeros(g.shape, dtype=g.dtype) for g in in_grad]
        self.python_op.backward(
            out_grad=[g.asnumpy() for g in out_grad] if self.need_top_grad else [],
            in_data=[a.asnumpy() for a in in_data], out_data=[o.asnumpy() for o in out_data],
            in_grad=grads)
        for dst, r, src in zip(in_grad, req, grads):
            self.assign(dst, r, src)


class NDArrayOp(PythonOp):
    """An operator written with NDArrays (MXNet 1.x's deprecated NDArrayOp): `forward(in_data,
    out_data)` and `backward(out_grad, in_data, out_data, in_grad)` read the input NDArrays and
    write the output NDArrays in place (`out_data[0][:] = ...`). Calling the instance (or
    `get_symbol`) gives the symbol, which runs as a Custom operator (see CustomOp, the
    interface to prefer), in executors, Modules and FeedForward models alike.

    Parameters
    ----------
    need_top_grad : bool, default True
        Whether `backward` reads the outputs' gradients (False for loss layers, whose
        `out_grad` is then empty).

    Examples
    --------
    >>> class Sq(mx.operator.NDArrayOp):
    ...     def forward(self, in_data, out_data):
    ...         out_data[0][:] = in_data[0] * in_data[0]
    ...     def backward(self, out_grad, in_data, out_data, in_grad):
    ...         in_grad[0][:] = 2 * in_data[0] * out_grad[0]
    >>> y = Sq()(data=mx.sym.var('data'), name='sq')
    >>> y.bind(mx.cpu(), {'data': mx.nd.array([1, 2, 3])}).forward()[0].asnumpy()
    array([1., 4., 9.], dtype=float32)
    """

    def __init__(self, need_top_grad=True):
        super().__init__(need_top_grad)
        warnings.warn("NDArrayOp has been deprecated. Please use CustomOp")

    def get_symbol(self, *args, **kwargs):
        """A symbol applying this operator to the input symbols `args` (or `kwargs` named as
        `list_arguments`); `name=` names the node, by default `_ndarray0`, `_ndarray1`, ...
        as in MXNet.

        Returns
        -------
        Symbol
        """
        from . import name as _name, symbol
        op_type = self._register_custom("_ndarray_op", _NDArrayOpRunner)
        node_name = _name.current().get(kwargs.pop("name", None), "_ndarray")
        with _name.NameManager():       # a plain manager keeps node_name (prefix included)
            return symbol.Custom(*args, op_type=op_type, name=node_name, **kwargs)

    def declare_backward_dependency(self, out_grad, in_data, out_data):
        """The blobs `backward` reads: `out_grad` (when `need_top_grad()`), `in_data` and
        `out_data`.

        Parameters
        ----------
        out_grad, in_data, out_data : list of int
            The ids of the outputs' gradients, the inputs and the outputs.

        Returns
        -------
        list of int
            The ids `backward` needs.
        """
        deps = list(out_grad) if self.need_top_grad() else []
        return deps + list(in_data) + list(out_data)


class _NDArrayOpRunner(_PythonOpRunner):
    """Calls an NDArrayOp's forward / backward with the Custom operator's own NDArrays: the
    outputs (and input gradients) it writes are the operator's results."""

    def forward(self, is_train, req, in_data, out_data, aux):
        self.python_op.forward(in_data=list(in_data), out_data=list(out_data))

    def backward(self, req, out_grad, in_data, out_data, in_grad, aux):
        self.python_op.backward(out_grad=list(out_grad) if self.need_top_grad else [],
                                 in_data=list(in_data), out_data=list(out_data),
                                 in_grad=list(in_grad))


# --- the runtime the Custom operator calls ---------------------------------------------------------
def _context_of(inputs, xp):
    """The context the Custom node runs on: its inputs' (an input-less op: xp's device)."""
    if xp is np:
        return cpu()
    if inputs:
        return gpu(int(inputs[0].device.id))
    return context_of_module(xp)


def _shape_or_none(shape):
    if shape is None:
        return None
    shape = tuple(int(d) for d in shape)
    return shape if shape else None   # () is unknown in MXNet 1.x


class _Runtime:
    """Runs props and operators for the `Custom` records."""

    # --- inference -------------------------------------------------------------------------
    def infer_shape(self, state, in_shapes):
        n_args, n_out, n_aux = len(state.arguments), len(state.outputs), len(state.auxiliary)
        args = list(in_shapes[:n_args])
        complete = all(s is not None and 0 not in s for s in args)
        query = [list(s) if s is not None else [] for s in args]
        try:
            ret = state.prop.infer_shape(query)
        except Exception as exc:
            if complete:
                raise MXNetError("Custom operator %r: infer_shape failed for input shapes %s: %s: %s"
                                 % (state.op_type, [tuple(s) for s in args], type(exc).__name__, exc)) from None
            return in_shapes, [None] * n_out   # not enough known yet
        ins, outs, auxs = self._split(state, ret, "infer_shape", "shapes")
        ins = [_shape_or_none(s) for s in ins]
        for name, given, returned in zip(state.arguments, args, ins):
            if (given is not None and returned is not None and 0 not in given
                    and tuple(given) != tuple(returned)):
                raise ShapeError("Custom operator %r: infer_shape returned shape %s for input %r, "
                                 "which has shape %s" % (state.op_type, returned, name, tuple(given)))
        outs = [_shape_or_none(s) for s in outs]
        auxs = [_shape_or_none(s) for s in auxs] if auxs is not None else list(in_shapes[n_args:])
        if len(auxs) != n_aux:
            auxs = list(in_shapes[n_args:])
        return ins + auxs, outs

    def infer_type(self, state, in_types):
        n_args, n_out, n_aux = len(state.arguments), len(state.outputs), len(state.auxiliary)
        args = list(in_types[:n_args])
        first = next((t for t in args if t is not None), None)
        if first is None and n_args:
            return in_types, [None] * n_out
        query = [np.dtype(t if t is not None else first).type for t in args]
        try:
            ret = state.prop.infer_type(query)
        except Exception as exc:
            raise MXNetError("Custom operator %r: infer_type failed for input types %s: %s: %s"
                             % (state.op_type, [np.dtype(t).name for t in query],
                                type(exc).__name__, exc)) from None
        ins, outs, auxs = self._split(state, ret, "infer_type", "types")
        ins = [np.dtype(t) if t is not None else None for t in ins]
        outs = [np.dtype(t) if t is not None else None for t in outs]
        if auxs is None or len(auxs) != n_aux:
            auxs = [first if first is not None else np.dtype(np.float32)] * n_aux
        auxs = [np.dtype(t) for t in auxs]
        return ins + auxs, outs

    @staticmethod
    def _split(state, ret, what, kind):
        if not isinstance(ret, (tuple, list)) or len(ret) not in (2, 3):
            raise MXNetError("Custom operator %r: %s must return (in_%s, out_%s[, aux_%s]), "
                             "found %r" % (state.op_type, what, kind, kind, kind, ret))
        ins, outs = list(ret[0]), list(ret[1])
        auxs = list(ret[2]) if len(ret) == 3 else None
        if len(ins) != len(state.arguments):
            raise MXNetError("Custom operator %r: %s returned %d input %s for the %d arguments %s"
                             % (state.op_type, what, len(ins), kind, len(state.arguments), state.arguments))
        if len(outs) != len(state.outputs):
            raise MXNetError("Custom operator %r: %s returned %d output %s for the %d outputs %s"
                             % (state.op_type, what, len(outs), kind, len(state.outputs), state.outputs))
        if auxs is not None and auxs and len(auxs) != len(state.auxiliary):
            raise MXNetError("Custom operator %r: %s returned %d auxiliary %s for the %d states %s"
                             % (state.op_type, what, len(auxs), kind, len(state.auxiliary),
                                state.auxiliary))
        return ins, outs, auxs

    # --- running -------------------------------------------------------------------------------
    def _operator(self, state, ctx, shapes, dtypes):
        key = (ctx, tuple(shapes), tuple(dtypes))
        entry = state.operators.get(key)
        if entry is None:
            out_shapes = self._output_shapes(state, shapes)
            out_types = self.infer_type(state, [np.dtype(t) for t in dtypes]
                                        + [None] * len(state.auxiliary))[1]
            default = np.dtype(dtypes[0]) if dtypes else np.dtype(np.float32)
            out_types = [t if t is not None else default for t in out_types]
            flags = [DTYPE_TO_FLAG.get(np.dtype(t), 0) for t in dtypes]
            op = state.prop.create_operator(ctx, [list(s) for s in shapes], flags)
            if not isinstance(op, CustomOp):
                raise MXNetError("Custom operator %r: create_operator must return a CustomOp, "
                                 "found %s" % (state.op_type, type(op).__name__))
            op._mxnb_op_type = state.op_type
            entry = state.operators[key] = (op, out_shapes, out_types)
        return entry

    def _output_shapes(self, state, shapes):
        ret = self.infer_shape(state, list(shapes) + [None] * len(state.auxiliary))[1]
        missing = [n for n, s in zip(state.outputs, ret) if s is None or 0 in s]
        if missing:
            raise ShapeError("Custom operator %r: infer_shape did not give the shapes of outputs "
                             "%s for input shapes %s" % (state.op_type, missing, list(shapes)))
        return ret

    def forward(self, xp, inputs, state, is_train):
        from .ndarray.ndarray import _wrap
        from .ndarray import zeros
        from . import autograd
        n_args = len(state.arguments)
        ctx = _context_of(inputs, xp)
        args, aux = inputs[:n_args], inputs[n_args:]
        shapes = [tuple(a.shape) for a in args]
        dtypes = [a.dtype for a in args]
        op, out_shapes, out_types = self._operator(state, ctx, shapes, dtypes)
        in_data = [_wrap(a, ctx) for a in args]
        out_data = [zeros(s, ctx=ctx, dtype=t) for s, t in zip(out_shapes, out_types)]
        aux_data = [_wrap(a, ctx) for a in aux]
        with autograd.pause(train_mode=is_train):
            self._call(state, "forward", shapes, op.forward, is_train=bool(is_train),
                       req=["write"] * len(out_data), in_data=in_data, out_data=out_data,
                       aux=aux_data)
        return [o._data for o in out_data]

    def backward(self, xp, inputs, state):
        from .ndarray.ndarray import _wrap
        from .ndarray import zeros
        from . import autograd
        n_out, n_args = len(state.outputs), len(state.arguments)
        ctx = _context_of(inputs, xp)
        out_grad = [_wrap(a, ctx) for a in inputs[:n_out]]
        args = inputs[n_out:n_out + n_args]
        outs = inputs[n_out + n_args:n_out + n_args + n_out]
        aux = inputs[n_out + n_args + n_out:]
        shapes = [tuple(a.shape) for a in args]
        op = self._operator(state, ctx, shapes, [a.dtype for a in args])[0]
        in_grad = [zeros(a.shape, ctx=ctx, dtype=a.dtype) for a in args]
        with autograd.pause():
            self._call(state, "backward", shapes, op.backward, req=["write"] * n_args,
                       out_grad=out_grad, in_data=[_wrap(a, ctx) for a in args],
                       out_data=[_wrap(a, ctx) for a in outs], in_grad=in_grad,
                       aux=[_wrap(a, ctx) for a in aux])
        return [g._data for g in in_grad]

    @staticmethod
    def _call(state, what, shapes, method, **kwargs):
        try:
            scope = _user_code_scope
            if scope is None:
                method(**kwargs)
            else:
                with scope(state.op_type, what):
                    method(**kwargs)
        except MXNetError as exc:
            if repr(state.op_type) in str(exc):
                raise
            raise type(exc)("Custom operator %r failed in %s on inputs of shapes %s: %s"
                            % (state.op_type, what, shapes, exc)) from None
        except Exception as exc:
            raise MXNetError("Custom operator %r failed in %s on inputs of shapes %s: %s: %s"
                             % (state.op_type, what, shapes, type(exc).__name__, exc)) from None


_user_code_scope = None


def set_user_code_scope(scope):
    """Runs every custom operator's own `forward` / `backward` inside `scope(op_type, what)`
    (`what`: 'forward' or 'backward'), a context manager, until it is set again; None for
    none. The profiler names the operators that code runs after the custom operator with it.

    Parameters
    ----------
    scope : callable or None
        Called with the operator's registered name and 'forward' or 'backward'; returns a
        context manager entered around the user's method.

    Returns
    -------
    callable or None
        The scope it replaces.

    Examples
    --------
    >>> import contextlib
    >>> seen = []
    >>> previous = mx.operator.set_user_code_scope(
    ...     lambda op_type, what: contextlib.nullcontext(seen.append((op_type, what))))
    >>> _ = mx.operator.set_user_code_scope(previous)
    """
    global _user_code_scope
    previous, _user_code_scope = _user_code_scope, scope
    return previous


_custom.install_runtime(_Runtime())
