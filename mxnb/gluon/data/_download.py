"""Downloading dataset files: where they live and come from; the download itself is
`gluon.utils.download`'s (atomic writes, SHA-1 checks, retries, clear errors)."""
import os

from .. import utils as _utils

__all__ = ["data_dir", "repo_file_url", "check_sha1", "download"]

_DEFAULT_REPO = "https://apache-mxnet.s3-accelerate.dualstack.amazonaws.com/"


def data_dir():
    """$MXNET_HOME, else ~/.mxnet (where MXNet keeps datasets and models)."""
    return os.getenv("MXNET_HOME", os.path.join(os.path.expanduser("~"), ".mxnet"))


def repo_file_url(namespace, filename):
    """The URL of a file in MXNet's Gluon repository ($MXNET_GLUON_REPO overrides the base)."""
    repo = os.environ.get("MXNET_GLUON_REPO", _DEFAULT_REPO)
    if not repo.endswith("/"):
        repo += "/"
    return "{}{}/{}".format(repo, namespace, filename)


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 hex digest equals `sha1_hash`."""
    return _utils.check_sha1(filename, sha1_hash)


def fetch(url, dst):
    """Copies the resource at `url` into the file `dst` (tests replace this to stay offline)."""
    _utils._fetch(url, dst)


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5):
    """Downloads `url` to `path` (a file or a folder) unless a file with the right hash is there.

    `gluon.utils.download`'s code path (atomic write, SHA-1 check, retries) through this
    module's `fetch`, so an interrupted download never leaves a partial file under the final name.
    """
    # `fetch` and `check_sha1` are looked up at each call, so tests' replacements are used
    return _utils._download_with(lambda src, dst, verify_ssl: fetch(src, dst), url, path,
                                overwrite, sha1_hash, retries,
                                hint=" (place the right file there yourself, or set "
                                     "MXNET_GLUON_REPO to a mirror)",
                                check=lambda name, digest: check_sha1(name, digest))
