"""Export of a Symbol and its parameters to an ONNX model (MXNet 1.9.1's `mx.onnx.export_model`).

Each mxnb operator has one translator, registered with `@translates(op_name, ...)` in
`translations.py`; a translator reads the node's typed attributes and emits ONNX nodes through
an `ExportContext`. An operator without a translator is an error that names it and its node.
"""
import numpy as np

from ..base import MXNetError
from ..fileio import write_atomically
from ._graph import SymbolGraph

__all__ = ["export_model", "get_operator_support", "translates", "OPSET"]

OPSET = 13
_TRANSLATORS = {}


def translates(*op_names):
    """Registers the decorated function as the ONNX translator of `op_names`."""
    def register(fn):
        for name in op_names:
            _TRANSLATORS[name] = fn
        return fn
    return register


def get_operator_support(opset_version=None):
    """The names of the mxnb operators that export to ONNX.

    Parameters
    ----------
    opset_version : int, optional
        Accepted for MXNet compatibility; mxnb writes opset 13.

    Returns
    -------
    list of str
    """
    from . import translations, translations_rnn  # noqa: F401  (fill the table)
    return sorted(_TRANSLATORS)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise MXNetError("ONNX export needs the onnx package: pip install 'mxnb[onnx]'") from None
    return onnx


class ExportContext:
    """What a translator sees: the node, names of its input and output tensors, shapes, the
    parameter values, and `add` to emit ONNX nodes."""

    def __init__(self, onnx, graph, params):
        self.onnx = onnx
        self.graph = graph
        self.params = params
        self.onnx_nodes = []
        self.initializers = {}
        self._names = set()
        self.node = None

    # --- naming -----------------------------------------------------------------------------
    def entry_name(self, entry):
        node = self.graph.nodes[entry[0]]
        if node.op is None:
            return node.name
        return node.name if entry[1] == 0 else "%s_output%d" % (node.name, entry[1])

    def input(self, i):
        return self.entry_name(self.node.inputs[i])

    def output(self, i=0):
        return self.entry_name((self.node.index, i))

    def fresh(self, hint):
        base = "%s_%s" % (self.node.name, hint)
        name, k = base, 0
        while name in self._names:
            k += 1
            name = "%s%d" % (base, k)
        self._names.add(name)
        return name

    # --- values and shapes --------------------------------------------------------------------
    def in_shape(self, i):
        return self.graph.shapes[self.node.inputs[i]]

    def out_shape(self, i=0):
        return self.graph.shapes[(self.node.index, i)]

    def in_dtype(self, i):
        return self.graph.dtypes.get(self.node.inputs[i], np.dtype(np.float32))

    def param_value(self, i):
        """The value of input i when it is a parameter, else None."""
        source = self.graph.nodes[self.node.inputs[i][0]]
        return self.params.get(source.name) if source.op is None else None

    def folded(self, i):
        """The value of input i when it depends on parameters and constants only (computed now
        with NumPy, as constant folding would), else None."""
        return self._fold(self.node.inputs[i], {})

    def _fold(self, entry, memo):
        if entry in memo:
            return memo[entry]
        node = self.graph.nodes[entry[0]]
        if node.op is None:
            value = self.params.get(node.name)
        else:
            values = [self._fold(e, memo) for e in node.inputs]
            value = None
            if all(v is not None for v in values):
                op = node.op
                extras = {"is_train": False, "rng": None} if op.needs_extras else {}
                out = op.compute(np, [np.asarray(v) for v in values], node.attrs, **extras)
                value = out if op.single_output else out[entry[1]]
        memo[entry] = value
        return value

    def const(self, hint, value, dtype=None):
        """An initializer holding `value`; returns its name."""
        value = np.asarray(value, dtype=dtype)
        name = self.fresh(hint)
        self.initializers[name] = self.onnx.numpy_helper.from_array(value, name)
        return name

    def add(self, op_type, inputs, outputs=None, **attrs):
        """Emits one ONNX node; returns its output name(s)."""
        if outputs is None:
            outputs = [self.fresh(op_type.lower())]
        elif isinstance(outputs, str):
            outputs = [outputs]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.onnx_nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), list(outputs), name=self.fresh(op_type), **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def unsupported(self, why):
        return MXNetError("ONNX export of node %r (operator %s): %s"
                          % (self.node.name, self.node.op.name, why))


