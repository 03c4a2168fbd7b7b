"""A Symbol as the ONNX converters read it: nodes in topological order, typed attributes (parsed
by the operator registry, the same parser the executor uses), and every entry's shape and dtype.
"""
import json

import numpy as np

from ..base import MXNetError
from ..ops import registry

__all__ = ["SymbolGraph"]


class GraphNode:
    __slots__ = ("index", "name", "op", "attrs", "inputs", "num_outputs")

    def __init__(self, index, name, op, attrs, inputs, num_outputs):
        self.index = index
        self.name = name
        self.op = op                  # registry Operator, None for a variable
        self.attrs = attrs            # typed, defaults filled in
        self.inputs = inputs          # [(node index, output index)]
        self.num_outputs = num_outputs


class SymbolGraph:
    """Nodes, heads, and shapes/dtypes of every (node, output) entry of a Symbol."""

    def __init__(self, sym, in_shapes, in_types):
        doc = json.loads(sym.tojson())
        self.nodes = []
        for i, raw in enumerate(doc["nodes"]):
            inputs = [(int(e[0]), int(e[1])) for e in raw.get("inputs", [])]
            if raw["op"] == "null":
                self.nodes.append(GraphNode(i, raw["name"], None, {}, inputs, 1))
                continue
            op = registry.find(raw["op"])
            if op is None:
                raise MXNetError("ONNX export: node %r uses operator %r, which mxnb does not know"
                                 % (raw["name"], raw["op"]))
            attrs = op.parse_attrs({k: v for k, v in raw.get("attrs", {}).items()
                                    if not k.startswith("__")})
            self.nodes.append(GraphNode(i, raw["name"], op, attrs, inputs,
                                        op.num_outputs(attrs)))
        self.heads = [(int(e[0]), int(e[1])) for e in doc["heads"]]
        self.arg_names = sym.list_arguments()
        self.aux_names = sym.list_auxiliary_states()
        self.shapes, self.dtypes = self._infer(sym, in_shapes, in_types)

    def _infer(self, sym, in_shapes, in_types):
        internals = sym.get_internals()
        _, out_shapes, _ = internals.infer_shape(**in_shapes)
        _, out_types, _ = internals.infer_type(**in_types)
        if out_shapes is None or any(s is None for s in out_shapes):
            raise MXNetError("ONNX export: the shapes of the graph cannot be inferred from "
                             "in_shapes %s" % (in_shapes,))
        position = {name: i for i, name in enumerate(internals.list_outputs())}
        shapes, dtypes = {}, {}
        for node in self.nodes:
            if node.op is None:
                names = [node.name]
            else:
                visible = node.op.num_visible_outputs(node.attrs)
                names = ["%s_%s" % (node.name, out) for out in node.op.output_names(node.attrs)[:visible]]
            for out, name in enumerate(names):
                if name in position:
                    shapes[(node.index, out)] = tuple(out_shapes[position[name]])
                    dtypes[(node.index, out)] = np.dtype(out_types[position[name]] or np.float32)
        return shapes, dtypes
