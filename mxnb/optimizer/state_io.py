"""Updater states (and optionally the optimizer) to bytes and back, without pickle.

Layout: b"MXNBOPT1" + 8-byte little-endian header length + a JSON header + the raw bytes of each
array, in order. The header describes the nesting (None / array / tuple / list / dict / scalar)
so tuples of momentum and master-copy arrays come back as they were.
"""
import json
import struct

import numpy as np

from .. import backend
from ..base import MXNetError
from ..context import Context
from ..ndarray.ndarray import NDArray, _wrap

_MAGIC = b"MXNBOPT1"


def dumps(obj):
    """Bytes for `obj`: nested tuples/lists/dicts of NDArrays, numbers, strings and None."""
    blobs = []
    header = _encode(obj, blobs)
    head = json.dumps(header).encode("utf-8")
    return b"".join([_MAGIC, struct.pack("<Q", len(head)), head] + blobs)


def loads(data):
    """The object written by `dumps`; arrays come back on the contexts they were saved from."""
    if not isinstance(data, (bytes, bytearray, memoryview)) or bytes(data[:8]) != _MAGIC:
        raise MXNetError("optimizer states: expected bytes written by Updater.get_states "
                         "(starting with %r), found %r" % (_MAGIC, bytes(data[:8]) if
                                                           isinstance(data, (bytes, bytearray))
                                                           else type(data).__name__))
    data = bytes(data)
    (size,) = struct.unpack("<Q", data[8:16])
    try:
        header = json.loads(data[16:16 + size].decode("utf-8"))
    except ValueError as exc:
        raise MXNetError("optimizer states: corrupt header (%s)" % exc) from None
    cursor = [16 + size]
    return _decode(header, data, cursor)


def _encode(obj, blobs):
    if obj is None or isinstance(obj, (bool, str)):
        return {"v": obj}
    if isinstance(obj, (int, np.integer)):
        return {"i": int(obj)}
    if isinstance(obj, (float, np.floating)):
        return {"f": float(obj)}
    if isinstance(obj, NDArray):
        host = np.ascontiguousarray(obj.asnumpy())
        blobs.append(host.tobytes())
        return {"a": [host.dtype.str, list(host.shape), host.nbytes,
                      obj.context.device_type, obj.context.device_id]}
    if isinstance(obj, (tuple, list)):
        return {"t" if isinstance(obj, tuple) else "l": [_encode(x, blobs) for x in obj]}
    if isinstance(obj, dict):
        return {"d": [[_encode(k, blobs), _encode(v, blobs)] for k, v in obj.items()]}
    raise MXNetError("optimizer states: cannot save a %s; expected NDArrays, numbers, strings, "
                     "None, tuples, lists or dicts" % type(obj).__name__)


def _decode(node, data, cursor):
    kind, value = next(iter(node.items()))
    if kind in ("v", "i", "f"):
        return value
    if kind == "a":
        dtype, shape, nbytes, dev_type, dev_id = value
        start = cursor[0]
        if start + nbytes > len(data):
            raise MXNetError("optimizer states: truncated data (an array of %d bytes at offset "
                             "%d, the data has %d bytes)" % (nbytes, start, len(data)))
        cursor[0] = start + nbytes
        host = np.frombuffer(data, dtype=np.dtype(dtype), count=nbytes // np.dtype(dtype).itemsize,
                             offset=start).reshape(shape).copy()
        ctx = Context(dev_type, dev_id)
        return _wrap(backend.to_context(host, ctx), ctx)
    if kind in ("t", "l"):
        items = [_decode(x, data, cursor) for x in value]
        return tuple(items) if kind == "t" else items
    if kind == "d":
        return {_hashable(_decode(k, data, cursor)): _decode(v, data, cursor) for k, v in value}
    raise MXNetError("optimizer states: unknown entry %r in the header" % kind)


def _hashable(key):
    return tuple(key) if isinstance(key, list) else key
