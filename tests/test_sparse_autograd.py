"""Sparse gradients: through sparse.dot and Embedding(sparse_grad=True) they equal the dense
computation; row_sparse gradient buffers (attach_grad(stype=), Parameter(grad_stype=)); Trainer
steps with lazy updates touch only the rows a batch used."""
import warnings

import numpy as np
import pytest

import mxnb as mx
from mxnb import nd, autograd, gluon

pytest.importorskip("scipy.sparse")

RNG = np.random.RandomState(7)
X = np.where(RNG.rand(6, 8) < 0.25, RNG.randn(6, 8), 0).astype(np.float32)
X[:, 5] = 0                               # a feature no sample has
W = RNG.randn(8, 3).astype(np.float32)


def _dense_grad():
    w = nd.array(W)
    w.attach_grad()
    with autograd.record():
        y = nd.dot(nd.array(X), w)
        loss = nd.sum(y * y)
    loss.backward()
    return w.grad.asnumpy()


@pytest.mark.parametrize("grad_stype", [None, "row_sparse"])
def test_gradient_through_sparse_dot_equals_the_dense_one(grad_stype):
    w = nd.array(W)
    w.attach_grad(stype=grad_stype)
    with autograd.record():
        y = nd.sparse.dot(nd.array(X).tostype("csr"), w)
        loss = nd.sum(y * y)
    loss.backward()
    assert w.grad.stype == (grad_stype or "default")
    np.testing.assert_allclose(w.grad.asnumpy(), _dense_grad(), rtol=1e-5, atol=1e-5)
    if grad_stype:
        np.testing.assert_array_equal(w.grad.indices.asnumpy(), np.nonzero(X.any(axis=0))[0])


def test_gradient_of_dense_dot_csr_with_respect_to_the_dense_side():
    d = nd.array(RNG.randn(3, 6).astype(np.float32))
    d.attach_grad()
    with autograd.record():
        loss = nd.sum(nd.sparse.dot(d, nd.array(X).tostype("csr")) * 2)
    loss.backward()
    np.testing.assert_allclose(d.grad.asnumpy(), 2 * np.ones((3, 8)) @ X.T, rtol=1e-5)


def test_autograd_grad_returns_the_row_sparse_gradient():
    w = nd.array(W)
    w.attach_grad(stype="row_sparse")
    with autograd.record():
        loss = nd.sum(nd.sparse.dot(nd.array(X).tostype("csr"), w))
    g, = autograd.grad(loss, w)
    assert g.stype == "row_sparse"
    np.testing.assert_allclose(g.asnumpy(), X.T @ np.ones((6, 3)), rtol=1e-5)


def test_grad_req_add_accumulates_row_sparse_gradients():
    w = nd.array(W)
    w.attach_grad(grad_req="add", stype="row_sparse")
    for _ in range(2):
        with autograd.record():
            loss = nd.sum(nd.sparse.dot(nd.array(X).tostype("csr"), w))
        loss.backward()
    assert w.grad.stype == "row_sparse"
    np.testing.assert_allclose(w.grad.asnumpy(), 2 * X.T @ np.ones((6, 3)), rtol=1e-5)


TOKENS = np.array([[1, 3, 3], [7, 1, 0]], dtype=np.float32)


def _embedding_grad(block, hybridize=False):
    block.initialize(mx.init.Uniform(0.5))
    if hybridize:
        block.hybridize()
    with autograd.record():
        out = block(nd.array(TOKENS))
        loss = nd.sum(out * out)
    loss.backward()
    return block.weight.data().asnumpy(), block.weight.grad()


