"""MXNet's `mx.contrib.text.embedding`: token embeddings loaded from pre-trained files.

`GloVe` and `FastText` download their files from MXNet's repository ($MXNET_GLUON_REPO) into
`embedding_root` (default $MXNET_HOME/embeddings, else ~/.mxnet/embeddings) and check them against
MXNet's SHA-1 digests; a file already there with the right digest is used as it is.
`CustomEmbedding` reads a local file and `CompositeEmbedding` concatenates embeddings over a
`Vocabulary`.
"""
import logging
import os
import tarfile
import warnings
import zipfile

import numpy as np

from ... import ndarray as nd
from ... import registry
from ...base import InvalidArgumentError, MXNetError, data_dir
from . import _constants as C
from . import vocab
from .vocab import _check

__all__ = ["register", "create", "get_pretrained_file_names", "GloVe", "FastText",
           "CustomEmbedding", "CompositeEmbedding", "UnknownEmbeddingError"]

_KIND = "token embedding"


class UnknownEmbeddingError(MXNetError, KeyError):
    """An embedding name or pre-trained file name that is not registered (a KeyError, as MXNet
    raises)."""

    def __str__(self):  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def register(embedding_cls):
    """Registers a token embedding class under its lower-cased class name.

    Parameters
    ----------
    embedding_cls : type
        A subclass of `_TokenEmbedding`.

    Returns
    -------
    type
        `embedding_cls`, so `register` can decorate the class.

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> @text.embedding.register
    ... class MyEmbed(text.embedding._TokenEmbedding):
    ...     pretrained_file_name_sha1 = {}
    >>> type(text.embedding.create('myembed')).__name__
    'MyEmbed'
    """
    return registry.get_register_func(_TokenEmbedding, _KIND)(embedding_cls)


def create(embedding_name, **kwargs):
    """Creates a registered token embedding by name, e.g. `create('glove', pretrained_file_name=
    'glove.6B.50d.txt')`.

    Parameters
    ----------
    embedding_name : str
        The registered name (any case): 'glove', 'fasttext', or one given to `register`.
    **kwargs
        The arguments of the embedding's constructor.

    Returns
    -------
    _TokenEmbedding
        The embedding instance.

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> embed = text.embedding.create('glove', pretrained_file_name='glove.6B.50d.txt')
    ... # doctest: +SKIP
    """
    return registry.get_create_func(_TokenEmbedding, _KIND)(embedding_name, **kwargs)


def _registered_embeddings():
    return registry.get_registry(_TokenEmbedding)


def get_pretrained_file_names(embedding_name=None):
    """The pre-trained file names a registered embedding can load.

    Parameters
    ----------
    embedding_name : str or None, default None
        A registered embedding name (any case); None: every registered embedding.

    Returns
    -------
    list of str or dict
        The file names of `embedding_name`, or a dict mapping each registered embedding name to
        its file names.

    Raises
    ------
    UnknownEmbeddingError
        (a KeyError, as in MXNet) when `embedding_name` is not registered.

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> text.embedding.get_pretrained_file_names('glove')[:2]
    ['glove.42B.300d.txt', 'glove.6B.50d.txt']
    >>> len(text.embedding.get_pretrained_file_names()['fasttext'])
    327
    """
    classes = _registered_embeddings()
    if embedding_name is None:
        return {name: _file_names_of(cls) for name, cls in classes.items()}
    cls = classes.get(str(embedding_name).lower())
    if cls is None:
        raise UnknownEmbeddingError(
            "get_pretrained_file_names: cannot find `embedding_name` %r; the registered "
            "embeddings are %s (get_pretrained_file_names(embedding_name=None).keys())"
            % (embedding_name, sorted(classes)))
    return _file_names_of(cls)


def _file_names_of(cls):
    return list(getattr(cls, "pretrained_file_name_sha1", {}).keys())


