"""Symbol JSON written by MXNet 0.8 (`param`/`attr` keys, hidden keys without dunders, auxiliary
states left out) loads as MXNet's legacy upgrade reads it."""
import json

import numpy as np
import pytest

import mxnb as mx


def _node(op, name, inputs=(), param=None, attr=None):
    return {"op": op, "name": name, "inputs": [[i, 0] for i in inputs], "param": param or {},
            "attr": attr or {}, "backward_source_id": -1}


# data -> FullyConnected(fc1) -> BatchNorm(bn) without its moving statistics, as MXNet 0.8 wrote
LEGACY = {
    "nodes": [
        _node("null", "data", attr={"ctx_group": "stage1", "lr_mult": "0.2"}),
        _node("null", "fc1_weight", attr={"ctx_group": "stage1", "weight_lr_mult": "1.2"}),
        _node("null", "fc1_bias"),
        _node("FullyConnected", "fc1", [0, 1, 2], {"num_hidden": "4", "no_bias": "False"},
              {"ctx_group": "stage1", "wd_mult": "0.3", "weight_lr_mult": "1.5"}),
        _node("null", "bn_gamma"),
        _node("null", "bn_beta"),
        _node("BatchNorm", "bn", [3, 4, 5], {"fix_gamma": "False"}, {"ctx_group": "stage2"}),
    ],
    "arg_nodes": [0, 1, 2, 4, 5],
    "heads": [[6, 0]],
}


def test_hidden_keys_are_renamed_and_per_input_ones_move_to_the_input():
    net = mx.sym.load_json(json.dumps(LEGACY))
    attrs = net.attr_dict()
    assert attrs["data"]["__ctx_group__"] == "stage1" and attrs["data"]["__lr_mult__"] == "0.2"
    assert attrs["fc1"]["__wd_mult__"] == "0.3" and attrs["fc1"]["__ctx_group__"] == "stage1"
    # fc1's weight_lr_mult is its weight variable's lr_mult; the variable's own spelling of it
    # names no input of a variable, so it stays as written
    assert attrs["fc1_weight"]["__lr_mult__"] == "1.5"
    assert attrs["fc1_weight"]["weight_lr_mult"] == "1.2"
    assert "weight_lr_mult" not in attrs["fc1"]


def test_missing_auxiliary_states_become_variables_with_the_node_attributes():
    net = mx.sym.load_json(json.dumps(LEGACY))
    assert net.list_auxiliary_states() == ["bn_moving_mean", "bn_moving_var"]
    attrs = net.attr_dict()
    assert attrs["bn_moving_mean"]["__ctx_group__"] == "stage2"
    # and the initializers MXNet 0.9.4+ sets on BatchNorm's statistics, as its upgrade does
    assert attrs["bn_moving_mean"]["__init__"] == '["zero", {}]'
    assert attrs["bn_moving_var"]["__init__"] == '["one", {}]'
    x = np.random.RandomState(0).rand(5, 3).astype(np.float32)
    ex = net.simple_bind(mx.cpu(), data=(5, 3), grad_req="null")
    ex.arg_dict["data"][:] = x
    ex.arg_dict["fc1_weight"][:] = np.ones((4, 3))
    ex.arg_dict["fc1_bias"][:] = np.zeros(4)
    ex.arg_dict["bn_gamma"][:] = np.ones(4)
    ex.arg_dict["bn_beta"][:] = np.zeros(4)
    ex.aux_dict["bn_moving_var"][:] = np.ones(4)
    out = ex.forward(is_train=False)[0].asnumpy()
    np.testing.assert_allclose(out, np.repeat(x.sum(1, keepdims=True), 4, 1) / np.sqrt(1 + 1e-3),
                               rtol=1e-5)


def test_files_of_later_versions_still_need_every_input():
    graph = dict(LEGACY, attrs={"mxnet_version": ["int", 10901]})
    with pytest.raises(mx.base.MXNetError, match="BatchNorm.*moving_mean"):
        mx.sym.load_json(json.dumps(graph))
