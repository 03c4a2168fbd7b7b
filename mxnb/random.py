"""`mx.random`: seeding and the samplers of `mx.nd.random`."""
from . import backend
from .ndarray.random import (uniform, normal, randn, randint, shuffle, exponential, gamma,  # noqa: F401
                             poisson, negative_binomial, generalized_negative_binomial,
                             multinomial)


def seed(seed_state, ctx="all"):
    """Seeds the random generators of every context, or only those of `ctx`.

    Parameters
    ----------
    seed_state : int
        The seed.
    ctx : Context or 'all'
        The device whose generator is seeded (cpu: NumPy's; gpu(i): CuPy's).

    Example
    -------
    >>> mx.random.seed(128)
    >>> mx.random.seed(128, ctx=mx.cpu())
    """
    backend.seed(int(seed_state), None if ctx == "all" else ctx)
