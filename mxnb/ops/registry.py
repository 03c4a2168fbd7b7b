"""The operator registry: every operator of mxnb is one `Operator` record, defined once.

`nd.*`, `sym.*`, autograd, the executor, shape inference, gradient checks and the notebook tools
all read these records. An operator is defined as a small class decorated with `@operator`:

    @operator("relu", params={}, elementwise=True)
    class Relu:
        def compute(xp, inputs, attrs):
            return xp.maximum(inputs[0], 0)
        def gradient(F, attrs, inputs, outputs, out_grads):
            return [out_grads[0] * (outputs[0] > 0)]

`compute(xp, inputs, attrs)` is written against the array module `xp` (NumPy or CuPy) and returns
one array (or a list when the operator has several outputs). `gradient(F, ...)` is written against
`F`, which is `mxnb.nd` when autograd runs eagerly and `mxnb.sym` when the executor builds its
backward graph: gradients are themselves registered operators, so second order works and the
backward pass is a graph the tools can draw and step through.

Sparse storage (MXNet's FInferStorageType / FComputeEx) lives on the same records. A record
may carry `infer_storage(attrs, in_stypes)` -> the output storage types ('default', 'csr',
'row_sparse'), or None when no sparse kernel takes those inputs, and `compute_sparse(xp,
inputs, attrs, out_stypes)`, which reads and returns sparse payloads (mxnb/ops/sparse/storage.py).
Both are given on the operator's class, or added to an existing record by `@storage(name)`
from mxnb/ops/sparse/. Eager calls and programs hand every call with a sparse input (or to an
operator with `sparse_from_dense=True`, whose outputs may be sparse for dense inputs) to
`ops.sparse.dispatch.compute`, which runs `compute_sparse`, or `compute` on dense inputs, or
falls back to dense with MXNet's warning where `infer_storage` gives None.
"""
import inspect

from ..base import MXNetError, AttributeParseError, format_attr

__all__ = ["Param", "Operator", "operator", "storage", "operator_or_storage", "get", "find", "all_operators", "REQUIRED"]

REQUIRED = object()


class Param:
    """One operator attribute: how to parse it, its default (REQUIRED when it has none) and its
    domain.

    `check(value)` returns None when the parsed value is allowed, else a sentence saying what is
    allowed ("expected an integer >= 1"); `domain` is that rule in words, for documentation.
    Both are checked once, where attributes are parsed, never on the hot path. `bounds` is the
    range as data, (kind, low, high, low_open, high_open) with kind 'int', 'float' or 'shape'
    (every element), or None; `choices` the allowed values of an Enum or Bool (for tools that
    enumerate domains, such as the fuzz test).
    """
    __slots__ = ("parse", "default", "doc", "check", "domain", "bounds", "choices")

    def __init__(self, parse, default=REQUIRED, doc="", check=None, domain="", bounds=None,
                 choices=None):
        self.parse = parse
        self.default = default
        self.doc = doc
        self.check = check
        self.domain = domain
        self.bounds = bounds
        self.choices = choices


def _same_shape_infer(attrs, in_shapes):
    """All inputs and the one output share a shape; any known shape fills the others."""
    known = next((s for s in in_shapes if s is not None and 0 not in s), None)
    if known is None:
        known = next((s for s in in_shapes if s is not None), None)
    if known is None:
        return in_shapes, [None]
    for s in in_shapes:
        if s is not None and not _compatible(s, known):
            raise MXNetError("expected inputs of one shape, found %s" % (list(in_shapes),))
    if 0 in known:   # MXNet 1.x: 0 is an unknown dimension, filled from the other inputs
        known = tuple(max(dims) for dims in zip(*[s for s in in_shapes if s is not None]))
    return [known] * len(in_shapes), [known]


def same_shape_backward(attrs, in_shapes, out_shapes):
    """Inputs shaped as the one output: its known dims fill the inputs' unknown ones."""
    out = out_shapes[0]
    if out is None:
        return in_shapes
    return [out if s is None else tuple(a or b for a, b in zip(s, out)) if len(s) == len(out) else s
            for s in in_shapes]


def _compatible(a, b):
    return len(a) == len(b) and all(x == y or x == 0 or y == 0 for x, y in zip(a, b))


