"""mx.contrib.text (utils, vocab, embedding) against MXNet 1.9.1's behaviour, with references
computed here by plain Python / NumPy. Downloads are served by a local HTTP server."""
import collections
import doctest
import functools
import hashlib
import http.server
import os
import re
import threading
import zipfile

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from mxnb.contrib import text


# ---- utils ------------------------------------------------------------------------------------

def test_count_tokens_plain_delimiters_match_split():
    rng = np.random.RandomState(0)
    words = ["Life", "life", "is", "GREAT", "great", "!", "."]
    seqs = [list(rng.choice(words, size=rng.randint(1, 6))) for _ in range(8)]
    source = "".join(" " + " ".join(s) + " \n" for s in seqs)
    expected = collections.Counter(w for s in seqs for w in s)
    assert text.utils.count_tokens_from_str(source) == expected
    lowered = collections.Counter(w.lower() for s in seqs for w in s)
    assert text.utils.count_tokens_from_str(source, to_lower=True) == lowered


def test_count_tokens_regex_delimiters_and_counter_update():
    source = "*a*b*c*<sd>*a*<sd>**b*<sd>"
    counter = collections.Counter({"a": 10, "z": 1})
    out = text.utils.count_tokens_from_str(source, r"\*", "<sd>", counter_to_update=counter)
    assert out is counter
    pieces = [p for p in re.split(r"\*|<sd>", source) if p]
    assert out == collections.Counter({"z": 1, "a": 10}) + collections.Counter(pieces)
    assert out["a"] == 12 and out["b"] == 2 and out["c"] == 1


def test_count_tokens_rejects_non_string():
    with pytest.raises(TypeError, match="source_str"):
        text.utils.count_tokens_from_str(["a b"])


# ---- vocab ------------------------------------------------------------------------------------

def _expected_order(counter, most_freq_count, min_freq, specials):
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    kept = [t for t, f in ranked if f >= min_freq and t not in specials]
    return kept if most_freq_count is None else kept[:most_freq_count]


@pytest.mark.parametrize("most_freq_count,min_freq", [(None, 1), (None, 3), (2, 1), (4, 2),
                                                      (0, 1), (100, 1)])
def test_vocabulary_orders_by_frequency_then_token(most_freq_count, min_freq):
    rng = np.random.RandomState(1)
    tokens = ["t%02d" % i for i in range(15)] + ["<pad>", "<unk>"]
    counter = collections.Counter(rng.choice(tokens, size=80).tolist())
    v = text.vocab.Vocabulary(counter, most_freq_count, min_freq, reserved_tokens=["<pad>", "<s>"])
    expected = ["<unk>", "<pad>", "<s>"] + _expected_order(counter, most_freq_count, min_freq,
                                                           {"<unk>", "<pad>", "<s>"})
    assert v.idx_to_token == expected
    assert v.token_to_idx == {t: i for i, t in enumerate(expected)}
    assert len(v) == len(expected)
    assert v.unknown_token == "<unk>" and v.reserved_tokens == ["<pad>", "<s>"]


def test_vocabulary_without_counter_and_with_tuple_tokens():
    v = text.vocab.Vocabulary()
    assert v.idx_to_token == ["<unk>"] and v.reserved_tokens is None and len(v) == 1
    counter = collections.Counter({("a", "b"): 2, ("c",): 3, ("z",): 2})
    v = text.vocab.Vocabulary(counter, unknown_token=("<u>",), reserved_tokens=[("<p>",)])
    assert v.idx_to_token == [("<u>",), ("<p>",), ("c",), ("a", "b"), ("z",)]
    # a tuple is one token, not a list of tokens
    assert v.to_indices(("c",)) == 2 and v.to_indices([("z",), ("q",)]) == [4, 0]


def test_vocabulary_to_indices_and_to_tokens():
    counter = collections.Counter(["b", "a", "b", "c", "b", "a"])
    v = text.vocab.Vocabulary(counter, reserved_tokens=["<pad>"])
    assert v.to_indices("b") == 2 and v.to_indices("nope") == 0
    assert v.to_indices(["a", "nope", "c"]) == [3, 0, 4]
    assert v.to_tokens(3) == "a"
    assert v.to_tokens([0, 1, 4]) == ["<unk>", "<pad>", "c"]
    assert v.to_tokens(np.int64(2)) == "b"
    assert v.to_tokens(-1) == "c"   # MXNet indexes its list, so the last token


