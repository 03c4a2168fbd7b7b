"""The debugger's widget: an anywidget whose view (extension/src/widgets/debugger.ts, bundled in
static/debugger-main.js) renders wherever ipywidgets 8 does. The kernel owns the state; the view
sends actions (step, back, continue, goto, ...) that call the Debugger's plain methods, and every
move republishes the state, so the widget and the methods never disagree.

Displayed, it also carries an HTML picture of the current state, shown by front ends without the
widget (nbconvert, GitHub) instead of the widget's text."""
import base64
import html
import pathlib

import anywidget
import traitlets

from . import debugger_document as document
from .debugger_view import node_html
from .graph_svg import document_svg

__all__ = ["DebuggerWidget"]

_STATIC = pathlib.Path(__file__).parent / "static"

# action sent by the view -> the Debugger's method
_ACTIONS = {"step": "step", "step_over": "step_over", "continue": "continue_", "back": "back",
            "run": "run", "reset": "reset"}


class DebuggerWidget(anywidget.AnyWidget):
    """The view of a `Debugger`: buttons and keys, the timeline, the graph, the current node."""

    _esm = _STATIC / "debugger-main.js"
    _css = _STATIC / "debugger-main.css"
    kind = traitlets.Unicode("debugger").tag(sync=True)
    timeline = traitlets.List().tag(sync=True)
    position = traitlets.Int(-1).tag(sync=True)
    node = traitlets.Dict().tag(sync=True)
    graphs = traitlets.Dict().tag(sync=True)

    def __init__(self, debugger, **kwargs):
        super().__init__(**kwargs)
        self.debugger = debugger
        self._trace = None
        debugger.on_move(self.refresh)
        self.on_msg(self._on_action)
        self.refresh()

    def act(self, action, index=None):
        """Does what the view's button, key or timeline click `action` asks."""
        if action == "goto":
            self.debugger.goto(int(index))
        elif action in _ACTIONS:
            getattr(self.debugger, _ACTIONS[action])()
        else:
            raise ValueError("unknown debugger action %r" % (action,))

    def _on_action(self, _widget, content, _buffers):
        if isinstance(content, dict) and "action" in content:
            self.act(content["action"], content.get("index"))

    def refresh(self):
        dbg = self.debugger
        with self.hold_sync():
            if dbg.trace is not self._trace:          # a reset records a new run
                self._trace = dbg.trace
                self.timeline = document.timeline(dbg.trace)
                self.graphs = {phase: document.phase_document(dbg.trace, phase)
                               for phase in ("forward", "backward")}
            self.position = dbg.position
            self.node = document.node_state(dbg)

    def snapshot_html(self):
        """The current state as static HTML: status, the pass's graph and the node's tensors."""
        dbg = self.debugger
        phase = dbg.event.phase if dbg.event is not None else "forward"
        doc = dict(self.graphs[phase], highlight=("e%d" % dbg.position) if dbg.position >= 0 else None)
        try:
            # an <img> of the SVG: inline <svg> is stripped from untrusted notebooks' HTML
            picture = '<img alt="%s pass" src="data:image/svg+xml;base64,%s" style="max-width:100%%">' % (
                phase, base64.b64encode(document_svg(doc).encode("utf-8")).decode("ascii"))
        except Exception:   # noqa: BLE001 - the picture is a convenience; the tables remain
            picture = ""
        return ('<div class="mxnb-debugger-snapshot"><pre style="margin:0">%s</pre>'
                '<div style="max-width:100%%;overflow:auto">%s</div>%s</div>'
                % (html.escape(dbg.where()), picture, node_html(dbg)))

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/html"] = self.snapshot_html()
        data["text/plain"] = "<mxnb Debugger: %s>" % self.debugger.where().split("\n")[0]
        return bundle