def _same_type_infer(attrs, in_types):
    known = next((t for t in in_types if t is not None), None)
    return [known if t is None else t for t in in_types], [known]


class Operator:
    """One registered operator. Built by the `@operator` decorator; read everywhere else."""
    # Slots: every dispatch reads several of these, and a slot read is cheaper than a dict's.
    # (Subclasses such as the Custom operator keep a __dict__ of their own.)
    __slots__ = ("name", "aliases", "params", "defaults", "required", "elementwise", "needs_train",
                 "needs_rng", "needs_extras", "hint", "variadic", "_inputs", "_aux", "_outputs",
                 "_num_visible", "compute", "infer_shape", "infer_type", "infer_shape_backward",
                 "gradient", "differentiable", "check_attrs", "gradient_takes_needs",
                 "single_output", "static_inputs", "doc", "inplace", "compute_out",
                 "unused_inputs", "infer_storage", "compute_sparse", "sparse_from_dense",
                 "compute_sparse_takes_out", "_tape_reads", "input_init", "__weakref__")

    def __init__(self, name, impl, params, inputs, aux=(), outputs=("output",), num_visible=None,
                 variadic=None, elementwise=False, aliases=(), needs_train=False, needs_rng=False,
                 hint=None, differentiable=True, inplace=()):
        self.name = name
        self.aliases = tuple(aliases)
        self.params = dict(params)
        self.defaults = {k: p.default for k, p in self.params.items() if p.default is not REQUIRED}
        self.required = tuple(k for k, p in self.params.items() if p.default is REQUIRED)
        self.elementwise = elementwise
        self.needs_train = needs_train
        self.needs_rng = needs_rng
        self.needs_extras = needs_train or needs_rng   # compute takes is_train= and rng=
        self.hint = hint or name.lower()
        self.variadic = variadic           # attribute counting the inputs ('num_args'), if any
        self._inputs = inputs              # names, or attrs -> names (variadic: arg0, arg1, ...
                                           # unless a function names them, as UpSampling's)
        self._aux = aux                    # names of auxiliary states, the last inputs
        self._outputs = outputs            # names, or attrs -> names
        self._num_visible = num_visible    # None: all outputs are visible
        self.compute = impl.compute
        self.infer_shape = getattr(impl, "infer_shape", None) or _same_shape_infer
        self.infer_type = getattr(impl, "infer_type", None) or _same_type_infer
        # infer_shape_backward(attrs, in_shapes, out_shapes) -> in_shapes: what known outputs
        # say about the inputs (MXNet's shape functions see both sides: a batch size fixed
        # downstream fills the data's). Optional; same-shape operators get it by default.
        self.infer_shape_backward = getattr(impl, "infer_shape_backward", None)
        if self.infer_shape_backward is None and getattr(impl, "infer_shape", None) is None:
            self.infer_shape_backward = same_shape_backward
        self.gradient = getattr(impl, "gradient", None)
        # differentiable=False: the operator's gradient is zero or undefined by definition
        # (comparisons, argmax, samplers), as MXNet's non-differentiable operators. An operator
        # that is differentiable but has no `gradient` (a backward kernel) cannot be
        # differentiated through: the gradient pass says so instead of returning zeros.
        self.differentiable = differentiable
        # check_attrs(attrs) -> None, or raises/returns a message: rules that tie several
        # attributes together (a stride tuple as long as the kernel).
        self.check_attrs = getattr(impl, "check_attrs", None)
        # A gradient that declares `needs` is told which inputs want a gradient, so it can skip
        # expensive ones (a first layer's data gradient).
        self.gradient_takes_needs = (self.gradient is not None and
                                     "needs" in inspect.signature(self.gradient).parameters)
        # Ops with a fixed single output are dispatched without building lists.
        self.single_output = not callable(outputs) and len(outputs) == 1
        self.static_inputs = None if callable(inputs) or variadic else tuple(inputs) + tuple(aux)
        self.doc = (impl.__doc__ or "").strip()
        # inplace: pairs (input index, output index) where compute may write its output over
        # that input when the caller says the input is dead (memory planning reads it).
        self.inplace = tuple(inplace)
        # compute_out(xp, inputs, attrs, out): compute writing into the preallocated array
        # `out` (single-output operators); memory planning uses it where present, else the
        # out= kernels of mxnb/graph/passes/kernels.py.
        self.compute_out = getattr(impl, "compute_out", None)
        # unused_inputs(attrs) -> input indices whose values compute never reads (it may read
        # their shape and dtype): a program need not keep those values alive for this step.
        self.unused_inputs = getattr(impl, "unused_inputs", None)
        # Storage-type inference and the sparse kernel (see the module docstring).
        self.infer_storage = getattr(impl, "infer_storage", None)
        self.compute_sparse = getattr(impl, "compute_sparse", None)
        self.sparse_from_dense = getattr(impl, "sparse_from_dense", False)
        self.compute_sparse_takes_out = _takes_out(self.compute_sparse)
        # What the gradient reads, learned by the autograd tape (graph/tape.py backward_reads).
        self._tape_reads = None
        # input_init: {input name: initializer JSON ('["zero", {}]')} that a variable passed as
        # (or created for) that input gets as its `__init__` attribute unless it has one
        # (MXNet's FSetInputVarAttrOnCompose): Module and initializers then use it.
        self.input_init = dict(getattr(impl, "input_init", None) or {})

    # --- attributes -------------------------------------------------------------------------
    def parse_attrs(self, kwargs):
        """Typed attributes from keyword arguments or MXNet strings; defaults filled in."""
        defaults = self.defaults
        attrs = dict(defaults)
        params = self.params
        for key, value in kwargs.items():
            param = params.get(key)
            if param is None:
                raise MXNetError("operator %s got an unknown argument %r; it takes %s"
                                 % (self.name, key, sorted(params) or "no arguments"))
            if value is param.default and key in defaults:
                continue    # the (parsed) default object itself, as Gluon passes no_bias=False
            try:
                parsed = param.parse(value)
            except AttributeParseError as exc:
                raise MXNetError("operator %s, argument %r: %s" % (self.name, key, exc)) from None
            if param.check is not None and parsed is not None:
                problem = param.check(parsed)
                if problem:
                    raise MXNetError("operator %s, argument %s=%r: %s"
                                     % (self.name, key, value, problem))
            attrs[key] = parsed
        if len(attrs) < len(params):
            missing = [k for k in self.required if k not in attrs]
            if missing:
                raise MXNetError("operator %s needs argument(s) %s, which were not given"
                                 % (self.name, ", ".join(missing)))
        if self.check_attrs is not None:
            problem = self.check_attrs(attrs)
            if problem:
                raise MXNetError("operator %s: %s" % (self.name, problem))
        return attrs

    def domain_problem(self, attrs):
        """The first attribute in `attrs` (already parsed) outside its declared domain, as a
        sentence naming it, or None. For callers that built attributes without `parse_attrs`
        (fast paths) and whose call then failed: the error path, never the hot path."""
        for key, value in attrs.items():
            param = self.params.get(key)
            if param is not None and param.check is not None and value is not None:
                try:
                    problem = param.check(value)
                except TypeError:
                    problem = None
                if problem:
                    return "argument %s=%r: %s" % (key, value, problem)
        if self.check_attrs is not None:
            try:
                return self.check_attrs(attrs) or None
            except (KeyError, TypeError):
                return None
        return None

    def format_attrs(self, attrs, keep_defaults=False):
        """Attributes as MXNet writes them in JSON: strings; defaults left out unless asked."""
        out = {}
        for key, value in attrs.items():
            if key not in self.params:
                continue
            if not keep_defaults and key in self.defaults and _equal(self.defaults[key], value):
                continue
            out[key] = format_attr(value)
        return out

    # --- inputs and outputs ---------------------------------------------------------------
    def input_names(self, attrs):
        if self.static_inputs is not None:
            return list(self.static_inputs)
        if self.variadic and not callable(self._inputs):
            names = ["arg%d" % i for i in range(attrs[self.variadic])]
        else:
            names = list(self._inputs(attrs) if callable(self._inputs) else self._inputs)
        return names + list(self._aux)

    def num_aux(self, attrs):
        return len(self._aux)

    def aux_names(self):
        return list(self._aux)

    def output_names(self, attrs):
        return list(self._outputs(attrs) if callable(self._outputs) else self._outputs)

    def num_outputs(self, attrs):
        return 1 if self.single_output else len(self.output_names(attrs))

    def num_visible_outputs(self, attrs):
        if self._num_visible is None:
            return self.num_outputs(attrs)
        return self._num_visible(attrs) if callable(self._num_visible) else self._num_visible

    def __repr__(self):
        return "<Operator %s>" % self.name


