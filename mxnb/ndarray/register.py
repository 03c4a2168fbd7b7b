"""Generates the `nd.*` functions from the operator registry.

Each function takes its operator's inputs positionally or by name, then its attributes
positionally (in the order the operator declares them) or by keyword, as MXNet's generated
functions do, and calls `invoke`.

The hot path does no parsing: each function remembers the attributes parsed for the keyword
arguments it has seen (`_AttrCache`), with the input count they imply, so a call such as
`nd.FullyConnected(x, w, b, num_hidden=4)` costs a tuple, a dict look-up and `invoke`.
"""
from ..base import MXNetError
from ..ops.docstring import operator_docstring
from .ndarray import NDArray, invoke

__all__ = ["make_nd_function"]


def make_nd_function(op, func_name):
    param_names = list(op.params)
    static_inputs = op.static_inputs
    defaults = op.defaults
    no_required = not op.required

    if static_inputs is not None and len(static_inputs) == 1 and no_required:
        # The commonest case (unary operators): one input, no required attributes. Positional
        # arguments after the input are attributes, as in MXNet (nd.swapaxes(x, 0, 1)).
        lookup_unary = _AttrCache(op).lookup

        def unary(data=None, *args, out=None, name=None, **kwargs):
            if args:
                inputs, attrs = split_arguments(op, param_names, (data,) + args, kwargs)
                return invoke(op, inputs, attrs, out)
            if kwargs:
                if "data" in kwargs and data is None:
                    data = kwargs.pop("data")
                found = lookup_unary(kwargs) if kwargs else None
                attrs = found[0] if found is not None else (op.parse_attrs(kwargs) if kwargs
                                                            else defaults)
            else:
                attrs = defaults
            if not isinstance(data, NDArray):
                raise MXNetError("operator %s expects an NDArray as its input, found %s"
                                 % (op.name, type(data).__name__))
            return invoke(op, [data], attrs, out)
        fn = unary
    elif op.variadic:
        def generic(*args, out=None, name=None, **kwargs):
            inputs, attrs = split_arguments(op, param_names, args, kwargs)
            return invoke(op, inputs, attrs, out)
        fn = generic
    else:
        cache = _AttrCache(op)
        lookup = cache.lookup

        def fixed(*args, out=None, name=None, **kwargs):
            # Fast path: the inputs positionally, attributes by keyword (seen before).
            found = lookup(kwargs)
            if found is not None and len(args) == found[1]:
                for a in args:
                    if not isinstance(a, NDArray):
                        break
                else:
                    return invoke(op, list(args), found[0], out)
            inputs, attrs = split_arguments(op, param_names, args, kwargs)
            return invoke(op, inputs, attrs, out)
        fn = fixed
    fn.__name__ = func_name
    fn.__qualname__ = func_name
    fn.__doc__ = operator_docstring(op, "nd", func_name)
    return fn


class _AttrCache:
    """Parsed attributes by the keyword arguments of a call, for one operator.

    Only keyword arguments whose values are plain hashable attribute values (numbers, strings,
    tuples) are remembered, and at most `LIMIT` sets of them, so a loop over many values cannot
    grow it without bound. Each entry is (attrs, number of inputs these attrs imply).
    """
    __slots__ = ("op", "entries")
    LIMIT = 256
    _PLAIN = (int, float, str, tuple, bool, type(None))

    def __init__(self, op):
        self.op = op
        self.entries = {}

    def lookup(self, kwargs):
        if not kwargs:
            key = ()
        else:
            key = tuple(kwargs.items())
        try:
            return self.entries[key]
        except KeyError:
            return self._fill(key, kwargs)
        except Exception:     # unhashable or odd values: the slow path parses them
            return None

    def _fill(self, key, kwargs):
        for value in kwargs.values():
            if type(value) not in self._PLAIN:
                return None
        op = self.op
        try:
            attrs = op.parse_attrs(kwargs)
            count = len(op.input_names(attrs))
        except Exception:     # the slow path raises the proper error
            return None
        if len(self.entries) < self.LIMIT:
            self.entries[key] = (attrs, count)
        return attrs, count


def split_arguments(op, param_names, args, kwargs, array_type=NDArray, allow_missing=False):
    """(inputs, parsed attributes) from a generated function's arguments."""
    args = list(args)
    inputs = []
    if op.variadic:
        if len(args) == 1 and isinstance(args[0], (list, tuple)):
            args = list(args[0])
        while args and isinstance(args[0], array_type):
            inputs.append(args.pop(0))
        if "data" in kwargs and not inputs:
            data = kwargs.pop("data")
            inputs = list(data) if isinstance(data, (list, tuple)) else [data]
        given = kwargs.get(op.variadic)
        if given is not None and not allow_missing and str(given).strip() != str(len(inputs)):
            # MXNet refuses a count that disagrees with the arrays given (symbols may leave
            # inputs out: they become variables)
            raise MXNetError("operator %s expects %s=%s inputs, but got %d"
                             % (op.name, op.variadic, given, len(inputs)))
        kwargs[op.variadic] = len(inputs)
    else:
        while args and (isinstance(args[0], array_type) or args[0] is None):
            inputs.append(args.pop(0))
    if args:
        free = [p for p in param_names if p not in kwargs and p != op.variadic]
        if len(args) > len(free):
            raise MXNetError("operator %s got %d positional arguments more than it takes"
                             % (op.name, len(args) - len(free)))
        for key, value in zip(free, args):
            kwargs[key] = value
    names_by_input = None
    if not op.variadic:
        # Inputs given by name ('data=', 'weight=') are taken out before attributes are parsed.
        candidates = [k for k, v in kwargs.items() if isinstance(v, array_type) or (v is None and k not in op.params)]
        if candidates:
            names_by_input = {k: kwargs.pop(k) for k in candidates}
    attrs = op.parse_attrs(kwargs)
    if not op.variadic:
        names = op.input_names(attrs)
        if names_by_input:
            unknown = [k for k in names_by_input if k not in names]
            if unknown:
                raise MXNetError("operator %s got unknown input(s) %s; its inputs are %s"
                                 % (op.name, unknown, names))
            full = inputs + [None] * (len(names) - len(inputs))
            for i, key in enumerate(names):
                if key in names_by_input:
                    full[i] = names_by_input[key]
            inputs = full
        while inputs and inputs[-1] is None:
            inputs.pop()
        if allow_missing:
            return inputs, attrs
        for i, x in enumerate(inputs):      # `is`, not `in`: `in` calls NDArray.__eq__
            if x is None:
                raise MXNetError("operator %s: input %s is missing" % (op.name, names[i]))
        if len(inputs) != len(names):
            raise MXNetError("operator %s takes inputs %s, found %d input(s)" % (op.name, names, len(inputs)))
    return inputs, attrs
