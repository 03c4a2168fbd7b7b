"""`Custom` and `_backward_Custom`: operators written in Python by users (`mx.operator.CustomOp`).

Their inputs, outputs, shapes and types come from the `CustomOpProp` registered under the call's
`op_type`, so these records read them through a *runtime* that `mxnb.operator` installs (it knows
NDArrays, which this layer must not import). Keywords holding arrays (symbols) are inputs, placed
by the prop's `list_arguments()` and `list_auxiliary_states()` names; every other keyword but
`op_type` is an attribute, passed to the prop's constructor as a string, as MXNet does. (So
`op_type` is the only declared parameter: the generated functions' binding sends other plain
values to `parse_attrs` and arrays to the inputs.)

Each node's parsed attributes carry a `CustomState` (attribute `_state`): the prop instance and
the operator instances it created, one per (shapes, dtypes, context). The backward node is given
the same state, so `backward` runs on the instance whose `forward` ran, as in MXNet.
"""
from ..base import MXNetError
from . import registry
from .params import Int, Str
from .registry import Operator

__all__ = ["CustomState", "install_runtime", "prop_class"]

# op_type -> CustomOpProp class, filled by mx.operator.register.
PROPS = {}
_RUNTIME = None


def install_runtime(runtime):
    """Called once by `mxnb.operator`: the object that runs props and operators."""
    global _RUNTIME
    _RUNTIME = runtime


def prop_class(op_type):
    cls = PROPS.get(op_type)
    if cls is None:
        raise MXNetError("Custom: no operator is registered with op_type %r (register it with "
                         "@mx.operator.register(%r)); registered are %s"
                         % (op_type, op_type, sorted(PROPS)))
    return cls


class CustomState:
    """The prop instance of one Custom node and the operators it created."""
    __slots__ = ("op_type", "kwargs", "prop", "arguments", "outputs", "auxiliary", "operators")

    def __init__(self, op_type, kwargs):
        self.op_type = op_type
        self.kwargs = kwargs
        try:
            self.prop = prop_class(op_type)(**kwargs)
        except TypeError as exc:
            raise MXNetError("Custom op_type %r: its CustomOpProp does not take the arguments %s: %s"
                             % (op_type, sorted(kwargs), exc)) from None
        self.arguments = list(self.prop.list_arguments())
        self.outputs = list(self.prop.list_outputs())
        self.auxiliary = list(self.prop.list_auxiliary_states())
        self.operators = {}


class _CustomOperator(Operator):
    """An operator whose inputs and outputs depend on the registered prop of `op_type`."""

    def parse_attrs(self, kwargs):
        kwargs = dict(kwargs)
        state = kwargs.pop("_state", None)
        op_type = kwargs.pop("op_type", None)
        if state is None:
            if op_type is None:
                raise MXNetError("operator %s needs argument op_type, which was not given" % self.name)
            strings = {k: _as_string(v) for k, v in kwargs.items()}
            state = CustomState(str(op_type), strings)
            return dict(strings, op_type=str(op_type), _state=state)
        return dict(kwargs, op_type=state.op_type, _state=state)

    def format_attrs(self, attrs, keep_defaults=False):
        return {k: _as_string(v) for k, v in attrs.items() if not k.startswith("_")}


def _as_string(value):
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


class Custom:
    """Runs a user-defined operator registered with `mx.operator.register(op_type)`.

    Parameters
    ----------
    *data : NDArray or Symbol
        The inputs, in the order of the prop's `list_arguments()` (then its auxiliary states).
    op_type : str
        The name the CustomOpProp was registered under.
    **kwargs
        Passed to the prop's constructor as strings.

    Returns
    -------
    NDArray or list of NDArray (Symbol in mx.sym)
        The outputs named by the prop's `list_outputs()`.

    Example
    -------
    >>> y = mx.nd.Custom(x, op_type='sqr')   # doctest: +SKIP
    """

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return _runtime().forward(xp, inputs, attrs["_state"], is_train)

    def infer_shape(attrs, in_shapes):
        return _runtime().infer_shape(attrs["_state"], in_shapes)

    def infer_type(attrs, in_types):
        return _runtime().infer_type(attrs["_state"], in_types)

    def gradient(F, attrs, inputs, outputs, out_grads):
        state = attrs["_state"]
        n_args, n_aux = len(state.arguments), len(state.auxiliary)
        args, aux = list(inputs[:n_args]), list(inputs[n_args:])
        grads = F._backward_Custom(*(list(out_grads) + args + list(outputs) + aux), _state=state)
        if isinstance(grads, (list, tuple)):
            grads = list(grads)
        elif hasattr(grads, "list_outputs"):   # a Symbol: one per output
            grads = list(grads)
        else:
            grads = [grads]
        return grads + [None] * n_aux


class BackwardCustom:
    """The gradient of a `Custom` node: runs its operator's `backward` (inputs: the output
    gradients, the arguments, the outputs, the auxiliary states)."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return _runtime().backward(xp, inputs, attrs["_state"])

    def infer_shape(attrs, in_shapes):
        state = attrs["_state"]
        n_out, n_args = len(state.outputs), len(state.arguments)
        return in_shapes, list(in_shapes[n_out:n_out + n_args])

    def infer_type(attrs, in_types):
        state = attrs["_state"]
        n_out, n_args = len(state.outputs), len(state.arguments)
        return in_types, list(in_types[n_out:n_out + n_args])


def _runtime():
    if _RUNTIME is None:
        # Registering a prop imports mxnb.operator, so this is rare: a symbol file loaded before.
        from .. import operator  # noqa: F401  (installs the runtime)
    return _RUNTIME


def _input_names(attrs):
    return attrs["_state"].arguments


def _output_names(attrs):
    return attrs["_state"].outputs


def _make_custom():
    op = _CustomOperator("Custom", Custom, {"op_type": Str(doc="the name the CustomOpProp was registered under")}, _input_names,
                         outputs=_output_names, needs_train=True, hint="custom")
    op.num_aux = lambda attrs: len(attrs["_state"].auxiliary)
    op.input_names = lambda attrs: list(attrs["_state"].arguments) + list(attrs["_state"].auxiliary)
    return op


def _make_backward():
    op = _CustomOperator("_backward_Custom", BackwardCustom,
                         {"num_args": Int(low=0)}, None,
                         outputs=lambda attrs: ["%s_grad" % n for n in attrs["_state"].arguments],
                         variadic="num_args", hint="_backward_custom")
    op.input_names = lambda attrs: ["arg%d" % i for i in range(attrs["num_args"])]
    return op


registry.add(_make_custom())
registry.add(_make_backward())