@pytest.mark.parametrize("kwargs,match", [
    (dict(min_freq=0), "min_freq"),
    (dict(reserved_tokens=["<unk>", "x"]), "unknown_token"),
    (dict(reserved_tokens=["x", "x"]), "duplicate"),
])
def test_vocabulary_bad_arguments_raise_assertion_errors(kwargs, match):
    with pytest.raises(AssertionError, match=match) as info:
        text.vocab.Vocabulary(collections.Counter(["a"]), **kwargs)
    assert isinstance(info.value, MXNetError)


def test_vocabulary_bad_counter_and_indices():
    with pytest.raises(AssertionError, match="collections.Counter"):
        text.vocab.Vocabulary({"a": 1})
    with pytest.raises(ValueError, match="most_freq_count"):
        text.vocab.Vocabulary(collections.Counter(["a"]), most_freq_count=-1)
    v = text.vocab.Vocabulary(collections.Counter(["a"]))
    for bad in (2, [0, 5], "a", 1.0, -3):
        with pytest.raises(ValueError, match="to_tokens") as info:
            v.to_tokens(bad)
        assert isinstance(info.value, MXNetError)


# ---- embedding files --------------------------------------------------------------------------

def _write_vectors(path, rows, delim=" ", extra_lines=()):
    with open(path, "w", encoding="utf8") as f:
        for line in extra_lines:
            f.write(line + "\n")
        for token, vec in rows:
            f.write(delim.join([token] + ["%r" % float(x) for x in vec]) + "\n")
    return str(path)


def _random_rows(tokens, dim, seed):
    rng = np.random.RandomState(seed)
    return [(t, rng.randn(dim).astype(np.float32)) for t in tokens]


def test_custom_embedding_loads_vectors_in_file_order(tmp_path):
    rows = _random_rows(["hello", "world", "Foo"], 4, 0)
    path = _write_vectors(tmp_path / "v.txt", rows, delim="\t")
    embed = text.embedding.CustomEmbedding(path, "\t")
    assert embed.idx_to_token == ["<unk>", "hello", "world", "Foo"]
    assert embed.vec_len == 4 and embed.idx_to_vec.shape == (4, 4)
    expected = np.vstack([np.zeros(4)] + [v for _, v in rows])
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(embed.get_vecs_by_tokens("world").asnumpy(), rows[1][1], rtol=1e-6)
    got = embed.get_vecs_by_tokens(["foo", "Foo", "missing"]).asnumpy()
    np.testing.assert_allclose(got, np.vstack([np.zeros(4), rows[2][1], np.zeros(4)]), rtol=1e-6)
    got = embed.get_vecs_by_tokens(["HELLO", "foo"], lower_case_backup=True).asnumpy()
    # 'foo' is not indexed and lower-cases to itself: the unknown vector
    np.testing.assert_allclose(got, np.vstack([rows[0][1], np.zeros(4)]), rtol=1e-6)
    assert embed.to_indices(["world", "x"]) == [2, 0] and embed.to_tokens(3) == "Foo"


def test_custom_embedding_unknown_vector_from_init_or_file(tmp_path):
    rows = _random_rows(["a", "b"], 3, 1)
    path = _write_vectors(tmp_path / "v.txt", rows)
    ones = text.embedding.CustomEmbedding(path, init_unknown_vec=nd.ones)
    np.testing.assert_array_equal(ones.idx_to_vec[0].asnumpy(), np.ones(3))
    unk_row = ("<u>", np.array([7.5, -1.25, 2.0], dtype=np.float32))
    path = _write_vectors(tmp_path / "w.txt", rows[:1] + [unk_row] + rows[1:])
    embed = text.embedding.CustomEmbedding(path, init_unknown_vec=nd.ones, unknown_token="<u>")
    assert embed.idx_to_token == ["<u>", "a", "b"]
    np.testing.assert_array_equal(embed.idx_to_vec[0].asnumpy(), unk_row[1])
    np.testing.assert_array_equal(embed.get_vecs_by_tokens("zzz").asnumpy(), unk_row[1])