def export_model(sym, params, in_shapes=None, in_types=np.float32, onnx_file_path="model.onnx",
                 verbose=False, dynamic=False, dynamic_input_shapes=None,
                 run_shape_inference=False, input_type=None, input_shape=None):
    """Exports a Symbol and its parameters to an ONNX file.

    Parameters
    ----------
    sym : Symbol or str
        The network, or the path of its `-symbol.json` file.
    params : dict of str to NDArray, or str
        Argument and auxiliary parameters (names may carry MXNet's 'arg:'/'aux:' prefixes), or
        the path of a `.params` file.
    in_shapes : list of tuple
        The shape of each data input (the arguments that are not parameters), in order.
    in_types : numpy dtype or list of them
        The dtype of each data input.
    onnx_file_path : str
        Where to write the model (atomically).
    verbose : bool
        Print the exported graph.
    dynamic : bool
        Mark the first (batch) dimension of inputs and outputs as dynamic.
    dynamic_input_shapes : list of tuple, optional
        Input shapes with None for dynamic dimensions (used with `dynamic`).
    run_shape_inference : bool
        Run ONNX's shape inference on the result.
    input_type, input_shape
        MXNet 1.8's names for in_types and in_shapes.

    Returns
    -------
    str
        `onnx_file_path`.

    Examples
    --------
    >>> path = mx.onnx.export_model(sym, params, in_shapes=[(1, 3, 224, 224)],
    ...                             onnx_file_path='resnet.onnx')
    """
    onnx = _onnx()
    from . import translations, translations_rnn  # noqa: F401  (fill the table)
    from .. import ndarray as nd
    from ..symbol import load as load_symbol
    in_shapes = in_shapes if in_shapes is not None else input_shape
    if input_type is not None:
        in_types = input_type
    if isinstance(sym, str):
        sym = load_symbol(sym)
    if isinstance(params, str):
        params = nd.load(params)
    values = {}
    for key, value in (params or {}).items():
        name = key.split(":", 1)[1] if key.startswith(("arg:", "aux:")) else key
        values[name] = value.asnumpy() if hasattr(value, "asnumpy") else np.asarray(value)
    labels = _label_inputs(sym)
    data_names = [n for n in sym.list_arguments() + sym.list_auxiliary_states()
                  if n not in values and n not in labels]
    if in_shapes is None or len(in_shapes) != len(data_names):
        raise MXNetError("ONNX export: the graph's data inputs are %s, so in_shapes needs %d "
                         "shape(s), found %r" % (data_names, len(data_names), in_shapes))
    if not isinstance(in_types, (list, tuple)):
        in_types = [in_types] * len(data_names)
    shapes = dict(zip(data_names, [tuple(s) for s in in_shapes]))
    for name, value in values.items():
        shapes.setdefault(name, value.shape)
    types = {n: np.dtype(t) for n, t in zip(data_names, in_types)}
    for name in labels:        # the loss layers' labels are not inputs of the exported model
        types.setdefault(name, np.dtype(np.float32))
    graph = SymbolGraph(sym, shapes, types)

    ctx = ExportContext(onnx, graph, values)
    for node in graph.nodes:
        if node.op is None:
            continue
        translate = _TRANSLATORS.get(node.op.name)
        if translate is None:
            raise MXNetError("ONNX export: no ONNX mapping for operator %s (node %r); operators "
                             "that export: mx.onnx.get_operator_support()"
                             % (node.op.name, node.name))
        ctx.node = node
        translate(ctx, node.attrs)

    used = {name for n in ctx.onnx_nodes for name in n.input}
    heads = {ctx.entry_name(entry) for entry in graph.heads}
    for name in list(ctx.initializers):         # constants folded into others (begin states,
        if name not in used and name not in heads:   # packed RNN weights) are not kept
            del ctx.initializers[name]
    elem = onnx.helper.np_dtype_to_tensor_dtype
    batch = "batch" if dynamic else None
    inputs = []
    for i, name in enumerate(data_names):
        shape = list(shapes[name])
        if dynamic and dynamic_input_shapes is not None:
            shape = ["dim%d_%d" % (i, j) if d is None else d
                     for j, d in enumerate(dynamic_input_shapes[i])]
        elif batch and shape:
            shape[0] = batch
        inputs.append(onnx.helper.make_tensor_value_info(name, elem(types[name]), shape))
    for name in values:
        if name in used and name not in ctx.initializers:
            ctx.initializers[name] = onnx.numpy_helper.from_array(values[name], name)
    outputs = []
    for entry in graph.heads:
        shape = list(graph.shapes[entry])
        if batch and shape:
            shape[0] = batch
        outputs.append(onnx.helper.make_tensor_value_info(
            ctx.entry_name(entry), elem(graph.dtypes[entry]), shape))
    onnx_graph = onnx.helper.make_graph(ctx.onnx_nodes, "mxnb_graph", inputs, outputs,
                                        initializer=list(ctx.initializers.values()))
    model = onnx.helper.make_model(onnx_graph, producer_name="mxnb",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)])
    model.ir_version = min(model.ir_version, 8)
    onnx.checker.check_model(model)
    if run_shape_inference:
        model = onnx.shape_inference.infer_shapes(model)
    if verbose:
        print(onnx.helper.printable_graph(model.graph))
    write_atomically(onnx_file_path, model.SerializeToString())
    return onnx_file_path


def _label_inputs(sym):
    """Variables that only feed the `label` input of output layers (SoftmaxOutput, ...)."""
    import json
    from ..ops import registry
    doc = json.loads(sym.tojson())
    labels = set()
    for raw in doc["nodes"]:
        op = registry.find(raw["op"]) if raw["op"] != "null" else None
        if op is None or "label" not in (op.static_inputs or ()):
            continue
        slot = op.static_inputs.index("label")
        if slot < len(raw["inputs"]):
            source = doc["nodes"][raw["inputs"][slot][0]]
            if source["op"] == "null":
                labels.add(source["name"])
    return labels
