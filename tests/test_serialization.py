"""nd.save / nd.load in MXNet 1.x's binary format, checked against files written by MXNet 1.9.1."""
import os
import pathlib
import struct

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.ndarray import utils as nd_utils

DATA = pathlib.Path(__file__).parent / "data"


def reference_dict_values():
    # The formulas tests/data/mxnet191_dict.params was written from (see tests/data/README.md).
    return {
        "conv_weight": np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2) * 0.25 - 1.5,
        "fc_bias": np.linspace(-1.0, 1.0, 7),
        "labels": (np.arange(12).reshape(3, 4) * 7 - 20).astype(np.int32),
        "image": (np.arange(2 * 3 * 5) * 37 % 256).reshape(2, 3, 5).astype(np.uint8),
    }


def reference_list_values():
    return [np.array([0.5, -2.0, 65504.0], dtype=np.float16), np.array([-(2 ** 40), 3], dtype=np.int64),
            np.array([-128, 127], dtype=np.int8), np.array([True, False, True])]


def test_loads_mxnet_dict_file_with_names_values_and_dtypes():
    loaded = mx.nd.load(str(DATA / "mxnet191_dict.params"))
    expected = reference_dict_values()
    assert list(loaded) == list(expected)  # MXNet keeps the saved order
    for name, want in expected.items():
        got = loaded[name]
        assert isinstance(got, mx.nd.NDArray)
        assert got.dtype == want.dtype.type, name
        assert got.shape == want.shape, name
        np.testing.assert_array_equal(got.asnumpy(), want)


def test_loads_mxnet_list_file_of_less_common_dtypes():
    loaded = mx.nd.load(DATA / "mxnet191_list.nd")
    assert isinstance(loaded, list) and len(loaded) == 4
    for got, want in zip(loaded, reference_list_values()):
        assert got.dtype == want.dtype.type
        np.testing.assert_array_equal(got.asnumpy(), want)


def test_sparse_arrays_from_mxnet_load_sparse():
    row_sparse, csr = mx.nd.load(DATA / "mxnet191_sparse.nd")
    assert (row_sparse.stype, csr.stype) == ("row_sparse", "csr")
    want = np.array([[0, 1], [0, 0], [2, 0]], dtype=np.float32)
    np.testing.assert_array_equal(row_sparse.asnumpy(), want)
    np.testing.assert_array_equal(csr.asnumpy(), want)


@pytest.mark.parametrize("name", ["mxnet191_dict.params", "mxnet191_list.nd"])
def test_saving_what_was_loaded_reproduces_mxnet_bytes(tmp_path, name):
    original = (DATA / name).read_bytes()
    out = tmp_path / "copy.bin"
    mx.nd.save(out, mx.nd.load(DATA / name))
    assert out.read_bytes() == original


def test_round_trip_single_list_and_dict(tmp_path):
    a = mx.nd.array(np.arange(6).reshape(2, 3), dtype="float32")
    b = mx.nd.array([1, 2, 3], dtype="int32")
    mx.nd.save(str(tmp_path / "one"), a)
    (got,) = mx.nd.load(str(tmp_path / "one"))
    np.testing.assert_array_equal(got.asnumpy(), a.asnumpy())

    mx.nd.save(tmp_path / "list", [a, b])
    got = mx.nd.load(tmp_path / "list")
    assert [x.dtype for x in got] == [np.float32, np.int32]

    mx.nd.save(tmp_path / "dict", {"w": a, "ünï": b})
    got = mx.nd.load(tmp_path / "dict")
    assert sorted(got) == ["w", "ünï"]
    np.testing.assert_array_equal(got["ünï"].asnumpy(), [1, 2, 3])


def test_empty_list_and_empty_dict_load_as_empty_list(tmp_path):
    mx.nd.save(tmp_path / "l", [])
    mx.nd.save(tmp_path / "d", {})
    assert mx.nd.load(tmp_path / "l") == []
    assert mx.nd.load(tmp_path / "d") == []


def test_zero_dim_and_zero_size_arrays_use_numpy_shape_format(tmp_path):
    scalar = mx.nd.array([4.0]).reshape(())
    empty = mx.nd.array(np.zeros((2, 0), dtype=np.float32))  # zeros((2, 0)) needs np_shape
    mx.nd.save(tmp_path / "f", [scalar, empty])
    raw = (tmp_path / "f").read_bytes()
    assert struct.unpack_from("<I", raw, 24)[0] == nd_utils.NDARRAY_V3_MAGIC
    got_scalar, got_empty = mx.nd.load(tmp_path / "f")
    assert got_scalar.shape == () and got_scalar.asscalar() == 4.0
    assert got_empty.shape == (2, 0)


def test_load_places_arrays_on_ctx(tmp_path):
    mx.nd.save(tmp_path / "f", [mx.nd.ones((2,))])
    (got,) = mx.nd.load(tmp_path / "f", ctx=mx.cpu(1))
    assert got.context == mx.cpu(1)


