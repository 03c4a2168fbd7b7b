"""save/load_parameters (all or nothing), export -> SymbolBlock.imports round trip."""
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import gluon, nd
from mxnb.base import MXNetError
from mxnb.gluon import nn

from .common import fill_params, params_numpy


def _net(prefix=None):
    net = nn.HybridSequential(prefix=prefix)
    with net.name_scope():
        net.add(nn.Dense(4, in_units=3, activation="relu"), nn.Dense(2, in_units=4))
    net.initialize()
    return net


def _saved(tmp_path, seed=1):
    net = _net()
    fill_params(net, seed=seed)
    fname = str(tmp_path / "net.params")
    net.save_parameters(fname)
    return net, fname


def _assert_unchanged(net, before):
    after = params_numpy(net)
    for key in before:
        np.testing.assert_array_equal(after[key], before[key])


def test_save_uses_structural_names_and_round_trips(tmp_path):
    net, fname = _saved(tmp_path)
    assert set(nd.load(fname)) == {"0.weight", "0.bias", "1.weight", "1.bias"}
    other = _net()  # different automatic prefix: structural names still match
    other.load_parameters(fname)
    x = nd.array(np.random.RandomState(0).randn(5, 3))
    np.testing.assert_allclose(other(x).asnumpy(), net(x).asnumpy(), rtol=1e-6)
    assert not [f for f in os.listdir(tmp_path) if "tmp" in f]  # temp file renamed away


def test_load_completes_deferred_shapes(tmp_path):
    net, fname = _saved(tmp_path)
    fresh = nn.HybridSequential()
    with fresh.name_scope():
        fresh.add(nn.Dense(4, activation="relu"), nn.Dense(2))
    fresh.load_parameters(fname)
    assert fresh[0].weight.shape == (4, 3)
    np.testing.assert_array_equal(fresh[1].bias.data().asnumpy(), net[1].bias.data().asnumpy())


def test_save_params_load_params_aliases(tmp_path):
    net = _net()
    fill_params(net, seed=5)
    fname = str(tmp_path / "alias.params")
    with pytest.warns(UserWarning, match="save_params is deprecated. Please use save_parameters"):
        net.save_params(fname)
    other = _net()
    with pytest.warns(UserWarning, match="load_params is deprecated. Please use load_parameters"):
        other.load_params(fname)
    np.testing.assert_array_equal(other[0].weight.data().asnumpy(), net[0].weight.data().asnumpy())


def test_missing_parameter_fails_and_changes_nothing(tmp_path):
    _, fname = _saved(tmp_path)
    bigger = nn.HybridSequential()
    with bigger.name_scope():
        bigger.add(nn.Dense(4, in_units=3, activation="relu"), nn.Dense(2, in_units=4),
                   nn.Dense(1, in_units=2))
    bigger.initialize()
    before = params_numpy(bigger)
    with pytest.raises(MXNetError, match=r"'2\.weight' is missing in file '.*net\.params'"):
        bigger.load_parameters(fname)
    _assert_unchanged(bigger, before)
    bigger.load_parameters(fname, allow_missing=True)
    assert not np.array_equal(bigger[0].weight.data().asnumpy(), before[next(iter(before))])


def test_extra_parameter_fails_and_changes_nothing(tmp_path):
    _, fname = _saved(tmp_path)
    smaller = nn.HybridSequential()
    with smaller.name_scope():
        smaller.add(nn.Dense(4, in_units=3, activation="relu"))
    smaller.initialize()
    before = params_numpy(smaller)
    with pytest.raises(MXNetError, match=r"'1\.weight' loaded from file '.*net\.params'"):
        smaller.load_parameters(fname)
    _assert_unchanged(smaller, before)
    smaller.load_parameters(fname, ignore_extra=True)
    assert not np.array_equal(params_numpy(smaller)[smaller[0].weight.name],
                              before[smaller[0].weight.name])


def test_wrong_shape_fails_and_changes_nothing(tmp_path):
    _, fname = _saved(tmp_path)
    other = nn.HybridSequential()
    with other.name_scope():
        # the first layer matches, the second does not: nothing may be assigned
        other.add(nn.Dense(4, in_units=3, activation="relu"), nn.Dense(2, in_units=5))
    other.initialize()
    before = params_numpy(other)
    with pytest.raises(MXNetError, match=r"net\.params.*'.*dense1_weight'.*shape incompatible"):
        other.load_parameters(fname)
    _assert_unchanged(other, before)


