"""Generates the `nd.*` functions (and the NDArray methods such as `x.sum()`) from the operator
registry.

Each function names its operator's inputs and then its attributes, in the order the operator
declares them, as MXNet's generated functions do, plus keyword-only `out=` and `name=`, and
calls `invoke`. Python binds the arguments; the fast path only looks the tuple of attribute
values up among those parsed before and checks that the inputs are NDArrays, so
`nd.FullyConnected(x, w, b, num_hidden=4)` does no parsing and no registry look-up. Anything
else (inputs that are not NDArrays, values left over, unknown keywords, attributes not seen
before) is bound and checked by the operator's `Signature`, which also binds the arguments of
the `sym.*` functions and of the variadic operators' `nd.*` functions: what a call needs to
know about its operator is worked out once, there, and parsed attribute sets are remembered
(at most `Signature.LIMIT` of them).
"""
import functools
import inspect
import keyword
import os

import numpy as np

from ..base import MXNetError
from ..ops.docstring import operator_docstring
from .ndarray import NDArray, invoke

__all__ = ["make_nd_function", "Signature", "signature_of", "shown_signature"]


class Signature:
    """How an operator's generated functions take their arguments, worked out once.

    Parameters
    ----------
    op : mxnb.ops.registry.Operator
        The operator.

    Examples
    --------
    >>> from mxnb.ops import registry
    >>> sig = signature_of(registry.get("FullyConnected"))
    >>> inputs, attrs = sig.split((x, w), {"num_hidden": 4, "no_bias": True})  # doctest: +SKIP
    """
    __slots__ = ("op", "param_names", "positional_params", "inputs", "input_position", "entries")
    LIMIT = 256                 # parsed attribute sets remembered per operator
    _PLAIN = frozenset((int, float, str, tuple, bool, type(None), type))

    def __init__(self, op):
        self.op = op
        self.param_names = tuple(op.params)
        # attributes in the order positional values fill them (a variadic count is never given
        # positionally: it is the number of inputs)
        self.positional_params = tuple(p for p in self.param_names if p != op.variadic)
        # Static input names (auxiliary states last), or None when they depend on attributes
        # (FullyConnected's bias, a variadic operator's arg0, arg1, ...).
        self.inputs = op.static_inputs
        self.input_position = (None if op.static_inputs is None else
                               {key: i for i, key in enumerate(op.static_inputs)})
        # keyword arguments as a tuple of items -> (parsed attributes, number of inputs, input
        # names, input positions by name, value types or None): see lookup
        self.entries = {}

    # --- parsed attributes, remembered -----------------------------------------------------
    def lookup(self, kwargs):
        """(parsed attributes, input count, input names, input positions, value types or None)
        for these attribute keywords, or None when they cannot be remembered (values that are
        not plain hashable data, or an error: the caller's full path then parses and raises the
        proper error)."""
        key = tuple(kwargs.items()) if kwargs else ()
        try:
            found = self.entries.get(key)   # .get: a miss raises nothing (a KeyError costs)
        except TypeError:       # unhashable values (a list): parsed on every call
            return None
        if found is None:
            return self._fill(key, kwargs, True)
        if found[4] is not None and found[4] != tuple([type(v) for v in kwargs.values()]):
            return self._fill(key, kwargs, False)   # 1 found where 1.0 or True was remembered
        return found

    def _fill(self, key, kwargs, store):
        plain = self._PLAIN
        for value in kwargs.values():
            if type(value) not in plain and not _is_numpy_plain(value):
                return None
        try:
            attrs = self.op.parse_attrs(kwargs)
            entry = self._entry(attrs, _types_if_ambiguous(self.op, kwargs, attrs) if store else None)
        except Exception:     # the full path raises the proper error
            return None
        if store and len(self.entries) < self.LIMIT:
            self.entries[key] = entry
        return entry

    def _entry(self, attrs, types=None):
        """The remembered facts about parsed `attrs`: (attrs, input count, input names, input
        positions by name, the keyword values' types where they matter)."""
        if self.inputs is not None:
            return attrs, len(self.inputs), self.inputs, self.input_position, types
        names = tuple(self.op.input_names(attrs))
        return attrs, len(names), names, {key: i for i, key in enumerate(names)}, types

    def parse(self, attr_kwargs):
        """Parsed attributes for these attribute keywords (remembered where possible)."""
        found = self.lookup(attr_kwargs)
        return found[0] if found is not None else self.op.parse_attrs(attr_kwargs)

    # --- binding the arguments of one call -------------------------------------------------
    def bind(self, args, kwargs, array_type=NDArray):
        """Splits a call's arguments into (leading inputs, inputs given by keyword, attribute
        keywords) without parsing: positional arrays (or None) first are inputs, positional
        values after them are attributes in declaration order; keywords naming attributes
        are attributes, keywords holding arrays (or None) are inputs."""
        op = self.op
        if op.variadic:
            return self._bind_variadic(args, kwargs, array_type)
        count = 0
        for value in args:
            if value is None or isinstance(value, array_type):
                count += 1
            else:
                break
        inputs = list(args[:count])
        params = op.params
        named = None
        attr_kwargs = {}
        for key, value in kwargs.items():
            if key not in params and (value is None or isinstance(value, array_type)):
                if named is None:
                    named = {}
                named[key] = value
            else:
                attr_kwargs[key] = value
        if count < len(args):
            self._positional_attributes(args[count:], attr_kwargs)
        return inputs, named, attr_kwargs

    def _positional_attributes(self, values, attr_kwargs):
        op = self.op
        if attr_kwargs:
            free = [p for p in self.param_names if p not in attr_kwargs and p != op.variadic]
        else:
            free = self.positional_params
        if len(values) > len(free):
            raise MXNetError("operator %s got %d positional arguments more than it takes"
                             % (op.name, len(values) - len(free)))
        for key, value in zip(free, values):
            attr_kwargs[key] = value

    def _bind_variadic(self, args, kwargs, array_type):
        op = self.op
        args = list(args)
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = list(args[0])
        count = 0
        for value in args:
            if isinstance(value, array_type):
                count += 1
            else:
                break
        inputs = args[:count]
        attr_kwargs = dict(kwargs)
        if "data" in attr_kwargs and not inputs:
            data = attr_kwargs.pop("data")
            inputs = list(data) if isinstance(data, (list, tuple)) else [data]
        if count < len(args):
            self._positional_attributes(args[count:], attr_kwargs)
        return inputs, None, attr_kwargs

    def place(self, inputs, named, attrs, allow_missing=False, entry=None):
        """The full input list: inputs given by keyword put at their positions, trailing
        missing ones dropped; checked unless `allow_missing` (symbols: missing inputs become
        variables). `inputs` (the leading positional ones, a fresh list) is filled in place;
        `entry` is `lookup`'s for these attributes, when there is one."""
        op = self.op
        if entry is None:
            entry = self._entry(attrs)
        names = entry[2]
        if named:
            position = entry[3]
            positional = len(inputs)
            if len(names) > positional:
                inputs.extend([None] * (len(names) - positional))
            for key, value in named.items():
                i = position.get(key)
                if i is None and value is None:
                    # an optional input given as None is absent (sequence_length=None when
                    # use_sequence_length is False), as MXNet drops None keywords
                    continue
                if i is None:
                    raise MXNetError("operator %s got unknown input(s) %s; its inputs are %s"
                                     % (op.name, [k for k, v in named.items()
                                                  if k not in position and v is not None],
                                        list(names)))
                if i < positional:
                    raise MXNetError("operator %s got input %s both positionally and by keyword"
                                     % (op.name, key))
                inputs[i] = value
        while inputs and inputs[-1] is None:
            inputs.pop()
        if allow_missing:
            return inputs
        for value in inputs:        # `is`, not `in`: `in` calls NDArray.__eq__
            if value is None:
                missing = next(i for i, v in enumerate(inputs) if v is None)
                raise MXNetError("operator %s: input %s is missing" % (op.name, names[missing]))
        if len(inputs) != len(names):
            raise MXNetError("operator %s takes inputs %s, found %d input(s)"
                             % (op.name, list(names), len(inputs)))
        return inputs

    def split(self, args, kwargs, array_type=NDArray):
        """(inputs, parsed attributes) for one eager call (the path off the fast one)."""
        inputs, named, attr_kwargs = self.bind(args, kwargs, array_type)
        op = self.op
        if op.variadic:
            self._count_inputs(inputs, attr_kwargs, allow_missing=False)
            return inputs, self.parse(attr_kwargs)
        entry = self.lookup(attr_kwargs)
        if entry is None:
            attrs = op.parse_attrs(attr_kwargs)
            return self.place(inputs, named, attrs), attrs
        return self.place(inputs, named, entry[0], entry=entry), entry[0]

    def _count_inputs(self, inputs, attr_kwargs, allow_missing):
        """A variadic operator's count attribute ('num_args') is the number of inputs given."""
        op = self.op
        given = attr_kwargs.get(op.variadic)
        if given is not None and not allow_missing and str(given).strip() != str(len(inputs)):
            # MXNet refuses a count that disagrees with the arrays given (symbols may leave
            # inputs out: they become variables)
            raise MXNetError("operator %s expects %s=%s inputs, but got %d"
                             % (op.name, op.variadic, given, len(inputs)))
        attr_kwargs[op.variadic] = len(inputs)


