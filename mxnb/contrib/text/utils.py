"""MXNet's `mx.contrib.text.utils`: counting the tokens of a text."""
import collections
import re

from ...base import ArgumentTypeError

__all__ = ["count_tokens_from_str"]


def count_tokens_from_str(source_str, token_delim=" ", seq_delim="\n", to_lower=False,
                          counter_to_update=None):
    """Counts the tokens of a string made of sequences of delimited tokens.

    With `token_delim` '<td>' and `seq_delim` '<sd>', two sequences look like
    '<td>token1<td>token2<td><sd><td>token3<td><sd>'. Both delimiters are regular expressions
    (escape special characters, e.g. '\\\\*'); empty pieces between delimiters are not tokens.

    Parameters
    ----------
    source_str : str
        The text to count tokens in.
    token_delim : str, default ' '
        The regular expression separating tokens.
    seq_delim : str, default '\\\\n'
        The regular expression separating sequences.
    to_lower : bool, default False
        Whether to count the lower-cased tokens.
    counter_to_update : collections.Counter or None, default None
        A counter to add the counts to (and return); None makes a new one.

    Returns
    -------
    collections.Counter
        The token counts (`counter_to_update` itself when given).

    Examples
    --------
    >>> from mxnb.contrib import text
    >>> sorted(text.utils.count_tokens_from_str(' Life is great ! \\n life is good . \\n',
    ...                                         to_lower=True).items())
    [('!', 1), ('.', 1), ('good', 1), ('great', 1), ('is', 2), ('life', 2)]
    >>> text.utils.count_tokens_from_str('*a*b*\\n*a*\\n', '\\\\*')['a']
    2
    """
    if not isinstance(source_str, str):
        raise ArgumentTypeError("count_tokens_from_str expects `source_str` to be a str, found %s"
                                % type(source_str).__name__)
    tokens = [t for t in re.split(token_delim + "|" + seq_delim, source_str) if t]
    if to_lower:
        tokens = [t.lower() for t in tokens]
    if counter_to_update is None:
        return collections.Counter(tokens)
    counter_to_update.update(tokens)
    return counter_to_update
