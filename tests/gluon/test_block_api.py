"""Block API completeness (MXNet 1.9.1 semantics): cast, collect_params(select), parameter
sharing, hooks, apply, summary, save/load options, hybridize flags, export and imports."""
import os
import sys
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd
from mxnb.base import MXNetError
from mxnb.gluon import nn

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "data"))
from make_block_summary import summary_text  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "data")


def mlp(prefix=None, in_units=4):
    with mx.name.NameManager():
        net = nn.HybridSequential(prefix=prefix)
        with net.name_scope():
            net.add(nn.Dense(5, activation="relu", in_units=in_units))
            net.add(nn.BatchNorm(in_channels=5))
            net.add(nn.Dense(3, in_units=5))
    net.initialize(mx.init.Xavier())
    return net


def x_input(shape=(6, 4), seed=0):
    return nd.array(np.random.RandomState(seed).randn(*shape).astype(np.float32))


# --- summary ------------------------------------------------------------------------------------
def test_summary_prints_mxnets_table(capsys):
    expected = open(os.path.join(DATA, "mxnet191_block_summary.txt")).read()
    assert summary_text(mx) == expected


def test_summary_refuses_a_hybridized_block():
    net = mlp()
    net.hybridize()
    with pytest.raises(MXNetError, match="hybridized"):
        net.summary(x_input())


# --- cast -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("hybridize", [False, True])
def test_cast_changes_parameters_and_outputs(hybridize):
    net = mlp()
    x = x_input()
    if hybridize:
        net.hybridize()
    expected = net(x).asnumpy()
    net.cast("float64")
    for param in net.collect_params().values():
        assert param.data().dtype == np.float64
    out = net(x.astype("float64"))
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    with autograd.record():
        net(x.astype("float64")).sum().backward()
    assert net[0].weight.grad().dtype == np.float64


def test_cast_float16_keeps_batchnorm_in_float32():
    net = mlp()
    net.cast("float16")
    assert net[0].weight.data().dtype == np.float16
    assert net[1].gamma.data().dtype == np.float32


# --- collect_params -------------------------------------------------------------------------------
def test_collect_params_select_is_a_regex_matched_from_the_start():
    net = mlp()
    assert list(net.collect_params(".*weight|.*bias").keys()) == [
        "hybridsequential0_dense0_weight", "hybridsequential0_dense0_bias",
        "hybridsequential0_dense1_weight", "hybridsequential0_dense1_bias"]
    assert list(net.collect_params("hybridsequential0_batchnorm0_running_.*").keys()) == [
        "hybridsequential0_batchnorm0_running_mean", "hybridsequential0_batchnorm0_running_var"]
    assert len(net.collect_params("weight")) == 0   # match, not search, as MXNet


# --- sharing ------------------------------------------------------------------------------------
def test_params_argument_shares_parameters():
    with mx.name.NameManager():
        a = nn.Dense(3, in_units=4)
        b = nn.Dense(3, in_units=4, params=a.params)
    a.initialize()
    assert b.weight is a.weight
    x = x_input()
    np.testing.assert_array_equal(a(x).asnumpy(), b(x).asnumpy())


@pytest.mark.parametrize("how", ["structural", "parameterdict"])
def test_share_parameters(how):
    net1, net2 = mlp(), mlp()
    x = x_input()
    assert not np.allclose(net1(x).asnumpy(), net2(x).asnumpy())
    net2.hybridize()
    net2(x)
    shared = (net1._collect_params_with_prefix() if how == "structural"
              else net1.collect_params())
    assert net2.share_parameters(shared) is net2
    assert net2[0].weight is net1[0].weight and net2[1].running_var is net1[1].running_var
    np.testing.assert_array_equal(net2(x).asnumpy(), net1(x).asnumpy())
    # One set of arrays: training one trains the other.
    trainer = mx.gluon.Trainer(net1.collect_params(), "sgd", {"learning_rate": 0.5})
    with autograd.record():
        net1(x).sum().backward()
    trainer.step(1)
    np.testing.assert_array_equal(net2(x).asnumpy(), net1(x).asnumpy())
    assert set(net2.collect_params().keys()) == set(net1.collect_params().keys())


