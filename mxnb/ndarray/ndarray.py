"""NDArray: an array on a context, with an autograd slot; `invoke` runs one registered operator.

`invoke` is the eager hot path: no attribute parsing, no registry look-ups, no dictionaries built;
the caller hands it the Operator record and attributes that were parsed once.

Storage: an NDArray's buffer is the slot `_raw`; `_var` is its engine variable (made when first
needed, shared by views). Code outside the engine reads and writes the buffer as `_data`: under
the naive engine that is the `_raw` slot itself (no cost); under a threaded engine it is a
property that first waits for the work pushed on the array's variable (callers may mutate the
buffer, so it waits for reads too) and raises that work's error. Engine work uses `_raw`.
"""
from time import perf_counter

from weakref import ref as _weakref

import numpy as np

from .. import backend, engine, instrument
from ..base import DTYPE_FLAGS, MXNetError, ContextError, ShapeError, dtype_np
from ..context import Context, current_context, cpu
from ..graph import interpreter, tape
from ..graph.recording import STATE
from ..ops import registry as _registry

__all__ = ["NDArray", "invoke", "array", "bump_version"]

# MXNet's module-level tables, under its names (its tests and some user code import them).
_STORAGE_TYPE_UNDEFINED, _STORAGE_TYPE_DEFAULT, _STORAGE_TYPE_ROW_SPARSE, _STORAGE_TYPE_CSR = -1, 0, 1, 2
_STORAGE_TYPE_ID_TO_STR = {-1: "undefined", 0: "default", 1: "row_sparse", 2: "csr"}
_STORAGE_TYPE_STR_TO_ID = {name: i for i, name in _STORAGE_TYPE_ID_TO_STR.items()}
_GRAD_REQ_MAP = {"null": 0, "write": 1, "add": 3}
_DTYPE_MX_TO_NP = {-1: None, **DTYPE_FLAGS}
_DTYPE_NP_TO_MX = {dtype: i for i, dtype in _DTYPE_MX_TO_NP.items()}

_CPU = cpu()
# Importing ops.registry ran mxnb/ops/__init__, so every operator is registered by now.
_CAST = _registry.get("Cast")
_COUNTS_LOCK = instrument.counts_lock
_WRITES = tape.WRITES
_compute = interpreter.compute
_tape_record = tape.record


def _wrap(data, ctx):
    if instrument.tracking:
        return _counted(data, ctx)
    arr = NDArray.__new__(NDArray)
    arr._raw = data
    arr._var = None
    arr._ctx = ctx
    arr._entry = None
    arr._grad = None
    arr._version = None
    return arr


def from_handle(data, ctx):
    """An NDArray on `ctx` holding the raw NumPy/CuPy array `data` without copying it: the
    inverse of `NDArray.handle` (an mxnb addition, for tools that run graph programs).

    Parameters
    ----------
    data : numpy.ndarray or cupy.ndarray
        The array to hold; it must live on `ctx` (host memory for cpu, that GPU's for gpu).
    ctx : Context
        The context `data` lives on.

    Returns
    -------
    NDArray
        An array sharing `data`'s memory.

    Example
    -------
    >>> a = mx.nd.ones((2,))
    >>> b = from_handle(a.handle, a.context)
    >>> b.handle is a.handle
    True
    """
    return _wrap(data, ctx)


def _counted(data, ctx):
    """An NDArray counted by the array accounting until it is freed (a __del__ costs a quarter
    of a weakref.finalize, and nothing at all while accounting is off)."""
    arr = _CountedNDArray.__new__(_CountedNDArray)
    arr._raw = data
    arr._var = None
    arr._ctx = ctx
    arr._entry = None
    arr._grad = None
    arr._version = None
    entry, nbytes = instrument.stats_of(ctx), data.nbytes
    with _COUNTS_LOCK:                    # instrument.count, inlined: this runs for every array
        entry[0] += 1
        live = entry[1] + nbytes
        entry[1] = live
        if live > entry[2]:
            entry[2] = live
        owned = instrument.owned_entry(ctx, nbytes) if instrument.attributing else None
    arr._counted = (entry, nbytes, owned)
    return arr


def _autograd():
    """mxnb.autograd (imported after this module; looked up once)."""
    global _AUTOGRAD
    if _AUTOGRAD is None:
        from .. import autograd as module
        _AUTOGRAD = module
    return _AUTOGRAD