def test_custom_embedding_skips_headers_and_duplicates_with_warnings(tmp_path):
    rows = _random_rows(["a", "b"], 2, 2)
    dup = ("a", np.array([9.0, 9.0], dtype=np.float32))
    path = _write_vectors(tmp_path / "v.txt", rows + [dup], extra_lines=["2 2"])
    with pytest.warns(UserWarning) as record:
        embed = text.embedding.CustomEmbedding(path)
    messages = " ".join(str(w.message) for w in record)
    assert "likely a header" in messages and "duplicate" in messages
    assert embed.idx_to_token == ["<unk>", "a", "b"]
    np.testing.assert_allclose(embed.idx_to_vec[1].asnumpy(), rows[0][1], rtol=1e-6)


def test_custom_embedding_reserved_tokens_keep_their_own_rows(tmp_path):
    # MXNet 1.9.1 shifts every vector by the number of reserved tokens; here rows stay aligned.
    rows = _random_rows(["a", "b"], 3, 3)
    pad = ("<pad>", np.array([1.5, 2.5, 3.5], dtype=np.float32))
    path = _write_vectors(tmp_path / "v.txt", [rows[0], pad, rows[1]])
    embed = text.embedding.CustomEmbedding(path, reserved_tokens=["<pad>", "<s>"],
                                           init_unknown_vec=nd.ones)
    assert embed.idx_to_token == ["<unk>", "<pad>", "<s>", "a", "b"]
    expected = np.vstack([np.ones(3), pad[1], np.ones(3), rows[0][1], rows[1][1]])
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(embed.get_vecs_by_tokens("b").asnumpy(), rows[1][1], rtol=1e-6)


@pytest.mark.parametrize("lines,error,match", [
    (["a 0.1 0.2", "b"], AssertionError, "line 2"),
    (["a 0.1 0.2", "b 0.3 0.4 0.5"], AssertionError, "dimension of token b is 3"),
    (["a 0.1 zero"], ValueError, "must be numbers"),
    (["<unk> 1 2 3", "a 0.1 0.2"], AssertionError, "dimension of token <unk> is 3"),
    (["3 300"], ValueError, "holds no embedding vectors"),
])
@pytest.mark.filterwarnings("ignore:.*likely a header")
def test_custom_embedding_malformed_files(tmp_path, lines, error, match):
    path = tmp_path / "bad.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf8")
    with pytest.raises(error, match=match) as info:
        text.embedding.CustomEmbedding(str(path))
    assert isinstance(info.value, MXNetError)


def test_custom_embedding_missing_file(tmp_path):
    with pytest.raises(ValueError, match="pretrained_file_path"):
        text.embedding.CustomEmbedding(str(tmp_path / "nope.txt"))


def test_custom_embedding_encoding(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("caf\xe9 1 2\n".encode("latin-1"))
    embed = text.embedding.CustomEmbedding(str(path), encoding="latin-1")
    assert embed.idx_to_token == ["<unk>", "caf\xe9"]


# ---- vocabularies and composition -------------------------------------------------------------

def _embedding_table(embed):
    return {t: embed.idx_to_vec.asnumpy()[i] for i, t in enumerate(embed.idx_to_token)}


def test_custom_embedding_with_vocabulary_reindexes(tmp_path):
    rows = _random_rows(["a", "b", "c", "d"], 5, 4)
    path = _write_vectors(tmp_path / "v.txt", rows)
    counter = collections.Counter(["c", "c", "x", "a", "a", "a"])
    v = text.vocab.Vocabulary(counter, reserved_tokens=["<pad>"])
    embed = text.embedding.CustomEmbedding(path, init_unknown_vec=nd.ones, vocabulary=v)
    assert embed.idx_to_token == v.idx_to_token == ["<unk>", "<pad>", "a", "c", "x"]
    assert embed.token_to_idx == v.token_to_idx and embed.token_to_idx is not v.token_to_idx
    assert embed.reserved_tokens == ["<pad>"]
    source = dict(rows)
    expected = np.vstack([np.ones(5), np.ones(5), source["a"], source["c"], np.ones(5)])
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(), expected, rtol=1e-6)
    # 'b' was in the file but not in the vocabulary: unknown now
    np.testing.assert_array_equal(embed.get_vecs_by_tokens("b").asnumpy(), np.ones(5))