def test_share_parameters_rejects_a_shape_mismatch_and_changes_nothing():
    net1, net2 = mlp(in_units=4), mlp(in_units=7)
    before = net2[0].weight
    with pytest.raises(MXNetError, match="shape"):
        net2.share_parameters(net1._collect_params_with_prefix())
    assert net2[0].weight is before and net2[2].weight is not net1[2].weight


# --- hooks and apply ------------------------------------------------------------------------------
def test_forward_hooks_with_handles():
    net = mlp()
    calls = []
    pre = net.register_forward_pre_hook(lambda blk, inputs: calls.append(("pre", blk, inputs)))
    post = net[0].register_forward_hook(
        lambda blk, inputs, output: calls.append(("post", blk, output.shape)))
    x = x_input()
    net(x)
    assert calls[0][0] == "pre" and calls[0][1] is net and calls[0][2][0] is x
    assert calls[1] == ("post", net[0], (6, 5))
    pre.detach()
    with post:
        pass     # leaving the with-block detaches
    net(x)
    assert len(calls) == 2


def test_apply_visits_children_first_then_self():
    net = mlp()
    seen = []
    assert net.apply(lambda b: seen.append(type(b).__name__)) is net
    assert seen == ["Activation", "Dense", "BatchNorm", "Dense", "HybridSequential"]


# --- save / load ----------------------------------------------------------------------------------
def test_save_parameters_deduplicate(tmp_path):
    with mx.name.NameManager():
        net = nn.HybridSequential()
        with net.name_scope():
            net.add(nn.Dense(4, in_units=4))
            net.add(nn.Dense(4, in_units=4, params=net[0].params))
    net.initialize()
    full, dedup = str(tmp_path / "full.params"), str(tmp_path / "dedup.params")
    net.save_parameters(full)
    net.save_parameters(dedup, deduplicate=True)
    assert sorted(nd.load(full)) == ["0.bias", "0.weight", "1.bias", "1.weight"]
    assert sorted(nd.load(dedup)) == ["0.bias", "0.weight"]
    net[0].weight.set_data(nd.zeros((4, 4)))
    net.load_parameters(dedup)
    np.testing.assert_array_equal(net[1].weight.data().asnumpy(),
                                  nd.load(full)["1.weight"].asnumpy())


def test_load_parameters_allow_missing_and_ignore_extra(tmp_path):
    small = mlp()
    with mx.name.NameManager():
        big = nn.HybridSequential()
        with big.name_scope():
            big.add(nn.Dense(5, activation="relu", in_units=4), nn.BatchNorm(in_channels=5),
                    nn.Dense(3, in_units=5), nn.Dense(2, in_units=3))
    big.initialize()
    path = str(tmp_path / "small.params")
    small.save_parameters(path)
    with pytest.raises(MXNetError, match="'3.weight' is missing"):
        big.load_parameters(path)
    big.load_parameters(path, allow_missing=True)
    np.testing.assert_array_equal(big[2].weight.data().asnumpy(), small[2].weight.data().asnumpy())
    big.save_parameters(path)
    with pytest.raises(MXNetError, match="'3.weight' loaded from file .* is not present"):
        small.load_parameters(path)
    small.load_parameters(path, ignore_extra=True)


def test_load_parameters_cast_dtype_and_dtype_source(tmp_path):
    net = mlp()
    path = str(tmp_path / "f64.params")
    net.cast("float64")
    net.save_parameters(path)
    net32 = mlp()
    with pytest.raises(MXNetError, match="dtype incompatible"):
        net32.load_parameters(path)
    net32.load_parameters(path, cast_dtype=True)                     # keeps float32
    assert net32[0].weight.data().dtype == np.float32
    np.testing.assert_allclose(net32[0].weight.data().asnumpy(),
                               net[0].weight.data().asnumpy(), rtol=1e-6)
    net32.load_parameters(path, cast_dtype=True, dtype_source="saved")  # takes float64
    assert net32[0].weight.data().dtype == np.float64