_AUTOGRAD = None


def bump_version(arr):
    """Marks an in-place write of `arr`: every path that changes an NDArray's values in place
    calls this, so backward can tell that a value a recorded operator kept has changed since
    (graph.tape.version_of)."""
    counter = arr._version
    if counter is None:
        arr._version = [1]
    else:
        counter[0] += 1
    _WRITES[0] += 1


_HOST_TYPES = ("cpu", "cpu_pinned", "cpu_shared")


def _both_host(a, b):
    """cpu(0), cpu(1) and pinned memory are all host memory: MXNet lets one operator combine
    them (the result lives on the first input's context)."""
    return a.device_type in _HOST_TYPES and b.device_type in _HOST_TYPES


def invoke(op, inputs, attrs, out=None):
    """Runs `op` on NDArrays `inputs` with parsed `attrs`; returns an NDArray or a list of them.

    The eager face of the interpreter (graph/interpreter.py): `interpreter.compute` does the
    work on the raw arrays; here the context is checked, outputs are wrapped, the call is
    recorded on the tape and, while anything watches (`instrument.hooked`), timed and shown to
    the node hooks.
    """
    if _threaded:           # a threaded engine: push the work (async_dispatch.py)
        result = _async.invoke(op, inputs, attrs, out)
        if result is not _async.SYNC:
            return result
    if inputs:
        ctx = inputs[0]._ctx
        datas = []
        for x in inputs:
            if x._ctx is not ctx and x._ctx != ctx and not _both_host(x._ctx, ctx):
                raise ContextError("operator %s got arrays on different contexts: %s; copy them to "
                                   "one context first (as_in_context)"
                                   % (op.name, ", ".join(str(i._ctx) for i in inputs)))
            if x._sparse:
                return _invoke_storage(op, inputs, attrs, out, ctx)
            datas.append(x._data)
        if op.sparse_from_dense:
            return _invoke_storage(op, inputs, attrs, out, ctx)
    else:
        ctx = attrs.get("ctx") or current_context()
        datas = []
    if instrument.hooked:
        return _invoke_watched(op, inputs, attrs, out, ctx, datas)
    result = _compute(op, datas, attrs, ctx, np if ctx is _CPU else None)
    if op.single_output:
        output = _wrap(result, ctx)
        if STATE.recording:
            _record(op, attrs, inputs, [output])
        if out is not None:
            return _write_out(op, [output], out)
        return output
    outputs = [_wrap(r, ctx) for r in result]
    if STATE.recording:
        _record(op, attrs, inputs, outputs)
    if out is not None:
        return _write_out(op, outputs, out)
    visible = op.num_visible_outputs(attrs)
    return outputs[0] if visible == 1 else outputs[:visible]


def _invoke_watched(op, inputs, attrs, out, ctx, datas):
    """`invoke` while node hooks or observers watch: the step timed and shown to them."""
    started = perf_counter()
    result = _compute(op, datas, attrs, ctx, np if ctx is _CPU else None)
    seconds = perf_counter() - started
    if instrument.attributing:      # the outputs are counted under this operator
        instrument.note_op(op.name)
    outputs = [_wrap(result, ctx)] if op.single_output else [_wrap(r, ctx) for r in result]
    node = _record(op, attrs, inputs, outputs) if STATE.recording else None
    _notify_eager(op, attrs, node, datas, outputs, seconds)
    if out is not None:
        return _write_out(op, outputs, out)
    if op.single_output:
        return outputs[0]
    visible = op.num_visible_outputs(attrs)
    return outputs[0] if visible == 1 else outputs[:visible]


def _notify_eager(op, attrs, node, datas, outputs, seconds):
    """The node hooks for one eager call: its tape node, or a node made for the call."""
    if node is None:
        node = interpreter.eager_node(op, attrs)
    interpreter.notify(STATE.phase, node, datas, [o._data for o in outputs], seconds)