def _extract(archive_path, folder):
    """Unpacks a downloaded .zip or .tar.gz archive into `folder` (other files stay as they are)."""
    ext = os.path.splitext(archive_path)[1]
    if ext == ".zip":
        with zipfile.ZipFile(archive_path, "r") as zf:
            zf.extractall(folder)        # zipfile drops absolute paths and '..' itself
    elif ext == ".gz":
        with tarfile.open(archive_path, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):   # refuse members escaping `folder`
                tar.extractall(path=folder, filter="data")
            else:
                tar.extractall(path=folder)


class _TokenEmbedding(vocab.Vocabulary):
    """Base class of token embeddings: a `Vocabulary` whose every token has a vector.

    Row `i` of `idx_to_vec` is the vector of token `i`; row 0 is the unknown token's, taken from
    the pre-trained file when the file has `unknown_token`, else made by `init_unknown_vec`. A
    token seen again later in a file is skipped with a warning (the first vector counts).

    Reserved tokens (and any other token indexed before the file is read) get their vector from
    the file when it has one, else from `init_unknown_vec`. (MXNet 1.9.1 leaves no row for them,
    which shifts every loaded vector; here each index keeps its own row.)

    Parameters
    ----------
    **kwargs
        The arguments of `Vocabulary` (`unknown_token`, `reserved_tokens`, ...).

    Attributes
    ----------
    idx_to_vec : NDArray
        (len(self), vec_len): the vector of each indexed token.
    vec_len : int
        The length of each vector.

    Examples
    --------
    >>> import tempfile, os
    >>> from mxnb.contrib import text
    >>> path = os.path.join(tempfile.mkdtemp(), 'vecs.txt')
    >>> with open(path, 'w') as f:
    ...     _ = f.write('hi 1 2\\nyo 3 4\\n')
    >>> embed = text.embedding.CustomEmbedding(path)
    >>> embed.get_vecs_by_tokens(['yo', 'nope']).asnumpy().tolist()
    [[3.0, 4.0], [0.0, 0.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._idx_to_vec = None
        self._vec_len = None

    # ---- pre-trained files -------------------------------------------------------------------

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        """The name of the file to download for `pretrained_file_name` (an archive, or itself)."""
        return pretrained_file_name

    @classmethod
    def _get_pretrained_file_url(cls, pretrained_file_name):
        from ...gluon.data._download import repo_file_url
        return repo_file_url("gluon/embeddings/" + cls.__name__.lower(),
                             cls._get_download_file_name(pretrained_file_name))

    @classmethod
    def _get_pretrained_file(cls, embedding_root, pretrained_file_name):
        """The path of `pretrained_file_name` under `embedding_root`/<class name>, downloading
        (and unpacking) it unless a file with the expected SHA-1 is already there."""
        from ...gluon.utils import check_sha1, download   # gluon sits above contrib.text's needs
        folder = os.path.join(os.path.expanduser(embedding_root), cls.__name__.lower())
        file_path = os.path.join(folder, pretrained_file_name)
        file_sha1 = cls.pretrained_file_name_sha1[pretrained_file_name]
        if os.path.exists(file_path) and check_sha1(file_path, file_sha1):
            return file_path
        url = cls._get_pretrained_file_url(pretrained_file_name)
        downloaded_name = os.path.basename(url)
        archive_table = getattr(cls, "pretrained_archive_name_sha1", None)
        downloaded_sha1 = archive_table[downloaded_name] if archive_table else file_sha1
        downloaded_path = os.path.join(folder, downloaded_name)
        download(url, downloaded_path, sha1_hash=downloaded_sha1)
        _extract(downloaded_path, folder)
        if not os.path.isfile(file_path):
            raise MXNetError("%s: %s was downloaded from %s but holds no file %s"
                             % (cls.__name__, downloaded_path, url, pretrained_file_name))
        return file_path

    @classmethod
    def _check_pretrained_file_names(cls, pretrained_file_name):
        """Raises UnknownEmbeddingError unless `pretrained_file_name` is one of the class's."""
        if pretrained_file_name not in cls.pretrained_file_name_sha1:
            name = cls.__name__.lower()
            raise UnknownEmbeddingError(
                "Cannot find pretrained file %s for token embedding %s. Valid pretrained files "
                "for embedding %s: %s" % (pretrained_file_name, name, name,
                                          ", ".join(cls.pretrained_file_name_sha1.keys())))

    def _init_pretrained(self, embedding_class, pretrained_file_name, embedding_root,
                         init_unknown_vec, vocabulary, vocabulary_kwargs):
        """The `__init__` of a downloadable embedding (GloVe, FastText): checks the file name,
        sets up the vocabulary part, loads the (space-separated) file, then indexes
        `vocabulary`'s tokens. `embedding_class` is the calling class (not `type(self)`), so a
        user's subclass keeps its parent's files and `__init__` chain."""
        embedding_class._check_pretrained_file_names(pretrained_file_name)
        super(embedding_class, self).__init__(**vocabulary_kwargs)
        path = embedding_class._get_pretrained_file(embedding_root, pretrained_file_name)
        self._load_embedding(path, " ", init_unknown_vec)
        self._build_embedding_for_vocabulary(vocabulary)

    def _load_embedding(self, pretrained_file_path, elem_delim, init_unknown_vec,
                        encoding="utf8"):
        """Indexes the tokens of a pre-trained file and sets `idx_to_vec` from its vectors.

        Each line is a token then its vector's elements, separated by `elem_delim`. Tokens
        already indexed (the unknown and reserved tokens) take their vector from the file when
        it has one, else from `init_unknown_vec(shape=vec_len)`; other tokens are appended. A
        line with a one-element vector (a header such as '400000 300') is skipped.
        """
        path = os.path.expanduser(pretrained_file_path)
        if not os.path.isfile(path):
            raise InvalidArgumentError("`pretrained_file_path` must be a valid path to the "
                                       "pre-trained token embedding file, found %r"
                                       % (pretrained_file_path,))
        logging.info("Loading pre-trained token embedding vectors from %s", path)
        num_preset = len(self._idx_to_token)
        preset_vecs = {}     # index of an already indexed token -> its vector from the file
        new_vecs = []        # vectors of the tokens appended, in index order
        with open(path, "r", encoding=encoding) as f:
            for line_num, line in enumerate(f, 1):
                token, vec = self._parse_line(line, elem_delim, line_num, path)
                idx = self._token_to_idx.get(token)
                if idx is not None and idx < num_preset and idx not in preset_vecs:
                    preset_vecs[idx] = vec
                elif idx is not None:
                    warnings.warn("At line %d of the pre-trained token embedding file: the "
                                  "embedding vector for token %s has been loaded and a duplicate "
                                  "embedding for the same token is seen and skipped."
                                  % (line_num, token))
                elif len(vec) == 1:
                    warnings.warn("At line %d of the pre-trained text embedding file: token %s "
                                  "with 1-dimensional vector %s is likely a header and is "
                                  "skipped." % (line_num, token, vec.tolist()))
                else:
                    _check(not new_vecs or len(vec) == len(new_vecs[0]),
                           "At line %d of the pre-trained token embedding file %s: the dimension "
                           "of token %s is %d but the dimension of previous tokens is %d. "
                           "Dimensions of all the tokens must be the same."
                           % (line_num, path, token, len(vec), len(new_vecs[0]) if new_vecs
                              else 0))
                    self._token_to_idx[token] = len(self._idx_to_token)
                    self._idx_to_token.append(token)
                    new_vecs.append(vec)
        vec_len = self._loaded_vec_len(new_vecs, preset_vecs, path)
        table = np.zeros((len(self._idx_to_token), vec_len), dtype=np.float32)
        if new_vecs:
            table[num_preset:] = np.stack(new_vecs)
        self._vec_len = vec_len
        self._idx_to_vec = nd.array(table)
        for idx in range(num_preset):
            if idx in preset_vecs:
                self._idx_to_vec[idx] = nd.array(preset_vecs[idx])
            else:
                self._idx_to_vec[idx] = init_unknown_vec(shape=vec_len)

    @staticmethod
    def _parse_line(line, elem_delim, line_num, path):
        elems = line.rstrip().split(elem_delim)
        _check(len(elems) > 1,
               "At line %d of the pre-trained text embedding file: the data format of the "
               "pre-trained token embedding file %s is unexpected: expected a token and vector "
               "elements separated by %r, found %r" % (line_num, path, elem_delim, line.rstrip()))
        try:
            vec = np.array(elems[1:], dtype=np.float32)
        except ValueError:
            raise InvalidArgumentError(
                "At line %d of the pre-trained token embedding file %s: the vector elements of "
                "token %s must be numbers, found %r" % (line_num, path, elems[0], elems[1:])
            ) from None
        return elems[0], vec

    def _loaded_vec_len(self, new_vecs, preset_vecs, path):
        """The vector length of a loaded file; the preset tokens' vectors must have it too."""
        if new_vecs:
            vec_len = len(new_vecs[0])
        elif preset_vecs:
            vec_len = len(next(iter(preset_vecs.values())))
        else:
            raise InvalidArgumentError("the pre-trained token embedding file %s holds no "
                                       "embedding vectors" % path)
        for idx, vec in preset_vecs.items():
            _check(len(vec) == vec_len,
                   "In the pre-trained token embedding file %s: the dimension of token %s is %d "
                   "but the dimension of the other tokens is %d"
                   % (path, self._idx_to_token[idx], len(vec), vec_len))
        return vec_len

    # ---- vocabularies ------------------------------------------------------------------------

    def _index_tokens_from_vocabulary(self, vocabulary):
        self._token_to_idx = dict(vocabulary.token_to_idx)
        self._idx_to_token = list(vocabulary.idx_to_token)
        self._unknown_token = vocabulary.unknown_token
        self._reserved_tokens = (list(vocabulary.reserved_tokens)
                                 if vocabulary.reserved_tokens is not None else None)

    def _set_idx_to_vec_by_embeddings(self, token_embeddings, vocab_len, vocab_idx_to_token):
        """Sets `idx_to_vec` to the concatenated vectors of `token_embeddings` for the tokens
        `vocab_idx_to_token`; row 0 joins the embeddings' own unknown vectors."""
        _check(len(vocab_idx_to_token) == vocab_len,
               "the vocabulary has %d tokens but vocab_len is %d"
               % (len(vocab_idx_to_token), vocab_len))
        blocks = []
        for embed in token_embeddings:
            _check(embed.idx_to_vec is not None,
                   "token embedding %r has no vectors loaded" % type(embed).__name__)
            # Row 0 is the embedding's unknown vector; tokens it lacks map to it as well.
            rows = [C.UNKNOWN_IDX] + [embed.token_to_idx.get(token, C.UNKNOWN_IDX)
                                      for token in vocab_idx_to_token[1:]]
            blocks.append(nd.take(embed.idx_to_vec, nd.array(rows, dtype="int64")))
        self._idx_to_vec = blocks[0] if len(blocks) == 1 else nd.concat(*blocks, dim=1)
        self._vec_len = sum(embed.vec_len for embed in token_embeddings)

    def _build_embedding_for_vocabulary(self, vocabulary):
        """Re-indexes this embedding to `vocabulary`'s tokens (their vectors are kept)."""
        if vocabulary is None:
            return
        _check(isinstance(vocabulary, vocab.Vocabulary),
               "The argument `vocabulary` must be an instance of "
               "mxnet.contrib.text.vocab.Vocabulary, found %s" % type(vocabulary).__name__)
        self._set_idx_to_vec_by_embeddings([self], len(vocabulary), vocabulary.idx_to_token)
        self._index_tokens_from_vocabulary(vocabulary)

    # ---- public API --------------------------------------------------------------------------

    @property
    def vec_len(self):
        """int: the length of each token's vector."""
        return self._vec_len

    @property
    def idx_to_vec(self):
        """NDArray: (len(self), vec_len), row `i` the vector of token `i`."""
        return self._idx_to_vec

    def get_vecs_by_tokens(self, tokens, lower_case_backup=False):
        """The vectors of tokens (the unknown token's for tokens not indexed).

        Parameters
        ----------
        tokens : str or list of str
            A token or a list of tokens.
        lower_case_backup : bool, default False
            Whether a token not found as written is looked up again lower-cased.

        Returns
        -------
        NDArray
            (vec_len,) for one token, (len(tokens), vec_len) for a list.

        Examples
        --------
        >>> import tempfile, os
        >>> from mxnb.contrib import text
        >>> path = os.path.join(tempfile.mkdtemp(), 'vecs.txt')
        >>> with open(path, 'w') as f:
        ...     _ = f.write('hi 1 2\\n')
        >>> text.embedding.CustomEmbedding(path).get_vecs_by_tokens('HI', True).asnumpy().tolist()
        [1.0, 2.0]
        """
        _check(self._idx_to_vec is not None, "The property `idx_to_vec` has not been properly set.")
        single = not isinstance(tokens, list)
        if single:
            tokens = [tokens]
        if lower_case_backup:
            indices = [self._token_to_idx[t] if t in self._token_to_idx
                       else self._token_to_idx.get(t.lower(), C.UNKNOWN_IDX) for t in tokens]
        else:
            indices = [self._token_to_idx.get(t, C.UNKNOWN_IDX) for t in tokens]
        vecs = nd.Embedding(nd.array(indices), self._idx_to_vec, self._idx_to_vec.shape[0],
                            self._idx_to_vec.shape[1])
        return vecs[0] if single else vecs

    def update_token_vectors(self, tokens, new_vectors):
        """Replaces the vectors of indexed tokens.

        Parameters
        ----------
        tokens : str or list of str
            A token or a list of tokens, all indexed (name the unknown token itself to update
            its vector).
        new_vectors : NDArray
            (len(tokens), vec_len); 1-D (vec_len,) is also accepted for a single token.

        Raises
        ------
        mxnb.base.FailedCheckError
            (an AssertionError, as in MXNet) when `new_vectors` has the wrong type or shape.
        mxnb.base.InvalidArgumentError
            (a ValueError, as in MXNet) for a token that is not indexed.

        Examples
        --------
        >>> import tempfile, os
        >>> from mxnb.contrib import text
        >>> path = os.path.join(tempfile.mkdtemp(), 'vecs.txt')
        >>> with open(path, 'w') as f:
        ...     _ = f.write('hi 1 2\\n')
        >>> embed = text.embedding.CustomEmbedding(path)
        >>> embed.update_token_vectors('hi', mx.nd.array([5, 6]))
        >>> embed.idx_to_vec.asnumpy().tolist()
        [[0.0, 0.0], [5.0, 6.0]]
        """
        _check(self._idx_to_vec is not None, "The property `idx_to_vec` has not been properly set.")
        if not isinstance(tokens, list) or len(tokens) == 1:
            _check(isinstance(new_vectors, nd.NDArray) and new_vectors.ndim in (1, 2),
                   "update_token_vectors: `new_vectors` must be a 1-D or 2-D NDArray if `tokens` "
                   "is a singleton, found %s" % _describe(new_vectors))
            if not isinstance(tokens, list):
                tokens = [tokens]
            if new_vectors.ndim == 1:
                new_vectors = new_vectors.expand_dims(axis=0)
        else:
            _check(isinstance(new_vectors, nd.NDArray) and new_vectors.ndim == 2,
                   "update_token_vectors: `new_vectors` must be a 2-D NDArray if `tokens` is a "
                   "list of multiple strings, found %s" % _describe(new_vectors))
        _check(new_vectors.shape == (len(tokens), self.vec_len),
               "update_token_vectors: the length of new_vectors must be equal to the number of "
               "tokens and the width of new_vectors must be equal to the dimension of embeddings "
               "of the glossary: expected shape %s, found %s"
               % ((len(tokens), self.vec_len), new_vectors.shape))
        indices = []
        for token in tokens:
            if token not in self._token_to_idx:
                raise InvalidArgumentError(
                    "update_token_vectors: token %s is unknown. To update the embedding vector "
                    "for an unknown token, please specify it explicitly as the `unknown_token` %s "
                    "in `tokens`. This is to avoid unintended updates."
                    % (token, self._idx_to_token[C.UNKNOWN_IDX]))
            indices.append(self._token_to_idx[token])
        self._idx_to_vec[nd.array(indices, dtype="int64")] = new_vectors


