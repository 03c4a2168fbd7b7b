"""nd.save / nd.load / nd.load_frombuffer in MXNet 1.x's binary format.

Layout (little-endian), as written by MXNet 1.9.1's `NDArray::Save(stream, arrays, names)`:

    uint64 0x112 (list magic), uint64 0 (reserved), uint64 number of arrays
    per array:
        uint32 magic: 0xF993FAC9 (V2) or 0xF993FACA (V3: numpy shape semantics, 0-d and
                      zero-size arrays); 0xF993FAC8 (V1) and magic-less legacy arrays are read too
        int32  storage type (0 dense, 1 row_sparse, 2 csr; V2/V3 only)
        [sparse: storage shape]
        shape: uint32 ndim, int64 dims (legacy: uint32 dims)
        -- an empty shape (V2) or an unknown one (V3) is a "none" array and ends here --
        int32 device type, int32 device id
        int32 type flag
        [sparse: per auxiliary array: int32 type flag, shape]
        raw data, then [sparse: raw auxiliary data]
    (sparse arrays: row_sparse 1 auxiliary array, the row indices; csr 2, indptr then indices;
    the storage shape is the data's shape; they load as CSRNDArray / RowSparseNDArray)
    uint64 number of names, per name: uint64 length, utf-8 bytes

Files are read whole and every size is checked against what is left, so a corrupt file raises
MXNetError naming the file and what was expected vs found, never struct.error or MemoryError.
"""
import pathlib
import struct

import numpy as np

from .. import backend
from ..base import MXNetError
from ..fileio import write_atomically, remove_stale_temporaries
from ..context import Context, cpu, gpu, num_gpus
from .ndarray import NDArray, array, _wrap

__all__ = ["save", "load", "load_frombuffer"]

LIST_MAGIC = 0x112
NDARRAY_V1_MAGIC = 0xF993FAC8
NDARRAY_V2_MAGIC = 0xF993FAC9
NDARRAY_V3_MAGIC = 0xF993FACA

# MXNet's mshadow type flags (bfloat16, flag 12, has no NumPy equivalent).
_FLAG_TO_DTYPE = {0: np.float32, 1: np.float64, 2: np.float16, 3: np.uint8, 4: np.int32,
                  5: np.int8, 6: np.int64, 7: np.bool_, 8: np.int16, 9: np.uint16,
                  10: np.uint32, 11: np.uint64}
_DTYPE_TO_FLAG = {np.dtype(v): k for k, v in _FLAG_TO_DTYPE.items()}
# Number of auxiliary arrays per storage type: row_sparse has row indices, csr indptr + indices.
_AUX_COUNT = {0: 0, 1: 1, 2: 2}
_STYPE_NAMES = {0: "default", 1: "row_sparse", 2: "csr"}
_STYPE_IDS = {name: i for i, name in _STYPE_NAMES.items()}
_MAX_NDIM = 32
_CPU_DEVICE = (1, 0)


# --- saving ---------------------------------------------------------------------------------------
def _as_named_arrays(data):
    """(arrays, names) from an NDArray, a list of NDArrays or a dict str -> NDArray."""
    if isinstance(data, NDArray):
        return [data], []
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str) or not isinstance(value, NDArray):
                raise TypeError("save only accept dict str->NDArray or list of NDArray; found "
                                "key %r of type %s with a value of type %s"
                                % (key, type(key).__name__, type(value).__name__))
        return list(data.values()), list(data.keys())
    if isinstance(data, (list, tuple)):
        for i, value in enumerate(data):
            if not isinstance(value, NDArray):
                raise TypeError("save only accept dict str->NDArray or list of NDArray; item %d "
                                "is a %s" % (i, type(value).__name__))
        return list(data), []
    raise ValueError("data needs to either be a NDArray, dict of str, NDArray pairs or a list of "
                     "NDarrays; found %s" % type(data).__name__)


def _host_copy(arr, index):
    host = np.asarray(backend.to_host(arr._data), order="C")  # arrays on any device: to host
    if host.dtype not in _DTYPE_TO_FLAG:
        raise MXNetError("nd.save: array %d has dtype %s, which MXNet's format cannot store; "
                         "expected one of %s" % (index, host.dtype, ", ".join(
                             np.dtype(t).name for t in _FLAG_TO_DTYPE.values())))
    return host