def test_composite_embedding_concatenates(tmp_path):
    rows1 = _random_rows(["a", "b"], 3, 5)
    rows2 = _random_rows(["b", "c", "<unk2>"], 2, 6)
    e1 = text.embedding.CustomEmbedding(_write_vectors(tmp_path / "1.txt", rows1),
                                        init_unknown_vec=nd.ones)
    e2 = text.embedding.CustomEmbedding(_write_vectors(tmp_path / "2.txt", rows2),
                                        unknown_token="<unk2>")
    v = text.vocab.Vocabulary(collections.Counter(["c", "a", "a", "z"]), reserved_tokens=["b"])
    ce = text.embedding.CompositeEmbedding(v, [e1, e2])
    assert ce.idx_to_token == ["<unk>", "b", "a", "c", "z"] and ce.vec_len == 5
    t1, t2 = _embedding_table(e1), _embedding_table(e2)
    expected = np.vstack([np.concatenate([t1.get(tok, t1["<unk>"]), t2.get(tok, t2["<unk2>"])])
                          for tok in ["<unk>", "b", "a", "c", "z"]])
    # row 0 joins each embedding's own unknown vector, not their '<unk>' token lookups
    expected[0] = np.concatenate([t1["<unk>"], t2["<unk2>"]])
    np.testing.assert_allclose(ce.idx_to_vec.asnumpy(), expected, rtol=1e-6)
    single = text.embedding.CompositeEmbedding(v, e1)
    np.testing.assert_allclose(single.idx_to_vec.asnumpy(), expected[:, :3], rtol=1e-6)


def test_composite_embedding_bad_arguments(tmp_path):
    e = text.embedding.CustomEmbedding(_write_vectors(tmp_path / "1.txt",
                                                      _random_rows(["a"], 2, 0)))
    v = text.vocab.Vocabulary(collections.Counter(["a"]))
    for args in [(collections.Counter(["a"]), e), (v, [e, "glove"]), (v, [])]:
        with pytest.raises(AssertionError, match="CompositeEmbedding"):
            text.embedding.CompositeEmbedding(*args)


def test_update_token_vectors(tmp_path):
    rows = _random_rows(["a", "b", "c"], 4, 7)
    embed = text.embedding.CustomEmbedding(_write_vectors(tmp_path / "v.txt", rows))
    expected = embed.idx_to_vec.asnumpy().copy()
    new = np.arange(8, dtype=np.float32).reshape(2, 4)
    embed.update_token_vectors(["c", "<unk>"], nd.array(new))
    expected[[3, 0]] = new
    np.testing.assert_array_equal(embed.idx_to_vec.asnumpy(), expected)
    for tokens, vec in [("b", np.full(4, -1.0)), (["a"], np.full(4, 2.0)),
                        ("a", np.full((1, 4), 3.0))]:
        embed.update_token_vectors(tokens, nd.array(vec))
        expected[embed.to_indices(tokens if isinstance(tokens, str) else tokens[0])] = vec
        np.testing.assert_array_equal(embed.idx_to_vec.asnumpy(), expected)


@pytest.mark.parametrize("tokens,vectors,error", [
    ("nope", np.zeros(4), ValueError),
    ("a", np.zeros((2, 4)), AssertionError),
    ("a", np.zeros(3), AssertionError),
    (["a", "b"], np.zeros(4), AssertionError),
    ("a", [0.0, 0.0, 0.0, 0.0], AssertionError),
])
def test_update_token_vectors_errors(tmp_path, tokens, vectors, error):
    embed = text.embedding.CustomEmbedding(
        _write_vectors(tmp_path / "v.txt", _random_rows(["a", "b"], 4, 8)))
    before = embed.idx_to_vec.asnumpy().copy()
    value = nd.array(vectors) if isinstance(vectors, np.ndarray) else vectors
    with pytest.raises(error, match="update_token_vectors") as info:
        embed.update_token_vectors(tokens, value)
    assert isinstance(info.value, MXNetError)
    np.testing.assert_array_equal(embed.idx_to_vec.asnumpy(), before)


