"""The in-place update kernels (ops/optimizer_update IN_PLACE) and the optimizers' in-place path
(optimizer/inplace.py): the new weight written into the weight itself, bit-identical to the
operator's `compute`, and no weight-sized allocation per step."""
import json
import pathlib
import tracemalloc

import numpy as np
import pytest

import mxnb as mx
from mxnb.ops import registry
from mxnb.ops.optimizer_update import _common
from mxnb.ops.optimizer_update._common import IN_PLACE, release_scratch
from mxnb.optimizer.inplace import update

FIXTURE = np.load(pathlib.Path(__file__).parent.parent / "data" / "optimizer_updates.npz")
META = [m for m in json.loads(str(FIXTURE["meta"])) if m["op"] in IN_PLACE]


def _attrs(meta):
    op = registry.get(meta["op"])
    return op, op.parse_attrs({k: tuple(v) if isinstance(v, list) else v
                               for k, v in meta["attrs"].items()})


def _bits(a):
    a = np.asarray(a)
    return a.view("u%d" % a.dtype.itemsize)


def test_the_optimizers_update_operators_have_in_place_kernels():
    for name in ("sgd_update", "sgd_mom_update", "mp_sgd_update", "mp_sgd_mom_update",
                 "nag_mom_update", "mp_nag_mom_update", "multi_sgd_update",
                 "multi_sgd_mom_update", "multi_mp_sgd_update", "multi_mp_sgd_mom_update",
                 "preloaded_multi_sgd_mom_update", "preloaded_multi_mp_sgd_update",
                 "signsgd_update", "signum_update", "adam_update", "rmsprop_update",
                 "rmspropalex_update", "_multi_lamb_update", "_multi_mp_lamb_update",
                 "ftrl_update", "ftml_update"):
        assert name in IN_PLACE, name


@pytest.mark.parametrize("chunk", [None, 5])
@pytest.mark.parametrize("meta", META, ids=[m["name"] for m in META])
def test_in_place_kernel_is_bit_identical_to_compute(meta, chunk, monkeypatch):
    if chunk:      # pieces of 5 elements: the chunked loop (large weights) on fixture sizes
        monkeypatch.setattr(_common, "CHUNK", chunk)
    op, attrs = _attrs(meta)
    inputs = [FIXTURE["%s/in%d" % (meta["name"], i)] for i in range(meta["inputs"])]
    names = op.input_names(attrs)
    fresh = [x.copy() for x in inputs]
    expected = op.compute(np, fresh, attrs)
    expected = expected if isinstance(expected, list) else [expected]
    for _ in range(2):                 # the second run reuses the cached scratch buffers
        arrays = [x.copy() for x in inputs]
        weights = [a for a, n in zip(arrays, names) if n.split("_")[0] == "weight"
                   and not n.startswith("weight32")]
        assert len(weights) == len(expected)
        got = IN_PLACE[meta["op"]](np, arrays, attrs, weights)
        for g, w, e in zip(got, weights, expected):
            assert g is w                                  # written into the weight itself
            assert w.dtype == e.dtype
            np.testing.assert_array_equal(_bits(w), _bits(e))
        for name, a, f in zip(names, arrays, fresh):       # the states, moved the same way
            if not (name.startswith("weight") and not name.startswith("weight32")):
                np.testing.assert_array_equal(_bits(a), _bits(f), err_msg=name)


def test_compute_still_returns_a_fresh_array_and_leaves_the_weight():
    w = mx.nd.array(np.arange(6).reshape(2, 3))
    g, m = mx.nd.ones((2, 3)), mx.nd.zeros((2, 3))
    new = mx.nd.sgd_mom_update(w, g, m, lr=0.5, momentum=0.9, wd=0.1)
    np.testing.assert_array_equal(w.asnumpy(), np.arange(6).reshape(2, 3))
    assert new._data is not w._data
    assert not np.shares_memory(new._data, m._data)


def _mlp_states():
    r = np.random.RandomState(0)
    shapes = [(64, 96), (64,), (10, 64), (10,)]
    return ([mx.nd.array(r.uniform(-1, 1, s)) for s in shapes],
            [mx.nd.array(r.uniform(-1, 1, s)) for s in shapes])


