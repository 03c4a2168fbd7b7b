"""gluon.data: datasets, samplers, DataLoader, MNIST from IDX files, transforms (offline)."""
import gzip
import hashlib
import os
import shutil
import struct

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon import data as gdata
from mxnb.gluon.data import _download
from mxnb.gluon.data.vision import transforms as T


# --- datasets and samplers -------------------------------------------------------------------
def test_array_dataset_items_and_length_check():
    x = np.arange(24, dtype=np.float32).reshape(6, 4)
    y = mx.nd.array(np.arange(6), dtype="int32")
    ds = gdata.ArrayDataset(x, y)
    assert len(ds) == 6
    sample, label = ds[2]
    np.testing.assert_array_equal(sample, x[2])
    assert label == 2 and label.dtype == np.int32  # 1-D NDArrays are kept as NumPy, as MXNet
    with pytest.raises(MXNetError, match="array\\[1\\] has 5"):
        gdata.ArrayDataset(x, np.zeros(5))


def test_transform_and_transform_first():
    ds = gdata.ArrayDataset(np.arange(4), np.arange(4) * 10)
    doubled = ds.transform_first(lambda v: v * 2)
    assert doubled[3] == (6, 30)
    summed = ds.transform(lambda a, b: a + b, lazy=False)
    assert isinstance(summed, gdata.SimpleDataset) and list(summed) == [0, 11, 22, 33]
    assert [len(ds.shard(3, i)) for i in range(3)] == [2, 1, 1]
    assert list(ds.take(2).transform_first(int)) == [(0, 0), (1, 10)]
    assert len(ds.filter(lambda s: s[0] % 2 == 0)) == 2


@pytest.mark.parametrize("last_batch, expected", [
    ("keep", [[0, 1, 2], [3, 4, 5], [6]]),
    ("discard", [[0, 1, 2], [3, 4, 5]]),
])
def test_batch_sampler_last_batch(last_batch, expected):
    sampler = gdata.BatchSampler(gdata.SequentialSampler(7), 3, last_batch)
    assert list(sampler) == expected and len(sampler) == len(expected)


def test_batch_sampler_rollover_carries_remainder():
    sampler = gdata.BatchSampler(gdata.SequentialSampler(7), 3, "rollover")
    assert list(sampler) == [[0, 1, 2], [3, 4, 5]]
    assert len(sampler) == 2  # (1 left over + 7) // 3
    assert list(sampler)[0] == [6, 0, 1]
    with pytest.raises(MXNetError, match="last_batch"):
        gdata.BatchSampler(gdata.SequentialSampler(7), 3, "sometimes")


def test_random_sampler_is_a_permutation():
    np.random.seed(0)
    order = list(gdata.RandomSampler(50))
    assert sorted(order) == list(range(50)) and order != list(range(50))


# --- DataLoader -------------------------------------------------------------------------------
def test_dataloader_batches_keep_dtypes():
    images = np.random.randint(0, 255, size=(10, 4, 4, 1)).astype(np.uint8)
    labels = np.arange(10, dtype=np.int32)
    loader = gdata.DataLoader(gdata.ArrayDataset(images, labels), batch_size=4)
    batches = list(loader)
    assert len(loader) == len(batches) == 3
    x, y = batches[0]
    assert isinstance(x, mx.nd.NDArray) and x.shape == (4, 4, 4, 1) and x.dtype == np.uint8
    assert y.dtype == np.int32
    np.testing.assert_array_equal(batches[2][0].asnumpy(), images[8:])


def test_dataloader_default_batchify_of_ndarray_samples_and_custom_fn():
    data = [mx.nd.array(np.full((2, 3), i)) for i in range(5)]
    loader = gdata.DataLoader(gdata.SimpleDataset(data), batch_size=2, last_batch="discard")
    batches = list(loader)
    assert len(batches) == 2 and batches[1].shape == (2, 2, 3)
    np.testing.assert_array_equal(batches[1].asnumpy()[:, 0, 0], [2, 3])
    summed = gdata.DataLoader(gdata.SimpleDataset(list(range(6))), batch_size=3,
                              batchify_fn=lambda xs: sum(xs))
    assert list(summed) == [3, 12]