def test_wrong_dtype_fails_unless_cast(tmp_path):
    _, fname = _saved(tmp_path)
    other = _net()
    other.cast("float64")
    with pytest.raises(MXNetError, match="dtype incompatible"):
        other.load_parameters(fname)
    other.load_parameters(fname, cast_dtype=True)
    assert other[0].weight.data().dtype == np.float64


@pytest.mark.parametrize("damage", ["truncate", "corrupt", "garbage"])
def test_damaged_file_fails_and_changes_nothing(tmp_path, damage):
    _, fname = _saved(tmp_path)
    raw = open(fname, "rb").read()
    if damage == "truncate":
        raw = raw[:len(raw) // 2]
    elif damage == "corrupt":
        raw = raw[:8] + bytes(b ^ 0xFF for b in raw[8:40]) + raw[40:]
    else:
        raw = b"this is not a parameter file at all"
    with open(fname, "wb") as f:
        f.write(raw)
    other = _net()
    before = params_numpy(other)
    with pytest.raises(MXNetError, match=r"net\.params"):
        other.load_parameters(fname)
    _assert_unchanged(other, before)


def test_missing_file_is_named(tmp_path):
    net = _net()
    with pytest.raises(MXNetError, match="nope.params"):
        net.load_parameters(str(tmp_path / "nope.params"))


def test_legacy_full_name_files_load(tmp_path):
    net = _net(prefix="legacy_")
    fill_params(net, seed=9)
    fname = str(tmp_path / "legacy.params")
    net.collect_params().save(fname, strip_prefix=net.prefix)  # MXNet < 1.3 save_params
    other = _net(prefix="legacy_")
    other.load_parameters(fname)
    np.testing.assert_array_equal(other[1].weight.data().asnumpy(), net[1].weight.data().asnumpy())


def test_export_and_symbolblock_imports(tmp_path):
    net = nn.HybridSequential()
    with net.name_scope():
        net.add(nn.Conv2D(3, kernel_size=3, padding=1, activation="relu"), nn.BatchNorm(),
                nn.MaxPool2D(), nn.Flatten(), nn.Dense(4))
    net.initialize()
    x = nd.array(np.random.RandomState(0).randn(2, 2, 6, 6))
    net(x)
    fill_params(net, seed=4)
    net[1].running_var.set_data(nd.array([1.5, 0.7, 2.0]))
    net.hybridize()
    expected = net(x).asnumpy()
    path = str(tmp_path / "model")
    sym_file, params_file = net.export(path, epoch=7)
    assert sym_file == path + "-symbol.json" and params_file == path + "-0007.params"
    saved = nd.load(params_file)
    assert any(k.startswith("arg:") and k.endswith("dense0_weight") for k in saved)
    assert any(k.startswith("aux:") and k.endswith("running_var") for k in saved)
    loaded = gluon.SymbolBlock.imports(sym_file, ["data"], params_file)
    np.testing.assert_allclose(loaded(x).asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_export_needs_a_hybridized_forward(tmp_path):
    net = _net()
    with pytest.raises(MXNetError, match="hybridize"):
        net.export(str(tmp_path / "m"))


def test_symbolblock_from_symbols():
    data = mx.sym.var("data")
    out = mx.sym.FullyConnected(data, num_hidden=3, name="fc")
    out = mx.sym.Activation(out, act_type="relu")
    block = gluon.SymbolBlock(out, data)
    block.initialize()
    x = np.random.RandomState(0).randn(4, 5).astype(np.float32)
    y = block(nd.array(x)).asnumpy()
    params = block.collect_params()
    assert params["fc_weight"].shape == (3, 5)
    w, b = params["fc_weight"].data().asnumpy(), params["fc_bias"].data().asnumpy()
    np.testing.assert_allclose(y, np.maximum(x @ w.T + b, 0), rtol=1e-5, atol=1e-6)


def test_symbolblock_composes_with_symbols():
    data = mx.sym.var("data")
    inner = gluon.SymbolBlock(mx.sym.FullyConnected(data, num_hidden=2, name="fc"), data)
    out = inner(mx.sym.var("x") * 2)
    assert "x" in out.list_arguments() and "fc_weight" in out.list_arguments()
    assert "data" not in out.list_arguments()
    assert out.infer_shape(x=(3, 4))[1] == [(3, 2)]