def _encode_array(host, ctx, magic):
    parts = [struct.pack("<Ii", magic, 0), struct.pack("<I", host.ndim),
             struct.pack("<%dq" % host.ndim, *host.shape),
             # the array's own device, as MXNet records it (load puts it back there)
             struct.pack("<iii", ctx.device_typeid, ctx.device_id, _DTYPE_TO_FLAG[host.dtype]),
             host.astype(host.dtype.newbyteorder("<"), copy=False).tobytes()]
    return b"".join(parts)


def _shape_bytes(shape):
    return struct.pack("<I", len(shape)) + struct.pack("<%dq" % len(shape), *shape)


def _encode_sparse(arr, index, magic):
    """A sparse array as MXNet writes it: storage type, storage (data) shape, shape, context,
    type flag, each auxiliary array's type flag and shape, then the data and auxiliary data."""
    payload = arr._data
    data = _host_copy(_wrap(payload.data, arr.context), index)
    # csr: indptr then indices; row_sparse: the row indices (MXNet's auxiliary order)
    aux = [payload.indptr, payload.indices] if payload.stype == "csr" else [payload.indices]
    aux = [np.asarray(backend.to_host(a), dtype=np.int64) for a in aux]
    parts = [struct.pack("<Ii", magic, _STYPE_IDS[payload.stype]), _shape_bytes(data.shape),
             _shape_bytes(payload.shape),
             struct.pack("<iii", arr.context.device_typeid, arr.context.device_id,
                         _DTYPE_TO_FLAG[data.dtype])]
    for a in aux:
        parts.append(struct.pack("<i", _DTYPE_TO_FLAG[a.dtype]) + _shape_bytes(a.shape))
    parts.append(data.astype(data.dtype.newbyteorder("<"), copy=False).tobytes())
    parts.extend(a.astype("<i8", copy=False).tobytes() for a in aux)
    return b"".join(parts)


def _encode(arrays, names):
    hosts = [None if a._sparse else _host_copy(a, i) for i, a in enumerate(arrays)]
    # MXNet's legacy shape semantics read ndim 0 as "none" and a 0 dim as unknown; files holding
    # such arrays are written as MXNet writes them under numpy shape semantics (V3, all arrays,
    # since MXNet refuses files that mix the two). A sparse array's empty storage is no obstacle.
    legacy_ok = all(len(a.shape) > 0 and all(d > 0 for d in a.shape) for a in arrays)
    magic = NDARRAY_V2_MAGIC if legacy_ok else NDARRAY_V3_MAGIC
    parts = [struct.pack("<QQQ", LIST_MAGIC, 0, len(hosts))]
    parts.extend(_encode_sparse(a, i, magic) if h is None else _encode_array(h, a.context, magic)
                 for i, (h, a) in enumerate(zip(hosts, arrays)))
    parts.append(struct.pack("<Q", len(names)))
    for name in names:
        raw = name.encode("utf-8")
        parts.append(struct.pack("<Q", len(raw)))
        parts.append(raw)
    return b"".join(parts)


def save(fname, data):
    """Saves an NDArray, a list of NDArrays or a dict str -> NDArray in MXNet 1.x's format.

    The file is written to a temporary file in the same folder and renamed into place, so a save
    that fails part-way never leaves a half-written file behind.
    """
    write_atomically(_as_path(fname), _encode(*_as_named_arrays(data)))


def _as_path(fname):
    if isinstance(fname, pathlib.PurePath):
        return str(fname)
    if isinstance(fname, str):
        return fname
    raise TypeError("fname required to be a string or pathlib.Path, found %s" % type(fname).__name__)


# --- loading --------------------------------------------------------------------------------------
class _Reader:
    """Reads little-endian fields from a buffer; every shortfall is an MXNetError naming the source."""

    def __init__(self, buf, source):
        self.buf = memoryview(buf).cast("B")
        self.pos = 0
        self.source = source

    def remaining(self):
        return len(self.buf) - self.pos

    def fail(self, message):
        raise MXNetError("nd.load: %s is not a valid MXNet NDArray file: %s" % (self.source, message))

    def take(self, nbytes, what):
        if nbytes > self.remaining():
            self.fail("expected %d bytes of %s, found %d (at byte offset %d)"
                      % (nbytes, what, self.remaining(), self.pos))
        chunk = self.buf[self.pos:self.pos + nbytes]
        self.pos += nbytes
        return chunk

    def unpack(self, fmt, what):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt), what))


