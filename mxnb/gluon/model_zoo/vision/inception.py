"""Inception v3 (Szegedy et al. 2015), as MXNet 1.9.1's model zoo (input 299x299)."""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ...nn.concurrent_layers import HybridConcurrent
from ..model_store import load_pretrained

__all__ = ["Inception3", "inception_v3"]


def _basic_conv(**kwargs):
    """Conv2D (no bias) - BatchNorm(eps=1e-3) - ReLU."""
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(use_bias=False, **kwargs))
    out.add(nn.BatchNorm(epsilon=0.001))
    out.add(nn.Activation("relu"))
    return out


def _branch(pool, *convs):
    """An optional pooling ('avg' 3x3/1, 'max' 3x3/2) followed by basic convolutions, each given
    as (channels, kernel_size, strides, padding) with None for the default."""
    out = nn.HybridSequential(prefix="")
    if pool == "avg":
        out.add(nn.AvgPool2D(pool_size=3, strides=1, padding=1))
    elif pool == "max":
        out.add(nn.MaxPool2D(pool_size=3, strides=2))
    for setting in convs:
        kwargs = {key: value for key, value in
                  zip(("channels", "kernel_size", "strides", "padding"), setting)
                  if value is not None}
        out.add(_basic_conv(**kwargs))
    return out


def _module(prefix, *branches):
    out = HybridConcurrent(axis=1, prefix=prefix)
    with out.name_scope():
        for branch in branches:
            out.add(branch() if callable(branch) else branch)
    return out


def _make_A(pool_features, prefix):
    return _module(prefix,
                   lambda: _branch(None, (64, 1, None, None)),
                   lambda: _branch(None, (48, 1, None, None), (64, 5, None, 2)),
                   lambda: _branch(None, (64, 1, None, None), (96, 3, None, 1), (96, 3, None, 1)),
                   lambda: _branch("avg", (pool_features, 1, None, None)))


def _make_B(prefix):
    return _module(prefix,
                   lambda: _branch(None, (384, 3, 2, None)),
                   lambda: _branch(None, (64, 1, None, None), (96, 3, None, 1), (96, 3, 2, None)),
                   lambda: _branch("max"))


def _make_C(c7, prefix):
    return _module(prefix,
                   lambda: _branch(None, (192, 1, None, None)),
                   lambda: _branch(None, (c7, 1, None, None), (c7, (1, 7), None, (0, 3)),
                                   (192, (7, 1), None, (3, 0))),
                   lambda: _branch(None, (c7, 1, None, None), (c7, (7, 1), None, (3, 0)),
                                   (c7, (1, 7), None, (0, 3)), (c7, (7, 1), None, (3, 0)),
                                   (192, (1, 7), None, (0, 3))),
                   lambda: _branch("avg", (192, 1, None, None)))


def _make_D(prefix):
    return _module(prefix,
                   lambda: _branch(None, (192, 1, None, None), (320, 3, 2, None)),
                   lambda: _branch(None, (192, 1, None, None), (192, (1, 7), None, (0, 3)),
                                   (192, (7, 1), None, (3, 0)), (192, 3, 2, None)),
                   lambda: _branch("max"))


def _split_3x3(first):
    """`first` convolutions, then 1x3 and 3x1 convolutions side by side."""
    out = nn.HybridSequential(prefix="")
    out.add(_branch(None, *first))
    split = HybridConcurrent(axis=1, prefix="")
    split.add(_branch(None, (384, (1, 3), None, (0, 1))))
    split.add(_branch(None, (384, (3, 1), None, (1, 0))))
    out.add(split)
    return out


def _make_E(prefix):
    return _module(prefix,
                   lambda: _branch(None, (320, 1, None, None)),
                   lambda: _split_3x3([(384, 1, None, None)]),
                   lambda: _split_3x3([(448, 1, None, None), (384, 3, None, 1)]),
                   lambda: _branch("avg", (192, 1, None, None)))


def make_aux(classes):
    """The auxiliary classifier head (not used by `Inception3`, kept for MXNet's API)."""
    out = nn.HybridSequential(prefix="")
    out.add(nn.AvgPool2D(pool_size=5, strides=3))
    out.add(_basic_conv(channels=128, kernel_size=1))
    out.add(_basic_conv(channels=768, kernel_size=5))
    out.add(nn.Flatten())
    out.add(nn.Dense(classes))
    return out


class Inception3(HybridBlock):
    r"""Inception v3 from "Rethinking the Inception Architecture for Computer Vision"
    <http://arxiv.org/abs/1512.00567>; expects 299x299 inputs.

    Parameters
    ----------
    classes : int, default 1000
        Number of classes of the output layer.

    Example
    -------
    >>> net = Inception3(classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 3, 299, 299))).shape
    (1, 10)
    """

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(_basic_conv(channels=32, kernel_size=3, strides=2))
            self.features.add(_basic_conv(channels=32, kernel_size=3))
            self.features.add(_basic_conv(channels=64, kernel_size=3, padding=1))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
            self.features.add(_basic_conv(channels=80, kernel_size=1))
            self.features.add(_basic_conv(channels=192, kernel_size=3))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
            self.features.add(_make_A(32, "A1_"))
            self.features.add(_make_A(64, "A2_"))
            self.features.add(_make_A(64, "A3_"))
            self.features.add(_make_B("B_"))
            self.features.add(_make_C(128, "C1_"))
            self.features.add(_make_C(160, "C2_"))
            self.features.add(_make_C(160, "C3_"))
            self.features.add(_make_C(192, "C4_"))
            self.features.add(_make_D("D_"))
            self.features.add(_make_E("E1_"))
            self.features.add(_make_E("E2_"))
            self.features.add(nn.AvgPool2D(pool_size=8))
            self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def inception_v3(pretrained=False, ctx=cpu(), root=None, **kwargs):
    r"""Inception v3 (299x299 inputs).

    Parameters
    ----------
    pretrained : bool, default False
        Load the published ImageNet weights (from `root`).
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.

    Returns
    -------
    Inception3

    Example
    -------
    >>> net = inception_v3(classes=10)
    """
    net = Inception3(**kwargs)
    if pretrained:
        load_pretrained(net, "inceptionv3", ctx, root)
    return net
