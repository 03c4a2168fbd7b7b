"""The one interpreter: how one operator step runs, for eager calls and for compiled programs.

An eager call (`ndarray.invoke`) and a program step (`Program.run`, the executor and CachedOp)
both come here for

- `compute(op, datas, attrs, ctx, xp, is_train)`: run a registered operator on raw NumPy/CuPy
  arrays with parsed attributes on a context; the array module, the random generator, the
  silenced floating-point warnings and the error wording are decided here, once. It is the one
  callable that does an operator's work: anything that schedules work elsewhere (a threaded
  engine) pushes calls of it.
- `compute_storage(...)`: the same for calls that involve sparse storage (storage-type dispatch).
- `op_error(...)`: the one wording of a failed operator, with the node's name where it has one.
- `notify(phase, node, inputs, outputs, seconds, hooks)`: the node hooks after a step: the
  global ones of `mxnb.instrument` (operator observers are among them) and a program's own.
- `run_steps(...)`: a program's steps over value slots, each run as above.

Timing and hooks cost one flag test (`instrument.hooked`) per step while nothing watches.
"""
from time import perf_counter

import numpy as np

from .. import backend, instrument
from ..base import MXNetError, ShapeError
from ..ops.quiet import silence, restore, SILENT
from .node import Node
from .recording import STATE

__all__ = ["compute", "compute_storage", "op_error", "notify", "eager_node", "run_steps"]


def compute(op, datas, attrs, ctx, xp=None, is_train=None, rng=None):
    """Computes registered operator `op` on raw arrays `datas` with parsed `attrs` on `ctx`.

    Parameters
    ----------
    op : Operator
        The registry record.
    datas : list of numpy.ndarray or cupy.ndarray
        The input values, already on `ctx`'s device.
    attrs : dict
        Parsed attributes (`op.parse_attrs`).
    ctx : Context
        Where the operator runs.
    xp : module, optional
        NumPy or CuPy (default: `ctx`'s).
    is_train : bool, optional
        Training mode for operators that take it (default: autograd's switch now).
    rng : optional
        The random generator for samplers (default: `ctx`'s).

    Returns
    -------
    An array, or a list of arrays for operators with several outputs.

    Raises
    ------
    MXNetError
        `op_error`'s wording: the operator, its inputs' shapes and dtypes, what went wrong.
    """
    if xp is None:
        xp = backend.xp_of(ctx)
    quiet = silence(SILENT)         # no NumPy RuntimeWarnings from operators, as MXNet
    try:
        if xp is not np:
            return _compute_on_device(op, datas, attrs, ctx, xp, is_train, rng)
        if op.needs_extras:
            return op.compute(xp, datas, attrs,
                              is_train=STATE.training if is_train is None else is_train,
                              rng=backend.rng(ctx) if rng is None else rng)
        return op.compute(xp, datas, attrs)
    except Exception as exc:
        raise op_error(op, datas, attrs, exc) from None
    finally:
        restore(quiet)


def _compute_on_device(op, datas, attrs, ctx, xp, is_train, rng):
    # CuPy allocates outputs (and launches kernels) on the current device: make it the arrays'
    # own, so work for gpu(1) does not run on device 0
    with backend.device_scope(ctx):
        if op.needs_extras:
            return op.compute(xp, datas, attrs,
                              is_train=STATE.training if is_train is None else is_train,
                              rng=backend.rng(ctx) if rng is None else rng)
        return op.compute(xp, datas, attrs)


def compute_storage(op, datas, attrs, ctx, xp=None, is_train=None, out=None):
    """`compute` for inputs that may be sparse payloads (or an operator that may make sparse
    outputs from dense inputs): storage-type inference picks the operator's sparse kernel, its
    dense one or the dense fallback (ops/sparse/dispatch.py). `out`: the raw array of an out=
    target, for sparse kernels that write in place."""
    from ..ops.sparse import dispatch
    if xp is None:
        xp = backend.xp_of(ctx)
    extras = None
    if op.needs_extras:
        extras = {"is_train": STATE.training if is_train is None else is_train,
                  "rng": backend.rng(ctx)}
    quiet = silence(SILENT)
    try:
        return dispatch.compute(op, xp, datas, attrs, extras, ctx.device_type, out)
    except Exception as exc:
        raise op_error(op, datas, attrs, exc) from None
    finally:
        restore(quiet)


