"""Observation points of the core, for dashboards, profilers and debuggers (layer 4: imports
only `base`).

All are off by default and cost one flag test on the hot path when off:
- node hooks: `add_node_hook(hook)`; `hook(phase, node, inputs, outputs)` after every operator
  step, eager or in a program (an executor's, a CachedOp's), with raw arrays; `phase` is
  'forward' or 'backward'. An eager call not recorded by autograd shows a node made for the call.
- operator observers: `add_op_observer(fn)`; `fn(op_name, seconds)` after every operator step:
  clients of the node hooks (one mechanism, timed by the interpreter, graph/interpreter.py);
- array accounting: `start_array_tracking()` counts live NDArrays and their bytes per context
  (with the peak), through weak references, until `stop_array_tracking()`;
- attribution (on top of the accounting): `start_attribution()` also counts each new array under
  the layer running (`set_layer`, set by forward hooks) and the operator that made it, until
  `stop_attribution()`; `owned_stats()` reads it. Off, it costs one flag test per counted array.
"""
import threading
import weakref

__all__ = ["add_node_hook", "remove_node_hook", "add_op_observer", "remove_op_observer",
           "start_array_tracking", "stop_array_tracking", "array_stats", "reset_peaks",
           "start_attribution", "stop_attribution", "owned_stats", "set_layer"]

hooked = False             # any node hook or observer: read by the interpreter on every step
tracking = False           # read when NDArrays are made

# ((kind, client)): kind 'node' calls client(phase, node, inputs, outputs), 'timed' the same
# with the seconds the step took, 'op' client(op_name, seconds). A tuple: iterated on every
# step without copying.
_hooks = ()
_observers = ()            # the operator observers among them
_lock = threading.Lock()   # for changes of the hook set and of tracking users
_live = {}                 # (device type, device id) -> [count, bytes, peak bytes]
# Taken around every change of a `_live` entry (count, bytes, peak are read-modify-writes that
# threads making or freeing arrays at once would otherwise lose). Held only for a few integer
# operations, during which no array is freed, so a __del__ never waits on its own thread.
counts_lock = threading.Lock()
_track_users = 0

attributing = False        # read when counted NDArrays are made
_owned = {}                # (device type, device id, layer, operator) -> [count, bytes]
_layer = ""                # the layer running now ('' outside any watched layer)
_op = ""                   # the operator that ran last (its outputs are wrapped right after)
_attribution_users = 0


def add_node_hook(hook, timed=False):
    """Calls `hook(phase, node, inputs, outputs)` after every operator step, eager or in a
    program (executors, hybridized blocks), until `remove_node_hook(hook)`.

    Parameters
    ----------
    hook : callable
        Called with the phase ('forward' or 'backward'), the graph node that ran (its `op`,
        `name`, `attrs`), and the raw input and output arrays (NumPy or CuPy).
    timed : bool, default False
        Also pass how long the step ran: `hook(phase, node, inputs, outputs, seconds)`.

    Returns
    -------
    The hook, for `remove_node_hook`.

    Examples
    --------
    >>> seen = []
    >>> hook = mx.instrument.add_node_hook(lambda phase, node, ins, outs: seen.append(node.op.name))
    >>> _ = mx.nd.ones((2,)) + 1
    >>> mx.instrument.remove_node_hook(hook)
    >>> seen[-1]
    '_plus_scalar'
    """
    with _lock:
        _add(hook, "timed" if timed else "node")
    return hook


def remove_node_hook(hook):
    """Stops calling a hook given to `add_node_hook`."""
    with _lock:
        for kind in ("node", "timed"):
            if (kind, hook) in _hooks:
                _remove(hook, kind)
                return
        raise ValueError("remove_node_hook: %r is not an installed node hook" % (hook,))


def add_op_observer(fn):
    """Calls `fn(op_name, seconds)` after every operator step (a client of the node hooks)."""
    with _lock:
        _add(fn, "op")
    return fn


def remove_op_observer(fn):
    with _lock:
        _remove(fn, "op")


def add_op_observer_unlocked(fn):
    _add(fn, "op")


def remove_op_observer_unlocked(fn):
    _remove(fn, "op")


def _add(client, kind):
    global hooked, _hooks, _observers
    _hooks = _hooks + ((kind, client),)
    _observers = tuple(c for k, c in _hooks if k == "op")
    hooked = True


def _remove(client, kind):
    global hooked, _hooks, _observers
    hooks = list(_hooks)
    hooks.remove((kind, client))
    _hooks = tuple(hooks)
    _observers = tuple(c for k, c in _hooks if k == "op")
    hooked = bool(_hooks)


