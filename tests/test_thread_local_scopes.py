"""Per-thread scopes, as in MXNet 1.9.1: AttrScope.current, NameManager.current, the test
context set by test_utils.set_default_context, and the NumPy-array scope."""
import threading
import warnings

import pytest

import mxnb as mx
from mxnb import test_utils as tu
from mxnb.attribute import AttrScope
from mxnb.base import MXNetError
from mxnb.name import NameManager
from mxnb.util import _NumpyArrayScope


def _in_thread(func):
    """func's result, run in a fresh thread (exceptions re-raised here)."""
    box = {}

    def run():
        try:
            box["value"] = func()
        except BaseException as exc:   # re-raised in the calling thread
            box["error"] = exc
    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]


@pytest.fixture
def quiet_deprecation():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield


@pytest.fixture
def fresh_attr_scope(quiet_deprecation):
    yield
    AttrScope.current = AttrScope()


@pytest.fixture
def fresh_name_manager(quiet_deprecation):
    yield
    NameManager.current = NameManager()


# --- AttrScope ------------------------------------------------------------------------------------
def test_assigning_attrscope_current_tags_this_threads_symbols_only(fresh_attr_scope):
    AttrScope.current = AttrScope(x="main")
    assert mx.sym.var("a").attr("x") == "main"
    other = _in_thread(lambda: mx.sym.var("b").attr("x"))
    assert other is None                       # the other thread has its own, empty scope
    assert mx.sym.var("c").attr("x") == "main"


def test_a_threads_own_attrscope_does_not_leak(fresh_attr_scope):
    def tag_in_thread():
        AttrScope.current = AttrScope(x="spawned")
        return mx.sym.var("b").attr("x"), AttrScope.current._attr
    attr, scope_attrs = _in_thread(tag_in_thread)
    assert attr == "spawned" and scope_attrs == {"x": "spawned"}
    assert mx.sym.var("a").attr("x") is None
    assert AttrScope.current._attr == {}


def test_with_attrscope_nests_over_the_assigned_one(fresh_attr_scope):
    AttrScope.current = AttrScope(x="outer", y="1")
    with AttrScope(x="inner"):
        assert AttrScope.current._attr == {"x": "inner", "y": "1"}
    assert AttrScope.current._attr == {"x": "outer", "y": "1"}


def test_attrscope_current_warns_as_deprecated_and_checks_type():
    with pytest.warns(DeprecationWarning, match="AttrScope.current has been deprecated"):
        AttrScope.current
    with pytest.raises(MXNetError, match="AttrScope"), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        AttrScope.current = {"x": "1"}


def test_attrscope_non_string_value_is_a_value_error_as_in_mxnet():
    with pytest.raises(ValueError, match="AttrScope.*strings.*lr_mult"):
        AttrScope(lr_mult=0.1)
    with pytest.raises(MXNetError):
        AttrScope(lr_mult=0.1)


# --- NameManager ----------------------------------------------------------------------------------
def test_assigning_namemanager_current_names_this_threads_symbols_only(fresh_name_manager):
    NameManager.current = mx.name.Prefix("main_")
    assert mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=2).name == "main_fullyconnected0"
    other = _in_thread(lambda: mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=2).name)
    assert not other.startswith("main_")
    assert mx.sym.FullyConnected(mx.sym.var("x"), num_hidden=2).name == "main_fullyconnected1"


def test_a_threads_own_namemanager_keeps_its_own_counters(fresh_name_manager):
    main = NameManager.current = NameManager()
    main.get(None, "main_thread")

    def count_in_thread():
        NameManager.current = NameManager()
        NameManager.current.get(None, "spawned")
        return NameManager.current
    spawned = _in_thread(count_in_thread)
    assert spawned is not main
    assert set(spawned._counter) == {"spawned"} and set(main._counter) == {"main_thread"}
    assert NameManager.current is main


def test_namemanager_current_setter_checks_type(quiet_deprecation):
    with pytest.raises(MXNetError, match="NameManager"):
        NameManager.current = "prefix_"


