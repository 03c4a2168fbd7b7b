"""Eager dispatch under a threaded engine: an operator call is pushed, not run.

`invoke` (entered from `ndarray.invoke` while a threaded engine is installed) infers the
outputs' shapes and dtypes from the registry, returns NDArrays holding a `Pending` placeholder
at once, and pushes the compute, which reads the inputs' variables and writes the outputs'. Calls
it cannot push return `SYNC`, and `ndarray.invoke` runs them as the naive engine would (reading
`_data` waits for their inputs): sparse arrays, mixed contexts (for the error), and operators
whose outputs cannot be known before running (data-dependent shapes, or an inference seen to
disagree with the result), and every call while an observer of operators (the profiler, a
monitor) is on, so that it sees each operator in the calling thread, in its scope.

Which variables a call writes: its outputs; its random generator's when it draws; and its inputs
unless the operator is elementwise, since optimizer updates, BatchNorm's running statistics,
`reset_arrays` and friends write inputs in place. An error is stored on the outputs only.

Results equal the naive engine's: work on a variable runs in push order, random draws run in push
order, and an operator output that is a view of an input (Reshape returns one) is copied, so no
two variables share memory.
"""
import numpy as np

from .. import backend, engine, instrument
from ..context import current_context
from ..engine import var_of, rng_var, Var
from ..graph.interpreter import compute, op_error
from ..graph.recording import STATE
from ..graph.tape import version_of
from . import ndarray as _nd

__all__ = ["SYNC", "Pending", "invoke", "copy_into", "copy_to_context",
           "disagreements"]

SYNC = object()     # what `invoke` returns for a call the caller should run synchronously

#: operator name -> (inferred, found) for operators whose result disagreed with inference;
#: they run synchronously from then on.
disagreements = {}
# Operators running user code or sub-graphs that read NDArrays themselves (they would wait on
# work queued behind them): they run synchronously.
_SYNC_MODULES = ("mxnb.ops.custom", "mxnb.ops.control_flow")
_sync_ops = {}      # operator name -> whether it runs synchronously


# Operators whose outputs may be views of their first input (as MXNet's reshape and basic
# slicing are): the outputs share that input's variable, and its version counter. Others found
# returning a view join them (and that first result is copied).
_VIEW_OPS = {"BlockGrad", "Crop", "Flatten", "LinearRegressionOutput", "MAERegressionOutput",
             "LogisticRegressionOutput", "MakeLoss", "Reshape", "SliceChannel", "SwapAxis",
             "_backward_Cast", "_split_v2", "expand_dims", "flip", "make_loss", "reshape_like",
             "slice", "slice_axis", "slice_like", "squeeze", "transpose", "_copy", "identity",
             "stop_gradient", "Cast", "amp_cast", "_contrib_identity", "_backward_Concat",
             "_broadcast_reduced", "_reduce_like"}


def _runs_synchronously(op):
    sync = _sync_ops.get(op.name)
    if sync is None:
        sync = _sync_ops[op.name] = (op.sparse_from_dense or
                                     getattr(op.compute, "__module__", "") in _SYNC_MODULES)
    return sync


