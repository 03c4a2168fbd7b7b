"""Optimizer updates written straight into the weights.

`nd.sgd_mom_update(w, g, mom, out=w, ...)` computes a fresh weight-sized result and then copies
it into `w`; an optimizer step does that for every parameter. `update(name, inputs, outs,
kwargs)` runs the operator's in-place kernel instead (mxnb/ops/optimizer_update's IN_PLACE,
bit-identical to its `compute`): the new weights are written into `outs` (the weights
themselves), the states are updated in place, and nothing weight-sized is allocated beyond
cached scratch buffers.

A row_sparse weight updated into itself (a lazy update, outs == [weight]) goes to the
operator's sparse kernel with the weight's own payload as out=, so the kernel updates the
gradient's rows of the stored data in place: the `nd` call, which cannot pass a sparse out=,
would copy the whole weight first and write it back after (a 71569 x 128 embedding: ~7 ms of
a step that touches 128 rows).

It falls back to the `nd.<name>(..., out=outs)` call, which says what is wrong with a bad call,
whenever the fast path does not plainly apply: other sparse arrays, arrays on several contexts or
of several shapes within a group, autograd recording, an operator without an in-place kernel.
"""
from time import perf_counter

import numpy as np

from .. import backend, instrument
from .. import ndarray as nd
from ..graph.interpreter import op_error, compute_storage
from ..graph.recording import STATE
from ..ndarray.ndarray import bump_version
from ..ndarray.sparse import assign, wrap_payload
from ..ops import registry
from ..ops.optimizer_update._common import IN_PLACE
from ..ops.quiet import silence, restore, SILENT
from ..ops.sparse import dispatch
from ..ops.sparse.storage import stype_of

__all__ = ["update"]

_ATTRS = {}          # (operator name, keyword arguments) -> parsed attributes
_ATTRS_LIMIT = 1024  # a schedule changing lr every step must not grow it without bound


def _attrs(name, kwargs):
    key = (name, tuple(kwargs.items()))
    try:
        return _ATTRS[key]
    except KeyError:
        pass
    except TypeError:                      # unhashable values: parse them every time
        return registry.get(name).parse_attrs(kwargs)
    attrs = registry.get(name).parse_attrs(kwargs)
    if len(_ATTRS) >= _ATTRS_LIMIT:
        _ATTRS.clear()
    _ATTRS[key] = attrs
    return attrs


def _plain_buffers(inputs, outs, group):
    """The inputs' buffers when the arrays are dense, on one context, and shaped as their
    group's weight; else None."""
    ctx = inputs[0]._ctx
    for x in inputs:
        if x._sparse or (x._ctx is not ctx and x._ctx != ctx):
            return None
    datas = [x._data for x in inputs]
    for k, out in enumerate(outs):
        start = k * group
        shape = datas[start].shape
        if out._sparse or out._data.shape != shape or (out._ctx is not ctx and out._ctx != ctx):
            return None
        for data in datas[start + 1:start + group]:
            if data.shape != shape:
                return None
    return datas


def _sparse_weight_in_place(name, inputs, outs, kwargs):
    """Runs `name`'s sparse kernel on a row_sparse weight updated into itself, writing into the
    weight's stored rows; False (nothing done) when that does not plainly apply: another
    storage-type combination, several weights, recording, an operator without such a kernel."""
    weight = inputs[0]
    if len(outs) != 1 or outs[0] is not weight or not weight._sparse or STATE.recording:
        return False
    op = registry.find(name)
    if op is None or op.infer_storage is None or not op.compute_sparse_takes_out:
        return False
    ctx = weight._ctx
    if any(x._ctx is not ctx and x._ctx != ctx for x in inputs):
        return False
    attrs = _attrs(name, kwargs)
    datas = [x._data for x in inputs]
    stypes = [stype_of(d) for d in datas]
    if dispatch.infer_storage(op, attrs, stypes)[1] != "sparse":
        return False
    payload = datas[0]
    watched = instrument.hooked
    if watched:
        started = perf_counter()
    with backend.device_scope(ctx):     # as the dense path: CuPy on the weight's device
        result = compute_storage(op, datas, attrs, ctx, out=payload)
    if watched:
        instrument.notify_op(name, perf_counter() - started)
    if getattr(result, "data", None) is payload.data:
        bump_version(weight)
    else:                           # not written in place after all: store the result
        assign(weight, wrap_payload(result, ctx), "operator " + name)
    return True


def update(name, inputs, outs, kwargs, group):
    """Runs update operator `name` on NDArrays `inputs` (grouped per weight, `group` arrays
    each: weight, grad, states...), writing the new weights into the NDArrays `outs`.

    Parameters
    ----------
    name : str
        A registered update operator ('sgd_mom_update', 'multi_sgd_mom_update', ...).
    inputs : list of NDArray
        The operator's inputs, in its order.
    outs : list of NDArray
        Where the new weights go (usually the weights themselves).
    kwargs : dict
        The operator's attributes (lr=..., momentum=...).
    group : int
        Arrays per weight in `inputs` (3 for weight, grad, mom).

    Returns
    -------
    list of NDArray
        `outs`.

    Examples
    --------
    >>> w, g, m = mx.nd.ones((2,)), mx.nd.ones((2,)), mx.nd.zeros((2,))
    >>> _ = update("sgd_mom_update", [w, g, m], [w], {"lr": 0.1, "momentum": 0.9}, 3)
    >>> w.asnumpy()
    array([0.9, 0.9], dtype=float32)
    """
    kernel = IN_PLACE.get(name)
    datas = None
    if kernel is not None and not STATE.recording:
        datas = _plain_buffers(inputs, outs, group)
    if datas is None:
        if not _sparse_weight_in_place(name, inputs, outs, kwargs):
            getattr(nd, name)(*inputs, out=outs if len(outs) > 1 else outs[0], **kwargs)
        return outs
    attrs = _attrs(name, kwargs)
    ctx = inputs[0]._ctx
    watched = instrument.hooked
    if watched:
        started = perf_counter()
    quiet = silence(SILENT)
    try:
        if ctx.device_type == "gpu":
            with backend.device_scope(ctx):
                kernel(backend.xp_of(ctx), datas, attrs, [o._data for o in outs])
        else:
            kernel(np, datas, attrs, [o._data for o in outs])
    except Exception as exc:    # worded as every operator's failure (graph/interpreter.py)
        raise op_error(registry.get(name), datas, attrs, exc) from None
    finally:
        restore(quiet)
    if watched:
        instrument.notify_op(name, perf_counter() - started)
    for out in outs:
        bump_version(out)
    return outs
