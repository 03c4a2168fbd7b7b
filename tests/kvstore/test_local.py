"""The single-process kvstores against MXNet 1.9.1's semantics (values checked with real MXNet):
push sums a list of values and replaces the stored one, or feeds an optimizer; pull copies;
2-bit compression keeps residuals; errors name the key."""
import numpy as np
import pytest

import mxnb as mx
from mxnb import nd
from mxnb.base import MXNetError


def _pull(kv, key, shape):
    out = nd.zeros(shape)
    kv.pull(key, out=out)
    return out.asnumpy()


@pytest.mark.parametrize("kind", ["local", "device", "nccl"])
def test_push_sums_device_values_and_replaces_the_store(kind):
    kv = mx.kv.create(kind)
    assert (kv.type, kv.rank, kv.num_workers) == (kind, 0, 1)
    kv.init(3, nd.ones((2, 3)))
    kv.push(3, [nd.ones((2, 3), ctx=mx.cpu(0)), nd.ones((2, 3), ctx=mx.cpu(1)) * 2])
    np.testing.assert_array_equal(_pull(kv, 3, (2, 3)), np.full((2, 3), 3.0))


def test_updater_gets_key_merged_value_and_stored_weight():
    kv = mx.kv.create("local")
    kv.init(3, nd.ones((2, 3)))
    seen = []

    def update(key, merged, stored):
        seen.append(key)
        stored += merged * 2
    kv._set_updater(update)
    kv.push(3, nd.ones((2, 3)))
    assert seen == [3]
    np.testing.assert_array_equal(_pull(kv, 3, (2, 3)), np.full((2, 3), 3.0))


def test_pull_into_every_device_and_list_of_keys():
    kv = mx.kv.create("device")
    kv.init(["a", "b"], [nd.ones((2,)), nd.zeros((3,))])
    outs = [nd.zeros((2,), ctx=mx.cpu(i)) for i in range(3)]
    kv.pull("a", out=outs)
    for i, o in enumerate(outs):
        assert o.context == mx.cpu(i)
        np.testing.assert_array_equal(o.asnumpy(), [1, 1])
    kv.push(["a", "b"], [[nd.ones((2,))] * 2, [nd.ones((3,))] * 3])
    np.testing.assert_array_equal(_pull(kv, "b", (3,)), [3, 3, 3])


def test_pushpull_and_broadcast():
    kv = mx.kv.create("local")
    kv.init(0, nd.zeros((2,)))
    out = nd.zeros((2,))
    kv.pushpull(0, [nd.ones((2,)), nd.ones((2,))], out=out)
    np.testing.assert_array_equal(out.asnumpy(), [2, 2])
    values = [nd.ones((2,)), nd.ones((2,)) * 4]
    kv.pushpull(0, values)          # no out: the result goes back into the values
    for v in values:
        np.testing.assert_array_equal(v.asnumpy(), [5, 5])
    kv.broadcast(1, nd.ones((2,)) * 7, out=out)
    np.testing.assert_array_equal(out.asnumpy(), [7, 7])


def test_two_bit_compression_matches_mxnet():
    kv = mx.kv.create("device")
    kv.set_gradient_compression({"type": "2bit", "threshold": 0.5})
    kv.init(0, nd.zeros((4,)))
    grad = [0.3, 0.6, -0.7, 1.2]
    results = []
    for _ in range(2):
        kv.push(0, [nd.array(grad), nd.array(grad)])
        results.append(_pull(kv, 0, (4,)))
    # MXNet 1.9.1 gives these: residuals carry what quantisation left out to the next push
    np.testing.assert_array_equal(results[0], [0, 1, -1, 1])
    np.testing.assert_array_equal(results[1], [1, 1, -1, 1])


def test_row_sparse_pull_fills_only_the_asked_rows():
    kv = mx.kv.create("local")
    kv.init("emb", nd.array(np.arange(12).reshape(4, 3)))
    out = nd.ones((4, 3)) * -1
    kv.row_sparse_pull("emb", out=out, row_ids=nd.array([3, 1]))
    expected = np.zeros((4, 3))
    expected[[1, 3]] = np.arange(12).reshape(4, 3)[[1, 3]]
    np.testing.assert_array_equal(out.asnumpy(), expected)
    with pytest.raises(MXNetError, match=r"row_ids must lie in \[0, 4\)"):
        kv.row_sparse_pull("emb", out=out, row_ids=nd.array([4]))