@pytest.mark.parametrize("make", [
    lambda: gluon.nn.Embedding(10, 4, sparse_grad=True),
    lambda: gluon.contrib.nn.SparseEmbedding(10, 4),
], ids=["Embedding(sparse_grad=True)", "SparseEmbedding"])
def test_sparse_embedding_gradient_equals_the_dense_one(make):
    weight, grad = _embedding_grad(make())
    assert grad.stype == "row_sparse"
    np.testing.assert_array_equal(grad.indices.asnumpy(), [0, 1, 3, 7])
    dense = gluon.nn.Embedding(10, 4)
    dense.initialize()
    dense.weight.set_data(nd.array(weight))
    with autograd.record():
        loss = nd.sum(dense(nd.array(TOKENS)) ** 2)
    loss.backward()
    np.testing.assert_allclose(grad.asnumpy(), dense.weight.grad().asnumpy(), rtol=1e-6)


def test_hybridized_sparse_embedding_gives_the_same_gradient():
    mx.random.seed(0)
    w1, g1 = _embedding_grad(gluon.nn.Embedding(10, 4, sparse_grad=True))
    block = gluon.nn.Embedding(10, 4, sparse_grad=True)
    block.initialize()
    block.weight.set_data(nd.array(w1))
    block.hybridize()
    with autograd.record():
        loss = nd.sum(block(nd.array(TOKENS)) ** 2)
    loss.backward()
    assert block.weight.grad().stype == "row_sparse"
    np.testing.assert_allclose(block.weight.grad().asnumpy(), g1.asnumpy(), rtol=1e-6)


def test_parameter_grad_stype_and_zero_grad():
    p = gluon.Parameter("w", shape=(5, 2), grad_stype="row_sparse")
    p.initialize()
    assert p.grad().stype == "row_sparse" and p.grad().indices.shape == (0,)
    p.grad()[:] = nd.ones((5, 2))
    p.zero_grad()
    assert p.grad().stype == "row_sparse" and p.grad().asnumpy().sum() == 0


def _train_one_step(optimizer, params):
    emb = gluon.nn.Embedding(10, 4, sparse_grad=True)
    emb.initialize(mx.init.Uniform(0.5))
    trainer = gluon.Trainer(emb.collect_params(), optimizer, params)
    before = emb.weight.data().asnumpy()
    with autograd.record():
        loss = nd.sum(emb(nd.array(TOKENS)) ** 2)
    loss.backward()
    grad = emb.weight.grad().asnumpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # MXNet's lazy-update notice
        trainer.step(1)
    return before, grad, emb.weight.data().asnumpy()


USED = [0, 1, 3, 7]
UNUSED = [2, 4, 5, 6, 8, 9]


@pytest.mark.parametrize("optimizer, params, reference", [
    ("sgd", {"learning_rate": 0.1, "wd": 0.1},
     lambda w, g: w - 0.1 * (g + 0.1 * w)),
    ("sgd", {"learning_rate": 0.1, "momentum": 0.9, "wd": 0.1},
     lambda w, g: w - 0.1 * (g + 0.1 * w)),
    ("adam", {"learning_rate": 0.01, "wd": 0.1},
     lambda w, g: w - 0.01 * np.sqrt(1 - 0.999) / (1 - 0.9) * (0.1 * (g + 0.1 * w)) /
     (np.sqrt(0.001 * (g + 0.1 * w) ** 2) + 1e-8)),
    ("adagrad", {"learning_rate": 0.1},
     lambda w, g: w - 0.1 * g / (np.sqrt(g * g) + 1e-7)),
])
def test_trainer_lazy_update_changes_only_the_used_rows(optimizer, params, reference):
    before, grad, after = _train_one_step(optimizer, params)
    np.testing.assert_array_equal(after[UNUSED], before[UNUSED])
    np.testing.assert_allclose(after[USED], reference(before, grad)[USED], rtol=1e-4, atol=1e-6)


def test_sgd_without_lazy_update_is_the_standard_update():
    before, grad, after = _train_one_step("sgd", {"learning_rate": 0.1, "wd": 0.1,
                                                  "lazy_update": False})
    np.testing.assert_allclose(after, before - 0.1 * (grad + 0.1 * before), rtol=1e-5)


