"""The names an executor's monitor gives the values it reports, as MXNet 1.9.1's monitor names
them: forward nodes' inputs and outputs, and for the backward pass one backward node per forward
node whatever steps mxnb computes its gradients in (`mx.mon.Monitor`,
`Executor.set_monitor_callback`). The tables were surveyed on MXNet 1.9.1; flags of the
operator registry would be their better home."""

from .node import aux_input_positions, topo_sort

__all__ = ["monitored_output_names", "monitored_input_names", "monitored_backward_names"]


# Operators of one input that MXNet registers with input names (FListInputNames). Its other
# one-input operators (relu, exp, Activation, reshape, sum, the scalar operators, ...) have
# none, so a monitor sees their input as `<node>_input0`; operators of several inputs all name
# them. (Surveyed on MXNet 1.9.1; a flag of the operator registry would be the better home.)
_NAMED_SINGLE_INPUT = frozenset((
    "Dropout", "L2Normalization", "LeakyReLU", "MakeLoss", "SequenceLast", "SequenceMask",
    "SequenceReverse", "SwapAxis", "Pad", "Pooling", "LRN", "SliceChannel", "GridGenerator",
    "softmax", "log_softmax", "squeeze", "cumsum", "diag", "all_finite", "tile", "repeat",
    "moments", "space_to_depth", "depth_to_space", "flip", "reverse", "_shuffle", "shuffle",
    "_ravel_multi_index", "_unravel_index", "_contrib_BilinearResize2D",
    "_contrib_MultiBoxPrior", "_contrib_index_array", "_contrib_quadratic",
    "_contrib_quantize_v2"))


# Operators with hidden outputs of mxnb's own that MXNet's do not have (Convolution keeps its
# im2col columns for the backward pass, _CachedOp the seed its backward replays): how many
# outputs MXNet's have, as a function of the node's attributes.
_MXNET_OUTPUTS = {"Convolution": lambda op, attrs: 1,
                  "_CachedOp": lambda op, attrs: op.num_visible_outputs(attrs)}


# MXNet's operators written as an OperatorProperty (its older interface): their backward
# node's outputs are named by the forward inputs' names, `<node>_backward_data`.
_LEGACY_OPERATORS = frozenset((
    "SliceChannel", "L2Normalization", "SwapAxis", "MakeLoss", "Pad", "SVMOutput", "Crop",
    "SequenceMask", "SequenceLast", "SequenceReverse", "InstanceNorm", "GridGenerator",
    "ROIPooling", "BilinearSampler", "IdentityAttachKLSparseReg", "SpatialTransformer",
    "Correlation", "_contrib_SyncBatchNorm", "_contrib_PSROIPooling"))


# Operators whose gradient MXNet builds of several named nodes: the name after `<node>_` of
# each input's gradient, by input position.
_MXNET_BACKWARD_SUFFIXES = {
    "where": ("cond_backward_output", "backward_output0", "backward_output1"),
    "batch_dot": ("backward_lhs_output", "backward_rhs_output"),
    "broadcast_like": ("backward_output", "rhs_backward_output"),
    "reshape_like": ("backward_output", "rhs_backward_output"),
    "gather_nd": ("backward_output", "backward_indices_output"),
    "pick": ("backward_output", "index_backward_output"),
}


def monitored_output_names(node):
    """The names a monitor gives a node's outputs after `<node name>_`: every output, hidden
    ones (BatchNorm's mean and var) included, as MXNet's, but those MXNet's operator lacks."""
    names = node.op.output_names(node.attrs)
    count = _MXNET_OUTPUTS.get(node.op.name)
    return names if count is None else names[:count(node.op, node.attrs)]


def monitored_input_names(node):
    """The names a monitor gives a node's inputs after `<node name>_`, as MXNet's: the
    operator's input names, or `input0` for a one-input operator MXNet gives no input names."""
    names = node.op.input_names(node.attrs)
    if (len(names) == 1 and names[0] == "data" and not node.op.variadic
            and node.op.name not in _NAMED_SINGLE_INPUT):
        return ["input0"]
    return names


