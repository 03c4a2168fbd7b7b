"""The rest of mx.test_utils: star-import exports, statistics of generators (p-values equal
SciPy's), consistency and hybridization checks, MNIST from local IDX files, small helpers."""
import gzip
import os
import struct

import numpy as np
import pytest


def test_star_import_exports_mx_np_and_the_helpers():
    namespace = {}
    exec("from mxnb.test_utils import *", namespace)
    import mxnb
    assert namespace["mx"] is mxnb and namespace["np"] is np
    assert namespace["NDArray"] is mxnb.nd.NDArray
    for name in ("assert_almost_equal", "check_consistency", "verify_generator", "DummyIter",
                 "environment", "get_mnist", "rand_ndarray", "np_reduce", "same_array",
                 "chi_square_check", "gen_buckets_probs_with_ppf", "effective_dtype", "use_np",
                 "is_cd_run", "check_speed", "assert_almost_equal_with_err", "download"):
        assert callable(namespace[name]), name


def test_chi_square_p_values_match_the_closed_forms():
    """With an even number of degrees of freedom the chi-square survival function is closed:
    k = 2: exp(-x/2); k = 4: exp(-x/2) (1 + x/2); k = 6: exp(-x/2) (1 + x/2 + x^2/8)."""
    import math
    from mxnb._testing_stats import chi_square_p_value
    closed = {2: lambda x: math.exp(-x / 2),
              4: lambda x: math.exp(-x / 2) * (1 + x / 2),
              6: lambda x: math.exp(-x / 2) * (1 + x / 2 + x * x / 8)}
    for obs in ([100, 120, 80], [1000, 1300, 700], [30, 10, 25, 35, 0.5], [5, 9, 3, 7, 4, 8, 6]):
        exp = np.full(len(obs), sum(obs) / len(obs))
        statistic = float(((np.array(obs) - exp) ** 2 / exp).sum())
        expected = closed[len(obs) - 1](statistic)
        assert chi_square_p_value(obs, exp) == pytest.approx(expected, rel=1e-9, abs=1e-300)
    assert chi_square_p_value([10, 10], [10, 10]) == pytest.approx(1.0)


def test_verify_generator_accepts_the_right_distribution_and_rejects_a_wrong_one():
    from mxnb import test_utils as tu
    import math
    ppf = lambda q: -math.log(1 - q) if q < 1 else float("inf")   # exponential(1)
    buckets, probs = tu.gen_buckets_probs_with_ppf(ppf, 5)
    assert probs == [0.2] * 5 and buckets[0] == (0.0, ppf(0.2))
    rng = np.random.RandomState(0)
    p_values = tu.verify_generator(lambda n: rng.exponential(size=n), buckets, probs, nsamples=20000)
    assert len(p_values) == 5
    with pytest.raises(AssertionError, match="Generator test fails"):
        tu.verify_generator(lambda n: rng.exponential(scale=1.3, size=n), buckets, probs,
                            nsamples=20000)
    p, obs, exp = tu.chi_square_check(lambda n: rng.randint(0, 3, size=n), [0, 1, 2], [1 / 3.0] * 3,
                                      30000)
    assert obs.sum() == 30000 and list(exp) == [10000] * 3 and 0 <= p <= 1
    assert tu.mean_check(lambda n: rng.normal(2.0, 1.0, size=n), 2.0, 1.0, 20000)
    assert not tu.mean_check(lambda n: rng.normal(2.5, 1.0, size=n), 2.0, 1.0, 20000)
    assert tu.var_check(lambda n: rng.normal(0, 2.0, size=n), 2.0, 20000)


def test_check_consistency_compares_dtypes_and_finds_differences():
    from mxnb.test_utils import check_consistency, mx
    net = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=3, name="fc")
    specs = [{"ctx": mx.cpu(), "data": (2, 4), "type_dict": {"data": np.float32}},
             {"ctx": mx.cpu(), "data": (2, 4), "type_dict": {"data": np.float64}}]
    gt = check_consistency(net, specs)
    assert sorted(gt) == ["data", "fc_bias", "fc_output", "fc_weight"]
    assert gt["fc_output"].dtype == np.float64
    other = mx.sym.FullyConnected(mx.sym.var("data") * 2, num_hidden=3, name="fc")
    with pytest.raises(AssertionError):
        check_consistency([net, other], specs)


