"""Sparse arrays in files: MXNet 1.9.1's binary format, byte for byte, and LibSVMIter."""
import pathlib

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError

pytest.importorskip("scipy.sparse")

DATA = pathlib.Path(__file__).parent / "data"


def reference_values():
    """Same formulas as tests/data/make_sparse_nd.py (which wrote the fixture with MXNet)."""
    a = np.arange(12, dtype=np.float32).reshape(4, 3)
    a[a % 4 != 1] = 0
    b = np.zeros((5, 2), dtype=np.float64)
    b[[1, 4]] = [[1.5, -2.0], [0.25, 3.0]]
    c = np.zeros((3, 4), dtype=np.float32)
    d = np.zeros((6, 2, 2), dtype=np.float32)
    d[2] = 7.0
    return {"csr_f32": ("csr", a), "rsp_f64": ("row_sparse", b), "csr_empty": ("csr", c),
            "rsp_3d": ("row_sparse", d), "dense": ("default", np.ones((2, 2), np.float32))}


def test_loads_mxnet_sparse_arrays_as_sparse():
    loaded = nd.load(DATA / "mxnet191_sparse_dict.nd")
    for name, (stype, values) in reference_values().items():
        got = loaded[name]
        assert got.stype == stype and got.dtype == values.dtype.type and got.shape == values.shape
        np.testing.assert_array_equal(got.asnumpy(), values)
    assert loaded["csr_empty"].data.shape == (0,)
    row_sparse, csr = nd.load(DATA / "mxnet191_sparse.nd")
    assert (row_sparse.stype, csr.stype) == ("row_sparse", "csr")


@pytest.mark.parametrize("name", ["mxnet191_sparse.nd", "mxnet191_sparse_dict.nd"])
def test_saving_reproduces_mxnet_bytes(tmp_path, name):
    original = (DATA / name).read_bytes()
    path = tmp_path / "again.nd"
    nd.save(path, nd.load(DATA / name))
    assert path.read_bytes() == original


def test_arrays_built_in_mxnb_save_as_mxnet_does(tmp_path):
    """Arrays made here (not loaded) are written in the fixture's exact layout."""
    made = {name: nd.array(v, dtype=v.dtype).tostype(s) if s != "default" else nd.array(v)
            for name, (s, v) in reference_values().items()}
    nd.save(tmp_path / "made.nd", made)
    assert (tmp_path / "made.nd").read_bytes() == (DATA / "mxnet191_sparse_dict.nd").read_bytes()


def test_corrupt_sparse_indices_are_an_error_naming_the_file(tmp_path):
    raw = bytearray((DATA / "mxnet191_sparse.nd").read_bytes())
    # the row_sparse array's last row index (int64 2, just before its csr neighbour's magic) -> 9
    at = raw.index(bytes.fromhex("c9fa93f902000000")) - 8
    raw[at:at + 8] = (9).to_bytes(8, "little")
    bad = tmp_path / "bad.nd"
    bad.write_bytes(bytes(raw))
    with pytest.raises(MXNetError, match="bad.nd.*row_sparse array 0"):
        nd.load(bad)


LINES = ["1 0:0.5 2:1.2", "0 1:2.0", "1 0:1 1:2 2:3", "0", "1 2:4.5"]
DENSE = np.array([[0.5, 0, 1.2], [0, 2, 0], [1, 2, 3], [0, 0, 0], [0, 0, 4.5]], np.float32)


@pytest.fixture
def libsvm(tmp_path):
    path = tmp_path / "data.libsvm"
    path.write_text("\n".join(LINES) + "\n")
    return str(path)


def test_libsvm_iter_gives_csr_batches_and_round_batch_carries_over(libsvm):
    it = mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(3,), batch_size=2)
    assert it.provide_data[0].shape == (2, 3) and it.provide_label[0].shape == (2,)
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 1]
    for b in batches:
        assert b.data[0].stype == "csr" and b.label[0].stype == "default"
    np.testing.assert_allclose(batches[2].data[0].asnumpy(), DENSE[[4, 0]])
    np.testing.assert_array_equal(batches[2].label[0].asnumpy(), [1, 1])
    it.reset()      # MXNet begins the next epoch after the sample used as padding
    second = [b.data[0].asnumpy() for b in it]
    np.testing.assert_allclose(np.concatenate(second), DENSE[1:])
    it.reset()
    np.testing.assert_allclose(next(it).data[0].asnumpy(), DENSE[:2])


def test_libsvm_iter_label_file_parts_and_large_batches(libsvm, tmp_path):
    labels = tmp_path / "labels.libsvm"
    labels.write_text("0 0:1 1:2\n0 1:1\n0 0:3\n0\n0 1:5\n")
    it = mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(3,), label_libsvm=str(labels),
                          label_shape=(2,), batch_size=2)
    first = next(it)
    assert first.label[0].stype == "csr"
    np.testing.assert_array_equal(first.label[0].asnumpy(), [[1, 2], [0, 1]])
    part1 = mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(3,), batch_size=2, num_parts=2,
                             part_index=1)
    np.testing.assert_allclose(np.concatenate([b.data[0].asnumpy() for b in part1]), DENSE[3:])
    big = list(mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(3,), batch_size=7))
    assert len(big) == 1 and big[0].pad == 2
    np.testing.assert_allclose(big[0].data[0].asnumpy(), DENSE[[0, 1, 2, 3, 4, 0, 1]])


def test_libsvm_iter_errors(libsvm, tmp_path):
    with pytest.raises(MXNetError, match="round_batch"):
        mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(3,), batch_size=2, round_batch=False)
    with pytest.raises(MXNetError, match=r"column index 2, expected indices in \[0, 2\)"):
        mx.io.LibSVMIter(data_libsvm=libsvm, data_shape=(2,), batch_size=2)
    bad = tmp_path / "bad.libsvm"
    bad.write_text("1 0:0.5\n1 x\n")
    with pytest.raises(MXNetError, match="line 2"):
        mx.io.LibSVMIter(data_libsvm=str(bad), data_shape=(3,), batch_size=1)
