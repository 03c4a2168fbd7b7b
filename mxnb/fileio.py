"""Writing files so that a failure never leaves a half-written one (layer 1: imports nothing of mxnb).

A save writes `.NAME.mxnb-HOST-PID-RANDOM.tmp` beside NAME and renames it into place. A process
killed mid-save (kill -9, a power cut) cannot remove its temporary, so the name says who wrote
it: the next save or load of NAME on this host removes the temporaries of writers no longer
running (`remove_stale_temporaries`), and leaves those of a save still in progress.
"""
import glob
import os
import socket
import tempfile

__all__ = ["write_atomically", "remove_stale_temporaries"]

_HOST = socket.gethostname().replace("-", "_").replace(os.sep, "_") or "host"


def _temporary_pattern(fname):
    folder, base = os.path.split(os.path.abspath(fname))
    return os.path.join(glob.escape(folder), glob.escape("." + base) + ".mxnb-*.tmp")


def _writer_is_gone(path):
    """Whether the temporary `path` was written by a process of this host that has ended."""
    tag = os.path.basename(path).rsplit(".mxnb-", 1)[-1]
    parts = tag.split("-")
    if len(parts) < 3 or parts[0] != _HOST:
        return False                   # another host's (a shared folder): not ours to judge
    try:
        pid = int(parts[1])
    except ValueError:
        return False
    if pid == os.getpid() or os.name != "posix":
        return False                   # this process's (another thread's save); or, on Windows,
                                       # no safe liveness test (os.kill(pid, 0) sends Ctrl-C)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):
        return False                   # alive, owned by someone else
    return False


def remove_stale_temporaries(fname):
    """Removes the temporaries that saves of `fname` killed mid-write left behind; returns
    their paths. Called by every atomic save and by loads."""
    removed = []
    for path in glob.glob(_temporary_pattern(os.fspath(fname))):
        if _writer_is_gone(path):
            try:
                os.unlink(path)
                removed.append(path)
            except OSError:
                pass
    return removed


def write_atomically(fname, payload):
    """Writes `payload` (bytes or str) to a temporary file beside `fname`, syncs it, then renames
    it into place: `fname` is either its old self or the whole new file, never a part."""
    fname = os.fspath(fname)
    folder = os.path.dirname(os.path.abspath(fname))
    remove_stale_temporaries(fname)
    prefix = ".%s.mxnb-%s-%d-" % (os.path.basename(fname), _HOST, os.getpid())
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
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
