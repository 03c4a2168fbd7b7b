"""BatchNorm's compiled per-channel loops (ops/nn/_batch_norm_loops.py) against its NumPy form on
the same inputs. The loops sum in float64 lanes where einsum sums in the data's dtype, so the
two agree within float32 rounding (1e-5 relative to each output's largest value), not bit for
bit; the running statistics are updated alike; layouts with rows under 8 elements keep the
NumPy form and agree exactly."""
import numpy as np
import pytest

from mxnb import compiled
from mxnb.ops.nn import _batch_norm_loops as loops
from mxnb.ops.nn.batch_norm import BatchNorm, BackwardBatchNorm
from .compiled_forms import needs_numba, both_forms



def _attrs(fix_gamma, axis=1, use_global_stats=False):
    return dict(eps=1e-3, momentum=0.9, fix_gamma=fix_gamma, use_global_stats=use_global_stats,
                output_mean_var=False, axis=axis, cudnn_off=False, min_calib_range=None,
                max_calib_range=None)


def _run(x, og, fix_gamma, axis, training):
    """(forward outputs, moving statistics after, backward outputs) of one training step."""
    rng = np.random.default_rng(3)
    channels = x.shape[axis]
    gamma = rng.uniform(0.5, 1.5, channels).astype(x.dtype)
    beta = rng.standard_normal(channels).astype(x.dtype)
    moving = [np.full(channels, 0.5, x.dtype), np.full(channels, 2.0, x.dtype)]
    attrs = _attrs(fix_gamma, axis)
    outs = BatchNorm.compute(np, [x, gamma, beta] + moving, attrs, is_train=True)
    grads = BackwardBatchNorm.compute(np, [og, x, gamma, outs[1], outs[2]],
                                      dict(eps=1e-3, fix_gamma=fix_gamma, axis=axis,
                                           training=training))
    return list(outs) + moving + list(grads)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fix_gamma, training", [(False, True), (True, True), (False, False)])
def test_training_step_matches_the_numpy_form_within_rounding(dtype, fix_gamma, training):
    rng = np.random.default_rng(0)
    # a mean large next to the spread, where a one-pass variance would lose its digits
    x = (30 + rng.standard_normal((3, 4, 5, 6))).astype(dtype)
    og = rng.standard_normal(x.shape).astype(dtype)
    with compiled.use_compiled(True):
        assert loops.usable(x.reshape(3, 4, 30))            # the loops take this layout
    fast, slow = both_forms(lambda: _run(x, og, fix_gamma, 1, training))
    names = ("output", "mean", "invstd", "moving_mean", "moving_var", "data_grad", "gamma_grad",
             "beta_grad")
    for name, a, b in zip(names, fast, slow):
        assert a.dtype == b.dtype and a.shape == b.shape, name
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5 * max(np.abs(b).max(), 1e-30),
                                   err_msg=name)


@needs_numba
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_inference_form_is_bit_equal_and_invstd_is_rounded_as_numpy_rounds_it(dtype):
    rng = np.random.default_rng(5)
    x = (1 + rng.standard_normal((2, 3, 4, 5))).astype(dtype)
    gamma, beta = rng.uniform(0.5, 1.5, 3).astype(dtype), rng.standard_normal(3).astype(dtype)
    moving = [rng.standard_normal(3).astype(dtype), rng.uniform(0.5, 2, 3).astype(dtype)]
    attrs = _attrs(False)
    outs = []
    for flag in (True, False):
        with compiled.use_compiled(flag):
            outs.append(BatchNorm.compute(np, [x, gamma, beta] + moving, attrs, is_train=False))
    for a, b in zip(*outs):
        assert np.array_equal(a, b)
    with compiled.use_compiled(True):          # the loop's invstd from its own variance
        out, mean, var, invstd = loops.forward(x.reshape(2, 3, 20), gamma, beta, 1e-3, False)
    assert np.array_equal(invstd, 1 / np.sqrt(var + dtype(1e-3)))


