"""The step-through debugger: walk a recorded forward + backward run node by node.

    dbg = mx.notebook.Debugger(net, x, label=y, loss=gluon.loss.SoftmaxCrossEntropyLoss(),
                               break_on="nan")
    dbg.continue_()      # stops at the first node that produced a NaN or an Inf
    dbg.where()          # that node, its operator and its inputs' statistics
    dbg                  # in a notebook: the widget (graph, buttons, tables, histograms)

The run happens once, for real (`trace.trace`); stepping only moves through what it recorded, so
every value shown is, bit for bit, what the ordinary forward/backward computed.
"""
from .render import array_stats
from .trace import trace

__all__ = ["Debugger"]

_NONFINITE = ("nan", "inf")


class Debugger:
    """Steps through the forward then the backward pass of a Symbol or a Gluon block."""

    def __init__(self, net_or_symbol, *inputs, label=None, loss=None, break_on=None):
        self._target = net_or_symbol
        self._inputs = inputs
        self._label = label
        self._loss = loss
        self.breakpoints = []
        self.break_on_nonfinite = False
        for spec in ([] if break_on is None else [break_on] if isinstance(break_on, str) else break_on):
            self.add_breakpoint(spec)
        self.trace = trace(net_or_symbol, *inputs, label=label, loss=loss)
        self.position = -1          # index of the current event; -1: before the first node
        self.stop_reason = None
        self._listeners = []

    # --- breakpoints -------------------------------------------------------------------------------
    def add_breakpoint(self, spec):
        """Stops `continue_()` at a node name, an operator type ('log'), a layer ('dense0'), or at
        the first NaN/Inf ('nan')."""
        if spec in _NONFINITE:
            self.break_on_nonfinite = True
        elif spec not in self.breakpoints:
            self.breakpoints.append(spec)
        return self

    def remove_breakpoint(self, spec):
        if spec in _NONFINITE:
            self.break_on_nonfinite = False
        else:
            self.breakpoints.remove(spec)
        return self

    def clear_breakpoints(self):
        self.breakpoints = []
        self.break_on_nonfinite = False
        return self

    def _hit(self, index):
        """Why event `index` stops a continue (a sentence), or None."""
        event = self.trace.events[index]
        if self.break_on_nonfinite and event.has_nonfinite_output():
            return "NaN/Inf: %s" % _nonfinite_summary(event)
        for spec in self.breakpoints:
            if spec == event.name:
                return "breakpoint on node %s" % spec
            if spec == event.op:
                return "breakpoint on operator %s" % spec
            block = _matching_block(event.blocks, spec)
            if block and not self._same_block_before(index, block):
                return "breakpoint on layer %s" % block
        return None

    def _same_block_before(self, index, block):
        """A layer breakpoint stops where the layer is entered, not at each of its nodes."""
        if index == 0:
            return False
        previous, event = self.trace.events[index - 1], self.trace.events[index]
        return previous.phase == event.phase and block in previous.blocks

    # --- moving ------------------------------------------------------------------------------------
    @property
    def event(self):
        """The current TraceEvent (None before the first step)."""
        return self.trace.events[self.position] if self.position >= 0 else None

    @property
    def finished(self):
        return self.position == len(self.trace) - 1

    def _move(self, position, reason):
        self.position = position
        self.stop_reason = reason
        for listener in self._listeners:
            listener()
        return self.current

    def step(self):
        """Runs one node (forward, then backward)."""
        if self.finished:
            return self._move(self.position, "end of the backward pass")
        return self._move(self.position + 1, None)

    def step_over(self):
        """Runs the next child block to its last node (stopping early at a breakpoint)."""
        events = self.trace.events
        if self.finished:
            return self._move(self.position, "end of the backward pass")
        start = self.position + 1
        unit = self._unit(events[start])
        end = start
        while (unit is not None and end + 1 < len(events) and events[end + 1].phase == events[start].phase
               and self._unit(events[end + 1]) == unit):
            end += 1
        for index in range(start, end):
            reason = self._hit(index)
            if reason:
                return self._move(index, reason)
        return self._move(end, self._hit(end))

    def _unit(self, event):
        """What step_over skips: the outermost block that is not a whole network (or the loss)."""
        roots = self.trace.root_names
        inner = [b for b in event.blocks if b not in roots]
        if inner:
            return (event.phase, inner[0])
        return (event.phase, event.blocks[0]) if event.blocks else None

    def continue_(self):
        """Runs to the next breakpoint (or NaN/Inf with break_on='nan'), else to the end."""
        for index in range(self.position + 1, len(self.trace)):
            reason = self._hit(index)
            if reason:
                return self._move(index, reason)
        return self._move(len(self.trace) - 1, "end of the backward pass")

    def run(self):
        """Runs to the end, ignoring breakpoints."""
        return self._move(len(self.trace) - 1, "end of the backward pass")

    def back(self, steps=1):
        """Goes back to an earlier recorded node (the values are those recorded then)."""
        return self._move(max(-1, self.position - steps), None)

    def reset(self):
        """Runs the forward/backward again (picking up changed parameters) and goes to the start."""
        self.trace = trace(self._target, *self._inputs, label=self._label, loss=self._loss)
        return self._move(-1, None)

    def goto(self, index):
        return self._move(max(-1, min(index, len(self.trace) - 1)), None)

    # --- what is shown -----------------------------------------------------------------------------
    @property
    def current(self):
        """The current node: phase, name, op, attrs, layer, inputs/outputs/gradients with stats."""
        event = self.event
        if event is None:
            return {"index": -1, "phase": None, "name": None, "op": None, "attrs": {}, "layer": "",
                    "owner": None, "inputs": [], "outputs": [], "gradients": [],
                    "stop_reason": self.stop_reason}
        inputs = [_tensor(name, value, source) for name, source, value in event.inputs]
        outputs = [_tensor(name, value) for name, value in event.outputs]
        return {"index": event.index, "phase": event.phase, "name": event.name, "op": event.op,
                "attrs": dict(event.attrs), "layer": event.layer, "owner": event.owner,
                "inputs": inputs, "outputs": outputs,
                "gradients": outputs if event.phase == "backward" else [],
                "stop_reason": self.stop_reason}

    def where(self):
        """Where the debugger stands, as text: the node, why it stopped, and its inputs' stats."""
        event = self.event
        total = len(self.trace)
        if event is None:
            return "before the first node (%d forward + %d backward nodes recorded)" % (
                self.trace.forward_count, self.trace.backward_count)
        lines = ["step %d/%d, %s: node %s (operator %s)%s" % (
            event.index + 1, total, event.phase, event.name, event.op,
            ", layer %s" % event.layer if event.layer else "")]
        if event.owner:
            lines.append("  gradient of forward node %s" % event.owner)
        if self.stop_reason:
            lines.append("  stopped: %s" % self.stop_reason)
        for name, source, value in event.inputs:
            lines.append("  input  %-8s <- %s: %s" % (name, source, _stats_text(value)))
        for name, value in event.outputs:
            lines.append("  %s %-8s: %s" % ("grad  " if event.phase == "backward" else "output",
                                             name, _stats_text(value)))
        return "\n".join(lines)

    def on_move(self, listener):
        """Calls `listener()` after every move (the widget redraws with it)."""
        self._listeners.append(listener)

    def widget(self):
        """The notebook view (an anywidget; see debugger_widget.py)."""
        from .debugger_widget import DebuggerWidget
        return DebuggerWidget(self)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget())

    def __repr__(self):
        return "<Debugger %s>\n%s" % (self.trace.kind, self.where())


def _tensor(name, value, source=None):
    info = {"name": name, "value": value}
    if source is not None:
        info["source"] = source
    info.update(array_stats(value))
    return info


def _stats_text(value):
    s = array_stats(value)
    text = "shape %s %s" % (s["shape"], s["dtype"])
    if s["min"] is not None:
        text += ", min %.4g max %.4g mean %.4g std %.4g" % (s["min"], s["max"], s["mean"], s["std"])
    if s["nan"] or s["inf"]:
        text += ", %d NaN, %d Inf" % (s["nan"], s["inf"])
    return text


def _nonfinite_summary(event):
    parts = []
    for name, value in event.outputs:
        s = array_stats(value)
        if s["nan"] or s["inf"]:
            parts.append("%s has %d NaN and %d Inf" % (name, s["nan"], s["inf"]))
    return "%s node %s (operator %s): %s" % (event.phase, event.name, event.op, "; ".join(parts))


def _matching_block(blocks, spec):
    """The block among `blocks` named `spec` in full or by its last part ('dense0'), or None."""
    for block in blocks:
        if block == spec or block.endswith("_" + spec):
            return block
    return None
