"""SqueezeNet 1.0 and 1.1 (Iandola et al. 2016), as MXNet 1.9.1's model zoo."""
from ....base import MXNetError
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ...nn.concurrent_layers import HybridConcurrent
from ..model_store import load_pretrained

__all__ = ["SqueezeNet", "squeezenet1_0", "squeezenet1_1"]


def _conv_relu(channels, kernel_size, padding=0):
    out = nn.HybridSequential(prefix="")
    out.add(nn.Conv2D(channels, kernel_size, padding=padding))
    out.add(nn.Activation("relu"))
    return out


def _fire(squeeze, expand1x1, expand3x3):
    """A fire module: a 1x1 squeeze, then 1x1 and 3x3 expansions side by side."""
    out = nn.HybridSequential(prefix="")
    out.add(_conv_relu(squeeze, 1))
    expand = HybridConcurrent(axis=1, prefix="")
    expand.add(_conv_relu(expand1x1, 1))
    expand.add(_conv_relu(expand3x3, 3, 1))
    out.add(expand)
    return out


def _pool():
    return nn.MaxPool2D(pool_size=3, strides=2, ceil_mode=True)


# The feature stack after the first convolution: "pool" or a fire module's (squeeze, e1, e3).
_LAYOUT = {
    "1.0": ((96, 7), ["pool", (16, 64, 64), (16, 64, 64), (32, 128, 128), "pool",
                      (32, 128, 128), (48, 192, 192), (48, 192, 192), (64, 256, 256), "pool",
                      (64, 256, 256)]),
    "1.1": ((64, 3), ["pool", (16, 64, 64), (16, 64, 64), "pool", (32, 128, 128),
                      (32, 128, 128), "pool", (48, 192, 192), (48, 192, 192), (64, 256, 256),
                      (64, 256, 256)]),
}


class SqueezeNet(HybridBlock):
    r"""SqueezeNet from "SqueezeNet: AlexNet-level accuracy with 50x fewer parameters"
    <https://arxiv.org/abs/1602.07360>.

    Parameters
    ----------
    version : str
        '1.0' or '1.1'.
    classes : int, default 1000
        Number of classes of the output layer.

    Example
    -------
    >>> net = SqueezeNet('1.1', classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 3, 224, 224))).shape
    (1, 10)
    """

    def __init__(self, version, classes=1000, **kwargs):
        super().__init__(**kwargs)
        if version not in _LAYOUT:
            raise MXNetError("Unsupported SqueezeNet version {version}: 1.0 or 1.1 expected"
                             .format(version=version))
        (stem_channels, stem_kernel), stack = _LAYOUT[version]
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(stem_channels, kernel_size=stem_kernel, strides=2))
            self.features.add(nn.Activation("relu"))
            for item in stack:
                self.features.add(_pool() if item == "pool" else _fire(*item))
            self.features.add(nn.Dropout(0.5))
            self.output = nn.HybridSequential(prefix="")
            self.output.add(nn.Conv2D(classes, kernel_size=1))
            self.output.add(nn.Activation("relu"))
            self.output.add(nn.AvgPool2D(13))
            self.output.add(nn.Flatten())

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def get_squeezenet(version, pretrained=False, ctx=cpu(), root=None, **kwargs):
    r"""A SqueezeNet of `version` '1.0' or '1.1'.

    Parameters
    ----------
    version : str
        '1.0' or '1.1'.
    pretrained : bool, default False
        Load the published ImageNet weights (from `root`).
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.

    Returns
    -------
    SqueezeNet

    Example
    -------
    >>> net = get_squeezenet('1.1', classes=10)
    """
    net = SqueezeNet(version, **kwargs)
    if pretrained:
        load_pretrained(net, "squeezenet%s" % version, ctx, root)
    return net


def squeezenet1_0(**kwargs):
    r"""SqueezeNet 1.0; see `get_squeezenet` for the arguments.

    Example
    -------
    >>> net = squeezenet1_0(classes=10)
    """
    return get_squeezenet("1.0", **kwargs)


def squeezenet1_1(**kwargs):
    r"""SqueezeNet 1.1 (2.4x less computation than 1.0); see `get_squeezenet` for the arguments.

    Example
    -------
    >>> net = squeezenet1_1(classes=10)
    """
    return get_squeezenet("1.1", **kwargs)