def test_optimizer_on_the_store_and_its_state_file(tmp_path):
    def run(kv, steps):
        for _ in range(steps):
            kv.push(0, nd.ones((2,)))
        return _pull(kv, 0, (2,))

    kv = mx.kv.create("local")
    kv.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    kv.init(0, nd.zeros((2,)))
    run(kv, 2)
    fname = str(tmp_path / "kv.states")
    kv.save_optimizer_states(fname)
    after_three = run(kv, 1)

    other = mx.kv.create("local")
    other.set_optimizer(mx.optimizer.SGD(learning_rate=0.1, momentum=0.9))
    other.init(0, nd.zeros((2,)))
    run(other, 2)
    other.load_optimizer_states(fname)
    np.testing.assert_allclose(run(other, 1), after_three, rtol=1e-6)
    # momentum made the third step larger than the first: -0.1, -0.19, -0.271 summed
    np.testing.assert_allclose(after_three, [-0.561, -0.561], rtol=1e-5)


@pytest.mark.parametrize("call,match", [
    (lambda kv: kv.init(3, nd.ones((2,))), "duplicate init of key 3"),
    (lambda kv: kv.pull(9, out=nd.zeros((2,))), "key 9 has not been initialized"),
    (lambda kv: kv.init("s", nd.ones((2,))), "mixed key types"),
    (lambda kv: kv.push(3, nd.ones((3,))), r"shape mismatch: the store holds \(2,\), found \(3,\)"),
    (lambda kv: kv.set_gradient_compression({"type": "2bit"}), "not supported for this type"),
    (lambda kv: kv.save_optimizer_states("x"), "no optimizer is set"),
    (lambda kv: kv.push([1, 2], [nd.ones((2,))]), "2 keys need 2 values"),
])
def test_errors_name_the_key(call, match):
    kv = mx.kv.create("local")
    kv.init(3, nd.ones((2,)))
    with pytest.raises(MXNetError, match=match):
        call(kv)


def test_create_and_register():
    with pytest.raises(MXNetError, match="unknown kvstore type 'bogus'"):
        mx.kv.create("bogus")

    @mx.kv.KVStoreBase.register
    class EchoStore(mx.kv.KVStoreBase):
        pass
    try:
        assert isinstance(mx.kv.create("echostore"), EchoStore)
        with pytest.raises(MXNetError, match="already registered"):
            mx.kv.KVStoreBase.register(EchoStore)
    finally:
        del mx.kv.KVStoreBase.kv_registry["echostore"]
    assert mx.kv.KVStore.is_capable(mx.kv.KVStoreBase.OPTIMIZER)


def test_row_sparse_pull_into_row_sparse_arrays_as_mxnet():
    # MXNet 1.9.1: indices are the sorted unique row_ids, data their rows
    kv = mx.kv.create("local")
    kv.init("w", nd.array([[1, 1], [2, 2], [3, 3], [4, 4]]).tostype("row_sparse"))
    out = nd.sparse.zeros("row_sparse", (4, 2))
    kv.row_sparse_pull("w", out=out, row_ids=nd.array([3, 1, 1]))
    assert out.stype == "row_sparse"
    np.testing.assert_array_equal(out.indices.asnumpy(), [1, 3])
    np.testing.assert_array_equal(out.data.asnumpy(), [[2, 2], [4, 4]])
    outs = [nd.sparse.zeros("row_sparse", (4, 2), ctx=mx.cpu(i)) for i in range(2)]
    kv.row_sparse_pull("w", out=outs, row_ids=[nd.array([0]), nd.array([2, 3])])
    np.testing.assert_array_equal(outs[0].indices.asnumpy(), [0])
    np.testing.assert_array_equal(outs[1].data.asnumpy(), [[3, 3], [4, 4]])
    assert outs[1].context == mx.cpu(1)