def call_node_hooks(phase, node, inputs, outputs, seconds):
    """Runs the global hooks for one step (the interpreter calls this while `hooked`)."""
    for kind, client in _hooks:
        if kind == "op":
            client(node.op.name, seconds)
        elif kind == "node":
            client(phase, node, inputs, outputs)
        else:
            client(phase, node, inputs, outputs, seconds)


def notify_op(op_name, seconds):
    """Tells the operator observers only (for steps that are not graph nodes)."""
    for kind, client in _hooks:
        if kind == "op":
            client(op_name, seconds)


def stats_of(ctx):
    """The [count, bytes, peak bytes] entry of `ctx`. Keyed by a tuple, which hashes in C: this
    runs for every array made while tracking. Counted arrays keep their entry, so freeing one
    needs no look-up. Counts change under `counts_lock`."""
    key = (ctx.device_type, ctx.device_id)
    entry = _live.get(key)
    if entry is None:
        entry = _live.setdefault(key, [0, 0, 0])   # one entry even if two threads get here
    return entry


def count(entry, nbytes):
    """One more live array of `nbytes` in a `stats_of` entry."""
    with counts_lock:
        entry[0] += 1
        live = entry[1] + nbytes
        entry[1] = live
        if live > entry[2]:
            entry[2] = live


def release(entry, nbytes, owned=None):
    with counts_lock:
        entry[0] -= 1
        entry[1] -= nbytes
        if owned is not None:
            owned[0] -= 1
            owned[1] -= nbytes


def owned_entry(ctx, nbytes, op=None):
    """Counts one more array of `nbytes` under the current layer and operator (or `op`); returns
    the [count, bytes] entry, which the array gives back when freed. Runs only while attributing."""
    key = (ctx.device_type, ctx.device_id, _layer, _op if op is None else op)
    entry = _owned.get(key)
    if entry is None:
        entry = _owned[key] = [0, 0]
    entry[0] += 1
    entry[1] += nbytes
    return entry


def set_layer(name):
    """Makes `name` the layer new arrays are counted under; returns the previous one."""
    global _layer
    previous, _layer = _layer, name
    return previous


def note_op(op_name):
    """Makes `op_name` the operator new arrays are counted under (attribution)."""
    global _op
    _op = op_name


def _note_op(op_name, seconds):
    note_op(op_name)


def start_attribution():
    """Starts (or joins) counting live arrays per layer and operator (and the accounting itself)."""
    global attributing, _attribution_users
    start_array_tracking()
    with _lock:
        _attribution_users += 1
        if not attributing:
            attributing = True
            add_op_observer_unlocked(_note_op)


def stop_attribution():
    global attributing, _attribution_users, _op
    with _lock:
        _attribution_users = max(0, _attribution_users - 1)
        if attributing and _attribution_users == 0:
            attributing = False
            _op = ""
            remove_op_observer_unlocked(_note_op)
    stop_array_tracking()


def owned_stats():
    """{context: {(layer, operator): bytes}} of the counted arrays alive now, by who made them
    ('' for no layer; 'array' for arrays made by a constructor)."""
    from .context import Context
    result = {}
    for (device_type, device_id, layer, op), (n, nbytes) in list(_owned.items()):
        if n > 0:
            result.setdefault(Context(device_type, device_id), {})[(layer, op)] = nbytes
    return result


def track(array):
    """Counts `array` until it is garbage collected (for arrays made by a constructor; the
    dispatcher makes counted arrays directly, which is cheaper)."""
    entry, nbytes = stats_of(array._ctx), int(array._data.nbytes)
    count(entry, nbytes)
    owned = owned_entry(array._ctx, nbytes, op="array") if attributing else None
    weakref.finalize(array, release, entry, nbytes, owned)


def start_array_tracking():
    """Starts (or joins) live-array accounting; arrays made from now on are counted."""
    global tracking, _track_users
    with _lock:
        _track_users += 1
        tracking = True


def stop_array_tracking():
    global tracking, _track_users
    with _lock:
        _track_users = max(0, _track_users - 1)
        tracking = _track_users > 0


def array_stats():
    """{context: {'count', 'bytes', 'peak_bytes'}} of the NDArrays alive and counted; a context
    whose arrays are all gone and whose peak was reset drops out."""
    from .context import Context
    for key in [k for k, (n, b, p) in list(_live.items()) if n == 0 and p == 0]:
        del _live[key]
    return {Context(*key): {"count": c, "bytes": b, "peak_bytes": p}
            for key, (c, b, p) in list(_live.items())}


def forget_context(ctx):
    """Drops `ctx`'s figures (its arrays are no longer counted when freed)."""
    _live.pop((ctx.device_type, ctx.device_id), None)


def reset_peaks():
    with counts_lock:
        for entry in list(_live.values()):
            entry[2] = entry[1]
