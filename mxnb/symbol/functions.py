"""The `sym.*` functions MXNet defines in Python rather than as operators: `maximum`, `minimum`,
`power`/`pow`, `hypot` (symbols or numbers on either side), `eye`, `linspace`, `split_v2`,
`histogram`. Each is composed of registered operators, so its gradient and graph come for free.
"""
import numbers

from ..base import MXNetError
from .symbol import Symbol

__all__ = ["maximum", "minimum", "power", "pow", "hypot", "eye", "linspace", "split_v2",
           "histogram"]


def _f(name):
    from . import _functions
    return _functions[name]


def _binary(name, pair, scalar, rscalar, python_fn):
    def function(left, right):
        if isinstance(left, Symbol) and isinstance(right, Symbol):
            return _f(pair)(left, right)
        if isinstance(left, Symbol) and isinstance(right, numbers.Number):
            return _f(scalar)(left, scalar=float(right))
        if isinstance(left, numbers.Number) and isinstance(right, Symbol):
            return _f(rscalar)(right, scalar=float(left))
        if isinstance(left, numbers.Number) and isinstance(right, numbers.Number):
            return python_fn(left, right)
        raise TypeError("%s takes Symbols or numbers, found %s and %s"
                        % (name, type(left).__name__, type(right).__name__))
    function.__name__ = name
    function.__doc__ = """Elementwise %s of two symbols, a symbol and a number, or two numbers.

    Parameters
    ----------
    left, right : Symbol or number

    Returns
    -------
    Symbol, or a number when both are numbers.

    Example
    -------
    >>> mx.sym.%s(mx.sym.var('a'), 2)
    """ % (name, name)
    return function


maximum = _binary("maximum", "_Maximum", "_MaximumScalar", "_MaximumScalar", max)
minimum = _binary("minimum", "_Minimum", "_MinimumScalar", "_MinimumScalar", min)
hypot = _binary("hypot", "_Hypot", "_HypotScalar", "_HypotScalar",
                lambda a, b: (a * a + b * b) ** 0.5)
_power = _binary("power", "_Power", "_PowerScalar", "_RPowerScalar", lambda a, b: a ** b)


def power(base, exp):
    """`base` raised to `exp`, elementwise (either may be a number).

    Example
    -------
    >>> mx.sym.power(mx.sym.var('x'), 2)
    """
    return _power(base, exp)


def pow(base, exp):  # noqa: A001 (MXNet's name)
    """Alias of `power`."""
    return _power(base, exp)


def eye(N, M=0, k=0, dtype=None, **kwargs):
    """A 2-D symbol with ones on the k-th diagonal and zeros elsewhere.

    Parameters
    ----------
    N : int
        Rows.
    M : int, default 0
        Columns (0: N).
    k : int, default 0
        Diagonal: 0 the main one, > 0 above, < 0 below.
    dtype : str or numpy dtype, default float32

    Example
    -------
    >>> mx.sym.eye(3, 4, 1).evaluate()[0]
    """
    name = kwargs.pop("name", None)
    columns = M or N
    rows = _f("_arange")(start=0, stop=N, dtype="float32").reshape((N, 1))
    cols = _f("_arange")(start=0, stop=columns, dtype="float32").reshape((1, columns))
    on_diagonal = _f("_equal_scalar")(_f("broadcast_sub")(cols, rows), scalar=float(k))
    return _f("Cast")(on_diagonal, dtype=dtype or "float32", name=name, **kwargs)