def test_trainer_sums_row_sparse_gradients_across_contexts():
    ctxs = [mx.cpu(0), mx.cpu(1)]
    emb = gluon.nn.Embedding(10, 4, sparse_grad=True)
    emb.initialize(mx.init.Uniform(0.5), ctx=ctxs)
    trainer = gluon.Trainer(emb.collect_params(), "sgd", {"learning_rate": 0.1})
    before = emb.weight.data(ctxs[0]).asnumpy()
    halves = [nd.array([[1, 3]], ctx=ctxs[0]), nd.array([[3, 7]], ctx=ctxs[1])]
    with autograd.record():
        losses = [nd.sum(emb(x) ** 2) for x in halves]
    autograd.backward(losses)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        trainer.step(1)
    want = before.copy()
    counts = {1: 1, 3: 2, 7: 1}
    for row, count in counts.items():
        want[row] -= 0.1 * 2 * count * before[row]
    for ctx in ctxs:
        np.testing.assert_allclose(emb.weight.data(ctx).asnumpy(), want, rtol=1e-5)


def test_hybridized_block_takes_a_csr_batch():
    net = gluon.nn.HybridSequential()
    net.add(gluon.nn.Dense(3, in_units=8))
    net.initialize(mx.init.Uniform(0.5))
    x = nd.array(X).tostype("csr")
    want = net(nd.array(X)).asnumpy()
    net.hybridize()
    with autograd.record():
        out = net(x)
        loss = nd.sum(out * out)
    loss.backward()
    np.testing.assert_allclose(out.asnumpy(), want, rtol=1e-5)
    assert net[0].weight.grad().stype == "default"


def test_update_operator_with_out_weight_writes_only_the_gradient_rows_in_place():
    weight = nd.array(W)
    buffer = weight._data
    grad = nd.sparse.row_sparse_array(([[1.0, 2.0, 3.0]], [2]), shape=W.shape)
    nd.sgd_update(weight, grad, lr=0.5, wd=0.1, out=weight)
    assert weight._data is buffer
    want = W.copy()
    want[2] = W[2] - 0.5 * (np.array([1.0, 2.0, 3.0]) + 0.1 * W[2])
    np.testing.assert_allclose(weight.asnumpy(), want, rtol=1e-6)
    untouched = nd.array(W)
    fresh = nd.sgd_update(untouched, grad, lr=0.5, wd=0.1)
    np.testing.assert_array_equal(untouched.asnumpy(), W)      # without out=, a new array
    np.testing.assert_allclose(fresh.asnumpy(), want, rtol=1e-6)


@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_sparse_embedding_gradient_in_other_dtypes(dtype):
    w = nd.array(W, dtype=dtype)
    w.attach_grad(stype="row_sparse")
    with autograd.record():
        y = nd.Embedding(nd.array([1, 3, 3]), w, input_dim=8, output_dim=3, sparse_grad=True,
                         dtype=dtype)
    y.backward()
    assert w.grad.dtype == np.dtype(dtype).type
    np.testing.assert_array_equal(w.grad.indices.asnumpy(), [1, 3])
    np.testing.assert_array_equal(w.grad.asnumpy()[[1, 3]], [[1, 1, 1], [2, 2, 2]])


def _ftrl_reference(w, g, z, n, lr, lamda1, beta, wd):
    """McMahan et al.'s FTRL step (MXNet's ftrl_update), elementwise, in float64."""
    n_new = n + g * g
    z = z + g - (np.sqrt(n_new) - np.sqrt(n)) * w / lr
    w = np.where(np.abs(z) > lamda1,
                 (np.sign(z) * lamda1 - z) / ((beta + np.sqrt(n_new)) / lr + wd), 0.0)
    return w, z, n_new


