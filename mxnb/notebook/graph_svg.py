"""A picture of a graph document without Graphviz: a small layered layout in pure Python.

Every output of `show_graph` carries an `image/svg+xml` picture besides the document the
JupyterLab extension draws, so nbconvert, GitHub and notebooks opened without the extension show
the graph too. Graphviz's `dot` draws it when the machine has it; otherwise this layout does:
nodes in layers by their longest path from an input, ordered within a layer by the mean position
of their inputs (two sweeps), edges as straight arrows labelled with shapes.
"""
import html

__all__ = ["document_svg"]

_W, _H, _GAP_X, _GAP_Y, _MARGIN = 150, 40, 24, 46, 16
_FILL = {"input": "#ffffff", "param": "#f0f0f0", "aux": "#f0f0f0"}
_OP_FILL = {"Convolution": "#8dd3c7", "FullyConnected": "#fb8072", "BatchNorm": "#bebada",
            "Activation": "#ffffb3", "LeakyReLU": "#ffffb3", "Pooling": "#80b1d3",
            "Concat": "#fdb462", "Flatten": "#fdb462", "SoftmaxOutput": "#b3de69"}


def _layers(doc):
    preds = {n["id"]: [] for n in doc["nodes"]}
    for e in doc["edges"]:
        preds[e["to"]].append(e["from"])
    depth = {}
    for n in doc["nodes"]:          # nodes come inputs first
        depth[n["id"]] = 1 + max((depth.get(p, 0) for p in preds[n["id"]]), default=-1)
    layers = {}
    for n in doc["nodes"]:
        layers.setdefault(depth[n["id"]], []).append(n["id"])
    ordered = [layers[k] for k in sorted(layers)]
    position = {}
    for sweep in range(2):
        for layer in ordered:
            if sweep or position:
                layer.sort(key=lambda i: sum(position.get(p, 0) for p in preds[i]) /
                           max(1, len(preds[i])) if preds[i] else position.get(i, 0))
            for k, node_id in enumerate(layer):
                position[node_id] = k - (len(layer) - 1) / 2.0
    return ordered, position


def _shape_text(shape):
    if shape is None:
        return "?"
    return "x".join("?" if d == 0 else str(d) for d in shape)


def document_svg(doc):
    """SVG text of a graph document (the dict `graph_document` builds)."""
    layers, position = _layers(doc)
    widest = max((len(layer) for layer in layers), default=1)
    width = widest * (_W + _GAP_X) + 2 * _MARGIN
    height = len(layers) * (_H + _GAP_Y) + 2 * _MARGIN + 20
    centre = {}
    for row, layer in enumerate(layers):
        for node_id in layer:
            x = width / 2 + position[node_id] * (_W + _GAP_X)
            y = _MARGIN + 20 + row * (_H + _GAP_Y) + _H / 2
            centre[node_id] = (x, y)
    by_id = {n["id"]: n for n in doc["nodes"]}
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="Helvetica, Arial, sans-serif">' % (width, height, width, height),
             '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
             'markerHeight="7" orient="auto"><path d="M0,0L10,5L0,10z" fill="#555"/></marker></defs>',
             '<text x="%d" y="16" font-size="13" text-anchor="middle">%s</text>'
             % (width / 2, html.escape(doc.get("title") or ""))]
    for e in doc["edges"]:
        (x1, y1), (x2, y2) = centre[e["from"]], centre[e["to"]]
        y1, y2 = y1 + _H / 2, y2 - _H / 2
        parts.append('<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#555" '
                     'marker-end="url(#a)"/>' % (x1, y1, x2, y2))
        out = by_id[e["from"]]["outputs"]
        label = _shape_text(out[e["output"]]["shape"]) if e["output"] < len(out) else ""
        parts.append('<text x="%.1f" y="%.1f" font-size="9" fill="#333">%s</text>'
                     % ((x1 + x2) / 2 + 4, (y1 + y2) / 2, html.escape(label)))
    for node in doc["nodes"]:
        x, y = centre[node["id"]]
        fill = _OP_FILL.get(node["op"], "#d9d9d9") if node["op"] else _FILL.get(node["role"], "#fff")
        highlight = node["id"] == doc.get("highlight")
        parts.append('<g class="node" id="%s"><rect x="%.1f" y="%.1f" width="%d" height="%d" rx="%d" '
                     'fill="%s" stroke="%s" stroke-width="%d"/>'
                     % (html.escape(node["id"]), x - _W / 2, y - _H / 2, _W, _H,
                        6 if node["op"] else 18, fill, "#e31a1c" if highlight else "#333",
                        4 if highlight else 1))
        lines = [node["op"], node["name"]] if node["op"] else [node["name"]]
        for k, text in enumerate(lines):
            dy = (k - (len(lines) - 1) / 2.0) * 13 + 4
            parts.append('<text x="%.1f" y="%.1f" font-size="11" text-anchor="middle">%s</text>'
                         % (x, y + dy, html.escape(text[:24])))
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)