def linspace(start, stop, num, endpoint=True, name=None, dtype=None):
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`).

    Example
    -------
    >>> mx.sym.linspace(0, 1, 5).evaluate()[0]
    """
    if num < 0:
        raise MXNetError("linspace: num must be non-negative, found %d" % num)
    intervals = (num - 1 if endpoint else num) or 1
    step = (stop - start) / float(intervals)
    ramp = _f("_arange")(start=0, stop=num, dtype="float64")
    values = _f("_plus_scalar")(_f("_mul_scalar")(ramp, scalar=step), scalar=float(start))
    return _f("Cast")(values, dtype=dtype or "float32", name=name)


def split_v2(ary, indices_or_sections, axis=0, squeeze_axis=False):
    """Splits `ary` along `axis` into equal sections, or at the given indices.

    Parameters
    ----------
    ary : Symbol
    indices_or_sections : int or tuple of int
        A number of equal sections, or the indices where pieces start (after 0).
    axis : int, default 0
    squeeze_axis : bool, default False
        Drop `axis` from pieces of length 1.

    Returns
    -------
    Symbol
        A group with one output per piece.

    Example
    -------
    >>> mx.sym.split_v2(mx.sym.var('a'), (1, 3)).evaluate(a=mx.nd.arange(6))
    """
    if isinstance(indices_or_sections, numbers.Integral):
        return _f("SliceChannel")(ary, num_outputs=int(indices_or_sections), axis=axis,
                                  squeeze_axis=squeeze_axis)
    if not isinstance(indices_or_sections, (tuple, list)):
        raise MXNetError("split_v2: indices_or_sections must be an int or a tuple of ints, found %r"
                         % (indices_or_sections,))
    bounds = [0] + [int(i) for i in indices_or_sections]
    pieces = []
    for begin, end in zip(bounds, bounds[1:] + [None]):
        piece = _f("slice_axis")(ary, axis=axis, begin=begin, end=end)
        if squeeze_axis:
            piece = _f("squeeze")(piece, axis=axis)
        pieces.append(piece)
    from .symbol import Group
    return Group(pieces)


def histogram(a, bins=10, range=None, **kwargs):  # noqa: A002 (MXNet's name)
    """Counts of the values of `a` in bins: (counts, bin_edges), as a group of two outputs.

    Parameters
    ----------
    a : Symbol
    bins : int or Symbol, default 10
        A number of equal bins over `range`, or the bin edges (increasing).
    range : (float, float)
        Required with an int `bins`. The last bin includes its right edge.

    Example
    -------
    >>> counts, edges = mx.sym.histogram(mx.sym.var('a'), bins=3, range=(0, 3))
    """
    from .symbol import Group
    name = kwargs.pop("name", None)
    flat = _f("Reshape")(a, shape=(-1, 1))
    if isinstance(bins, Symbol):
        edges = bins
        left = _f("slice_axis")(edges, axis=0, begin=0, end=-1).reshape((1, -1))
        right = _f("slice_axis")(edges, axis=0, begin=1, end=None).reshape((1, -1))
        last = _f("broadcast_equal")(right, _f("max")(edges).reshape((1, 1)))
        below_right = _f("broadcast_logical_or")(
            _f("broadcast_lesser")(flat, right),
            _f("broadcast_logical_and")(_f("broadcast_equal")(flat, right), last))
        member = _f("broadcast_logical_and")(_f("broadcast_greater_equal")(flat, left), below_right)
        counts = _f("sum")(member, axis=0)
    elif isinstance(bins, numbers.Integral):
        if range is None:
            raise MXNetError("histogram: null range is not supported in symbol mode; give "
                             "range=(low, high) with an int number of bins")
        low, high = float(range[0]), float(range[1])
        if not high > low:
            raise MXNetError("histogram: range must be (low, high) with low < high, found %r" % (range,))
        scaled = _f("_mul_scalar")(_f("_minus_scalar")(flat, scalar=low),
                                   scalar=bins / (high - low))
        index = _f("clip")(_f("floor")(scaled), a_min=0.0, a_max=float(bins - 1))
        inside = _f("elemwise_mul")(_f("_greater_equal_scalar")(flat, scalar=low),
                                    _f("_lesser_equal_scalar")(flat, scalar=high))
        onehot = _f("broadcast_mul")(_f("one_hot")(index.reshape((-1,)), depth=int(bins)), inside)
        counts = _f("sum")(onehot, axis=0)
        edges = linspace(low, high, int(bins) + 1)
    else:
        raise MXNetError("histogram: bins must be an int or a Symbol of bin edges, found %s"
                         % type(bins).__name__)
    counts = _f("Cast")(counts, dtype="int64", name=name)
    return Group([counts, edges])
