"""Writing files so that a failure never leaves a half-written one (layer 1: imports nothing of mxnb)."""
import os
import tempfile

__all__ = ["write_atomically"]


def write_atomically(fname, payload):
    """Writes `payload` (bytes or str) to a temporary file beside `fname`, syncs it, then renames
    it into place: `fname` is either its old self or the whole new file, never a part."""
    fname = os.fspath(fname)
    folder = os.path.dirname(os.path.abspath(fname))
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(fname), suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb" if isinstance(payload, bytes) else "w") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, fname)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
