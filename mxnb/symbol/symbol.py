"""Symbol: handles on outputs of a graph of `graph.node.Node`s (MXNet's `mx.sym.Symbol`)."""
import numbers

from .. import attribute
from ..base import MXNetError, NotImplementedForSymbol, parse_shape, dtype_np, format_attr
from ..util import is_np_shape
from ..graph.node import Node, auxiliary_ids, clone_graph, topo_sort

__all__ = ["Symbol", "var", "Variable", "Group"]

# Attributes that MXNet keeps on the node itself under a dunder name (its C API's hidden keys):
# `lr_mult=2` given to an operator or a variable is stored as `__lr_mult__`, and list_attr /
# attr_dict show it under both names.
HIDDEN_KEYS = ("ctx_group", "lr_mult", "wd_mult", "force_mirroring", "mirror_stage")
_PLAIN_OF_HIDDEN = {"__%s__" % key: key for key in HIDDEN_KEYS}


def node_attr_key(key):
    """The name under which the attribute `key` is stored on a node.

    Parameters
    ----------
    key : str
        An attribute name as given (`lr_mult`, `__layout__`, ...).

    Returns
    -------
    str
        `__key__` for MXNet's hidden keys (`lr_mult` -> `__lr_mult__`), else `key` unchanged.

    Raises
    ------
    MXNetError
        For a per-input spelling such as `weight_lr_mult`, which MXNet 1.x no longer takes.

    Examples
    --------
    >>> node_attr_key('wd_mult')
    '__wd_mult__'
    """
    if key in HIDDEN_KEYS:
        return "__%s__" % key
    for hidden in HIDDEN_KEYS:
        if key.endswith(hidden):
            raise MXNetError("setting variable attributes with %s is deprecated (as in MXNet "
                             "1.x); set %s on the variable instead: w = mx.sym.var('%s', %s=...)"
                             " and pass w to the operator" % (key, hidden, key[:-len(hidden) - 1]
                                                               or "w", hidden))
    return key


def node_attrs(attrs):
    """`attrs` with every key stored as `node_attr_key` says (values as given)."""
    return {node_attr_key(key): value for key, value in attrs.items()}


def given_attrs(op, attrs, given):
    """The operator attributes named in `given` (None: all of `attrs`) as strings, as a node
    shows and writes them (a default value too when it was given)."""
    if given is None:
        given = attrs
    return op.format_attrs({k: attrs[k] for k in given if k in attrs}, keep_defaults=True)


def _shown_attrs(node):
    """A node's attributes as list_attr/attr_dict show them: user attributes, the operator
    attributes that were given, and each hidden key under its plain name too."""
    out = dict(node.user_attrs)
    if node.op is not None:
        out.update(given_attrs(node.op, node.attrs, node.given))
    for key, plain in _PLAIN_OF_HIDDEN.items():
        if key in out:
            out[plain] = out[key]
    return out


