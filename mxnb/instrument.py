"""Observation points of the core, for dashboards and profilers (layer 4: imports only `base`).

Both are off by default and cost one flag test on the hot path when off:
- operator observers: `add_op_observer(fn)`; `fn(op_name, seconds)` after every operator run
  eagerly, by an executor or by a CachedOp;
- array accounting: `start_array_tracking()` counts live NDArrays and their bytes per context
  (with the peak), through weak references, until `stop_array_tracking()`;
- attribution (on top of the accounting): `start_attribution()` also counts each new array under
  the layer running (`set_layer`, set by forward hooks) and the operator that made it, until
  `stop_attribution()`; `owned_stats()` reads it. Off, it costs one flag test per counted array.
"""
import threading
import weakref

__all__ = ["add_op_observer", "remove_op_observer", "start_array_tracking", "stop_array_tracking",
           "array_stats", "reset_peaks", "start_attribution", "stop_attribution", "owned_stats",
           "set_layer"]

observing = False          # read by the dispatcher and the program runner
tracking = False           # read when NDArrays are made

_observers = ()            # a tuple: iterated on every operator without copying
_lock = threading.Lock()   # for changes of the observer set and of tracking users
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


def add_op_observer(fn):
    with _lock:
        add_op_observer_unlocked(fn)
    return fn


def remove_op_observer(fn):
    with _lock:
        remove_op_observer_unlocked(fn)


def add_op_observer_unlocked(fn):
    global observing, _observers
    _observers = _observers + (fn,)
    observing = True


def remove_op_observer_unlocked(fn):
    global observing, _observers
    observers = list(_observers)
    observers.remove(fn)
    _observers = tuple(observers)
    observing = bool(_observers)


def notify_op(op_name, seconds):
    for fn in _observers:
        fn(op_name, seconds)


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


def _note_op(op_name, seconds):
    global _op
    _op = op_name


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