@pytest.mark.parametrize("kwargs", [{"momentum": 0.9, "wd": 1e-3},
                                    {"momentum": 0.0, "clip_gradient": 0.5},
                                    {"momentum": 0.9, "rescale_grad": 0.25}])
@pytest.mark.parametrize("aggregate", [0, 4])
def test_sgd_optimizer_in_place_equals_the_nd_operators(kwargs, aggregate):
    weights, grads = _mlp_states()
    ref = [w.copy() for w in weights]
    opt = mx.optimizer.SGD(learning_rate=0.1, **kwargs)
    opt.aggregate_num = aggregate
    updater = mx.optimizer.get_updater(opt)
    moms = [mx.nd.zeros(w.shape) for w in ref]
    held = [w._data for w in weights]
    for _ in range(3):
        updater(list(range(4)), grads, weights)
        for w, g, m in zip(ref, grads, moms):
            args = dict(lr=0.1, wd=kwargs.get("wd", 0.0),
                        rescale_grad=kwargs.get("rescale_grad", 1.0),
                        clip_gradient=kwargs.get("clip_gradient", -1.0))
            if kwargs["momentum"]:
                mx.nd.sgd_mom_update(w, g, m, out=w, momentum=kwargs["momentum"], **args)
            else:
                mx.nd.sgd_update(w, g, out=w, **args)
    for w, r, data in zip(weights, ref, held):
        assert w._data is data                    # the same array, updated in place
        np.testing.assert_array_equal(_bits(w.asnumpy()), _bits(r.asnumpy()))


def test_multi_precision_sgd_in_place_updates_weight_and_master_copy():
    weights = [mx.nd.array(np.linspace(-1, 1, 12).reshape(3, 4), dtype="float16")]
    grads = [mx.nd.array(np.linspace(2, -2, 12).reshape(3, 4), dtype="float16")]
    opt = mx.optimizer.SGD(learning_rate=0.1, momentum=0.9, multi_precision=True)
    updater = mx.optimizer.get_updater(opt)
    w32 = weights[0].astype("float32")
    mom = mx.nd.zeros((3, 4))
    w16 = weights[0].copy()
    for _ in range(2):
        updater(0, grads[0], weights[0])
        mx.nd.mp_sgd_mom_update(w16, grads[0], mom, w32, out=w16, lr=0.1, momentum=0.9)
    np.testing.assert_array_equal(_bits(weights[0].asnumpy()), _bits(w16.asnumpy()))
    np.testing.assert_array_equal(updater.states[0][1].asnumpy(), w32.asnumpy())


def test_an_in_place_step_allocates_nothing_weight_sized():
    weights, grads = _mlp_states()
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9,
                                                        wd=1e-4, rescale_grad=1 / 64))
    step = lambda: updater(list(range(4)), grads, weights)   # noqa: E731
    step()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        step()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert peak < weights[0]._data.nbytes // 4, peak       # 24 KB weight; a few small objects


def test_the_in_place_path_falls_back_to_the_operator_when_it_does_not_apply():
    w, g, m = mx.nd.ones((2, 3)), mx.nd.ones((3, 2)), mx.nd.zeros((2, 3))
    with pytest.raises(mx.base.MXNetError, match="sgd_mom_update"):
        update("sgd_mom_update", [w, g, m], [w], {"lr": 0.1, "momentum": 0.9}, 3)
    np.testing.assert_array_equal(w.asnumpy(), np.ones((2, 3)))      # nothing moved
    x = mx.nd.ones((2, 3))
    x.attach_grad()
    with mx.autograd.record():
        out = update("sgd_update", [x, mx.nd.ones((2, 3))], [mx.nd.zeros((2, 3))],
                     {"lr": 0.5}, 2)
    np.testing.assert_allclose(out[0].asnumpy(), np.full((2, 3), 0.5))


