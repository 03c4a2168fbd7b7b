"""`mx.nd.random`: samplers backed by the registry's random operators."""
from ..context import current_context
from ..ops import registry
from .ndarray import invoke


def _sample(op_name, shape, ctx, dtype, out, **params):
    op = registry.get(op_name)
    shape = (shape,) if isinstance(shape, int) else tuple(shape if shape is not None else (1,))
    attrs = op.parse_attrs(dict(params, shape=shape, dtype=dtype or "float32"))
    attrs["ctx"] = ctx or (out.context if out is not None else current_context())
    return invoke(op, [], attrs, out)


def uniform(low=0, high=1, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample("_random_uniform", shape, ctx, dtype, out, low=low, high=high)


def normal(loc=0, scale=1, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample("_random_normal", shape, ctx, dtype, out, loc=loc, scale=scale)


def randn(*shape, loc=0, scale=1, dtype=None, ctx=None, out=None):
    return normal(loc, scale, shape, dtype, ctx, out)


def randint(low, high, shape=(1,), dtype=None, ctx=None, out=None, **kwargs):
    return _sample("_random_randint", shape, ctx, dtype or "int32", out, low=low, high=high)


def shuffle(data, **kwargs):
    from .. import backend
    from .ndarray import _wrap
    perm = backend.rng(data.context).permutation(data.shape[0])
    return _wrap(data._data[perm], data.context)
