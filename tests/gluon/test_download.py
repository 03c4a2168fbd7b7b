"""gluon.utils.download goes through requests.get (as MXNet's does), writes atomically, checks
SHA-1s and retries; gluon.data's helper shares that code path."""
import hashlib
import io
import os
import sys

import pytest
import requests

from mxnb.base import MXNetError
from mxnb.gluon import utils
from mxnb.gluon.data import _download


class _Response(requests.Response):
    """A streamed response holding `content` (what requests.get returns)."""

    def __init__(self, status_code, content):
        super().__init__()
        self.status_code = status_code
        self.raw = io.BytesIO(content)


class _Calls(list):
    """The (url, kwargs) of each requests.get call, and what the fake replies (`replies`)."""


@pytest.fixture
def fake_get(monkeypatch):
    """Replaces requests.get; returns the list of (url, kwargs) it was called with."""
    calls = _Calls()
    replies = calls.replies = {"body": b"payload " * 50, "status": 200, "fail": 0}

    def get(url, **kwargs):
        calls.append((url, kwargs))
        if replies["fail"]:
            replies["fail"] -= 1
            raise requests.exceptions.ConnectionError("no route")
        return _Response(replies["status"], replies["body"])

    monkeypatch.setattr(requests, "get", get)
    return calls


def _leftovers(folder):
    return sorted(os.listdir(folder))


def test_download_streams_through_requests_get(tmp_path, fake_get):
    target = tmp_path / "sub" / "file.bin"
    assert utils.download("https://example.com/x/file.bin", path=str(target)) == str(target)
    assert target.read_bytes() == fake_get.replies["body"]
    assert fake_get == [("https://example.com/x/file.bin", {"stream": True, "verify": True})]
    assert _leftovers(target.parent) == ["file.bin"]       # no temporary file left


def test_download_into_a_folder_names_the_file_after_the_url(tmp_path, fake_get):
    got = utils.download("https://example.com/a/data.csv", path=str(tmp_path))
    assert got == os.path.join(str(tmp_path), "data.csv")
    # already there: no second request
    utils.download("https://example.com/a/data.csv", path=str(tmp_path))
    assert len(fake_get) == 1


def test_download_without_ssl_verification_warns_and_passes_verify_false(tmp_path, fake_get):
    with pytest.warns(UserWarning, match="^Unverified HTTPS request"):
        utils.download("https://example.com/f.txt", path=str(tmp_path / "f.txt"), verify_ssl=False)
    assert fake_get[0][1] == {"stream": True, "verify": False}


def test_download_checks_sha1_and_keeps_no_bad_file(tmp_path, fake_get):
    body = fake_get.replies["body"]
    target = tmp_path / "f.bin"
    digest = hashlib.sha1(body).hexdigest()
    utils.download("https://example.com/f.bin", path=str(target), sha1_hash=digest)
    assert target.read_bytes() == body
    # a wrong digest: every try fails, and nothing half-right is left under the final name
    other = tmp_path / "g.bin"
    with pytest.raises(MXNetError, match="hash does not match"):
        utils.download("https://example.com/g.bin", path=str(other), sha1_hash="0" * 40,
                       retries=1)
    assert not other.exists() and _leftovers(tmp_path) == ["f.bin"]


def test_download_retries_then_reports(tmp_path, fake_get):
    fake_get.replies["fail"] = 2
    target = tmp_path / "r.bin"
    utils.download("https://example.com/r.bin", path=str(target), retries=2)
    assert len(fake_get) == 3 and target.exists()
    fake_get.replies["fail"] = 5
    with pytest.raises(MXNetError, match="ConnectionError"):
        utils.download("https://example.com/s.bin", path=str(tmp_path / "s.bin"), retries=1)
    fake_get.replies.update(fail=0, status=404)
    with pytest.raises(MXNetError, match="HTTP 404"):
        utils.download("https://example.com/t.bin", path=str(tmp_path / "t.bin"), retries=0)
    assert _leftovers(tmp_path) == ["r.bin"]
    with pytest.raises(MXNetError, match="retries should be at least 0"):
        utils.download("https://example.com/u.bin", path=str(tmp_path), retries=-1)


def test_download_falls_back_to_urllib_without_requests(tmp_path, monkeypatch):
    served = tmp_path / "served.txt"
    served.write_bytes(b"local bytes")
    monkeypatch.setitem(sys.modules, "requests", None)     # import requests fails
    target = tmp_path / "copy.txt"
    utils.download(served.as_uri(), path=str(target))
    assert target.read_bytes() == b"local bytes"


def test_data_download_helper_shares_the_code_path(tmp_path, fake_get):
    # gluon.data's helper goes through requests.get too, with the same atomic write and checks
    target = tmp_path / "d.bin"
    body = fake_get.replies["body"]
    got = _download.download("https://example.com/d.bin", path=str(target),
                             sha1_hash=hashlib.sha1(body).hexdigest())
    assert got == str(target) and target.read_bytes() == body
    assert fake_get[0][1] == {"stream": True, "verify": True}
    with pytest.raises(MXNetError, match="MXNET_GLUON_REPO"):
        _download.download("https://example.com/e.bin", path=str(tmp_path / "e.bin"),
                           sha1_hash="0" * 40, retries=0)
    assert _leftovers(tmp_path) == ["d.bin"]


def test_test_utils_download_goes_through_the_same_path(tmp_path, monkeypatch):
    """mx.test_utils.download (MXNet's goes through requests.get too): written atomically under
    `dirname`, an existing file kept unless overwrite."""
    from mxnb import test_utils
    calls = []

    def get(url, **kwargs):
        calls.append(url)
        return _Response(200, b"digits" * 10)
    monkeypatch.setattr(requests, "get", get)
    url = "https://example.invalid/data/t10k.gz"
    path = test_utils.download(url, dirname=str(tmp_path))
    assert path == os.path.join(str(tmp_path), "t10k.gz")
    assert open(path, "rb").read() == b"digits" * 10
    assert test_utils.download(url, dirname=str(tmp_path)) == path and len(calls) == 1
    test_utils.download(url, dirname=str(tmp_path), overwrite=True)
    assert len(calls) == 2 and os.listdir(str(tmp_path)) == ["t10k.gz"]
