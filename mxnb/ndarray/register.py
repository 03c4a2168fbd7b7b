"""Generates the `nd.*` functions from the operator registry.

Each function takes its operator's inputs positionally or by name, then its attributes
positionally (in the order the operator declares them) or by keyword, as MXNet's generated
functions do, and calls `invoke` with attributes parsed once per call.
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
        def unary(data=None, *args, out=None, name=None, **kwargs):
            if args:
                inputs, attrs = split_arguments(op, param_names, (data,) + args, kwargs)
                return invoke(op, inputs, attrs, out)
            if kwargs:
                if "data" in kwargs and data is None:
                    data = kwargs.pop("data")
                attrs = op.parse_attrs(kwargs) if kwargs else defaults
            else:
                attrs = defaults
            if not isinstance(data, NDArray):
                raise MXNetError("operator %s expects an NDArray as its input, found %s"
                                 % (op.name, type(data).__name__))
            return invoke(op, [data], attrs, out)
        fn = unary
    else:
        def generic(*args, out=None, name=None, **kwargs):
            inputs, attrs = split_arguments(op, param_names, args, kwargs)
            return invoke(op, inputs, attrs, out)
        fn = generic
    fn.__name__ = func_name
    fn.__qualname__ = func_name
    fn.__doc__ = operator_docstring(op, "nd", func_name)
    return fn


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
        if None in inputs:
            raise MXNetError("operator %s: input %s is missing" % (op.name, names[inputs.index(None)]))
        if len(inputs) != len(names):
            raise MXNetError("operator %s takes inputs %s, found %d input(s)" % (op.name, names, len(inputs)))
    return inputs, attrs
