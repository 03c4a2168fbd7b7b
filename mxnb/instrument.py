"""Observation points of the core, for dashboards and profilers (layer 4: imports only `base`).

Both are off by default and cost one flag test on the hot path when off:
- operator observers: `add_op_observer(fn)`; `fn(op_name, seconds)` after every operator run
  eagerly, by an executor or by a CachedOp;
- array accounting: `start_array_tracking()` counts live NDArrays and their bytes per context
  (with the peak), through weak references, until `stop_array_tracking()`.
"""
import threading
import weakref

__all__ = ["add_op_observer", "remove_op_observer", "start_array_tracking", "stop_array_tracking",
           "array_stats", "reset_peaks"]

observing = False          # read by the dispatcher and the program runner
tracking = False           # read when NDArrays are made

_observers = []
_lock = threading.Lock()
_live = {}                 # context -> [count, bytes, peak bytes]
_track_users = 0


def add_op_observer(fn):
    global observing
    _observers.append(fn)
    observing = True
    return fn


def remove_op_observer(fn):
    global observing
    _observers.remove(fn)
    observing = bool(_observers)


def notify_op(op_name, seconds):
    for fn in list(_observers):
        fn(op_name, seconds)


def count(ctx, nbytes):
    """One more live array of `nbytes` on `ctx` (its owner calls `release` when it is freed)."""
    with _lock:
        entry = _live.get(ctx)
        if entry is None:
            entry = _live[ctx] = [0, 0, 0]
        entry[0] += 1
        entry[1] += nbytes
        if entry[1] > entry[2]:
            entry[2] = entry[1]


def release(ctx, nbytes):
    with _lock:
        entry = _live.get(ctx)
        if entry is not None:
            entry[0] -= 1
            entry[1] -= nbytes


def track(array):
    """Counts `array` until it is garbage collected (for arrays made by a constructor; the
    dispatcher makes counted arrays directly, which is cheaper)."""
    nbytes = int(array._data.nbytes)
    count(array._ctx, nbytes)
    weakref.finalize(array, release, array._ctx, nbytes)


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
    with _lock:
        for ctx in [c for c, (n, b, p) in _live.items() if n == 0 and p == 0]:
            del _live[ctx]
        return {ctx: {"count": c, "bytes": b, "peak_bytes": p} for ctx, (c, b, p) in _live.items()}


def reset_peaks():
    with _lock:
        for entry in _live.values():
            entry[2] = entry[1]