def _is_numpy_plain(value):
    """NumPy scalars and dtypes hash and compare by value, as the plain Python values do."""
    return isinstance(value, (np.generic, np.dtype))


def _types_if_ambiguous(op, kwargs, attrs):
    """The values' types when one of them equals 0 or 1 and another value of the same hash
    (True == 1 == 1.0) would parse differently (a Float refuses booleans, an Enum reads
    str(value)), else None: an entry remembered for one of them is then used for the others
    only when the types match too. Axes, integers and booleans parse alike: no types kept."""
    for key, value in kwargs.items():
        kind = type(value)
        if kind is str or kind is tuple or kind is type or value is None:
            continue
        try:
            if not (value == 0 or value == 1):
                continue
        except Exception:       # values without a numeric comparison (dtypes)
            continue
        for other in (bool(value), int(value), float(value)):
            try:
                same = op.parse_attrs(dict(kwargs, **{key: other})) == attrs
            except Exception:
                same = False
            if not same:
                return tuple([type(v) for v in kwargs.values()])
    return None


_SIGNATURES = {}


def signature_of(op):
    """The `Signature` of `op`, made once and shared by its nd and sym functions and methods."""
    sig = _SIGNATURES.get(op)
    if sig is None:
        sig = _SIGNATURES[op] = Signature(op)
    return sig


