"""mx.recordio: files written by MXNet 1.9.1 read back, and files written here are byte-for-byte
MXNet's (tests/data/make_recordio.py)."""
import os
import pickle
import shutil
import struct

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "data")
MAGIC = struct.pack("<I", 0xCED7230A)
# the payloads make_recordio.py wrote into mxnet191_raw.rec, in order
RAW = [b"", b"abc", MAGIC, b"abcd" + MAGIC + b"efgh" + MAGIC, b"xy" + MAGIC + b"zw",
       MAGIC + MAGIC + b"tail1", bytes(range(256)) * 3]


def read_all(path):
    reader = mx.recordio.MXRecordIO(path, "r")
    out = []
    while True:
        item = reader.read()
        if item is None:
            return out
        out.append(item)


def test_reads_mxnet_raw_records_including_split_magic():
    records = read_all(os.path.join(DATA, "mxnet191_raw.rec"))
    assert records[:-1] == RAW
    header, payload = mx.recordio.unpack(records[-1])
    assert payload == b"multi" and header.flag == 3 and header.id == 9 and header.id2 == 1
    np.testing.assert_array_equal(header.label, np.array([1.5, 2.5, 3.5], dtype=np.float32))


def test_writes_the_same_bytes_as_mxnet(tmp_path):
    path = tmp_path / "raw.rec"
    with mx.recordio.MXRecordIO(str(path), "w") as writer:
        for payload in RAW:
            writer.write(payload)
        writer.write(mx.recordio.pack(mx.recordio.IRHeader(0, [1.5, 2.5, 3.5], 9, 1), b"multi"))
    assert path.read_bytes() == open(os.path.join(DATA, "mxnet191_raw.rec"), "rb").read()


def test_indexed_records_both_directions(tmp_path):
    rec, idx = (os.path.join(DATA, "mxnet191_images." + ext) for ext in ("rec", "idx"))
    reader = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    assert reader.keys == list(range(6))
    payloads = [reader.read_idx(k) for k in reversed(reader.keys)][::-1]
    header, img = mx.recordio.unpack(payloads[4])
    assert (header.flag, header.label, header.id, header.id2) == (0, 1.0, 4, 0)
    assert img.startswith(b"\x89PNG")
    reader.reset()
    assert reader.read() == payloads[0]  # sequential reads start over
    writer = mx.recordio.MXIndexedRecordIO(str(tmp_path / "x.idx"), str(tmp_path / "x.rec"), "w")
    for k, payload in enumerate(payloads):
        writer.write_idx(k, payload)
    writer.close()
    assert (tmp_path / "x.rec").read_bytes() == open(rec, "rb").read()
    assert (tmp_path / "x.idx").read_text() == open(idx).read()


def test_reader_survives_pickling_and_fork_style_sharing():
    rec, idx = (os.path.join(DATA, "mxnet191_images." + ext) for ext in ("rec", "idx"))
    reader = mx.recordio.MXIndexedRecordIO(idx, rec, "r")
    clone = pickle.loads(pickle.dumps(reader))
    assert clone.read_idx(3) == reader.read_idx(3)


def test_pack_img_round_trip_png_and_jpeg():
    img = np.random.RandomState(0).randint(0, 256, size=(9, 7, 3)).astype(np.uint8)
    header = mx.recordio.IRHeader(0, 3.0, 11, 0)
    h, out = mx.recordio.unpack_img(mx.recordio.pack_img(header, img, quality=3, img_fmt=".png"))
    assert h.label == 3.0 and h.id == 11
    np.testing.assert_array_equal(out, img)  # BGR in, BGR out, as OpenCV
    smooth = np.tile(np.linspace(0, 255, 16, dtype=np.uint8)[None, :, None], (16, 1, 3))
    _, jpeg = mx.recordio.unpack_img(mx.recordio.pack_img(header, smooth, quality=95))
    assert jpeg.shape == smooth.shape and np.abs(jpeg.astype(int) - smooth).max() <= 8
    _, gray = mx.recordio.unpack_img(mx.recordio.pack_img(header, img, img_fmt=".png"), 0)
    assert gray.shape == (9, 7)


def test_corrupt_files_name_file_and_position(tmp_path):
    good = open(os.path.join(DATA, "mxnet191_raw.rec"), "rb").read()
    bad = tmp_path / "bad.rec"
    bad.write_bytes(good[:20] + b"\0\0\0\0" + good[24:])
    with pytest.raises(MXNetError, match=r"bad.rec: at byte \d+ expected the magic number"):
        read_all(str(bad))
    bad.write_bytes(good[:-10])
    with pytest.raises(MXNetError, match="bad.rec.*before the end of the file"):
        read_all(str(bad))
    idx = tmp_path / "bad.idx"
    idx.write_text("0\t0\n1\tnot-a-number\n")
    shutil.copy(os.path.join(DATA, "mxnet191_raw.rec"), tmp_path / "raw.rec")
    with pytest.raises(MXNetError, match="bad.idx: line 2"):
        mx.recordio.MXIndexedRecordIO(str(idx), str(tmp_path / "raw.rec"), "r")
    idx.write_text("0\t999999\n")
    with pytest.raises(MXNetError, match="beyond the"):
        mx.recordio.MXIndexedRecordIO(str(idx), str(tmp_path / "raw.rec"), "r")
    with pytest.raises(MXNetError, match="24-byte header, found only 5"):
        mx.recordio.unpack(b"short")
    with pytest.raises(MXNetError, match="cannot open record file"):
        mx.recordio.MXRecordIO(str(tmp_path / "missing.rec"), "r")


def test_record_dataset_reads_by_position():
    ds = mx.gluon.data.RecordFileDataset(os.path.join(DATA, "mxnet191_images.rec"))
    assert len(ds) == 6
    assert mx.recordio.unpack(ds[5])[0].id == 5