def _takes_out(compute_sparse):
    """Whether a sparse kernel takes `out=`, the raw array an `out=` NDArray holds, to write its
    result into when it can (an optimizer update writing its weight in place, as MXNet's
    kWriteInplace)."""
    return compute_sparse is not None and "out" in inspect.signature(compute_sparse).parameters


def _equal(a, b):
    try:
        return bool(a == b) and type(a) is type(b)
    except Exception:
        return False


_REGISTRY = {}
_CANONICAL = {}


def operator(name, params=None, inputs=("data",), **options):
    """Class decorator that registers an operator under `name` and its aliases."""
    def register(impl):
        op = Operator(name, impl, params or {}, inputs, **options)
        for key in (name,) + op.aliases:
            if key in _REGISTRY:
                raise MXNetError("operator %s registered twice" % key)
            _REGISTRY[key] = op
        _CANONICAL[name] = op
        return op
    return register


def storage(name):
    """Class decorator that gives the registered operator `name` its storage-type inference
    (`infer_storage`) and sparse kernel (`compute`), as MXNet sets FInferStorageType and
    FComputeEx on an operator from the file that owns the sparse kernels."""
    def attach(impl):
        op = get(name)
        if op.infer_storage is not None:
            raise MXNetError("operator %s has storage-type inference twice" % name)
        op.infer_storage = impl.infer_storage
        op.compute_sparse = impl.compute
        op.sparse_from_dense = getattr(impl, "sparse_from_dense", False)
        op.compute_sparse_takes_out = _takes_out(impl.compute)
        return op
    return attach


