"""`mx.nd.random`: samplers backed by the registry's random operators.

As in MXNet, a sampler given numbers draws `shape` samples of one distribution (`_random_*`);
given NDArrays of parameters, it draws `shape` samples for every element (`_sample_*`, output
shape `param.shape + shape`). Mixing the two is an error.
"""
import numbers

from ..base import MXNetError
from ..context import current_context
from ..ops import registry
from .ndarray import NDArray, invoke

__all__ = ["uniform", "normal", "randn", "exponential", "gamma", "poisson", "negative_binomial",
           "generalized_negative_binomial", "multinomial", "shuffle", "randint",
           "uniform_like", "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]

_OPS = {name: registry.get(name) for name in registry.all_operators()
        if name.startswith(("_random_", "_sample_")) or name == "_shuffle"}


def _shape(shape):
    """A sampler's `shape` argument as a tuple (None: (), an int: (n,)); mx.sym.random's too."""
    if shape is None:
        return ()
    return (shape,) if isinstance(shape, numbers.Integral) else tuple(shape)


def _draw(name, params, shape, dtype, ctx, out, kwargs):
    """One sampler call: `_random_<name>` for numbers, `_sample_<name>` for NDArrays."""
    values = list(params.values())
    if all(isinstance(v, numbers.Number) for v in values):
        op = _OPS["_random_" + name]
        dtype = dtype or (out.dtype if out is not None else "float32")
        attrs = op.parse_attrs(dict(params, shape=_shape(shape) or (1,), dtype=dtype, **kwargs))
        attrs["ctx"] = ctx or (out.context if out is not None else current_context())
        return invoke(op, [], attrs, out)
    if all(isinstance(v, NDArray) for v in values):
        op = _OPS["_sample_" + name]
        attrs = op.parse_attrs(dict(shape=_shape(shape), dtype=dtype or "float32", **kwargs))
        return invoke(op, values, attrs, out)
    raise MXNetError("random.%s: the distribution parameters %s must be all numbers or all "
                     "NDArrays, found %s" % (name, list(params),
                                             [type(v).__name__ for v in values]))


def uniform(low=0, high=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples from the uniform distribution on [low, high).

    Parameters
    ----------
    low, high : float or NDArray
        Bounds; NDArrays give one distribution per element.
    shape : int or tuple of ints
        Samples per distribution (numbers: the output shape, default (1,)).
    dtype : {'float16', 'float32', 'float64'}, optional
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.uniform(0, 1, shape=(2,))            # doctest: +SKIP
    >>> mx.nd.random.uniform(mx.nd.array([0, 2.5]), mx.nd.array([1, 3.7]), shape=2)   # (2, 2)
    """
    return _draw("uniform", {"low": low, "high": high}, shape, dtype, ctx, out, kwargs)


def normal(loc=0, scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples from the normal distribution N(loc, scale^2); parameters as `uniform`'s.

    Parameters
    ----------
    loc, scale : float or NDArray
        Mean and standard deviation.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.normal(0, 1, shape=(2, 2)).shape
    (2, 2)
    """
    if isinstance(loc, NDArray) or isinstance(scale, NDArray):
        return _draw("normal", {"mu": loc, "sigma": scale}, shape, dtype, ctx, out, kwargs)
    return _draw("normal", {"loc": loc, "scale": scale}, shape, dtype, ctx, out, kwargs)


def randn(*shape, loc=0, scale=1, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples of the given shape from N(loc, scale^2): `randn(2, 3)`."""
    return normal(loc, scale, shape, dtype, ctx, out, **kwargs)


def exponential(scale=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples from the exponential distribution with mean `scale` (rate 1/scale).

    Parameters
    ----------
    scale : float or NDArray
        The mean 1/lambda.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.exponential(2.0, shape=3).shape
    (3,)
    """
    return _draw("exponential", {"lam": 1.0 / scale}, shape, dtype, ctx, out, kwargs)


def gamma(alpha=1, beta=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples from the gamma distribution with shape `alpha` and scale `beta`.

    Parameters
    ----------
    alpha, beta : float or NDArray
        Shape and scale.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.gamma(mx.nd.array([1, 2]), mx.nd.array([1, 1]), shape=4).shape
    (2, 4)
    """
    return _draw("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, ctx, out, kwargs)


def poisson(lam=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws samples from the Poisson distribution with mean `lam` (as floats, as MXNet).

    Parameters
    ----------
    lam : float or NDArray
        The mean.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.poisson(4, shape=(2,)).shape
    (2,)
    """
    return _draw("poisson", {"lam": lam}, shape, dtype, ctx, out, kwargs)


def negative_binomial(k=1, p=1, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws the number of failures before the k-th success, each trial succeeding with p.

    Parameters
    ----------
    k, p : float or NDArray
        Number of successes and success probability.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.negative_binomial(3, 0.4, shape=5).shape
    (5,)
    """
    return _draw("negative_binomial", {"k": k, "p": p}, shape, dtype, ctx, out, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, ctx=None, out=None,
                                  **kwargs):
    """Draws from the generalized negative binomial distribution: mean mu, variance
    mu + alpha * mu^2.

    Parameters
    ----------
    mu, alpha : float or NDArray
        Mean and dispersion.
    shape : int or tuple of ints, optional
        With number parameters: the output shape (default (1,)); with NDArray parameters: the
        samples drawn per parameter element (output shape param.shape + shape).
    dtype : {'float16', 'float32', 'float64'}, optional
        Default 'float32'.
    ctx : Context, optional
        Device of the output when the parameters are numbers.
    out : NDArray, optional
        Where to write the samples.

    Returns
    -------
    NDArray

    Example
    -------
    >>> mx.nd.random.generalized_negative_binomial(2.0, 0.3, shape=5).shape
    (5,)
    """
    return _draw("generalized_negative_binomial", {"mu": mu, "alpha": alpha}, shape, dtype, ctx,
                 out, kwargs)


def multinomial(data, shape=None, get_prob=False, out=None, dtype="int32", **kwargs):
    """Draws outcome indices from the distributions along the last axis of `data`.

    Parameters
    ----------
    data : NDArray
        Probabilities (summing to 1 along the last axis).
    shape : int or tuple of ints, optional
        Draws per distribution; none: one draw each.
    get_prob : bool
        Also return the log-probability of each draw (differentiable with respect to data).
    dtype : str
        Type of the indices, 'int32' by default.

    Returns
    -------
    NDArray, or (NDArray, NDArray) with get_prob

    Example
    -------
    >>> probs = mx.nd.array([[0, 0.1, 0.2, 0.3, 0.4], [0.4, 0.3, 0.2, 0.1, 0]])
    >>> mx.nd.random.multinomial(probs, shape=2).shape
    (2, 2)
    """
    op = _OPS["_sample_multinomial"]
    attrs = op.parse_attrs(dict(shape=_shape(shape), get_prob=get_prob, dtype=dtype, **kwargs))
    return invoke(op, [data], attrs, out)


def shuffle(data, **kwargs):
    """data with its first axis randomly permuted (a new array)."""
    return invoke(_OPS["_shuffle"], [data], {}, kwargs.get("out"))


def randint(low, high, shape=None, dtype=None, ctx=None, out=None, **kwargs):
    """Draws integers uniformly from [low, high) ('int32' by default)."""
    op = _OPS["_random_randint"]
    attrs = op.parse_attrs(dict(low=low, high=high, shape=_shape(shape) or (1,),
                                dtype=dtype or "int32", **kwargs))
    attrs["ctx"] = ctx or (out.context if out is not None else current_context())
    return invoke(op, [], attrs, out)


def _like(name):
    """`<name>_like`: the generated function of operator `_random_<name>_like`, as MXNet's (its
    parameters are the operator's: `exponential_like(data, lam=4.0)` has mean 1/4)."""
    from .register import make_nd_function
    return make_nd_function(_OPS["_random_%s_like" % name], name + "_like")


uniform_like = _like("uniform")
normal_like = _like("normal")
exponential_like = _like("exponential")
gamma_like = _like("gamma")
poisson_like = _like("poisson")
negative_binomial_like = _like("negative_binomial")
generalized_negative_binomial_like = _like("generalized_negative_binomial")