def test_release_scratch_frees_the_cached_buffers():
    weights, grads = _mlp_states()
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    updater(0, grads[0], weights[0])
    release_scratch()
    before = weights[0].asnumpy()
    updater(0, grads[0], weights[0])
    assert not np.array_equal(before, weights[0].asnumpy())


@pytest.mark.parametrize("name,states,attrs", [
    ("ftrl_update", 2, {"lr": 0.1, "wd": 0.01}),
    ("rmspropalex_update", 3, {"lr": 0.01, "wd": 0.01}),
    ("rmsprop_update", 1, {"lr": 0.01}),
    ("nag_mom_update", 1, {"lr": 0.1, "momentum": 0.9, "wd": 0.01}),
    ("sgd_mom_update", 1, {"lr": 0.1, "momentum": 0.9, "wd": 0.01})])
def test_float32_states_of_a_float16_weight_update_it_as_compute_and_a_cast_do(name, states, attrs):
    # RMSProp and FTRL keep float32 states for any weight: the step then computes in float32
    # and is rounded into the float16 weight once, at the end
    r = np.random.RandomState(4)
    inputs = [r.uniform(-1, 1, (6, 5)).astype("float16") for _ in range(2)] + \
        [r.uniform(0.1, 1, (6, 5)).astype("float32") for _ in range(states)]
    op = registry.get(name)
    parsed = op.parse_attrs(attrs)
    fresh = [x.copy() for x in inputs]
    expected = np.asarray(op.compute(np, fresh, parsed)).astype("float16")
    arrays = [x.copy() for x in inputs]
    IN_PLACE[name](np, arrays, parsed, [arrays[0]])
    np.testing.assert_array_equal(_bits(arrays[0]), _bits(expected))
    for a, f in zip(arrays[2:], fresh[2:]):
        np.testing.assert_array_equal(_bits(a), _bits(f))


def _row_sparse_embedding_step():
    """A row_sparse weight (every row stored, as MXNet's sparse weights) and a gradient on a
    few of its rows; returns (weight, gradient, the NumPy weight before the step)."""
    r = np.random.RandomState(3)
    dense = r.uniform(-1, 1, (2000, 16)).astype(np.float32)
    weight = mx.nd.array(dense).tostype("row_sparse")
    rows = np.array([2, 7, 1500])
    grad = mx.nd.sparse.row_sparse_array((r.uniform(-1, 1, (3, 16)).astype(np.float32), rows),
                                         shape=dense.shape)
    return weight, grad, dense, rows


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_a_row_sparse_weight_updates_only_the_gradient_rows_in_place(momentum):
    weight, grad, dense, rows = _row_sparse_embedding_step()
    grad_rows = grad.data.asnumpy()
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, momentum=momentum,
                                                        wd=0.01, rescale_grad=0.5))
    expected, mom = dense.copy(), np.zeros_like(dense)
    for _ in range(2):
        updater(0, grad, weight)
        # MXNet's lazy update, in float32 as the operator's: only the gradient's rows move
        w = expected[rows]
        step = (grad_rows * np.float32(0.5) + w * np.float32(0.01)) * np.float32(0.1)
        if momentum:
            mom[rows] = mom[rows] * np.float32(momentum) - step
            expected[rows] = w + mom[rows]
        else:
            expected[rows] = w - step
    assert weight.stype == "row_sparse"
    np.testing.assert_allclose(weight.asnumpy(), expected, rtol=1e-6, atol=1e-7)
    untouched = np.setdiff1d(np.arange(dense.shape[0]), rows)
    np.testing.assert_array_equal(weight.asnumpy()[untouched], dense[untouched])


def test_a_row_sparse_weight_step_allocates_nothing_weight_sized():
    weight, grad, _, _ = _row_sparse_embedding_step()
    updater = mx.optimizer.get_updater(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    updater(0, grad, weight)
    # (wait_to_read, not waitall: under a threaded engine waitall would also raise the error
    # another test's operator left in the engine)
    weight.wait_to_read()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        updater(0, grad, weight)
        weight.wait_to_read()
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # the weight is 128 KB; the three rows the step touches are 192 bytes
    assert peak < weight.data.asnumpy().nbytes // 4, peak
