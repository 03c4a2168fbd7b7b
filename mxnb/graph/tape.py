"""Recording onto the autograd tape: one `TapeNode` per operation, in the graph IR of `node`.

A node keeps only the values its operator's gradient reads (MXNet's backward dependencies),
learned once per operator from its registered gradient (`backward_reads`): relu's input, the
output of `x * 2`, are not kept alive by the tape. An output no gradient reads is held as a
`ShapeOnly` stand-in (its shape, dtype and context); a later operator whose gradient reads it
as an input puts the array back.
"""
import itertools

from .node import TapeNode

__all__ = ["record", "rebind_output", "version_of", "variable", "constant", "keep_values",
           "backward_reads", "WRITES", "TapeOp", "WrappedOp", "KEEP_ALL"]

# In-place writes of arrays that have a version counter, all arrays together: a node recorded
# when this was N, checked when it is still N, saw no value of its own change (the usual case:
# nothing is written between forward and backward), so backward checks nothing further.
WRITES = [0]

# Makes the stand-in for an output no gradient reads: set by mxnb.ndarray (which owns NDArray)
# when it is imported: `shape_only(array)`.
shape_only = None

# Tools that show every recorded value (the notebook's tracer) keep them all: a count of the
# `keep_values()` blocks open.
_KEEPING = [0]

_names = itertools.count()

KEEP_ALL = "keep all"        # backward_reads' answer for operators whose needs are unknown


class TapeOp:
    """The operator protocol for a tape node that stands for more than one registered operator
    (a custom autograd.Function call, a CachedOp call).

    It answers what the graph tools and the gradient pass ask of an `Operator`: `name`, `hint`,
    `num_outputs(attrs)`, `num_visible_outputs`, `num_aux`, `output_names`, `input_names`,
    `infer_shape`/`infer_type` (None: unknown, as for an operator without them), `compute`
    (runs the call again on raw arrays, where the stand-in can) and `gradient`. Its gradient
    reads every input and output (`backward_reads` answers KEEP_ALL).
    """
    name = hint = "tape_op"
    gradient_takes_needs = False
    needs_train = needs_rng = needs_extras = False
    differentiable = True
    sparse_from_dense = False
    elementwise = False
    infer_shape = infer_type = infer_storage = None
    unused_inputs = None
    aliases = ()
    _tape_reads = KEEP_ALL
    outputs_count = 1

    @property
    def single_output(self):
        return self.outputs_count == 1

    def num_outputs(self, attrs=None):
        return self.outputs_count

    def num_visible_outputs(self, attrs):
        return self.outputs_count

    def num_aux(self, attrs):
        return 0

    def output_names(self, attrs):
        return ["output"] if self.outputs_count == 1 else \
            ["output%d" % i for i in range(self.outputs_count)]

    def input_names(self, attrs):
        return ["data"]

    def format_attrs(self, attrs, keep_defaults=False):
        """No attributes to write: in a Symbol's JSON the call is a bare node (MXNet writes a
        custom Function's call as `_CustomFunction` without attributes)."""
        return {}

    def domain_problem(self, attrs):
        return None

    def compute(self, xp, inputs, attrs):
        from ..base import MXNetError
        raise MXNetError("%s is a tape record of Python code (%s); it cannot run again in a "
                         "graph" % (self.name, type(self).__name__))

    def gradient(self, F, attrs, inputs, outputs, out_grads):
        raise NotImplementedError


class WrappedOp:
    """Stands in for `op` in the gradient pass with a gradient of its own (tools that watch the
    backward pass wrap a node's operator): what the pass reads of an operator is `op`'s."""

    def __init__(self, op):
        self.wrapped = op
        self.name = op.name
        self.gradient_takes_needs = op.gradient_takes_needs
        self.num_visible_outputs = op.num_visible_outputs


class keep_values:
    """`with tape.keep_values():` records every input and output value on the tape, not only
    those gradients read (for tools that show recorded values)."""

    def __enter__(self):
        _KEEPING[0] += 1
        return self

    def __exit__(self, *exc):
        _KEEPING[0] -= 1


def variable(array, grad_req="write"):
    """A tape variable node for NDArray `array`, with a name of its own (`var3`), so that a
    tape converts to a Symbol whose arguments can be bound by name."""
    node = TapeNode(None, "var%d" % next(_names))
    node.array = array
    node.grad_req = grad_req
    return node


def constant(array):
    """A tape node for an array outside any recorded graph: a variable that wants no gradient
    (`array` a ShapeOnly stand-in when no gradient reads it)."""
    node = TapeNode(None, "const%d" % next(_names))
    node.array = array
    node.grad_req = "null"
    return node