class _NullType:
    """The default of an attribute not given (MXNet's generated functions show `_Null`)."""
    __slots__ = ()

    def __repr__(self):
        return "_Null"


_Null = _NullType()


def make_nd_function(op, func_name):
    """The generated `nd.<func_name>` function for `op` (also used as NDArray's fluent
    methods: `x.sum(axis=1)` is `nd.sum(x, axis=1)`).

    As MXNet's, it names the operator's inputs, then its attributes in declaration order, then
    `out=` and `name=` (keyword only here) and `**kwargs`: `FullyConnected(data=None,
    weight=None, bias=None, num_hidden=_Null, no_bias=_Null, flatten=_Null, *args, out=None,
    name=None, **kwargs)`. Python binds the arguments, so the fast path needs only the tuple
    of attribute values to find them parsed. Variadic operators, and operators whose inputs
    have no one order for every attribute set, take `*args, **kwargs` and bind through their
    `Signature`.

    Parameters
    ----------
    op : mxnb.ops.registry.Operator
        The operator.
    func_name : str
        The function's name (an operator's name or alias, or a method's).

    Returns
    -------
    function
        Calls `op` on NDArrays; returns an NDArray (or a list for several outputs).

    Examples
    --------
    >>> from mxnb.ops import registry
    >>> relu = make_nd_function(registry.get("relu"), "relu")
    >>> relu(mx.nd.array([-1.0, 2.0])).asnumpy()
    array([0., 2.], dtype=float32)
    """
    sig = signature_of(op)
    inputs = _widest_inputs(op)
    if inputs is None or not _plain_names(inputs + tuple(op.params)):
        fn = _generic_function(op, sig)
        if op.variadic:         # shown as MXNet's: (*data, ...)
            fn.__signature__ = shown_signature(op, ("out", "name"))
    else:
        fn = _named_function(op, sig, inputs, func_name)
    fn.__name__ = func_name
    fn.__qualname__ = func_name
    fn.__doc__ = operator_docstring(op, "nd", func_name)
    return fn


