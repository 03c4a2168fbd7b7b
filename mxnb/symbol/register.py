"""Generates the `sym.*` functions from the operator registry.

Inputs not given become variables named `<node name>_<input name>` (`fc1_weight`), as in MXNet.
"""
from .. import attribute, name as _name
from ..base import MXNetError
from ..ops.docstring import operator_docstring
from ..graph.node import Node
from ..ndarray.register import shown_signature, signature_of
from .symbol import Symbol, var

__all__ = ["make_sym_function", "make_node"]


def make_sym_function(op, func_name):
    hint = func_name.lower()
    sig = signature_of(op)      # the same binding of arguments as nd.* (ndarray/register.py)

    def function(*args, name=None, attr=None, **kwargs):
        # MXNet's node attributes given as keywords (__layout__='TNC', __lr_mult__=...).
        dunder = [k for k in kwargs if k.startswith("__") and k.endswith("__")]
        if dunder:
            attr = dict(attr or {}, **{k: str(kwargs.pop(k)) for k in dunder})
        inputs, named, attr_kwargs = sig.bind(args, kwargs, Symbol)
        if op.variadic:
            sig._count_inputs(inputs, attr_kwargs, allow_missing=True)
        # Parsed afresh: a node keeps its attributes, which graph passes may change.
        attrs = op.parse_attrs(attr_kwargs)
        if not op.variadic:
            # Inputs may be missing: they become variables named after the node.
            inputs = sig.place(inputs, named, attrs, allow_missing=True)
        # The attributes given explicitly (by keyword or positionally), for JSON.
        given = [k for k in attr_kwargs if k in op.params]
        return make_node(op, inputs, attrs, name, attr, hint, given)
    function.__name__ = func_name
    function.__qualname__ = func_name
    function.__doc__ = operator_docstring(op, "sym", func_name)
    # What help() and Jupyter show: MXNet's parameters (positional attributes after all the
    # inputs bind alike either way; `sig.bind` also takes them after fewer inputs)
    shown = shown_signature(op, ("name", "attr"))
    if shown is not None:
        function.__signature__ = shown
    return function


def make_node(op, inputs, attrs, name=None, attr=None, hint=None, given=None):
    """A Symbol for one application of `op`; missing inputs become new variables."""
    node_name = _name.current().get(name, hint or op.hint)
    names = op.input_names(attrs)
    # missing inputs become variables (a variadic operator may name more inputs than it was
    # given: bilinear UpSampling's weight)
    inputs = list(inputs) + [None] * (len(names) - len(inputs))
    if not op.variadic and len(inputs) > len(names):
        raise MXNetError("operator %s takes inputs %s, found %d" % (op.name, names, len(inputs)))
    entries = []
    for key, value in zip(names, inputs):
        if value is None:
            value = var("%s_%s" % (node_name, key))
        elif not isinstance(value, Symbol):
            raise MXNetError("operator %s: input %s must be a Symbol, found %s"
                             % (op.name, key, type(value).__name__))
        if len(value._outputs) != 1:
            raise MXNetError("operator %s: input %s is a group of %d outputs; pass one"
                             % (op.name, key, len(value._outputs)))
        entries.append(value._outputs[0])
    user_attrs = attribute.current().get(attr)
    node = Node(op, node_name, attrs, entries, op.num_outputs(attrs), user_attrs)
    node.given = tuple(given) if given is not None else tuple(attrs)
    if op.variadic and op.variadic not in node.given:
        node.given += (op.variadic,)
    visible = op.num_visible_outputs(attrs)
    return Symbol([(node, i) for i in range(visible)])
