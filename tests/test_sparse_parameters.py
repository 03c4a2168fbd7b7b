"""gluon Parameters with stype / grad_stype 'row_sparse' (MXNet 1.x): the weight is stored
row_sparse, lives in the Trainer's kvstore, and a forward pass reads the rows it needs with
row_sparse_data; the Trainer picks where sparse updates run."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.base import MXNetError

CTX2 = [mx.cpu(0), mx.cpu(1)]


def _sparse_param(values, ctx=CTX2, name="w", **kwargs):
    values = np.asarray(values, np.float32)
    p = gluon.Parameter(name, shape=values.shape, stype="row_sparse", grad_stype="row_sparse",
                        **kwargs)
    p.initialize(init=mx.init.Zero(), ctx=ctx)
    p.set_data(nd.array(values))
    return p


def _rows_kept(values, row_ids):
    """NumPy: `values` with every row outside `row_ids` zeroed."""
    out = np.zeros_like(values)
    out[row_ids] = values[row_ids]
    return out


# --- construction ---------------------------------------------------------------------------------
@pytest.mark.parametrize("argument", ["stype", "grad_stype"])
def test_an_unknown_storage_type_is_an_assertion_error(argument):
    with pytest.raises(AssertionError, match="%s for Parameter 'w'" % argument) as info:
        gluon.Parameter("w", shape=(2, 2), **{argument: "dense"})
    assert isinstance(info.value, MXNetError)


def test_var_records_the_storage_type_as_mxnet_ids():
    sparse = gluon.Parameter("w", shape=(4, 2), stype="row_sparse")
    dense = gluon.Parameter("b", shape=(2,))
    assert sparse.var().attr("__storage_type__") == "1"
    assert dense.var().attr("__storage_type__") == "0"


# --- reading the data -----------------------------------------------------------------------------
def test_dense_accessors_refuse_a_sparse_parameter_and_the_reverse():
    p = _sparse_param(np.ones((3, 2)))
    for call in (p.data, p.list_data, lambda: p.data(mx.cpu(1))):
        with pytest.raises(RuntimeError, match="row_sparse_data"):
            call()
    dense = gluon.Parameter("d", shape=(3, 2))
    dense.initialize(ctx=CTX2)
    with pytest.raises(MXNetError, match="storage type is default"):
        dense.row_sparse_data(nd.array([0], ctx=mx.cpu(0)))
    with pytest.raises(MXNetError, match="storage type is default"):
        dense.list_row_sparse_data(nd.array([0]))


def test_rows_are_read_through_a_trainer_only():
    p = _sparse_param(np.ones((3, 2)))
    with pytest.raises(RuntimeError, match="no Trainer"):
        p.list_row_sparse_data(nd.array([0]))
    gluon.Trainer([p], "sgd")
    with pytest.raises(TypeError, match="row_id must be an NDArray"):
        p.list_row_sparse_data([0, 1])


def test_row_sparse_data_holds_the_asked_rows_on_the_row_ids_context():
    values = np.arange(12, dtype=np.float32).reshape(6, 2) + 1
    p = _sparse_param(values)
    gluon.Trainer([p], "sgd")
    got = p.row_sparse_data(nd.array([4, 1, 4], ctx=mx.cpu(1)))
    assert got.stype == "row_sparse" and got.context == mx.cpu(1)
    np.testing.assert_array_equal(got.asnumpy(), _rows_kept(values, [1, 4]))
    both = p.list_row_sparse_data(nd.array([0, 5]))
    assert [a.context for a in both] == CTX2
    for arr in both:
        np.testing.assert_array_equal(arr.asnumpy(), _rows_kept(values, [0, 5]))


def test_a_sparse_parameter_belongs_to_one_trainer():
    p = _sparse_param(np.ones((3, 2)))
    first = gluon.Trainer([p], "sgd")
    with pytest.raises(RuntimeError, match="one Trainer"):
        gluon.Trainer([p], "sgd")
    p._set_trainer(None)           # unlinked, it may join another
    second = gluon.Trainer([p], "sgd")
    assert p._trainer is second and p._trainer is not first
    dense = gluon.Parameter("d", shape=(2,))
    dense.initialize()
    gluon.Trainer([dense], "sgd")
    gluon.Trainer([dense], "sgd")  # a dense parameter may be shared


def test_reset_ctx_keeps_the_values_of_a_sparse_parameter():
    values = np.arange(6, dtype=np.float32).reshape(3, 2)
    p = _sparse_param(values)
    gluon.Trainer([p], "sgd")
    p.reset_ctx([mx.cpu(1), mx.cpu(2)])
    assert p.list_ctx() == [mx.cpu(1), mx.cpu(2)]
    np.testing.assert_array_equal(p._reduce().asnumpy(), values)


# --- training -------------------------------------------------------------------------------------
def _embedding_step(p, trainer, batches, coefs):
    """loss = sum_i coefs[i] * sum(Embedding(batches[i])) on context i, reading the rows of the
    sparse weight `p` that batch i looks up."""
    with autograd.record():
        losses = []
        for ctx, batch, coef in zip(p.list_ctx(), batches, coefs):
            ids = nd.array(batch, ctx=ctx)
            weight = p.row_sparse_data(ids)
            out = nd.Embedding(ids, weight, input_dim=p.shape[0], output_dim=p.shape[1],
                               sparse_grad=True)
            losses.append((out * coef).sum())
    autograd.backward(losses)
    trainer.step(1)


def _sgd_on_looked_up_rows(values, batches, coefs, lr):
    """NumPy: each lookup of row r adds coef to every entry of r's gradient."""
    grad = np.zeros_like(values)
    for batch, coef in zip(batches, coefs):
        np.add.at(grad, np.asarray(batch, np.int64), coef)
    return values - lr * grad


