"""AlexNet (Krizhevsky et al. 2012, "One weird trick" variant), as MXNet 1.9.1's model zoo."""
from ....context import cpu
from ...block import HybridBlock
from ... import nn
from ..model_store import load_pretrained

__all__ = ["AlexNet", "alexnet"]


class AlexNet(HybridBlock):
    r"""AlexNet: five convolutions and three dense layers.

    Parameters
    ----------
    classes : int, default 1000
        Number of classes of the output layer.

    Example
    -------
    >>> net = AlexNet(classes=10)
    >>> net.initialize()
    >>> net(mx.nd.ones((1, 3, 224, 224))).shape
    (1, 10)
    """

    def __init__(self, classes=1000, **kwargs):
        super().__init__(**kwargs)
        with self.name_scope():
            self.features = nn.HybridSequential(prefix="")
            with self.features.name_scope():
                # (channels, kernel, stride, padding); a max-pool follows the 1st, 2nd and 5th.
                for channels, kernel, stride, pad, pool in ((64, 11, 4, 2, True),
                                                            (192, 5, 1, 2, True),
                                                            (384, 3, 1, 1, False),
                                                            (256, 3, 1, 1, False),
                                                            (256, 3, 1, 1, True)):
                    self.features.add(nn.Conv2D(channels, kernel_size=kernel, strides=stride,
                                                padding=pad, activation="relu"))
                    if pool:
                        self.features.add(nn.MaxPool2D(pool_size=3, strides=2))
                self.features.add(nn.Flatten())
                for _ in range(2):
                    self.features.add(nn.Dense(4096, activation="relu"))
                    self.features.add(nn.Dropout(0.5))
            self.output = nn.Dense(classes)

    def hybrid_forward(self, F, x):
        return self.output(self.features(x))


def alexnet(pretrained=False, ctx=cpu(), root=None, **kwargs):
    r"""AlexNet from "One weird trick..." <https://arxiv.org/abs/1404.5997>.

    Parameters
    ----------
    pretrained : bool, default False
        Load the published ImageNet weights (from `root`).
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.
    **kwargs
        Passed to `AlexNet` (`classes`, `prefix`, `params`).

    Returns
    -------
    AlexNet

    Example
    -------
    >>> net = alexnet(classes=10)
    """
    net = AlexNet(**kwargs)
    if pretrained:
        load_pretrained(net, "alexnet", ctx, root)
    return net
