"""mx.io iterators against what MXNet 1.9.1 gives on the same inputs (tests/data/make_io.py,
tests/data/make_recordio.py)."""
import os
import struct

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError

DATA = os.path.join(os.path.dirname(__file__), "data")
IO = np.load(os.path.join(DATA, "mxnet191_io.npz"))
IMG = np.load(os.path.join(DATA, "mxnet191_image_expected.npz"))
REC = os.path.join(DATA, "mxnet191_images.rec")


def replay(expected, prefix, it, epochs, atol=0.0):
    """Every batch of `epochs` epochs of `it` equals MXNet's, and there are as many."""
    for epoch in range(epochs):
        count = 0
        for b, batch in enumerate(it):
            key = "%s_%d_%d_" % (prefix, epoch, b)
            assert key + "pad" in expected.files, "more batches than MXNet: %s" % key
            assert batch.pad == int(expected[key + "pad"]), key
            for k, d in enumerate(batch.data):
                np.testing.assert_allclose(d.asnumpy(), expected[key + "data%d" % k], atol=atol,
                                           err_msg=key)
            for k, lab in enumerate(batch.label or []):
                np.testing.assert_allclose(lab.asnumpy(), expected[key + "label%d" % k],
                                           err_msg=key)
            count += 1
        assert "%s_%d_%d_pad" % (prefix, epoch, count) not in expected.files, "fewer batches"
        it.reset()


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_ndarray_iter_last_batch_handles_match_mxnet(handle):
    x, y = IO["nd_x"], IO["nd_y"]
    it = mx.io.NDArrayIter({"b": x, "a": y}, y, batch_size=2, last_batch_handle=handle)
    assert [d.name for d in it.provide_data] == ["a", "b"]  # sorted by name, as MXNet
    assert it.provide_data[1].shape == (2, 2, 2) and it.provide_label[0].name == "softmax_label"
    replay(IO, "nd_" + handle, it, epochs=3)