def _sgd_reference(w, g, state, lr, wd, momentum):
    step = lr * (g + wd * w)
    if momentum:
        state[0] = momentum * state[0] - step
        return w + state[0]
    return w - step


# (a dense weight takes the standard FTRL step, as in MXNet: tests/test_optimizer covers it)
@pytest.mark.parametrize("optimizer, weight_stype", [
    ("sgd", "row_sparse"), ("sgd", "default"), ("sgd_momentum", "row_sparse"),
    ("sgd_momentum", "default"), ("ftrl", "row_sparse")])
def test_updates_of_row_sparse_weights_touch_only_the_gradient_rows(optimizer, weight_stype):
    # MXNet 1.9.1: a row_sparse weight holding every row, with a row_sparse gradient, is
    # updated lazily (sgd, adam, ftrl); other rows keep their values, weight decay included
    rng = np.random.RandomState(3)
    w0 = rng.rand(5, 3).astype(np.float32)
    g_rows, rows = (rng.rand(2, 3) - 0.5).astype(np.float32), [1, 3]
    name, extra = {"sgd": ("sgd", {}), "sgd_momentum": ("sgd", {"momentum": 0.9}),
                   "ftrl": ("ftrl", {})}[optimizer]
    opt = mx.optimizer.create(name, learning_rate=0.1, wd=0.05, **extra)
    weight = nd.array(w0).tostype(weight_stype)
    grad = nd.sparse.row_sparse_array((g_rows, rows), shape=(5, 3))
    state = opt.create_state(0, weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # MXNet's lazy-update and fallback notices
        for _ in range(2):
            opt.update(0, weight, grad, state)
    assert weight.stype == weight_stype
    expected = w0.astype(np.float64)
    g = g_rows.astype(np.float64)
    if name == "ftrl":
        z, n = np.zeros_like(expected), np.zeros_like(expected)
        for _ in range(2):
            w_r, z[rows], n[rows] = _ftrl_reference(expected[rows], g, z[rows], n[rows],
                                                    0.1, 0.01, 1.0, 0.05)
            expected[rows] = w_r
    else:
        mom = [np.zeros((2, 3))]
        for _ in range(2):
            expected[rows] = _sgd_reference(expected[rows], g, mom, 0.1, 0.05,
                                            extra.get("momentum", 0.0))
    unused = [0, 2, 4]
    np.testing.assert_array_equal(weight.asnumpy()[unused], w0[unused])
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-5, atol=1e-6)


def test_update_of_a_row_sparse_weight_missing_rows_is_refused():
    weight = nd.sparse.row_sparse_array((np.ones((2, 3), np.float32), [0, 2]), shape=(5, 3))
    grad = nd.sparse.row_sparse_array((np.ones((1, 3), np.float32), [2]), shape=(5, 3))
    with pytest.raises(mx.base.MXNetError, match="sgd_update.*every one of its 5 rows"):
        nd.sgd_update(weight, grad, lr=0.1, out=weight).asnumpy()


def test_sparse_adagrad_update_of_a_row_sparse_weight_falls_back_to_dense():
    # lazy row_sparse weights are sgd/adam/ftrl's; adagrad's update takes a dense weight, so a
    # row_sparse one goes through the dense form (it crashed once the others accepted it)
    weight = nd.array(np.ones((3, 2), np.float32)).tostype("row_sparse")
    history = nd.zeros((3, 2))
    grad = nd.sparse.row_sparse_array((np.ones((1, 2), np.float32), [1]), shape=(3, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # MXNet's storage fallback notice
        out = nd.sparse.adagrad_update(weight, grad, history, lr=0.1, out=weight)
    expected = np.ones((3, 2), np.float32)
    expected[1] -= 0.1 * 1 / (1 + 1e-7)
    np.testing.assert_allclose(out.asnumpy(), expected, rtol=1e-6)
    np.testing.assert_array_equal(history.asnumpy(), [[0, 0], [1, 1], [0, 0]])