def shown_signature(op, keywords):
    """The signature `inspect` (help(), Jupyter's Shift-Tab) shows for a function generated
    for `op` that binds its arguments as MXNet's: the inputs and then the attributes by name,
    `keywords` (keyword-only, default None) and **kwargs; `(*data, ...)` for a variadic
    operator. None where the inputs have no one order (_widest_inputs).

    Parameters
    ----------
    op : mxnb.ops.registry.Operator
        The operator.
    keywords : sequence of str
        The function's own keyword arguments ('name', 'attr' for `sym.*`).

    Returns
    -------
    inspect.Signature or None

    Examples
    --------
    >>> from mxnb.ops import registry
    >>> print(shown_signature(registry.get("relu"), ("name", "attr")))
    (data=None, *, name=None, attr=None, **kwargs)
    """
    if op.variadic:
        return _signature((), (), keywords, "data")
    inputs = _widest_inputs(op)
    if inputs is None or not _plain_names(inputs + tuple(op.params)):
        return None
    return _signature(inputs, op.params, keywords)


def _signature(inputs, params, keywords, varargs=None):
    """The parameters of a generated function, in one place for what inspect shows and for
    the generated source (whose `def` is this signature written out: the defaults' reprs are
    `None` and `_Null`): inputs (default None), attributes (default _Null), `*varargs` (or a
    bare `*`), `keywords` (default None), **kwargs."""
    P = inspect.Parameter
    return inspect.Signature(
        [P(k, P.POSITIONAL_OR_KEYWORD, default=None) for k in inputs] +
        [P(k, P.POSITIONAL_OR_KEYWORD, default=_Null) for k in params] +
        ([P(varargs, P.VAR_POSITIONAL)] if varargs else []) +
        [P(k, P.KEYWORD_ONLY, default=None) for k in keywords] + [P("kwargs", P.VAR_KEYWORD)])


_RESERVED = frozenset(("args", "kwargs", "out", "name"))


def _plain_names(names):
    """Whether `names` can be the generated function's parameters: identifiers, none a Python
    keyword, none of its own (out, name, args, kwargs, or starting with an underscore)."""
    return all(k.isidentifier() and not keyword.iskeyword(k) and k not in _RESERVED
               and not k.startswith("_") for k in names)


def _generic_function(op, sig):
    split = sig.split

    def generic(*args, out=None, name=None, **kwargs):
        inputs, attrs = split(args, kwargs)
        return invoke(op, inputs, attrs, out)
    return generic


def _widest_inputs(op):
    """Every input `op` may take, in order, when each attribute set takes a leading part of
    them (FullyConnected's bias only without no_bias, LeakyReLU's gamma only for prelu); None
    when there is no such order or it cannot be found (variadic operators, CTCLoss's two
    optional lengths, the multi-tensor optimizer updates' num_weights). Tried: the defaults,
    each choice of every Enum or Bool attribute, and two other values of every integer one.
    A call whose attributes name inputs outside the order is still bound right (by name, in
    `_bound_call`): the order only decides where positional inputs go."""
    if op.static_inputs is not None:
        return op.static_inputs
    if op.variadic:
        return None

    def names(**changed):
        return tuple(op.input_names(dict(op.defaults, **changed)))
    try:
        widest = base = names()
        for key, default in op.defaults.items():
            param = op.params[key]
            if param.choices:
                trials = [names(**{key: choice}) for choice in param.choices]
            elif type(default) is int:
                # a count of inputs (num_weights, num_args): no one order for every count
                if names(**{key: default + 1}) != base or names(**{key: default + 2}) != base:
                    return None
                continue
            else:
                continue
            for found in trials:
                short, long = sorted((found, widest), key=len)
                if long[:len(short)] != short:
                    return None
                widest = long
    except Exception:       # names that need a required attribute: bound on every call
        return None
    return widest


