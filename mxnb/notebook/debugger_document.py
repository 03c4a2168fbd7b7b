"""The debugger's state as JSON for its browser view: the timeline of recorded nodes, the graph
document of each pass (ids `e<index>` for recorded nodes, `s:<name>` for the values they read),
and the current node's tensors with statistics, a histogram and a heatmap."""
import numpy as np

from .render import array_stats

__all__ = ["timeline", "phase_document", "node_state", "tensor_state"]

_HIST_BINS = 30
_HEAT_MAX = 48          # heatmaps are downsampled to at most this many rows and columns


def timeline(trace):
    """[{index, phase, name, op, layer, nonfinite}] for every recorded node, in order."""
    return [{"index": e.index, "phase": e.phase, "name": e.name, "op": e.op, "layer": e.layer,
             "nonfinite": bool(e.has_nonfinite_output())} for e in trace.events]


def _tensor_meta(value):
    return {"shape": [int(d) for d in value.shape], "dtype": str(value.dtype)}


def phase_document(trace, phase):
    """The graph document (application/vnd.mxnb.graph+json) of one pass of `trace`."""
    events = [e for e in trace.events if e.phase == phase]
    producer = {e.name: "e%d" % e.index for e in events}
    nodes, edges, sources = [], [], {}
    for event in events:
        for _, source, value in event.inputs:
            base, _, rest = source.partition("[")
            if base not in producer and base not in sources:
                sources[base] = "s:" + base
                nodes.append({"id": sources[base], "name": base, "op": None, "role": "input",
                              "group": None, "attrs": {}, "params": [],
                              "outputs": [_tensor_meta(value)]})
        nodes.append({"id": "e%d" % event.index, "name": event.name, "op": event.op, "role": "op",
                      "group": event.layer or None,
                      "attrs": {k: str(v) for k, v in (event.attrs or {}).items()}, "params": [],
                      "outputs": [_tensor_meta(v) for _, v in event.outputs]})
        for input_name, source, _ in event.inputs:
            base, _, rest = source.partition("[")
            index = int(rest.rstrip("]")) if rest else 0
            edges.append({"from": producer.get(base) or sources[base], "output": index,
                          "to": "e%d" % event.index, "input": input_name})
    # An output index past what the producer recorded would name no tensor: clamp to 0.
    outputs = {n["id"]: len(n["outputs"]) for n in nodes}
    for edge in edges:
        if edge["output"] >= outputs[edge["from"]]:
            edge["output"] = 0
    return {"version": 1, "kind": "debugger", "title": "%s pass" % phase, "nodes": nodes,
            "edges": edges, "highlight": None}


def _histogram(finite):
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    if low == high:
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(finite, bins=_HIST_BINS, range=(low, high))
    return {"edges": [float(x) for x in edges], "counts": [int(c) for c in counts]}


def _picture(value):
    """A 2-D view to draw: (H, W), the first map of (N, C, H, W), a row for a vector."""
    if value.ndim == 0 or value.size < 2:
        return None
    if value.ndim == 1:
        return value.reshape(1, -1)
    return value.reshape((-1,) + value.shape[-2:])[0]


def _heatmap(value):
    if value.dtype.kind not in "biuf":
        return None
    picture = _picture(value)
    if picture is None:
        return None
    rows, cols = picture.shape
    step_r, step_c = max(1, -(-rows // _HEAT_MAX)), max(1, -(-cols // _HEAT_MAX))
    small = picture[::step_r, ::step_c].astype(np.float64)
    finite = np.isfinite(small)
    if not finite.any():
        low = high = 0.0
    else:
        low, high = float(small[finite].min()), float(small[finite].max())
    values = [float(v) if ok else None for v, ok in zip(small.ravel(), finite.ravel())]
    return {"rows": int(small.shape[0]), "cols": int(small.shape[1]), "values": values,
            "min": low, "max": high}


def tensor_state(name, value, source=None):
    """One tensor: name, [source,] shape, dtype, statistics, histogram and heatmap."""
    value = np.asarray(value)
    stats = array_stats(value)
    state = {"name": name, "shape": [int(d) for d in stats["shape"]], "dtype": stats["dtype"],
             "min": stats["min"], "max": stats["max"], "mean": stats["mean"], "std": stats["std"],
             "nan": stats["nan"], "inf": stats["inf"]}
    if source is not None:
        state["source"] = source
    if value.dtype.kind in "biuf":
        finite = value[np.isfinite(value)] if value.dtype.kind == "f" else value.ravel()
        state["hist"] = _histogram(finite.astype(np.float64).ravel())
        state["heat"] = _heatmap(value)
    else:
        state["hist"] = state["heat"] = None
    return state


def node_state(debugger):
    """The current node for the view: where, why it stopped, attributes and tensors."""
    event = debugger.event
    state = {"index": -1, "phase": None, "name": None, "op": None, "layer": "", "owner": None,
             "attrs": {}, "stop_reason": debugger.stop_reason, "where": debugger.where(),
             "inputs": [], "outputs": [], "gradients": []}
    if event is None:
        return state
    outputs = [tensor_state(name, value) for name, value in event.outputs]
    state.update(index=event.index, phase=event.phase, name=event.name, op=event.op,
                 layer=event.layer, owner=event.owner,
                 attrs={k: str(v) for k, v in (event.attrs or {}).items()},
                 inputs=[tensor_state(name, value, source) for name, source, value in event.inputs],
                 outputs=outputs, gradients=outputs if event.phase == "backward" else [])
    return state