@pytest.mark.parametrize("ctx", [CTX2, [mx.cpu(1)]], ids=["two-contexts", "one-context"])
def test_a_sparse_weight_is_updated_on_the_kvstore_as_sgd_on_the_looked_up_rows(ctx):
    values = np.arange(10, dtype=np.float32).reshape(5, 2) / 10
    p = _sparse_param(values, ctx=ctx)
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.5})
    batches, coefs = [[0, 2, 2], [2, 4]][:len(ctx)], [1.0, 3.0][:len(ctx)]
    _embedding_step(p, trainer, batches, coefs)
    assert trainer._kvstore is not None and trainer._update_on_kvstore is True
    expected = _sgd_on_looked_up_rows(values, batches, coefs, 0.5)
    got = p.row_sparse_data(nd.arange(0, 5, ctx=ctx[0])).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_a_zero_initialized_sparse_weight_trains():
    """Initialized row_sparse weights store every row, zero ones too (a sparse optimizer update
    needs them all)."""
    p = gluon.Parameter("w", shape=(4, 3), stype="row_sparse", grad_stype="row_sparse")
    p.initialize(init="zeros", ctx=CTX2)
    trainer = gluon.Trainer([p], "sgd", {"learning_rate": 0.1})
    _embedding_step(p, trainer, [[1], [1, 3]], [1.0, 1.0])
    expected = _sgd_on_looked_up_rows(np.zeros((4, 3), np.float32), [[1], [1, 3]], [1, 1], 0.1)
    got = p.row_sparse_data(nd.arange(0, 4)).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_update_on_kvstore_false_is_refused_for_a_sparse_weight():
    p = _sparse_param(np.ones((3, 2)))
    trainer = gluon.Trainer([p], "sgd", update_on_kvstore=False)
    with pytest.raises(ValueError, match="sparse weights") as info:
        p.row_sparse_data(nd.array([0]))
    assert isinstance(info.value, MXNetError)
    assert trainer._kvstore is None


@pytest.mark.parametrize("kvstore", ["local", "device"])
@pytest.mark.parametrize("asked,chosen", [(None, False), (True, True), (False, False)])
def test_a_dense_weight_with_a_sparse_gradient_is_updated_on_the_devices_by_default(
        kvstore, asked, chosen):
    values = np.arange(10, dtype=np.float32).reshape(5, 2)
    emb = gluon.nn.Embedding(5, 2, sparse_grad=True)
    emb.initialize(mx.init.Zero(), ctx=CTX2)
    emb.weight.set_data(nd.array(values))
    trainer = gluon.Trainer(emb.collect_params(), "sgd", {"learning_rate": 0.25},
                            kvstore=kvstore, update_on_kvstore=asked)
    batches, coefs = [[0, 3], [3, 3, 1]], [2.0, 1.0]
    with autograd.record():
        losses = [(emb(nd.array(b, ctx=c)) * k).sum() for b, c, k in zip(batches, CTX2, coefs)]
    autograd.backward(losses)
    trainer.step(1)
    assert trainer._kvstore.type == kvstore and trainer._update_on_kvstore is chosen
    expected = _sgd_on_looked_up_rows(values, batches, coefs, 0.25)
    for arr in emb.weight.list_data():
        np.testing.assert_allclose(arr.asnumpy(), expected, rtol=1e-6)


