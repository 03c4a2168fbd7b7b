"""Symbol behaviours that MXNet 1.9.1's own tests rely on: truth value, get_children, pickling,
the `_internal` namespaces, fluent methods, node attributes given as operator keywords
(lr_mult, wd_mult, ctx_group, ...) and the initializers operators give their variables."""
import json
import pickle

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, sym
from mxnb.base import MXNetError, NotImplementedForSymbol


def mlp():
    data = sym.var("data")
    fc1 = sym.FullyConnected(data, num_hidden=5, name="fc1")
    act = sym.Activation(fc1, act_type="relu", name="relu1")
    fc2 = sym.FullyConnected(act, num_hidden=3, name="fc2")
    return sym.SoftmaxOutput(fc2, name="softmax")


def conv_net():
    data = sym.var("data")
    conv = sym.Convolution(data, kernel=(3, 3), num_filter=4, pad=(1, 1), name="conv")
    bn = sym.BatchNorm(conv, fix_gamma=False, name="bn")
    pool = sym.Pooling(bn, kernel=(2, 2), stride=(2, 2), pool_type="max", name="pool")
    return sym.FullyConnected(sym.flatten(pool), num_hidden=2, name="fc")


# --- 1. truth value and NDArray-only methods ------------------------------------------------
def test_bool_of_a_symbol_raises_not_implemented_for_symbol():
    x = sym.var("x")
    with pytest.raises(NotImplementedForSymbol, match="bool"):
        bool(x)
    with pytest.raises(MXNetError):
        if x + 1:
            pass


@pytest.mark.parametrize("method", ["asnumpy", "asscalar", "wait_to_read", "detach", "backward",
                                    "as_in_context"])
def test_ndarray_only_methods_raise_not_implemented_for_symbol(method):
    with pytest.raises(NotImplementedForSymbol, match=method):
        getattr(sym.var("x"), method)()


# --- 2. get_children ---------------------------------------------------------------------------
def test_get_children_of_single_outputs_groups_and_variables():
    data = sym.var("data")
    fc1 = sym.FullyConnected(data, num_hidden=3, name="fc1")
    fc2 = sym.FullyConnected(fc1, num_hidden=3, name="fc2")
    children = fc2.get_children()
    assert children.list_outputs() == ["fc1_output", "fc2_weight", "fc2_bias"]
    # a group collects the inputs of each of its outputs' nodes
    assert children.get_children().list_outputs() == ["data", "fc1_weight", "fc1_bias"]
    assert repr(children.get_children()) == "<Symbol group [data, fc1_weight, fc1_bias]>"
    assert children["fc2_weight"].get_children() is None
    assert data.get_children() is None
    assert sym.Group([data, sym.var("e")]).get_children() is None
    # variables in a group add nothing; a node shared by several outputs counts once
    assert sym.Group([fc1, data]).get_children().list_outputs() == ["data", "fc1_weight",
                                                                     "fc1_bias"]
    assert sym.Group([fc1, fc1]).get_children().list_outputs() == ["data", "fc1_weight",
                                                                   "fc1_bias"]
    a, b = sym.var("a"), sym.var("b")
    assert sym.Group([a + b, a * b]).get_children().list_outputs() == ["a", "b", "a", "b"]


def test_get_children_of_a_multi_output_node():
    data = sym.var("data")
    sliced = sym.SliceChannel(data, num_outputs=3, name="slice")
    assert sliced.get_children().list_outputs() == ["data"]
    concat = sym.Concat(*list(sliced))
    assert concat.get_children().list_outputs() == ["slice_output0", "slice_output1",
                                                    "slice_output2"]


def test_name_and_repr_of_outputs_of_one_node():
    data = sym.var("data")
    sliced = sym.SliceChannel(data, num_outputs=2, name="sp")
    assert sliced.name == "sp" and repr(sliced) == "<Symbol sp>"
    assert sym.Group([data, data]).name == "data"
    fc = sym.FullyConnected(data, num_hidden=2, name="fc")
    group = sym.Group([fc, data])
    assert group.name is None and repr(group) == "<Symbol group [fc, data]>"