# ---- registry and pre-trained files ---------------------------------------------------------

def test_pretrained_file_names():
    glove = text.embedding.get_pretrained_file_names("glove")
    fasttext = text.embedding.get_pretrained_file_names(embedding_name="fasttext")
    assert len(glove) == 10 and len(fasttext) == 327
    assert glove == list(text.embedding.GloVe.pretrained_file_name_sha1)
    assert "glove.6B.50d.txt" in glove and "wiki.simple.vec" in fasttext
    every = text.embedding.get_pretrained_file_names()
    assert every["glove"] == glove and every["fasttext"] == fasttext
    # every file maps to an archive with a digest, so each one can be downloaded
    for cls in (text.embedding.GloVe, text.embedding.FastText):
        for name, digest in cls.pretrained_file_name_sha1.items():
            assert re.fullmatch("[0-9a-f]{40}", digest)
            assert cls._get_download_file_name(name) in cls.pretrained_archive_name_sha1
    with pytest.raises(KeyError, match="unknown\\$\\$") as info:
        text.embedding.get_pretrained_file_names("unknown$$")
    assert isinstance(info.value, MXNetError)


def test_pretrained_classes_reject_unknown_file_names():
    with pytest.raises(KeyError, match="Valid pretrained files for embedding glove"):
        text.embedding.GloVe("glove.1T.1d.txt")
    with pytest.raises(KeyError, match="fasttext"):
        text.embedding.create("FastText", pretrained_file_name="wiki.nope.vec")
    with pytest.raises(AssertionError, match="no_such_embedding"):
        text.embedding.create("no_such_embedding")


class _Served:
    """Serves a folder over HTTP on 127.0.0.1 and records the paths requested."""

    def __init__(self, root):
        self.requests = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        handler = functools.partial(Handler, directory=str(root))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = "http://127.0.0.1:%d/" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    root = tmp_path / "repo"
    root.mkdir()
    served = _Served(root)
    monkeypatch.setenv("MXNET_GLUON_REPO", served.url)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    yield root, served
    served.close()


def _sha1(path):
    return hashlib.sha1(open(path, "rb").read()).hexdigest()


def _publish_zip(repo_root, cls_name, archive, member, rows, monkeypatch, cls):
    """Puts `archive` holding `member` in the repository and makes `cls` expect their digests."""
    folder = repo_root / "gluon" / "embeddings" / cls_name
    folder.mkdir(parents=True, exist_ok=True)
    member_path = _write_vectors(folder / member, rows)
    with zipfile.ZipFile(folder / archive, "w") as zf:
        zf.write(member_path, arcname=member)
    monkeypatch.setitem(cls.pretrained_file_name_sha1, member, _sha1(member_path))
    monkeypatch.setitem(cls.pretrained_archive_name_sha1, archive, _sha1(folder / archive))
    os.remove(member_path)


def test_fasttext_downloads_checks_and_caches(tmp_path, repo, monkeypatch):
    repo_root, served = repo
    rows = _random_rows(["the", "of"], 3, 9)
    _publish_zip(repo_root, "fasttext", "wiki.simple.zip", "wiki.simple.vec", rows, monkeypatch,
                 text.embedding.FastText)
    cache = tmp_path / "cache"
    embed = text.embedding.FastText(embedding_root=str(cache))
    assert served.requests == ["/gluon/embeddings/fasttext/wiki.simple.zip"]
    assert (cache / "fasttext" / "wiki.simple.vec").is_file()
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(),
                               np.vstack([np.zeros(3)] + [v for _, v in rows]), rtol=1e-6)
    # a second load reads the cached file
    again = text.embedding.create("fasttext", pretrained_file_name="wiki.simple.vec",
                                  embedding_root=str(cache), init_unknown_vec=nd.ones)
    assert len(served.requests) == 1
    np.testing.assert_array_equal(again.idx_to_vec[0].asnumpy(), np.ones(3))
    # a damaged cached file fails its SHA-1 check and is fetched again (the cached archive is
    # still valid, so it is only unpacked again)
    (cache / "fasttext" / "wiki.simple.vec").write_text("the 0 0 0\n")
    fixed = text.embedding.FastText("wiki.simple.vec", str(cache))
    np.testing.assert_allclose(fixed.idx_to_vec.asnumpy(), embed.idx_to_vec.asnumpy())


