"""Where pretrained model-zoo weights live on disk (MXNet 1.x `gluon.model_zoo.model_store`).

A model's weights are the file `<root>/<name>-<first 8 hex digits of its SHA-1>.params`, exactly
as MXNet names them, so a directory of files MXNet downloaded (`~/.mxnet/models`) serves mxnb as
is. A file is used only when its SHA-1 matches the published one. When it is missing or differs,
the file is fetched from `$MXNET_GLUON_REPO` (MXNet's S3 bucket by default); when that fails too
(no network), the MXNetError says which file to put where.
"""
import logging
import os
import shutil
import tempfile
import uuid
import zipfile

from ...base import MXNetError
from ..utils import check_sha1, download

__all__ = ["get_model_file", "purge", "short_hash", "data_dir"]

# The published SHA-1 of each pretrained file (MXNet 1.9.1's model store).
_model_sha1 = {
    "alexnet": "44335d1f0046b328243b32a26a4fbd62d9057b45",
    "densenet121": "f27dbf2dbd5ce9a80b102d89c7483342cd33cb31",
    "densenet161": "b6c8a95717e3e761bd88d145f4d0a214aaa515dc",
    "densenet169": "2603f878403c6aa5a71a124c4a3307143d6820e9",
    "densenet201": "1cdbc116bc3a1b65832b18cf53e1cb8e7da017eb",
    "inceptionv3": "ed47ec45a937b656fcc94dabde85495bbef5ba1f",
    "mobilenet0.25": "9f83e440996887baf91a6aff1cccc1c903a64274",
    "mobilenet0.5": "8e9d539cc66aa5efa71c4b6af983b936ab8701c3",
    "mobilenet0.75": "529b2c7f4934e6cb851155b22c96c9ab0a7c4dc2",
    "mobilenet1.0": "6b8c5106c730e8750bcd82ceb75220a3351157cd",
    "mobilenetv2_1.0": "36da4ff1867abccd32b29592d79fc753bca5a215",
    "mobilenetv2_0.75": "e2be7b72a79fe4a750d1dd415afedf01c3ea818d",
    "mobilenetv2_0.5": "aabd26cd335379fcb72ae6c8fac45a70eab11785",
    "mobilenetv2_0.25": "ae8f9392789b04822cbb1d98c27283fc5f8aa0a7",
    "resnet18_v1": "a0666292f0a30ff61f857b0b66efc0228eb6a54b",
    "resnet34_v1": "48216ba99a8b1005d75c0f3a0c422301a0473233",
    "resnet50_v1": "0aee57f96768c0a2d5b23a6ec91eb08dfb0a45ce",
    "resnet101_v1": "d988c13d6159779e907140a638c56f229634cb02",
    "resnet152_v1": "671c637a14387ab9e2654eafd0d493d86b1c8579",
    "resnet18_v2": "a81db45fd7b7a2d12ab97cd88ef0a5ac48b8f657",
    "resnet34_v2": "9d6b80bbc35169de6b6edecffdd6047c56fdd322",
    "resnet50_v2": "ecdde35339c1aadbec4f547857078e734a76fb49",
    "resnet101_v2": "18e93e4f48947e002547f50eabbcc9c83e516aa6",
    "resnet152_v2": "f2695542de38cf7e71ed58f02893d82bb409415e",
    "squeezenet1.0": "264ba4970a0cc87a4f15c96e25246a1307caf523",
    "squeezenet1.1": "33ba0f93753c83d86e1eb397f38a667eaf2e9376",
    "vgg11": "dd221b160977f36a53f464cb54648d227c707a05",
    "vgg11_bn": "ee79a8098a91fbe05b7a973fed2017a6117723a8",
    "vgg13": "6bc5de58a05a5e2e7f493e2d75a580d83efde38c",
    "vgg13_bn": "7d97a06c3c7a1aecc88b6e7385c2b373a249e95e",
    "vgg16": "e660d4569ccb679ec68f1fd3cce07a387252a90a",
    "vgg16_bn": "7f01cf050d357127a73826045c245041b0df7363",
    "vgg19": "ad2f660d101905472b83590b59708b71ea22b2e5",
    "vgg19_bn": "f360b758e856f1074a85abd5fd873ed1d98297c3",
}

_DEFAULT_REPO = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"
_URL_FORMAT = "{repo_url}gluon/models/{file_name}.zip"


