"""Imperative differentiation: record operators onto a tape, then run the gradient pass on it.

The tape is a graph of `graph.node.Node`s, the same IR as symbols; the gradient pass is
`graph.gradient.gradient_pass` with `F = nd`.
"""
import sys

from . import engine, instrument
from .backend import array_module as _xp_of
from .base import MXNetError
from .graph.gradient import gradient_pass
from .graph import tape
from .graph.node import topo_sort
from .graph.recording import STATE
from . import ndarray as nd      # imported before autograd (mxnb/__init__), never importing it
from .ndarray.ndarray import NDArray, _wrap

__all__ = ["record", "pause", "train_mode", "predict_mode", "is_recording", "is_training",
           "set_recording", "set_training", "mark_variables", "backward", "grad", "Function",
           "get_symbol"]


class _Scope:
    """Sets the recording and/or training switches for a `with` block, restoring them after."""
    __slots__ = ("_recording", "_training", "_saved")

    def __init__(self, recording, training):
        self._recording = recording
        self._training = training

    def __enter__(self):
        self._saved = (STATE.recording, STATE.training)
        if self._recording is not None:
            STATE.recording = self._recording
        if self._training is not None:
            STATE.training = self._training
        return self

    def __exit__(self, *exc):
        STATE.recording, STATE.training = self._saved


def record(train_mode=True):
    """Records operators for differentiation inside the `with` block (training mode by default)."""
    return _Scope(True, train_mode)


def pause(train_mode=False):
    """Stops recording inside the `with` block."""
    return _Scope(False, train_mode)


def train_mode():
    return _Scope(None, True)


def predict_mode():
    return _Scope(None, False)


def is_recording():
    return STATE.recording


def is_training():
    return STATE.training


def set_recording(is_recording):
    previous, STATE.recording = STATE.recording, bool(is_recording)
    return previous


def set_training(train_mode):
    previous, STATE.training = STATE.training, bool(train_mode)
    return previous


_GRAD_REQS = ("write", "add", "null")


def mark_variables(variables, gradients, grad_reqs="write"):
    """Marks NDArrays as variables whose gradients go into `gradients`.

    Parameters
    ----------
    variables : NDArray or list of NDArray
        The arrays to differentiate with respect to.
    gradients : NDArray or list of NDArray
        Where each variable's gradient is written (or added).
    grad_reqs : str or list of str, default 'write'
        'write', 'add' or 'null', for all variables or one per variable.

    Example
    -------
    >>> x = mx.nd.ones((2,)); dx = mx.nd.zeros((2,))
    >>> mark_variables([x], [dx], grad_reqs='add')
    """
    from .ndarray.ndarray import NDArray
    if isinstance(variables, NDArray):
        variables, gradients = [variables], [gradients]
    variables, gradients = list(variables), list(gradients)
    reqs = [grad_reqs] * len(variables) if isinstance(grad_reqs, str) else list(grad_reqs)
    if not len(variables) == len(gradients) == len(reqs):
        raise MXNetError("mark_variables: got %d variables, %d gradients and %d grad_reqs; "
                         "give one gradient (and grad_req) per variable"
                         % (len(variables), len(gradients), len(reqs)))
    for var, gradient, req in zip(variables, gradients, reqs):
        if req not in _GRAD_REQS:
            raise MXNetError("grad_req must be one of %s, found %r" % (_GRAD_REQS, req))
        if not isinstance(var, NDArray) or not isinstance(gradient, NDArray):
            raise MXNetError("mark_variables takes NDArrays, found %s and %s"
                             % (type(var).__name__, type(gradient).__name__))
        var._entry = (tape.variable(var, req), 0)
        var._grad = gradient


def _heads(heads, head_grads):
    if isinstance(heads, NDArray):
        heads = [heads]
    if head_grads is None:
        head_grads = [None] * len(heads)
    elif isinstance(head_grads, NDArray):
        head_grads = [head_grads]
    if len(head_grads) != len(heads):
        raise MXNetError("backward got %d heads and %d head gradients" % (len(heads), len(head_grads)))
    entries = {}
    for head, hg in zip(heads, head_grads):
        if head._entry is None:
            raise MXNetError("cannot differentiate an array that was not computed under "
                             "autograd.record() from arrays with attach_grad()")
        if hg is None:
            if head._sparse:
                hg = nd.ones_like(head)
            else:       # ones of the head's kind, made directly: a constant, never recorded
                data = head._data
                hg = _wrap(_xp_of(data).ones(data.shape, data.dtype), head._ctx)
        elif tuple(hg.shape) != tuple(head.shape):
            raise MXNetError("head gradient has shape %s, its head has shape %s" % (hg.shape, head.shape))
        elif hg._sparse and not head._sparse:
            # a dense head's gradient is dense, as MXNet copies it (0 * inf rows give NaN)
            hg = hg.tostype("default")
        if hg.dtype != head.dtype:      # MXNet copies it into a buffer of the head's dtype
            hg = hg.astype(head.dtype)
        entries[head._entry] = hg
    return entries


