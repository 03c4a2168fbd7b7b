"""A graph compiled for execution: a flat list of steps over numbered value slots.

The executor and CachedOp both run programs. The backward part is a graph built by the gradient
pass with `F = sym` from the operators' registered gradients, compiled into the same kind of steps
over the same slots, so it reads the forward values directly.
"""
from ..base import MXNetError
from . import interpreter
from .gradient import gradient_pass
from .node import Node, auxiliary_ids, topo_sort
from .passes.cse import find_duplicates
from .passes.recompute import columns_to_keep, recompute_columns

__all__ = ["Program", "Step", "NodeHooks"]


class Step:
    """One operator application: where its inputs are read from and its outputs written to."""
    __slots__ = ("node", "op", "attrs", "ins", "outs", "single", "extras")

    def __init__(self, node, ins, outs):
        self.node = node
        self.op = node.op
        self.attrs = node.attrs
        self.ins = ins
        self.outs = outs
        self.single = node.op.single_output
        self.extras = node.op.needs_extras


class NodeHooks:
    """`add_node_hook` / `remove_node_hook` for what runs programs (Executor, CachedOp): the
    debugger's and the monitor's one way in."""

    def add_node_hook(self, hook):
        """Calls `hook(phase, node, inputs, outputs)` (raw arrays) after every node runs."""
        self._node_hooks = self._node_hooks + (hook,)
        return hook

    def remove_node_hook(self, hook):
        hooks = list(self._node_hooks)
        hooks.remove(hook)
        self._node_hooks = tuple(hooks)


class Backward:
    """The compiled backward pass for one set of wanted variables."""
    __slots__ = ("steps", "head_slots", "grad_slots", "nodes", "all_steps", "sparse",
                 "grad_slot_set", "without_gradient", "all_grad_slots")

    def __init__(self, steps, head_slots, grad_slots, nodes, all_steps=None):
        self.steps = steps                  # what runs (duplicates left out when optimizing)
        self.all_steps = all_steps if all_steps is not None else steps   # every node: for hooks
        self.head_slots = head_slots
        self.grad_slots = grad_slots    # {id(variable node): slot}
        self.grad_slot_set = frozenset(grad_slots.values())
        self.nodes = nodes
        self.sparse = False             # whether it runs through storage-type dispatch
        # built with every_input: the ids of the variables its nodes read that get no gradient
        # at all (labels), whose gradient MXNet's backward nodes give as zeros
        self.without_gradient = frozenset()
        self.all_grad_slots = grad_slots    # with every_input, the read variables' as well


def _variables_read_by_needed_nodes(nodes, wanted_ids):
    """The ids of the variables read by the nodes whose gradient the wanted variables need."""
    needed, read = set(wanted_ids), set()
    for node in nodes:
        if node.op is None or not getattr(node.op, "differentiable", True):
            continue
        if any(id(child) in needed for child, _ in node.inputs):
            needed.add(id(node))
            read.update(id(child) for child, _ in node.inputs if child.op is None)
    return read