def operator_or_storage(name, params=None, inputs=("data",), **options):
    """Class decorator for an operator whose sparse kernels live with its dense one: registers
    `name` like `operator`, or, when another module registered `name` first, gives that record
    this class's `infer_storage` and `compute_sparse` (as `storage` does). So operators with
    both a dense home and sparse kernels (add_n, the optimizer updates) stay one record
    whichever file defines them."""
    def register(impl):
        if find(name) is None:
            return operator(name, params, inputs, **options)(impl)
        variant = type(impl.__name__, (), {
            "infer_storage": staticmethod(impl.infer_storage),
            "compute": staticmethod(impl.compute_sparse),
            "sparse_from_dense": getattr(impl, "sparse_from_dense", False)})
        return storage(name)(variant)
    return register


def get(name):
    """The operator called `name` (canonical name or alias)."""
    op = _REGISTRY.get(name)
    if op is None:
        raise MXNetError("unknown operator %r" % (name,))
    return op


def find(name):
    return _REGISTRY.get(name)


def all_operators():
    """Canonical name -> Operator, for every registered operator."""
    return dict(_CANONICAL)


def all_names():
    """Every name an operator answers to (canonical names and aliases)."""
    return dict(_REGISTRY)


def add(op):
    """Registers an Operator built without the decorator (operators whose inputs and outputs
    depend on attributes at run time, such as Custom)."""
    for key in (op.name,) + op.aliases:
        if key in _REGISTRY:
            raise MXNetError("operator %s registered twice" % key)
        _REGISTRY[key] = op
    _CANONICAL[op.name] = op


def add_aliases(name, *aliases):
    """Registers more names for the operator `name` (MXNet's legacy spellings, such as
    _Equal for _equal), from the module that needs them."""
    op = get(name)
    for key in aliases:
        if key in _REGISTRY and _REGISTRY[key] is not op:
            raise MXNetError("operator name %s is taken by %s" % (key, _REGISTRY[key].name))
    op.aliases = op.aliases + tuple(a for a in aliases if a not in op.aliases)
    for key in aliases:
        _REGISTRY[key] = op
    return op