def _describe(value):
    if isinstance(value, nd.NDArray):
        return "a %d-D NDArray of shape %s" % (value.ndim, value.shape)
    return type(value).__name__


_DEFAULT_ROOT = os.path.join(data_dir(), "embeddings")


@register
class GloVe(_TokenEmbedding):
    """The GloVe word embeddings (https://nlp.stanford.edu/projects/glove/).

    The file is downloaded from MXNet's repository as its zip archive into
    `embedding_root`/glove, checked against MXNet's SHA-1 and unpacked; a file already there
    with the right SHA-1 is read as it is. `get_pretrained_file_names('glove')` lists the files.

    References: Pennington, Socher and Manning, GloVe: Global Vectors for Word Representation
    (2014). The vectors are licensed under the PDDL.

    Parameters
    ----------
    pretrained_file_name : str, default 'glove.840B.300d.txt'
        The pre-trained file to load.
    embedding_root : str, default $MXNET_HOME/embeddings
        The folder keeping embedding files.
    init_unknown_vec : callable, default nd.zeros
        Called as `init_unknown_vec(shape=vec_len)` for the unknown token's vector.
    vocabulary : Vocabulary or None, default None
        If given, only its tokens are indexed (in its order); otherwise every token of the file.
    **kwargs
        The arguments of `Vocabulary` (`unknown_token`, `reserved_tokens`).

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> glove = text.embedding.GloVe('glove.6B.50d.txt')  # doctest: +SKIP
    >>> glove.vec_len  # doctest: +SKIP
    50
    """

    pretrained_archive_name_sha1 = C.GLOVE_ARCHIVE_SHA1
    pretrained_file_name_sha1 = C.GLOVE_FILE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        # 'glove.6B.50d.txt' comes in 'glove.6B.zip': archives are keyed by the corpus part.
        archives = {name.split(".")[1]: name for name in cls.pretrained_archive_name_sha1}
        return archives[pretrained_file_name.split(".")[1]]

    def __init__(self, pretrained_file_name="glove.840B.300d.txt", embedding_root=_DEFAULT_ROOT,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        self._init_pretrained(GloVe, pretrained_file_name, embedding_root, init_unknown_vec,
                              vocabulary, kwargs)


@register
class FastText(_TokenEmbedding):
    """The fastText word embeddings (https://fasttext.cc/).

    The file is downloaded from MXNet's repository as its zip archive ('wiki.en.vec' comes in
    'wiki.en.zip') into `embedding_root`/fasttext, checked against MXNet's SHA-1 and unpacked; a
    file already there with the right SHA-1 is read as it is.
    `get_pretrained_file_names('fasttext')` lists the files.

    References: Bojanowski, Grave, Joulin and Mikolov, Enriching Word Vectors with Subword
    Information (2016). The vectors are licensed under CC BY-SA 3.0.

    Parameters
    ----------
    pretrained_file_name : str, default 'wiki.simple.vec'
        The pre-trained file to load.
    embedding_root : str, default $MXNET_HOME/embeddings
        The folder keeping embedding files.
    init_unknown_vec : callable, default nd.zeros
        Called as `init_unknown_vec(shape=vec_len)` for the unknown token's vector.
    vocabulary : Vocabulary or None, default None
        If given, only its tokens are indexed (in its order); otherwise every token of the file.
    **kwargs
        The arguments of `Vocabulary` (`unknown_token`, `reserved_tokens`).

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> fasttext = text.embedding.FastText('wiki.simple.vec')  # doctest: +SKIP
    >>> fasttext.vec_len  # doctest: +SKIP
    300
    """

    pretrained_archive_name_sha1 = C.FASTTEXT_ARCHIVE_SHA1
    pretrained_file_name_sha1 = C.FASTTEXT_FILE_SHA1

    @classmethod
    def _get_download_file_name(cls, pretrained_file_name):
        return os.path.splitext(pretrained_file_name)[0] + ".zip"

    def __init__(self, pretrained_file_name="wiki.simple.vec", embedding_root=_DEFAULT_ROOT,
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        self._init_pretrained(FastText, pretrained_file_name, embedding_root, init_unknown_vec,
                              vocabulary, kwargs)


class CustomEmbedding(_TokenEmbedding):
    """Token embedding read from a local file of '<token><delim><v1><delim>...<vk>' lines.

    Parameters
    ----------
    pretrained_file_path : str
        The file to read.
    elem_delim : str, default ' '
        What separates the token and the vector's elements on a line.
    encoding : str, default 'utf8'
        The file's text encoding.
    init_unknown_vec : callable, default nd.zeros
        Called as `init_unknown_vec(shape=vec_len)` for the unknown token's vector, unless the
        file has a line for `unknown_token`.
    vocabulary : Vocabulary or None, default None
        If given, only its tokens are indexed (in its order); otherwise every token of the file.
    **kwargs
        The arguments of `Vocabulary` (`unknown_token`, `reserved_tokens`).

    Examples
    --------
    >>> import tempfile, os
    >>> from mxnb.contrib import text
    >>> path = os.path.join(tempfile.mkdtemp(), 'vecs.txt')
    >>> with open(path, 'w') as f:
    ...     _ = f.write('a,1,2\\nb,3,4\\n')
    >>> embed = text.embedding.CustomEmbedding(path, ',', init_unknown_vec=mx.nd.ones)
    >>> embed.idx_to_token, embed.idx_to_vec.asnumpy().tolist()
    (['<unk>', 'a', 'b'], [[1.0, 1.0], [1.0, 2.0], [3.0, 4.0]])
    """

    def __init__(self, pretrained_file_path, elem_delim=" ", encoding="utf8",
                 init_unknown_vec=nd.zeros, vocabulary=None, **kwargs):
        super().__init__(**kwargs)
        self._load_embedding(pretrained_file_path, elem_delim, init_unknown_vec, encoding)
        self._build_embedding_for_vocabulary(vocabulary)


class CompositeEmbedding(_TokenEmbedding):
    """The tokens of a vocabulary with the concatenated vectors of one or more embeddings.

    Row `i` of `idx_to_vec` joins, for token `i` of `vocabulary`, each embedding's vector of it
    (that embedding's unknown vector when it lacks the token); row 0 joins their unknown vectors.

    Parameters
    ----------
    vocabulary : Vocabulary
        The tokens to index, in its order.
    token_embeddings : _TokenEmbedding or list of _TokenEmbedding
        The embeddings whose vectors are concatenated, in this order.

    Examples
    --------
    >>> import tempfile, os
    >>> from collections import Counter
    >>> from mxnb.contrib import text
    >>> path = os.path.join(tempfile.mkdtemp(), 'vecs.txt')
    >>> with open(path, 'w') as f:
    ...     _ = f.write('a 1 2\\n')
    >>> embed = text.embedding.CustomEmbedding(path)
    >>> both = text.embedding.CompositeEmbedding(text.vocab.Vocabulary(Counter(['a', 'z'])),
    ...                                          [embed, embed])
    >>> both.idx_to_vec.asnumpy().tolist()
    [[0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 1.0, 2.0], [0.0, 0.0, 0.0, 0.0]]
    """

    def __init__(self, vocabulary, token_embeddings):
        _check(isinstance(vocabulary, vocab.Vocabulary),
               "CompositeEmbedding: the argument `vocabulary` must be an instance of "
               "mxnet.contrib.text.vocab.Vocabulary, found %s" % type(vocabulary).__name__)
        if not isinstance(token_embeddings, list):
            token_embeddings = [token_embeddings]
        _check(len(token_embeddings) > 0,
               "CompositeEmbedding: `token_embeddings` must hold at least one embedding")
        for embed in token_embeddings:
            _check(isinstance(embed, _TokenEmbedding),
                   "CompositeEmbedding: the argument `token_embeddings` must be an instance or a "
                   "list of instances of `mxnet.contrib.text.embedding._TokenEmbedding`, found "
                   "%s" % type(embed).__name__)
        super().__init__()
        self._index_tokens_from_vocabulary(vocabulary)
        self._set_idx_to_vec_by_embeddings(token_embeddings, len(self), self.idx_to_token)
