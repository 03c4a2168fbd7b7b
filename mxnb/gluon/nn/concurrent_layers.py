"""Branching containers and the identity layer (MXNet 1.x `gluon.contrib.nn.basic_layers`).

`Concurrent` / `HybridConcurrent` feed one input to every child and concatenate the children's
outputs along `axis`: the building block of Inception modules, SqueezeNet's fire modules and
DenseNet's dense layers (`HybridConcurrent(Identity(), branch)` keeps the input next to the new
features). MXNet 1.9.1 exposes them from `gluon.contrib.nn`; they are also reachable from
`gluon.nn`, where MXNet 2 moved them.
"""
from ..block import HybridBlock
from .basic_layers import Sequential, HybridSequential

__all__ = ["Concurrent", "HybridConcurrent", "Identity"]


class Concurrent(Sequential):
    """Runs every child on the same input and concatenates their outputs along `axis`.

    Parameters
    ----------
    axis : int, default -1
        The axis along which the children's outputs are concatenated.
    prefix, params : see `Block`.

    Example
    -------
    >>> net = Concurrent(axis=1)
    >>> with net.name_scope():
    ...     net.add(nn.Dense(10, activation='relu'))
    ...     net.add(nn.Dense(20))
    ...     net.add(Identity())
    """

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def forward(self, x):
        from ... import ndarray as nd
        outputs = [block(x) for block in self._children.values()]
        return nd.concat(*outputs, dim=self.axis)


class HybridConcurrent(HybridSequential):
    """The hybridizable `Concurrent`: children are HybridBlocks, outputs joined with `F.concat`.

    Parameters
    ----------
    axis : int, default -1
        The axis along which the children's outputs are concatenated.
    prefix, params : see `Block`.

    Example
    -------
    >>> net = HybridConcurrent(axis=1)
    >>> with net.name_scope():
    ...     net.add(nn.Conv2D(4, 1))
    ...     net.add(nn.Conv2D(8, 3, padding=1))
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 3, 5, 5))).shape
    (1, 12, 5, 5)
    """

    def __init__(self, axis=-1, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)
        self.axis = axis

    def hybrid_forward(self, F, x):
        outputs = [block(x) for block in self._children.values()]
        return F.concat(*outputs, dim=self.axis)


class Identity(HybridBlock):
    """Returns its input unchanged (a branch that keeps the input in a `HybridConcurrent`).

    Parameters
    ----------
    prefix : str, default None
        Prefix of this block's name and of its parameters' names; chosen automatically when None.
    params : ParameterDict, default None
        A ParameterDict whose parameters this block shares; a fresh one is made when None.

    Example
    -------
    >>> Identity()(mx.nd.ones((2, 3))).shape
    (2, 3)
    """

    def __init__(self, prefix=None, params=None):
        super().__init__(prefix=prefix, params=params)

    def hybrid_forward(self, F, x):
        return x

