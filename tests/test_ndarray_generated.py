"""The generated nd.* functions (and NDArray's fluent methods, which are the same functions) take
their arguments as MXNet 1.x's do: inputs positionally or by name, attributes positionally after
the inputs or by keyword, `out=` and `name=`; errors name the operator. Their fast path remembers
parsed attributes per set of keyword arguments (mxnb/ndarray/register.py's Signature): these
tests also check that what is remembered never stands in for a different call."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError
from mxnb.ndarray.register import Signature, signature_of
from mxnb.ops import registry


def _a():
    return nd.array([[1.0, 2.0], [3.0, 4.0]])


def _fc_args():
    x = nd.array([[1.0, -2.0, 3.0]])
    w = nd.array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10)
    b = nd.array([0.5, -0.5, 1.0, 0.0])
    return x, w, b


def _fc_ref(x, w, b=None):
    out = x.asnumpy() @ w.asnumpy().T
    return out if b is None else out + b.asnumpy()


# --- inputs: positionally, by keyword, both ----------------------------------------------------
def test_inputs_by_position_by_keyword_and_mixed_agree():
    x, w, b = _fc_args()
    expected = _fc_ref(x, w, b)
    calls = [
        lambda: nd.FullyConnected(x, w, b, num_hidden=4),
        lambda: nd.FullyConnected(data=x, weight=w, bias=b, num_hidden=4),
        lambda: nd.FullyConnected(x, weight=w, bias=b, num_hidden=4),
        lambda: nd.FullyConnected(x, w, bias=b, num_hidden=4),
        lambda: nd.FullyConnected(bias=b, num_hidden=4, weight=w, data=x),
    ]
    for call in calls * 2:      # twice: the second round runs on remembered attributes
        np.testing.assert_allclose(call().asnumpy(), expected, rtol=1e-6)


def test_unary_input_by_keyword():
    a = _a()
    assert nd.sum(data=a, axis=0).asnumpy().tolist() == [4.0, 6.0]
    assert nd.relu(data=a - 2).asnumpy().tolist() == [[0.0, 0.0], [1.0, 2.0]]
    assert nd.dot(lhs=a, rhs=a).asnumpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert nd.dot(a, rhs=a).asnumpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]


def test_an_input_given_positionally_and_by_keyword_is_refused():
    # MXNet: Python's TypeError "got multiple values for argument 'data'" (its generated
    # functions name every input and attribute, as ours do); never one silently dropped
    x, w, b = _fc_args()
    with pytest.raises(TypeError, match="FullyConnected.*multiple values for argument 'data'"):
        nd.FullyConnected(x, w, b, data=x, num_hidden=4)
    with pytest.raises(TypeError, match="multiple values for argument 'data'"):
        nd.sum(_a(), data=_a())


def test_missing_and_unknown_inputs_name_the_operator_and_the_input():
    x, w, b = _fc_args()
    with pytest.raises(MXNetError, match="FullyConnected: input data is missing"):
        nd.FullyConnected(None, w, b, num_hidden=4)
    with pytest.raises(MXNetError, match=r"FullyConnected takes inputs \['data', 'weight', 'bias'\]"):
        nd.FullyConnected(x, w, num_hidden=4)
    with pytest.raises(MXNetError, match="FullyConnected got unknown input.*gamma"):
        nd.FullyConnected(x, w, b, gamma=b, num_hidden=4)
    # every argument by keyword: the same errors (the keyword path hands such calls on)
    for _ in range(2):
        with pytest.raises(MXNetError, match=r"FullyConnected takes inputs \['data', 'weight', 'bias'\]"):
            nd.FullyConnected(data=x, weight=w, num_hidden=4)
        with pytest.raises(MXNetError, match="FullyConnected got unknown input.*gamma"):
            nd.FullyConnected(data=x, weight=w, bias=b, gamma=b, num_hidden=4)
        with pytest.raises(MXNetError, match=r"FullyConnected takes inputs.*found 2 input"):
            nd.FullyConnected(data=x, weight=w, bias=None, num_hidden=4)
    with pytest.raises(MXNetError, match="relu expects an NDArray.*ndarray"):
        nd.relu(np.ones(2))
    with pytest.raises(MXNetError, match="relu expects an NDArray.*NoneType"):
        nd.relu()


def test_inputs_that_depend_on_attributes():
    x, w, b = _fc_args()
    expected = _fc_ref(x, w)
    for call in [lambda: nd.FullyConnected(x, w, num_hidden=4, no_bias=True),
                 lambda: nd.FullyConnected(x, w, None, num_hidden=4, no_bias=True),
                 lambda: nd.FullyConnected(data=x, weight=w, num_hidden=4, no_bias=True)] * 2:
        np.testing.assert_allclose(call().asnumpy(), expected, rtol=1e-6)


# --- attributes: defaults, keyword, positional, errors -----------------------------------------
def test_defaults_and_positional_attributes_follow_the_declared_order():
    a = _a()
    assert nd.sum(a).shape == (1,) and nd.sum(a).asscalar() == 10.0
    assert nd.sum(a, 1).asnumpy().tolist() == [3.0, 7.0]                 # axis
    assert nd.sum(a, 1, True).shape == (2, 1)                            # axis, keepdims
    assert nd.swapaxes(a, 0, 1).asnumpy().tolist() == [[1.0, 3.0], [2.0, 4.0]]
    assert nd.dot(a, a, True).asnumpy().tolist() == [[10.0, 14.0], [14.0, 20.0]]  # transpose_a
    x, w, b = _fc_args()
    np.testing.assert_allclose(nd.FullyConnected(x, w, b, 4).asnumpy(), _fc_ref(x, w, b),
                               rtol=1e-6)                                # num_hidden
    # a keyword does not take its attribute out of the positional order (as in MXNet)
    with pytest.raises(TypeError, match="multiple values for argument 'axis'"):
        nd.sum(a, True, axis=0)
    assert nd.sum(a, 0, keepdims=True).shape == (1, 2)


def test_the_signature_names_inputs_and_attributes_as_mxnet():
    import inspect
    params = inspect.signature(nd.FullyConnected).parameters
    assert list(params)[:6] == ["data", "weight", "bias", "num_hidden", "no_bias", "flatten"]
    assert params["data"].default is None and repr(params["num_hidden"].default) == "_Null"
    assert params["out"].kind is inspect.Parameter.KEYWORD_ONLY
    assert list(inspect.signature(nd.LeakyReLU).parameters)[:3] == ["data", "gamma", "act_type"]
    # no single order of inputs: arguments bound by the operator's Signature
    assert list(inspect.signature(nd.CTCLoss).parameters)[:1] == ["args"]


def test_an_input_that_is_not_an_ndarray_is_named():
    x, w, b = _fc_args()
    for _ in range(2):
        with pytest.raises(MXNetError, match="FullyConnected: input bias must be an NDArray, found int"):
            nd.FullyConnected(x, w, 4, no_bias=True)
        with pytest.raises(MXNetError, match="FullyConnected: input weight must be an NDArray, found ndarray"):
            nd.FullyConnected(x, w.asnumpy(), b, num_hidden=4)
    a = nd.array([[-1.0, 2.0]])
    gamma = nd.array([0.5])
    np.testing.assert_allclose(nd.LeakyReLU(a, gamma, act_type="prelu").asnumpy(), [[-0.5, 2.0]])
    np.testing.assert_allclose(nd.LeakyReLU(a, act_type="leaky", slope=0.1).asnumpy(), [[-0.1, 2.0]])


def test_too_many_positional_attributes_name_the_operator():
    with pytest.raises(MXNetError, match="relu got 1 positional arguments more"):
        nd.relu(_a(), 1)
    with pytest.raises(MXNetError, match="sum got 1 positional arguments more"):
        nd.sum(_a(), 0, False, False, 3)


def test_unknown_and_required_attributes_name_the_operator():
    x, w, b = _fc_args()
    with pytest.raises(MXNetError, match="FullyConnected got an unknown argument 'foo'"):
        nd.FullyConnected(x, w, b, num_hidden=4, foo=1)
    with pytest.raises(MXNetError, match="sum got an unknown argument 'foo'"):
        nd.sum(_a(), foo=1)
    with pytest.raises(MXNetError, match="FullyConnected needs argument.*num_hidden"):
        nd.FullyConnected(x, w, b)


def test_string_forms_and_numpy_values_parse_as_mxnet():
    a = _a()
    assert nd.sum(a, axis="(0,)").asnumpy().tolist() == [4.0, 6.0]
    assert nd.sum(a, keepdims="True").shape == (1, 1)
    assert nd.sum(a, axis=np.int64(1)).asnumpy().tolist() == [3.0, 7.0]
    assert nd.sum(a, axis=[0, 1]).asnumpy().tolist() == [10.0]           # unhashable: parsed
    assert nd.clip(a, a_min=np.float32(1.5), a_max=3).asnumpy().tolist() == [[1.5, 2.0], [3.0, 3.0]]
    assert nd.Cast(a, dtype=np.float16).dtype == np.float16
    assert nd.Cast(a, dtype=np.dtype("int32")).dtype == np.int32
    assert nd.Cast(a, dtype="float64").dtype == np.float64


# --- what the fast path remembers --------------------------------------------------------------
def test_remembered_attributes_never_stand_in_for_another_call():
    a = nd.array(np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    x = a.asnumpy()
    for _ in range(2):
        for axis in (0, 1, 2, -1, (0, 2), None):
            for keepdims in (False, True):
                got = nd.sum(a, axis=axis, keepdims=keepdims).asnumpy()
                ref = np.asarray(x.sum(axis=axis, keepdims=keepdims)).reshape(
                    (1,) if axis is None and not keepdims else x.sum(axis=axis, keepdims=keepdims).shape)
                assert got.shape == ref.shape and np.array_equal(got, ref), (axis, keepdims)
    # different num_hidden, same keyword names
    x, _, _ = _fc_args()
    for hidden in (4, 2, 4, 3):
        w = nd.ones((hidden, 3))
        assert nd.FullyConnected(x, w, nd.zeros(hidden), num_hidden=hidden).shape == (1, hidden)


def test_a_value_outside_its_domain_fails_every_time():
    a = _a()
    nd.sum(a, axis=1)
    for _ in range(2):
        with pytest.raises(MXNetError, match="sum"):
            nd.sum(a, axis=5)
        with pytest.raises(MXNetError, match="Dropout, argument p=1.5"):
            nd.Dropout(a, p=1.5)


def test_float_and_bool_values_of_equal_hash_keep_their_own_errors():
    # True == 1 == 1.0 hash alike; Float refuses booleans, so a remembered 1.0 must not let
    # True through
    a = _a()
    assert nd.clip(a, a_min=1.0, a_max=3.0).asnumpy().tolist() == [[1.0, 2.0], [3.0, 3.0]]
    for _ in range(2):
        with pytest.raises(MXNetError, match="clip.*a_min"):
            nd.clip(a, a_min=True, a_max=3.0)
    assert nd.clip(a, a_min=1, a_max=3).asnumpy().tolist() == [[1.0, 2.0], [3.0, 3.0]]
    assert nd.clip(a, a_min=1.0, a_max=3.0).asnumpy().tolist() == [[1.0, 2.0], [3.0, 3.0]]


def test_positional_attributes_are_remembered_apart_from_keywords():
    a = nd.array(np.arange(6, dtype=np.float32).reshape(1, 2, 3))
    x = a.asnumpy()
    for _ in range(2):
        assert np.array_equal(nd.swapaxes(a, 0, 2).asnumpy(), np.swapaxes(x, 0, 2))
        assert np.array_equal(nd.swapaxes(a, 1, 2).asnumpy(), np.swapaxes(x, 1, 2))
        assert np.array_equal(a.swapaxes(1, 2).asnumpy(), np.swapaxes(x, 1, 2))
        assert np.array_equal(a.sum(1).asnumpy(), x.sum(1))
        assert np.array_equal(a.sum(1, True).asnumpy(), x.sum(1, keepdims=True))
        assert np.array_equal(a.sum(2, keepdims=True).asnumpy(), x.sum(2, keepdims=True))
        assert np.array_equal(a.sum((0, 2)).asnumpy(), x.sum((0, 2)))
        assert np.array_equal(a.sum([0, 2]).asnumpy(), x.sum((0, 2)))     # unhashable
        assert np.array_equal(a.expand_dims(0).asnumpy(), x[None])
        # a Float refuses True, whatever was remembered for the hash-equal 1.0 before
        assert np.array_equal(nd.Dropout(a, 1.0).asnumpy(), x)
        with pytest.raises(MXNetError, match="Dropout.*p"):
            nd.Dropout(a, True)
        with pytest.raises(MXNetError, match="sum got 1 positional arguments more"):
            a.sum(1, True, False, 7)


def test_the_remembered_sets_are_bounded():
    op = registry.get("_plus_scalar")
    sig = signature_of(op)
    a = _a()
    for i in range(Signature.LIMIT + 50):
        assert nd._plus_scalar(a, scalar=float(i)).asnumpy()[0, 0] == 1.0 + i
    assert len(sig.entries) <= Signature.LIMIT


def test_functions_and_methods_share_one_signature():
    op = registry.get("sum")
    assert signature_of(op) is signature_of(registry.get("sum_axis"))
    assert nd.sum is not nd.sum_axis        # two functions, one operator record


# --- out= and name= ----------------------------------------------------------------------------
def test_out_writes_the_result_and_returns_out():
    a = _a()
    out = nd.zeros((2, 2))
    assert nd.relu(a - 2, out=out) is out
    assert out.asnumpy().tolist() == [[0.0, 0.0], [1.0, 2.0]]
    out1 = nd.zeros((1,))
    assert a.sum(out=out1) is out1 and out1.asscalar() == 10.0
    x, w, b = _fc_args()
    out2 = nd.zeros((1, 4))
    assert nd.FullyConnected(x, w, b, num_hidden=4, out=out2) is out2
    np.testing.assert_allclose(out2.asnumpy(), _fc_ref(x, w, b), rtol=1e-6)
    out3 = nd.zeros((2, 4))
    assert nd.concat(a, a, dim=1, out=out3) is out3
    with pytest.raises(MXNetError, match="sum.*out= has shape"):
        nd.sum(a, out=nd.zeros((3,)))


def test_name_is_accepted_and_ignored_eagerly():
    a = _a()
    assert nd.sum(a, name="total").asscalar() == 10.0
    assert a.sum(axis=0, name="s").asnumpy().tolist() == [4.0, 6.0]
    x, w, b = _fc_args()
    assert nd.FullyConnected(x, w, b, num_hidden=4, name="fc1").shape == (1, 4)


# --- fluent methods ----------------------------------------------------------------------------
@pytest.mark.parametrize("name, args, kwargs", [
    ("sum", (), {}), ("sum", (1,), {}), ("sum", (), {"axis": 0, "keepdims": True}),
    ("mean", (), {"axis": 1}), ("max", (0,), {}), ("exp", (), {}), ("relu", (), {}),
    ("swapaxes", (0, 1), {}), ("transpose", (), {"axes": (1, 0)}), ("expand_dims", (1,), {}),
    ("clip", (1.5, 3.0), {}), ("tile", ((2, 1),), {}), ("flatten", (), {}),
    ("softmax", (), {"axis": 0}), ("topk", (), {"k": 1, "ret_typ": "value"}),
])
def test_methods_are_the_generated_functions(name, args, kwargs):
    a = _a()
    method = getattr(a, name)(*args, **kwargs)
    function = getattr(nd, name)(a, *args, **kwargs)
    assert method.shape == function.shape
    assert np.array_equal(method.asnumpy(), function.asnumpy())


def test_method_taking_another_array():
    a = _a()
    assert a.dot(a).asnumpy().tolist() == [[7.0, 10.0], [15.0, 22.0]]
    assert a.dot(a, transpose_b=True).asnumpy().tolist() == [[5.0, 11.0], [11.0, 25.0]]
    assert a.sum.__name__ == "sum"


def test_methods_record_for_autograd():
    a = _a()
    a.attach_grad()
    with mx.autograd.record():
        y = (a * a).sum(axis=1).mean()
    y.backward()
    np.testing.assert_allclose(a.grad.asnumpy(), a.asnumpy())      # d/da mean(sum(a^2, 1))


# --- variadic operators ------------------------------------------------------------------------
def test_variadic_inputs_as_arguments_a_list_or_data():
    a = _a()
    ref = np.concatenate([a.asnumpy(), a.asnumpy()], axis=1)
    assert np.array_equal(nd.concat(a, a, dim=1).asnumpy(), ref)
    assert np.array_equal(nd.concat(*[a, a], dim=1).asnumpy(), ref)
    assert np.array_equal(nd.concat([a, a], dim=1).asnumpy(), ref)
    assert np.array_equal(nd.concat(a, a, dim=1, num_args=2).asnumpy(), ref)
    assert nd.add_n(a, a, a).asnumpy().tolist() == [[3.0, 6.0], [9.0, 12.0]]
    with pytest.raises(MXNetError, match="Concat expects num_args=3 inputs, but got 2"):
        nd.concat(a, a, dim=0, num_args=3)


# --- symbols bind their arguments the same way -------------------------------------------------
def test_symbol_functions_bind_like_nd():
    x = mx.sym.var("x")
    fc = mx.sym.FullyConnected(x, num_hidden=4, name="fc1")
    assert fc.list_arguments() == ["x", "fc1_weight", "fc1_bias"]
    fc2 = mx.sym.FullyConnected(data=x, num_hidden=4, no_bias=True, name="fc2")
    assert fc2.list_arguments() == ["x", "fc2_weight"]
    w = mx.sym.var("w")
    fc3 = mx.sym.FullyConnected(x, weight=w, num_hidden=4, name="fc3")
    assert fc3.list_arguments() == ["x", "w", "fc3_bias"]
    # positional attributes are attributes given explicitly: they are written to JSON
    s = mx.sym.sum(x, 1, name="s")
    assert s.list_attr() == {"axis": "1"}
    with pytest.raises(MXNetError, match="FullyConnected.*data.*positionally and by keyword"):
        mx.sym.FullyConnected(x, data=x, num_hidden=4)
    with pytest.raises(MXNetError, match="FullyConnected got an unknown argument 'foo'"):
        mx.sym.FullyConnected(x, num_hidden=4, foo=1)
    c = mx.sym.concat(x, w, dim=0)
    assert c.list_arguments() == ["x", "w"]


# --- MXNet 1.9.1's signatures -------------------------------------------------------------------
# Functions whose positional parameters differ from MXNet 1.9.1's, and why. (Names MXNet has and
# mxnb lacks are api_coverage.py's business; functions taking *args bind through Signature.)
_KNOWN_SIGNATURE_DIFFERENCES = {
    "BatchNorm_v1": "an alias of BatchNorm, whose moving_mean/var inputs and later attributes "
                    "the legacy operator lacks",
    "Pooling_v1": "an alias of Pooling, with Pooling's attributes",
    "IdentityAttachKLSparseReg": "moving_avg is an input (MXNet: an auxiliary state it hides)",
    "backward_index_copy": "a backward operator (MXNet's takes no named inputs)",
}
# MXNet 1.9.1 parses potrf's / potri's `lower` but does not list it, so its functions take it
# by keyword only; ours show it (the registry has no keyword-only attributes yet).
_KNOWN_SIGNATURE_DIFFERENCES.update({name: "`lower` is a parameter MXNet accepts but does not "
                                           "list" for name in ("linalg_potrf", "linalg_potri",
                                                               "potrf", "potri")})


def _mxnet_signatures():
    import json
    import os
    path = os.path.join(os.path.dirname(__file__), "data", "mxnet191_nd_signatures.json")
    with open(path) as f:
        return json.load(f)


@pytest.mark.parametrize("front", ["nd", "sym"])
def test_positional_parameters_are_mxnet_1_9_1s(front):
    # sym.* functions bind leniently (Signature.bind) but show MXNet's parameters, which are
    # the nd functions' (help(), Jupyter's Shift-Tab)
    import inspect
    reference = _mxnet_signatures()
    module = nd if front == "nd" else mx.sym
    spaces = {"nd": module, "nd.contrib": module.contrib, "nd.linalg": module.linalg}
    compared, differ = 0, []
    for space, functions in reference.items():
        for name, theirs in sorted(functions.items()):
            function = getattr(spaces[space], name, None)
            if function is None or name in _KNOWN_SIGNATURE_DIFFERENCES:
                continue
            ours = [k for k, p in inspect.signature(function).parameters.items()
                    if p.kind is p.POSITIONAL_OR_KEYWORD and k not in ("out", "name")]
            if not ours:            # (*args, **kwargs): bound by the operator's Signature
                continue
            compared += 1
            if ours != theirs:
                differ.append((space, name, theirs, ours))
    assert not differ
    assert compared > 250


def test_variadic_functions_show_their_inputs_as_data():
    import inspect
    assert str(inspect.signature(nd.concat)) == "(*data, out=None, name=None, **kwargs)"
    assert str(inspect.signature(mx.sym.concat)) == "(*data, name=None, attr=None, **kwargs)"
