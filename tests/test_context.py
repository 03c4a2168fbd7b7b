"""mx.Context's deprecated class-level `default_ctx` (MXNet 1.9.1: a class property that warns
and gives the current context; assigning it sets the thread's context outside `with`)."""
import threading
import warnings

import pytest

import mxnb as mx
from mxnb.base import MXNetError


@pytest.fixture
def restore_default():
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        mx.Context.default_ctx = mx.cpu(0)


def test_class_level_default_ctx_is_the_current_context_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="default_ctx has been deprecated"):
        got = mx.Context.default_ctx
    assert isinstance(got, mx.Context) and got == mx.current_context() == mx.cpu(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with mx.cpu(2):
            assert mx.Context.default_ctx == mx.cpu(2)
        assert mx.Context.default_ctx == mx.cpu(0)


def test_instance_default_ctx_still_reads_the_current_context():
    assert mx.gpu(1).default_ctx == mx.current_context()
    with mx.cpu(3):
        assert mx.cpu().default_ctx == mx.cpu(3)


def test_assigning_default_ctx_sets_the_threads_context_outside_with(restore_default):
    with pytest.warns(DeprecationWarning):
        mx.Context.default_ctx = mx.cpu(1)
    assert mx.current_context() == mx.cpu(1)
    assert mx.nd.zeros((2,)).context == mx.cpu(1)
    with mx.cpu(2):                       # a with block still wins, and gives it back after
        assert mx.current_context() == mx.cpu(2)
    assert mx.current_context() == mx.cpu(1)
    seen = []
    other = threading.Thread(target=lambda: seen.append(mx.current_context()))
    other.start()
    other.join()
    assert seen == [mx.cpu(0)]            # per thread, as MXNet's thread-local default


def test_assigning_a_non_context_raises(restore_default):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(MXNetError, match="expected a Context"):
            mx.Context.default_ctx = "cpu"
    assert mx.current_context() == mx.cpu(0)
