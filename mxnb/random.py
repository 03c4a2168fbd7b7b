"""`mx.random`: seeding and the samplers of `mx.nd.random`."""
from . import backend
from .ndarray.random import uniform, normal, randn, randint, shuffle  # noqa: F401


def seed(seed_state, ctx="all"):
    """Seeds the generators of every context (or only `ctx`), as `mx.random.seed` does."""
    backend.seed(int(seed_state), None if ctx == "all" else ctx)
