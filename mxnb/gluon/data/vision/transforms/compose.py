"""HybridCompose and RandomApply."""
import random

from .....base import MXNetError
from ....block import Block
from .basic import Compose

__all__ = ["HybridCompose", "RandomApply"]


class HybridCompose(Compose):
    """Applies transforms in order (MXNet 2's name for a Compose of hybridizable transforms;
    here any transforms are accepted).

    Parameters
    ----------
    transforms : list of callables

    Example
    -------
    >>> t = transforms.HybridCompose([transforms.ToTensor(), transforms.Normalize(0.5, 0.5)])
    """


class RandomApply(Block):
    """Applies `transforms` with probability `p`, else returns the input unchanged.

    Parameters
    ----------
    transforms : callable
    p : float, default 0.5

    Example
    -------
    >>> t = transforms.RandomApply(transforms.RandomBrightness(0.5), p=0.3)
    """

    def __init__(self, transforms, p=0.5):
        super().__init__(prefix="")
        if not callable(transforms):
            raise MXNetError("RandomApply expects a callable, found %s"
                             % type(transforms).__name__)
        self.transforms = transforms
        self.p = p

    def forward(self, x):
        if self.p < random.random():
            return x
        return self.transforms(x)