class Symbol:
    __slots__ = ("_outputs", "__weakref__")

    def __init__(self, outputs):
        self._outputs = list(outputs)   # [(Node, output index)]

    # --- identity -----------------------------------------------------------------------
    @property
    def name(self):
        """The name of the node this symbol's outputs come from; None for a group of outputs
        of several nodes (as MXNet: all outputs of one split share its name)."""
        node = self._single_node()
        return None if node is None else node.name

    def _single_node(self):
        """The node every output comes from, or None when there are several (or none)."""
        nodes = {id(node): node for node, _ in self._outputs}
        return next(iter(nodes.values())) if len(nodes) == 1 else None

    @property
    def output_entries(self):
        """The graph entries this symbol stands for (an mxnb addition, read-only).

        Returns
        -------
        list of (Node, int)
            One `(node, output index)` pair per output, in `list_outputs()` order: the nodes of
            mxnb's graph IR (mxnb/graph/node.py) that tools such as the debugger walk.

        Example
        -------
        >>> out = mx.sym.FullyConnected(mx.sym.var('data'), num_hidden=4, name='fc')
        >>> [(node.name, index) for node, index in out.output_entries]
        [('fc', 0)]
        """
        return list(self._outputs)

    def __repr__(self):
        name = self.name
        if name is not None:
            return "<Symbol %s>" % name
        return "<Symbol group [%s]>" % ", ".join(node.name for node, _ in self._outputs)

    def __len__(self):
        return len(self._outputs)

    def __bool__(self):
        # A symbol has no value to test: `if sym:` is a mistake (MXNet raises the same).
        raise NotImplementedForSymbol(self.__bool__, "bool")

    __nonzero__ = __bool__

    # --- pickling: through the JSON graph, as MXNet ----------------------------------------
    def __getstate__(self):
        return {"handle": self.tojson()}

    def __setstate__(self, state):
        from .json_io import load_json
        self._outputs = load_json(state["handle"])._outputs

    def __iter__(self):
        return (Symbol([e]) for e in self._outputs)

    def __getitem__(self, index):
        if isinstance(index, str):
            names = self.list_outputs()
            if index not in names:
                # MXNet also accepts a node name for single-output nodes
                matches = [i for i, (n, _) in enumerate(self._outputs) if n.name == index]
                if len(matches) != 1:
                    raise MXNetError("no output named %r; outputs are %s" % (index, names))
                return Symbol([self._outputs[matches[0]]])
            return Symbol([self._outputs[names.index(index)]])
        if isinstance(index, slice):
            return Symbol(self._outputs[index])
        return Symbol([self._outputs[index]])

    def __copy__(self):
        return Symbol(self._outputs)

    def __deepcopy__(self, memo):
        return load_json_lazy(self.tojson())

    copy = __copy__

    def __hash__(self):
        return id(self)

    # --- graph queries ----------------------------------------------------------------------
    def _nodes(self):
        return topo_sort(self._outputs)

    def _variables(self):
        nodes = self._nodes()
        aux = auxiliary_ids(nodes)
        return [n for n in nodes if n.op is None], aux

    def list_arguments(self):
        variables, aux = self._variables()
        return [n.name for n in variables if id(n) not in aux]

    def list_auxiliary_states(self):
        variables, aux = self._variables()
        return [n.name for n in variables if id(n) in aux]

    def list_inputs(self):
        return [n.name for n in self._variables()[0]]

    def list_outputs(self):
        return [_output_name(node, i) for node, i in self._outputs]

    def get_internals(self):
        entries = []
        for node in self._nodes():
            if node.op is None:
                entries.append((node, 0))
            else:
                entries.extend((node, i) for i in range(node.op.num_visible_outputs(node.attrs)))
        return Symbol(entries)

    def get_children(self):
        """The inputs of the nodes this symbol's outputs come from, grouped.

        Returns
        -------
        Symbol or None
            One output per input of each output's node (a node shared by several outputs
            counts once); None when there are none (a variable).

        Examples
        --------
        >>> x, y = mx.sym.var('x'), mx.sym.var('y')
        >>> mx.sym.Group([x + y, x * y]).get_children().list_outputs()
        ['x', 'y', 'x', 'y']
        >>> print(x.get_children())
        None
        """
        entries, seen = [], set()
        for node, _ in self._outputs:
            if id(node) not in seen:
                seen.add(id(node))
                entries.extend(node.inputs)
        return Symbol(entries) if entries else None

    # --- attributes -----------------------------------------------------------------------
    def attr(self, key):
        node = self._single_node()
        if node is None:
            return None
        value = node.user_attrs.get(key, node.user_attrs.get("__%s__" % key))
        if value is None and node.op is not None and key in node.attrs:
            return format_attr(node.attrs[key])
        return value

    def list_attr(self, recursive=False):
        if recursive:
            raise MXNetError("list_attr(recursive=True) is attr_dict() in MXNet 1.x")
        return _shown_attrs(self._outputs[0][0])

    def attr_dict(self):
        result = {}
        for node in self._nodes():
            attrs = _shown_attrs(node)
            if attrs:
                result[node.name] = attrs
        return result

    def _set_attr(self, **kwargs):
        for key, value in kwargs.items():
            if not isinstance(value, str):
                raise MXNetError("attribute %s must be a string, found %r" % (key, value))
        stored = node_attrs(kwargs)
        for node, _ in self._outputs:
            node.user_attrs.update(stored)

    # --- inference ---------------------------------------------------------------------------
    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes); (None, None, None) if not all can be inferred.

        A dimension 0 is unknown, unless NumPy shape semantics are on (`mx.np_shape()`): then
        it is a zero-size dimension and -1 is unknown."""
        arg, out, aux = self._infer_shape(args, kwargs)
        zero_is_unknown = self._zero_is_unknown(args, kwargs)
        if any(s is None or (zero_is_unknown and 0 in s) for s in arg + out + aux):
            return None, None, None
        return arg, out, aux

    def infer_shape_partial(self, *args, **kwargs):
        """As `infer_shape`, with what cannot be inferred left unknown: a shape `()` and
        dimensions 0, or with NumPy shape semantics on, None and dimensions -1."""
        arg, out, aux = self._infer_shape(args, kwargs)
        if not is_np_shape():
            return tuple([s if s is not None else () for s in shapes] for shapes in (arg, out, aux))
        if self._zero_is_unknown(args, kwargs):
            arg, out, aux = ([None if s is None else tuple(-1 if d == 0 else d for d in s)
                              for s in shapes] for shapes in (arg, out, aux))
        return list(arg), list(out), list(aux)

    def _infer_shape(self, args, kwargs):
        from ..graph.infer import infer_shapes
        known = self._bind_names(args, kwargs, parse_shape, "shape")
        nodes = self._nodes()
        table = infer_shapes(nodes, known)
        return self._split_table(nodes, table)

    def _zero_is_unknown(self, args, kwargs):
        """Whether a 0 in the shapes inferred from these given shapes is an unknown dimension
        (always, unless NumPy shape semantics are on and no -1 was given) or a zero-size one."""
        from ..graph.infer import given_unknown_dims
        if not is_np_shape():
            return True
        return given_unknown_dims(self._nodes(), self._bind_names(args, kwargs, parse_shape,
                                                                  "shape"))

    def infer_type(self, *args, **kwargs):
        from ..graph.infer import infer_types
        known = self._bind_names(args, kwargs, dtype_np, "dtype")
        nodes = self._nodes()
        table = infer_types(nodes, known)
        arg, out, aux = self._split_table(nodes, table)
        if any(t is None for t in arg + out + aux):
            return None, None, None
        return ([t.type for t in arg], [t.type for t in out], [t.type for t in aux])

    def infer_type_partial(self, *args, **kwargs):
        """(arg_types, out_types, aux_types) as far as the given dtypes determine them; None
        where nothing does (infer_type assumes float32 there), as MXNet's.

        Parameters
        ----------
        *args, **kwargs
            Known dtypes of arguments, by position or by name.

        Returns
        -------
        tuple of three lists
            NumPy scalar types, or None where unknown.

        Example
        -------
        >>> fc = mx.sym.FullyConnected(mx.sym.var('x'), num_hidden=3)
        >>> fc.infer_type_partial()
        ([None, None, None], [None], [])
        """
        from ..graph.infer import infer_types
        known = self._bind_names(args, kwargs, dtype_np, "dtype")
        nodes = self._nodes()
        arg, out, aux = self._split_table(nodes, infer_types(nodes, known, partial=True))
        return tuple([None if t is None else t.type for t in part] for part in (arg, out, aux))

    def _bind_names(self, args, kwargs, parse, what):
        names = self.list_arguments()
        known = {}
        if args:
            if len(args) > len(names):
                raise MXNetError("infer_%s got %d positional values for %d arguments %s"
                                 % (what, len(args), len(names), names))
            for key, value in zip(names, args):
                if value is not None:
                    known[key] = parse(value)
        inputs = set(self.list_inputs())
        for key, value in kwargs.items():
            if key not in inputs:
                raise MXNetError("infer_%s: %r is not an input of this symbol; inputs are %s"
                                 % (what, key, sorted(inputs)))
            if value is not None:
                known[key] = parse(value)
        return known

    def _split_table(self, nodes, table):
        aux = auxiliary_ids(nodes)
        variables = [n for n in nodes if n.op is None]
        arg = [table.get((id(n), 0)) for n in variables if id(n) not in aux]
        auxs = [table.get((id(n), 0)) for n in variables if id(n) in aux]
        out = [table.get((id(n), i)) for n, i in self._outputs]
        return arg, out, auxs

    # --- serialisation ----------------------------------------------------------------------
    def tojson(self, remove_amp_cast=True):
        from .json_io import to_json
        return to_json(self)

    def save(self, fname, remove_amp_cast=True):
        from ..fileio import write_atomically
        write_atomically(fname, self.tojson())

    def debug_str(self):
        lines = []
        for node in self._nodes():
            kind = node.op.name if node.op else "Variable"
            ins = ", ".join("%s[%d]" % (c.name, i) for c, i in node.inputs)
            lines.append("%s %s(%s)" % (kind, node.name, ins))
        return "\n".join(lines)

    # --- execution -------------------------------------------------------------------------
    def bind(self, ctx, args, args_grad=None, grad_req="write", aux_states=None, group2ctx=None,
             shared_exec=None):
        from ..graph.executor import Executor
        return Executor.bind(self, ctx, args, args_grad, grad_req, aux_states)

    def simple_bind(self, ctx, grad_req="write", type_dict=None, stype_dict=None, group2ctx=None,
                    shared_arg_names=None, shared_exec=None, shared_buffer=None, **kwargs):
        """Binds the symbol to new arrays of the shapes given (and those inferred from them).

        Parameters
        ----------
        ctx : Context
            Where the arrays are allocated.
        grad_req : str, list or dict, default 'write'
            'write', 'add' or 'null', for all arguments, in order, or by name.
        type_dict, stype_dict : dict of str, optional
            dtypes and storage types of arguments, by name.
        shared_exec : Executor, optional
            An executor whose arrays of the same name, shape and dtype are shared.
        **kwargs
            Shapes of inputs, by name. Keywords that name no input of the symbol are ignored,
            as in MXNet.

        Returns
        -------
        Executor

        Examples
        --------
        >>> x = mx.sym.var('x')
        >>> exe = (x * 2).simple_bind(mx.cpu(), x=(2, 3), axis=0)   # axis is ignored
        >>> exe.arg_dict['x'].shape
        (2, 3)
        """
        from ..graph.executor import Executor
        inputs = set(self.list_inputs())
        shapes = {name: shape for name, shape in kwargs.items() if name in inputs}
        return Executor.simple_bind(self, ctx, grad_req, type_dict, shared_exec, shapes, stype_dict)

    def evaluate(self, ctx=None, **kwargs):
        """Binds the arrays in kwargs and runs forward (MXNet's `Symbol.eval`)."""
        from ..context import current_context
        exe = self.bind(ctx or current_context(), kwargs)
        return exe.forward()

    eval = evaluate    # MXNet's name; the method never evaluates Python source

    # --- composition ------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """A copy of this graph with some variables replaced by other symbols (composition)."""
        name = kwargs.pop("name", None)
        replace = {}
        free = self.list_arguments()
        for key, value in zip(free, args):
            replace[key] = value
        for key, value in kwargs.items():
            if not isinstance(value, Symbol):
                raise MXNetError("compose takes Symbols, found %s for %r" % (type(value).__name__, key))
            replace[key] = value
        nodes = self._nodes()
        replaced = {id(n): replace[n.name]._outputs[0] for n in nodes
                    if n.op is None and n.name in replace}
        cloned = clone_graph(nodes, remap=lambda child, index: replaced.get(id(child)),
                             share_variables=True)
        outs = [replaced.get(id(n)) or (cloned.get(id(n), n), i) for n, i in self._outputs]
        if name and len(outs) == 1 and outs[0][0].op is not None:
            outs[0][0].name = name
        return Symbol(outs)

    def gradient(self, wrt):
        """Not implemented, as in MXNet 1.x (whose C API answers 'not implemented'): bind the
        symbol and call `Executor.backward`, or use `mx.autograd`.

        Parameters
        ----------
        wrt : list of str
            Names of the arguments to differentiate with respect to.
        """
        raise MXNetError("Symbol.gradient(%s) is not implemented (as in MXNet 1.x): bind the "
                         "symbol and call backward on the executor, or use mx.autograd"
                         % (list(wrt),))

    # --- NDArray-only methods: a symbol holds no data (MXNet raises the same) -----------------
    def wait_to_read(self):
        raise NotImplementedForSymbol(self.wait_to_read, None)

    def asnumpy(self):
        raise NotImplementedForSymbol(self.asnumpy, None)

    def asscalar(self):
        raise NotImplementedForSymbol(self.asscalar, None)

    def as_in_context(self, *args, **kwargs):
        raise NotImplementedForSymbol(self.as_in_context, None)

    def detach(self):
        raise NotImplementedForSymbol(self.detach, None)

    def backward(self, *args, **kwargs):
        raise NotImplementedForSymbol(self.backward, None)

    @classmethod
    def from_tape(cls, array, inline=True):
        """The recorded computation that produced `array`, as a Symbol (autograd.get_symbol).

        Parameters
        ----------
        array : NDArray
            An array computed under `autograd.record()`.
        inline : bool, default True
            Show a hybridized block's call as its graph's operators where MXNet inlines it
            (at most `inline_limit` operators, see `HybridBlock.hybridize`); otherwise, and
            for larger graphs, the call is one `_CachedOp` node.

        Returns
        -------
        Symbol

        Examples
        --------
        >>> x = mx.nd.ones((2,))
        >>> x.attach_grad()
        >>> with mx.autograd.record():
        ...     y = x * 2
        >>> len(mx.sym.Symbol.from_tape(y).list_arguments())
        1
        """
        if array._entry is None:
            raise MXNetError("the array was not computed under autograd.record() from arrays "
                             "with attach_grad()")
        if not inline:
            return cls([array._entry])
        from ..graph.cached_op import inline_calls
        return cls(inline_calls([array._entry]))


def _output_name(node, index):
    if node.op is None:
        return node.name
    return "%s_%s" % (node.name, node.op.output_names(node.attrs)[index])


def load_json_lazy(text):
    from .json_io import load_json
    return load_json(text)


def var(name, attr=None, shape=None, lr_mult=None, wd_mult=None, dtype=None, init=None,
        stype=None, **kwargs):
    """A variable: a named input of a graph (MXNet's `mx.sym.var`)."""
    if not isinstance(name, str):
        raise MXNetError("a variable's name must be a string, found %r" % (name,))
    attrs = node_attrs(attribute.current().get(attr))
    if shape is not None:
        attrs["__shape__"] = format_attr(tuple(parse_shape(shape)))
    if lr_mult is not None:
        attrs["__lr_mult__"] = str(lr_mult)
    if wd_mult is not None:
        attrs["__wd_mult__"] = str(wd_mult)
    if dtype is not None:
        from ..base import DTYPE_TO_FLAG
        attrs["__dtype__"] = str(DTYPE_TO_FLAG[dtype_np(dtype)])
    if init is not None:
        attrs["__init__"] = init if isinstance(init, str) else init.dumps()
    if stype is not None:
        if stype not in _STYPE_IDS:
            raise MXNetError("var %s: unknown stype %r; expected one of %s" % (name, stype, sorted(_STYPE_IDS)))
        attrs["__storage_type__"] = str(_STYPE_IDS[stype])
    for key, value in kwargs.items():
        if key.startswith("__") and key.endswith("__"):
            attrs[key] = str(value)
        else:
            raise MXNetError("var() got an unknown argument %r; attributes are passed as __name__=" % key)
    return Symbol([(Node(None, name, user_attrs=attrs), 0)])


Variable = var
_STYPE_IDS = {"default": 0, "row_sparse": 1, "csr": 2}   # MXNet's storage type ids


def Group(symbols):
    """One symbol with the outputs of several."""
    if not symbols or any(not isinstance(s, Symbol) for s in symbols):
        raise MXNetError("Group takes a non-empty list of Symbols")
    return Symbol([e for s in symbols for e in s._outputs])


# --- arithmetic --------------------------------------------------------------------------------
def _arith(func, scalar_func, rscalar_func=None):
    def method(self, other):
        from . import _functions
        if isinstance(other, Symbol):
            return _functions[func](self, other)
        if isinstance(other, numbers.Number):
            return _functions[scalar_func](self, scalar=float(other))
        return NotImplemented

    def reflected(self, other):
        from . import _functions
        if isinstance(other, numbers.Number):
            return _functions[rscalar_func or scalar_func](self, scalar=float(other))
        return NotImplemented
    return method, reflected


for _op, _names in {"add": ("_Plus", "_PlusScalar", None), "sub": ("_Minus", "_MinusScalar", "_RMinusScalar"),
                    "mul": ("_Mul", "_MulScalar", None), "truediv": ("_Div", "_DivScalar", "_RDivScalar"),
                    "mod": ("_Mod", "_ModScalar", "_RModScalar"),
                    "pow": ("_Power", "_PowerScalar", "_RPowerScalar")}.items():
    _m, _r = _arith(*_names)
    setattr(Symbol, "__%s__" % _op, _m)
    setattr(Symbol, "__r%s__" % _op, _r)
for _op, _names in {"eq": ("_equal", "_equal_scalar"), "ne": ("_not_equal", "_not_equal_scalar"),
                    "gt": ("_greater", "_greater_scalar"), "ge": ("_greater_equal", "_greater_equal_scalar"),
                    "lt": ("_lesser", "_lesser_scalar"), "le": ("_lesser_equal", "_lesser_equal_scalar")}.items():
    setattr(Symbol, "__%s__" % _op, _arith(*_names)[0])


def _negative(self):
    from . import _functions
    return _functions["negative"](self)


Symbol.__neg__ = _negative
Symbol.__div__ = Symbol.__truediv__
Symbol.__rdiv__ = Symbol.__rtruediv__
