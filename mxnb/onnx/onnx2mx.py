"""Import of ONNX models into mxnb (MXNet 1.x's `mx.contrib.onnx.import_model`,
`import_to_gluon` and `get_model_metadata`).

Each ONNX operator has one importer, registered with `@imports(op_type)`, that builds the mxnb
symbols of its outputs from the symbols of its inputs. Initializers become parameters; ONNX's
BatchNormalization statistics become auxiliary states, as in MXNet.
"""
from ..base import MXNetError

__all__ = ["import_model", "import_to_gluon", "get_model_metadata"]

_IMPORTERS = {}


def imports(*op_types):
    def register(fn):
        for name in op_types:
            _IMPORTERS[name] = fn
        return fn
    return register


def _load(model_file):
    try:
        import onnx
    except ImportError:
        raise MXNetError("ONNX import needs the onnx package: pip install 'mxnb[onnx]'") from None
    try:
        model = onnx.load(model_file)
    except Exception as exc:
        raise MXNetError("cannot read ONNX model %r: %s" % (model_file, exc)) from None
    return onnx, model


class ImportContext:
    """Symbols of the tensors built so far, the initializers' values, and attribute access."""

    def __init__(self, onnx, graph):
        from .. import symbol as sym
        self.sym = sym
        self.onnx = onnx
        self.values = {t.name: onnx.numpy_helper.to_array(t) for t in graph.initializer}
        self.symbols = {}
        self.aux_names = set()
        self.node = None
        self.ranks = {}

    def learn_ranks(self, model):
        """Ranks of every tensor, from ONNX's own shape inference."""
        try:
            inferred = self.onnx.shape_inference.infer_shapes(model).graph
        except Exception:
            inferred = model.graph
        for info in list(inferred.input) + list(inferred.value_info) + list(inferred.output):
            if info.type.tensor_type.HasField("shape"):
                self.ranks[info.name] = len(info.type.tensor_type.shape.dim)
        for name, value in self.values.items():
            self.ranks[name] = value.ndim

    def rank(self, name):
        if name not in self.ranks:
            raise MXNetError("ONNX import: the rank of tensor %r is unknown (node %r)"
                             % (name, self.node.name))
        return self.ranks[name]

    def tensor(self, name):
        if name not in self.symbols:
            if name not in self.values:
                raise MXNetError("ONNX import: node %r reads tensor %r, which nothing produces"
                                 % (self.node.name, name))
            self.symbols[name] = self.sym.var(name)
        return self.symbols[name]

    def input(self, i):
        return self.tensor(self.node.input[i])

    def has_input(self, i):
        return i < len(self.node.input) and self.node.input[i] != ""

    def constant(self, i):
        """The value of input i, which must be an initializer (a shape, axes, a scalar)."""
        name = self.node.input[i]
        if name not in self.values:
            raise MXNetError("ONNX import: node %r (%s) needs input %r to be a constant"
                             % (self.node.name, self.node.op_type, name))
        return self.values[name]

    def attrs(self):
        return {a.name: self.onnx.helper.get_attribute_value(a) for a in self.node.attribute}

    def name(self):
        return self.node.name or self.node.output[0]


def _graph_inputs(graph, values):
    return [i for i in graph.input if i.name not in values]


def import_model(model_file):
    """Imports an ONNX model file as a Symbol and its parameters.

    Parameters
    ----------
    model_file : str
        Path of the .onnx file.

    Returns
    -------
    sym : Symbol
        The network; its data inputs keep their ONNX names.
    arg_params : dict of str to NDArray
    aux_params : dict of str to NDArray

    Examples
    --------
    >>> sym, arg_params, aux_params = mx.contrib.onnx.import_model('resnet.onnx')
    """
    from . import import_ops  # noqa: F401  (fills the table)
    from .. import ndarray as nd
    onnx, model = _load(model_file)
    graph = model.graph
    ctx = ImportContext(onnx, graph)
    ctx.learn_ranks(model)
    for value_info in _graph_inputs(graph, ctx.values):
        ctx.symbols[value_info.name] = ctx.sym.var(value_info.name)
    for node in graph.node:
        ctx.node = node
        importer = _IMPORTERS.get(node.op_type)
        if importer is None:
            raise MXNetError("ONNX import of %r: no mxnb mapping for ONNX operator %s (node %r)"
                             % (model_file, node.op_type, node.name))
        outputs = importer(ctx, ctx.attrs())
        outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
        for name, symbol in zip(node.output, outputs):
            if name:
                ctx.symbols[name] = symbol
    heads = [ctx.symbols[o.name] for o in graph.output]
    result = heads[0] if len(heads) == 1 else ctx.sym.Group(heads)
    used = set(result.list_arguments()) | set(result.list_auxiliary_states())
    arg_params, aux_params = {}, {}
    for name, value in ctx.values.items():
        if name in used:
            target = aux_params if name in ctx.aux_names else arg_params
            target[name] = nd.array(value, dtype=value.dtype)
    return result, arg_params, aux_params


def get_model_metadata(model_file):
    """The names and shapes of an ONNX model's inputs and outputs.

    Parameters
    ----------
    model_file : str

    Returns
    -------
    dict
        {'input_tensor_data': [(name, shape)], 'output_tensor_data': [(name, shape)]}
    """
    onnx, model = _load(model_file)
    values = {t.name for t in model.graph.initializer}

    def shape_of(info):
        return tuple(d.dim_value if d.HasField("dim_value") else d.dim_param or None
                     for d in info.type.tensor_type.shape.dim)
    return {"input_tensor_data": [(i.name, shape_of(i)) for i in model.graph.input
                                  if i.name not in values],
            "output_tensor_data": [(o.name, shape_of(o)) for o in model.graph.output]}


def import_to_gluon(model_file, ctx):
    """Imports an ONNX model as a Gluon `SymbolBlock` with its parameters loaded on `ctx`.

    Parameters
    ----------
    model_file : str
    ctx : Context or list of Context

    Returns
    -------
    SymbolBlock
    """
    from ..gluon import SymbolBlock
    from .. import symbol as sym_module
    symbol, arg_params, aux_params = import_model(model_file)
    data_names = [name for name, _ in get_model_metadata(model_file)["input_tensor_data"]]
    block = SymbolBlock(symbol, [sym_module.var(n) for n in data_names])
    params = block.collect_params()
    for name, value in list(arg_params.items()) + list(aux_params.items()):
        if name in params:
            params[name]._load_init(value, ctx)
    return block