def test_ndarray_iter_pads_beyond_the_data_and_shuffles():
    replay(IO, "nd_pad_big", mx.io.NDArrayIter(IO["nd_y"][:2], batch_size=5), epochs=1)
    np.random.seed(0)
    it = mx.io.NDArrayIter(np.arange(10), np.arange(10) * 2, batch_size=5, shuffle=True)
    first = [(b.data[0].asnumpy(), b.label[0].asnumpy()) for b in it]
    data = np.concatenate([d for d, _ in first])
    assert sorted(data.tolist()) == list(range(10)) and data.tolist() != list(range(10))
    np.testing.assert_array_equal(np.concatenate([l for _, l in first]), data * 2)
    with pytest.raises(MXNetError, match="'softmax_label' with 3"):
        mx.io.NDArrayIter(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(MXNetError, match="last_batch_handle"):
        mx.io.NDArrayIter(np.zeros(4), last_batch_handle="keep")


@pytest.mark.parametrize("handle", ["pad", "discard", "roll_over"])
def test_ndarray_iter_takes_the_sample_count_from_the_first_data_array(handle):
    # MXNet 1.9.1: a label longer than the data gives its first num_data samples
    data = np.arange(30, dtype=np.float32).reshape(10, 3)
    label = np.arange(20, dtype=np.float32) * 10
    it = mx.io.NDArrayIter(mx.nd.array(data), {"label": mx.nd.array(label)}, batch_size=4,
                           last_batch_handle=handle)
    assert it.num_data == 10 and it.provide_label[0].shape == (4,)
    batches = [(b.data[0].asnumpy(), b.label[0].asnumpy(), b.pad) for b in it]
    starts = {"pad": [0, 4, 8], "discard": [0, 4], "roll_over": [0, 4]}[handle]
    assert len(batches) == len(starts)
    for start, (d, lab, pad) in zip(starts, batches):
        rows = [(start + i) % 10 for i in range(4)]
        np.testing.assert_array_equal(d, data[rows])
        np.testing.assert_array_equal(lab, label[rows])
        assert pad == max(0, start + 4 - 10)
    whole = mx.io.NDArrayIter(mx.nd.array(data), {"label": mx.nd.array(label)}, batch_size=10)
    np.testing.assert_array_equal(next(iter(whole)).label[0].asnumpy(), label[:10])


def test_ndarray_iter_shuffles_longer_labels_with_the_data():
    np.random.seed(3)
    data = np.arange(6, dtype=np.float32)
    it = mx.io.NDArrayIter(data, {"l": np.arange(9, dtype=np.float32) * 2}, batch_size=3,
                           shuffle=True)
    pairs = [(b.data[0].asnumpy(), b.label[0].asnumpy()) for b in it]
    seen = np.concatenate([d for d, _ in pairs])
    assert sorted(seen.tolist()) == data.tolist()
    np.testing.assert_array_equal(np.concatenate([lab for _, lab in pairs]), seen * 2)


def test_ndarray_iter_refuses_arrays_shorter_than_the_first_data_array():
    with pytest.raises(MXNetError, match=r"'data' has 10 samples.*'label' with 5"):
        mx.io.NDArrayIter(np.ones((10, 3)), {"label": np.arange(5)}, batch_size=4)
    with pytest.raises(MXNetError, match=r"'a' has 6 samples.*'b' with 4"):
        mx.io.NDArrayIter({"b": np.ones(4), "a": np.ones(6)}, batch_size=2)


@pytest.mark.parametrize("handle", ["pad", "roll_over"])
def test_ndarray_iter_csr_needs_discard_as_mxnet(handle):
    import scipy.sparse as spsp
    dense = np.eye(5, 3, dtype=np.float32)
    csr = mx.nd.array(dense).tostype("csr")
    for data, label in (({"data": csr}, dense), (dense, csr), ({"data": spsp.csr_matrix(dense)}, dense)):
        with pytest.raises(NotImplementedError, match="last_batch_handle='discard'"):
            mx.io.NDArrayIter(data, label, 2, last_batch_handle=handle)
    with pytest.raises(MXNetError):
        mx.io.NDArrayIter(csr, dense, 2, last_batch_handle=handle)


def test_ndarray_iter_csr_with_discard_batches_and_shuffles_the_rows():
    dense = np.arange(20, dtype=np.float32).reshape(5, 4) * (np.arange(4) % 2)
    csr = mx.nd.array(dense).tostype("csr")
    it = mx.io.NDArrayIter(csr, np.arange(5), 2, last_batch_handle="discard")
    got = [b.data[0].asnumpy() for b in it]
    assert len(got) == 2
    np.testing.assert_array_equal(np.concatenate(got), dense[:4])
    np.random.seed(1)
    it = mx.io.NDArrayIter({"csr": csr, "dns": dense}, np.arange(5), 2, shuffle=True,
                           last_batch_handle="discard")
    assert dict(it.data)["csr"].stype == "csr"
    for b in it:
        sparse_part, dense_part = (d.asnumpy() for d in b.data)
        np.testing.assert_array_equal(sparse_part, dense_part)
        np.testing.assert_array_equal(dense_part, dense[b.label[0].asnumpy().astype(int)])


def test_ndarray_iter_layout_batch_axis():
    x = np.arange(30, dtype=np.float32).reshape(2, 5, 3)
    it = mx.io.NDArrayIter(x, batch_size=2, layout="TNC", last_batch_handle="discard")
    assert it.provide_data[0].shape == (2, 2, 3)
    batches = [b.data[0].asnumpy() for b in it]
    assert len(batches) == 2
    np.testing.assert_array_equal(batches[1], x[:, 2:4])


def test_data_desc_and_batch():
    desc = mx.io.DataDesc("data", (32, 3, 8, 8))
    assert desc == ("data", (32, 3, 8, 8)) and desc.dtype == np.float32 and desc.layout == "NCHW"
    assert repr(desc) == "DataDesc[data,(32, 3, 8, 8),<class 'numpy.float32'>,NCHW]"
    assert mx.io.DataDesc.get_batch_axis("TNC") == 1 and mx.io.DataDesc.get_batch_axis(None) == 0
    descs = mx.io.DataDesc.get_list([("a", (1, 2)), ("b", (3,))], [("a", np.int32), ("b", "f")])
    assert descs[0].dtype == np.int32 and descs[1].shape == (3,)
    assert str(mx.io.DataBatch([mx.nd.zeros((2, 3))])) == \
        "DataBatch: data shapes: [(2, 3)] label shapes: None"
    with pytest.raises(MXNetError, match="list of NDArrays"):
        mx.io.DataBatch(mx.nd.zeros((2, 3)))


def test_csv_iter_round_batch_matches_mxnet(tmp_path):
    np.savetxt(tmp_path / "d.csv", IO["csv_data"], delimiter=",", fmt="%g")
    np.savetxt(tmp_path / "l.csv", IO["csv_label"], delimiter=",", fmt="%g")
    it = mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(3,),
                       label_csv=str(tmp_path / "l.csv"), batch_size=2)
    assert it.provide_data[0].shape == (2, 3) and it.provide_label[0].shape == (2,)
    replay(IO, "csv_round", it, epochs=2)
    replay(IO, "csv_noround", mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(3,),
                                            batch_size=2, round_batch=False), epochs=1)
    replay(IO, "csv_shape", mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(1, 3),
                                          batch_size=4), epochs=1)
    ints = mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(3,), batch_size=2,
                         dtype="int32")
    assert ints.next().data[0].dtype == np.int32