def test_gluon_hybridize_consistency_and_speed():
    from mxnb.test_utils import check_gluon_hybridize_consistency, check_speed, mx
    check_gluon_hybridize_consistency(lambda: mx.gluon.nn.Dense(3), [np.ones((2, 4))])
    assert check_speed(mx.sym.relu(mx.sym.var("x")), x=(8, 8), N=2) > 0
    assert check_speed(mx.sym.relu(mx.sym.var("x")), typ="forward", x=(8, 8), N=2) > 0


def _write_idx(path, array):
    dtype_code = {np.uint8: 0x08, np.int8: 0x09}[array.dtype.type]
    header = struct.pack(">I", (dtype_code << 8) | array.ndim) + struct.pack(">" + "I" * array.ndim, *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def test_get_mnist_reads_local_idx_files(tmp_path, monkeypatch):
    from mxnb import test_utils as tu
    rng = np.random.RandomState(0)
    for prefix, n in (("train", 6), ("t10k", 3)):
        _write_idx(str(tmp_path / ("%s-images-idx3-ubyte.gz" % prefix)),
                   rng.randint(0, 256, size=(n, 28, 28)).astype(np.uint8))
        _write_idx(str(tmp_path / ("%s-labels-idx1-ubyte.gz" % prefix)),
                   rng.randint(0, 10, size=n).astype(np.uint8))
    monkeypatch.chdir(tmp_path)
    mnist = tu.get_mnist()
    assert mnist["train_data"].shape == (6, 1, 28, 28) and mnist["test_label"].shape == (3,)
    assert mnist["train_data"].dtype == np.float32 and mnist["train_data"].max() <= 1.0
    tu.get_mnist_ubyte()
    assert os.path.getsize("data/t10k-labels-idx1-ubyte") == 8 + 3


def test_small_helpers():
    from mxnb import test_utils as tu
    from mxnb.test_utils import mx
    assert tu.np_reduce(np.ones((2, 3, 4)), (0, 2), True, np.sum).shape == (1, 3, 1)
    assert tu.np_reduce(np.ones((2, 3)), None, False, np.sum) == 6
    tu.assert_almost_equal_with_err(np.array([1., 2., 3.]), np.array([1., 2., 4.]), etol=0.4)
    with pytest.raises(AssertionError):
        tu.assert_almost_equal_with_err(np.array([1., 2., 3.]), np.array([1., 5., 4.]), etol=0.4)
    a = mx.nd.ones((2, 2))
    assert tu.same_array(a, a) and not tu.same_array(a, a.copy())
    assert tu.same_symbol_structure(mx.sym.relu(mx.sym.var("x")), mx.sym.relu(mx.sym.var("y")))
    it = tu.DummyIter(mx.io.NDArrayIter(np.ones((4, 2)), batch_size=2))
    assert next(it) is next(it)
    with tu.environment("MXNB_TEST_ENV", "7"):
        assert os.environ["MXNB_TEST_ENV"] == "7"
    assert "MXNB_TEST_ENV" not in os.environ
    assert tu.effective_dtype(mx.nd.ones(2)) == np.float32
    np.testing.assert_array_equal(tu.create_2d_tensor(2, 3).asnumpy(), [[0, 0, 0], [1, 1, 1]])
    assert tu.get_identity_mat_batch(3).shape == (2, 3, 3)
    m = tu.new_sym_matrix_with_real_eigvals_2d(4)
    np.testing.assert_allclose(m, m.T, atol=1e-10)
    assert np.isreal(np.linalg.eigvals(tu.new_matrix_with_real_eigvals_2d(3))).all()
    assert tu.collapse_sum_like(np.ones((2, 3, 4)), (3, 1)).tolist() == [[8.0]] * 3
    assert tu.assign_each2(np.ones(3), np.ones(3), lambda a, b: a + b).tolist() == [2, 2, 2]
    assert tu.rand_ndarray((2, 2), stype="csr").stype == "csr"