# --- saving and loading ---------------------------------------------------------------------------
def test_sparse_parameters_save_and_load_into_sparse_or_dense_ones(tmp_path):
    values = np.arange(8, dtype=np.float32).reshape(4, 2) - 3
    params = gluon.ParameterDict("net_")
    params.get("w", shape=(4, 2), stype="row_sparse")
    params.get("b", shape=(2,))
    params.initialize(ctx=mx.cpu(0))
    params["net_w"].set_data(nd.array(values))
    params["net_b"].set_data(nd.array([5.0, 6.0]))
    gluon.Trainer(params, "sgd")
    fname = str(tmp_path / "p.params")
    params.save(fname)
    all_rows = nd.arange(0, 4)

    sparse = gluon.ParameterDict("net_")
    sparse.get("w", shape=(4, 2), stype="row_sparse")
    sparse.get("b", shape=(2,))
    sparse.load(fname, mx.cpu(0))
    gluon.Trainer(sparse, "sgd")
    np.testing.assert_array_equal(sparse["net_w"].row_sparse_data(all_rows).asnumpy(), values)

    dense = gluon.ParameterDict("net_")
    dense.get("w", shape=(4, 2))
    dense.get("b", shape=(2,))
    dense.load(fname, mx.cpu(0))
    np.testing.assert_array_equal(dense["net_w"].data().asnumpy(), values)
    np.testing.assert_array_equal(dense["net_b"].data().asnumpy(), [5.0, 6.0])


# --- blocks -----------------------------------------------------------------------------------------
def test_symbol_block_refuses_a_row_sparse_variable():
    data = mx.sym.var("data")
    weight = mx.sym.var("weight", stype="row_sparse")
    out = mx.sym.dot(data, weight) + mx.sym.var("bias")
    with pytest.raises(AssertionError, match="'weight'.*row_sparse") as info:
        gluon.SymbolBlock(out, data)
    assert isinstance(info.value, MXNetError)


@pytest.mark.parametrize("hybridize", [False, True])
def test_a_block_reading_a_sparse_weight_with_data_is_refused(hybridize):
    params = gluon.ParameterDict("net_")
    params.get("weight", shape=(3, 4), stype="row_sparse", dtype="float32")
    params.get("bias", shape=(3,), dtype="float32")
    net = gluon.nn.Dense(3, in_units=4, params=params)
    net.initialize()
    if hybridize:
        net.hybridize()
    with pytest.raises(RuntimeError, match="net_weight") as info:
        net(nd.ones((2, 4)))
    assert isinstance(info.value, MXNetError)


def test_loading_another_parameter_keeps_every_row_of_a_sparse_weight():
    """Loading new values rebuilds the trainer's kvstore; the rows of a sparse weight that no
    device holds (they were not pulled last) must survive it."""
    values = np.arange(10, dtype=np.float32).reshape(5, 2)
    p = _sparse_param(values, ctx=[mx.cpu(0)])
    bias = gluon.Parameter("b", shape=(2,))
    bias.initialize(init=mx.init.Zero(), ctx=[mx.cpu(0)])
    trainer = gluon.Trainer([p, bias], "sgd", {"learning_rate": 0.5})
    with autograd.record():
        ids = nd.array([1, 3])
        out = nd.Embedding(ids, p.row_sparse_data(ids), input_dim=5, output_dim=2,
                           sparse_grad=True)
        loss = (out + bias.data()).sum()
    loss.backward()
    trainer.step(1)
    bias.set_data(nd.array([7.0, 8.0]))        # the device now holds rows 1 and 3 only
    expected = _sgd_on_looked_up_rows(values, [[1, 3]], [1.0], 0.5)
    got = p.row_sparse_data(nd.arange(0, 5)).asnumpy()
    np.testing.assert_allclose(got, expected, rtol=1e-6)
