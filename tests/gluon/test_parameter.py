"""Parameter and ParameterDict: initialisation, deferred shapes, gradients, contexts."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, nd
from mxnb.base import MXNetError
from mxnb.gluon import Parameter, ParameterDict, Constant, DeferredInitializationError


def test_initialize_allocates_data_and_gradient():
    p = Parameter("w", shape=(3, 4))
    p.initialize(init=mx.init.Constant(2.0))
    assert p.data().shape == (3, 4)
    np.testing.assert_array_equal(p.data().asnumpy(), np.full((3, 4), 2.0, np.float32))
    np.testing.assert_array_equal(p.grad().asnumpy(), np.zeros((3, 4), np.float32))
    assert p.list_ctx() == [mx.cpu()]
    assert len(p.list_data()) == 1 and len(p.list_grad()) == 1


def test_uninitialized_data_raises():
    p = Parameter("w", shape=(2,))
    with pytest.raises(MXNetError, match="'w' has not been initialized"):
        p.data()


def test_unknown_shape_defers_until_shape_is_set():
    p = Parameter("w", shape=(3, 0), allow_deferred_init=True)
    p.initialize(init=mx.init.One())
    with pytest.raises(DeferredInitializationError):
        p.data()
    p.shape = (3, 5)
    p._finish_deferred_init()
    np.testing.assert_array_equal(p.data().asnumpy(), np.ones((3, 5), np.float32))


def test_unknown_shape_without_deferral_is_an_error():
    p = Parameter("w", shape=(3, 0))
    with pytest.raises(MXNetError, match="invalid shape"):
        p.initialize()


def test_incompatible_shape_assignment_is_rejected():
    p = Parameter("w", shape=(3, 0))
    p.shape = (3, 7)
    with pytest.raises(MXNetError, match="compatible"):
        p.shape = (4, 7)


def test_gradient_flows_into_parameter_grad():
    p = Parameter("w", shape=(4,))
    p.initialize(init=mx.init.Constant(3.0))
    with autograd.record():
        y = (p.data() * p.data()).sum()
    y.backward()
    np.testing.assert_allclose(p.grad().asnumpy(), np.full(4, 6.0))
    p.zero_grad()
    np.testing.assert_array_equal(p.grad().asnumpy(), np.zeros(4))


def test_grad_req_add_accumulates_and_null_drops_gradient():
    p = Parameter("w", shape=(2,), grad_req="add")
    p.initialize(init=mx.init.One())
    for _ in range(3):
        with autograd.record():
            y = (p.data() * 2).sum()
        y.backward()
    np.testing.assert_allclose(p.grad().asnumpy(), [6.0, 6.0])
    p.grad_req = "null"
    with pytest.raises(MXNetError, match="grad_req='null'"):
        p.grad()
    p.grad_req = "write"
    np.testing.assert_array_equal(p.grad().asnumpy(), [0.0, 0.0])
    with pytest.raises(MXNetError, match="grad_req"):
        p.grad_req = "sometimes"


def test_set_data_keeps_gradient_attachment():
    p = Parameter("w", shape=(3,))
    p.initialize(init=mx.init.Zero())
    p.set_data(nd.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 2, 3])
    with autograd.record():
        y = (p.data() ** 2).sum()
    y.backward()
    np.testing.assert_allclose(p.grad().asnumpy(), [2, 4, 6])


def test_set_data_before_deferred_init_is_used_at_init():
    p = Parameter("w", shape=(0,), allow_deferred_init=True)
    p.initialize(init=mx.init.Zero())
    p.set_data(nd.array([5.0, 6.0]))
    p._finish_deferred_init()
    np.testing.assert_array_equal(p.data().asnumpy(), [5, 6])


def test_cast_changes_data_and_grad_dtype():
    p = Parameter("w", shape=(2, 2))
    p.initialize(init=mx.init.One())
    p.cast("float64")
    assert p.data().dtype == np.float64 and p.grad().dtype == np.float64
    with autograd.record():
        y = (p.data() * 3).sum()
    y.backward()
    np.testing.assert_allclose(p.grad().asnumpy(), np.full((2, 2), 3.0))


def test_wrong_context_is_named():
    p = Parameter("w", shape=(2,))
    p.initialize(init=mx.init.One(), ctx=mx.cpu(0))
    with pytest.raises(MXNetError, match="not initialized on context"):
        p.data(mx.cpu(1))


def test_reset_ctx_moves_data():
    p = Parameter("w", shape=(2,))
    p.initialize(init=mx.init.Constant(4.0), ctx=mx.cpu(0))
    p.reset_ctx([mx.cpu(1), mx.cpu(2)])
    assert p.list_ctx() == [mx.cpu(1), mx.cpu(2)]
    for arr in p.list_data():
        np.testing.assert_array_equal(arr.asnumpy(), [4, 4])
    assert p.data(mx.cpu(2)).context == mx.cpu(2)


def test_reinitialize_warns_unless_forced():
    p = Parameter("w", shape=(2,))
    p.initialize(init=mx.init.One())
    with pytest.warns(UserWarning, match="already initialized"):
        p.initialize(init=mx.init.Zero())
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 1])
    p.initialize(init=mx.init.Zero(), force_reinit=True)
    np.testing.assert_array_equal(p.data().asnumpy(), [0, 0])


def test_parameter_init_takes_priority_over_default():
    p = Parameter("b", shape=(3,), init="ones")
    p.initialize(default_init=mx.init.Zero())
    np.testing.assert_array_equal(p.data().asnumpy(), [1, 1, 1])


def test_constant_is_not_trained():
    c = Constant("c", [[1.0, 2.0]])
    c.initialize()
    assert c.grad_req == "null"
    np.testing.assert_array_equal(c.data().asnumpy(), [[1, 2]])


def test_parameter_dict_get_shares_and_merges_shapes():
    shared = ParameterDict("net_")
    w = shared.get("weight", shape=(4, 0))
    other = ParameterDict("net_", shared=shared)
    same = other.get("weight", shape=(0, 7))
    assert same is w
    assert w.shape == (4, 7)
    with pytest.raises(MXNetError, match="desired attribute does not match"):
        other.get("weight", shape=(5, 7))
    assert list(shared.keys()) == ["net_weight"]
    assert shared.prefix == "net_"


def test_parameter_dict_initialize_setattr_zero_grad():
    pd = ParameterDict("m_")
    a = pd.get("a", shape=(2,))
    b = pd.get("b", shape=(3,), init="zeros")
    pd.initialize(mx.init.One())
    np.testing.assert_array_equal(a.data().asnumpy(), [1, 1])
    np.testing.assert_array_equal(b.data().asnumpy(), [0, 0, 0])
    pd.setattr("grad_req", "add")
    assert a.grad_req == b.grad_req == "add"
    a.grad()._data[...] = 5
    pd.zero_grad()
    np.testing.assert_array_equal(a.grad().asnumpy(), [0, 0])
    pd.setattr("lr_mult", 0.5)
    assert a.lr_mult == 0.5


def test_parameter_dict_update_rejects_conflicts():
    pd = ParameterDict("x_")
    pd.get("w", shape=(1,))
    other = ParameterDict("x_")
    other.get("w", shape=(1,))
    with pytest.raises(MXNetError, match="same name"):
        pd.update(other)


def test_parameter_dict_save_load_roundtrip(tmp_path):
    pd = ParameterDict("m_")
    pd.get("a", shape=(2, 3)).initialize(init=mx.init.Constant(1.5))
    pd.get("b", shape=(3,)).initialize(init=mx.init.Constant(-2.0))
    fname = str(tmp_path / "pd.params")
    pd.save(fname)
    other = ParameterDict("m_")
    other.get("a", shape=(2, 0), allow_deferred_init=True)
    other.get("b", shape=(3,))
    other.load(fname)
    np.testing.assert_array_equal(other["m_a"].data().asnumpy(), np.full((2, 3), 1.5))
    np.testing.assert_array_equal(other["m_b"].data().asnumpy(), np.full(3, -2.0))
    stripped = str(tmp_path / "stripped.params")
    pd.save(stripped, strip_prefix="m_")
    assert set(nd.load(stripped)) == {"a", "b"}
    again = ParameterDict("m_")
    again.get("a", shape=(2, 3))
    again.get("b", shape=(3,))
    again.load(stripped, restore_prefix="m_")
    np.testing.assert_array_equal(again["m_b"].data().asnumpy(), np.full(3, -2.0))


def test_var_carries_name_and_shape():
    p = Parameter("fc_weight", shape=(3, 4), lr_mult=2.0)
    v = p.var()
    assert v.name == "fc_weight"
    assert v is p.var()
