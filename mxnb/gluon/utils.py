"""Helpers of MXNet 1.x `gluon.utils`: splitting batches over devices, gradient clipping, files."""
import hashlib
import os
import uuid
import warnings

import numpy as np

from .. import ndarray as nd
from ..base import FailedCheckError, InvalidArgumentError, MXNetError
from ..ndarray.ndarray import NDArray

__all__ = ["split_data", "split_and_load", "clip_global_norm", "check_sha1", "download"]


def split_data(data, num_slice, batch_axis=0, even_split=True):
    """`data` cut into `num_slice` pieces along `batch_axis` (the last piece takes the rest)."""
    size = data.shape[batch_axis]
    if even_split and size % num_slice != 0:
        raise InvalidArgumentError(
            "data with shape %s cannot be evenly split into %d slices along axis %d. Use a batch "
            "size that's multiple of %d or set even_split=False to allow uneven partitioning of "
            "data." % (data.shape, num_slice, batch_axis, num_slice))
    step = size // num_slice
    if not even_split and size < num_slice:
        step, num_slice = 1, size
    bounds = [(i * step, (i + 1) * step if i < num_slice - 1 else size) for i in range(num_slice)]
    if batch_axis == 0:
        return [data[begin:end] for begin, end in bounds]
    return [nd.slice_axis(data, axis=batch_axis, begin=begin, end=end) for begin, end in bounds]


def split_and_load(data, ctx_list, batch_axis=0, even_split=True):
    """Splits `data` along `batch_axis` and puts piece i on `ctx_list[i]`."""
    if not isinstance(data, NDArray):
        data = nd.array(data, ctx=ctx_list[0])
    if len(ctx_list) == 1:
        return [data.as_in_context(ctx_list[0])]
    slices = split_data(data, len(ctx_list), batch_axis, even_split)
    return [s.as_in_context(ctx) for s, ctx in zip(slices, ctx_list)]


def clip_global_norm(arrays, max_norm, check_isfinite=True):
    """Scales `arrays` in place so their joint 2-norm is at most `max_norm`; returns the norm."""
    if not arrays:
        raise MXNetError("clip_global_norm needs at least one array")
    ctx = arrays[0].context
    total = None
    for arr in arrays:
        sq = (arr * arr).sum().as_in_context(ctx)
        total = sq if total is None else total + sq
    total_norm = total.sqrt() if hasattr(total, "sqrt") else total ** 0.5
    norm_value = float(total_norm.asscalar())
    if check_isfinite and not np.isfinite(norm_value):
        warnings.warn(UserWarning("nan or inf is detected. Clipping results will be undefined."),
                      stacklevel=2)
    scale = max_norm / (norm_value + 1e-8)
    if scale < 1.0:
        for arr in arrays:
            arr *= scale
    return norm_value if check_isfinite else total_norm


def check_sha1(filename, sha1_hash):
    """Whether the file's SHA-1 equals `sha1_hash`."""
    sha1 = hashlib.sha1()
    with open(filename, "rb") as f:
        while True:
            chunk = f.read(1048576)
            if not chunk:
                break
            sha1.update(chunk)
    return sha1.hexdigest() == sha1_hash


def download(url, path=None, overwrite=False, sha1_hash=None, retries=5, verify_ssl=True):
    """Downloads `url` to `path` (a file or a directory) unless a file with the right hash is there.

    Goes through `requests.get(url, stream=True, verify=verify_ssl)` when requests is installed
    (as MXNet's does, so code that patches `requests.get` sees the call), else through urllib.
    The file is written under a temporary name and renamed when complete, so a failed download
    never leaves a partial file under the final name, and several processes may download the
    same file at once.

    Parameters
    ----------
    url : str
        The URL to download.
    path : str, optional
        The destination file, or a directory to put it in (default: the URL's last part in the
        current directory).
    overwrite : bool, default False
        Download even if the file exists (with the right hash, when `sha1_hash` is given).
    sha1_hash : str, optional
        The expected SHA-1 hex digest of the file.
    retries : int, default 5
        How many more tries after a failed one.
    verify_ssl : bool, default True
        Verify the server's SSL certificate (False warns).

    Returns
    -------
    str
        The file name of the downloaded file.

    Examples
    --------
    >>> fname = mx.gluon.utils.download('https://example.com/data.csv', path='/tmp')  # doctest: +SKIP
    """
    return _download_with(_fetch, url, path, overwrite, sha1_hash, retries, verify_ssl)


def _fetch(url, dst, verify_ssl=True):
    """Copies the resource at `url` into the file `dst`: an http(s) URL through requests when it
    is installed, anything else (file://, ftp://) or without requests through urllib. A status
    other than 200 is an error."""
    requests = None
    if url.lower().startswith(("http://", "https://")):
        try:
            import requests
        except ImportError:
            pass
    if requests is not None:
        with requests.get(url, stream=True, verify=verify_ssl) as response:
            if response.status_code != 200:
                raise MXNetError("Failed downloading url %s (HTTP %d)"
                                 % (url, response.status_code))
            with open(dst, "wb") as out:
                for chunk in response.iter_content(chunk_size=1048576):
                    if chunk:
                        out.write(chunk)
        return
    import ssl
    import urllib.request
    context = None if verify_ssl else ssl._create_unverified_context()
    with urllib.request.urlopen(url, context=context) as response, open(dst, "wb") as out:
        status = getattr(response, "status", None)   # None for file:// URLs
        if status is not None and status != 200:
            raise MXNetError("Failed downloading url %s (HTTP %d)" % (url, status))
        for chunk in iter(lambda: response.read(1048576), b""):
            out.write(chunk)


def _download_with(fetch, url, path=None, overwrite=False, sha1_hash=None, retries=5,
                   verify_ssl=True, hint="", check=check_sha1):
    """`download` through `fetch(url, dst, verify_ssl)` and `check(filename, sha1_hash)` (the one
    code path of both download helpers, gluon.utils' and gluon.data's; `hint` ends the final
    error message)."""
    if path is None:
        fname = url.split("/")[-1]
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    # AssertionErrors as well, as MXNet asserts both
    if not fname or fname.endswith(os.sep):
        raise FailedCheckError("download: cannot make a file name from %r; set `path`" % url)
    if retries < 0:
        raise FailedCheckError("Number of retries should be at least 0, currently it's %d"
                               % retries)
    if not verify_ssl:
        warnings.warn("Unverified HTTPS request is being made (verify_ssl=False). Adding "
                      "certificate verification is strongly advised.")
    if not overwrite and os.path.exists(fname) and (not sha1_hash or check(fname, sha1_hash)):
        return fname
    os.makedirs(os.path.dirname(os.path.abspath(fname)), exist_ok=True)
    while True:
        # a unique temporary name per try and process: concurrent downloads never collide
        tmp = "%s.%s" % (fname, uuid.uuid4())
        try:
            print("Downloading %s from %s..." % (fname, url))
            fetch(url, tmp, verify_ssl)
            if sha1_hash and not check(tmp, sha1_hash):
                raise MXNetError("File %s is downloaded but the content hash does not match "
                                 "(its SHA-1 does not match the expected %s). The repo may be "
                                 "outdated or download may be incomplete." % (fname, sha1_hash))
            os.replace(tmp, fname)
            return fname
        except Exception as exc:  # network errors of every kind: retry, then report
            retries -= 1
            if retries < 0:
                raise MXNetError("could not download %s to %s: %s: %s%s"
                                 % (url, fname, type(exc).__name__, exc, hint)) from None
            print("download failed due to %r, retrying, %d attempt%s left"
                  % (exc, retries, "s" if retries > 1 else ""))
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
