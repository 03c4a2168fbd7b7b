"""`_CachedOp` as a graph operator: one node whose body is a whole symbol, as MXNet's subgraph
API builds it (`mx.sym._internal._CachedOp(*inputs, subgraph=body.tojson())`, also
`mx.nd._internal._CachedOp`).

The `subgraph` attribute is the body's JSON, parsed once into a `CachedOpBody`: the compiled
body (a `Subgraph`, mxnb/symbol/_subgraph.py), its input names in `list_inputs()` order (the
node takes one input per body input, by position), its output names, and which inputs are
auxiliary states (the body's `list_auxiliary_states()`, MXNet's mutable inputs of the node).
Those may sit anywhere among the inputs (a body with two BatchNorms interleaves them with the
weights), so the record answers `aux_positions(attrs)` besides `num_aux`.

`compute` runs the body; BatchNorm updates its moving statistics in the arrays passed, as
MXNet's node updates its mutable inputs. The gradient is `_backward_CachedOp`, which runs the
body again with its registered gradients (`Subgraph.vjp`) on copies of the auxiliary states, so
the statistics are updated once. So that the rerun draws what the forward drew (Dropout's
mask), the forward draws one seed from the context's generator, runs the body on a generator
made from it and keeps the seed as a hidden output, which the backward node reads.

This layer sits below `symbol` and `graph`: the body's JSON is read through them lazily, when
an attribute is parsed (as Custom reaches mxnb.operator).
"""
import functools

import numpy as np

from ..base import MXNetError, AttributeParseError
from . import registry
from .registry import Operator, Param

__all__ = ["CachedOpBody"]

_SEED_HIGH = 2 ** 62


class CachedOpBody:
    """The parsed `subgraph` attribute of a `_CachedOp` node (shared by every node made from the
    same JSON; it holds no values).

    Parameters
    ----------
    json_text : str
        The body symbol's JSON (`Symbol.tojson()`).

    Examples
    --------
    >>> body = CachedOpBody(mx.sym.BatchNorm(mx.sym.var('x'), name='bn').tojson())
    >>> body.input_names, body.aux_positions
    (['x', 'bn_gamma', 'bn_beta', 'bn_moving_mean', 'bn_moving_var'], (3, 4))
    """
    __slots__ = ("json", "subgraph", "input_names", "output_names", "aux_positions",
                 "arg_positions", "nodes")

    def __init__(self, json_text):
        # upward imports, at parse time only (see the module docstring)
        from ..graph.node import auxiliary_ids, topo_sort
        from ..symbol.json_io import load_json
        from ..symbol._subgraph import Subgraph, distinct_outputs
        try:
            body = load_json(json_text)
        except MXNetError as exc:
            raise AttributeParseError("expected a symbol's JSON (Symbol.tojson()): %s" % exc) from None
        nodes = topo_sort(body._outputs)
        inputs = [n for n in nodes if n.op is None]
        aux = auxiliary_ids(nodes)
        self.json = json_text
        self.input_names = [n.name for n in inputs]
        self.output_names = body.list_outputs()
        self.aux_positions = tuple(i for i, n in enumerate(inputs) if id(n) in aux)
        self.arg_positions = tuple(i for i, n in enumerate(inputs) if id(n) not in aux)
        outputs = distinct_outputs("_cachedop", body._outputs)
        self.subgraph = Subgraph("_cachedop", inputs, outputs)
        self.nodes = topo_sort(outputs)

    def __str__(self):          # how the attribute is written to JSON: the body's JSON
        return self.json

    def __repr__(self):
        return "<CachedOpBody: inputs %s, outputs %s>" % (self.input_names, self.output_names)

    def infer_types(self, in_types):
        """(input dtypes, output dtypes) of the body, partial (None where unknown)."""
        from ..graph.infer import infer_types
        known = {n.name: t for n, t in zip(self.subgraph.inputs, in_types) if t is not None}
        table = infer_types(self.nodes, known, partial=True)
        ins = [table.get((id(n), 0), t) for n, t in zip(self.subgraph.inputs, in_types)]
        outs = [table.get((id(n), i)) for n, i in self.subgraph.outputs]
        return ins, outs


@functools.lru_cache(maxsize=64)
def _body_from_json(json_text):
    return CachedOpBody(json_text)


def _parse_body(value):
    if isinstance(value, CachedOpBody):
        return value
    if not isinstance(value, str):
        raise AttributeParseError("expected the body symbol's JSON (a string from "
                                  "Symbol.tojson()), found %s" % type(value).__name__)
    return _body_from_json(value)


_PARAMS = {"subgraph": Param(_parse_body, doc="the body symbol's JSON (Symbol.tojson())")}


def _body(attrs):
    return attrs["subgraph"]


def _replay_generator(xp, seed):
    """A generator of the kind the operators draw from on this device, started from `seed`."""
    if xp is np:
        return np.random.default_rng(seed)
    return xp.random.RandomState(seed)


def _draw_seed(rng):
    draw = getattr(rng, "integers", None) or rng.randint
    return int(draw(0, _SEED_HIGH))