def _named_function(op, sig, inputs, func_name):
    """The generated function with the inputs and attributes as named parameters (see
    make_nd_function). Its source is written once, here: the body is only the fast path (every
    input an NDArray, attributes seen before; `type() is` first, as isinstance costs more and
    only subclasses such as sparse arrays need it); anything else goes to `_bound_call`. Its own
    names start with an underscore, which no input or attribute name does (_plain_names)."""
    params = tuple(op.params)
    static = op.static_inputs is not None
    code = ["def function%s:" % _signature(inputs, params, ("out", "name"), "args")]
    code.append("    if not args and not kwargs:")
    if params:
        code += ["        try:",
                 "            _found = _known_get(_key := (%s,))" % ", ".join(params),
                 "        except TypeError:     # unhashable values (a list): _bound_call parses",
                 "            _found = None",
                 "        if _found is None:",
                 "            _found = _remember(_key)",
                 "        if _found is not None:"]
    else:
        code += ["        _found = _defaults",
                 "        if True:"]
    # The parsed attributes (static inputs), or (parsed attributes, input count): one branch
    # per number of inputs the attributes may call for, the trailing ones left None.
    if static:
        counts = [len(inputs)]
        code.append("            _attrs = _found")
    else:
        counts = range(len(inputs), 0, -1)
        code.append("            _attrs, _count = _found")
    for count in counts:
        test = ([] if static else ["_count == %d" % count] +
                ["%s is None" % k for k in inputs[count:]])
        test += ["(type(%s) is _NDArray or isinstance(%s, _NDArray))" % (k, k)
                 for k in inputs[:count]] or ["True"]
        code += ["            if %s:" % " and ".join(test),
                 "                return _invoke(_op, (%s), _attrs, out)"
                 % "".join(k + ", " for k in inputs[:count])]
    code.append("    return _bound_call((%s), (%s), args, kwargs, out)"
                % ("".join(k + ", " for k in inputs), "".join(k + ", " for k in params)))
    known = {}      # attribute values -> what the fast path takes (_remember)
    typed = {}      # the same where the values' types matter -> (that, the types)
    namespace = {"__name__": __name__, "_Null": _Null, "_NDArray": NDArray, "_invoke": invoke,
                 "_op": op, "_known_get": known.get,
                 "_remember": functools.partial(_remember, sig, inputs, static, known, typed),
                 "_defaults": op.defaults if static else (op.defaults, len(inputs)),
                 "_bound_call": functools.partial(_bound_call, sig, inputs)}
    # Named as a file in this package, so frames of it count as mxnb's own (a warning is
    # attributed to the user's line beyond them).
    filename = os.path.join(os.path.dirname(__file__), "<generated nd.%s>" % func_name)
    exec(compile("\n".join(code) + "\n", filename, "exec"), namespace)
    return namespace["function"]


def _remember(sig, inputs, static, known, typed, key):
    """What the fast path takes for these attribute values (`key`, in declaration order, _Null
    where not given): the parsed attributes, or for inputs that depend on them (parsed
    attributes, input count). Remembered in `known`, or in `typed` with the values' types where
    True, 1 and 1.0 would parse differently (used only for values of the same types). None
    when they must be parsed on every call (values that are not plain data, an error, inputs
    not a leading part of `inputs`). At most Signature.LIMIT sets of values each."""
    try:
        found = typed.get(key)
    except TypeError:           # unhashable values
        return None
    types = None
    if found is not None:
        types = tuple(map(type, key))
        if found[1] == types:
            return found[0]
    entry = sig.lookup({k: v for k, v in zip(sig.param_names, key) if v is not _Null})
    if entry is None or entry[2] != inputs[:entry[1]]:
        return None
    value = entry[0] if static else (entry[0], entry[1])
    if entry[4] is None:
        if len(known) < Signature.LIMIT:
            known[key] = value
    elif found is None and len(typed) < Signature.LIMIT:
        typed[key] = (value, types or tuple(map(type, key)))
    return value


def _bound_call(sig, inputs, input_values, attr_values, args, kwargs, out):
    """A generated function's call off its fast path: leftover positional values, keywords
    that are neither inputs nor attributes, inputs that are not NDArrays or are missing,
    attributes to parse. Raises the error that names the operator, or runs the call."""
    op = sig.op
    if args:
        raise MXNetError("operator %s got %d positional arguments more than it takes"
                         % (op.name, len(args)))
    attr_kwargs = {k: v for k, v in zip(sig.param_names, attr_values) if v is not _Null}
    named = {}
    for key, value in zip(inputs, input_values):
        if value is None:
            continue
        if not isinstance(value, NDArray):
            if len(inputs) == 1:
                break
            raise MXNetError("operator %s: input %s must be an NDArray, found %s"
                             % (op.name, key, type(value).__name__))
        named[key] = value
    for key, value in kwargs.items():
        if value is None or isinstance(value, NDArray):
            named[key] = value      # an input outside `inputs`: place() names it
        else:
            attr_kwargs[key] = value    # parse_attrs refuses it by name
    if len(inputs) == 1 and not named:
        raise MXNetError("operator %s expects an NDArray as its input, found %s"
                         % (op.name, type(input_values[0]).__name__))
    entry = sig.lookup(attr_kwargs)
    attrs = entry[0] if entry is not None else op.parse_attrs(attr_kwargs)
    return invoke(op, sig.place([], named, attrs, entry=entry), attrs, out)