def test_params_of_another_architecture_name_file_and_parameters_and_load_nothing(tmp_path):
    net = mlp()
    with mx.name.NameManager():
        other = nn.HybridSequential()
        with other.name_scope():
            other.add(nn.Conv2D(2, 3, in_channels=1), nn.Dense(3, in_units=8))
    other.initialize()
    path = str(tmp_path / "other.params")
    other.save_parameters(path)
    before = {k: p.data().asnumpy().copy() for k, p in net.collect_params().items()}
    with pytest.raises(MXNetError) as info:
        net.load_parameters(path)
    message = str(info.value)
    assert "other.params" in message and "1.gamma" in message and "0.weight" in message
    # Same names, wrong shapes: still nothing is loaded.
    with mx.name.NameManager():
        wide = nn.HybridSequential()
        with wide.name_scope():
            wide.add(nn.Dense(5, activation="relu", in_units=4), nn.BatchNorm(in_channels=5),
                     nn.Dense(3, in_units=9))
    wide.initialize()
    wide.save_parameters(path)
    with pytest.raises(MXNetError, match=r"'hybridsequential0_dense1_weight'.*\(3, 5\).*\(3, 9\)"):
        net.load_parameters(path)
    with mx.name.NameManager():
        wider = nn.HybridSequential()
        with wider.name_scope():
            wider.add(nn.Dense(6, activation="relu", in_units=4), nn.BatchNorm(in_channels=6),
                      nn.Dense(3, in_units=6))
    wider.initialize()
    wider.save_parameters(path)
    with pytest.raises(MXNetError, match=r"dense0_weight.*and 6 more parameters that do not fit"):
        net.load_parameters(path)
    for key, param in net.collect_params().items():
        np.testing.assert_array_equal(param.data().asnumpy(), before[key])


# --- hybridize, export, imports -------------------------------------------------------------------
def test_hybridize_accepts_mxnet_flags():
    net = mlp()
    x = x_input()
    expected = net(x).asnumpy()
    net.hybridize(static_alloc=True, static_shape=True, inline_limit=4, forward_bulk_size=8,
                  backward_bulk_size=8)
    np.testing.assert_allclose(net(x).asnumpy(), expected, rtol=1e-6)
    assert net._cached_op.flags["static_alloc"] is True


def test_export_with_epoch_and_import_back(tmp_path):
    net = mlp()
    net.hybridize()
    x = x_input()
    expected = net(x).asnumpy()
    prefix = str(tmp_path / "model")
    files = net.export(prefix, epoch=7)
    assert files == (prefix + "-symbol.json", prefix + "-0007.params")
    keys = set(nd.load(files[1]))
    assert "arg:hybridsequential0_dense0_weight" in keys
    assert "aux:hybridsequential0_batchnorm0_running_mean" in keys
    block = mx.gluon.SymbolBlock.imports(files[0], ["data"], files[1])
    np.testing.assert_allclose(block(x).asnumpy(), expected, rtol=1e-6)
    block.hybridize(static_alloc=True)
    np.testing.assert_allclose(block(x).asnumpy(), expected, rtol=1e-6)


def test_export_needs_a_hybridized_run():
    with pytest.raises(MXNetError, match="hybridize"):
        mlp().export("never")


def test_imports_of_an_mxnet_export_without_params_then_loading(tmp_path):
    prefix = os.path.join(DATA, "model_zoo", "mobilenetv2_0.25")
    block = mx.gluon.SymbolBlock.imports(prefix + "-symbol.json", ["data"])
    assert "mobilenetv20_features_conv0_weight" in block.collect_params()
    block.collect_params().load(prefix + "-0000.params")
    assert block(nd.ones((1, 3, 32, 32))).shape == (1, 10)


# --- Concurrent / Identity ------------------------------------------------------------------------
def test_concurrent_layers_live_in_contrib_nn_and_nn():
    from mxnb.gluon.contrib import nn as contrib_nn
    assert contrib_nn.HybridConcurrent is nn.HybridConcurrent
    assert contrib_nn.Concurrent is nn.Concurrent and contrib_nn.Identity is nn.Identity


