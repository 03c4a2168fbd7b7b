"""Language-model datasets (MXNet 1.x `gluon.contrib.data.text`): WikiText-2 and WikiText-103,
fetched from MXNet's Gluon repository as zip archives, checked by SHA-1 and read without pickle."""
import os
import shutil
import zipfile

import numpy as np

from ....base import MXNetError
from .... import ndarray as nd
from ...data import _download
from ...data.dataset import Dataset

__all__ = ["WikiText2", "WikiText103"]

EOS_TOKEN = "<eos>"


class _WikiText(Dataset):
    """Token indices of one segment of a WikiText corpus, cut into rows of `seq_len`: each sample
    is (data, label), label being data shifted by one token."""
    _namespace = None
    _archive_file = None     # (name, sha1)
    _data_files = None       # segment -> (name, sha1)

    def __init__(self, root, segment, vocab, seq_len):
        if segment not in self._data_files:
            raise MXNetError("%s: segment must be one of %s, found %r"
                             % (type(self).__name__, sorted(self._data_files), segment))
        if seq_len < 1:
            raise MXNetError("%s: seq_len must be at least 1, found %r"
                             % (type(self).__name__, seq_len))
        self._root = os.path.expanduser(root)
        self._segment = segment
        self._seq_len = seq_len
        self._vocab = vocab
        self._counter = None
        os.makedirs(self._root, exist_ok=True)
        self._data, self._label = self._read(self._segment_file())

    @property
    def vocabulary(self):
        """The `mx.contrib.text.vocab.Vocabulary` indexing the tokens (given or built)."""
        return self._vocab

    @property
    def frequencies(self):
        """A `collections.Counter` of this segment's tokens."""
        return self._counter

    def __getitem__(self, idx):
        return self._data[idx], self._label[idx]

    def __len__(self):
        return len(self._label)

    def _segment_file(self):
        """The segment's token file, extracted from the archive unless already there and intact."""
        name, sha1 = self._data_files[self._segment]
        path = os.path.join(self._root, name)
        if os.path.exists(path) and _download.check_sha1(path, sha1):
            return path
        archive_name, archive_sha1 = self._archive_file
        archive = _download.download(
            _download.repo_file_url("gluon/dataset/" + self._namespace, archive_name),
            path=self._root, sha1_hash=archive_sha1)
        with zipfile.ZipFile(archive) as zipped:
            for member in zipped.namelist():
                filename = os.path.basename(member)   # flattened: no path leaves root
                if filename:
                    with zipped.open(member) as source, \
                            open(os.path.join(self._root, filename), "wb") as target:
                        shutil.copyfileobj(source, target)
        if not os.path.exists(path):
            raise MXNetError("%s: the archive %s has no %s" % (type(self).__name__, archive, name))
        return path

    def _read(self, path):
        from ....contrib.text import utils, vocab   # mx.contrib's text tools, loaded on use
        with open(path, "r", encoding="utf8") as source:
            content = source.read()
        self._counter = utils.count_tokens_from_str(content)
        if self._vocab is None:
            self._vocab = vocab.Vocabulary(counter=self._counter, reserved_tokens=[EOS_TOKEN])
        tokens = []
        for line in content.splitlines():
            words = line.split()
            if words:                                 # blank lines are not sentences
                tokens.extend(words + [EOS_TOKEN])
        indices = np.asarray(self._vocab.to_indices(tokens), dtype=np.int32)
        rows = (len(indices) - 1) // self._seq_len    # whole rows only, as MXNet
        used = rows * self._seq_len
        data = indices[:used].reshape(rows, self._seq_len)
        label = indices[1:used + 1].reshape(rows, self._seq_len)
        return nd.array(data, dtype=np.int32), nd.array(label, dtype=np.int32)


class WikiText2(_WikiText):
    """WikiText-2 word-level language modelling dataset (Salesforce research; CC BY-SA).

    Each sample is (data, label): `seq_len` token indices and the same shifted by one token;
    '<eos>' ends every non-empty line.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/wikitext-2
        Where the archive and token files are kept.
    segment : {'train', 'validation', 'test'}, default 'train'
    vocab : mx.contrib.text.vocab.Vocabulary, optional
        Indexes the tokens; by default one is built from the segment's tokens.
    seq_len : int, default 35
        Tokens per sample, regardless of sentence boundaries.

    Returns
    -------
    Dataset
        Of (data, label) int32 NDArrays of shape (seq_len,).

    Examples
    --------
    >>> train = mx.gluon.contrib.data.text.WikiText2(segment='train')   # doctest: +SKIP
    >>> data, label = train[0]                                          # doctest: +SKIP
    """
    _namespace = "wikitext-2"
    _archive_file = ("wikitext-2-v1.zip", "3c914d17d80b1459be871a5039ac23e752a53cbe")
    _data_files = {"train": ("wiki.train.tokens", "863f29c46ef9d167fff4940ec821195882fe29d1"),
                   "validation": ("wiki.valid.tokens", "0418625c8b4da6e4b5c7a0b9e78d4ae8f7ee5422"),
                   "test": ("wiki.test.tokens", "c7b8ce0aa086fb34dab808c5c49224211eb2b172")}

    def __init__(self, root=os.path.join(_download.data_dir(), "datasets", "wikitext-2"),
                 segment="train", vocab=None, seq_len=35):
        super().__init__(root, segment, vocab, seq_len)


class WikiText103(_WikiText):
    """WikiText-103 word-level language modelling dataset (Salesforce research; CC BY-SA).

    As `WikiText2`, on the larger corpus.

    Parameters
    ----------
    root : str, default $MXNET_HOME/datasets/wikitext-103
        Where the archive and token files are kept.
    segment : {'train', 'validation', 'test'}, default 'train'
    vocab : mx.contrib.text.vocab.Vocabulary, optional
    seq_len : int, default 35

    Returns
    -------
    Dataset
        Of (data, label) int32 NDArrays of shape (seq_len,).

    Examples
    --------
    >>> test = mx.gluon.contrib.data.text.WikiText103(segment='test')   # doctest: +SKIP
    """
    _namespace = "wikitext-103"
    _archive_file = ("wikitext-103-v1.zip", "0aec09a7537b58d4bb65362fee27650eeaba625a")
    _data_files = {"train": ("wiki.train.tokens", "b7497e2dfe77e72cfef5e3dbc61b7b53712ac211"),
                   "validation": ("wiki.valid.tokens", "c326ac59dc587676d58c422eb8a03e119582f92b"),
                   "test": ("wiki.test.tokens", "8a5befc548865cec54ed4273cf87dbbad60d1e47")}

    def __init__(self, root=os.path.join(_download.data_dir(), "datasets", "wikitext-103"),
                 segment="train", vocab=None, seq_len=35):
        super().__init__(root, segment, vocab, seq_len)
