"""gluon.utils.download's argument checks: AssertionErrors, as MXNet 1.9.1's asserts raise."""
import pytest

from mxnb.base import MXNetError
from mxnb.gluon import utils


def test_negative_retries_is_an_assertion_error(tmp_path):
    with pytest.raises(AssertionError, match="retries should be at least 0") as info:
        utils.download("https://example.com/u.bin", path=str(tmp_path / "u.bin"), retries=-1)
    assert isinstance(info.value, MXNetError)


def test_url_without_file_name_is_an_assertion_error():
    with pytest.raises(AssertionError, match="cannot make a file name") as info:
        utils.download("https://example.com/data/")
    assert isinstance(info.value, MXNetError)