@pytest.mark.parametrize("hybridize", [False, True])
def test_hybrid_concurrent_concatenates_branches(hybridize):
    with mx.name.NameManager():
        net = nn.HybridConcurrent(axis=1)
        with net.name_scope():
            net.add(nn.Dense(3, in_units=4), nn.Identity(), nn.Dense(2, in_units=4))
    net.initialize()
    assert list(net.collect_params()) == [
        "hybridconcurrent0_dense0_weight", "hybridconcurrent0_dense0_bias",
        "hybridconcurrent0_dense1_weight", "hybridconcurrent0_dense1_bias"]
    if hybridize:
        net.hybridize()
    x = x_input()
    x.attach_grad()
    with autograd.record():
        out = net(x)
    out.backward()
    w0, b0 = net[0].weight.data().asnumpy(), net[0].bias.data().asnumpy()
    w2, b2 = net[2].weight.data().asnumpy(), net[2].bias.data().asnumpy()
    xn = x.asnumpy()
    expected = np.concatenate([xn @ w0.T + b0, xn, xn @ w2.T + b2], axis=1)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x.grad.asnumpy(),
                               np.broadcast_to(w0.sum(0) + 1 + w2.sum(0), xn.shape), rtol=1e-5)


def test_concurrent_takes_plain_blocks():
    net = nn.Concurrent(axis=-1)
    net.add(nn.Lambda(lambda x: x * 2), nn.Identity())
    out = net(nd.ones((2, 3)))
    np.testing.assert_array_equal(out.asnumpy(), np.concatenate([2 * np.ones((2, 3)),
                                                                 np.ones((2, 3))], axis=1))


def test_register_op_hook_reports_each_operator_output():
    with mx.name.NameManager():
        net = nn.HybridSequential()
        net.add(nn.Dense(3, in_units=4, activation="relu"), nn.Dense(2, in_units=3))
    net.initialize()
    net.hybridize()
    seen = []
    net.register_op_hook(lambda name, op, arr: seen.append((name, op, arr.shape)))
    out = net(nd.ones((2, 4)))
    # The names and order MXNet 1.9.1 reports for this net.
    assert seen == [("dense0_fwd_output", "FullyConnected", (2, 3)),
                    ("dense0_relu_fwd_output", "Activation", (2, 3)),
                    ("dense1_fwd_output", "FullyConnected", (2, 2))]
    seen.clear()
    net.register_op_hook(lambda name, op, arr: seen.append(name), monitor_all=True)
    net(nd.ones((2, 4)))
    assert seen[:4] == ["dense0_fwd_data", "dense0_fwd_weight", "dense0_fwd_bias",
                        "dense0_fwd_output"]
    assert out.shape == (2, 2)


def test_optimize_for_builds_the_graph_without_running_it(tmp_path):
    with mx.name.NameManager():
        net = nn.HybridSequential()
        net.add(nn.Dense(3, activation="relu"), nn.Dense(2))
    net.initialize()
    x = x_input()
    net.optimize_for(x, backend="MKLDNN", static_alloc=True)
    assert net[0].weight.shape == (3, 4)          # deferred shapes resolved from x
    files = net.export(str(tmp_path / "opt"))      # no forward call needed first
    block = mx.gluon.SymbolBlock.imports(files[0], ["data"], files[1])
    np.testing.assert_allclose(block(x).asnumpy(), net(x).asnumpy(), rtol=1e-6)


def test_load_parameters_reads_legacy_files_without_the_prefix(tmp_path):
    # Files written by save_params of MXNet <= 1.2 (the old model-store files) hold names with
    # the block's prefix stripped; load_parameters restores this block's prefix.
    from mxnb.gluon.model_zoo import vision
    net = vision.mobilenet0_25(classes=5)
    net.initialize()
    x = x_input((1, 3, 32, 32))
    expected = net(x).asnumpy()
    path = str(tmp_path / "legacy.params")
    net.collect_params().save(path, strip_prefix=net.prefix)
    assert "conv0_weight" in nd.load(path)
    other = vision.mobilenet0_25(classes=5)             # another prefix: mobilenet1_
    assert other.prefix != net.prefix
    other.load_parameters(path)
    np.testing.assert_allclose(other(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_deferred_shape_inference_failure_is_a_value_error_as_mxnet():
    """MXNet 1.9.1 raises ValueError when a hybridized block cannot infer its parameters' shapes
    (a pooling window larger than its input); mxnb's error is an MXNetError and a ValueError."""
    net = nn.HybridSequential()
    net.add(nn.Conv2D(4, 3), nn.MaxPool2D(7))
    net.initialize()
    net.hybridize()
    with pytest.raises(ValueError, match="Deferred initialization failed because shape cannot "
                                         "be inferred"):
        net(mx.nd.ones((1, 1, 5, 5)))
