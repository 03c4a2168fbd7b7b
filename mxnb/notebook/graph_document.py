"""The graph document mxnb's JupyterLab extension draws (MIME type application/vnd.mxnb.graph+json).

One JSON document per drawing, built from a `GraphModel`: nodes with their operator, attributes,
layer group, parameters and output shapes/dtypes, and the edges between them. Weights are folded
into the node that uses them (listed as its parameters) unless asked for.
"""
from .graph_model import PARAM_SUFFIXES

__all__ = ["GRAPH_MIME", "graph_document"]

GRAPH_MIME = "application/vnd.mxnb.graph+json"


def _shape(shape):
    return None if shape is None else [int(d) for d in shape]


def _groups(model):
    """{node name: layer group}: a node's group is the block it ran inside (tapes), else the
    prefix of the parameters it uses ('dense0' for dense0_weight), extended to the nodes whose
    names carry that prefix (dense0_relu_fwd)."""
    groups = {}
    prefixes = set()
    for node in model.nodes:
        if node.group:
            groups[node.name] = node.group
            continue
        for src, _ in node.inputs:
            if src.is_variable and src.role in ("param", "aux"):
                for suffix in PARAM_SUFFIXES:
                    if src.name.endswith(suffix) and len(src.name) > len(suffix):
                        prefixes.add(src.name[:-len(suffix)])
    ordered = sorted(prefixes, key=len, reverse=True)
    for node in model.nodes:
        if node.name in groups or node.is_variable and node.role == "input":
            continue
        for prefix in ordered:
            if node.name == prefix or node.name.startswith(prefix + "_"):
                groups[node.name] = prefix
                break
    return groups


def graph_document(model, hide_weights=True, title=None, highlight=None):
    """The JSON document (a dict) of `model`, a `GraphModel`.

    Parameters
    ----------
    model : GraphModel
    hide_weights : bool
        Fold weights, biases and running statistics into the nodes that use them.
    title : str, optional
    highlight : str, optional
        Name of the node to highlight (the debugger's current node).

    Returns
    -------
    dict
        {'version', 'kind', 'title', 'nodes': [...], 'edges': [...], 'highlight'}
    """
    groups = _groups(model)
    hidden = {id(n) for n in model.nodes
              if hide_weights and n.is_variable and n.role in ("param", "aux")}
    ids = {id(n): "n%d" % i for i, n in enumerate(model.nodes)}
    nodes, edges = [], []
    for node in model.nodes:
        if id(node) in hidden:
            continue
        params = [{"name": src.name, "shape": _shape(src.out_shapes[index] if src.out_shapes else None)}
                  for src, index in node.inputs if id(src) in hidden]
        dtypes = list(node.out_dtypes or [])
        outputs = [{"shape": _shape(shape),
                    "dtype": str(dtypes[i]) if i < len(dtypes) and dtypes[i] is not None else None}
                   for i, shape in enumerate(node.out_shapes or [None])]
        nodes.append({"id": ids[id(node)], "name": node.name, "op": node.op, "role": node.role,
                      "group": groups.get(node.name), "attrs": dict(node.attrs or {}),
                      "params": params, "outputs": outputs})
        for (src, index), role in zip(node.inputs, node.input_roles or [None] * len(node.inputs)):
            if id(src) not in hidden:
                edges.append({"from": ids[id(src)], "output": int(index), "to": ids[id(node)],
                              "input": role or ""})
    by_name = {n["name"]: n["id"] for n in nodes}
    return {"version": 1, "kind": model.kind, "title": title or model.title, "nodes": nodes,
            "edges": edges, "highlight": by_name.get(highlight)}