def _describe(data):
    if data is None:
        return "None"
    shape, dtype = getattr(data, "shape", None), getattr(data, "dtype", None)
    return "%s %s" % (None if shape is None else tuple(shape), dtype)


def op_error(op, datas, attrs, exc, node_name=None):
    """The error for `op` failing on raw inputs `datas`: the operator, the inputs' shapes and
    dtypes, and the reason (an attribute outside its domain, the operator's shape inference's
    complaint, or the exception itself). A program step's error is the eager call's, worded
    the same, after "node NAME: "."""
    error = _eager_error(op, datas, attrs, exc)
    if node_name is None:
        return error
    return type(error)("node %s: %s" % (node_name, error))


def _eager_error(op, datas, attrs, exc):
    if isinstance(exc, MXNetError):
        if op.name in str(exc):        # already names the operator
            return exc
        return type(exc)("operator %s: %s" % (op.name, exc))
    shapes = ", ".join(_describe(d) for d in datas)
    problem = op.domain_problem(attrs) if hasattr(op, "domain_problem") else None
    if problem:
        return MXNetError("operator %s, %s" % (op.name, problem))
    reason = str(exc)
    if getattr(op, "infer_shape", None) is not None and datas:
        try:
            op.infer_shape(attrs, [tuple(d.shape) for d in datas])
        except MXNetError as shape_exc:
            reason = str(shape_exc)
        except Exception:
            pass
    cls = ShapeError if isinstance(exc, (ValueError, IndexError)) else MXNetError
    return cls("operator %s failed on inputs [%s]: %s" % (op.name, shapes, reason))


def eager_node(op, attrs, name=None):
    """The node an unrecorded eager call shows its hooks (a recorded one shows its tape node):
    made only while hooks are installed."""
    return Node(op, name or op.hint, attrs)


def notify(phase, node, inputs, outputs, seconds, hooks=()):
    """After a step: the global node hooks and observers (`seconds`: how long it ran), then the
    program's own `hooks`, each as `hook(phase, node, inputs, outputs)` with raw arrays."""
    if instrument.hooked:
        instrument.call_node_hooks(phase, node, inputs, outputs, seconds)
    for hook in hooks:
        hook(phase, node, inputs, outputs)


def eager_phase():
    """'backward' while autograd's backward computes gradients eagerly, else 'forward'."""
    return STATE.phase


def run_steps(steps, values, ctx, is_train, hooks=(), phase="forward", storage=False, rng=None):
    """Runs program `steps` on `values` (raw arrays by slot); after each step the node hooks are
    called (`notify`). With `storage` (sparse values) each step goes through storage-type
    dispatch (`compute_storage`). `rng`: the generator samplers draw from (default `ctx`'s; a
    control-flow operator's subgraph gets the one its operator was given)."""
    xp = np if ctx.device_type != "gpu" else backend.xp_of(ctx)
    quiet = silence(SILENT)         # no NumPy RuntimeWarnings from operators, as MXNet
    scope = backend.device_scope(ctx)       # every step on the program's own device
    scope.__enter__()
    try:
        for step in steps:
            ins = [values[s] for s in step.ins]
            watched = instrument.hooked
            if watched:
                started = perf_counter()
            op = step.op
            try:
                if storage:
                    result = compute_storage(op, ins, step.attrs, ctx, xp, is_train)
                elif step.extras:
                    if rng is None:
                        rng = backend.rng(ctx)
                    result = op.compute(xp, ins, step.attrs, is_train=is_train, rng=rng)
                else:
                    result = op.compute(xp, ins, step.attrs)
            except Exception as exc:
                raise op_error(op, ins, step.attrs, exc, step.node.name) from None
            if step.single:
                values[step.outs[0]] = result
            else:
                for slot, value in zip(step.outs, result):
                    values[slot] = value
            if watched or hooks:
                outs = [values[s] for s in step.outs]
                notify(phase, step.node, ins, outs,
                       perf_counter() - started if watched else 0.0, hooks)
    finally:
        scope.__exit__(None, None, None)
        restore(quiet)
