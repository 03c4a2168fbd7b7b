"""Downloading dataset files: atomic writes, SHA-1 checks and clear errors (no pickle, no eval)."""
import hashlib
import os
import shutil
import tempfile
import urllib.request

from ...base import MXNetError

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
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            sha1.update(block)
    return sha1.hexdigest() == sha1_hash


def fetch(url, dst):
    """Copies the resource at `url` into the file `dst` (tests replace this to stay offline)."""
    with urllib.request.urlopen(url, timeout=60) as response, open(dst, "wb") as out:
        shutil.copyfileobj(response, out)


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5):
    """Downloads `url` to `path` (a file or a folder) unless a file with the right hash is there.

    The file is written under a temporary name and renamed when complete, so an interrupted
    download never leaves a partial file under the final name.
    """
    if path is None:
        fname = url.split("/")[-1]
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    if not fname or fname.endswith(os.sep):
        raise MXNetError("download: cannot make a file name from %r; set `path`" % url)
    if retries < 0:
        raise MXNetError("download: retries should be at least 0, found %d" % retries)
    if not overwrite and os.path.exists(fname) and (not sha1_hash or check_sha1(fname, sha1_hash)):
        return fname
    folder = os.path.dirname(os.path.abspath(fname))
    os.makedirs(folder, exist_ok=True)
    last_error = None
    for _ in range(retries + 1):
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".download-", suffix=".part")
        os.close(fd)
        try:
            fetch(url, tmp)
            if sha1_hash and not check_sha1(tmp, sha1_hash):
                last_error = ("the downloaded file's SHA-1 does not match the expected %s"
                              % sha1_hash)
                continue
            os.replace(tmp, fname)
            return fname
        except Exception as exc:  # network errors of every kind: retry, then report
            last_error = "%s: %s" % (type(exc).__name__, exc)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
    found = (" (the file already there has a different SHA-1 than the expected %s)" % sha1_hash
             if os.path.exists(fname) and sha1_hash else "")
    raise MXNetError("could not download %s to %s%s: %s. Place the right file there yourself, or "
                     "set MXNET_GLUON_REPO to a mirror." % (url, fname, found, last_error))
