"""NumPy's floating-point warnings silenced while operators compute, as MXNet is silent: an
overflow or 0/0 gives inf/NaN in the result (which the debugger shows), not a RuntimeWarning
pointing into mxnb's sources. The user's own NumPy settings are left as they were.

    token = silence(SILENT)
    try:
        ... compute ...
    finally:
        restore(token)

On NumPy 2 this sets and resets NumPy's error-state context variable; on NumPy 1 it swaps the
thread's error object (np.geterrobj/np.seterrobj). Either is two C calls, about 0.2 µs.
"""
import numpy as np

__all__ = ["silence", "restore", "SILENT"]

try:
    from numpy._core.umath import _extobj_contextvar, _make_extobj
    SILENT = _make_extobj(all="ignore")
    silence = _extobj_contextvar.set
    restore = _extobj_contextvar.reset
except ImportError:             # NumPy 1.x: [buffer size, error mask, callback] per thread
    SILENT = 0                  # the error mask of np.seterr(all="ignore")
    _get, restore = np.geterrobj, np.seterrobj

    def silence(mask):
        previous = _get()
        restore([previous[0], mask, previous[2]])
        return previous