def _stale(array, node, kind, index, saved, now):
    """A stand-in for `array` that raises, when the gradient uses it in any way, naming the
    array and the operator that needed its old value. A gradient that does not read the value
    (x + 1's) is unaffected."""
    from .ndarray.ndarray import StaleNDArray
    entry = array._entry
    made_by = ("a variable" if entry is None or entry[0].op is None
               else "the output of %s" % entry[0].op.name)
    return StaleNDArray(
        "an array needed for the gradient was modified in place after it was recorded: "
        "%s %d of operator %s (an array of shape %s, %s) was at version %d when %s ran "
        "and is at version %d now, and %s's gradient needs its old value. Copy the array "
        "before changing it (y = y.copy()), or change it before recording"
        % (kind, index, node.op.name, tuple(array.shape), made_by, saved, node.op.name, now,
           node.op.name))


def _kept(array):
    """Whether the tape holds this value itself (not None, not a ShapeOnly stand-in)."""
    return array is not None and not getattr(array, "_spec", None)


def _guard(values, kept, saved, offset, node, kind):
    """`values` with those changed since they were recorded replaced by _Stale stand-ins (only
    values that are the very arrays the node kept: others were never written through)."""
    out = None
    for k, (value, array) in enumerate(zip(values, kept)):
        if not _kept(array):        # not kept: the gradient does not read it
            continue
        counter = getattr(array, "_version", None)
        version = 0 if counter is None else counter[0]
        if value is array and version != saved[offset + k]:
            if out is None:
                out = list(values)
            out[k] = _stale(array, node, kind, k, saved[offset + k], version)
    return values if out is None else out


def _check_versions(node, inputs, outputs):
    """gradient_pass's check: stands in for values written in place since `node` was recorded."""
    if node.versions is None:
        return inputs, outputs
    epoch, saved = node.versions
    if epoch == tape.WRITES[0]:     # no in-place write anywhere since it was recorded
        return inputs, outputs
    kept = node.in_values + list(node.out_values)
    if all(not _kept(a) or (0 if a._version is None else a._version[0]) == v
           for a, v in zip(kept, saved)):
        return inputs, outputs      # nothing it kept was written in place since: the usual case
    return (_guard(inputs, node.in_values, saved, 0, node, "input"),
            _guard(outputs, node.out_values, saved, len(node.in_values), node, "output"))


def _value(node, index):
    return node.value(index)


def _run(heads, head_grads, retain_graph, create_graph, train_mode, wants):
    entries = _heads(heads, head_grads)
    nodes = topo_sort(list(entries))
    watched = instrument.hooked
    if watched:
        phase, STATE.phase = STATE.phase, "backward"      # what node hooks see
    state = STATE            # the switches, as _Scope(create_graph, train_mode) sets them
    saved = (state.recording, state.training, state.consuming)
    state.recording, state.training = create_graph, train_mode
    state.consuming = not retain_graph
    try:
        grads = gradient_pass(nd, nodes, entries, _value, wants, check=_check_versions)
    finally:
        state.recording, state.training, state.consuming = saved
        if watched:
            STATE.phase = phase
    if not retain_graph:
        for node in nodes:
            if node.op is not None:
                node.in_values = node.out_values = None
                release = getattr(node.op, "release", None)
                if release is not None:     # what a tape op saved itself (a CachedOp call's values)
                    release(node)
    return grads


def _wants_grad(node):
    """backward's variables: those with a gradient buffer and a request other than 'null'."""
    return node.grad_req != "null" and node.array is not None and node.array._grad is not None


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Computes gradients of `heads` and writes (or adds) them into the variables' `.grad`."""
    outer, STATE.grad_writes = STATE.grad_writes, set()   # hybridized calls may write into .grad
    try:
        grads = _run(heads, head_grads, retain_graph, False, train_mode, _wants_grad)
    finally:
        STATE.grad_writes = outer
    shared = None
    for node, value in grads.items():
        node.fresh_grad = True
        target = node.array._grad
        if value._sparse or target._sparse:     # sparse gradients (row_sparse embeddings, ...)
            from .ndarray.sparse import accumulate_grad
            accumulate_grad(target, value, node.grad_req)
            continue
        if value._data.dtype != target._data.dtype:
            value = value.astype(target.dtype)
        if node.grad_req == "add":
            target._data += value._data
        elif value._data is not target._data:     # (already written there by a hybridized call)
            adopt = False
            if value._raw.size >= _ADOPT_FROM:     # (smaller copies cost less than the checks)
                if shared is None:
                    shared = _shared_gradients(grads, head_grads)
                adopt = id(value) not in shared and _adoptable(value, target)
            if adopt:
                target._raw = value._raw        # no copy: the buffer is the pass's alone
            else:
                target._data[...] = value._data
        counter = target._version       # ndarray.bump_version, inlined (no import per call)
        if counter is None:
            target._version = [1]
        else:
            counter[0] += 1
        tape.WRITES[0] += 1


_ADOPT_FROM = 4096      # elements


