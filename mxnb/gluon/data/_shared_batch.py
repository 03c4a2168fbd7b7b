"""Moving a batch from a DataLoader worker process to the main process through shared memory.

The worker writes every array of the batch into one shared-memory segment (a file under
/dev/shm) and sends only a small description (structure, offsets, shapes, dtypes) through its
pipe. The main process maps the segment, unlinks its name at once (the memory lives on as long as
the arrays that view it) and wraps the arrays without copying them. Where there is no /dev/shm
the arrays travel pickled instead.
"""
import itertools
import mmap
import os

import numpy as np

from ...ndarray import NDArray
from ...ndarray.ndarray import _wrap
from ...context import cpu

__all__ = ["pack", "unpack", "discard", "remove_leftovers"]

_SHM_DIR = "/dev/shm"
_ALIGN = 64
_counter = itertools.count()


def segment_prefix(owner_pid):
    """Segment names of the DataLoaders of process `owner_pid` start with this."""
    return "mxnb-dataloader-%d-" % owner_pid


def _flatten(batch, arrays):
    """The batch's structure with each dense array replaced by its index in `arrays`."""
    if isinstance(batch, NDArray) and getattr(batch, "stype", "default") == "default":
        arrays.append(batch.asnumpy())
        return ("nd", len(arrays) - 1)
    if isinstance(batch, np.ndarray) and batch.dtype != object:
        arrays.append(batch)
        return ("np", len(arrays) - 1)
    if isinstance(batch, list):
        return ("list", [_flatten(x, arrays) for x in batch])
    if type(batch) is tuple:
        return ("tuple", [_flatten(x, arrays) for x in batch])
    if type(batch) is dict:
        return ("dict", [(k, _flatten(v, arrays)) for k, v in batch.items()])
    return ("obj", batch)


def _rebuild(node, arrays):
    kind, value = node
    if kind == "nd":
        return _wrap(arrays[value], cpu())
    if kind == "np":
        return arrays[value]
    if kind == "list":
        return [_rebuild(x, arrays) for x in value]
    if kind == "tuple":
        return tuple(_rebuild(x, arrays) for x in value)
    if kind == "dict":
        return {k: _rebuild(v, arrays) for k, v in value}
    return value


def pack(batch, prefix):
    """(structure, segment) describing `batch`; its arrays are in the shared segment."""
    arrays = []
    structure = _flatten(batch, arrays)
    if not arrays:
        return structure, None
    if not os.path.isdir(_SHM_DIR):
        return structure, ("pickled", arrays)
    layout, size = [], 0
    for arr in arrays:
        layout.append((size, arr.shape, arr.dtype.str))
        size += -(-arr.nbytes // _ALIGN) * _ALIGN
    name = "%s%d-%d" % (prefix, os.getpid(), next(_counter))
    path = os.path.join(_SHM_DIR, name)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.ftruncate(fd, max(size, 1))
        # pwrite, not a mapping: no page faults on this side, and a full /dev/shm is an
        # ENOSPC error here instead of a SIGBUS
        for arr, (offset, _, _) in zip(arrays, layout):
            _write_all(fd, np.ascontiguousarray(arr).reshape(-1).view(np.uint8), offset)
    except OSError:
        os.close(fd)
        os.unlink(path)
        return structure, ("pickled", arrays)  # no room in shared memory: through the pipe
    except BaseException:
        os.close(fd)
        os.unlink(path)
        raise
    os.close(fd)
    return structure, ("shm", name, max(size, 1), layout)


def _write_all(fd, data, offset):
    view = memoryview(data)
    while len(view):
        written = os.pwrite(fd, view, offset)
        if written <= 0:
            raise OSError(28, "no space left in shared memory")
        view, offset = view[written:], offset + written


def unpack(structure, segment):
    """The batch described by pack's result; the segment's name is removed."""
    if segment is None:
        return _rebuild(structure, [])
    if segment[0] == "pickled":
        return _rebuild(structure, segment[1])
    _, name, size, layout = segment
    path = os.path.join(_SHM_DIR, name)
    fd = os.open(path, os.O_RDWR)
    try:
        # map every page at once (Linux) rather than fault them in one by one on first touch
        buf = mmap.mmap(fd, size, flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0))
    finally:
        os.close(fd)
        os.unlink(path)
    arrays = [np.ndarray(shape, dtype=dtype, buffer=buf, offset=offset)
              for offset, shape, dtype in layout]
    return _rebuild(structure, arrays)


def discard(segment):
    """Frees a packed batch nobody will read."""
    if segment is not None and segment[0] == "shm":
        try:
            os.unlink(os.path.join(_SHM_DIR, segment[1]))
        except FileNotFoundError:
            pass


def remove_leftovers(prefix):
    """Removes segments a killed worker wrote but never sent."""
    if not os.path.isdir(_SHM_DIR):
        return
    for name in os.listdir(_SHM_DIR):
        if name.startswith(prefix):
            try:
                os.unlink(os.path.join(_SHM_DIR, name))
            except OSError:
                pass
