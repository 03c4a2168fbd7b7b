"""Subgraphs for the control-flow operators (`_foreach`, `_while_loop`, `_cond`).

`cut_subgraph` builds the body of a loop or branch: it calls the user's function on placeholder
variables inside an AttrScope that tags every node the function creates (MXNet's
`__subgraph_name__`), then cuts the graph where it reaches outside: a variable made elsewhere
(a parameter) becomes an input of the subgraph as it is; an operator output computed outside
becomes a new variable, fed by that outer output. So the control-flow node's inputs are the
loop's data and states followed by everything the body reads from the enclosing graph.

A `Subgraph` is the compiled body, handed to the operators as an attribute: `run` evaluates it
on raw arrays step by step (the same operator records as everywhere else), `vjp` runs it and
its registered gradients (a backward program built once), and `infer_shapes` runs shape
inference inside it.
"""
from .. import attribute
from ..base import MXNetError
from ..context import context_of_module
from ..graph import interpreter
from ..graph.node import Node, topo_sort
from .symbol import Symbol

__all__ = ["Subgraph", "call_in_scope", "build_subgraph", "distinct_outputs",
           "unique_subgraph_name"]


class Subgraph:
    """A compiled subgraph: `inputs` (variable nodes, in the order the operator passes arrays)
    and `outputs` (entries)."""

    def __init__(self, name, inputs, outputs):
        self.name = name
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        self._program = None
        self._backward = None

    def __repr__(self):
        return "<Subgraph %s: %d inputs, %d outputs>" % (self.name, len(self.inputs),
                                                         len(self.outputs))

    def __eq__(self, other):
        return self is other

    __hash__ = object.__hash__

    def symbol(self):
        return Symbol(self.outputs)

    @property
    def program(self):
        if self._program is None:
            from ..graph.program import Program
            self._program = Program(self.outputs)
        return self._program

    def _load(self, values, arrays):
        slots = self.program.slots
        for node, array in zip(self.inputs, arrays):
            slot = slots.get((id(node), 0))
            if slot is not None:
                values[slot] = array

    @staticmethod
    def _run_steps(xp, steps, values, is_train, rng):
        # the one step runner (graph/interpreter.py), on the device the arrays live on
        interpreter.run_steps(steps, values, context_of_module(xp), is_train, rng=rng)

    def run(self, xp, arrays, is_train=False, rng=None):
        """The subgraph's outputs for input arrays `arrays` (in `inputs` order)."""
        program = self.program
        values = [None] * program.num_slots
        self._load(values, arrays)
        self._run_steps(xp, program.forward, values, is_train, rng)
        return [values[s] for s in program.output_slots]

    def vjp(self, xp, arrays, head_grads, is_train=False, rng=None):
        """(outputs, gradients of sum(outputs * head_grads) for every input; zeros where an
        input does not reach an output)."""
        program = self.program
        if self._backward is None:
            used = [n for n in self.inputs if (id(n), 0) in program.slots]
            self._backward = program.build_backward(used)
        backward = self._backward
        values = [None] * program.num_slots
        self._load(values, arrays)
        self._run_steps(xp, program.forward, values, is_train, rng)
        for slot, grad in zip(backward.head_slots, head_grads):
            values[slot] = grad
        self._run_steps(xp, backward.steps, values, is_train, rng)
        grads = []
        for node, array in zip(self.inputs, arrays):
            slot = backward.grad_slots.get(id(node))
            grads.append(xp.zeros_like(array) if slot is None else values[slot])
        return [values[s] for s in program.output_slots], grads

    def infer_shapes(self, in_shapes):
        """(input shapes, output shapes), partial (None where unknown)."""
        from ..graph.infer import infer_shapes
        known = {n.name: s for n, s in zip(self.inputs, in_shapes) if s is not None}
        nodes = topo_sort(self.outputs)
        table = infer_shapes(nodes, known)
        ins = [table.get((id(n), 0), s) for n, s in zip(self.inputs, in_shapes)]
        outs = [table.get((id(n), i)) for n, i in self.outputs]
        return ins, outs


def call_in_scope(name, func, *args):
    """`func(*args)` with every node it creates tagged as part of subgraph `name`."""
    with attribute.AttrScope(__subgraph_name__=name):
        return func(*args)


def build_subgraph(name, holders, output_symbols):
    """(Subgraph, outer inputs): the graph of `output_symbols` cut at the nodes not tagged with
    subgraph `name`. The Subgraph's inputs are the placeholder variables `holders`, then the cut
    inputs; `outer inputs` are the Symbols that feed the cut inputs from the enclosing graph."""
    entries = []
    for s in output_symbols:
        if not isinstance(s, Symbol):
            raise MXNetError("%s: the body must return Symbols, found %s"
                             % (name, type(s).__name__))
        entries.extend(s._outputs)
    holder_ids = {id(h._outputs[0][0]) for h in holders}

    def inside(node):
        return node.user_attrs.get("__subgraph_name__") == name and node.op is not None

    free_vars, outer, cuts = [], [], {}

    def replace(entry):
        node, index = entry
        if id(node) in holder_ids or inside(node):
            return entry
        if node.op is None:
            if node not in free_vars:
                free_vars.append(node)
                outer.append(Symbol([entry]))
            return entry
        key = (id(node), index)
        if key not in cuts:
            cut = Node(None, "%s_cut%d" % (name, len(cuts)))
            cuts[key] = cut
            free_vars.append(cut)
            outer.append(Symbol([entry]))
        return (cuts[key], 0)

    seen = set()
    stack = [n for n, _ in entries]
    while stack:
        node = stack.pop()
        if id(node) in seen or not inside(node):
            continue
        seen.add(id(node))
        node.inputs = [replace(e) for e in node.inputs]
        stack.extend(child for child, _ in node.inputs)
    entries = distinct_outputs(name, [replace(e) for e in entries])
    inputs = [h._outputs[0][0] for h in holders] + free_vars
    return Subgraph(name, inputs, entries), outer


def distinct_outputs(name, entries):
    """`entries` with each output its own entry and never a variable (a copy node otherwise):
    the backward program keys head gradients by entry, and a body returning one value twice
    (output and state) needs both heads."""
    from ..ops import registry
    copy = registry.get("_copy")
    entries, seen_entries = list(entries), set()
    for i, (node, index) in enumerate(entries):
        if node.op is None or (id(node), index) in seen_entries:
            node = Node(copy, "%s_output%d" % (name, i), {}, [(node, index)], 1,
                        {"__subgraph_name__": name})
            index = 0
            entries[i] = (node, 0)
        seen_entries.add((id(node), index))
    return entries


def unique_subgraph_name(name):
    """A fresh subgraph name from `name`, as MXNet's control-flow symbols make them: inside
    another subgraph the name is prefixed with the enclosing one's and "$"; a per-name count
    (`AttrScope._subgraph_names`, which tests may reset) gives `name0`, `name1`, ...

    Parameters
    ----------
    name : str
        The base name, e.g. "foreach" or "my_cond_then".

    Returns
    -------
    str
        The unique name.

    Examples
    --------
    >>> first, second = unique_subgraph_name("loop"), unique_subgraph_name("loop")
    >>> int(second[4:]) == int(first[4:]) + 1
    True
    """
    enclosing = attribute.current().get(None).get("__subgraph_name__", "")
    if enclosing:
        name = "%s$%s" % (enclosing, name)
    counts = attribute.AttrScope._subgraph_names
    counts[name] += 1
    return "%s%d" % (name, counts[name] - 1)