def _invoke_storage(op, inputs, attrs, out, ctx):
    """`invoke` for calls that involve sparse storage: the operator's storage-type inference
    picks its sparse kernel, its dense one, or the dense fallback (ops/sparse/dispatch.py)."""
    from .sparse import wrap_payload
    out_raw = out._data if isinstance(out, NDArray) and not out._sparse else None
    datas = [x._data for x in inputs]
    watched = instrument.hooked
    if watched:
        started = perf_counter()
    result = interpreter.compute_storage(op, datas, attrs, ctx, np if ctx is _CPU else None,
                                         STATE.training, out_raw)
    if watched:
        seconds = perf_counter() - started
        if instrument.attributing:      # the outputs are counted under this operator
            instrument.note_op(op.name)
    results = [result] if op.single_output else result
    outputs = [wrap_payload(r, ctx) for r in results]
    node = _record(op, attrs, inputs, outputs) if STATE.recording else None
    if watched:
        _notify_eager(op, attrs, node, datas, outputs, seconds)
    if out is not None:
        from .sparse import assign
        targets = out if isinstance(out, (list, tuple)) else [out]
        for target, value in zip(targets, outputs):
            assign(target, value, op.name)
        return out
    if op.single_output:
        return outputs[0]
    visible = op.num_visible_outputs(attrs)
    return outputs[0] if visible == 1 else outputs[:visible]


def _write_out(op, outputs, out):
    targets = out if isinstance(out, (list, tuple)) else [out]
    for target, value in zip(targets, outputs):
        if target._sparse:      # a dense result cast into a csr / row_sparse out= (as MXNet)
            from .sparse import assign
            assign(target, value, "operator " + op.name)
            continue
        if tuple(target.shape) != tuple(value.shape):
            raise ShapeError("operator %s: out= has shape %s, the result has shape %s"
                             % (op.name, tuple(target.shape), tuple(value.shape)))
        copy_into(target, value)
        take_result_entry(target, value)
    return out


def copy_into(target, value):
    """Writes NDArray `value`'s values into `target`'s buffer (same shape), through the engine."""
    if _threaded:
        _async.copy_into(target, value)
    else:
        target._raw[...] = backend.to_context(value._raw, target._ctx)


def take_result_entry(target, value):
    """After `value` was written into `target` (out=, copyto): the write bumps the target's
    version, and the target stands for the value in a recorded graph. An unrecorded write (an
    optimizer's out=weight) keeps a variable marked with attach_grad marked."""
    bump_version(target)
    entry = value._entry
    if entry is not None and entry[0].out_values is not None:
        tape.rebind_output(entry[0], entry[1], target)
    elif entry is not None or target._entry is None or target._entry[0].op is not None:
        target._entry = entry


def _record(op, attrs, inputs, outputs):
    """Adds a tape node for this call when any input is part of a recorded graph (one no
    backward has freed, as MXNet counts it); returns it (or None)."""
    for x in inputs:
        entry = x._entry
        if entry is not None and (entry[0].out_values is not None or entry[0].op is None):
            break
    else:
        return None
    if op.needs_train:  # its gradient depends on the mode it ran in
        attrs = dict(attrs, _is_train=STATE.training)
    return _tape_record(op, op.hint, attrs, inputs, outputs)


