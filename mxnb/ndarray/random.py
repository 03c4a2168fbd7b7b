"""`mx.nd.random`: samplers backed by the registry's random operators."""
from .. import backend
from ..context import current_context
from ..ops import registry
from .ndarray import invoke, _wrap

_UNIFORM, _NORMAL, _RANDINT = (registry.get(name) for name in
                               ("_random_uniform", "_random_normal", "_random_randint"))


def _sample(op, shape, ctx, dtype, out, **params):
    shape = (shape,) if isinstance(shape, int) else tuple(shape if shape is not None else (1,))
    attrs = op.parse_attrs(dict(params, shape=shape, dtype=dtype or "float32"))
    attrs["ctx"] = ctx or (out.context if out is not None else current_context())
    return invoke(op, [], attrs, out)


def uniform(low=0, high=1, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample(_UNIFORM, shape, ctx, dtype, out, low=low, high=high)


def normal(loc=0, scale=1, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample(_NORMAL, shape, ctx, dtype, out, loc=loc, scale=scale)


def randn(*shape, loc=0, scale=1, dtype=None, ctx=None, out=None):
    return normal(loc, scale, shape, dtype, ctx, out)


def randint(low, high, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample(_RANDINT, shape, ctx, dtype or "int32", out, low=low, high=high)


def shuffle(data, **kwargs):
    perm = backend.rng(data.context).permutation(data.shape[0])
    return _wrap(data._data[perm], data.context)
