"""Generates the `sym.*` functions from the operator registry.

Inputs not given become variables named `<node name>_<input name>` (`fc1_weight`), as in MXNet,
carrying the node's attributes (so `lr_mult=` given to an operator reaches its weights).
"""
from .. import attribute, name as _name
from ..base import MXNetError
from ..ops.docstring import operator_docstring
from ..graph.node import Node
from ..ndarray.register import shown_signature, signature_of
from .symbol import Symbol, HIDDEN_KEYS, given_attrs, node_attrs

__all__ = ["make_sym_function", "make_node", "set_input_inits"]


def make_sym_function(op, func_name):
    hint = func_name.lower()
    sig = signature_of(op)      # the same binding of arguments as nd.* (ndarray/register.py)

    def function(*args, name=None, attr=None, **kwargs):
        # MXNet's node attributes given as keywords (__layout__='TNC', lr_mult=2, ...).
        node_keys = [k for k in kwargs if _is_node_attr(k) and k not in op.params]
        if node_keys:
            attr = dict(attr or {}, **{k: str(kwargs.pop(k)) for k in node_keys})
        inputs, named, attr_kwargs = sig.bind(args, kwargs, Symbol)
        if op.variadic:
            sig._count_inputs(inputs, attr_kwargs, allow_missing=True)
        # Parsed afresh: a node keeps its attributes, which graph passes may change.
        attrs = op.parse_attrs(attr_kwargs)
        if not op.variadic:
            # Inputs may be missing: they become variables named after the node.
            inputs = sig.place(inputs, named, attrs, allow_missing=True)
        # The attributes given explicitly (by keyword or positionally), for JSON.
        # (`in attrs`, not `in op.params`: Custom's attributes are its prop's, undeclared)
        given = [k for k in attr_kwargs if k in attrs]
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


def _is_node_attr(key):
    """Whether an operator's keyword is an attribute of the node, not of the operator."""
    return (key.startswith("__") and key.endswith("__")) or key.endswith(HIDDEN_KEYS)


def make_node(op, inputs, attrs, name=None, attr=None, hint=None, given=None):
    """A Symbol for one application of `op`; missing inputs become new variables."""
    node_name = _name.current().get(name, hint or op.hint)
    names = op.input_names(attrs)
    # missing inputs become variables (a variadic operator may name more inputs than it was
    # given: bilinear UpSampling's weight)
    inputs = list(inputs) + [None] * (len(names) - len(inputs))
    if not op.variadic and len(inputs) > len(names):
        raise MXNetError("operator %s takes inputs %s, found %d" % (op.name, names, len(inputs)))
    given = tuple(given) if given is not None else tuple(attrs)
    if op.variadic and op.variadic not in given:
        given += (op.variadic,)
    user_attrs = node_attrs(attribute.current().get(attr))
    created_attrs = None
    entries = []
    for key, value in zip(names, inputs):
        if value is None:
            if created_attrs is None:
                # As MXNet, a variable made for a missing input copies the node's attributes:
                # its operator attributes as given and the user ones (__lr_mult__, ...).
                created_attrs = dict(given_attrs(op, attrs, given), **user_attrs)
            value = Symbol([(Node(None, "%s_%s" % (node_name, key),
                                  user_attrs=dict(created_attrs)), 0)])
        elif not isinstance(value, Symbol):
            raise MXNetError("operator %s: input %s must be a Symbol, found %s"
                             % (op.name, key, type(value).__name__))
        if len(value._outputs) != 1:
            raise MXNetError("operator %s: input %s is a group of %d outputs; pass one"
                             % (op.name, key, len(value._outputs)))
        entries.append(value._outputs[0])
    set_input_inits(op, names, entries)
    node = Node(op, node_name, attrs, entries, op.num_outputs(attrs), user_attrs)
    node.given = given
    visible = op.num_visible_outputs(attrs)
    return Symbol([(node, i) for i in range(visible)])


def set_input_inits(op, names, entries):
    """Gives each variable input the initializer its operator declares for it (prelu's gamma
    starts at 0.25), unless the variable names one already; as MXNet, a variable passed in by
    the caller gets it too."""
    if not op.input_init:
        return
    for key, (node, _) in zip(names, entries):
        init = op.input_init.get(key)
        if init is not None and node.op is None and "__init__" not in node.user_attrs:
            node.user_attrs["__init__"] = init