class Pending:
    """The buffer of an array whose values are still being computed: its shape and dtype."""
    __slots__ = ("shape", "dtype")
    base = None

    def __init__(self, shape, dtype):
        self.shape = shape
        self.dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)

    @property
    def size(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def nbytes(self):
        return self.size * self.dtype.itemsize

    def __repr__(self):
        return "Pending(%s, %s)" % (self.shape, self.dtype)




def _pending_array(shape, dtype, ctx):
    arr = _nd._wrap(Pending(tuple(shape), dtype), ctx)
    arr._var = Var()
    return arr


def _unaliased(result, datas, name):
    """`result`, copied when it is (a view of) one of the inputs' buffers."""
    base = getattr(result, "base", None)
    for d in datas:
        if result is d or (base is not None and (base is d or base is getattr(d, "base", None))):
            _VIEW_OPS.add(name)
            return result.copy()
    return result


def _known_outputs(op, inputs, attrs):
    """[(shape, dtype)] of the outputs, or None when inference cannot tell before running."""
    try:
        _, shapes = op.infer_shape(attrs, [x._raw.shape for x in inputs])
        _, types = op.infer_type(attrs, [x._raw.dtype for x in inputs])
    except Exception:
        return None
    if not shapes or len(shapes) != len(types):
        return None
    known = []
    for shape, dtype in zip(shapes, types):
        if shape is None or dtype is None or 0 in shape or min(shape, default=1) < 0:
            return None
        known.append((tuple(shape), np.dtype(dtype)))
    return known


def _error_of(op, inputs, attrs):
    """The naive engine's error for an exception of `op`'s compute (same wording)."""
    return lambda exc: op_error(op, [x._raw for x in inputs], attrs, exc)


def invoke(op, inputs, attrs, out):
    """Pushes `op` on `inputs`; returns what `ndarray.invoke` returns, or SYNC."""
    if _runs_synchronously(op) or op.name in disagreements or instrument.hooked:
        return SYNC     # observers (profiler, monitors) see each operator in the calling thread
    if inputs:
        ctx = inputs[0]._ctx
        for x in inputs:
            if x._sparse or (x._ctx is not ctx and x._ctx != ctx
                             and not _nd._both_host(x._ctx, ctx)):
                return SYNC
    else:
        ctx = attrs.get("ctx") or current_context()
    known = _known_outputs(op, inputs, attrs)
    if known is None:
        return SYNC
    outputs = [_pending_array(shape, dtype, ctx) for shape, dtype in known]
    in_vars = [var_of(x) for x in inputs]
    views = op.name in _VIEW_OPS and inputs
    if views:
        counter = version_of(inputs[0])
        for o in outputs:
            o._var = in_vars[0]
            o._version = counter
    out_vars = [o._var for o in outputs]
    writes = list(out_vars)
    if not op.elementwise:
        writes.extend(in_vars)
    if op.needs_extras:
        writes.append(rng_var(ctx))
    xp = backend.xp_of(ctx)
    is_train = STATE.training
    produced = tuple(outputs)   # the tape keeps (and in-place writes rebind) the list itself

    def run():
        datas = [x._raw for x in inputs]
        rng = backend.rng_in_order(ctx) if op.needs_extras else None
        result = compute(op, datas, attrs, ctx, xp, is_train, rng)
        results = [result] if op.single_output else result
        for o, r in zip(produced, results):
            if not views:
                r = _unaliased(r, datas, op.name)
            if tuple(r.shape) != o._raw.shape or r.dtype != o._raw.dtype:
                disagreements[op.name] = ((o._raw.shape, o._raw.dtype), (tuple(r.shape), r.dtype))
            o._raw = r

    engine.get().push(run, in_vars, writes, ctx, op.name, _error_of(op, inputs, attrs), out_vars)
    if STATE.recording:
        _nd._record(op, attrs, inputs, outputs)
    if out is not None:
        return _nd._write_out(op, outputs, out)
    if op.single_output:
        return outputs[0]
    visible = op.num_visible_outputs(attrs)
    return outputs[0] if visible == 1 else outputs[:visible]


def copy_into(target, value):
    """Pushes target's buffer <- value's values (across devices too)."""
    ctx = target._ctx

    def run():
        target._raw[...] = backend.to_context(value._raw, ctx)

    engine.get().push(run, [var_of(value)], [var_of(target)], ctx, "copyto")


def copy_to_context(source, ctx):
    """A new array on `ctx` with `source`'s values, filled by pushed work."""
    out = _pending_array(source.shape, source._raw.dtype, ctx)

    def run():
        data = backend.to_context(source._raw, ctx)
        out._raw = data.copy() if data is source._raw else data

    engine.get().push(run, [var_of(source)], [out._var], ctx, "copyto")
    return out