def data_dir():
    """$MXNET_HOME, else ~/.mxnet: where MXNet keeps downloaded models and datasets."""
    return os.getenv("MXNET_HOME", os.path.join(os.path.expanduser("~"), ".mxnet"))


def _default_root():
    return os.path.join(data_dir(), "models")


def short_hash(name):
    """The first 8 hex digits of the published SHA-1 of model `name`'s weights.

    Raises
    ------
    ValueError
        When no pretrained weights are published for `name` (as MXNet).
    """
    if name not in _model_sha1:
        raise ValueError("Pretrained model for {name} is not available.".format(name=name))
    return _model_sha1[name][:8]


def get_model_file(name, root=None):
    r"""The path of model `name`'s pretrained weights, fetching them when missing.

    Parameters
    ----------
    name : str
        Name of the model, as in `get_model` ('resnet18_v1', 'mobilenet0.25', ...).
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files (created if needed).

    Returns
    -------
    str
        Path to `<root>/<name>-<short sha1>.params`, whose SHA-1 matches the published one.

    Raises
    ------
    MXNetError
        When the file is missing (or differs) and cannot be downloaded; the message names the file,
        the directory to put it in and the URL to fetch it from.

    Example
    -------
    >>> get_model_file('squeezenet1.1', root='/data/models')   # doctest: +SKIP
    '/data/models/squeezenet1.1-33ba0f93.params'
    """
    file_name = "{name}-{short_hash}".format(name=name, short_hash=short_hash(name))
    root = os.path.expanduser(_default_root() if root is None else root)
    file_path = os.path.join(root, file_name + ".params")
    sha1_hash = _model_sha1[name]
    if os.path.exists(file_path):
        if check_sha1(file_path, sha1_hash):
            return file_path
        logging.warning("Mismatch in the content of model file %s detected. Downloading again.",
                        file_path)
        problem = "exists but its SHA-1 differs from the published %s" % sha1_hash
    else:
        logging.info("Model file not found. Downloading to %s.", file_path)
        problem = "does not exist"

    repo_url = os.environ.get("MXNET_GLUON_REPO", _DEFAULT_REPO)
    if not repo_url.endswith("/"):
        repo_url += "/"
    url = _URL_FORMAT.format(repo_url=repo_url, file_name=file_name)
    try:
        os.makedirs(root, exist_ok=True)
        _fetch(url, root, file_name, file_path)
    except Exception as exc:   # no network, HTTP error, bad zip: say what to do by hand
        raise MXNetError(
            "Pretrained weights for model '%s': the file %s %s, and downloading %s failed (%s). "
            "Put the file %s.params (SHA-1 %s; the .params file inside that zip) into the "
            "directory %s, or pass root= to point at the directory that holds it."
            % (name, file_path, problem, url, exc, file_name, sha1_hash, root)) from None
    if check_sha1(file_path, sha1_hash):
        return file_path
    raise MXNetError("Pretrained weights for model '%s': downloaded %s but its SHA-1 differs from "
                     "the published %s. Please try again." % (name, file_path, sha1_hash))


def _fetch(url, root, file_name, file_path):
    """Downloads the zip at `url` and moves the .params inside it to `file_path` atomically."""
    zip_path = os.path.join(root, file_name + ".zip" + str(uuid.uuid4()))
    temp_dir = None
    try:
        download(url, path=zip_path, overwrite=True, retries=1)
        with zipfile.ZipFile(zip_path) as zf:
            temp_dir = tempfile.mkdtemp(dir=root)
            zf.extractall(temp_dir)
        os.replace(os.path.join(temp_dir, file_name + ".params"), file_path)
    finally:
        if temp_dir is not None:
            shutil.rmtree(temp_dir, ignore_errors=True)
        if os.path.exists(zip_path):
            os.remove(zip_path)


def purge(root=None):
    r"""Deletes every pretrained `.params` file under `root`.

    Parameters
    ----------
    root : str, default $MXNET_HOME/models
        Directory of the pretrained files.

    Example
    -------
    >>> purge('/tmp/models')   # doctest: +SKIP
    """
    root = os.path.expanduser(_default_root() if root is None else root)
    for name in os.listdir(root):
        if name.endswith(".params"):
            os.remove(os.path.join(root, name))


def load_pretrained(net, name, ctx, root):
    """Loads the published weights of model `name` into `net` on `ctx` (used by the constructors)."""
    net.load_parameters(get_model_file(name, root=root), ctx=ctx)
    return net
