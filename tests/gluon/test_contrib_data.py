"""gluon.contrib.data: IntervalSampler (MXNet 1.9.1's order of indices) and the WikiText
datasets (read offline from a small archive)."""
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon import contrib
from mxnb.gluon.contrib.data import IntervalSampler


def _interval_order(length, interval, rollover):
    """Indices by (offset in the interval, position): the passes from 0, 1, ... in turn."""
    indices = sorted(range(length), key=lambda i: (i % interval, i))
    return indices if rollover else [i for i in indices if i % interval == 0]


@pytest.mark.parametrize("length, interval", [(10, 3), (13, 3), (7, 7), (5, 1), (8, 2)])
def test_interval_sampler_order(length, interval):
    assert list(IntervalSampler(length, interval)) == _interval_order(length, interval, True)
    assert list(IntervalSampler(length, interval, rollover=False)) == \
        _interval_order(length, interval, False)
    assert sorted(IntervalSampler(length, interval)) == list(range(length))


def test_interval_sampler_len_counts_the_indices_given():
    assert len(IntervalSampler(10, 3)) == 10
    assert len(IntervalSampler(10, 3, rollover=False)) == len([0, 3, 6, 9])


@pytest.mark.parametrize("length, interval", [(3, 5), (10, 0), (10, -2)])
def test_interval_out_of_range_is_an_assertion_mxnet_error(length, interval):
    with pytest.raises(AssertionError, match="IntervalSampler: interval must be between 1 and "
                                             "length %d, found %d" % (length, interval)):
        IntervalSampler(length, interval)
    with pytest.raises(MXNetError):
        IntervalSampler(length, interval)


def test_interval_sampler_drives_a_dataloader():
    data = np.arange(12, dtype=np.float32)
    loader = mx.gluon.data.DataLoader(mx.gluon.data.ArrayDataset(data), batch_size=4,
                                      sampler=IntervalSampler(12, 4))
    got = np.concatenate([batch.asnumpy() for batch in loader])
    np.testing.assert_array_equal(got, data[_interval_order(12, 4, True)])


def test_package_layout_as_mxnet():
    assert contrib.data.sampler.IntervalSampler is IntervalSampler
    assert isinstance(IntervalSampler(4, 2), mx.gluon.data.Sampler)


# --- WikiText ---------------------------------------------------------------------------------
_TEXT = {"wiki.train.tokens": " = Valkyria = \n\n the game , the game . \n a b a c \n",
         "wiki.valid.tokens": " the end \n\n new words here \n",
         "wiki.test.tokens": " a \n"}


@pytest.fixture
def offline_wikitext(tmp_path, monkeypatch):
    """A WikiText zip served by a fake fetch; SHA-1s: the archive's real one must match."""
    import hashlib
    import zipfile
    from mxnb.gluon.data import _download
    from mxnb.gluon.contrib.data import text
    archive = tmp_path / "wikitext-2-v1.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for name, content in _TEXT.items():
            zipped.writestr("wikitext-2/" + name, content)
    digest = hashlib.sha1(archive.read_bytes()).hexdigest()
    fetched = []

    def fetch(url, dst):
        fetched.append(url)
        with open(dst, "wb") as out:
            out.write(archive.read_bytes())
    real_check = _download.check_sha1
    monkeypatch.setattr(_download, "fetch", fetch)
    monkeypatch.setattr(_download, "check_sha1", lambda path, sha1: (
        real_check(path, hashlib.sha1(_TEXT[os.path.basename(path)].encode()).hexdigest())
        if os.path.basename(path) in _TEXT else real_check(path, digest)))
    return text, str(tmp_path / "root"), fetched


def _expected_rows(content, token_to_idx, seq_len):
    tokens = [t for line in content.splitlines() if line.split() for t in line.split() + ["<eos>"]]
    ids = [token_to_idx.get(t, 0) for t in tokens]
    rows = (len(ids) - 1) // seq_len
    data = np.array(ids[:rows * seq_len]).reshape(rows, seq_len)
    label = np.array(ids[1:rows * seq_len + 1]).reshape(rows, seq_len)
    return data, label


def test_wikitext2_reads_the_archive_as_mxnet(offline_wikitext):
    from collections import Counter
    text, root, fetched = offline_wikitext
    train = text.WikiText2(root=root, segment="train", seq_len=4)
    assert fetched[0].endswith("gluon/dataset/wikitext-2/wikitext-2-v1.zip")
    counts = Counter(_TEXT["wiki.train.tokens"].split())
    assert train.frequencies == counts
    # '<unk>', '<eos>', then by count (ties alphabetical)
    order = ["<unk>", "<eos>"] + sorted(counts, key=lambda t: (-counts[t], t))
    assert train.vocabulary.idx_to_token == order
    data, label = _expected_rows(_TEXT["wiki.train.tokens"],
                                 {t: i for i, t in enumerate(order)}, 4)
    assert len(train) == len(data) == 3
    for i in range(len(train)):
        got_data, got_label = train[i]
        assert got_data.dtype == np.int32
        np.testing.assert_array_equal(got_data.asnumpy(), data[i])
        np.testing.assert_array_equal(got_label.asnumpy(), label[i])

    valid = text.WikiText2(root=root, segment="validation", vocab=train.vocabulary, seq_len=2)
    assert len(fetched) == 1                                  # the files are there now
    assert valid.vocabulary is train.vocabulary
    assert valid.frequencies == Counter(_TEXT["wiki.valid.tokens"].split())
    data, _ = _expected_rows(_TEXT["wiki.valid.tokens"],
                             {t: i for i, t in enumerate(order)}, 2)
    np.testing.assert_array_equal(np.stack([valid[i][0].asnumpy() for i in range(len(valid))]),
                                  data)


def test_wikitext_bad_arguments(offline_wikitext):
    text, root, _ = offline_wikitext
    with pytest.raises(MXNetError, match="WikiText2: segment must be one of.*'dev'"):
        text.WikiText2(root=root, segment="dev")
    with pytest.raises(MXNetError, match="seq_len must be at least 1"):
        text.WikiText2(root=root, segment="test", seq_len=0)
    assert text.WikiText103._namespace == "wikitext-103"