class NDArray:
    """An n-dimensional array on a context (MXNet's `mx.nd.NDArray`).

    Parameters
    ----------
    data : array_like or NDArray
        The values: anything `numpy.asarray` accepts, or another NDArray (whose data is taken).
    ctx : Context, default None
        The device context the array lives on; the current context when None.
    dtype : str or numpy.dtype, default None
        Data type; that of `data` when None.

    Arrays are normally made with `mx.nd.array`, `mx.nd.zeros`, `mx.nd.ones` and the like rather
    than by calling the constructor.

    Examples
    --------
    >>> a = mx.nd.array([[1, 2], [3, 4]])
    >>> a.shape, a.dtype
    ((2, 2), <class 'numpy.float32'>)
    >>> (a * 2).asnumpy().tolist()
    [[2.0, 4.0], [6.0, 8.0]]
    """
    # _version: None, or the in-place write counter shared by views of the same memory
    # (graph.tape.version_of); backward compares it with the version each recorded operator saw.
    __slots__ = ("_raw", "_var", "_ctx", "_entry", "_grad", "_version", "__weakref__")
    __array_priority__ = 1000.0
    _sparse = False       # CSRNDArray and RowSparseNDArray hold sparse payloads (sparse.py)

    def __init__(self, data, ctx=None, dtype=None):
        ctx = ctx or current_context()
        if isinstance(data, NDArray):
            data = data._data
        host = np.asarray(data, dtype=dtype) if dtype is not None else np.asarray(data)
        self._raw = backend.to_context(host, ctx)
        self._var = None
        self._ctx = ctx
        self._entry = None
        self._grad = None
        self._version = None
        if instrument.tracking:
            instrument.track(self)

    # --- basic properties ---------------------------------------------------------------------
    @property
    def shape(self):           # known before pending work finishes: no wait
        return tuple(self._raw.shape)

    @property
    def dtype(self):
        return self._raw.dtype.type

    @property
    def size(self):
        return int(self._raw.size)

    @property
    def ndim(self):
        return self._raw.ndim

    @property
    def context(self):
        return self._ctx

    ctx = context

    @property
    def stype(self):
        return "default"

    @property
    def handle(self):
        return self._data

    @property
    def T(self):
        if self.ndim > 2:
            raise MXNetError("NDArray.T works on arrays of at most 2 dimensions, found %d" % self.ndim)
        return self.transpose()

    @property
    def grad(self):
        return self._grad

    @property
    def tape_entry(self):
        """Where autograd recorded this array (an mxnb addition, read-only).

        Returns
        -------
        tuple of (Node, int) or None
            The autograd tape node that produced this array and the output index, for an array
            computed under `autograd.record()` (or marked with `attach_grad()`, whose node is a
            variable); None for an array outside any recording.

        Example
        -------
        >>> x = mx.nd.ones((2,))
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * 2
        >>> node, index = y.tape_entry
        >>> node.op.name, index
        ('_mul_scalar', 0)
        """
        return self._entry

    @property
    def _fresh_grad(self):
        """Whether backward wrote this variable's gradient since the flag was last cleared
        (Trainer.step clears it, and refuses stale gradients, as in MXNet)."""
        entry = self._entry
        return entry is not None and entry[0].op is None and entry[0].fresh_grad

    @_fresh_grad.setter
    def _fresh_grad(self, value):
        entry = self._entry
        if entry is not None and entry[0].op is None:
            entry[0].fresh_grad = bool(value)

    # --- conversion -------------------------------------------------------------------------
    def asnumpy(self):
        """A NumPy copy of the values (waits for pending work)."""
        return np.array(backend.to_host(self._data), copy=True)

    def asscalar(self):
        if self.size != 1:
            raise ValueError("asscalar needs an array of size 1, found shape %s" % (self.shape,))
        return self.asnumpy().reshape(())[()]

    def item(self):
        return self.asscalar().item()

    def astype(self, dtype, copy=True):
        dt = dtype_np(dtype)
        if not copy and self._data.dtype == dt:
            return self
        return invoke(_CAST, [self], {"dtype": dt})

    def copy(self):
        return self.copyto(self._ctx)

    def copyto(self, other):
        """Copies into the NDArray `other`, or to a new array on the Context `other`."""
        if isinstance(other, NDArray):
            if other is self:
                return other
            if tuple(other.shape) != self.shape:
                raise ShapeError("copyto: target shape %s differs from source shape %s"
                                 % (other.shape, self.shape))
            if other._sparse:        # into a csr / row_sparse array: cast to its storage
                from .sparse import assign
                return assign(other, self, "copyto")
            copy_into(other, self)
            bump_version(other)
            return other
        if isinstance(other, Context):
            if _threaded:
                return _async.copy_to_context(self, other)
            with backend.device_scope(other):
                data = backend.to_context(self._data, other)
                if data is self._data:
                    data = data.copy()
            return _wrap(data, other)
        raise TypeError("copyto takes an NDArray or a Context, found %s" % type(other).__name__)

    def as_in_context(self, context):
        if context == self._ctx:
            return self
        return self.copyto(context)

    as_in_ctx = as_in_context

    def tostype(self, stype):
        """This array in storage type `stype` ('default', 'csr' or 'row_sparse')."""
        if stype == "default":
            return self
        return invoke(_registry.get("cast_storage"), [self], {"stype": stype})

    def wait_to_read(self):
        """Waits until the pending work writing this array has finished (raises its error)."""
        engine.get().wait_for(self)

    def wait_to_write(self):
        """Waits until all pending work reading or writing this array has finished."""
        engine.get().wait_for(self)

    def __array__(self, dtype=None, copy=None):
        out = backend.to_host(self._data)
        return out.astype(dtype) if dtype is not None else out

    # --- autograd -----------------------------------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Allocates a gradient buffer and marks this array as a variable to differentiate.

        `stype` ('row_sparse', 'csr'; default: this array's own) is the gradient's storage type.
        """
        from .. import autograd
        if stype is not None and stype != "default" or self._sparse:
            from .sparse import zeros as sparse_zeros
            grad = sparse_zeros(stype or self.stype, self.shape, ctx=self._ctx, dtype=self.dtype)
        else:
            grad = _wrap(backend.xp_of(self._ctx).zeros_like(self._data), self._ctx)
        autograd.mark_variables([self], [grad], grad_req)

    def detach(self):
        """This array's values (the same memory and storage type) cut off from the recorded
        graph: no gradient flows back through the result.

        Returns
        -------
        NDArray
            An NDArray (a CSRNDArray / RowSparseNDArray for sparse arrays) sharing this array's
            data.

        Examples
        --------
        >>> x = mx.nd.zeros((1, 1), stype='csr')
        >>> x.detach().stype
        'csr'
        """
        if self._sparse:
            from .sparse import wrap_payload
            out = wrap_payload(self._data, self._ctx)
        else:
            out = _wrap(self._data, self._ctx)
        out._version = tape.version_of(self)      # same memory: writes to either are seen
        out._var = engine.var_of(self)
        return out

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        _autograd().backward([self], None if out_grad is None else [out_grad], retain_graph,
                             train_mode)

    # --- display ------------------------------------------------------------------------------
    def __repr__(self):
        shape_info = "x".join("%d" % d for d in self.shape)
        name = "NDArray" if type(self) is _CountedNDArray else type(self).__name__
        return "\n%s\n<%s %s @%s>" % (str(self.asnumpy()), name, shape_info, self._ctx)

    def __str__(self):
        return self.__repr__()

    # --- python protocol ------------------------------------------------------------------------
    def __len__(self):
        return self.shape[0]

    def __iter__(self):
        for i in range(self.shape[0]):
            yield self[i]

    def __bool__(self):
        if self.size == 1:
            return bool(self.asnumpy().reshape(-1)[0])
        if self.size == 0:
            return False
        raise ValueError("The truth value of an NDArray with more than one element is ambiguous.")

    __hash__ = object.__hash__

    def __getstate__(self):
        return {"data": self.asnumpy(), "ctx": (self._ctx.device_type, self._ctx.device_id)}

    def __setstate__(self, state):
        ctx = Context(*state["ctx"])
        self._restore(backend.to_context(state["data"], ctx), ctx)

    def _restore(self, raw, ctx):
        """Makes an unpickled array hold `raw` on `ctx`, outside any recorded graph."""
        self._raw = raw
        self._var = None
        self._ctx = ctx
        self._entry = None
        self._grad = None
        self._version = None


class _CountedNDArray(NDArray):
    """An NDArray made while array accounting is on; it gives its bytes back when freed."""
    __slots__ = ("_counted",)

    def __del__(self):
        entry, nbytes, owned = self._counted   # no look-up or call: runs for every array
        with _COUNTS_LOCK:
            entry[0] -= 1
            entry[1] -= nbytes
            if owned is not None:               # counted by layer and operator too
                owned[0] -= 1
                owned[1] -= nbytes


class StaleNDArray(NDArray):
    """What a gradient gets instead of a value that was changed in place after it was recorded
    (autograd's version check): any use of it raises an MXNetError with `message`."""
    __slots__ = ("_message",)

    def __init__(self, message):
        self._message = message

    def _fail(self):
        raise MXNetError(self._message)

    _data = _raw = _var = _ctx = _entry = _grad = _version = property(_fail)


class ShapeOnly(NDArray):
    """What the autograd tape holds for an output no gradient reads (graph/tape.py): its shape,
    dtype and context, and a weak reference to the array. While the array lives (the user holds
    it), its values are the array's, for tools that show recorded values; after, they read as
    zeros (a broadcast view, no memory): the gradient pass reaches it only for `zeros_like` of
    an output that got no gradient."""
    __slots__ = ("_spec", "_ref")
    # never part of a graph, never differentiated, never written in place
    _entry = _grad = _version = None

    def _value(self, read):
        array = self._ref()
        if array is not None:
            return read(array)
        shape, dtype = self._spec
        xp = backend.xp_of(self._ctx)
        return xp.broadcast_to(xp.zeros((), dtype=dtype), shape)

    # callers' reads wait for the array's pending work (threaded engine); engine workers read
    # `_raw`, which never waits (a worker waiting on its own engine would deadlock)
    _data = property(lambda self: self._value(lambda array: array._data))
    _raw = property(lambda self: self._value(lambda array: array._raw))

    @property
    def _var(self):
        # the array's own variable while it lives; zeros need no ordering
        array = self._ref()
        return engine.Var() if array is None else engine.var_of(array)


def _shape_only(array):
    stub = ShapeOnly.__new__(ShapeOnly)
    data = array._raw       # its shape and dtype: no need to wait for pending work
    stub._spec = (data.shape, data.dtype)
    stub._ref = _weakref(array)
    stub._ctx = array._ctx
    return stub


tape.shape_only = _shape_only


def array(source_array, ctx=None, dtype=None):
    """An NDArray with a copy of `source_array`'s values.

    Parameters
    ----------
    source_array : array_like
        An NDArray, a NumPy array, a (nested) list or tuple, a number, or a SciPy sparse matrix
        (which gives a sparse NDArray).
    ctx : Context, optional
        The device of the result (default: the current context).
    dtype : str or numpy.dtype, optional
        The result's dtype: by default the source's for an NDArray, else float32 (MXNet 1.x
        converts NumPy arrays of every dtype to float32 by default).

    Returns
    -------
    NDArray
        The copy, of the source's shape: a number or a 0-d NumPy array gives shape ``()``, as
        in MXNet 1.9.1.

    Examples
    --------
    >>> mx.nd.array([[1, 2], [3, 4]]).shape
    (2, 2)
    >>> mx.nd.array(np.arange(3), dtype='int32').dtype
    <class 'numpy.int32'>
    >>> mx.nd.array(3.0).shape
    ()
    """
    if getattr(source_array, "_sparse", False) or \
            type(source_array).__module__.startswith("scipy.sparse"):
        from .sparse import array as sparse_array      # a sparse copy, as MXNet
        return sparse_array(source_array, ctx=ctx, dtype=dtype)
    ctx = ctx or current_context()
    if isinstance(source_array, NDArray):
        dtype = source_array.dtype if dtype is None else dtype
        data = backend.to_host(source_array._data)
    else:
        data = source_array
        if dtype is None:
            dtype = np.float32
    target = dtype_np(dtype)
    try:
        if not isinstance(data, (list, tuple, int, float)):
            data = backend.to_host(data)
        try:
            host = np.array(data, dtype=target, copy=True)
        except OverflowError:   # Python ints outside the dtype's range wrap, as under MXNet
            host = np.array(data).astype(target)
    except (TypeError, ValueError) as exc:
        from ..base import ArgumentTypeError
        raise ArgumentTypeError("array: source_array must be array like object, found %s (%s)"
                                % (type(source_array).__name__, exc)) from None
    with backend.device_scope(ctx):
        return _wrap(backend.to_context(host, ctx), ctx)


# --- the `_data` accessor, switched with the engine ---------------------------------------------
_RAW_SLOT = NDArray.__dict__["_raw"]
_threaded = False
_SEGMENT = []           # the threaded engine's operators gathered for a bulk, not yet pushed


def _waiting_get(self):
    try:
        var = self._var
    except AttributeError:      # an object still being built
        var = None
    if var is not None and (var.pending or var.exc is not None or _SEGMENT):
        engine.get().wait_var(var)
    return self._raw


def _waiting_set(self, value):
    try:
        var = self._var
    except AttributeError:
        var = self._var = None
    if var is not None:
        if var.pending or _SEGMENT:
            engine.get().wait_var(var, raise_error=False)
        var.exc = None          # a new buffer: the error of the old one's work is gone
    self._raw = value


_WAITING_DATA = property(_waiting_get, _waiting_set, doc="The buffer, once pending work on it finished.")


def _use_engine(eng):
    global _threaded, _SEGMENT
    _threaded = not eng.synchronous
    _SEGMENT = getattr(eng, "_segment", [])
    NDArray._data = _WAITING_DATA if _threaded else _RAW_SLOT


from . import async_dispatch as _async  # noqa: E402  (it reads this module's helpers)
engine.on_switch(_use_engine)
