"""Helpers shared by the gluon tests."""
import numpy as np

from mxnb import nd


def fill_params(block, seed=0, scale=0.5):
    """Gives every (initialised) parameter of `block` reproducible random values."""
    rng = np.random.RandomState(seed)
    for name in sorted(block.collect_params().keys()):
        param = block.collect_params()[name]
        param.set_data(nd.array(rng.randn(*param.shape).astype(np.float32) * scale))


def params_numpy(block):
    return {name: p.data().asnumpy() for name, p in block.collect_params().items()}
