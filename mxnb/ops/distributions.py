"""The rest of MXNet 1.9.1's samplers: exponential, gamma, poisson, negative_binomial and
generalized_negative_binomial (as `_random_*` with scalar parameters, `_sample_*` with parameter
arrays and `_random_*_like` shaped like an input), `_sample_multinomial` (with the log-likelihood
of its draws and that output's gradient) and `_shuffle`.

`rng` is a numpy Generator on cpu or cupy.random on gpu; only calls both provide are used. As
MXNet, the negative binomials are drawn as Poisson(Gamma(...)) mixtures.
"""
from .params import Float, Shape, Ctx, DType, Bool
from .registry import operator


def _gamma(rng, shape, scale, size):
    return rng.gamma(shape, scale, size)


def _neg_binomial(xp, rng, k, p, size):
    """Failures before the k-th success with success probability p."""
    return rng.poisson(_gamma(rng, k, (1 - p) / p, size))


def _gen_neg_binomial(xp, rng, mu, alpha, size):
    """Mean mu, variance mu + alpha * mu^2; alpha = 0 is Poisson(mu)."""
    alpha = xp.asarray(alpha, dtype="float64")
    mu = xp.asarray(mu, dtype="float64")
    safe = xp.where(alpha > 0, alpha, 1.0)
    rate = xp.where(alpha > 0, _gamma(rng, 1.0 / safe, mu * safe, size), xp.broadcast_to(mu, size))
    return rng.poisson(rate)


# name: (parameter names with defaults, draw(xp, rng, params, size))
_DISTRIBUTIONS = {
    "exponential": ((("lam", 1.0),), lambda xp, rng, p, size: rng.exponential(1.0 / p[0], size)),
    "gamma": ((("alpha", 1.0), ("beta", 1.0)), lambda xp, rng, p, size: _gamma(rng, p[0], p[1], size)),
    "poisson": ((("lam", 1.0),), lambda xp, rng, p, size: rng.poisson(p[0], size)),
    "negative_binomial": ((("k", 1), ("p", 1.0)),
                          lambda xp, rng, p, size: _neg_binomial(xp, rng, p[0], p[1], size)),
    "generalized_negative_binomial": ((("mu", 1.0), ("alpha", 1.0)),
                                      lambda xp, rng, p, size: _gen_neg_binomial(xp, rng, p[0], p[1], size)),
}
_DOCS = {
    "exponential": "the exponential distribution with rate lam",
    "gamma": "the gamma distribution with shape alpha and scale beta",
    "poisson": "the Poisson distribution with mean lam",
    "negative_binomial": "the negative binomial distribution (failures before k successes of "
                         "probability p)",
    "generalized_negative_binomial": "the generalized negative binomial distribution (mean mu, "
                                     "dispersion alpha)",
}


def _attr_shape(attrs, in_shapes):
    return in_shapes, [tuple(attrs["shape"])]


def _attr_dtype(attrs, in_types):
    return in_types, [attrs["dtype"]]


def _like_shape(attrs, in_shapes):
    return in_shapes, [in_shapes[0]]


def _like_dtype(attrs, in_types):
    return in_types, [in_types[0]]


def _sample_shape(attrs, in_shapes):
    known = next((s for s in in_shapes if s is not None), None)
    if known is None:
        return in_shapes, [None]
    return [known] * len(in_shapes), [tuple(known) + tuple(attrs["shape"])]


def _scalar_sampler(name, params, draw):
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        values = [attrs[p] for p, _ in params]
        return xp.asarray(draw(xp, rng, values, tuple(attrs["shape"]))).astype(attrs["dtype"])
    return compute


def _like_sampler(params, draw):
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        data = inputs[0]
        values = [attrs[p] for p, _ in params]
        return xp.asarray(draw(xp, rng, values, data.shape)).astype(data.dtype)
    return compute


def _array_sampler(params, draw):
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        extra = (1,) * len(attrs["shape"])
        values = [a.astype("float64").reshape(a.shape + extra) for a in inputs]
        size = tuple(inputs[0].shape) + tuple(attrs["shape"])
        return xp.asarray(draw(xp, rng, values, size)).astype(attrs["dtype"])
    return compute


def _register(name, params, draw):
    doc = _DOCS[name]
    scalar_params = {p: Float(default) for p, default in params}
    scalar_params.update({"shape": Shape(()), "ctx": Ctx(), "dtype": DType("float32")})
    impl = type("Random_" + name, (), {
        "__doc__": "Samples from %s, shape `shape`." % doc,
        "compute": staticmethod(_scalar_sampler(name, params, draw)),
        "infer_shape": staticmethod(_attr_shape), "infer_type": staticmethod(_attr_dtype)})
    operator("_random_" + name, params=scalar_params, inputs=(), needs_rng=True,
             aliases=("random_" + name,), hint=name, differentiable=False)(impl)

    like = type("RandomLike_" + name, (), {
        "__doc__": "Samples from %s, shaped like data." % doc,
        "compute": staticmethod(_like_sampler(params, draw)),
        "infer_shape": staticmethod(_like_shape), "infer_type": staticmethod(_like_dtype)})
    operator("_random_%s_like" % name, params={p: Float(default) for p, default in params},
             needs_rng=True, hint=name + "_like", differentiable=False)(like)

    per_element = type("Sample_" + name, (), {
        "__doc__": "For each element of the parameter arrays, `shape` samples from %s." % doc,
        "compute": staticmethod(_array_sampler(params, draw)),
        "infer_shape": staticmethod(_sample_shape), "infer_type": staticmethod(_attr_dtype)})
    operator("_sample_" + name, params={"shape": Shape(()), "dtype": DType("float32")},
             inputs=tuple(p for p, _ in params), needs_rng=True, aliases=("sample_" + name,),
             hint="sample_" + name, differentiable=False)(per_element)