def test_split_sampler_parts_cover_the_data_once():
    from mxnb.gluon.data import SplitSampler
    parts = [list(SplitSampler(10, num_parts=3, part_index=i, seed=0)) for i in range(3)]
    assert all(len(p) == 3 for p in parts)
    assert sorted(sum(parts, [])) == list(range(9))
    assert list(SplitSampler(10, 2, 1, shuffle=False)) == [5, 6, 7, 8, 9]
    with pytest.raises(MXNetError, match="part_index must lie in"):
        SplitSampler(10, 2, 2)


def _rows_of(stored, rows):
    """The dense value a row_sparse_pull of `rows` gives: those rows of `stored`, zeros elsewhere."""
    expected = np.zeros_like(stored)
    expected[rows] = stored[rows]
    return expected


def test_row_sparse_pull_list_of_keys_takes_row_ids_per_key_as_mxnet():
    # MXNet 1.9.1 accepts, for a list of keys, one row_ids entry per key: a list with one per
    # output (nested), or one NDArray for the key's single output
    stored = {5: np.arange(8.).reshape(4, 2) + 5, 7: np.arange(8.).reshape(4, 2) + 7}
    kv = mx.kv.create("local")
    kv.init([5, 7], [nd.array(stored[5]).tostype("row_sparse"), nd.array(stored[7]).tostype("row_sparse")])
    rows = [[0], [1, 3], [2]]
    outs = [[nd.sparse.zeros("row_sparse", (4, 2)) for _ in range(3)] for _ in range(2)]
    kv.row_sparse_pull([5, 7], out=outs, row_ids=[[nd.array(r) for r in rows],
                                                 [nd.array(r) for r in rows[::-1]]])
    for key, key_outs, key_rows in ((5, outs[0], rows), (7, outs[1], rows[::-1])):
        for out, r in zip(key_outs, key_rows):
            np.testing.assert_array_equal(out.asnumpy(), _rows_of(stored[key], r))
    flat = [nd.sparse.zeros("row_sparse", (4, 2)) for _ in range(2)]
    kv.row_sparse_pull([5, 7], out=flat, row_ids=[nd.array([0]), nd.array([1, 3])])
    np.testing.assert_array_equal(flat[0].asnumpy(), _rows_of(stored[5], [0]))
    np.testing.assert_array_equal(flat[1].asnumpy(), _rows_of(stored[7], [1, 3]))
    mixed = [nd.sparse.zeros("row_sparse", (4, 2)), [nd.sparse.zeros("row_sparse", (4, 2))] * 1]
    kv.row_sparse_pull([5, 7], out=mixed, row_ids=[nd.array([2]), [nd.array([0, 1])]])
    np.testing.assert_array_equal(mixed[0].asnumpy(), _rows_of(stored[5], [2]))
    np.testing.assert_array_equal(mixed[1][0].asnumpy(), _rows_of(stored[7], [0, 1]))


def test_row_sparse_pull_one_row_ids_serves_every_output_of_a_key():
    stored = np.arange(8.).reshape(4, 2)
    kv = mx.kv.create("local")
    kv.init([1, 2], [nd.array(stored), nd.array(stored * 2)])
    outs = [[nd.zeros((4, 2)) for _ in range(3)] for _ in range(2)]
    kv.row_sparse_pull([1, 2], out=outs, row_ids=[nd.array([3]), [nd.array([0, 2])]])
    for out in outs[0]:
        np.testing.assert_array_equal(out.asnumpy(), _rows_of(stored, [3]))
    for out in outs[1]:
        np.testing.assert_array_equal(out.asnumpy(), _rows_of(stored * 2, [0, 2]))


def test_row_sparse_pull_row_ids_that_fit_no_form_are_assertion_errors():
    kv = mx.kv.create("local")
    kv.init([1, 2], [nd.zeros((4, 2)), nd.zeros((4, 2))])
    outs = [[nd.zeros((4, 2))] * 3, [nd.zeros((4, 2))] * 3]
    with pytest.raises(AssertionError, match="2 keys need row_ids"):
        kv.row_sparse_pull([1, 2], out=outs, row_ids=[[nd.array([0])] * 3])
    with pytest.raises(MXNetError, match=r"3 outputs need one row_ids each"):
        kv.row_sparse_pull([1, 2], out=outs, row_ids=[[nd.array([0])] * 2, nd.array([1])])