class Program:
    def __init__(self, outputs, optimize=False, recompute=False):
        self.outputs = list(outputs)
        self.nodes = topo_sort(self.outputs)
        self.slots = {}
        self.variables = [n for n in self.nodes if n.op is None]
        # optimize: a node that repeats an earlier one (common-subexpression elimination) shares
        # its slots; graph/optimize.py then runs only the first (every node still has a step,
        # for hooks). {id(node): the node it repeats}
        self.optimize = optimize
        self.recompute = recompute       # backward recomputes Convolution columns (passes/recompute)
        self.duplicates = find_duplicates(self.nodes) if optimize else {}
        self._assign_slots(self.nodes, self.duplicates)
        self.forward = self._compile(self.nodes)
        self.output_slots = [self.slots[(id(n), i)] for n, i in self.outputs]
        self.variable_slots = [self.slots[(id(n), 0)] for n in self.variables]
        self.aux_ids = auxiliary_ids(self.nodes)

    @property
    def num_slots(self):
        return len(self.slots)

    def _slot(self, key):
        slot = self.slots.get(key)
        if slot is None:
            slot = self.slots[key] = len(self.slots)
        return slot

    def _assign_slots(self, nodes, duplicates):
        for node in nodes:
            first = duplicates.get(id(node))
            for i in range(1 if node.op is None else node.num_outputs):
                if first is not None:
                    self.slots[(id(node), i)] = self.slots[(id(first), i)]
                else:
                    self._slot((id(node), i))

    def _compile(self, nodes):
        steps = []
        for node in nodes:
            if node.op is None:
                continue
            ins = [self.slots[(id(c), i)] for c, i in node.inputs]
            outs = [self._slot((id(node), i)) for i in range(node.num_outputs)]
            steps.append(Step(node, ins, outs))
        return steps

    def build_backward(self, wanted, inputs=None, every_input=False):
        """Compiles the gradient of every output with respect to the variable nodes `wanted`.

        With `recompute`, Convolutions recompute their columns in the backward pass; given
        `inputs` ({variable name: (shape, dtype)} of a call), those whose columns fit the memory
        budget keep them instead (passes/recompute.columns_to_keep).

        With `every_input` (a monitor, which reports what MXNet's backward nodes compute), a
        node whose gradient is computed computes it for every variable it reads as well, as
        MXNet's one backward node per forward node does (a first layer's data gradient)."""
        from .. import symbol as sym
        from ..name import Prefix
        from ..symbol.symbol import Symbol
        wanted_ids = {id(n) for n in wanted}
        heads = [Node(None, "%s_head_grad" % n.name) for n, _ in self.outputs]
        head_grads = {}
        for (node, i), head in zip(self.outputs, heads):
            grad = Symbol([(head, 0)])
            previous = head_grads.get((node, i))
            # an entry returned twice (a recurrent cell's output and its state) gets the sum
            # of both outputs' gradients, as MXNet's
            head_grads[(node, i)] = grad if previous is None else sym.elemwise_add(previous, grad)
        read = _variables_read_by_needed_nodes(self.nodes, wanted_ids) if every_input else set()
        with Prefix("_grad_"):
            grads = gradient_pass(sym, self.nodes, head_grads, lambda n, i: Symbol([(n, i)]),
                                  lambda n: id(n) in wanted_ids or id(n) in read)
        entries = {id(var): g._outputs[0] for var, g in grads.items()
                   if id(var) in wanted_ids}
        extra = {id(var): g._outputs[0] for var, g in grads.items() if id(var) not in wanted_ids}
        head_slots = [self._slot((id(h), 0)) for h in heads]
        known = {id(n) for n in self.nodes} | {id(h) for h in heads}
        roots = list(entries.values()) + list(extra.values())
        new_nodes = [n for n in topo_sort(roots) if id(n) not in known]
        for node in new_nodes:
            if node.op is None:
                raise MXNetError("the backward graph needs a variable %r that is not an input" % node.name)
        duplicates = find_duplicates(new_nodes) if self.optimize else {}
        self._assign_slots(new_nodes, duplicates)
        all_steps = self._compile(new_nodes)
        if self.recompute:
            keep = ()
            if inputs is not None:
                keep = self._columns_to_keep(all_steps, heads, new_nodes, inputs, head_slots,
                                             [self.slots[(id(n), i)] for n, i in entries.values()])
            all_steps = recompute_columns(all_steps, keep)
        steps = [s for s in all_steps if id(s.node) not in duplicates]
        grad_slots = {vid: self.slots[(id(n), i)] for vid, (n, i) in entries.items()}
        backward = Backward(steps, head_slots, grad_slots, new_nodes, all_steps)
        backward.without_gradient = frozenset(read - {id(var) for var in grads})
        backward.all_grad_slots = dict(grad_slots)
        backward.all_grad_slots.update((vid, self.slots[(id(n), i)])
                                       for vid, (n, i) in extra.items())
        return backward

    def _columns_to_keep(self, steps, heads, new_nodes, inputs, head_slots, grad_slots):
        """The Convolutions whose columns the backward keeps, from the shapes of one call."""
        from .infer import infer_shapes, infer_types
        shapes = {name: shape for name, (shape, _) in inputs.items()}
        dtypes = {name: dtype for name, (_, dtype) in inputs.items()}
        try:
            table = infer_shapes(self.nodes, shapes)
            types = infer_types(self.nodes, dtypes)
            for (node, i), head in zip(self.outputs, heads):
                shapes[head.name] = table[(id(node), i)]
                dtypes[head.name] = types[(id(node), i)]
            nodes = self.nodes + heads + new_nodes
            table = infer_shapes(nodes, shapes)
            types = infer_types(nodes, dtypes)
        except (MXNetError, KeyError, TypeError, ValueError):
            return ()       # shapes unknown here: recompute every column, as without inputs
        nbytes = {}
        for key, slot in self.slots.items():
            shape, dtype = table.get(key), types.get(key)
            if shape is not None and dtype is not None:
                size = 1
                for d in shape:
                    size *= d
                nbytes[slot] = max(nbytes.get(slot, 0), size * dtype.itemsize)
        held = set(self.output_slots) | set(grad_slots)
        return columns_to_keep(self.forward, steps, nbytes, head_slots, held)

    @staticmethod
    def run(steps, values, ctx, is_train, hooks=(), phase="forward", storage=False):
        """Runs `steps` on `values` (NumPy/CuPy arrays by slot) through the interpreter
        (graph/interpreter.py); after each step, every hook is called as
        `hook(phase, node, inputs, outputs)` with the raw arrays, after the global node hooks.
        With `storage` (an executor bound to sparse arrays) each step goes through storage-type
        dispatch."""
        interpreter.run_steps(steps, values, ctx, is_train, hooks, phase, storage)
