"""Who holds the live memory: NDArray bytes by layer and by operator, now and at the peak.

The core counts each new NDArray under the operator that made it and the layer running
(`instrument.start_attribution`); `watch_layers(net)` tells it which layer runs, through forward
hooks on every block of `net`. A Dashboard made with `attribution=True` (and the devices panel)
switches the counting on and adds the breakdown to its snapshots:

    dash = Dashboard(attribution=True)
    watch_layers(net)
    ... train ...
    dash.snapshot()["attribution"]     # {'layers': [(name, bytes)], 'operators': [...], 'peak': {...}}

A hybridized block runs as one graph, so its memory is its own (its children do not run apart).
"""
from .. import instrument

__all__ = ["watch_layers", "LayerWatch", "breakdown", "PeakBreakdown"]


class LayerWatch:
    """Forward hooks on a block tree that name the layer new arrays are counted under."""

    def __init__(self, net):
        self._stack = []
        self._handles = []
        net.apply(self._hook)

    def _hook(self, block):
        self._handles.append(block.register_forward_pre_hook(self._enter))
        self._handles.append(block.register_forward_hook(self._leave))

    def _enter(self, block, args):
        self._stack.append(instrument.set_layer(block.name))

    def _leave(self, block, args, out):
        if self._stack:
            instrument.set_layer(self._stack.pop())

    def detach(self):
        """Removes the hooks (arrays are then counted under no layer)."""
        for handle in self._handles:
            handle.detach()
        self._handles = []
        instrument.set_layer("")


def watch_layers(net):
    """Counts the arrays `net`'s layers make under their names (for the dashboard and the devices
    panel). Returns a `LayerWatch`; `detach()` it to stop.

    Parameters
    ----------
    net : Block
        The network; every block in it is watched.

    Returns
    -------
    LayerWatch

    Example
    -------
    >>> watch = watch_layers(net)      # doctest: +SKIP
    >>> watch.detach()                 # doctest: +SKIP
    """
    return LayerWatch(net)


def breakdown(top=8):
    """{'layers': [(layer, bytes)], 'operators': [(operator, bytes)], 'bytes': total} of the
    attributed NDArrays alive now, over every context, largest first (`top` of each)."""
    layers, ops, total = {}, {}, 0
    for owners in instrument.owned_stats().values():
        for (layer, op), nbytes in owners.items():
            layers[layer or "(no layer)"] = layers.get(layer or "(no layer)", 0) + nbytes
            ops[op or "(before any operator)"] = ops.get(op or "(before any operator)", 0) + nbytes
            total += nbytes
    order = lambda d: sorted(d.items(), key=lambda kv: -kv[1])[:top]   # noqa: E731
    return {"layers": order(layers), "operators": order(ops), "bytes": total}


class PeakBreakdown:
    """The breakdown at the largest total seen by sampling (the true peak can fall between two
    samples; its size is the accounting's peak, its breakdown the nearest sample's)."""

    def __init__(self):
        self.reset()

    def reset(self):
        self.bytes, self.layers, self.operators, self.time = 0, [], [], None

    def update(self, now, when):
        if now["bytes"] >= self.bytes:
            self.bytes, self.layers, self.operators, self.time = (now["bytes"], now["layers"],
                                                                  now["operators"], when)
        return {"bytes": self.bytes, "layers": self.layers, "operators": self.operators,
                "time": self.time}