def test_saved_device_is_recorded_and_restored_as_mxnet_does(tmp_path):
    mx.nd.save(tmp_path / "f", [mx.nd.ones((2,), ctx=mx.cpu(1))])
    raw = bytearray((tmp_path / "f").read_bytes())
    assert struct.unpack_from("<ii", raw, 44) == (1, 1)  # device type cpu, id 1
    (got,) = mx.nd.load(tmp_path / "f")
    assert got.context == mx.cpu(0)  # MXNet loads cpu arrays to cpu(0)
    struct.pack_into("<ii", raw, 44, 2, 0)  # as if saved from gpu(0)
    (got,) = nd_utils.load_frombuffer(bytes(raw))
    assert got.context == (mx.gpu(0) if mx.num_gpus() else mx.cpu(0))
    np.testing.assert_array_equal(got.asnumpy(), [1, 1])


def test_load_frombuffer_reads_bytes():
    raw = (DATA / "mxnet191_dict.params").read_bytes()
    got = nd_utils.load_frombuffer(raw)
    np.testing.assert_array_equal(got["labels"].asnumpy(), reference_dict_values()["labels"])
    with pytest.raises(TypeError):
        nd_utils.load_frombuffer(12)


def test_save_rejects_what_mxnet_rejects(tmp_path):
    with pytest.raises(TypeError):
        mx.nd.save(tmp_path / "f", {1: mx.nd.ones((1,))})
    with pytest.raises(TypeError):
        mx.nd.save(tmp_path / "f", [np.ones(2)])
    with pytest.raises(ValueError):
        mx.nd.save(tmp_path / "f", 3.0)
    with pytest.raises(TypeError):
        mx.nd.save(3, [])
    assert not (tmp_path / "f").exists()


def test_failed_save_keeps_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    target = tmp_path / "params"
    mx.nd.save(target, [mx.nd.ones((3,))])
    before = target.read_bytes()

    def broken_fsync(fd):
        raise OSError("disk full")
    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk full"):
        mx.nd.save(target, [mx.nd.zeros((1000,))])
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params"]


# --- corrupt files ----------------------------------------------------------------------------
def _load_bytes(tmp_path, raw):
    path = tmp_path / "bad.params"
    path.write_bytes(raw)
    return mx.nd.load(path)


def test_every_truncation_raises_mxnet_error(tmp_path):
    raw = (DATA / "mxnet191_dict.params").read_bytes()
    for cut in range(len(raw)):
        with pytest.raises(MXNetError, match="bad.params"):
            _load_bytes(tmp_path, raw[:cut])


def test_truncated_data_message_says_expected_and_found(tmp_path):
    mx.nd.save(tmp_path / "f", [mx.nd.ones((2,)), mx.nd.ones((4, 4))])
    raw = (tmp_path / "f").read_bytes()
    with pytest.raises(MXNetError, match=r"expected 64 bytes of float32 data for array 1, found 10"):
        _load_bytes(tmp_path, raw[:len(raw) - 8 - 54])


def test_wrong_list_magic_and_non_mxnet_file(tmp_path):
    with pytest.raises(MXNetError, match=r"expected list magic 0x112, found 0x"):
        _load_bytes(tmp_path, b"\x13\x01" + b"\x00" * 30)
    with pytest.raises(MXNetError, match="list magic"):
        _load_bytes(tmp_path, b"just some text, not an MXNet file at all\n")
    with pytest.raises(MXNetError, match="cannot read"):
        mx.nd.load(tmp_path / "missing.params")


def test_wrong_array_magic(tmp_path):
    raw = bytearray((DATA / "mxnet191_dict.params").read_bytes())
    struct.pack_into("<I", raw, 24, 0xDEADBEEF)
    with pytest.raises(MXNetError, match=r"expected NDArray magic 0xF993FAC9 for array 0, found 0xDEADBEEF"):
        _load_bytes(tmp_path, bytes(raw))


def test_absurd_sizes_are_errors_not_memory_errors(tmp_path):
    mx.nd.save(tmp_path / "f", [mx.nd.ones((2, 2))])
    raw = bytearray((tmp_path / "f").read_bytes())
    huge_dims = bytearray(raw)
    struct.pack_into("<qq", huge_dims, 36, 2 ** 40, 2 ** 40)  # both dims of array 0
    with pytest.raises(MXNetError, match="bytes of float32 data for array 0"):
        _load_bytes(tmp_path, bytes(huge_dims))
    huge_count = bytearray(raw)
    struct.pack_into("<Q", huge_count, 16, 2 ** 62)
    with pytest.raises(MXNetError, match="arrays"):
        _load_bytes(tmp_path, bytes(huge_count))
    huge_ndim = bytearray(raw)
    struct.pack_into("<I", huge_ndim, 32, 10 ** 6)
    with pytest.raises(MXNetError, match="dimensions"):
        _load_bytes(tmp_path, bytes(huge_ndim))
    bad_flag = bytearray(raw)
    struct.pack_into("<i", bad_flag, 60, 99)
    with pytest.raises(MXNetError, match="type flag"):
        _load_bytes(tmp_path, bytes(bad_flag))


def test_name_count_must_match_array_count(tmp_path):
    mx.nd.save(tmp_path / "f", [mx.nd.ones((1,))])
    raw = bytearray((tmp_path / "f").read_bytes())
    struct.pack_into("<Q", raw, len(raw) - 8, 3)
    with pytest.raises(MXNetError, match="expected 0 or 1 names"):
        _load_bytes(tmp_path, bytes(raw))