def test_csv_iter_errors_name_the_file(tmp_path):
    (tmp_path / "bad.csv").write_text("1,2,3\n4,x,6\n")
    with pytest.raises(MXNetError, match="bad.csv line 2"):
        mx.io.CSVIter(data_csv=str(tmp_path / "bad.csv"), data_shape=(3,), batch_size=1)
    (tmp_path / "short.csv").write_text("1,2\n")
    with pytest.raises(MXNetError, match="short.csv line 1 has 2 values.*needs 3"):
        mx.io.CSVIter(data_csv=str(tmp_path / "short.csv"), data_shape=(3,), batch_size=1)


def _mnist_files(tmp_path):
    images, labels = IO["mnist_images"], IO["mnist_labels"]
    img, lab = tmp_path / "img", tmp_path / "lab"
    img.write_bytes(struct.pack(">IIII", 0x803, len(images), 28, 28) + images.tobytes())
    lab.write_bytes(struct.pack(">II", 0x801, len(labels)) + labels.tobytes())
    return str(img), str(lab)


def test_mnist_iter_matches_mxnet(tmp_path):
    img, lab = _mnist_files(tmp_path)
    it = mx.io.MNISTIter(image=img, label=lab, batch_size=3, shuffle=False, silent=True)
    assert it.provide_data[0].shape == (3, 1, 28, 28)
    replay(IO, "mnist", it, epochs=2)
    part = mx.io.MNISTIter(image=img, label=lab, batch_size=2, shuffle=False, flat=True,
                           num_parts=2, part_index=1, silent=True)
    replay(IO, "mnist_flat_part1", part, epochs=1)


def test_mnist_iter_shuffle_is_seeded_permutation(tmp_path):
    img, lab = _mnist_files(tmp_path)

    def labels(seed):
        it = mx.io.MNISTIter(image=img, label=lab, batch_size=7, shuffle=True, seed=seed,
                             silent=True)
        return it.next().label[0].asnumpy().tolist()
    assert labels(3) == labels(3)
    assert sorted(labels(3)) == sorted(IO["mnist_labels"].astype(float).tolist())
    assert labels(3) != IO["mnist_labels"].astype(float).tolist() or labels(4) != labels(3)


def test_image_record_iter_matches_mxnet():
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=4, resize=9,
                               mean_r=10, mean_g=20, mean_b=30, std_r=2, std_g=4, std_b=8,
                               scale=0.5, preprocess_threads=1, verbose=False)
    assert it.provide_data[0].shape == (4, 3, 8, 8) and it.provide_label[0].shape == (4,)
    # OpenCV's fixed-point resize may differ by one grey level: 1 * scale / std = 0.25
    replay(IMG, "recorditer", it, epochs=2, atol=0.25 + 1e-6)


def test_image_record_iter_augmentations_and_parts():
    base = dict(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=2, resize=9)
    plain = mx.io.ImageRecordIter(**base).next().data[0].asnumpy()
    mirrored = mx.io.ImageRecordIter(mirror=True, **base).next().data[0].asnumpy()
    np.testing.assert_array_equal(mirrored, plain[:, :, :, ::-1])
    a = mx.io.ImageRecordIter(rand_crop=True, rand_mirror=True, seed_aug=1, **base)
    b = mx.io.ImageRecordIter(rand_crop=True, rand_mirror=True, seed_aug=1, **base)
    np.testing.assert_array_equal(a.next().data[0].asnumpy(), b.next().data[0].asnumpy())
    part = mx.io.ImageRecordIter(num_parts=3, part_index=2, round_batch=False, **base)
    assert part.next().label[0].asnumpy().tolist() == [1.0, 2.0]  # records 4 and 5
    with pytest.raises(MXNetError, match="smaller than data_shape"):
        mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 32, 32), batch_size=2).next()


def test_resize_and_prefetching_iters():
    replay(IO, "resize", mx.io.ResizeIter(mx.io.NDArrayIter(IO["nd_y"], batch_size=2), 4),
           epochs=1)
    a = mx.io.NDArrayIter(np.arange(6), np.arange(6), batch_size=2)
    b = mx.io.NDArrayIter(np.arange(6) * 10, batch_size=2, data_name="other")
    it = mx.io.PrefetchingIter([a, b], rename_data=[{"data": "x"}, {"other": "y"}])
    assert [d.name for d in it.provide_data] == ["x", "y"]
    for epoch in range(2):
        batches = list(it)
        assert len(batches) == 3
        np.testing.assert_array_equal(batches[2].data[1].asnumpy(), [40, 50])
        np.testing.assert_array_equal(batches[2].label[0].asnumpy(), [4, 5])
        it.reset()


