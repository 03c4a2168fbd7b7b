"""Generates the `nd.*` functions (and the NDArray methods such as `x.sum()`) from the operator
registry.

Each function takes its operator's inputs positionally or by name, then its attributes
positionally (in the order the operator declares them) or by keyword, as MXNet's generated
functions do, plus `out=` and `name=`, and calls `invoke`.

What a call needs to know about its operator is worked out once, in its `Signature`: the input
names and their positions, the attribute names, and the attributes already parsed for each set
of keyword arguments seen (at most `Signature.LIMIT` sets). So the hot path does no parsing and
no registry look-up: `nd.FullyConnected(x, w, b, num_hidden=4)` costs a tuple, a dict look-up,
an isinstance per input and `invoke`. Calls off that path (inputs by keyword, attributes
positionally) bind their arguments with the same Signature and still parse nothing they parsed
before.
"""
import numpy as np

from ..base import MXNetError
from ..ops.docstring import operator_docstring
from .ndarray import NDArray, invoke

__all__ = ["make_nd_function", "Signature", "signature_of", "split_arguments"]


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
    __slots__ = ("op", "param_names", "positional_params", "inputs", "input_position", "entries",
                 "positional_entries")
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
        # (positional attribute values, keyword items) -> the same entries, for one-input
        # operators called as x.sum(1), nd.swapaxes(x, 0, 1)
        self.positional_entries = {}

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

    def lookup_positional(self, args, kwargs):
        """`lookup` for a one-input call whose attributes are also given positionally after the
        input (`args`); remembered by (args, keyword items) when the values are plain."""
        attr_kwargs = dict(kwargs)
        self._positional_attributes(args, attr_kwargs)
        found = self.lookup(attr_kwargs)
        # Remembered only what `entries` remembers without a type guard: values that any
        # hash-equal value (1 for True) would parse to alike.
        if (found is not None and found[4] is None and len(self.positional_entries) < self.LIMIT
                and self.entries.get(tuple(attr_kwargs.items())) is found):
            self.positional_entries[(args, tuple(kwargs.items()))] = found
        return found

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
                if i is None:
                    raise MXNetError("operator %s got unknown input(s) %s; its inputs are %s"
                                     % (op.name, [k for k in named if k not in position],
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


def make_nd_function(op, func_name):
    """The generated `nd.<func_name>` function for `op` (also used as NDArray's fluent
    methods: `x.sum(axis=1)` is `nd.sum(x, axis=1)`)."""
    sig = signature_of(op)
    lookup = sig.lookup
    split = sig.split
    # The fast paths read the remembered entries directly (lookup, inlined: a method call and
    # its attribute reads are a fifth of the function's own cost); anything unusual, a miss or
    # a value of another type included, goes through lookup/split.
    entries = sig.entries
    positional_entries = sig.positional_entries
    array_type = NDArray        # a closure variable: quicker to read than the module global

    if sig.inputs is not None and len(sig.inputs) == 1 and not op.required:
        # The commonest case (unary operators): one input, no required attributes.
        defaults = op.defaults

        def unary(data=None, *args, out=None, name=None, **kwargs):
            if type(data) is array_type:
                # Fast path, lookup inlined: attributes by keyword (or none), seen before.
                if not args:
                    if not kwargs:
                        return invoke(op, (data,), defaults, out)
                    try:
                        found = entries.get(tuple(kwargs.items()))
                    except TypeError:       # unhashable values: split parses them
                        found = None
                    if found is not None and (found[4] is None or found[4] == tuple(
                            [type(v) for v in kwargs.values()])):
                        return invoke(op, (data,), found[0], out)
                else:
                    # attributes given positionally (nd.swapaxes(x, 0, 1), x.sum(1))
                    try:
                        found = positional_entries.get((args, tuple(kwargs.items())))
                    except TypeError:
                        found = None
                    if found is None:
                        found = sig.lookup_positional(args, kwargs)
                    if found is not None:
                        return invoke(op, (data,), found[0], out)
            # off the fast path: a miss, inputs by keyword, attributes that need parsing
            if data is None and "data" in kwargs:
                data = kwargs.pop("data")
            if args:
                inputs, attrs = split((data,) + args, kwargs)
                return invoke(op, inputs, attrs, out)
            if not isinstance(data, NDArray):
                raise MXNetError("operator %s expects an NDArray as its input, found %s"
                                 % (op.name, type(data).__name__))
            if kwargs:
                found = lookup(kwargs)
                attrs = found[0] if found is not None else split((data,), kwargs)[1]
            else:
                attrs = defaults
            return invoke(op, [data], attrs, out)
        fn = unary
    elif op.variadic:
        def generic(*args, out=None, name=None, **kwargs):
            inputs, attrs = split(args, kwargs)
            return invoke(op, inputs, attrs, out)
        fn = generic
    else:
        by_keyword = _keyword_caller(sig)

        def fixed(*args, out=None, name=None, **kwargs):
            if args:
                # Fast path, lookup inlined: the inputs positionally, attributes by keyword,
                # seen before.
                try:
                    found = entries.get(tuple(kwargs.items()) if kwargs else ())
                except TypeError:           # unhashable values: split parses them
                    found = None
                if found is None or (found[4] is not None and found[4] != tuple(
                        [type(v) for v in kwargs.values()])):
                    found = lookup(kwargs)
                if found is not None and len(args) == found[1]:
                    for value in args:
                        if type(value) is not array_type and not isinstance(value, NDArray):
                            break
                    else:
                        return invoke(op, args, found[0], out)
            elif kwargs:
                # inputs by keyword (nd.FullyConnected(data=x, weight=w, bias=b, num_hidden=4))
                result = by_keyword(kwargs, out)
                if result is not _MISS:
                    return result
            inputs, attrs = split(args, kwargs)
            return invoke(op, inputs, attrs, out)
        fn = fixed
    fn.__name__ = func_name
    fn.__qualname__ = func_name
    fn.__doc__ = operator_docstring(op, "nd", func_name)
    return fn


_MISS = object()


def _keyword_caller(sig):
    """For `make_nd_function`: a call whose arguments are all keywords, inputs among them
    (`nd.FullyConnected(data=x, weight=w, bias=b, num_hidden=4)`), run without binding when
    it plainly fits: which keywords are inputs is remembered per set of keyword names, the
    attributes come from `lookup`, and every input the attributes call for must be given, in
    any order, as an NDArray. Returns `_MISS` for anything else (the caller's full path then
    binds and words the error), including keyword sets with no input among them."""
    op, lookup, params = sig.op, sig.lookup, sig.op.params
    plans = {}          # keyword names -> (attribute names, number of inputs named) or None

    def call(kwargs, out):
        names = tuple(kwargs)
        plan = plans.get(names, _MISS)
        if plan is _MISS:
            attr_names = tuple(k for k in names if k in params)
            plan = (attr_names, len(names) - len(attr_names)) if len(attr_names) < len(names) else None
            if len(plans) < Signature.LIMIT:
                plans[names] = plan
        if plan is None:
            return _MISS
        attr_names, count = plan
        found = lookup({k: kwargs[k] for k in attr_names})
        if found is None or found[1] != count:
            return _MISS
        inputs = []
        for key in found[2]:
            value = kwargs.get(key)
            if not isinstance(value, NDArray):
                return _MISS
            inputs.append(value)
        return invoke(op, inputs, found[0], out)
    return call


def split_arguments(op, param_names, args, kwargs, array_type=NDArray, allow_missing=False):
    """(inputs, parsed attributes) from a generated function's arguments. (Kept for callers
    outside the generated functions; `param_names` is the operator's, as before.)"""
    sig = signature_of(op)
    if not allow_missing:
        return sig.split(args, kwargs, array_type)
    inputs, named, attr_kwargs = sig.bind(args, kwargs, array_type)
    if op.variadic:
        sig._count_inputs(inputs, attr_kwargs, allow_missing=True)
        return inputs, op.parse_attrs(attr_kwargs)
    attrs = op.parse_attrs(attr_kwargs)
    return sig.place(inputs, named, attrs, allow_missing=True), attrs