for _name, (_params, _draw) in _DISTRIBUTIONS.items():
    _register(_name, _params, _draw)


# --- uniform and normal shaped like an input (their scalar and array forms are in random.py) -------
@operator("_random_uniform_like", params={"low": Float(0.0), "high": Float(1.0)}, needs_rng=True,
          hint="uniform_like", differentiable=False)
class RandomUniformLike:
    """Samples from uniform [low, high), shaped like data."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        data = inputs[0]
        return xp.asarray(rng.uniform(attrs["low"], attrs["high"], data.shape)).astype(data.dtype)
    infer_shape = _like_shape
    infer_type = _like_dtype


@operator("_random_normal_like", params={"loc": Float(0.0), "scale": Float(1.0)}, needs_rng=True,
          hint="normal_like", differentiable=False)
class RandomNormalLike:
    """Samples from N(loc, scale^2), shaped like data."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        data = inputs[0]
        return xp.asarray(rng.normal(attrs["loc"], attrs["scale"], data.shape)).astype(data.dtype)
    infer_shape = _like_shape
    infer_type = _like_dtype


# --- multinomial ------------------------------------------------------------------------------
def _multinomial_outputs(attrs):
    return ("output", "prob") if attrs["get_prob"] else ("output",)


@operator("_sample_multinomial", params={"shape": Shape(()), "get_prob": Bool(False),
                                         "dtype": DType("int32")},
          outputs=_multinomial_outputs, needs_rng=True, aliases=("sample_multinomial",),
          hint="multinomial")
class SampleMultinomial:
    """For each distribution along the last axis of data (probabilities summing to 1), `shape`
    draws of an outcome index; with get_prob, also the log-probability of each draw, whose
    gradient reaches data (the score-function estimator of reinforcement learning)."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        probs = inputs[0]
        k = probs.shape[-1]
        batch = probs.shape[:-1]
        sample = tuple(attrs["shape"])
        flat = probs.reshape(-1, k).astype("float64")
        cdf = xp.cumsum(flat, axis=-1)
        count = 1
        for d in sample:
            count *= d
        u = xp.asarray(rng.uniform(0.0, 1.0, (flat.shape[0], count))) * cdf[:, -1:]
        index = (cdf[:, None, :] <= u[:, :, None]).sum(axis=-1)
        index = xp.minimum(index, k - 1)
        out = index.reshape(_draws_shape(batch, sample))
        if not attrs["get_prob"]:
            return [out.astype(attrs["dtype"])]   # a list: the output count depends on get_prob
        logp = xp.log(xp.take_along_axis(flat, index, axis=1)).reshape(out.shape)
        return [out.astype(attrs["dtype"]), logp.astype(probs.dtype)]

    def infer_shape(attrs, in_shapes):
        data = in_shapes[0]
        if data is None:
            return in_shapes, [None] * (2 if attrs["get_prob"] else 1)
        out = _draws_shape(tuple(data[:-1]), tuple(attrs["shape"]))
        return in_shapes, [out] * (2 if attrs["get_prob"] else 1)

    def infer_type(attrs, in_types):
        return in_types, [attrs["dtype"]] + ([in_types[0]] if attrs["get_prob"] else [])

    def gradient(F, attrs, inputs, outputs, out_grads):
        if not attrs["get_prob"]:
            return [None]
        return [F._backward_sample_multinomial(out_grads[1], inputs[0], outputs[0],
                                               shape=attrs["shape"])]


def _draws_shape(batch, sample):
    """The draws' shape: batch + sample, and (1,) for one distribution drawn once (MXNet gives
    1-D data's single draw shape (1,), not a scalar)."""
    return batch + sample or (1,)


@operator("_backward_sample_multinomial", params={"shape": Shape(())},
          inputs=("ograd", "data", "sample"))
class BackwardSampleMultinomial:
    """d log p[sample] / d p = 1 / p[sample] at the drawn outcome: each draw's ograd / p added
    to its outcome's probability."""
    def compute(xp, inputs, attrs):
        og, probs, sample = inputs
        k = probs.shape[-1]
        flat = probs.reshape(-1, k)
        rows = flat.shape[0]
        draws = sample.reshape(rows, -1).astype("int64")
        weights = og.reshape(rows, -1) / xp.take_along_axis(flat, draws, axis=1)
        index = draws + (xp.arange(rows) * k)[:, None]
        grad = xp.bincount(index.reshape(-1), weights=weights.reshape(-1).astype("float64"),
                           minlength=rows * k)
        return grad.reshape(probs.shape).astype(probs.dtype)

    def infer_shape(attrs, in_shapes):
        return in_shapes, [in_shapes[1]]

    def infer_type(attrs, in_types):
        return in_types, [in_types[1]]


@operator("_shuffle", aliases=("shuffle",), needs_rng=True, hint="shuffle", differentiable=False)
class Shuffle:
    """data with its first axis randomly permuted."""
    def compute(xp, inputs, attrs, is_train=False, rng=None):
        data = inputs[0]
        return data[xp.asarray(rng.permutation(data.shape[0]))]
