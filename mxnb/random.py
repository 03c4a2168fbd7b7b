"""`mx.random`: seeding and the samplers of `mx.nd.random`."""
import numbers

from . import backend
from .base import InvalidArgumentError
from .ndarray.random import (uniform, normal, randn, randint, shuffle, exponential, gamma,  # noqa: F401
                             poisson, negative_binomial, generalized_negative_binomial,
                             multinomial)

_SEED_RANGE = 1 << 32       # MXNet passes the seed to its engine as a C int


def seed(seed_state, ctx="all"):
    """Seeds the random generators of every context, or only those of `ctx`.

    Parameters
    ----------
    seed_state : int
        The seed, any Python int: as MXNet's C int, seeds that differ by a multiple of 2**32
        seed the same stream (-1 and 2**32 - 1 alike); negative seeds are fine.
    ctx : Context or 'all'
        The device whose generator is seeded (cpu: NumPy's; gpu(i): CuPy's).

    Raises
    ------
    ValueError
        (an MXNetError too) when `seed_state` is not an integer.

    Example
    -------
    >>> mx.random.seed(128)
    >>> mx.random.seed(-5, ctx=mx.cpu())
    """
    if not isinstance(seed_state, numbers.Integral):
        raise InvalidArgumentError("random.seed: seed_state must be int, found %s"
                                   % type(seed_state).__name__)
    backend.seed(int(seed_state) % _SEED_RANGE, None if ctx == "all" else ctx)