def _shared_gradients(grads, head_grads):
    """ids of the gradient arrays that are not the gradient pass's alone: head gradients passed
    through unchanged, and an array given to several variables."""
    given = head_grads if isinstance(head_grads, (list, tuple)) else [head_grads]
    shared = {id(g) for g in given if g is not None}
    seen = set()
    for value in grads.values():
        if id(value) in seen:
            shared.add(id(value))
        seen.add(id(value))
    return shared


def _adoptable(value, target):
    """Whether `backward` may give the variable's gradient array `target` the buffer of the
    computed gradient `value` instead of copying it in (the copies cost LeNet's training step
    ~150 us, the MLP's ~30). Only where no one could tell: the synchronous engine; buffers of
    one shape, dtype and context; the new one a contiguous array of its own that no other
    array or view holds; the old one held by `target` alone (no view or handle of it). The
    caller has checked that `value` itself is the pass's alone (_shared_gradients)."""
    if engine.asynchronous:
        return False
    new, old = value._raw, target._raw
    # each buffer's references: its NDArray's slot, the local here, getrefcount's argument
    return (sys.getrefcount(new) == 3 and sys.getrefcount(old) == 3 and new.base is None
            and new.shape == old.shape and new.dtype == old.dtype
            and value._ctx == target._ctx and new.flags.c_contiguous and new.flags.writeable)


def grad(heads, variables, head_grads=None, retain_graph=None, create_graph=False, train_mode=True):
    """Gradients of `heads` with respect to `variables`, returned (not written into `.grad`).

    With `create_graph=True` the gradient computation is itself recorded, so it can be
    differentiated again.

    Parameters
    ----------
    heads : NDArray or list of NDArray
        The outputs to differentiate.
    variables : NDArray or list of NDArray
        The arrays (marked with attach_grad or mark_variables) to differentiate with respect to.
    head_grads : NDArray or list of NDArray, optional
        The heads' gradients (ones by default).
    retain_graph : bool, optional
        Keep the recorded graph for another backward (default: `create_graph`).
    create_graph : bool, default False
        Record the gradient computation, for higher-order gradients.
    train_mode : bool, default True
        Run the gradient computation in training mode.

    Returns
    -------
    list of NDArray
        One gradient per variable: a list even for one variable given as an NDArray, as
        MXNet 1.9.1's.

    Example
    -------
    >>> x = mx.nd.array([1.0, 2.0]); x.attach_grad()
    >>> with mx.autograd.record():
    ...     y = x * x
    >>> mx.autograd.grad(y, x)[0].asnumpy()
    array([2., 4.], dtype=float32)
    """
    from .ndarray.ndarray import NDArray
    from . import ndarray as nd
    variables = [variables] if isinstance(variables, NDArray) else list(variables)
    for v in variables:
        if v._entry is None or v._entry[0].op is not None:
            raise MXNetError("grad() needs variables marked with attach_grad() or mark_variables()")
    wanted = {id(v._entry[0]) for v in variables}
    if retain_graph is None:
        retain_graph = create_graph
    grads = _run(heads, head_grads, retain_graph, create_graph, train_mode,
                 lambda node: id(node) in wanted)
    out = []
    for v in variables:
        g = grads.get(v._entry[0])
        g = nd.zeros_like(v) if g is None else g
        if create_graph and g._entry is None:
            # A gradient computed from constants alone (radians', x * 2's): recorded as a
            # constant, so that differentiating it again reaches no variable and gives no
            # gradient, as MXNet's, instead of refusing an array "not computed under record()".
            g._entry = (tape.constant(g), 0)
        out.append(g)
    return out


def get_symbol(x):
    """The recorded computation that produced `x`, as a Symbol."""
    from .symbol.symbol import Symbol
    return Symbol.from_tape(x)


class _FunctionOp(tape.TapeOp):
    """Stands in for an operator on the tape for one call of a custom `Function` (the operator
    protocol of tape.TapeOp; its gradient is the Function's `backward`)."""

    def __init__(self, function, num_outputs):
        self.function = function
        self.name = type(function).__name__
        self.hint = self.name.lower()
        self.outputs_count = num_outputs

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        with pause():
            grads = self.function.backward(*out_grads)
        from .ndarray.ndarray import NDArray
        return [grads] if isinstance(grads, NDArray) else list(grads)


class Function:
    """A custom differentiable operation: subclass with `forward` and `backward` (MXNet 1.x)."""

    def __init__(self):
        self.saved_tensors = ()

    def save_for_backward(self, *args):
        self.saved_tensors = args

    def forward(self, *inputs):
        raise NotImplementedError

    def backward(self, *output_grads):
        raise NotImplementedError

    def __call__(self, *inputs):
        from .ndarray.ndarray import NDArray, _wrap
        with pause(train_mode=STATE.training):
            outputs = self.forward(*inputs)
        single = isinstance(outputs, NDArray)
        outs = [outputs] if single else list(outputs)
        outs = [_wrap(o._data, o._ctx) for o in outs]
        if STATE.recording and any(x._entry is not None for x in inputs):
            op = _FunctionOp(self, len(outs))
            tape.record(op, op.hint, {}, inputs, outs)
        return outs[0] if single else outs