def test_unknown_arguments_are_ignored_with_a_warning_as_mxnet(tmp_path):
    img, lab = _mnist_files(tmp_path)
    with pytest.warns(UserWarning, match="data_shape"):
        mx.io.MNISTIter(image=img, label=lab, data_shape=(784,), batch_size=7, silent=True)
    with pytest.warns(UserWarning, match="and_mirror"):
        mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=2, resize=9,
                              and_mirror=False, preprocess_threads=4)
    with pytest.raises(MXNetError, match="max_rotate_angle=45 is not supported"):
        mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=2,
                              max_rotate_angle=45)


@pytest.mark.parametrize("dtype, entry", [("int32", 200000001), ("int64", 2147483648),
                                          ("float32", 1)])
def test_csv_iter_dtypes_and_native_getdata(tmp_path, dtype, entry):
    (tmp_path / "d.csv").write_text((",".join([str(entry)] * 64) + "\n") * 30)
    (tmp_path / "l.csv").write_text("0\n" * 30)
    it = mx.io.CSVIter(data_csv=str(tmp_path / "d.csv"), data_shape=(8, 8),
                       label_csv=str(tmp_path / "l.csv"), batch_size=10, dtype=dtype)
    count = 0
    for _ in it:
        data = it.getdata()  # one NDArray, as MXNet's C++ iterators give
        assert isinstance(data, mx.nd.NDArray) and data.dtype == np.dtype(dtype)
        assert (data.asnumpy() == entry).all() and data.shape == (10, 8, 8)
        count += 1
    assert count == 3


def test_image_record_iter_shuffles_each_epoch_and_label_width(tmp_path):
    it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=6, resize=9,
                               shuffle=True, seed=1)
    orders = []
    for _ in range(3):
        batch = it.next()
        orders.append(batch.index.tolist())
        assert sorted(orders[-1]) == list(range(6))
        np.testing.assert_array_equal(batch.label[0].asnumpy(), [i % 3 for i in orders[-1]])
        it.reset()
    assert len({tuple(o) for o in orders}) > 1
    rec = tmp_path / "multi.rec"
    reader = mx.recordio.MXIndexedRecordIO(REC[:-3] + "idx", REC, "r")
    with mx.recordio.MXRecordIO(str(rec), "w") as writer:
        for k in reader.keys[:2]:
            _, img = mx.recordio.unpack(reader.read_idx(k))
            writer.write(mx.recordio.pack(mx.recordio.IRHeader(0, [k, 10 + k], k, 0), img))
    multi = mx.io.ImageRecordIter(path_imgrec=str(rec), data_shape=(3, 8, 8), batch_size=2,
                                  resize=9, label_width=2)
    assert multi.provide_label[0].shape == (2, 2)
    np.testing.assert_array_equal(multi.next().label[0].asnumpy(), [[0, 10], [1, 11]])


def test_uint8_record_iter_gives_the_raw_pixels():
    it = mx.io.ImageRecordUInt8Iter(path_imgrec=REC, data_shape=(3, 10, 14), batch_size=1)
    data = it.next().data[0]
    assert data.dtype == np.uint8
    np.testing.assert_array_equal(data.asnumpy()[0], IMG["imdecode_0"].transpose(2, 0, 1))


def test_image_record_iter_results_do_not_depend_on_threads():
    def first(threads):
        it = mx.io.ImageRecordIter(path_imgrec=REC, data_shape=(3, 8, 8), batch_size=6,
                                   resize=10, rand_crop=True, rand_mirror=True, seed_aug=7,
                                   preprocess_threads=threads)
        return it.next().data[0].asnumpy()
    np.testing.assert_array_equal(first(1), first(3))


def test_mnist_iter_leaves_the_root_logger_to_the_user(tmp_path):
    """MXNet logs MNISTIter's load message from C++; mxnb's must not configure Python's root
    logger first (a script's later logging.basicConfig(level=DEBUG) would then do nothing and
    its training log stay silent). A fresh interpreter: pytest sets up logging itself."""
    import logging
    import subprocess
    import sys
    img, lab = _mnist_files(tmp_path)
    code = ("import logging, mxnb as mx\n"
            "mx.io.MNISTIter(image=%r, label=%r, batch_size=3, silent=False)\n"
            "logging.basicConfig(level=logging.DEBUG)\n"
            "print(logging.getLogger().level)\n" % (img, lab))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(logging.DEBUG)