# --- 3. pickling -------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [mlp, conv_net])
def test_pickle_round_trip_gives_the_same_graph(make):
    net = make()
    back = pickle.loads(pickle.dumps(net))
    assert isinstance(back, sym.Symbol)
    assert back.tojson() == net.tojson()
    assert back.list_arguments() == net.list_arguments()
    assert back.list_auxiliary_states() == net.list_auxiliary_states()
    assert back.attr_dict() == net.attr_dict()


def test_pickled_symbol_computes_what_the_original_computes():
    data = sym.var("data")
    fc = sym.FullyConnected(data, num_hidden=2, lr_mult=0.5, name="fc")
    group = sym.Group([fc, sym.relu(fc)])
    back = pickle.loads(pickle.dumps([group, fc]))[0]
    assert back.list_outputs() == group.list_outputs()
    assert back.attr_dict()["fc_weight"]["__lr_mult__"] == "0.5"
    rng = np.random.RandomState(0)
    x, w, b = rng.randn(4, 3), rng.randn(2, 3), rng.randn(2)
    out = back.evaluate(data=nd.array(x), fc_weight=nd.array(w), fc_bias=nd.array(b))
    expected = x @ w.T + b
    np.testing.assert_allclose(out[0].asnumpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out[1].asnumpy(), np.maximum(expected, 0), rtol=1e-5, atol=1e-6)


# --- 4. the _internal namespaces -----------------------------------------------------------------
def test_internal_namespaces_hold_the_underscore_operators():
    from mxnb.ops import registry
    for namespace in (mx.sym._internal, mx.nd._internal):
        names = set(namespace.__all__)
        assert {"_plus_scalar", "_PlusScalar", "_square_sum", "_identity_with_attr_like_rhs",
                "_backward_FullyConnected_weight"} <= names
        # prefixed families live in their own namespaces (contrib, linalg, random, sparse)
        assert not any(n.startswith(("_contrib_", "_linalg_", "_sparse_", "_np")) for n in names)
        assert not any(n.startswith("_random_") and n.endswith("_like") for n in names)
        assert all(n.startswith("_") and registry.find(n) is not None for n in names)
    # the functions are the namespaces' own, not copies; public names are kept
    assert mx.sym._internal._square_sum is mx.sym._square_sum
    assert mx.nd._internal._plus_scalar is mx.nd._plus_scalar
    x = np.array([[1.0, -2.0], [3.0, 0.5]], dtype=np.float32)
    np.testing.assert_allclose(mx.nd._internal._plus_scalar(nd.array(x), scalar=2).asnumpy(), x + 2)
    s = mx.sym._internal._square_sum(sym.var("x"), axis=1)
    np.testing.assert_allclose(s.evaluate(x=nd.array(x))[0].asnumpy(), (x * x).sum(axis=1),
                               rtol=1e-6)


# --- 5. fluent methods -----------------------------------------------------------------------
def _fluent_cases():
    rng = np.random.RandomState(1)
    x = rng.uniform(0.5, 2.0, size=(2, 4, 2, 2)).astype(np.float32)
    like = np.zeros((1, 2, 2, 2), dtype=np.float32)
    e = np.exp(-x - (-x).max(axis=-1, keepdims=True))
    return [
        ("rcbrt", x, {}, 1 / np.cbrt(x)),
        ("softmin", x, {"axis": -1}, e / e.sum(axis=-1, keepdims=True)),
        ("slice_like", x, {"shape_like": like}, x[:1, :2, :2, :2]),
        ("broadcast_axes", x[:, :1], {"axis": 1, "size": 3}, np.repeat(x[:, :1], 3, axis=1)),
        ("pad", x, {"mode": "constant", "pad_width": (0, 0, 0, 0, 1, 1, 2, 0),
                    "constant_value": 5.0},
         np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 0)), constant_values=5.0)),
        ("depth_to_space", x, {"block_size": 2},
         x.reshape(2, 2, 2, 1, 2, 2).transpose(0, 3, 4, 1, 5, 2).reshape(2, 1, 4, 4)),
        ("space_to_depth", x, {"block_size": 2},
         x.reshape(2, 4, 1, 2, 1, 2).transpose(0, 3, 5, 1, 2, 4).reshape(2, 16, 1, 1)),
    ]


