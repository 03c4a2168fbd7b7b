"""Random samplers: _random_uniform / _random_normal / _random_randint (shape from attributes) and
sample_uniform / sample_normal (one distribution per element of the parameter arrays).

`rng` is a numpy Generator on cpu or cupy.random on gpu; only calls both share are used.
"""
import numpy as np

from ..backend import to_host
from .params import Float, Int, Shape, Ctx, DType
from .registry import operator

_FLOAT = {"shape": Shape((), low=0), "ctx": Ctx(), "dtype": DType("float32")}


def _attr_shape(attrs, in_shapes):
    return in_shapes, [tuple(attrs["shape"])]


def _attr_dtype(attrs, in_types):
    return in_types, [attrs["dtype"]]


@operator("_random_uniform", params=dict({"low": Float(0.0), "high": Float(1.0)}, **_FLOAT),
          inputs=(), aliases=("uniform", "random_uniform"), needs_rng=True, hint="uniform", differentiable=False)
class RandomUniform:
    """Samples from the uniform distribution on [low, high)."""
    def check_attrs(attrs):
        if attrs["low"] > attrs["high"]:
            return "low %r must not exceed high %r" % (attrs["low"], attrs["high"])
        return None

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return rng.uniform(attrs["low"], attrs["high"], attrs["shape"]).astype(attrs["dtype"])
    infer_shape = _attr_shape
    infer_type = _attr_dtype


@operator("_random_normal", params=dict({"loc": Float(0.0), "scale": Float(1.0, low=0.0)}, **_FLOAT),
          inputs=(), aliases=("normal", "random_normal"), needs_rng=True, hint="normal", differentiable=False)
class RandomNormal:
    """Samples from the normal distribution N(loc, scale^2)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        return rng.normal(attrs["loc"], attrs["scale"], attrs["shape"]).astype(attrs["dtype"])
    infer_shape = _attr_shape
    infer_type = _attr_dtype


@operator("_random_randint", params={"low": Int(), "high": Int(), "shape": Shape((), low=0), "ctx": Ctx(),
                                     "dtype": DType("int32")},
          inputs=(), aliases=("random_randint",), needs_rng=True, hint="randint", differentiable=False)
class RandomRandint:
    """Samples integers uniformly from [low, high)."""
    def check_attrs(attrs):
        if attrs["low"] >= attrs["high"]:
            return "low %r must be smaller than high %r" % (attrs["low"], attrs["high"])
        return None

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        # numpy's Generator calls it `integers`, cupy.random `randint`.
        draw = getattr(rng, "integers", None) or rng.randint
        return xp.asarray(draw(attrs["low"], attrs["high"], attrs["shape"])).astype(attrs["dtype"])
    infer_shape = _attr_shape
    infer_type = _attr_dtype


# --- per-element parameters ----------------------------------------------------------------------
_SAMPLE = {"shape": Shape((), low=0), "dtype": DType("float32")}


def _sample_shape(attrs, in_shapes):
    a, b = in_shapes
    known = a if a is not None else b
    if known is None:
        return in_shapes, [None]
    return [known, known], [tuple(known) + tuple(attrs["shape"])]


def _per_element(param, attrs):
    """param reshaped so that it broadcasts over the trailing `shape` sample dims."""
    return param.reshape(param.shape + (1,) * len(attrs["shape"]))


@operator("_sample_uniform", params=_SAMPLE, inputs=("low", "high"), aliases=("sample_uniform",),
          needs_rng=True, hint="sample_uniform", differentiable=False)
class SampleUniform:
    """For each (low, high) pair, `shape` samples from uniform [low, high)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        low, high = inputs
        unit = rng.uniform(0.0, 1.0, tuple(low.shape) + tuple(attrs["shape"]))
        low, high = _per_element(low, attrs), _per_element(high, attrs)
        return (low + (high - low) * unit).astype(attrs["dtype"])
    infer_shape = _sample_shape
    infer_type = _attr_dtype


@operator("_sample_normal", params=_SAMPLE, inputs=("mu", "sigma"), aliases=("sample_normal",),
          needs_rng=True, hint="sample_normal", differentiable=False)
class SampleNormal:
    """For each (mu, sigma) pair, `shape` samples from N(mu, sigma^2)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        mu, sigma = inputs
        unit = rng.normal(0.0, 1.0, tuple(mu.shape) + tuple(attrs["shape"]))
        return (_per_element(mu, attrs) + _per_element(sigma, attrs) * unit).astype(attrs["dtype"])
    infer_shape = _sample_shape
    infer_type = _attr_dtype


# --- unique draws from the log-uniform (Zipfian) distribution (sampled softmax) -------------------
def _unique_log_uniform(rng, range_max, count):
    """`count` distinct classes of [0, range_max) drawn from the log-uniform distribution, in
    the order first drawn, and how many draws that took. One draw is
    round(exp(u * log(range_max))) - 1 for u uniform in [0, 1) (what MXNet's kernel draws:
    class c has probability log((c + 1.5) / (c + 0.5)) / log(range_max), the ends halved)."""
    log_range = np.log(range_max)
    drawn = np.empty((0,), np.int64)
    chunk = max(2 * count, 16)
    while True:
        u = to_host(rng.uniform(0.0, 1.0, chunk))     # cupy.random draws on the device
        values = np.floor(np.exp(u * log_range) + 0.5).astype(np.int64) - 1
        drawn = np.concatenate([drawn, values])
        _, first = np.unique(drawn, return_index=True)
        if first.size >= count:
            order = np.sort(first)[:count]
            return drawn[order], int(order[-1]) + 1
        chunk *= 2


@operator("_sample_unique_zipfian", params={
    "range_max": Int(low=1, doc="The number of possible classes."),
    "shape": Shape((), doc="(batch_size, num_sampled): the output's 2-D shape.")},
    inputs=(), outputs=("output0", "output1"), needs_rng=True,
    hint="sample_unique_zipfian", differentiable=False)
class SampleUniqueZipfian:
    """For each of shape[0] rows, shape[1] distinct classes of [0, range_max) drawn without
    replacement from an approximately log-uniform (Zipfian) distribution, lower classes more
    often; also the number of draws each row took (int64, as both outputs)."""
    def check_attrs(attrs):
        shape = tuple(attrs["shape"])
        if len(shape) != 2:
            return "shape must be 2-D (batch_size, num_sampled), found %s" % (shape,)
        if shape[1] > attrs["range_max"]:
            return ("num_sampled %d cannot exceed the number of possible classes range_max %d"
                    % (shape[1], attrs["range_max"]))
        return None

    def compute(xp, inputs, attrs, is_train=False, rng=None):
        batch, count = attrs["shape"]
        samples = np.empty((batch, count), np.int64)
        trials = np.empty((batch,), np.int64)
        for row in range(batch):
            samples[row], trials[row] = _unique_log_uniform(rng, attrs["range_max"], count)
        return [xp.asarray(samples), xp.asarray(trials)]

    def infer_shape(attrs, in_shapes):
        shape = tuple(attrs["shape"])
        return in_shapes, [shape, shape[:1]]

    def infer_type(attrs, in_types):
        return in_types, [np.dtype(np.int64), np.dtype(np.int64)]