@needs_numba
def test_float16_data_is_normalized_through_float32_sums():
    rng = np.random.default_rng(1)
    x = (2 + rng.standard_normal((2, 3, 4, 4))).astype(np.float16)
    og = rng.standard_normal(x.shape).astype(np.float16)
    fast, slow = both_forms(lambda: _run(x, og, False, 1, True))
    for a, b in zip(fast, slow):
        assert a.dtype == b.dtype == np.float16
        np.testing.assert_allclose(a.astype(np.float32), b.astype(np.float32), rtol=0,
                                   atol=2e-3 * max(np.abs(b.astype(np.float32)).max(), 1e-3))


@needs_numba
@pytest.mark.parametrize("shape, axis", [((6, 7), 1), ((4, 5, 3), -1)],
                         ids=["dense", "channel_last"])
def test_short_rows_keep_the_numpy_form(shape, axis):
    rng = np.random.default_rng(2)
    x = rng.standard_normal(shape).astype(np.float32)
    og = rng.standard_normal(shape).astype(np.float32)
    fast, slow = both_forms(lambda: _run(x, og, False, axis, True))
    for a, b in zip(fast, slow):
        assert np.array_equal(a, b)


@needs_numba
@pytest.mark.parametrize("training", [True, False])
def test_loops_split_over_threads_by_channel_give_the_unsplit_results(forced_split, training):
    """Large data goes to two threads, each a range of channels: the same per-channel sums and
    passes, so bit-equal to one thread's results."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 7, 40)).astype(np.float32)
    og = rng.standard_normal(x.shape).astype(np.float32)
    with compiled.use_compiled(True):
        whole = _run(x, og, False, 1, training)
        calls = forced_split(loops)
        halves = _run(x, og, False, 1, training)
    assert [n for n, _ in calls] == [7, 7]        # forward and backward, over the channels
    for a, b in zip(whole, halves):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("training, use_global_stats", [(True, False), (False, True)])
def test_batch_norm_with_relu_is_bit_equal_to_batch_norm_then_relu(use_compiled, dtype, training,
                                                                  use_global_stats):
    """BatchNormWithReLU's one pass (relu as the result is written) and its backward (relu's
    gradient taken as ograd is read) give BatchNorm's then relu's results bit for bit, in the
    compiled and the NumPy forms; a NaN output gradient stays NaN where relu passes it."""
    from mxnb.ops import registry
    from mxnb.ops.nn.activation import BackwardActivation
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 4, 10)).astype(dtype)
    og = rng.standard_normal(x.shape).astype(dtype)
    og[0, 0, :3] = np.nan
    gamma = rng.uniform(0.5, 1.5, 4).astype(dtype)
    beta = rng.standard_normal(4).astype(dtype)
    fused = registry.get("_contrib_BatchNormWithReLU")
    attrs = fused.parse_attrs({"fix_gamma": False, "use_global_stats": use_global_stats})
    grad_attrs = dict(eps=attrs["eps"], fix_gamma=False, axis=1, training=training)

    def run(with_relu):
        moving = [np.full(4, 0.5, dtype), np.full(4, 2.0, dtype)]
        inputs = [x, gamma.copy(), beta] + moving
        if with_relu:
            outs = fused.compute(np, inputs, attrs, is_train=True)
            grads = registry.get("_backward_BatchNormWithReLU").compute(
                np, [og, x, gamma, outs[1], outs[2], outs[0]], grad_attrs)
        else:
            outs = BatchNorm.compute(np, inputs, attrs, is_train=True)
            outs[0] = np.maximum(outs[0], 0)
            masked = BackwardActivation.compute(np, [og, outs[0], outs[0]],
                                                {"act_type": "relu"})
            grads = BackwardBatchNorm.compute(np, [masked, x, gamma, outs[1], outs[2]],
                                              grad_attrs)
        return list(outs) + moving + list(grads)
    with compiled.use_compiled(use_compiled):
        got, want = run(True), run(False)
    assert (got[0] >= 0).all() and (got[0] == 0).any()
    for a, b in zip(got, want):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
