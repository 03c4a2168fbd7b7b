"""transforms.Normalize: MXNet's rules for mean/std (1 value or one per channel) and input rank,
with MXNetError naming Normalize, the channels and the lengths."""
import numpy as np
import pytest

import mxnb as mx
from mxnb.base import MXNetError
from mxnb.gluon.data.vision import transforms as T


def _reference(x, mean, std):
    channels = x.shape[-3]
    mean = np.broadcast_to(np.asarray(mean, dtype=np.float64).reshape(-1), (channels,))
    std = np.broadcast_to(np.asarray(std, dtype=np.float64).reshape(-1), (channels,))
    return (x - mean.reshape(-1, 1, 1)) / std.reshape(-1, 1, 1)


@pytest.mark.parametrize("shape, mean, std", [
    ((3, 4, 5), (0.1, 0.2, 0.3), (0.5, 0.6, 0.7)),
    ((2, 3, 4, 5), (0.1, 0.2, 0.3), 0.5),
    ((1, 4, 5), (0.4,), (2.0,)),
    ((2, 1, 4, 5), 0.4, 2.0),
])
def test_normalize_matches_numpy(shape, mean, std):
    x = np.random.RandomState(0).uniform(size=shape).astype(np.float32)
    out = T.Normalize(mean, std)(mx.nd.array(x)).asnumpy()
    np.testing.assert_allclose(out, _reference(x, mean, std), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("shape, mean, std, what, found", [
    ((5, 4, 6, 6), (0, 1, 2), (3, 2, 1), "mean", 3),      # MXNet's own test case
    ((3, 6, 6), (0, 1), 1.0, "mean", 2),
    ((1, 6, 6), (0, 1, 2), (1, 1, 1), "mean", 3),
    ((2, 3, 6, 6), 0.5, (1, 2), "std", 2),
])
def test_mean_or_std_not_fitting_the_channels_is_an_mxnet_error(shape, mean, std, what, found):
    channels = shape[-3]
    with pytest.raises(MXNetError, match=r"Normalize: %s must have 1 value or one per channel "
                                         r"\(%d channels.*found %d values"
                       % (what, channels, found)):
        T.Normalize(mean, std)(mx.nd.ones(shape)).asnumpy()


@pytest.mark.parametrize("shape", [(5, 5, 3, 6, 6), (6, 6)])
def test_input_that_is_not_chw_or_nchw_is_an_mxnet_error(shape):
    for mean, std in (((0, 1, 2), (3, 2, 1)), (0.5, 2.0)):
        with pytest.raises(MXNetError, match=r"Normalize expects a \(C, H, W\) or \(N, C, H, W\)"):
            T.Normalize(mean, std)(mx.nd.ones(shape)).asnumpy()