def test_dataloader_shuffle_threads_and_argument_errors():
    ds = gdata.ArrayDataset(np.arange(40, dtype=np.float32))
    np.random.seed(1)
    seen = np.concatenate([b.asnumpy() for b in gdata.DataLoader(ds, 8, shuffle=True,
                                                                num_workers=3)])
    assert sorted(seen.tolist()) == list(range(40)) and seen.tolist() != list(range(40))
    ordered = [b.asnumpy() for b in gdata.DataLoader(ds.transform(lambda v: v + 1), 8,
                                                     num_workers=2)]
    np.testing.assert_array_equal(np.concatenate(ordered), np.arange(40) + 1)
    with pytest.raises(MXNetError, match="batch_size"):
        gdata.DataLoader(ds)
    with pytest.raises(MXNetError, match="shuffle"):
        gdata.DataLoader(ds, 4, shuffle=True, sampler=gdata.SequentialSampler(40))
    with pytest.raises(MXNetError, match="batch_sampler"):
        gdata.DataLoader(ds, 4, batch_sampler=gdata.BatchSampler(gdata.SequentialSampler(40), 4))


# --- MNIST from IDX files --------------------------------------------------------------------
def write_idx(path, array):
    codes = {np.dtype(np.uint8): 0x08}
    header = struct.pack(">BBBB", 0, 0, codes[array.dtype], array.ndim)
    header += struct.pack(">%dI" % array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def sha1(path):
    with open(path, "rb") as f:
        return hashlib.sha1(f.read()).hexdigest()


def make_mnist(root, n=7, prefix="t10k"):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).astype(np.uint8)
    write_idx(os.path.join(root, prefix + "-images-idx3-ubyte.gz"), images)
    write_idx(os.path.join(root, prefix + "-labels-idx1-ubyte.gz"), labels)
    return images, labels


@pytest.fixture
def offline(monkeypatch):
    """Accepts local files whatever their hash, and records would-be downloads."""
    calls = []

    def no_network(url, dst):
        calls.append(url)
        raise OSError("no network in tests")

    monkeypatch.setattr(_download, "fetch", no_network)
    return calls


def test_mnist_reads_idx_files(tmp_path, offline, monkeypatch):
    images, labels = make_mnist(str(tmp_path))
    monkeypatch.setattr(_download, "check_sha1", lambda path, digest: True)
    ds = gdata.vision.MNIST(root=str(tmp_path), train=False)
    assert len(ds) == 7 and offline == []
    image, label = ds[3]
    assert image.shape == (28, 28, 1) and image.dtype == np.uint8
    np.testing.assert_array_equal(image.asnumpy()[:, :, 0], images[3])
    assert label == labels[3] and label.dtype == np.int32
    x, y = next(iter(gdata.DataLoader(ds, batch_size=4)))
    assert x.shape == (4, 28, 28, 1) and x.dtype == np.uint8 and y.dtype == np.int32
    np.testing.assert_array_equal(y.asnumpy(), labels[:4])
    tr = gdata.DataLoader(ds.transform_first(T.ToTensor()), batch_size=3)
    xt, _ = next(iter(tr))
    assert xt.shape == (3, 1, 28, 28) and xt.dtype == np.float32
    np.testing.assert_allclose(xt.asnumpy()[:, 0], images[:3] / 255.0, rtol=1e-6)