def _read_shape(reader, what, legacy_ndim=None):
    """A shape as a tuple of ints (-1 for unknown dims), or None when ndim is unknown (-1)."""
    if legacy_ndim is None:
        (ndim,) = reader.unpack("<i", "the number of dimensions of " + what)
        if ndim == -1:
            return None
        dim_fmt = "q"
    else:
        ndim, dim_fmt = legacy_ndim, "I"
    if not 0 <= ndim <= _MAX_NDIM:
        reader.fail("expected 0 to %d dimensions for %s, found %d" % (_MAX_NDIM, what, ndim))
    return reader.unpack("<%d%s" % (ndim, dim_fmt), "the dimensions of " + what)


def _read_dtype(reader, what):
    (flag,) = reader.unpack("<i", "the type flag of " + what)
    if flag not in _FLAG_TO_DTYPE:
        reader.fail("expected a type flag in %s for %s, found %d"
                    % (sorted(_FLAG_TO_DTYPE), what, flag))
    return np.dtype(_FLAG_TO_DTYPE[flag])


def _read_values(reader, shape, dtype, what):
    if any(d < 0 for d in shape):
        reader.fail("expected known, non-negative dimensions for %s, found %s" % (what, shape))
    count = int(np.prod(shape, dtype=object)) if shape else 1
    nbytes = count * dtype.itemsize  # checked against the file size before anything is allocated
    raw = reader.take(nbytes, "%s data for %s" % (dtype.name, what))
    return np.frombuffer(raw, dtype=dtype.newbyteorder("<")).astype(dtype).reshape(shape)


class _SparseParts:
    """A sparse array read from a file: its storage type, shape and host parts."""
    __slots__ = ("stype", "shape", "values", "aux")

    def __init__(self, stype, shape, values, aux):
        self.stype, self.shape, self.values, self.aux = stype, tuple(shape), values, aux

    ndim = property(lambda self: len(self.shape))


def _read_array(reader, index):
    what = "array %d" % index
    (magic,) = reader.unpack("<I", "the NDArray magic of " + what)
    stype, storage_shape = 0, None
    if magic in (NDARRAY_V2_MAGIC, NDARRAY_V3_MAGIC):
        (stype,) = reader.unpack("<i", "the storage type of " + what)
        if stype not in _AUX_COUNT:
            reader.fail("expected storage type 0 (default), 1 (row_sparse) or 2 (csr) for %s, "
                        "found %d" % (what, stype))
        if _AUX_COUNT[stype]:
            storage_shape = _read_shape(reader, "the storage shape of " + what)
        shape = _read_shape(reader, what)
    elif magic == NDARRAY_V1_MAGIC:
        shape = _read_shape(reader, what)
    elif magic <= _MAX_NDIM:  # magic-less legacy array: the magic is the ndim
        shape = _read_shape(reader, what, legacy_ndim=magic)
    else:
        reader.fail("expected NDArray magic 0x%X for %s, found 0x%X"
                    % (NDARRAY_V2_MAGIC, what, magic))
    none_array = shape is None or (magic != NDARRAY_V3_MAGIC and len(shape) == 0) \
        or (magic == NDARRAY_V3_MAGIC and any(d < 0 for d in shape))
    if none_array:  # MXNet's empty handle: nothing else is stored
        return np.zeros((0,), dtype=np.float32), _CPU_DEVICE
    device = reader.unpack("<ii", "the context of " + what)
    dtype = _read_dtype(reader, what)
    if not _AUX_COUNT[stype]:
        return _read_values(reader, shape, dtype, what), device
    aux_specs = [(_read_dtype(reader, "auxiliary array %d of %s" % (k, what)),
                  _read_shape(reader, "auxiliary array %d of %s" % (k, what)))
                 for k in range(_AUX_COUNT[stype])]
    if storage_shape is None or any(s is None for _, s in aux_specs):
        reader.fail("expected known storage shapes for sparse %s" % what)
    values = _read_values(reader, storage_shape, dtype, what)
    aux = [_read_values(reader, s, t, "auxiliary array %d of %s" % (k, what))
           for k, (t, s) in enumerate(aux_specs)]
    return _SparseParts(_STYPE_NAMES[stype], shape, values, aux), device


