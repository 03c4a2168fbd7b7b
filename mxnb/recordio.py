"""`mx.recordio`: MXNet's RecordIO files (.rec, with .idx indexes), byte-compatible with MXNet's.

A record on disk is a 4-byte magic number, a 4-byte word holding a continuation flag (top 3
bits) and a length (low 29 bits), then the payload padded with zeros to a multiple of 4 bytes.
The writer never lets the magic number appear at a 4-byte boundary inside a payload: it splits
the record there into parts (flags 1 = first, 2 = middle, 3 = last; 0 = whole record) and drops
those 4 bytes, which the reader puts back when joining the parts. An .idx file has one
"key<TAB>byte offset" line per record.

Reads are positional (`os.pread`), so one reader can be shared by forked DataLoader workers.
"""
import numbers
import os
import struct
from collections import namedtuple

import numpy as np

from .base import MXNetError

__all__ = ["MXRecordIO", "MXIndexedRecordIO", "IRHeader", "pack", "unpack", "pack_img",
           "unpack_img"]

_MAGIC = 0xCED7230A
_MAGIC_BYTES = struct.pack("<I", _MAGIC)
_LEN_MASK = (1 << 29) - 1
_MAX_RECORD = 1 << 29


class MXRecordIO:
    """Reads or writes a RecordIO file record by record.

    Parameters
    ----------
    uri : str
        Path to the record file.
    flag : str
        'w' to write, 'r' to read.

    Example
    -------
    >>> record = mx.recordio.MXRecordIO('tmp.rec', 'w')
    >>> for i in range(3):
    ...     record.write(b'record_%d' % i)
    >>> record.close()
    >>> record = mx.recordio.MXRecordIO('tmp.rec', 'r')
    >>> record.read()
    b'record_0'
    """

    def __init__(self, uri, flag):
        self.uri = str(uri)
        self.flag = flag
        self.is_open = False
        self._fd = None
        self.open()

    def open(self):
        """Opens the record file (truncating it when writing)."""
        if self.flag == "w":
            self._file = open(self.uri, "wb")
            self.writable = True
        elif self.flag == "r":
            try:
                self._fd = os.open(self.uri, os.O_RDONLY)
            except OSError as exc:
                raise MXNetError("cannot open record file %s: %s" % (self.uri, exc)) from None
            self._size = os.fstat(self._fd).st_size
            self.writable = False
        else:
            raise MXNetError("MXRecordIO: invalid flag %r, expected 'r' or 'w'" % (self.flag,))
        self._pos = 0
        self.is_open = True

    def __del__(self):
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):
        state = dict(self.__dict__)
        if self.writable and self.is_open:
            raise MXNetError("MXRecordIO: a record file open for writing cannot be pickled (%s)"
                             % self.uri)
        state["_fd"] = None
        state["_file"] = None
        state["is_open"] = False
        return state

    def __setstate__(self, state):
        pos = state.get("_pos", 0)
        self.__dict__.update(state)
        if not self.writable:
            self.open()
            self._pos = pos

    def close(self):
        """Closes the record file."""
        if not getattr(self, "is_open", False):
            return
        if self.writable:
            self._file.close()
        else:
            os.close(self._fd)
            self._fd = None
        self.is_open = False

    def reset(self):
        """Goes back to the first record (truncates the file when writing)."""
        self.close()
        self.open()

    def _check_open(self, writing):
        if not self.is_open:
            raise MXNetError("record file %s is closed" % self.uri)
        if writing != self.writable:
            raise MXNetError("record file %s is open for %s" % (
                self.uri, "writing" if self.writable else "reading"))

    def write(self, buf):
        """Appends one record.

        Parameters
        ----------
        buf : bytes
            The record's content.
        """
        self._check_open(True)
        buf = bytes(buf)
        if len(buf) >= _MAX_RECORD:
            raise MXNetError("RecordIO records must be shorter than 2^29 bytes, found %d"
                             % len(buf))
        out = []
        start = 0
        view = np.frombuffer(buf, dtype="<u4", count=len(buf) // 4)
        for word in np.flatnonzero(view == _MAGIC):
            i = int(word) * 4
            out.append(_header(1 if start == 0 else 2, i - start))
            out.append(buf[start:i])
            start = i + 4
        out.append(_header(3 if start else 0, len(buf) - start))
        out.append(buf[start:])
        out.append(b"\0" * (-len(buf) % 4))
        data = b"".join(out)
        self._file.write(data)
        self._pos += len(data)

    def tell(self):
        """The byte offset where the next record goes (writing) or is read from (reading)."""
        return self._pos

    def read(self):
        """The next record, or None at the end of the file.

        Returns
        -------
        bytes or None
        """
        self._check_open(False)
        record, self._pos = self._read_at(self._pos)
        return record

    def _read_at(self, pos):
        parts = []
        while True:
            head = os.pread(self._fd, 8, pos)
            if not head and not parts:
                return None, pos
            if len(head) < 8:
                raise self._corrupt(pos, "a record header of 8 bytes", "%d bytes" % len(head))
            magic, word = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise self._corrupt(pos, "the magic number 0x%08x" % _MAGIC, "0x%08x" % magic)
            cflag, length = word >> 29, word & _LEN_MASK
            padded = (length + 3) & ~3
            payload = os.pread(self._fd, length, pos + 8)
            if len(payload) < length:
                raise self._corrupt(pos, "%d bytes of record data" % length,
                                    "%d before the end of the file" % len(payload))
            if cflag > 3 or (parts and cflag not in (2, 3)) or (not parts and cflag in (2, 3)):
                raise self._corrupt(pos, "a continuation flag that follows the previous part",
                                    "flag %d" % cflag)
            parts.append(payload)
            pos += 8 + padded
            if cflag in (0, 3):
                return _MAGIC_BYTES.join(parts), pos

    def _scan(self):
        """The byte offsets of all records, found by reading only their headers."""
        self._check_open(False)
        offsets, pos, starting = [], 0, True
        while pos < self._size:
            head = os.pread(self._fd, 8, pos)
            if len(head) < 8:
                raise self._corrupt(pos, "a record header of 8 bytes", "%d bytes" % len(head))
            magic, word = struct.unpack("<II", head)
            if magic != _MAGIC:
                raise self._corrupt(pos, "the magic number 0x%08x" % _MAGIC, "0x%08x" % magic)
            if starting:
                offsets.append(pos)
            cflag, length = word >> 29, word & _LEN_MASK
            starting = cflag in (0, 3)
            pos += 8 + ((length + 3) & ~3)
        return offsets

    def _corrupt(self, pos, expected, found):
        return MXNetError("corrupt RecordIO file %s: at byte %d expected %s, found %s"
                          % (self.uri, pos, expected, found))


def _header(cflag, length):
    return struct.pack("<II", _MAGIC, (cflag << 29) | length)


class MXIndexedRecordIO(MXRecordIO):
    """A RecordIO file with an index file, for random access by key.

    Parameters
    ----------
    idx_path : str
        Path to the index file (.idx).
    uri : str
        Path to the record file (.rec).
    flag : str
        'w' to write, 'r' to read.
    key_type : type
        The type of the keys (int by default).

    Example
    -------
    >>> record = mx.recordio.MXIndexedRecordIO('tmp.idx', 'tmp.rec', 'w')
    >>> for i in range(5):
    ...     record.write_idx(i, b'record_%d' % i)
    >>> record.close()
    >>> record = mx.recordio.MXIndexedRecordIO('tmp.idx', 'tmp.rec', 'r')
    >>> record.read_idx(3)
    b'record_3'
    """

    def __init__(self, idx_path, uri, flag, key_type=int):
        self.idx_path = str(idx_path)
        self.idx = {}
        self.keys = []
        self.key_type = key_type
        self.fidx = None
        super().__init__(uri, flag)

    def open(self):
        super().open()
        self.idx = {}
        self.keys = []
        if self.writable:
            self.fidx = open(self.idx_path, "w")
            return
        self.fidx = None
        try:
            with open(self.idx_path) as fidx:
                lines = fidx.read().splitlines()
        except OSError as exc:
            raise MXNetError("cannot open index file %s: %s" % (self.idx_path, exc)) from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            fields = line.strip().split("\t")
            try:
                key, pos = self.key_type(fields[0]), int(fields[1])
            except (ValueError, IndexError):
                raise MXNetError("corrupt index file %s: line %d should be 'key<TAB>offset', "
                                 "found %r" % (self.idx_path, number, line)) from None
            if not 0 <= pos < max(self._size, 1):
                raise MXNetError("corrupt index file %s: line %d points at byte %d, beyond the "
                                 "%d bytes of %s" % (self.idx_path, number, pos, self._size,
                                                     self.uri))
            self.idx[key] = pos
            self.keys.append(key)

    def close(self):
        if not getattr(self, "is_open", False):
            return
        super().close()
        if self.fidx is not None:
            self.fidx.close()
            self.fidx = None

    def __getstate__(self):
        state = super().__getstate__()
        state["fidx"] = None
        return state

    def seek(self, idx):
        """Moves the read position to the record of key `idx`."""
        self._check_open(False)
        try:
            self._pos = self.idx[idx]
        except KeyError:
            raise MXNetError("record file %s has no record with key %r (index %s)"
                             % (self.uri, idx, self.idx_path)) from None

    def read_idx(self, idx):
        """The record of key `idx`.

        Returns
        -------
        bytes
        """
        self.seek(idx)
        return self.read()

    def write_idx(self, idx, buf):
        """Appends a record under key `idx`.

        Parameters
        ----------
        idx : int
            The record's key.
        buf : bytes
            The record's content.
        """
        key = self.key_type(idx)
        pos = self.tell()
        self.write(buf)
        self.fidx.write("%s\t%d\n" % (str(key), pos))
        self.idx[key] = pos
        self.keys.append(key)


IRHeader = namedtuple("HEADER", ["flag", "label", "id", "id2"])
IRHeader.__doc__ = """The header of an image record: flag, label (a number or an array of
float32), id and id2 (the high bits of the id). `pack` sets flag to the number of labels when
the label is an array."""

_IR_FORMAT = "IfQQ"
_IR_SIZE = struct.calcsize(_IR_FORMAT)


def pack(header, s):
    """Packs a header and a payload into one record.

    Parameters
    ----------
    header : IRHeader
        flag, label, id, id2. An array label is stored after the header and flag becomes its
        length.
    s : bytes
        The payload (an encoded image, typically).

    Returns
    -------
    bytes

    Example
    -------
    >>> s = mx.recordio.pack(mx.recordio.IRHeader(0, [1, 2, 3], 7, 0), b'payload')
    >>> mx.recordio.unpack(s)[0].flag
    3
    """
    header = IRHeader(*header)
    if isinstance(header.label, numbers.Number):
        header = header._replace(flag=0)
        prefix = b""
    else:
        label = np.asarray(header.label, dtype=np.float32)
        header = header._replace(flag=label.size, label=0)
        prefix = label.tobytes()
    return struct.pack(_IR_FORMAT, *header) + prefix + bytes(s)


def unpack(s):
    """Splits a record into its header and payload.

    Parameters
    ----------
    s : bytes
        A record made by `pack`.

    Returns
    -------
    header : IRHeader
    s : bytes
    """
    if len(s) < _IR_SIZE:
        raise MXNetError("a packed record starts with a %d-byte header, found only %d bytes"
                         % (_IR_SIZE, len(s)))
    header = IRHeader(*struct.unpack(_IR_FORMAT, s[:_IR_SIZE]))
    s = s[_IR_SIZE:]
    if header.flag > 0:
        if len(s) < 4 * header.flag:
            raise MXNetError("a packed record with flag %d needs %d bytes of labels, found %d"
                             % (header.flag, 4 * header.flag, len(s)))
        header = header._replace(label=np.frombuffer(s, np.float32, header.flag))
        s = s[header.flag * 4:]
    return header, s


def unpack_img(s, iscolor=-1):
    """Splits a record into its header and decoded image (as OpenCV gives it: BGR, HxWxC uint8).

    Parameters
    ----------
    s : bytes
        A record made by `pack_img`.
    iscolor : int
        -1: as stored; 0: greyscale (HxW); 1: color (HxWx3, BGR).

    Returns
    -------
    header : IRHeader
    img : numpy.ndarray
    """
    from .image import codec
    header, s = unpack(s)
    return header, codec.decode(s, iscolor, bgr=True, source="packed record")


def pack_img(header, img, quality=95, img_fmt=".jpg"):
    """Encodes an image (HxWxC BGR uint8, as OpenCV) and packs it with its header.

    Parameters
    ----------
    header : IRHeader
    img : numpy.ndarray
    quality : int
        JPEG quality (1-100), or PNG compression level (0-9).
    img_fmt : str
        '.jpg' or '.png'.

    Returns
    -------
    bytes
    """
    from .image import codec
    return pack(header, codec.encode(np.asarray(img), img_fmt, quality, bgr=True))