def test_mnist_hash_mismatch_redownloads_and_checks(tmp_path, monkeypatch):
    source = tmp_path / "source"
    source.mkdir()
    make_mnist(str(source), n=5, prefix="train")
    root = tmp_path / "root"
    root.mkdir()
    (root / "train-images-idx3-ubyte.gz").write_bytes(b"stale")  # fails the hash check
    good = {name: sha1(str(source / name)) for name in os.listdir(source)}
    fetched = []

    def copy_local(url, dst):
        name = url.rsplit("/", 1)[-1]
        fetched.append(url)
        shutil.copyfile(str(source / name), dst)

    monkeypatch.setattr(_download, "fetch", copy_local)
    monkeypatch.setattr(_download, "check_sha1", lambda path, digest: sha1(path) in good.values())
    ds = gdata.vision.FashionMNIST(root=str(root))
    assert len(ds) == 5 and len(fetched) == 2
    assert fetched[0].endswith("gluon/dataset/fashion-mnist/train-images-idx3-ubyte.gz")
    assert sha1(str(root / "train-images-idx3-ubyte.gz")) == good["train-images-idx3-ubyte.gz"]
    assert not [f for f in os.listdir(root) if f.endswith(".part")]


def test_download_failure_and_wrong_hash_are_clear_errors(tmp_path, offline):
    with pytest.raises(MXNetError, match="could not download .*t10k-images.*no network"):
        gdata.vision.MNIST(root=str(tmp_path), train=False)
    assert len(offline) == 6  # one try and five retries


def test_download_file_url_checks_hash(tmp_path):
    src = tmp_path / "file.bin"
    src.write_bytes(b"payload")
    with pytest.raises(MXNetError, match="SHA-1 does not match"):
        _download.download(src.as_uri(), path=str(tmp_path / "bad.bin"), sha1_hash="0" * 40,
                           retries=1)
    assert not (tmp_path / "bad.bin").exists()
    out = _download.download(src.as_uri(), path=str(tmp_path / "out.bin"),
                             sha1_hash=hashlib.sha1(b"payload").hexdigest())
    assert open(out, "rb").read() == b"payload"


def test_truncated_idx_file_names_the_file(tmp_path, monkeypatch):
    make_mnist(str(tmp_path))
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    raw = gzip.decompress(path.read_bytes())
    path.write_bytes(gzip.compress(raw[:-100]))
    monkeypatch.setattr(_download, "check_sha1", lambda p, digest: True)
    with pytest.raises(MXNetError, match="t10k-images-idx3-ubyte.gz.*truncated"):
        gdata.vision.MNIST(root=str(tmp_path), train=False)
    path.write_bytes(b"not gzip at all")
    with pytest.raises(MXNetError, match="t10k-images-idx3-ubyte.gz"):
        gdata.vision.MNIST(root=str(tmp_path), train=False)


# --- transforms -------------------------------------------------------------------------------
def test_to_tensor_normalize_cast_compose():
    img = np.random.randint(0, 256, size=(5, 6, 3)).astype(np.uint8)
    out = T.ToTensor()(mx.nd.array(img, dtype="uint8"))
    assert out.shape == (3, 5, 6) and out.dtype == np.float32
    np.testing.assert_allclose(out.asnumpy(), img.transpose(2, 0, 1) / 255.0, rtol=1e-6)
    batch = T.ToTensor()(mx.nd.array(np.stack([img, img]), dtype="uint8"))
    assert batch.shape == (2, 3, 5, 6)
    mean, std = (0.1, 0.2, 0.3), (0.5, 0.25, 2.0)
    norm = T.Normalize(mean, std)(out)
    ref = (img.transpose(2, 0, 1) / 255.0 - np.array(mean)[:, None, None]) / \
        np.array(std)[:, None, None]
    np.testing.assert_allclose(norm.asnumpy(), ref, rtol=1e-5, atol=1e-6)
    pipeline = T.Compose([T.ToTensor(), T.Normalize(0.5, 0.25), T.Cast("float16")])
    piped = pipeline(mx.nd.array(img, dtype="uint8"))
    assert piped.dtype == np.float16
    np.testing.assert_allclose(piped.asnumpy(), (img.transpose(2, 0, 1) / 255.0 - 0.5) / 0.25,
                               rtol=2e-3, atol=2e-3)
    with pytest.raises(MXNetError, match="std"):
        T.Normalize(0.0, 0.0)