def _decode(buf, source):
    reader = _Reader(buf, source)
    (magic,) = reader.unpack("<Q", "the list magic")
    if magic != LIST_MAGIC:
        reader.fail("expected list magic 0x%X, found 0x%X" % (LIST_MAGIC, magic))
    reader.unpack("<Q", "the reserved field")
    (count,) = reader.unpack("<Q", "the number of arrays")
    if count * 4 > reader.remaining():  # every array takes at least its 4-byte magic
        reader.fail("expected %d arrays, found only %d bytes left" % (count, reader.remaining()))
    arrays = [_read_array(reader, i) for i in range(count)]
    (name_count,) = reader.unpack("<Q", "the number of names")
    if name_count not in (0, count):
        reader.fail("expected 0 or %d names (one per array), found %d" % (count, name_count))
    names = []
    for i in range(name_count):
        (length,) = reader.unpack("<Q", "the length of name %d" % i)
        raw = reader.take(length, "name %d" % i)
        try:
            names.append(bytes(raw).decode("utf-8"))
        except UnicodeDecodeError:
            reader.fail("expected name %d to be utf-8 text, found %r" % (i, bytes(raw[:40])))
    return arrays, names


def _saved_context(device):
    """Where MXNet puts a loaded array: its saved GPU when there is one, else cpu(0)."""
    dev_type, dev_id = device
    if dev_type == Context.devstr2type["gpu"] and 0 <= dev_id < num_gpus():
        return gpu(dev_id)
    return cpu()


def _to_ndarrays(loaded, names, ctx, source):
    out = []
    for i, (host, device) in enumerate(loaded):
        where = ctx or _saved_context(device)
        if isinstance(host, _SparseParts):
            out.append(_sparse(host, where, i, source))
        else:
            out.append(array(host, ctx=where, dtype=host.dtype) if host.ndim else _scalar(host, where))
    return dict(zip(names, out)) if names else out


def _sparse(parts, ctx, index, source):
    """A CSRNDArray / RowSparseNDArray from a file's parts, its indices checked."""
    from . import sparse
    try:
        if parts.stype == "csr":
            indptr, indices = parts.aux
            made = sparse.csr_matrix((parts.values, indices, indptr), shape=parts.shape, ctx=ctx,
                                     dtype=parts.values.dtype)
        else:
            made = sparse.row_sparse_array((parts.values, parts.aux[0]), shape=parts.shape,
                                           ctx=ctx, dtype=parts.values.dtype)
        made.check_format()
    except MXNetError as exc:
        raise MXNetError("nd.load: %s is not a valid MXNet NDArray file: %s array %d: %s"
                         % (source, parts.stype, index, exc)) from None
    return made


def _scalar(host, ctx):
    # `array` turns 0-d input into shape (1,); a V3 file's 0-d array keeps its shape.
    with backend.device_scope(ctx):
        return _wrap(backend.to_context(np.array(host), ctx), ctx)


def load(fname, ctx=None):
    """Loads what `save` (or MXNet 1.x's `mx.nd.save`) wrote: a list, or a dict when named.

    Arrays go where MXNet puts them: the GPU they were saved from when it exists, else cpu(0);
    `ctx` (an mxnb extension) places them all on one context instead.
    """
    fname = _as_path(fname)
    remove_stale_temporaries(fname)     # of saves of this file killed mid-write
    try:
        with open(fname, "rb") as f:
            buf = f.read()
    except OSError as exc:
        raise MXNetError("nd.load: cannot read %s: %s" % (fname, exc.strerror or exc)) from None
    return _to_ndarrays(*_decode(buf, fname), ctx, fname)


def load_frombuffer(buf, ctx=None):
    """Loads arrays from bytes in MXNet 1.x's format (as `load`)."""
    if isinstance(buf, str):
        buf = buf.encode("latin-1")
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise TypeError("buf required to be a string or bytes, found %s" % type(buf).__name__)
    return _to_ndarrays(*_decode(buf, "the buffer"), ctx, "the buffer")
