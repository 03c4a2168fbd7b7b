"""`gluon.model_zoo.vision`: image-classification networks of MXNet 1.9.1's model zoo.

Each network has MXNet's structure and parameter names, so `.params` files written by MXNet
(its pretrained files included) load into them:

- AlexNet; DenseNet 121/161/169/201; Inception v3; MobileNet v1 and v2 at widths 1.0/0.75/0.5/
  0.25; ResNet v1 and v2 with 18/34/50/101/152 layers; SqueezeNet 1.0/1.1; VGG 11/13/16/19 with
  and without batch normalisation.

`pretrained=True` loads `<root>/<name>-<short sha1>.params` (see `model_store`).

Example
-------
>>> from mxnb.gluon.model_zoo import vision
>>> net = vision.get_model('resnet18_v1', classes=10)
>>> net.initialize()
"""
from ....base import MXNetError as _MXNetError
from .alexnet import *  # noqa: F401,F403
from .densenet import *  # noqa: F401,F403
from .inception import *  # noqa: F401,F403
from .resnet import *  # noqa: F401,F403
from .squeezenet import *  # noqa: F401,F403
from .vgg import *  # noqa: F401,F403
from .mobilenet import *  # noqa: F401,F403
from .alexnet import alexnet as _alexnet_fn

_models = {
    "resnet18_v1": resnet18_v1, "resnet34_v1": resnet34_v1,
    "resnet50_v1": resnet50_v1, "resnet101_v1": resnet101_v1,
    "resnet152_v1": resnet152_v1,
    "resnet18_v2": resnet18_v2, "resnet34_v2": resnet34_v2,
    "resnet50_v2": resnet50_v2, "resnet101_v2": resnet101_v2,
    "resnet152_v2": resnet152_v2,
    "vgg11": vgg11, "vgg13": vgg13, "vgg16": vgg16, "vgg19": vgg19,
    "vgg11_bn": vgg11_bn, "vgg13_bn": vgg13_bn, "vgg16_bn": vgg16_bn,
    "vgg19_bn": vgg19_bn,
    "alexnet": _alexnet_fn,
    "densenet121": densenet121, "densenet161": densenet161,
    "densenet169": densenet169, "densenet201": densenet201,
    "squeezenet1.0": squeezenet1_0, "squeezenet1.1": squeezenet1_1,
    "inceptionv3": inception_v3,
    "mobilenet1.0": mobilenet1_0, "mobilenet0.75": mobilenet0_75,
    "mobilenet0.5": mobilenet0_5, "mobilenet0.25": mobilenet0_25,
    "mobilenetv2_1.0": mobilenet_v2_1_0, "mobilenetv2_0.75": mobilenet_v2_0_75,
    "mobilenetv2_0.5": mobilenet_v2_0_5, "mobilenetv2_0.25": mobilenet_v2_0_25,
}


def get_model(name, **kwargs):
    r"""A model-zoo network by name.

    Parameters
    ----------
    name : str
        Name of the model ('resnet18_v1', 'mobilenet0.25', 'squeezenet1.1', 'vgg16_bn',
        'densenet121', 'inceptionv3', 'alexnet', ...); case-insensitive.
    pretrained : bool, default False
        Load the published ImageNet weights.
    classes : int, default 1000
        Number of classes of the output layer.
    ctx : Context, default CPU
        Where the pretrained weights are loaded.
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.

    Returns
    -------
    HybridBlock
        The model.

    Raises
    ------
    MXNetError (a ValueError too)
        For an unknown name, listing the available ones.

    Example
    -------
    >>> net = get_model('mobilenet0.25', classes=10)
    """
    key = name.lower()
    if key not in _models:
        raise _UnknownModelError("Model %s is not supported. Available options are\n\t%s"
                                 % (name, "\n\t".join(sorted(_models))))
    return _models[key](**kwargs)


class _UnknownModelError(_MXNetError, ValueError):
    """MXNet raises ValueError for an unknown model name; we keep that and add MXNetError."""