@pytest.mark.parametrize("name, x, kwargs, expected", _fluent_cases(),
                         ids=[c[0] for c in _fluent_cases()])
def test_fluent_methods_of_ndarray_and_symbol(name, x, kwargs, expected):
    nd_kwargs = {k: nd.array(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    got = getattr(nd.array(x), name)(**nd_kwargs)
    np.testing.assert_allclose(got.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    sym_kwargs = {k: sym.var(k) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    inputs = {k: nd.array(v) for k, v in kwargs.items() if isinstance(v, np.ndarray)}
    out = getattr(sym.var("x"), name)(**sym_kwargs).evaluate(x=nd.array(x), **inputs)
    np.testing.assert_allclose(out[0].asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_symbol_astype_and_split_v2_methods():
    x = sym.var("x")
    _, out_types, _ = x.astype("float16").infer_type(x="float32")
    assert out_types == [np.float16]
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    pieces = x.split_v2((1, 4)).evaluate(x=nd.array(data))
    for got, want in zip(pieces, np.split(data, (1, 4))):
        np.testing.assert_array_equal(got.asnumpy(), want)


# --- 6. node attributes given as operator keywords ----------------------------------------------
def test_lr_mult_and_wd_mult_keywords_become_node_attributes():
    data = sym.var("data")
    fc = sym.FullyConnected(data, num_hidden=4, wd_mult=0.3, lr_mult=2, name="fc")
    expected = {"num_hidden": "4", "__lr_mult__": "2", "lr_mult": "2", "__wd_mult__": "0.3",
                "wd_mult": "0.3"}
    attrs = fc.attr_dict()
    # the variables made for the missing inputs carry the node's attributes (MXNet's compose)
    assert attrs == {"fc": expected, "fc_weight": expected, "fc_bias": expected}
    assert fc.list_attr() == expected
    assert fc.attr("lr_mult") == "2" and fc.attr("__wd_mult__") == "0.3"
    # JSON stores the dunder spelling only, and loads back to the same attributes
    node = [n for n in json.loads(fc.tojson())["nodes"] if n["name"] == "fc"][0]
    assert node["attrs"] == {"num_hidden": "4", "__lr_mult__": "2", "__wd_mult__": "0.3"}
    assert sym.load_json(fc.tojson()).attr_dict() == attrs


def test_other_hidden_keys_and_attribute_scopes():
    data = sym.var("data")
    act = sym.Activation(data, act_type="relu", name="a", ctx_group="dev2",
                         force_mirroring=True, mirror_stage="True")
    assert act.list_attr() == {"act_type": "relu", "__ctx_group__": "dev2", "ctx_group": "dev2",
                               "__force_mirroring__": "True", "force_mirroring": "True",
                               "__mirror_stage__": "True", "mirror_stage": "True"}
    with mx.AttrScope(ctx_group="dev1"):
        fc = sym.FullyConnected(data, num_hidden=2, name="fc")
        v = sym.var("v")
    assert fc.attr_dict()["fc_weight"]["__ctx_group__"] == "dev1"
    assert v.list_attr() == {"__ctx_group__": "dev1", "ctx_group": "dev1"}
    fc2 = sym.FullyConnected(data, num_hidden=2, name="fc2", attr={"wd_mult": "0"})
    assert fc2.list_attr()["__wd_mult__"] == "0"
    w = sym.var("w", attr={"lr_mult": "3"})
    assert w.list_attr() == {"__lr_mult__": "3", "lr_mult": "3"}
    w._set_attr(wd_mult="0.5")
    assert w.attr_dict() == {"w": {"__lr_mult__": "3", "lr_mult": "3", "__wd_mult__": "0.5",
                                   "wd_mult": "0.5"}}


def test_per_input_multiplier_keywords_are_rejected_as_deprecated():
    data = sym.var("data")
    with pytest.raises(MXNetError, match="weight_lr_mult is deprecated"):
        sym.FullyConnected(data, num_hidden=4, weight_lr_mult=2)
    with pytest.raises(MXNetError, match="bias_wd_mult is deprecated"):
        sym.var("v")._set_attr(bias_wd_mult="0")
    with pytest.raises(MXNetError, match="unknown argument 'lr_multiplier'"):
        sym.FullyConnected(data, num_hidden=4, lr_multiplier=2)


def test_var_multipliers_still_work_and_win_over_the_operator():
    data = sym.var("data")
    w = sym.var("w", lr_mult=3, wd_mult=0.1)
    fc = sym.FullyConnected(data, w, num_hidden=4, wd_mult=0.3, name="fc")
    attrs = fc.attr_dict()
    assert attrs["w"] == {"__lr_mult__": "3", "lr_mult": "3", "__wd_mult__": "0.1",
                          "wd_mult": "0.1"}
    assert attrs["fc_bias"]["__wd_mult__"] == "0.3"
    opt = mx.optimizer.SGD(sym=fc, param_idx2name={0: "w", 1: "fc_bias"})
    assert opt.lr_mult == {"w": 3.0}
    assert opt.wd_mult == {"w": 0.1, "fc_bias": 0.3}


def test_optimizer_applies_multipliers_given_to_the_operator():
    fc = sym.FullyConnected(sym.var("data"), num_hidden=2, lr_mult=2, wd_mult=0.5, name="fc")
    opt = mx.optimizer.SGD(learning_rate=0.1, wd=0.2, sym=fc,
                           param_idx2name={0: "fc_weight", 1: "fc_bias"})
    assert opt.lr_mult == {"fc_weight": 2.0, "fc_bias": 2.0}
    assert opt.wd_mult == {"fc_weight": 0.5, "fc_bias": 0.5}
    w0 = np.array([[1.0, -2.0, 0.5], [0.25, 3.0, -1.0]], dtype=np.float32)
    g = np.array([[0.5, 0.5, -1.0], [2.0, 0.0, 1.0]], dtype=np.float32)
    weight = nd.array(w0)
    opt.update(0, weight, nd.array(g), opt.create_state(0, weight))
    # sgd: w -= lr * lr_mult * (grad + wd * wd_mult * w)
    np.testing.assert_allclose(weight.asnumpy(), w0 - 0.1 * 2 * (g + 0.2 * 0.5 * w0), rtol=1e-6)


def test_module_training_leaves_a_layer_with_lr_mult_zero_unchanged():
    data = sym.var("data")
    frozen = sym.FullyConnected(data, num_hidden=4, lr_mult=0, name="frozen")
    out = sym.FullyConnected(sym.relu(frozen), num_hidden=2, name="head")
    net = sym.LinearRegressionOutput(out, name="lro")
    mod = mx.mod.Module(net, data_names=["data"], label_names=["lro_label"])
    mod.bind(data_shapes=[("data", (4, 3))], label_shapes=[("lro_label", (4, 2))])
    mod.init_params(mx.init.Uniform(0.5))
    mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.5})
    before = {k: v.asnumpy().copy() for k, v in mod.get_params()[0].items()}
    rng = np.random.RandomState(2)
    batch = mx.io.DataBatch([nd.array(rng.randn(4, 3))], [nd.array(rng.randn(4, 2))])
    mod.forward_backward(batch)
    mod.update()
    after = mod.get_params()[0]
    np.testing.assert_array_equal(after["frozen_weight"].asnumpy(), before["frozen_weight"])
    np.testing.assert_array_equal(after["frozen_bias"].asnumpy(), before["frozen_bias"])
    assert not np.array_equal(after["head_weight"].asnumpy(), before["head_weight"])


# --- 7. variables made for missing inputs: attributes and initializers --------------------------
def test_created_variables_copy_the_operator_attributes():
    data = sym.var("data")
    conv = sym.Convolution(data, kernel=(3, 3), num_filter=2, name="conv")
    want = {"kernel": "(3, 3)", "num_filter": "2"}
    assert conv.attr_dict() == {"conv_weight": want, "conv_bias": want, "conv": want}
    emb = sym.Embedding(data, input_dim=3, output_dim=2, name="emb")
    assert emb.attr_dict()["emb_weight"] == {"input_dim": "3", "output_dim": "2"}
    # an attribute given explicitly is listed even when it is the default
    assert sym.LeakyReLU(data, act_type="leaky", name="lr").attr_dict() == {
        "lr": {"act_type": "leaky"}}


def test_prelu_gamma_gets_the_constant_initializer():
    data = sym.var("data")
    prelu = sym.LeakyReLU(data=data, act_type="prelu", name="p")
    assert prelu.attr_dict()["p_gamma"] == {"act_type": "prelu",
                                           "__init__": '["Constant", {"value": 0.25}]'}
    # a variable passed in gets it unless it names an initializer of its own
    g = sym.var("g")
    sym.LeakyReLU(data, gamma=g, act_type="prelu")
    assert g.list_attr() == {"__init__": '["Constant", {"value": 0.25}]'}
    own = sym.var("own", init=mx.init.One())
    sym.LeakyReLU(data, gamma=own, act_type="prelu")
    assert own.list_attr()["__init__"] == mx.init.One().dumps()
    # the data input is no gamma
    assert "__init__" not in data.list_attr()


def test_module_initialises_prelu_gamma_to_a_quarter_whatever_the_initializer():
    data = sym.var("data")
    net = sym.LeakyReLU(data=data, act_type="prelu", name="p")
    mod = mx.mod.Module(net, data_names=["data"], label_names=None)
    mod.bind(data_shapes=[("data", (2, 3))])
    mod.init_params(mx.init.Xavier())
    np.testing.assert_array_equal(mod.get_params()[0]["p_gamma"].asnumpy(), np.full(3, 0.25))
    x = np.array([[-4.0, 2.0, -1.0], [1.0, -8.0, 0.0]], dtype=np.float32)
    mod.forward(mx.io.DataBatch([nd.array(x)]), is_train=False)
    np.testing.assert_allclose(mod.get_outputs()[0].asnumpy(), np.where(x > 0, x, 0.25 * x))


def test_infer_type_partial_leaves_unconstrained_types_unknown():
    # MXNet 1.9.1: None where no given dtype reaches (infer_type assumes float32 there)
    x, half = mx.sym.var("x"), mx.sym.var("y", dtype="float16")
    fc = mx.sym.FullyConnected(x, num_hidden=3)
    assert fc.infer_type_partial() == ([None, None, None], [None], [])
    assert (x + half).infer_type_partial() == ([np.float16, np.float16], [np.float16], [])
    both = mx.sym.Group([fc, mx.sym.var("w") + 1])
    assert both.infer_type_partial(x="float64") == ([np.float64] * 3 + [None],
                                                    [np.float64, None], [])
    assert fc.infer_type()[1] == [np.float32]


def test_tojson_writes_attributes_sorted_by_key_as_mxnet():
    """MXNet 1.9.1 writes a node's attributes (the operator's and the user's) sorted by key, so a
    symbol built in any keyword order gives the JSON of the symbol loaded from MXNet's file (its
    example/image-classification compares the two when it resumes from a checkpoint)."""
    import json
    data = sym.var("data", lr_mult=2, shape=(2, 3), dtype="float32")
    net = sym.Convolution(data, num_filter=2, kernel=(3, 3), name="c", __lr_mult__="2")
    text = net.tojson()
    for node in json.loads(text)["nodes"]:
        keys = list(node.get("attrs", {}))
        assert keys == sorted(keys), (node["name"], keys)
    assert json.loads(text)["nodes"][-1]["attrs"] == {
        "__lr_mult__": "2", "kernel": "(3, 3)", "num_filter": "2"}
    assert mx.sym.load_json(text).tojson() == text
