"""Contributed samplers (MXNet 1.x `gluon.contrib.data.sampler`): `IntervalSampler` is
`gluon.data.sampler.IntervalSampler` (mxnb also offers it there)."""
from ...data.sampler import IntervalSampler

__all__ = ["IntervalSampler"]