def monitored_backward_names(backward):
    """How a monitor names the backward steps: MXNet has one backward node per forward node,
    whose output i, `<forward node>_backward_output<i>` (`_backward_output` when the node has
    one input; auxiliary states have none), is the gradient of the forward node's input i.

    Returns {id(backward node): (id(forward node), `<forward node>_backward`, [(output index,
    input position, monitor name, None)], whether it is the forward node's last such step)}.
    The last step also lists `(None, position, name, variable name)` for the inputs that get
    no gradient at all (labels), which MXNet gives as zeros.

    A step's output is an input gradient of its forward node F when something outside F's
    own steps reads it: the backward of the input node it flows to (or the sum that node's
    gradients take), or the gradient result of an input variable. That reader tells which
    input (or, past inputs that pass their gradient on unchanged, as elemwise_add, the
    input it is reached through); an input node F reads at several positions takes them in
    order."""
    readers, results = {}, {}
    for step in backward.all_steps:
        for child, index in step.node.inputs:
            readers.setdefault((id(child), index), []).append(step.node)
    for variable_id, slot in backward.all_grad_slots.items():
        results.setdefault(slot, set()).add(variable_id)
    table, taken, last = {}, {}, {}
    for step in backward.all_steps:
        forward = getattr(step.node, "forward_node", None)
        if forward is None or forward.op is None:
            continue
        outputs = []
        for k, slot in enumerate(step.outs):
            targets = {id(r.forward_node) for r in readers.get((id(step.node), k), ())
                       if getattr(r, "forward_node", None) not in (None, forward)}
            targets |= results.get(slot, set())
            position = _input_position(forward, targets, taken.setdefault(id(forward), set()))
            if position is not None:
                outputs.append((k, position, _backward_output_name(forward, position), None))
        if outputs:
            table[id(step.node)] = [id(forward), "%s_backward" % forward.name, outputs, False]
            last[id(forward)] = (forward, id(step.node))
    for forward, step_id in last.values():
        named = table[step_id]
        named[2].extend(_zero_gradients(forward, taken[id(forward)], backward.without_gradient))
        named[3] = True
    return {step_id: tuple(named) for step_id, named in table.items()}


def _argument_positions(forward):
    """The positions of `forward`'s inputs whose gradients MXNet's backward node gives: every
    input but the auxiliary states (which may sit among the others, as in a `_CachedOp`)."""
    aux = aux_input_positions(forward)
    return [i for i in range(len(forward.inputs)) if i not in aux]


def _backward_output_name(forward, position):
    """MXNet's monitor name of the gradient of `forward`'s input `position`."""
    op_name = forward.op.name
    suffixes = _MXNET_BACKWARD_SUFFIXES.get(op_name)
    if suffixes is not None:
        return "%s_%s" % (forward.name, suffixes[position])
    if op_name in _LEGACY_OPERATORS:
        return "%s_backward_%s" % (forward.name, forward.op.input_names(forward.attrs)[position])
    if len(_argument_positions(forward)) == 1:     # MXNet's backward node has one output
        return "%s_backward_output" % forward.name
    return "%s_backward_output%d" % (forward.name, position)


def _zero_gradients(forward, reported, without_gradient):
    """(None, position, name, variable name) for the variable inputs of `forward` not in
    `reported` that get no gradient at all."""
    return [(None, i, _backward_output_name(forward, i), forward.inputs[i][0].name)
            for i in _argument_positions(forward)
            if i not in reported and forward.inputs[i][0].op is None
            and id(forward.inputs[i][0]) in without_gradient]


def _input_position(forward, targets, taken):
    """The input position of `forward` whose node is among `targets`, or else reaches one
    through its own inputs, first not yet `taken` (then taken); None when none does."""
    if not targets:
        return None
    inputs = [(i, forward.inputs[i]) for i in _argument_positions(forward)]
    for matches in (lambda child: id(child) in targets,
                    lambda child: not targets.isdisjoint(
                        id(n) for n in topo_sort([(child, 0)]))):
        for i, (child, _) in inputs:
            if i not in taken and matches(child):
                taken.add(i)
                return i
    return None