# --- set_default_context --------------------------------------------------------------------------
@pytest.fixture
def reset_test_context():
    yield
    tu.set_default_context(None)


def test_set_default_context_sets_the_calling_threads_context(reset_test_context,
                                                               quiet_deprecation):
    def set_in_thread():
        tu.set_default_context(mx.cpu(7))
        return (mx.current_context(), mx.Context.default_ctx, tu.default_context(),
                mx.nd.zeros((1,)).context)
    assert _in_thread(set_in_thread) == (mx.cpu(7),) * 4
    assert mx.current_context() == mx.cpu(0)     # this thread is left alone
    tu.set_default_context(mx.cpu(3))
    assert mx.current_context() == mx.cpu(3) == tu.default_context()
    assert _in_thread(mx.current_context) == mx.cpu(0)
    with mx.cpu(4):                              # a with block still wins inside it
        assert tu.default_context() == mx.cpu(4)
    assert tu.default_context() == mx.cpu(3)


def test_set_default_context_none_restores_cpu0(reset_test_context):
    tu.set_default_context(mx.cpu(2))
    tu.set_default_context(None)
    assert mx.current_context() == mx.cpu(0)


def test_set_default_context_rejects_non_contexts():
    with pytest.raises(TypeError, match="set_default_context.*str"):
        tu.set_default_context("cpu")


# --- the NumPy-array scope ------------------------------------------------------------------------
@pytest.fixture
def restore_np_scope():
    saved = _NumpyArrayScope._current
    yield
    _NumpyArrayScope._current = saved


def test_np_array_scope_is_per_thread(restore_np_scope):
    assert mx.is_np_array() is False and mx.util.is_np_array() is False
    _NumpyArrayScope._current.value = _NumpyArrayScope(True)   # as MXNet's own test does
    try:
        assert mx.is_np_array() is True
        assert _in_thread(mx.is_np_array) is False
    finally:
        _NumpyArrayScope._current.value = _NumpyArrayScope(False)
    assert mx.is_np_array() is False


def test_np_array_false_scope_enters_and_restores(restore_np_scope):
    before = getattr(_NumpyArrayScope._current, "value", None)
    with mx.np_array(False) as scope:
        assert isinstance(scope, _NumpyArrayScope) and scope._is_np_array is False
        assert _NumpyArrayScope._current.value is scope
        assert not mx.is_np_array()
    after = getattr(_NumpyArrayScope._current, "value", None)
    assert after is before or after._is_np_array is False


def test_turning_np_semantics_on_is_a_clear_error():
    with pytest.raises(MXNetError, match="mx.np interface is not supported"):
        with mx.np_array(True):
            pass
    assert not mx.is_np_array()
    with mx.np_shape(True):  # MXNet 1.x's shape switch is supported; only mx.np is not
        assert mx.is_np_shape() is True
    assert mx.is_np_shape() is False
    with mx.np_shape(False):
        assert mx.is_np_shape() is False


def test_top_level_numpy_switches_are_mx_util_s():
    for name in ("np_array", "is_np_array", "np_shape", "is_np_shape", "set_np_shape",
                 "use_np_shape", "use_np_array", "use_np"):
        assert getattr(mx, name) is getattr(mx.util, name), name


def test_deprecated_class_properties_warn_at_the_callers_line():
    # Reads of all three, and assignments of AttrScope.current / Context.default_ctx, warn with
    # the user's line as the location; assigning NameManager.current does not warn.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scope = AttrScope.current
        ctx = mx.Context.default_ctx
        manager = NameManager.current
        AttrScope.current = scope
        mx.Context.default_ctx = ctx
        NameManager.current = manager
    assert [w.category for w in caught] == [DeprecationWarning] * 5
    assert {w.filename for w in caught} == {__file__}
    assert [str(w.message).split(".")[0] for w in caught] == [
        "AttrScope", "Context", "NameManager", "AttrScope", "Context"]