def _check_inputs(body, count):
    if count != len(body.input_names):
        raise MXNetError("_CachedOp: the subgraph takes %d inputs %s, found %d"
                         % (len(body.input_names), body.input_names, count))


class CachedOp:
    """Runs a whole symbol (the `subgraph` attribute, its JSON) as one operator.

    Parameters
    ----------
    *data : NDArray or Symbol
        One input per input of the subgraph, in the subgraph's `list_inputs()` order
        (auxiliary states included, where they come in that order).
    subgraph : str
        The subgraph symbol's JSON (`Symbol.tojson()`).

    Returns
    -------
    NDArray or list of NDArray (Symbol in mx.sym)
        The subgraph's outputs; a symbol names them `<node name>_<subgraph output name>`.

    Examples
    --------
    >>> a, b = mx.sym.var('a'), mx.sym.var('b')
    >>> body = (a * b).tojson()
    >>> mx.nd._internal._CachedOp(mx.nd.array([2.]), mx.nd.array([3.]), subgraph=body).asnumpy()
    array([6.], dtype=float32)
    """

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        body = _body(attrs)
        _check_inputs(body, len(inputs))
        seed = _draw_seed(rng)
        outputs = body.subgraph.run(xp, list(inputs), is_train, _replay_generator(xp, seed))
        return list(outputs) + [xp.asarray([seed], dtype="int64")]

    def infer_shape(attrs, in_shapes):
        body = _body(attrs)
        _check_inputs(body, len(in_shapes))
        ins, outs = body.subgraph.infer_shapes(list(in_shapes))
        return ins, list(outs) + [(1,)]

    def infer_type(attrs, in_types):
        body = _body(attrs)
        _check_inputs(body, len(in_types))
        ins, outs = body.infer_types(list(in_types))
        return ins, list(outs) + [np.dtype("int64")]

    def gradient(F, attrs, inputs, outputs, out_grads):
        body = _body(attrs)
        if not body.arg_positions:      # only auxiliary states: nothing to differentiate
            return [None] * len(inputs)
        n_out = len(body.output_names)
        heads = [g if g is not None else F.zeros_like(o)
                 for g, o in zip(out_grads[:n_out], outputs[:n_out])]
        seed = outputs[n_out]
        grads = F._backward_CachedOp(*(heads + [seed] + list(inputs)), subgraph=body)
        grads = [grads] if len(body.arg_positions) == 1 else list(grads)
        result = [None] * len(inputs)
        for position, grad in zip(body.arg_positions, grads):
            result[position] = grad
        return result


def _argument_entries(attrs, entries):
    """The backward node's shapes or dtypes from its inputs' `entries`: each output (an
    argument's gradient) has the entry of that forward input."""
    forward = entries[len(_body(attrs).output_names) + 1:]
    return entries, [forward[p] for p in _body(attrs).arg_positions]


class BackwardCachedOp:
    """The gradient of a `_CachedOp` node: the subgraph's input gradients (its arguments', not
    its auxiliary states'), from (output gradients, the forward's seed, the forward inputs)."""

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        body = _body(attrs)
        n_out = len(body.output_names)
        heads, seed, arrays = inputs[:n_out], inputs[n_out], list(inputs[n_out + 1:])
        for position in body.aux_positions:   # the forward updated them already
            arrays[position] = arrays[position].copy()
        generator = _replay_generator(xp, int(seed[0]))
        _, grads = body.subgraph.vjp(xp, arrays, list(heads), is_train, generator)
        return [grads[p] for p in body.arg_positions]

    infer_shape = infer_type = _argument_entries


class _CachedOpOperator(Operator):
    """A record whose inputs, outputs and auxiliary-state positions come from its subgraph."""

    def input_names(self, attrs):
        return list(_body(attrs).input_names)

    def num_aux(self, attrs):
        return len(_body(attrs).aux_positions)

    def aux_positions(self, attrs):
        """Indices of the inputs that are auxiliary states (anywhere among the inputs)."""
        return _body(attrs).aux_positions


def _forward_inputs(attrs):
    return list(_body(attrs).input_names)


def _forward_outputs(attrs):
    return list(_body(attrs).output_names) + ["rng_seed"]


def _backward_inputs(attrs):
    body = _body(attrs)
    return (["%s_head_grad" % n for n in body.output_names] + ["rng_seed"]
            + list(body.input_names))


def _backward_outputs(attrs):
    body = _body(attrs)
    return ["%s_grad" % body.input_names[p] for p in body.arg_positions]


def _make_forward():
    return _CachedOpOperator("_CachedOp", CachedOp, _PARAMS, _forward_inputs, outputs=_forward_outputs,
                             num_visible=lambda attrs: len(_body(attrs).output_names),
                             needs_train=True, needs_rng=True, hint="_cachedop")


def _make_backward():
    return Operator("_backward_CachedOp", BackwardCachedOp, _PARAMS, _backward_inputs,
                    outputs=_backward_outputs, needs_train=True, needs_rng=True,
                    hint="_backward_cachedop")


registry.add(_make_forward())
registry.add(_make_backward())
