"""DenseNet 121/161/169/201 (Huang et al. 2016), as MXNet 1.9.1's model zoo."""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ...nn.concurrent_layers import HybridConcurrent, Identity
from ..model_store import load_pretrained

__all__ = ["DenseNet", "densenet121", "densenet161", "densenet169", "densenet201"]

# num_layers -> (initial features, growth rate, dense layers per block)
densenet_spec = {121: (64, 32, [6, 12, 24, 16]),
                 161: (96, 48, [6, 12, 36, 24]),
                 169: (64, 32, [6, 12, 32, 32]),
                 201: (64, 32, [6, 12, 48, 32])}


def _dense_layer(growth_rate, bn_size, dropout):
    """BN-ReLU-1x1 conv-BN-ReLU-3x3 conv, concatenated to its own input."""
    new_features = nn.HybridSequential(prefix="")
    for channels, kernel, pad in ((bn_size * growth_rate, 1, 0), (growth_rate, 3, 1)):
        new_features.add(nn.BatchNorm())
        new_features.add(nn.Activation("relu"))
        new_features.add(nn.Conv2D(channels, kernel_size=kernel, padding=pad, use_bias=False))
    if dropout:
        new_features.add(nn.Dropout(dropout))
    out = HybridConcurrent(axis=1, prefix="")
    out.add(Identity())
    out.add(new_features)
    return out


def _dense_block(num_layers, bn_size, growth_rate, dropout, stage_index):
    out = nn.HybridSequential(prefix="stage%d_" % stage_index)
    with out.name_scope():
        for _ in range(num_layers):
            out.add(_dense_layer(growth_rate, bn_size, dropout))
    return out


def _transition(num_output_features):
    out = nn.HybridSequential(prefix="")
    out.add(nn.BatchNorm())
    out.add(nn.Activation("relu"))
    out.add(nn.Conv2D(num_output_features, kernel_size=1, use_bias=False))
    out.add(nn.AvgPool2D(pool_size=2, strides=2))
    return out


class DenseNet(HybridBlock):
    r"""DenseNet from "Densely Connected Convolutional Networks" <https://arxiv.org/abs/1608.06993>.

    Parameters
    ----------
    num_init_features : int
        Channels of the first convolution.
    growth_rate : int
        Channels each dense layer adds.
    block_config : list of int
        Dense layers in each block.
    bn_size : int, default 4
        Bottleneck width factor (the 1x1 convolution has `bn_size * growth_rate` channels).
    dropout : float, default 0
        Dropout after each dense layer.
    classes : int, default 1000
        Number of classes of the output layer.

    Example
    -------
    >>> net = DenseNet(64, 32, [6, 12, 24, 16], classes=10)
    """

    def __init__(self, num_init_features, growth_rate, block_config, bn_size=4, dropout=0,
                 classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            self.features.add(nn.Conv2D(num_init_features, kernel_size=7, strides=2, padding=3,
                                        use_bias=False))
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.MaxPool2D(pool_size=3, strides=2, padding=1))
            num_features = num_init_features
            for i, num_layers in enumerate(block_config):
                self.features.add(_dense_block(num_layers, bn_size, growth_rate, dropout, i + 1))
                num_features += num_layers * growth_rate
                if i != len(block_config) - 1:
                    num_features //= 2
                    self.features.add(_transition(num_features))
            self.features.add(nn.BatchNorm())
            self.features.add(nn.Activation("relu"))
            self.features.add(nn.AvgPool2D(pool_size=7))
            self.features.add(nn.Flatten())
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def get_densenet(num_layers, pretrained=False, ctx=cpu(), root=None, **kwargs):
    r"""A DenseNet of `num_layers` (121, 161, 169 or 201) layers.

    Parameters
    ----------
    num_layers : int
        121, 161, 169 or 201.
    pretrained : bool, default False
        Load the published ImageNet weights (from `root`).
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.

    Returns
    -------
    DenseNet

    Example
    -------
    >>> net = get_densenet(121, classes=10)
    """
    num_init_features, growth_rate, block_config = densenet_spec[num_layers]
    net = DenseNet(num_init_features, growth_rate, block_config, **kwargs)
    if pretrained:
        load_pretrained(net, "densenet%d" % num_layers, ctx, root)
    return net


def _constructor(num_layers):
    def constructor(**kwargs):
        return get_densenet(num_layers, **kwargs)
    constructor.__name__ = constructor.__qualname__ = "densenet%d" % num_layers
    constructor.__doc__ = (
        r"""DenseNet-%d; see `get_densenet` for the arguments.

    Example
    -------
    >>> net = densenet%d(classes=10)
    """ % (num_layers, num_layers))
    return constructor


densenet121 = _constructor(121)
densenet161 = _constructor(161)
densenet169 = _constructor(169)
densenet201 = _constructor(201)
