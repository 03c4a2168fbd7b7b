"""The debugger's drawing: the graph of the current phase with the current node filled in.

Drawn from the trace's events (not from the Symbol) so that tape nodes, CachedOp nodes and the
backward graph all appear under the names the debugger uses.
"""
__all__ = ["phase_digraph", "phase_svg"]

_CURRENT = "#ffb000"
_NONFINITE = "#ff6b6b"
_DONE = "#d7e8f7"
_PENDING = "#ffffff"
_SOURCE = "#eeeeee"


def phase_digraph(trace, current_index):
    """A graphviz Digraph of the events of the current event's phase (forward when not started)."""
    import graphviz
    events = trace.events
    phase = events[current_index].phase if current_index >= 0 else "forward"
    shown = [e for e in events if e.phase == phase]
    names = {e.name for e in shown}
    dot = graphviz.Digraph(graph_attr={"rankdir": "TB" if phase == "forward" else "BT",
                                       "fontsize": "10"},
                           node_attr={"fontsize": "10", "style": "filled,rounded", "shape": "box",
                                      "height": "0.3"})
    sources = set()
    for event in shown:
        if event.index == current_index:
            color = _CURRENT
        elif event.index < current_index:
            color = _NONFINITE if event.has_nonfinite_output() else _DONE
        else:
            color = _PENDING
        dot.node(_key(event.name), "%s\n%s" % (event.op, event.name), fillcolor=color,
                 penwidth="2.5" if event.index == current_index else "1")
        for _, source, _ in event.inputs:
            base = source.split("[")[0]
            if base not in names and base not in sources:
                sources.add(base)
                dot.node(_key(base), base, shape="ellipse", fillcolor=_SOURCE, fontsize="8")
            dot.edge(_key(base), _key(event.name))
    return dot


def _key(name):
    # graphviz ids are quoted by the library; a prefix keeps them apart from its keywords.
    return "n_" + name


def phase_svg(trace, current_index):
    """The drawing as SVG text (needs graphviz's `dot` program)."""
    return phase_digraph(trace, current_index).pipe(format="svg").decode("utf-8")
