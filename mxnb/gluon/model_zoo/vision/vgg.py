"""VGG 11/13/16/19, with and without batch normalisation (Simonyan & Zisserman 2014), as MXNet
1.9.1's model zoo."""
from ....context import cpu
from ....initializer import Xavier
from ...block import HybridBlock
from ... import nn
from ..model_store import load_pretrained

__all__ = ["VGG", "vgg11", "vgg13", "vgg16", "vgg19", "vgg11_bn", "vgg13_bn", "vgg16_bn",
           "vgg19_bn", "get_vgg"]

# num_layers -> (convolutions per stage, channels per stage)
vgg_spec = {11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
            13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
            16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
            19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512])}


class VGG(HybridBlock):
    r"""VGG from "Very Deep Convolutional Networks for Large-Scale Image Recognition"
    <https://arxiv.org/abs/1409.1556>.

    Parameters
    ----------
    layers : list of int
        Number of 3x3 convolutions in each stage.
    filters : list of int
        Channels of each stage.
    classes : int, default 1000
        Number of classes of the output layer.
    batch_norm : bool, default False
        Whether a BatchNorm follows each convolution.

    Example
    -------
    >>> net = VGG([1, 1, 2, 2, 2], [64, 128, 256, 512, 512], classes=10)
    """

    def __init__(self, layers, filters, classes=1000, batch_norm=False, **kwargs):
        super().__init__(**kwargs)
        assert len(layers) == len(filters), "VGG: layers and filters must have the same length"
        with self.name_scope():
            self.features = self._make_features(layers, filters, batch_norm)
            for _ in range(2):
                self.features.add(nn.Dense(4096, activation="relu", weight_initializer="normal",
                                           bias_initializer="zeros"))
                self.features.add(nn.Dropout(rate=0.5))
            self.output = nn.Dense(classes, weight_initializer="normal", bias_initializer="zeros")

    def _make_features(self, layers, filters, batch_norm):
        features = nn.HybridSequential(prefix="")
        for num, channels in zip(layers, filters):
            for _ in range(num):
                features.add(nn.Conv2D(channels, kernel_size=3, padding=1,
                                       weight_initializer=Xavier(rnd_type="gaussian",
                                                                 factor_type="out", magnitude=2),
                                       bias_initializer="zeros"))
                if batch_norm:
                    features.add(nn.BatchNorm())
                features.add(nn.Activation("relu"))
            features.add(nn.MaxPool2D(strides=2))
        return features

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def get_vgg(num_layers, pretrained=False, ctx=cpu(), root=None, **kwargs):
    r"""A VGG network of `num_layers` (11, 13, 16 or 19) layers.

    Parameters
    ----------
    num_layers : int
        11, 13, 16 or 19.
    pretrained : bool, default False
        Load the published ImageNet weights (from `root`).
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.
    **kwargs
        Passed to `VGG` (`classes`, `batch_norm`, `prefix`).

    Returns
    -------
    VGG

    Example
    -------
    >>> net = get_vgg(11, batch_norm=True, classes=10)
    """
    layers, filters = vgg_spec[num_layers]
    net = VGG(layers, filters, **kwargs)
    if pretrained:
        suffix = "_bn" if kwargs.get("batch_norm") else ""
        load_pretrained(net, "vgg%d%s" % (num_layers, suffix), ctx, root)
    return net


def _constructor(num_layers, batch_norm):
    def constructor(**kwargs):
        if batch_norm:
            kwargs["batch_norm"] = True
        return get_vgg(num_layers, **kwargs)
    name = "vgg%d%s" % (num_layers, "_bn" if batch_norm else "")
    constructor.__name__ = constructor.__qualname__ = name
    constructor.__doc__ = (
        r"""VGG-%d%s; see `get_vgg` for the arguments.

    Example
    -------
    >>> net = %s(classes=10)
    """ % (num_layers, " with batch normalisation" if batch_norm else "", name))
    return constructor


vgg11 = _constructor(11, False)
vgg13 = _constructor(13, False)
vgg16 = _constructor(16, False)
vgg19 = _constructor(19, False)
vgg11_bn = _constructor(11, True)
vgg13_bn = _constructor(13, True)
vgg16_bn = _constructor(16, True)
vgg19_bn = _constructor(19, True)