# --- what a gradient reads ------------------------------------------------------------------
_MISSING = object()


class _ReadLog(dict):
    """Attributes handed to a gradient while learning what it reads: notes the keys it reads
    (all of them when it iterates or copies)."""

    def __init__(self, attrs, seen):
        dict.__init__(self, attrs)
        self._seen = seen

    def __getitem__(self, key):
        self._seen.add(key)
        return dict.__getitem__(self, key)

    def get(self, key, default=None):
        self._seen.add(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        self._seen.add(key)
        return dict.__contains__(self, key)

    def _all(self):
        self._seen.update(dict.keys(self))

    def __iter__(self):
        self._all()
        return dict.__iter__(self)

    def keys(self):
        self._all()
        return dict.keys(self)

    def items(self):
        self._all()
        return dict.items(self)

    def values(self):
        self._all()
        return dict.values(self)

    def copy(self):
        self._all()
        return dict(dict.items(self))


def backward_reads(op, attrs, num_inputs, num_outputs):
    """(inputs read, outputs read): tuples of booleans saying which values `op`'s gradient reads
    for a call with `attrs`, or KEEP_ALL when that is not known.

    Learned from the registered gradient itself, run symbolically (F = sym) on variables
    standing for the inputs, outputs and output gradients: a value it reads is a variable its
    result depends on. Cached on the operator, keyed by the attributes that decide it (relu's
    by none, Activation's by act_type; a number such as `_mul_scalar`'s scalar counts only if
    other values of it change the answer), so a call costs a dictionary look-up.
    """
    cache = op._tape_reads
    if cache is KEEP_ALL:
        return KEEP_ALL
    if cache is None:
        cache = op._tape_reads = [(), {}]
    try:
        reads = cache[1].get(_key(cache[0], attrs, num_inputs, num_outputs))
    except TypeError:       # an unhashable attribute value
        return KEEP_ALL
    if reads is None:
        reads = _learn(op, attrs, num_inputs, num_outputs, cache)
    return reads


def _key(keys, attrs, num_inputs, num_outputs):
    if not keys:
        return (num_inputs, num_outputs)
    return (num_inputs, num_outputs) + tuple([attrs.get(k, _MISSING) for k in keys])


_PROBES = {int: (0, 1, 2, -1), float: (0.0, 1.0, -1.0, 0.5)}
_MAX_ENTRIES = 256      # per operator: a table keyed by, say, a shape cannot grow without end


def _learn(op, attrs, num_inputs, num_outputs, cache):
    seen = set()
    if not getattr(op, "differentiable", True) or op.gradient is None:
        reads = ((False,) * num_inputs, (False,) * num_outputs)
    else:
        reads = _trace_gradient(op, _ReadLog(attrs, seen), num_inputs, num_outputs)
        # A number the gradient reads (a scalar, a slope) decides what it reads only if other
        # values of it give another answer.
        for key in sorted((k for k in seen if type(attrs.get(k)) in _PROBES), key=str):
            probes = _PROBES[type(attrs[key])]
            if all(_trace_gradient(op, dict(attrs, **{key: probe}), num_inputs, num_outputs)
                   == reads for probe in probes):
                seen.discard(key)
    keys, table = cache
    if not seen <= set(keys):      # decided by attributes not in the key yet: key by those too
        keys = tuple(sorted(set(keys) | seen, key=str))
        table = {}
        cache[0], cache[1] = keys, table
    if len(table) >= _MAX_ENTRIES:
        table.clear()
    try:
        table[_key(keys, attrs, num_inputs, num_outputs)] = reads
    except TypeError:
        pass
    return reads


def _trace_gradient(op, attrs, num_inputs, num_outputs):
    # Symbols live above the graph core; imported only here, once per operator and attributes.
    from .. import symbol as sym
    from ..name import NameManager
    from .node import topo_sort
    try:
        with NameManager():       # leave the user's automatic names as they were
            ins = [sym.var("_in%d" % i) for i in range(num_inputs)]
            outs = [sym.var("_out%d" % i) for i in range(num_outputs)]
            grads = [sym.var("_grad%d" % i) for i in range(num_outputs)]
            if op.gradient_takes_needs:
                result = op.gradient(sym, attrs, ins, outs, grads, needs=[True] * num_inputs)
            else:
                result = op.gradient(sym, attrs, ins, outs, grads)
        entries = [e for g in result if g is not None for e in g._outputs]
    except Exception:          # a gradient that is not symbolic: keep everything
        return KEEP_ALL
    touched = _values_read(entries, topo_sort(entries))
    return (tuple(id(v._outputs[0][0]) in touched for v in ins),
            tuple(id(v._outputs[0][0]) in touched for v in outs))


def _values_read(entries, order):
    """ids of the nodes whose values computing `entries` reads: an input an operator reads for
    its shape and dtype only (`Operator.unused_inputs`, _backward_Activation's data for relu)
    does not count."""
    read = {id(node) for node, _ in entries}
    for node in reversed(order):
        if id(node) not in read or node.op is None:
            continue
        unused = getattr(node.op, "unused_inputs", None)
        skip = unused(node.attrs) if unused is not None else ()
        for k, (child, _) in enumerate(node.inputs):
            if k not in skip:
                read.add(id(child))
    return read


# --- recording ------------------------------------------------------------------------------
def record(op, name, attrs, inputs, outputs):
    """Adds a tape node for `op` having turned NDArrays `inputs` into `outputs`; returns it.

    An input outside any recorded graph enters as a constant: a variable that wants no gradient.
    The node keeps the values its gradient reads; an output (or constant input) that no gradient
    reads (so far) is held as a ShapeOnly stand-in, which still has its shape and dtype (what
    a backward operator may read of an input it does not use).
    """
    num_outputs = len(outputs)
    cache = op._tape_reads
    if _KEEPING[0] or cache is KEEP_ALL:
        reads = KEEP_ALL
    elif cache is not None and not cache[0]:       # what it reads depends on no attribute
        reads = cache[1].get((len(inputs), num_outputs)) or \
            backward_reads(op, attrs, len(inputs), num_outputs)
    else:
        reads = backward_reads(op, attrs, len(inputs), num_outputs)
    if reads is KEEP_ALL:
        in_reads = out_reads = None
    else:
        in_reads, out_reads = reads
    entries = []
    kept = []
    versions = []           # each value's in-place write count now (no counter yet: 0)
    k = 0
    for array in inputs:
        entry = array._entry
        needed = in_reads is None or in_reads[k]
        k += 1
        if entry is not None and entry[0].out_values is None and entry[0].op is not None:
            entry = None    # made by a graph a backward has freed: a constant now, as in MXNet
        if entry is None:
            entry = (constant(array if needed else shape_only(array)), 0)
        elif needed:
            values = entry[0].out_values
            if values is not None and values[entry[1]] is not array:
                values[entry[1]] = array        # a stand-in until now: this gradient reads it
        entries.append(entry)
        kept.append(array if needed else None)
        counter = array._version
        versions.append(0 if counter is None else counter[0])
    node = TapeNode.__new__(TapeNode)       # TapeNode(op, name, attrs, entries, num_outputs)
    node.op = op
    node.name = name
    node.attrs = attrs
    node.inputs = entries
    node.num_outputs = num_outputs
    node.user_attrs = {}
    node.given = node.versions = node.array = node.forward_node = None
    node.grad_req = "write"
    node.fresh_grad = False
    node.in_values = kept
    if out_reads is None or all(out_reads):
        node.out_values = outputs
    else:
        node.out_values = [o if r or o._sparse else shape_only(o) for o, r in zip(outputs, out_reads)]
    i = 0
    for output in outputs:
        output._entry = (node, i)
        i += 1
        counter = output._version
        if counter is None and getattr(output._raw, "base", None) is not None:
            counter = _shared_version(output, inputs)
        versions.append(0 if counter is None else counter[0])
    node.versions = (WRITES[0], versions)
    return node


def version_of(array):
    """The array's version counter: a one-element list shared with the arrays that view the
    same memory, bumped by every in-place write (created when first needed: an array without
    one was never written in place, its version is 0)."""
    counter = array._version
    if counter is None:
        counter = array._version = [0]
    return counter


def _shared_version(output, inputs):
    """The counter of the input that a new output is a view of (Reshape, slice, expand_dims
    return views: writing through one changes the input too), or None."""
    base = output._data.base
    for array in inputs:
        data = array._data
        if data is base or (getattr(data, "base", None) is not None and data.base is base):
            output._version = counter = version_of(array)
            return counter
    return None


def rebind_output(node, index, array):
    """`array` now holds (and stands for) output `index` of tape node `node`: an in-place
    `x += y` or `out=` wrote the result into an existing array."""
    node.out_values[index] = array
    if node.versions is not None:
        node.versions[1][len(node.in_values) + index] = version_of(array)[0]
    array._entry = (node, index)
