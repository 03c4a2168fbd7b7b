"""Helpers of MXNet 1.x `gluon.utils`: splitting batches over devices, gradient clipping, files."""
import hashlib
import os
import uuid
import warnings

import numpy as np

from .. import ndarray as nd
from ..base import InvalidArgumentError, MXNetError
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
    """Downloads `url` to `path` (a file or directory); returns the file name."""
    import ssl
    import urllib.request
    if path is None:
        fname = url.split("/")[-1]
    else:
        path = os.path.expanduser(path)
        fname = os.path.join(path, url.split("/")[-1]) if os.path.isdir(path) else path
    if retries < 0:
        raise MXNetError("Number of retries should be at least 0, currently it's %d" % retries)
    if not verify_ssl:
        warnings.warn("Unverified HTTPS request is being made (verify_ssl=False).")
    if not overwrite and os.path.exists(fname) and (not sha1_hash or check_sha1(fname, sha1_hash)):
        return fname
    dirname = os.path.dirname(os.path.abspath(fname))
    os.makedirs(dirname, exist_ok=True)
    context = None if verify_ssl else ssl._create_unverified_context()
    while retries + 1 > 0:
        tmp = "%s.%s" % (fname, uuid.uuid4())
        try:
            print("Downloading %s from %s..." % (fname, url))
            with urllib.request.urlopen(url, context=context) as response, open(tmp, "wb") as out:
                if response.status != 200:
                    raise MXNetError("Failed downloading url %s (HTTP %d)" % (url, response.status))
                while True:
                    chunk = response.read(1048576)
                    if not chunk:
                        break
                    out.write(chunk)
            os.replace(tmp, fname)
            if sha1_hash and not check_sha1(fname, sha1_hash):
                raise MXNetError("File %s is downloaded but the content hash does not match. The "
                                 "repo may be outdated or download may be incomplete." % fname)
            return fname
        except Exception as exc:
            if os.path.exists(tmp):
                os.remove(tmp)
            retries -= 1
            if retries < 0:
                raise MXNetError("download of %s failed: %s" % (url, exc)) from None
            print("download failed due to %r, retrying, %d attempt%s left"
                  % (exc, retries, "s" if retries > 1 else ""))
    return fname
