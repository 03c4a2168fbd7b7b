"""`mx.sym.random`: the samplers of `mx.nd.random` as symbols (numbers: `_random_*` nodes;
Symbols as parameters: `_sample_*` nodes with one distribution per element)."""
import numbers

from ..base import MXNetError
from ..ndarray.random import _shape   # `shape` read as by mx.nd.random's samplers
from ..ops import registry
from . import _functions
from .register import make_sym_function
from .symbol import Symbol

__all__ = ["uniform", "normal", "randn", "exponential", "gamma", "poisson", "negative_binomial",
           "generalized_negative_binomial", "multinomial", "shuffle", "randint", "uniform_like",
           "normal_like", "exponential_like", "gamma_like", "poisson_like",
           "negative_binomial_like", "generalized_negative_binomial_like"]


def _draw(name, params, shape, dtype, kwargs, sample_names=None):
    values = list(params.values())
    if all(isinstance(v, numbers.Number) for v in values):
        return _functions["_random_" + name](shape=_shape(shape) or (1,), dtype=dtype or "float32",
                                             **dict(params, **kwargs))
    if all(isinstance(v, Symbol) for v in values):
        names = sample_names or list(params)
        return _functions["_sample_" + name](shape=_shape(shape), dtype=dtype or "float32",
                                             **dict(zip(names, values)), **kwargs)
    raise MXNetError("sym.random.%s: the distribution parameters %s must be all numbers or all "
                     "Symbols" % (name, list(params)))


def uniform(low=0, high=1, shape=None, dtype=None, **kwargs):
    """Symbol drawing from uniform [low, high) (see `mx.nd.random.uniform`)."""
    return _draw("uniform", {"low": low, "high": high}, shape, dtype, kwargs)


def normal(loc=0, scale=1, shape=None, dtype=None, **kwargs):
    """Symbol drawing from N(loc, scale^2) (see `mx.nd.random.normal`)."""
    return _draw("normal", {"loc": loc, "scale": scale}, shape, dtype, kwargs, ["mu", "sigma"])


def randn(*shape, loc=0, scale=1, dtype=None, **kwargs):
    return normal(loc, scale, shape, dtype, **kwargs)


def exponential(scale=1, shape=None, dtype=None, **kwargs):
    """Symbol drawing from the exponential distribution with mean scale."""
    lam = 1.0 / scale if isinstance(scale, numbers.Number) else 1.0 / scale
    return _draw("exponential", {"lam": lam}, shape, dtype, kwargs)


def gamma(alpha=1, beta=1, shape=None, dtype=None, **kwargs):
    return _draw("gamma", {"alpha": alpha, "beta": beta}, shape, dtype, kwargs)


def poisson(lam=1, shape=None, dtype=None, **kwargs):
    return _draw("poisson", {"lam": lam}, shape, dtype, kwargs)


def negative_binomial(k=1, p=1, shape=None, dtype=None, **kwargs):
    return _draw("negative_binomial", {"k": k, "p": p}, shape, dtype, kwargs)


def generalized_negative_binomial(mu=1, alpha=1, shape=None, dtype=None, **kwargs):
    return _draw("generalized_negative_binomial", {"mu": mu, "alpha": alpha}, shape, dtype, kwargs)


def multinomial(data, shape=None, get_prob=False, dtype="int32", **kwargs):
    """Symbol drawing outcome indices from the distributions along data's last axis."""
    return _functions["_sample_multinomial"](data, shape=_shape(shape), get_prob=get_prob,
                                             dtype=dtype, **kwargs)


def shuffle(data, **kwargs):
    return _functions["_shuffle"](data, **kwargs)


def randint(low, high, shape=None, dtype=None, **kwargs):
    return _functions["_random_randint"](low=low, high=high, shape=_shape(shape) or (1,),
                                         dtype=dtype or "int32", **kwargs)


def _like(name):
    """`<name>_like`: operator `_random_<name>_like` (samples shaped like its input; the
    parameters are the operator's, as MXNet's), its nodes named `<name>_like0`, ... as MXNet's."""
    return make_sym_function(registry.get("_random_%s_like" % name), name + "_like")


uniform_like = _like("uniform")
normal_like = _like("normal")
exponential_like = _like("exponential")
gamma_like = _like("gamma")
poisson_like = _like("poisson")
negative_binomial_like = _like("negative_binomial")
generalized_negative_binomial_like = _like("generalized_negative_binomial")
