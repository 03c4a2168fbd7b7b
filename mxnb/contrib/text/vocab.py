"""MXNet's `mx.contrib.text.vocab`: indexing text tokens."""
import collections
import numbers

from ...base import FailedCheckError, InvalidArgumentError
from . import _constants as C

__all__ = ["Vocabulary"]


def _check(condition, message):
    # MXNet asserts these; FailedCheckError is both an MXNetError and an AssertionError.
    if not condition:
        raise FailedCheckError(message)


class Vocabulary:
    """Indices for the unknown token, the reserved tokens and the keys of a token counter.

    Index 0 is `unknown_token`, the reserved tokens follow in their order, then the keys of
    `counter` by decreasing frequency (ties by increasing token), as MXNet 1.9.1 orders them.

    Parameters
    ----------
    counter : collections.Counter or None, default None
        Token frequencies; its keys are indexed subject to `most_freq_count` and `min_freq`.
        Keys, `unknown_token` and reserved tokens must be of one hashable type (str, int, tuple).
    most_freq_count : int or None, default None
        At most this many keys of `counter` are indexed (reserved tokens not counted); None: no
        limit.
    min_freq : int, default 1
        The least frequency a key of `counter` needs to be indexed; must be positive.
    unknown_token : hashable, default '<unk>'
        What every unknown token is indexed as (index 0).
    reserved_tokens : list of hashable or None, default None
        Tokens always indexed (padding, sentence marks); no duplicates and not `unknown_token`.

    Attributes
    ----------
    unknown_token : hashable
        The representation of unknown tokens.
    reserved_tokens : list or None
        The reserved tokens.

    Examples
    --------
    >>> from collections import Counter
    >>> from mxnb.contrib import text
    >>> v = text.vocab.Vocabulary(Counter(['b', 'a', 'b', 'c']), reserved_tokens=['<pad>'])
    >>> v.idx_to_token
    ['<unk>', '<pad>', 'b', 'a', 'c']
    >>> v.to_indices(['a', 'zzz'])
    [3, 0]
    >>> v.to_tokens(2)
    'b'
    """

    def __init__(self, counter=None, most_freq_count=None, min_freq=1, unknown_token="<unk>",
                 reserved_tokens=None):
        _check(isinstance(min_freq, numbers.Real) and min_freq > 0,
               "Vocabulary: `min_freq` must be set to a positive value, found %r" % (min_freq,))
        if reserved_tokens is not None:
            reserved_tokens = list(reserved_tokens)
            _check(unknown_token not in reserved_tokens,
                   "Vocabulary: `reserved_tokens` cannot contain `unknown_token` %r"
                   % (unknown_token,))
            _check(len(set(reserved_tokens)) == len(reserved_tokens),
                   "Vocabulary: `reserved_tokens` cannot contain duplicate reserved tokens, found "
                   "%r" % (reserved_tokens,))
        self._unknown_token = unknown_token
        self._reserved_tokens = reserved_tokens
        self._idx_to_token = [unknown_token] + (reserved_tokens or [])
        self._token_to_idx = {token: idx for idx, token in enumerate(self._idx_to_token)}
        if counter is not None:
            self._index_counter_keys(counter, most_freq_count, min_freq)

    def _index_counter_keys(self, counter, most_freq_count, min_freq):
        """Appends the most frequent keys of `counter` (at least `min_freq` times seen)."""
        _check(isinstance(counter, collections.Counter),
               "Vocabulary: `counter` must be an instance of collections.Counter, found %s"
               % type(counter).__name__)
        # Two stable sorts: by token, then by decreasing frequency (ties keep the token order).
        by_freq = sorted(counter.items(), key=lambda item: item[0])
        by_freq.sort(key=lambda item: item[1], reverse=True)
        if most_freq_count is not None and not (isinstance(most_freq_count, numbers.Integral)
                                                and most_freq_count >= 0):
            raise InvalidArgumentError("Vocabulary: `most_freq_count` must be None or a "
                                       "non-negative integer, found %r" % (most_freq_count,))
        limit = len(counter) if most_freq_count is None else most_freq_count
        added = 0
        for token, freq in by_freq:
            if freq < min_freq or added >= limit:
                break
            if token in self._token_to_idx:   # the unknown token or a reserved one
                continue
            self._token_to_idx[token] = len(self._idx_to_token)
            self._idx_to_token.append(token)
            added += 1

    def __len__(self):
        return len(self._idx_to_token)

    @property
    def token_to_idx(self):
        """dict: each indexed token's index."""
        return self._token_to_idx

    @property
    def idx_to_token(self):
        """list: the indexed tokens, in index order."""
        return self._idx_to_token

    @property
    def unknown_token(self):
        """hashable: what every unknown token is indexed as."""
        return self._unknown_token

    @property
    def reserved_tokens(self):
        """list or None: the tokens always indexed after the unknown token."""
        return self._reserved_tokens

    def to_indices(self, tokens):
        """The indices of tokens (0 for unknown tokens).

        Parameters
        ----------
        tokens : hashable or list of hashable
            A token, or a list of tokens (anything that is not a list is one token).

        Returns
        -------
        int or list of int
            One index for one token, a list for a list.

        Examples
        --------
        >>> from collections import Counter
        >>> from mxnb.contrib import text
        >>> text.vocab.Vocabulary(Counter(['x'])).to_indices(['x', 'y'])
        [1, 0]
        """
        if not isinstance(tokens, list):
            return self._token_to_idx.get(tokens, C.UNKNOWN_IDX)
        return [self._token_to_idx.get(token, C.UNKNOWN_IDX) for token in tokens]

    def to_tokens(self, indices):
        """The tokens at indices.

        Parameters
        ----------
        indices : int or list of int
            An index, or a list of indices, below `len(self)`.

        Returns
        -------
        hashable or list of hashable
            One token for one index, a list for a list.

        Raises
        ------
        mxnb.base.InvalidArgumentError
            (a ValueError, as in MXNet) for an index that is not an integer or is too large.

        Examples
        --------
        >>> from collections import Counter
        >>> from mxnb.contrib import text
        >>> text.vocab.Vocabulary(Counter(['x'])).to_tokens([1, 0])
        ['x', '<unk>']
        """
        if not isinstance(indices, list):
            return self._token_at(indices)
        return [self._token_at(idx) for idx in indices]

    def _token_at(self, idx):
        size = len(self._idx_to_token)
        # Negative indices count from the end, as MXNet's list lookup lets them.
        if not isinstance(idx, numbers.Integral) or not -size <= idx < size:
            raise InvalidArgumentError(
                "Vocabulary.to_tokens: token index %r in the provided `indices` is invalid; "
                "expected an integer below the vocabulary size %d" % (idx, size))
        return self._idx_to_token[idx]