def test_glove_downloads_the_corpus_archive(tmp_path, repo, monkeypatch):
    repo_root, served = repo
    rows = _random_rows(["x", "y", "z"], 2, 10)
    _publish_zip(repo_root, "glove", "glove.6B.zip", "glove.6B.50d.txt", rows, monkeypatch,
                 text.embedding.GloVe)
    v = text.vocab.Vocabulary(collections.Counter(["z", "w"]))
    embed = text.embedding.GloVe("glove.6B.50d.txt", embedding_root=str(tmp_path / "c"),
                                 vocabulary=v)
    assert served.requests == ["/gluon/embeddings/glove/glove.6B.zip"]
    assert embed.idx_to_token == ["<unk>", "w", "z"]
    np.testing.assert_allclose(embed.idx_to_vec.asnumpy(),
                               np.vstack([np.zeros(2), np.zeros(2), rows[2][1]]), rtol=1e-6)


def test_download_with_wrong_digest_fails(tmp_path, repo, monkeypatch):
    repo_root, served = repo
    _publish_zip(repo_root, "fasttext", "wiki.simple.zip", "wiki.simple.vec",
                 _random_rows(["a"], 2, 0), monkeypatch, text.embedding.FastText)
    monkeypatch.setitem(text.embedding.FastText.pretrained_archive_name_sha1, "wiki.simple.zip",
                        "0" * 40)
    with pytest.raises(MXNetError):
        text.embedding.FastText(embedding_root=str(tmp_path / "c"))
    assert not (tmp_path / "c" / "fasttext" / "wiki.simple.vec").exists()


def test_registered_embedding_downloads_its_plain_file(tmp_path, repo):
    # as MXNet's test_download_embed, served locally: no archive table, the file is fetched as is
    repo_root, served = repo
    folder = repo_root / "gluon" / "embeddings" / "localtestembed"
    folder.mkdir(parents=True)
    path = _write_vectors(folder / "tiny.vec", [("hello", np.arange(5) + 1),
                                                ("world", np.arange(5) + 6)])

    @text.embedding.register
    class LocalTestEmbed(text.embedding._TokenEmbedding):
        pretrained_file_name_sha1 = {"tiny.vec": _sha1(path)}

        def __init__(self, embedding_root, init_unknown_vec=nd.zeros, **kwargs):
            LocalTestEmbed._check_pretrained_file_names("tiny.vec")
            super().__init__(**kwargs)
            local = LocalTestEmbed._get_pretrained_file(embedding_root, "tiny.vec")
            self._load_embedding(local, " ", init_unknown_vec)

    assert text.embedding.get_pretrained_file_names("localtestembed") == ["tiny.vec"]
    embed = text.embedding.create("localtestembed", embedding_root=str(tmp_path / "c"))
    assert served.requests == ["/gluon/embeddings/localtestembed/tiny.vec"]
    assert embed.token_to_idx == {"<unk>": 0, "hello": 1, "world": 2}
    np.testing.assert_array_equal(embed.idx_to_vec.asnumpy(),
                                  np.vstack([np.zeros(5), np.arange(5) + 1, np.arange(5) + 6]))


def test_cached_file_with_right_digest_needs_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("MXNET_GLUON_REPO", "http://127.0.0.1:9/")  # nothing listens there
    rows = _random_rows(["k"], 2, 11)
    folder = tmp_path / "fasttext"
    folder.mkdir()
    path = _write_vectors(folder / "wiki.simple.vec", rows)
    monkeypatch.setitem(text.embedding.FastText.pretrained_file_name_sha1, "wiki.simple.vec",
                        _sha1(path))
    embed = text.embedding.FastText(embedding_root=str(tmp_path))
    np.testing.assert_allclose(embed.idx_to_vec[1].asnumpy(), rows[0][1], rtol=1e-6)


def test_docstring_examples_run():
    from mxnb.contrib.text import embedding, utils, vocab
    for module in (utils, vocab, embedding):
        result = doctest.testmod(module, globs={"mx": mx}, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, module.__name__
